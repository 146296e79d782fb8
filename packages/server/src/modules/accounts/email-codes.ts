import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import { apiError } from "../../http/api-error.ts";
import type { Database } from "../../store/schema.ts";
import { lockedMessage, type Mailer, type MailMessage, signInCodeMessage } from "./mail.ts";
import type { SendLimits } from "./send-limits.ts";
import { normalizeEmail } from "./service.ts";

/**
 * Email sign-in codes (security.md §6): 6 digits from `crypto.randomInt`, stored only as
 * HMAC-SHA256 under a pepper derived from the installation secret, bound to the flow and the
 * client; 10 minutes, single use, a new code replaces the previous one, at most 5 attempts per code;
 * at most one send per 60 s and 5 per hour per email and per IP; after 100 consecutive wrong codes
 * the address is locked for a day. Every answer is the same whether or not the email has an account.
 *
 * The send limits, the attempt limit and the lock all live in the database, so they hold across
 * every server process on it.
 */
export const CODE_TTL_MS = 10 * 60_000;
export const MAX_ATTEMPTS = 5;
export const LOCK_AFTER_FAILURES = 100;
export const LOCK_MS = 24 * 3600_000;
export const RESEND_AFTER_SECONDS = 60;
const PURGE_INTERVAL_MS = 60_000;

export interface EmailCodeSettings {
  /** HMAC key: `deriveSecretBytes(secret, "otp-pepper")`. */
  pepper: Buffer;
  mailer: Mailer;
  platformName: string;
  /** The send limits (security.md §6); undefined (off) only for development and tests. */
  sendLimits: SendLimits | undefined;
}

export interface CodeContext {
  flowId: string;
  clientId: string;
}

export class EmailCodeService {
  private lastPurge = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly settings: EmailCodeSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Sends a code for `email` (or, while the address is locked, a note saying so). Answers the same
   * for every valid address; 429 `rate_limited` over the send limits, 400 `invalid_email`.
   */
  async start(input: CodeContext & { email: string; ip: string; appName: string }): Promise<{
    resendAfterSeconds: number;
  }> {
    const email = this.email(input.email);
    await this.checkSendLimits(email, input.ip);
    await this.purgeExpired();
    const now = this.now();
    const lockedUntil = await this.lockedUntil(email);
    if (lockedUntil !== undefined) {
      await this.deliver(
        lockedMessage({ to: email, platformName: this.settings.platformName, until: new Date(lockedUntil) }),
      );
      return { resendAfterSeconds: RESEND_AFTER_SECONDS };
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    const row = {
      email,
      flow_id: input.flowId,
      client_id: input.clientId,
      code_hash: this.hash(input, email, code),
      attempts: 0,
      created_at: now,
      expires_at: now + CODE_TTL_MS,
    };
    // One live code per address: the new one replaces (invalidates) the previous one.
    await this.db
      .insertInto("otp_codes")
      .values(row)
      .onConflict((oc) => oc.column("email").doUpdateSet({ ...row, email: undefined }))
      .execute();
    await this.deliver(
      signInCodeMessage({
        to: email,
        code,
        appName: input.appName,
        platformName: this.settings.platformName,
        ttlMinutes: CODE_TTL_MS / 60_000,
      }),
    );
    return { resendAfterSeconds: RESEND_AFTER_SECONDS };
  }

  /**
   * Checks a code; on success it is used up and the proven email returned. Errors: 400
   * `invalid_code` / `code_expired`, 429 `too_many_attempts` (ask for a new code, or the address is
   * locked).
   */
  async verify(input: CodeContext & { email: string; code: string }): Promise<{ email: string }> {
    const email = this.email(input.email);
    const code = input.code.trim();
    if (!/^\d{6}$/.test(code)) throw invalidCode();
    if ((await this.lockedUntil(email)) !== undefined) throw locked();
    // Count the attempt first, in one statement, so parallel guesses cannot exceed the limit.
    const counted = await this.db
      .updateTable("otp_codes")
      .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
      .where("email", "=", email)
      .where("attempts", "<", MAX_ATTEMPTS)
      .returning(["attempts", "expires_at", "code_hash"])
      .executeTakeFirst();
    if (!counted) {
      const exists = await this.db
        .selectFrom("otp_codes")
        .select(["expires_at"])
        .where("email", "=", email)
        .executeTakeFirst();
      if (!exists) throw invalidCode();
      if (Number(exists.expires_at) <= this.now()) throw expired();
      throw apiError(429, "too_many_attempts", "Too many wrong codes. Ask for a new code.");
    }
    if (Number(counted.expires_at) <= this.now()) {
      await this.db.deleteFrom("otp_codes").where("email", "=", email).execute();
      throw expired();
    }
    const expected = Buffer.from(counted.code_hash, "hex");
    const actual = Buffer.from(this.hash(input, email, code), "hex");
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      await this.recordFailure(email);
      throw invalidCode();
    }
    // Single use: whoever deletes the row first has signed in.
    const used = await this.db
      .deleteFrom("otp_codes")
      .where("email", "=", email)
      .where("code_hash", "=", counted.code_hash)
      .executeTakeFirst();
    if (Number(used.numDeletedRows) !== 1) throw invalidCode();
    await this.db.deleteFrom("otp_email_states").where("email", "=", email).execute();
    return { email };
  }

  /** A mail that cannot be sent is 503 `mail_unavailable`; the transport's error travels as `cause` for the log. */
  private async deliver(message: MailMessage): Promise<void> {
    try {
      await this.settings.mailer.send(message);
    } catch (err) {
      throw Object.assign(
        apiError(503, "mail_unavailable", "The sign-in email could not be sent. Try again in a minute."),
        { cause: err },
      );
    }
  }

  private email(value: string): string {
    try {
      return normalizeEmail(value);
    } catch {
      throw apiError(400, "invalid_email", "Enter a valid email address.");
    }
  }

  /** 429 `rate_limited` with the wait when a send limit is reached; a refused request counts nowhere. */
  private async checkSendLimits(email: string, ip: string): Promise<void> {
    const waitMs = (await this.settings.sendLimits?.take(email, ip)) ?? 0;
    if (waitMs > 0) {
      const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw apiError(
        429,
        "rate_limited",
        `Too many codes requested. Try again in ${retryAfterSeconds} seconds.`,
        { retryAfterSeconds },
      );
    }
  }

  private hash(context: CodeContext, email: string, code: string): string {
    return createHmac("sha256", this.settings.pepper)
      .update(`${context.flowId}\n${context.clientId.toLowerCase()}\n${email}\n${code}`)
      .digest("hex");
  }

  private async lockedUntil(email: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom("otp_email_states")
      .select("locked_until")
      .where("email", "=", email)
      .executeTakeFirst();
    const until = row?.locked_until === null || row === undefined ? undefined : Number(row.locked_until);
    return until !== undefined && until > this.now() ? until : undefined;
  }

  /** One more consecutive failure; the hundredth locks the address for a day (and starts the count again). */
  private async recordFailure(email: string): Promise<void> {
    const now = this.now();
    await this.db
      .insertInto("otp_email_states")
      .values({ email, consecutive_failures: 1, locked_until: null, updated_at: now })
      .onConflict((oc) =>
        oc.column("email").doUpdateSet((eb) => ({
          consecutive_failures: eb("otp_email_states.consecutive_failures", "+", 1),
          updated_at: now,
        })),
      )
      .execute();
    const locked = await this.db
      .updateTable("otp_email_states")
      .set({ locked_until: now + LOCK_MS, consecutive_failures: 0 })
      .where("email", "=", email)
      .where("consecutive_failures", ">=", LOCK_AFTER_FAILURES)
      .executeTakeFirst();
    if (Number(locked.numUpdatedRows) > 0)
      await this.db.deleteFrom("otp_codes").where("email", "=", email).execute();
  }

  /** Deletes expired codes, at most once a minute. */
  async purgeExpired(force = false): Promise<void> {
    const now = this.now();
    if (!force && now - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    await this.db.deleteFrom("otp_codes").where("expires_at", "<=", now).execute();
    await this.settings.sendLimits?.purgeExpired();
  }
}

function invalidCode() {
  return apiError(400, "invalid_code", "That code is not right. Check the email and try again.");
}

function expired() {
  return apiError(400, "code_expired", "That code has expired. Ask for a new code.");
}

function locked() {
  return apiError(
    429,
    "too_many_attempts",
    "Too many wrong codes for this email address. Try again later, or sign in with a passkey.",
  );
}
