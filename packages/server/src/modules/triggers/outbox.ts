import type { Insertable, Kysely, Selectable } from "kysely";
import { isPostgres } from "../../store/engine.ts";
import type { Database, WebhookDeliveriesTable } from "../../store/schema.ts";
import type { DeliveryStatus } from "./model.ts";

/**
 * The delivery outbox (vehicle-triggers.md §9.3): rows are written in the transaction that decided
 * them (evaluation) and taken by a worker with a lease. A worker only ever takes the oldest pending
 * row of a (webhook, vehicle) pair, so a pair's rows go out one after the other, in order; a lease
 * that runs out (a crashed worker) makes the row claimable again, under the same id — delivery is
 * at least once. On PostgreSQL the claim locks its candidates with FOR UPDATE SKIP LOCKED, so
 * replicas claiming at the same moment never take the same row.
 */

export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type NewDelivery = Omit<Insertable<WebhookDeliveriesTable>, "seq">;

export const FINAL_STATUSES: readonly DeliveryStatus[] = ["succeeded", "failed", "dead", "cancelled"];

export class Outbox {
  private readonly postgres: boolean;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {
    this.postgres = isPostgres(db);
  }

  /** Inserts rows (in `trx` when given), in order: their seq orders each pair. */
  async insert(rows: NewDelivery[], trx: Kysely<Database> = this.db): Promise<DeliveryRow[]> {
    if (rows.length === 0) return [];
    const out: DeliveryRow[] = [];
    // One statement per 500 rows: 16 columns stay far below both engines' parameter limits.
    for (let i = 0; i < rows.length; i += 500) {
      out.push(
        ...(await trx
          .insertInto("webhook_deliveries")
          .values(rows.slice(i, i + 500))
          .returningAll()
          .execute()),
      );
    }
    return out;
  }

  /**
   * Takes up to `limit` due rows, each the oldest pending row of its pair and not leased, and
   * leases them to `owner` until now + leaseMs.
   */
  async claim(owner: string, limit: number, leaseMs: number): Promise<DeliveryRow[]> {
    const now = this.now();
    const candidates = this.db
      .selectFrom("webhook_deliveries as d")
      .select("d.seq")
      .where("d.status", "=", "pending")
      .where("d.next_attempt_at", "<=", now)
      .where((eb) => eb.or([eb("d.lease_until", "is", null), eb("d.lease_until", "<", now)]))
      .where((eb) => eb.not(eb.exists(this.olderPending(eb))))
      .orderBy("d.next_attempt_at")
      .orderBy("d.seq")
      .limit(limit)
      .$if(this.postgres, (q) => q.forUpdate().skipLocked());
    const rows = await this.db
      .updateTable("webhook_deliveries")
      .set({ lease_until: now + leaseMs, lease_owner: owner })
      .where("seq", "in", candidates)
      .returningAll()
      .execute();
    return rows.sort((a, b) => Number(a.seq) - Number(b.seq));
  }

  // biome-ignore lint/suspicious/noExplicitAny: the expression builder of the claim's outer query.
  private olderPending(eb: any) {
    return eb
      .selectFrom("webhook_deliveries as e")
      .select("e.seq")
      .whereRef("e.webhook_id", "=", "d.webhook_id")
      .whereRef("e.token_id", "=", "d.token_id")
      .where("e.status", "=", "pending")
      .whereRef("e.seq", "<", "d.seq");
  }

  /** When the earliest claimable row is due (undefined: none pending). */
  async nextDueAt(): Promise<number | undefined> {
    const now = this.now();
    const row = await this.db
      .selectFrom("webhook_deliveries as d")
      .select((eb) => eb.fn.min("d.next_attempt_at").as("due"))
      .where("d.status", "=", "pending")
      .where((eb) => eb.or([eb("d.lease_until", "is", null), eb("d.lease_until", "<", now)]))
      .where((eb) => eb.not(eb.exists(this.olderPending(eb))))
      .executeTakeFirst();
    return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
  }

  /** Gives leased rows back without an attempt (a stopping worker). */
  async release(seqs: number[], owner: string): Promise<void> {
    if (seqs.length === 0) return;
    await this.db
      .updateTable("webhook_deliveries")
      .set({ lease_until: null, lease_owner: null })
      .where("seq", "in", seqs)
      .where("lease_owner", "=", owner)
      .execute();
  }

  /** Cancels a webhook's pending trigger deliveries (it failed or was deleted). */
  async cancelPending(webhookId: string, reason: string, trx: Kysely<Database> = this.db): Promise<number> {
    const result = await trx
      .updateTable("webhook_deliveries")
      .set({ status: "cancelled", next_attempt_at: null, error: reason, updated_at: this.now() })
      .where("webhook_id", "=", webhookId)
      .where("status", "=", "pending")
      .where("kind", "=", "trigger")
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async find(webhookId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
    return this.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("webhook_id", "=", webhookId)
      .where("id", "=", deliveryId)
      .executeTakeFirst();
  }

  /** A webhook's deliveries, newest first, before the delivery `before` (keyset on seq). */
  async list(webhookId: string, limit: number, before?: string): Promise<DeliveryRow[] | undefined> {
    let query = this.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("webhook_id", "=", webhookId)
      .orderBy("seq", "desc")
      .limit(limit);
    if (before !== undefined) {
      const cursor = await this.find(webhookId, before);
      if (!cursor) return undefined;
      query = query.where("seq", "<", cursor.seq);
    }
    return query.execute();
  }

  async attempts(seq: number) {
    return this.db
      .selectFrom("webhook_delivery_attempts")
      .selectAll()
      .where("delivery_seq", "=", seq)
      .orderBy("attempt", "asc")
      .execute();
  }

  /** Puts a finished delivery back in the queue, due now, with a fresh retry schedule. */
  async requeue(seq: number): Promise<boolean> {
    const now = this.now();
    const result = await this.db
      .updateTable("webhook_deliveries")
      .set({
        status: "pending",
        next_attempt_at: now,
        first_attempt_at: null,
        lease_until: null,
        lease_owner: null,
        updated_at: now,
      })
      .where("seq", "=", seq)
      .where("status", "!=", "pending")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Deletes finished deliveries (and their attempts) created before `cutoff`. */
  async prune(cutoff: number): Promise<number> {
    const result = await this.db
      .deleteFrom("webhook_deliveries")
      .where("created_at", "<", cutoff)
      .where("status", "in", FINAL_STATUSES)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
