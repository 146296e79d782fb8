import { randomBytes } from "node:crypto";
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import type { Kysely } from "kysely";
import { apiError } from "../../http/api-error.ts";
import type { Database } from "../../store/schema.ts";
import type { User } from "./service.ts";

/**
 * Passkeys (security.md §6, WebAuthn L2 through @simplewebauthn/server): RP ID = the login origin's
 * hostname, expected origin = the login origin exactly; discoverable credentials and user
 * verification required; challenges single-use for 5 minutes; a signature counter that goes
 * backwards is refused (a cloned authenticator); several passkeys per account.
 */
export const CEREMONY_TTL_MS = 5 * 60_000;
const MAX_PASSKEYS = 20;
const PURGE_INTERVAL_MS = 60_000;

export interface PasskeySettings {
  /** The login origin, e.g. `http://localhost:3000`. */
  origin: string;
  /** Its hostname. */
  rpId: string;
  rpName: string;
}

export interface Passkey {
  id: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  backedUp: boolean;
  deviceType: string;
  transports: string[];
}

export function passkeySettings(loginUrl: string, rpName: string): PasskeySettings {
  const url = new URL(loginUrl);
  return { origin: url.origin, rpId: url.hostname, rpName };
}

export class PasskeyService {
  private lastPurge = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly settings: PasskeySettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Options to create a passkey for a signed-in user. */
  async registrationOptions(
    user: User,
  ): Promise<{ ceremonyId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
    const existing = await this.list(user.id);
    if (existing.length >= MAX_PASSKEYS)
      throw apiError(400, "passkey_failed", `An account can hold at most ${MAX_PASSKEYS} passkeys.`);
    const options = await generateRegistrationOptions({
      rpName: this.settings.rpName,
      rpID: this.settings.rpId,
      userName: user.email,
      userDisplayName: user.email,
      userID: new TextEncoder().encode(user.id),
      attestationType: "none",
      excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
      authenticatorSelection: {
        residentKey: "required",
        requireResidentKey: true,
        userVerification: "required",
      },
    });
    const ceremonyId = await this.startCeremony("registration", options.challenge, user.id);
    return { ceremonyId, options };
  }

  async verifyRegistration(
    user: User,
    ceremonyId: string,
    response: RegistrationResponseJSON,
  ): Promise<{ id: string; createdAt: Date }> {
    const ceremony = await this.takeCeremony(ceremonyId, "registration");
    if (ceremony.user_id !== user.id) throw failed("This passkey request belongs to another sign-in.");
    let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: ceremony.challenge,
        expectedOrigin: this.settings.origin,
        expectedRPID: this.settings.rpId,
        requireUserVerification: true,
      });
    } catch (err) {
      throw failed(`The passkey could not be verified: ${(err as Error).message}`);
    }
    if (!verification.verified) throw failed("The passkey could not be verified.");
    const info = verification.registrationInfo;
    const createdAt = this.now();
    const inserted = await this.db
      .insertInto("passkeys")
      .values({
        id: info.credential.id,
        user_id: user.id,
        public_key: Buffer.from(info.credential.publicKey).toString("base64url"),
        counter: info.credential.counter,
        transports: JSON.stringify(info.credential.transports ?? response.response.transports ?? []),
        device_type: info.credentialDeviceType,
        backed_up: info.credentialBackedUp ? 1 : 0,
        aaguid: info.aaguid,
        created_at: createdAt,
        last_used_at: null,
      })
      .onConflict((oc) => oc.column("id").doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0)
      throw failed("This passkey is already registered.");
    return { id: info.credential.id, createdAt: new Date(createdAt) };
  }

  /** Options for signing in with any passkey of this site (discoverable: no allowCredentials). */
  async authenticationOptions(): Promise<{
    ceremonyId: string;
    options: PublicKeyCredentialRequestOptionsJSON;
  }> {
    const options = await generateAuthenticationOptions({
      rpID: this.settings.rpId,
      userVerification: "required",
    });
    const ceremonyId = await this.startCeremony("authentication", options.challenge, null);
    return { ceremonyId, options };
  }

  /** Verifies a sign-in; returns the user id the passkey belongs to. */
  async verifyAuthentication(ceremonyId: string, response: AuthenticationResponseJSON): Promise<string> {
    const ceremony = await this.takeCeremony(ceremonyId, "authentication");
    const row = await this.db
      .selectFrom("passkeys")
      .selectAll()
      .where("id", "=", String(response.id ?? ""))
      .executeTakeFirst();
    if (!row) throw failed("This passkey is not registered here.");
    const userHandle = response.response?.userHandle;
    if (userHandle && Buffer.from(userHandle, "base64url").toString("utf8") !== row.user_id)
      throw failed("This passkey belongs to another account.");
    let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: ceremony.challenge,
        expectedOrigin: this.settings.origin,
        expectedRPID: this.settings.rpId,
        credential: {
          id: row.id,
          publicKey: new Uint8Array(Buffer.from(row.public_key, "base64url")),
          counter: Number(row.counter),
          transports: JSON.parse(row.transports) as string[],
        },
        requireUserVerification: true,
      });
    } catch (err) {
      throw failed(`The passkey could not be verified: ${(err as Error).message}`);
    }
    if (!result.verified) throw failed("The passkey could not be verified.");
    const info = result.authenticationInfo;
    // Compare-and-set on the counter: two uses racing with the same value cannot both pass.
    const updated = await this.db
      .updateTable("passkeys")
      .set({
        counter: info.newCounter,
        backed_up: info.credentialBackedUp ? 1 : 0,
        device_type: info.credentialDeviceType,
        last_used_at: this.now(),
      })
      .where("id", "=", row.id)
      .where("counter", "=", Number(row.counter))
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw failed("The passkey was used twice at once.");
    return row.user_id;
  }

  async list(userId: string): Promise<Passkey[]> {
    const rows = await this.db
      .selectFrom("passkeys")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("created_at", "asc")
      .execute();
    return rows.map((r) => ({
      id: r.id,
      createdAt: new Date(Number(r.created_at)),
      lastUsedAt: r.last_used_at === null ? null : new Date(Number(r.last_used_at)),
      backedUp: r.backed_up === 1,
      deviceType: r.device_type,
      transports: JSON.parse(r.transports) as string[],
    }));
  }

  async hasPasskey(userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("passkeys")
      .select("id")
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return !!row;
  }

  private async startCeremony(
    kind: "registration" | "authentication",
    challenge: string,
    userId: string | null,
  ): Promise<string> {
    await this.purgeExpired();
    const id = randomBytes(18).toString("base64url");
    await this.db
      .insertInto("webauthn_ceremonies")
      .values({ id, kind, challenge, user_id: userId, expires_at: this.now() + CEREMONY_TTL_MS })
      .execute();
    return id;
  }

  /** Deletes and returns the ceremony in one statement: a challenge verifies at most once. */
  private async takeCeremony(id: string, kind: "registration" | "authentication") {
    const row = await this.db
      .deleteFrom("webauthn_ceremonies")
      .where("id", "=", id)
      .where("kind", "=", kind)
      .returningAll()
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= this.now())
      throw failed("This passkey request has expired. Try again.");
    return row;
  }

  async purgeExpired(force = false): Promise<void> {
    const now = this.now();
    if (!force && now - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    await this.db.deleteFrom("webauthn_ceremonies").where("expires_at", "<=", now).execute();
  }
}

function failed(message: string) {
  return apiError(400, "passkey_failed", message);
}
