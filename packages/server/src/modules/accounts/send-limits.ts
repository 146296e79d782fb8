import { createHmac } from "node:crypto";
import type { Kysely } from "kysely";
import {
  type RateLimiterAbstract,
  RateLimiterPostgres,
  RateLimiterRes,
  RateLimiterSQLite,
} from "rate-limiter-flexible";
import type { Database, Store } from "../../store/index.ts";

/** The email-code send limits of security.md §6: one per minute and five per hour, per email and per IP. */
export const SEND_LIMITS = [
  { subject: "email", points: 1, durationSeconds: 60 },
  { subject: "ip", points: 1, durationSeconds: 60 },
  { subject: "email", points: 5, durationSeconds: 3600 },
  { subject: "ip", points: 5, durationSeconds: 3600 },
] as const;

const TABLE = "otp_send_limits";

/**
 * The send-limit counters, kept in the database (rate-limiter-flexible's PostgreSQL or SQLite
 * limiter over the `otp_send_limits` table), so every server process behind a load balancer counts
 * against the same allowance. Keys are HMACs of the address or IP under the OTP pepper: the table
 * says nothing about who asked.
 */
export class SendLimits {
  private readonly limiters: Array<{ limiter: RateLimiterAbstract; subject: "email" | "ip"; points: number }>;
  private readonly db: Kysely<Database>;

  constructor(
    store: Store,
    private readonly pepper: Buffer,
  ) {
    this.db = store.db;
    this.limiters = SEND_LIMITS.map(({ subject, points, durationSeconds }) => {
      const options = {
        keyPrefix: `otp-${subject}-${durationSeconds}`,
        points,
        duration: durationSeconds,
        tableName: TABLE,
        // The table comes from the migrations; expired rows go in `purgeExpired`, not on a timer.
        tableCreated: true,
        clearExpiredByTimeout: false,
      };
      const limiter =
        store.engine === "postgres"
          ? new RateLimiterPostgres({ ...options, storeClient: store.pgPool })
          : new RateLimiterSQLite({ ...options, storeClient: store.sqlite, storeType: "better-sqlite3" });
      return { limiter, subject, points };
    });
  }

  /**
   * Counts one send for `email` and `ip`. Answers the wait in milliseconds when a limit is reached,
   * in which case nothing is counted (a refused request uses up no allowance); 0 when the send may go.
   */
  async take(email: string, ip: string): Promise<number> {
    const keys = { email: this.key("email", email), ip: this.key("ip", ip) };
    // Look first, so the common refusal (a second click within the minute) writes nothing.
    let wait = 0;
    for (const { limiter, subject, points } of this.limiters) {
      const state = await limiter.get(keys[subject]);
      if (state && state.msBeforeNext > 0 && state.consumedPoints >= points)
        wait = Math.max(wait, state.msBeforeNext);
    }
    if (wait > 0) return wait;
    // Then count, each counter atomically in the database. Another process may have counted in
    // between: if any counter is now over, hand every point back and refuse.
    const consumed: Array<{ limiter: RateLimiterAbstract; key: string }> = [];
    for (const { limiter, subject } of this.limiters) {
      const key = keys[subject];
      try {
        await limiter.consume(key);
        consumed.push({ limiter, key });
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        // A refused consume still added its point.
        consumed.push({ limiter, key });
        wait = Math.max(wait, refusal.msBeforeNext);
      }
    }
    if (wait > 0) for (const { limiter, key } of consumed) await limiter.reward(key, 1);
    return Math.max(0, wait);
  }

  /** Deletes counters whose window has ended (by the wall clock, which the limiter's expiry times use). */
  async purgeExpired(): Promise<void> {
    await this.db.deleteFrom(TABLE).where("expire", "<", Date.now()).execute();
  }

  private key(subject: "email" | "ip", value: string): string {
    return createHmac("sha256", this.pepper).update(`otp-send\n${subject}\n${value}`).digest("hex");
  }
}
