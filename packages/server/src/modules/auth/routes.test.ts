import type { FastifyInstance } from "fastify";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStore, type TestStore, testEngine } from "../../../test/support/store.ts";
import { buildApp } from "../../app.ts";
import { loadConfig } from "../../config.ts";
import { decodeSubject } from "../../domain/subject.ts";
import { createServices, type Services } from "../../services.ts";
import type { ApiKey, License } from "../licenses/service.ts";

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const DOMAIN = "https://app.example.com/callback";

describe(`developer auth routes (${testEngine()})`, () => {
  let test: TestStore;
  let services: Services;
  let app: FastifyInstance;
  let license: License;
  let apiKey: ApiKey;
  const clock = { now: Date.parse("2030-06-01T12:00:00Z") };

  beforeAll(async () => {
    test = await createTestStore();
    services = await createServices(
      loadConfig({ KEYFOB_SECRET: "x".repeat(40), KEYFOB_LOG_LEVEL: "silent" }),
      {
        store: test.store,
        now: () => clock.now,
      },
    );
    app = await buildApp(services);
    await app.ready();
    license = await services.licenses.create({
      owner: "0x000000000000000000000000000000000000dEaD",
      alias: "routes",
    });
    await services.licenses.addRedirectUri(license.clientId, DOMAIN);
    apiKey = await services.licenses.createApiKey(license.clientId);
  });
  afterAll(async () => {
    await app.close();
    await services.close();
    await test.cleanup();
  });

  const challengeParams = (overrides: Record<string, string | undefined> = {}) => {
    const params: Record<string, string> = {};
    const all = {
      client_id: license.clientId,
      domain: DOMAIN,
      scope: "openid email",
      response_type: "code",
      address: license.clientId,
      ...overrides,
    };
    for (const [k, v] of Object.entries(all)) if (v !== undefined) params[k] = v;
    return params;
  };
  /** As the data SDK does it: everything in the query, a form content type, an empty body. */
  const generate = (overrides: Record<string, string | undefined> = {}) =>
    app.inject({
      method: "POST",
      url: "/auth/web3/generate_challenge",
      query: challengeParams(overrides),
      headers: FORM,
      payload: "",
    });
  const submit = (fields: Record<string, string>) =>
    app.inject({
      method: "POST",
      url: "/auth/web3/submit_challenge",
      headers: FORM,
      payload: new URLSearchParams(fields).toString(),
    });
  const sign = (message: string, privateKey = apiKey.privateKey) =>
    privateKeyToAccount(`0x${privateKey}`).signMessage({ message });
  const submitFields = async (state: string, challenge: string, extra: Record<string, string> = {}) => ({
    client_id: license.clientId,
    domain: DOMAIN,
    grant_type: "authorization_code",
    state,
    signature: await sign(challenge),
    ...extra,
  });
  const newChallenge = async (overrides: Record<string, string | undefined> = {}) => {
    const res = await generate(overrides);
    expect(res.statusCode).toBe(200);
    return res.json() as { state: string; challenge: string };
  };
  const snapshot = async () => ({
    challenges: await test.store.db.selectFrom("auth_challenges").selectAll().orderBy("state").execute(),
    keys: await test.store.db
      .selectFrom("signing_keys")
      .select(["kid", "retired_at"])
      .orderBy("kid")
      .execute(),
    licenses: await test.store.db.selectFrom("licenses").selectAll().orderBy("token_id").execute(),
    signers: await test.store.db.selectFrom("license_signers").selectAll().orderBy("address").execute(),
  });

  it("generate_challenge answers {state, challenge} with the SIWE text of §3.1", async () => {
    const { state, challenge } = await newChallenge();
    expect(state).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const lines = challenge.split("\n");
    expect(lines.slice(0, 8)).toEqual([
      "localhost:3000 wants you to sign in with your Ethereum account:",
      license.clientId,
      "",
      "app.example.com is asking you sign in.",
      "",
      "URI: http://localhost:3000",
      "Version: 1",
      "Chain ID: 1",
    ]);
    expect(lines[8]).toMatch(/^Nonce: [0-9A-Za-z]{30}$/);
    expect(lines[9]).toBe("Issued At: 2030-06-01T12:00:00Z");
    expect(lines).toHaveLength(10);
    const row = await test.store.db
      .selectFrom("auth_challenges")
      .selectAll()
      .where("state", "=", state)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      client_id: license.clientId,
      domain: DOMAIN,
      address: license.clientId,
      challenge,
    });
    expect(Number(row.expires_at)).toBe(clock.now + 10 * 60_000);
  });

  it("reads parameters from the query or a form body, with or without a content type, never 415", async () => {
    const query = challengeParams();
    const form = new URLSearchParams(query).toString();
    const cases = [
      { url: "/auth/web3/generate_challenge", query, headers: {}, payload: undefined },
      { url: "/auth/web3/generate_challenge", query, headers: FORM, payload: undefined },
      { url: "/auth/web3/generate_challenge", query: {}, headers: FORM, payload: form },
      {
        url: "/auth/web3/generate_challenge",
        query: { client_id: license.clientId },
        headers: FORM,
        payload: form,
      },
      {
        url: "/auth/web3/generate_challenge",
        query,
        headers: { "content-type": "text/plain" },
        payload: "hello",
      },
      {
        url: "/auth/web3/generate_challenge",
        query,
        headers: { "content-type": "multipart/form-data; boundary=x" },
        payload: "",
      },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: "POST", ...c });
      expect(res.statusCode, JSON.stringify(c)).toBe(200);
    }
    // The body wins over the query, as in Go's r.Form.
    const res = await app.inject({
      method: "POST",
      url: "/auth/web3/generate_challenge",
      query: { ...query, scope: "profile" },
      headers: FORM,
      payload: "scope=openid",
    });
    expect(res.statusCode).toBe(200);
  });

  it("client_id is compared case-insensitively", async () => {
    await newChallenge({
      client_id: license.clientId.toLowerCase(),
      address: license.clientId.toLowerCase(),
    });
  });

  it("generate_challenge errors: every row of the table, dex shape, nothing stored", async () => {
    const before = await snapshot();
    const unknown = "0x1111111111111111111111111111111111111111";
    const cases: Array<[Record<string, string | undefined>, number, string]> = [
      [{ client_id: unknown }, 404, `Invalid client_id ("${unknown}").`],
      [{ client_id: undefined }, 404, 'Invalid client_id ("").'],
      [{ client_id: "not-an-address" }, 404, 'Invalid client_id ("not-an-address").'],
      [{ domain: undefined }, 400, "No redirect_uri provided."],
      [
        { domain: "https://evil.example.com/callback" },
        400,
        'Unregistered redirect_uri ("https://evil.example.com/callback").',
      ],
      [{ domain: `${DOMAIN}/` }, 400, `Unregistered redirect_uri ("${DOMAIN}/").`],
      [{ scope: "email" }, 400, 'Missing required scope(s) ["openid"].'],
      [{ scope: undefined }, 400, 'Missing required scope(s) ["openid"].'],
      [{ response_type: "token" }, 400, 'Invalid response type "token"'],
      [{ response_type: undefined }, 400, 'Invalid response type ""'],
      [{ address: "0x123" }, 400, "Invalid Ethereum address."],
      [{ address: undefined }, 400, "Invalid Ethereum address."],
    ];
    for (const [overrides, status, message] of cases) {
      const res = await generate(overrides);
      expect({ status: res.statusCode, body: res.json() }, JSON.stringify(overrides)).toEqual({
        status,
        body: { status, code: status, message },
      });
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("submit_challenge issues the developer JWT of §3.4", async () => {
    const { state, challenge } = await newChallenge();
    const res = await submit(await submitFields(state, challenge));
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toBe("no-store");
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "id_token", "token_type"]);
    expect(body).toMatchObject({ token_type: "bearer", expires_in: 86400 });

    const jwks = (await app.inject({ method: "GET", url: "/keys" })).json();
    const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
      issuer: "http://localhost:3000",
      audience: license.clientId,
      currentDate: new Date(clock.now),
    });
    expect(protectedHeader).toMatchObject({ alg: "ES256", kid: jwks.keys[0].kid });
    const iat = Math.floor(clock.now / 1000);
    expect(payload).toEqual({
      iss: "http://localhost:3000",
      sub: expect.any(String),
      aud: license.clientId,
      iat,
      exp: iat + 86400,
      provider_id: "web3",
      email_verified: false,
      ethereum_address: license.clientId,
    });
    expect(decodeSubject(payload.sub!)).toEqual({ userId: license.clientId, connId: "web3" });
    await expect(services.developerAuth.verifyDeveloperJwt(body.access_token)).resolves.toMatchObject({
      clientId: license.clientId,
    });
    expect(decodeProtectedHeader(body.id_token).kid).toBe(jwks.keys[0].kid);

    // Single use: the state is gone.
    const replay = await submit(await submitFields(state, challenge));
    expect(replay.json()).toEqual({ status: 400, code: 400, message: "Requested resource does not exist." });
  });

  it("accepts v = 0/1 as well as 27/28, and a wallet signing for itself", async () => {
    const { state, challenge } = await newChallenge();
    const signature = await sign(challenge);
    const v = Number.parseInt(signature.slice(-2), 16);
    const lowV = `${signature.slice(0, -2)}${(v - 27).toString(16).padStart(2, "0")}`;
    expect((await submit({ ...(await submitFields(state, challenge)), signature: lowV })).statusCode).toBe(
      200,
    );

    const wallet = privateKeyToAccount(`0x${"42".repeat(32)}`);
    const own = await newChallenge({ address: wallet.address });
    const res = await submit({
      ...(await submitFields(own.state, own.challenge)),
      signature: await wallet.signMessage({ message: own.challenge }),
    });
    expect(res.statusCode).toBe(200);
    const { payload } = await jwtVerify(
      res.json().access_token,
      createLocalJWKSet((await app.inject({ url: "/keys" })).json()),
      {
        currentDate: new Date(clock.now),
      },
    );
    expect(payload).toMatchObject({ aud: license.clientId, ethereum_address: wallet.address });
    expect(decodeSubject(payload.sub!).userId).toBe(wallet.address);
  });

  it("submit_challenge errors: every row of the table; the state is consumed whatever happens", async () => {
    const expectError = async (res: { statusCode: number; json(): unknown }, message: string) => {
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ status: 400, code: 400, message });
    };
    const consumed = async (state: string) => {
      const row = await test.store.db
        .selectFrom("auth_challenges")
        .select("state")
        .where("state", "=", state)
        .executeTakeFirst();
      expect(row).toBeUndefined();
    };
    const before = await snapshot();

    await expectError(
      await submit({ state: "nope", signature: "0x00" }),
      "Requested resource does not exist.",
    );
    await expectError(await submit({}), "Requested resource does not exist.");

    const cases: Array<
      [string, (fields: Record<string, string>, challenge: string) => Promise<Record<string, string>>]
    > = [
      [
        "redirect_uri did not match URI from initial request.",
        async (f) => ({ ...f, domain: `${DOMAIN}?x=1` }),
      ],
      [
        "redirect_uri did not match URI from initial request.",
        async (f) => ({ ...f, client_id: "0x1111111111111111111111111111111111111111" }),
      ],
      ["redirect_uri did not match URI from initial request.", async ({ client_id: _, ...f }) => f],
      ["Could not verify signature.", async (f) => ({ ...f, signature: "0x1234" })],
      ["Could not verify signature.", async (f) => ({ ...f, signature: "not hex at all" })],
      ["Could not verify signature.", async (f) => ({ ...f, signature: `${f.signature!.slice(0, -2)}05` })],
      ["Could not verify signature.", async (f) => ({ ...f, signature: `0x${"00".repeat(65)}` })],
      ["Could not verify signature.", async ({ signature: _, ...f }) => f],
      [
        "Could not verify signature.",
        async (f, challenge) => ({
          ...f,
          signature: await privateKeyToAccount(`0x${"77".repeat(32)}`).signMessage({ message: challenge }),
        }),
      ],
      [
        "Could not verify signature.",
        async (f, challenge) => ({ ...f, signature: await sign(`${challenge} `) }),
      ],
    ];
    for (const [message, change] of cases) {
      const { state, challenge } = await newChallenge();
      await expectError(await submit(await change(await submitFields(state, challenge), challenge)), message);
      await consumed(state);
      // A correct retry with the same state no longer works.
      await expectError(
        await submit(await submitFields(state, challenge)),
        "Requested resource does not exist.",
      );
    }

    // Expired: 10 minutes and one millisecond later.
    const { state, challenge } = await newChallenge();
    clock.now += 10 * 60_000;
    await expectError(await submit(await submitFields(state, challenge)), "User session has expired.");
    await consumed(state);
    clock.now -= 10 * 60_000;

    expect(await snapshot()).toEqual(before);
  });

  it("a disabled or expired API key cannot sign in; another license's key neither", async () => {
    const disabled = await services.licenses.createApiKey(license.clientId);
    await services.licenses.disableSigner(license.clientId, disabled.address);
    const expiring = await services.licenses.createApiKey(license.clientId);
    await services.licenses.addSigner(license.clientId, expiring.address, new Date(clock.now - 1000));
    const other = await services.licenses.create({ owner: "0x000000000000000000000000000000000000dEaD" });
    const otherKey = await services.licenses.createApiKey(other.clientId);
    for (const key of [disabled, expiring, otherKey]) {
      const { state, challenge } = await newChallenge();
      const res = await submit({
        ...(await submitFields(state, challenge)),
        signature: await sign(challenge, key.privateKey),
      });
      expect(res.json()).toEqual({ status: 400, code: 400, message: "Could not verify signature." });
    }
  });

  it("oversize bodies are 413 JSON in the dex shape", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/auth/web3/submit_challenge",
      headers: FORM,
      payload: `state=${"a".repeat(70 * 1024)}`,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ status: 413, code: 413, message: "Request body is too large." });
  });

  it("purges expired challenges", async () => {
    await newChallenge();
    clock.now += 11 * 60_000;
    expect(await services.developerAuth.purgeExpiredChallenges(true)).toBeGreaterThan(0);
    const left = await test.store.db.selectFrom("auth_challenges").select("state").execute();
    expect(left).toEqual([]);
    clock.now -= 11 * 60_000;
  });

  it("issues user JWTs for the login app (§4)", async () => {
    const wallet = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    const { token, expiresIn } = await services.developerAuth.issueUserJwt({
      clientId: license.clientId.toLowerCase(),
      walletAddress: wallet,
    });
    expect(expiresIn).toBe(86400);
    const payload = await services.jwt.verify("developer", token);
    expect(payload).toMatchObject({
      iss: "http://localhost:3000",
      aud: license.clientId,
      provider_id: "web3",
      email_verified: false,
      ethereum_address: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    });
    expect(payload.sub).toBe("CioweDVGYkRCMjMxNTY3OGFmZWNiMzY3ZjAzMmQ5M0Y2NDJmNjQxODBhYTMSBHdlYjM");
    expect(payload.email).toBeUndefined();
  });

  it("publishes both issuers' JWKS and discovery documents, cacheable and readable from any origin", async () => {
    for (const [path, issuer] of [
      ["", "http://localhost:3000"],
      ["/roles-rights", "http://localhost:3000/roles-rights"],
    ] as const) {
      const keys = await app.inject({ method: "GET", url: `${path}/keys` });
      expect(keys.statusCode).toBe(200);
      expect(keys.headers["cache-control"]).toBe("max-age=300");
      expect(keys.headers["access-control-allow-origin"]).toBe("*");
      const jwks = keys.json();
      expect(jwks.keys.length).toBeGreaterThan(0);
      expect(jwks.keys[0]).toEqual({
        kty: "EC",
        crv: "P-256",
        use: "sig",
        alg: "ES256",
        kid: (await services.keys.signingKey(path ? "vehicle" : "developer")).kid,
        x: expect.any(String),
        y: expect.any(String),
      });

      const discovery = await app.inject({ method: "GET", url: `${path}/.well-known/openid-configuration` });
      expect(discovery.statusCode).toBe(200);
      expect(discovery.headers["cache-control"]).toBe("max-age=300");
      expect(discovery.headers["access-control-allow-origin"]).toBe("*");
      expect(discovery.json()).toMatchObject({
        issuer,
        jwks_uri: `${issuer}/keys`,
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["ES256"],
      });
    }
    expect((await app.inject({ url: "/.well-known/openid-configuration" })).json()).toMatchObject({
      authorization_endpoint: "http://localhost:3000/oauth/authorize",
      token_endpoint: "http://localhost:3000/oauth/token",
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      scopes_supported: ["openid", "email"],
      grant_types_supported: ["authorization_code"],
    });
  });
});
