import { EventEmitter } from "node:events";
import { type Kysely, sql } from "kysely";
import type pg from "pg";

/**
 * Tells every server process that something cached has changed. In one process it is an event
 * emitter; on PostgreSQL it also uses LISTEN/NOTIFY so that replicas drop their caches as soon as
 * the writer commits.
 */
export type ChangeChannel = "keyfob_grants" | "keyfob_triggers";

const CHANNELS: readonly ChangeChannel[] = ["keyfob_grants", "keyfob_triggers"];

export class ChangeFeed {
  private readonly local = new EventEmitter();
  private listenClient: pg.PoolClient | undefined;
  private closed = false;

  constructor(private readonly pool?: pg.Pool) {
    this.local.setMaxListeners(100);
  }

  /** Starts listening on PostgreSQL; a no-op on SQLite. */
  async start(): Promise<void> {
    if (!this.pool || this.listenClient) return;
    const client = await this.pool.connect();
    client.on("notification", (msg) => {
      if ((CHANNELS as readonly string[]).includes(msg.channel))
        this.local.emit(msg.channel, msg.payload ?? "");
    });
    if (this.closed) {
      client.release(true);
      return;
    }
    client.on("error", () => {
      // The connection dropped: forget it, let caches be cleared, and reconnect.
      this.listenClient = undefined;
      for (const channel of CHANNELS) this.local.emit(channel, "reconnect");
      if (!this.closed) setTimeout(() => void this.start().catch(() => {}), 1000).unref();
    });
    for (const channel of CHANNELS) await client.query(`LISTEN ${channel}`);
    this.listenClient = client;
  }

  subscribe(channel: ChangeChannel, listener: (payload: string) => void): () => void {
    this.local.on(channel, listener);
    return () => this.local.off(channel, listener);
  }

  /** Call after the change has committed. */
  async publish(channel: ChangeChannel, payload = ""): Promise<void> {
    this.local.emit(channel, payload);
    if (this.pool) await this.pool.query("select pg_notify($1, $2)", [channel, payload]);
  }

  /**
   * Queues the notification inside the writing transaction, so PostgreSQL delivers it exactly when
   * the change commits (and never for a rollback, nor lost to a crash after the commit). Call
   * `announceLocally` once the transaction has committed. A no-op on SQLite.
   */
  // biome-ignore lint/suspicious/noExplicitAny: any schema's transaction will do.
  async notifyWithin(trx: Kysely<any>, channel: ChangeChannel, payload = ""): Promise<void> {
    if (this.pool) await sql`select pg_notify(${channel}, ${payload})`.execute(trx);
  }

  announceLocally(channel: ChangeChannel, payload = ""): void {
    this.local.emit(channel, payload);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.listenClient;
    this.listenClient = undefined;
    // Destroy rather than return the connection: its listeners belong to this feed.
    if (client) client.release(true);
  }
}
