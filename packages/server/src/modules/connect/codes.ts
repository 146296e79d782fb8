import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { sameAddress } from "../../domain/address.ts";
import { verifyPkce } from "../../domain/pkce.ts";
import type { Database } from "../../store/schema.ts";
import type { LicenseService } from "../licenses/service.ts";

/**
 * Secure mode's authorization codes (security.md §3, RFC 9700 §4.5): 256 random bits handed to
 * the app once, only their sha256 stored, valid 60 seconds, single use, bound to the client, the
 * redirect URI, the PKCE challenge and the flow's result.
 *
 * A code presented a second time is refused with `invalid_grant`. The user JWT issued from its
 * first use cannot be revoked (JWTs are stateless and short-lived: the developer TTL); the reuse is
 * reported through `onReuse` for the log.
 */
export const CODE_TTL_MS = 60_000;
const PURGE_INTERVAL_MS = 60_000;
// Used and expired codes stay a while, so a late second use is still recognised as reuse.
const KEEP_MS = 3600_000;

export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: "invalid_request" | "invalid_client" | "invalid_grant" | "unsupported_grant_type",
    readonly description: string,
  ) {
    super(description);
  }
}

export interface CodeGrant {
  userId: string;
  walletAddress: string;
  clientId: string;
  /** The flow's result (walletAddress, email?, sharedVehicles?, ...). */
  result: Record<string, unknown>;
}

export interface TokenRequest {
  grant_type?: string;
  code?: string;
  redirect_uri?: string;
  client_id?: string;
  code_verifier?: string;
}

export function hashCode(code: string): string {
  return createHash("sha256").update(code).digest("hex");
}

export class AuthorizationCodes {
  private lastPurge = 0;

  private log: { warn(obj: object, msg: string): void } | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly licenses: LicenseService,
    private readonly now: () => number = Date.now,
  ) {}

  /** Where a reused code is reported (the app's logger). */
  setLog(log: { warn(obj: object, msg: string): void }): void {
    this.log = log;
  }

  async issue(input: {
    clientId: string;
    redirectUri: string;
    codeChallenge: string;
    flowId: string;
    userId: string;
    walletAddress: string;
    result: Record<string, unknown>;
  }): Promise<string> {
    await this.purge();
    const code = randomBytes(32).toString("base64url");
    const now = this.now();
    await this.db
      .insertInto("authorization_codes")
      .values({
        code_hash: hashCode(code),
        client_id: input.clientId,
        redirect_uri: input.redirectUri,
        code_challenge: input.codeChallenge,
        flow_id: input.flowId,
        user_id: input.userId,
        wallet_address: input.walletAddress,
        result: JSON.stringify(input.result),
        created_at: now,
        expires_at: now + CODE_TTL_MS,
        used_at: null,
      })
      .execute();
    return code;
  }

  /**
   * Redeems a code (RFC 6749 §4.1.3 with RFC 7636): the code is used up by the first attempt,
   * whatever its outcome, so a wrong verifier cannot be retried against it.
   */
  async redeem(request: TokenRequest): Promise<CodeGrant> {
    if (request.grant_type !== "authorization_code")
      throw new OAuthError(
        400,
        request.grant_type ? "unsupported_grant_type" : "invalid_request",
        request.grant_type ? "Only grant_type=authorization_code is supported." : "grant_type is required.",
      );
    for (const name of ["code", "redirect_uri", "client_id", "code_verifier"] as const) {
      if (!request[name]) throw new OAuthError(400, "invalid_request", `${name} is required.`);
    }
    const license = await this.licenses.find(request.client_id!);
    if (!license) throw new OAuthError(401, "invalid_client", "Unknown client_id.");
    const hash = hashCode(request.code!);
    const taken = await this.db
      .updateTable("authorization_codes")
      .set({ used_at: this.now() })
      .where("code_hash", "=", hash)
      .where("used_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    if (!taken) {
      const used = await this.db
        .selectFrom("authorization_codes")
        .select(["client_id", "flow_id"])
        .where("code_hash", "=", hash)
        .executeTakeFirst();
      if (used) {
        this.log?.warn({ clientId: used.client_id, flowId: used.flow_id }, "authorization code reused");
        throw new OAuthError(400, "invalid_grant", "The authorization code was already used.");
      }
      throw new OAuthError(400, "invalid_grant", "Unknown authorization code.");
    }
    if (Number(taken.expires_at) <= this.now())
      throw new OAuthError(400, "invalid_grant", "The authorization code has expired.");
    if (!sameAddress(taken.client_id, license.clientId))
      throw new OAuthError(400, "invalid_grant", "The authorization code was issued to another client.");
    if (taken.redirect_uri !== request.redirect_uri)
      throw new OAuthError(400, "invalid_grant", "redirect_uri does not match the authorization request.");
    if (!verifyPkce(request.code_verifier, taken.code_challenge))
      throw new OAuthError(400, "invalid_grant", "code_verifier does not match the code_challenge.");
    // The redirect URI may have been removed from the license since (security.md §1: checked again here).
    if (!(await this.licenses.hasRedirectUri(license.clientId, taken.redirect_uri)))
      throw new OAuthError(400, "invalid_grant", "redirect_uri is no longer registered for this client.");
    return {
      userId: taken.user_id,
      walletAddress: taken.wallet_address,
      clientId: license.clientId,
      result: JSON.parse(taken.result) as Record<string, unknown>,
    };
  }

  private async purge(): Promise<void> {
    const now = this.now();
    if (now - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    await this.db
      .deleteFrom("authorization_codes")
      .where("expires_at", "<=", now - KEEP_MS)
      .execute();
  }
}
