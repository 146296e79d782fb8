import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import type { OutboxMessage } from "../../src/modules/accounts/mail.ts";
import type { Services } from "../../src/services.ts";

/**
 * Test support for the login app's API: a browser-like client over `app.inject` (a cookie jar, the
 * CSRF header, the login origin), sign-in through the dev outbox, a software passkey authenticator,
 * and the creation of a license the login app can be opened for.
 */

export const LOGIN_ORIGIN = "http://localhost:3000";

/** One browser: cookies persist across requests, POSTs carry the CSRF token and the login Origin. */
export class LoginBrowser {
  readonly cookies = new Map<string, string>();
  csrfToken = "";

  constructor(private readonly app: FastifyInstance) {}

  async request(
    options: InjectOptions & { csrf?: boolean; origin?: string | null },
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...(options.headers as Record<string, string>) };
    if (this.cookies.size > 0)
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    if (options.method === "POST") {
      if (options.csrf !== false && this.csrfToken) headers["x-csrf-token"] = this.csrfToken;
      if (options.origin !== null) headers.origin = options.origin ?? LOGIN_ORIGIN;
    }
    const { csrf: _csrf, origin: _origin, ...rest } = options;
    const res = await this.app.inject({ ...rest, headers });
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      const deleted = c.value === "" || c.maxAge === 0 || (c.expires && c.expires.getTime() <= Date.now());
      if (deleted) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  /** `GET /api/session`, keeping the CSRF token. */
  async session(): Promise<{
    csrfToken: string;
    user: null | { email: string; walletAddress: string; hasPasskey: boolean };
  }> {
    const res = await this.request({ method: "GET", url: "/api/session" });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    this.csrfToken = body.csrfToken;
    return body;
  }

  post(url: string, payload: unknown = {}, extra: { csrf?: boolean; origin?: string | null } = {}) {
    return this.request({ method: "POST", url, payload: payload as object, ...extra });
  }

  get(url: string) {
    return this.request({ method: "GET", url });
  }

  /** Creates a flow from a query string (redirect mode unless told otherwise); expects it ready. */
  async flow(query: string, mode: "redirect" | "popup" | "embed" = "redirect") {
    const res = await this.post("/api/connect/flows", { query, mode });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.status).toBe("ready");
    return body as {
      flowId: string;
      request: Record<string, unknown>;
      app: Record<string, unknown>;
      replyOrigin: string | null;
    };
  }

  /** Signs in with an emailed code for `email` through `flowId`. */
  async signInWithCode(services: Services, flowId: string, email: string) {
    const start = await this.post("/api/auth/email/start", { flowId, email });
    expect(start.statusCode, start.body).toBe(202);
    const code = latestCode(services, email);
    const verify = await this.post("/api/auth/email/verify", { flowId, email, code });
    expect(verify.statusCode, verify.body).toBe(200);
    return verify.json() as {
      user: { email: string; walletAddress: string; hasPasskey: boolean };
      newAccount: boolean;
    };
  }
}

/** The newest message to `to` in the dev outbox. */
export function latestMail(services: Services, to: string): OutboxMessage {
  const message = services.outbox?.list().find((m) => m.to === to.toLowerCase());
  if (!message) throw new Error(`no mail to ${to} in the outbox`);
  return message;
}

/** The six-digit code of the newest mail to `to`, read from its text body as a person would. */
export function latestCode(services: Services, to: string): string {
  const match = /\b(\d{6})\b/.exec(latestMail(services, to).text);
  if (!match) throw new Error("no code in the mail");
  return match[1]!;
}

/** A license with one redirect URI (and optional settings), as a developer would set it up. */
export async function createLoginLicense(
  services: Services,
  options: {
    alias?: string;
    redirectUri?: string;
    settings?: Parameters<Services["licenseSettings"]["update"]>[1];
  } = {},
) {
  const developer = await services.accounts.ensure("developer@example.com");
  const license = await services.licenses.create({
    owner: developer.walletAddress,
    alias: options.alias ?? null,
  });
  const redirectUri = options.redirectUri ?? "https://app.example.com/callback";
  await services.licenses.addRedirectUri(license.clientId, redirectUri);
  if (options.settings) await services.licenseSettings.update(license.clientId, options.settings);
  return { clientId: license.clientId, redirectUri, origin: new URL(redirectUri).origin, license };
}

/**
 * A software passkey authenticator (ES256, attestation "none"): creates credentials and signs
 * assertions the way a platform authenticator does, with user presence and verification.
 */
export class SoftAuthenticator {
  private readonly credentials = new Map<string, { key: KeyObject; counter: number; userHandle: string }>();

  constructor(
    private readonly rpId = "localhost",
    private readonly origin = LOGIN_ORIGIN,
  ) {}

  /** A registration response for creation options from the server. */
  create(
    options: { challenge: string; user: { id: string } },
    overrides: { origin?: string; userVerified?: boolean } = {},
  ) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const credentialId = randomBytes(16);
    const id = credentialId.toString("base64url");
    this.credentials.set(id, { key: privateKey, counter: 0, userHandle: options.user.id });
    const jwk = publicKey.export({ format: "jwk" });
    const cose = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x!, "base64url")],
      [-3, Buffer.from(jwk.y!, "base64url")],
    ]);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      this.rpIdHash(),
      Buffer.from([flags({ attested: true, userVerified: overrides.userVerified ?? true })]),
      Buffer.alloc(4), // counter 0
      Buffer.alloc(16), // aaguid
      idLength,
      credentialId,
      Buffer.from(isoCBOR.encode(cose)),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", new Uint8Array(authData)],
      ]) as never,
    );
    const clientDataJSON = clientData("webauthn.create", options.challenge, overrides.origin ?? this.origin);
    return {
      id,
      rawId: id,
      type: "public-key",
      response: {
        clientDataJSON,
        attestationObject: Buffer.from(attestationObject).toString("base64url"),
        transports: ["internal"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** An assertion for request options from the server, with the credential `id` (the first one by default). */
  get(options: { challenge: string }, overrides: { id?: string; counter?: number; origin?: string } = {}) {
    const id = overrides.id ?? [...this.credentials.keys()][0];
    const credential = id ? this.credentials.get(id) : undefined;
    if (!id || !credential) throw new Error("no credential");
    credential.counter = overrides.counter ?? credential.counter + 1;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(credential.counter);
    const authData = Buffer.concat([this.rpIdHash(), Buffer.from([flags({ userVerified: true })]), counter]);
    const clientDataJSON = clientData("webauthn.get", options.challenge, overrides.origin ?? this.origin);
    const signature = sign(
      "sha256",
      Buffer.concat([
        authData,
        createHash("sha256").update(Buffer.from(clientDataJSON, "base64url")).digest(),
      ]),
      credential.key,
    );
    return {
      id,
      rawId: id,
      type: "public-key",
      response: {
        clientDataJSON,
        authenticatorData: authData.toString("base64url"),
        signature: signature.toString("base64url"),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  private rpIdHash(): Buffer {
    return createHash("sha256").update(this.rpId).digest();
  }
}

function flags(f: { attested?: boolean; userVerified: boolean }): number {
  // UP | UV? | BE | BS | AT?
  return 0x01 | (f.userVerified ? 0x04 : 0) | 0x08 | 0x10 | (f.attested ? 0x40 : 0);
}

function clientData(type: string, challenge: string, origin: string): string {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })).toString("base64url");
}
