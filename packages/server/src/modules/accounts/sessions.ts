import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../store/schema.ts";

/**
 * Login-origin sessions (security.md §6): a 256-bit random id in an HttpOnly cookie, a server-side
 * row that keeps only its sha256, an idle timeout of 24 hours and an absolute one of 30 days.
 */
export const SESSION_IDLE_MS = 24 * 3600_000;
export const SESSION_ABSOLUTE_MS = 30 * 24 * 3600_000;
// Activity is written at most once a minute, so a page of requests costs one write.
const TOUCH_INTERVAL_MS = 60_000;
const PURGE_INTERVAL_MS = 60_000;

export interface Session {
  userId: string;
  createdAt: number;
  expiresAt: number;
}

export function hashSessionId(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}

export class SessionService {
  private lastPurge = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session for the user; `replaces` (the browser's previous session id) ends at the same time. */
  async create(userId: string, replaces?: string): Promise<{ id: string; expiresAt: number }> {
    await this.purgeExpired();
    if (replaces) await this.end(replaces);
    const id = randomBytes(32).toString("base64url");
    const now = this.now();
    const expiresAt = now + SESSION_ABSOLUTE_MS;
    await this.db
      .insertInto("sessions")
      .values({
        id_hash: hashSessionId(id),
        user_id: userId,
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
      })
      .execute();
    return { id, expiresAt };
  }

  /** The live session with this id, or undefined (unknown, idle for 24 hours, or past 30 days). */
  async resolve(id: string | undefined): Promise<Session | undefined> {
    if (!id || id.length > 100) return undefined;
    const hash = hashSessionId(id);
    const row = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("id_hash", "=", hash)
      .executeTakeFirst();
    if (!row) return undefined;
    const now = this.now();
    const lastSeen = Number(row.last_seen_at);
    if (now >= Number(row.expires_at) || now - lastSeen >= SESSION_IDLE_MS) {
      await this.db.deleteFrom("sessions").where("id_hash", "=", hash).execute();
      return undefined;
    }
    if (now - lastSeen >= TOUCH_INTERVAL_MS)
      await this.db.updateTable("sessions").set({ last_seen_at: now }).where("id_hash", "=", hash).execute();
    return { userId: row.user_id, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) };
  }

  async end(id: string | undefined): Promise<void> {
    if (!id || id.length > 100) return;
    await this.db.deleteFrom("sessions").where("id_hash", "=", hashSessionId(id)).execute();
  }

  /** Deletes ended sessions, at most once a minute. */
  async purgeExpired(force = false): Promise<void> {
    const now = this.now();
    if (!force && now - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    await this.db
      .deleteFrom("sessions")
      .where((eb) => eb.or([eb("expires_at", "<=", now), eb("last_seen_at", "<=", now - SESSION_IDLE_MS)]))
      .execute();
  }
}
