import { type ExpressionBuilder, type Insertable, type Kysely, type Selectable, sql } from "kysely";
import { isPostgres } from "../../store/engine.ts";
import type { Database, WebhookDeliveriesTable } from "../../store/schema.ts";
import type { DeliveryStatus } from "./model.ts";

/**
 * The delivery outbox (vehicle-triggers.md §9.3): rows are written in the transaction that decided
 * them (evaluation) and taken by a worker with a lease. A worker only ever takes the head of a
 * (webhook, vehicle) pair — its oldest pending row, flagged `is_head` — so a pair's rows go out one
 * after the other, in order; when a head ends (succeeded, failed, dead, cancelled) the next pending
 * row of its pair becomes the head in the same transaction. A lease that runs out (a crashed
 * worker) makes the row claimable again, under the same id: delivery is at least once. On
 * PostgreSQL the claim locks its candidates with FOR UPDATE SKIP LOCKED, so replicas claiming at
 * the same moment never take the same row, and head changes of a pair queue on the pair's
 * `trigger_state` row, which evaluation also locks before it adds to the pair.
 */

export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type NewDelivery = Omit<Insertable<WebhookDeliveriesTable>, "seq" | "is_head">;

// Literals, not parameters, so that SQLite can use the partial indexes (see 0004_triggers).
const PENDING = sql.lit("pending");
const HEAD = sql.lit(1);

export const FINAL_STATUSES: readonly DeliveryStatus[] = ["succeeded", "failed", "dead", "cancelled"];

export class Outbox {
  private readonly postgres: boolean;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {
    this.postgres = isPostgres(db);
  }

  /**
   * Inserts rows (in `trx` when given), in order: their seq orders each pair. The first row of a
   * pair with nothing pending is its head. Trigger rows go in after the pair's `trigger_state` row
   * was locked (evaluation upserts it first); test rows are heads of their own.
   */
  async insert(rows: NewDelivery[], trx: Kysely<Database> = this.db): Promise<DeliveryRow[]> {
    if (rows.length === 0) return [];
    const headed = new Set<string>();
    const values: Array<NewDelivery & { is_head: number }> = [];
    for (const row of rows) {
      if (row.kind === "test") {
        values.push({ ...row, is_head: 1 });
        continue;
      }
      const pair = `${row.webhook_id}\n${row.token_id}`;
      let head = 0;
      if (!headed.has(pair)) {
        headed.add(pair);
        head = (await this.hasPending(trx, row.webhook_id, Number(row.token_id))) ? 0 : 1;
      }
      values.push({ ...row, is_head: head });
    }
    const out: DeliveryRow[] = [];
    // One statement per 500 rows: 17 columns stay far below both engines' parameter limits.
    for (let i = 0; i < values.length; i += 500) {
      out.push(
        ...(await trx
          .insertInto("webhook_deliveries")
          .values(values.slice(i, i + 500))
          .returningAll()
          .execute()),
      );
    }
    return out;
  }

  private async hasPending(trx: Kysely<Database>, webhookId: string, tokenId: number): Promise<boolean> {
    const row = await trx
      .selectFrom("webhook_deliveries")
      .select("seq")
      .where("webhook_id", "=", webhookId)
      .where("token_id", "=", tokenId)
      .where("status", "=", PENDING)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * After a pair's head ended (in `trx`, with the row already updated): its oldest pending row, if
   * any and if the pair has no head, becomes the head. On PostgreSQL the pair's `trigger_state` row
   * is locked first, so an evaluation adding to the pair at the same moment waits and then sees the
   * new head (or none).
   */
  async advance(trx: Kysely<Database>, webhookId: string, tokenId: number): Promise<void> {
    if (this.postgres)
      await trx
        .selectFrom("trigger_state")
        .select("webhook_id")
        .where("webhook_id", "=", webhookId)
        .where("token_id", "=", tokenId)
        .forUpdate()
        .execute();
    const pending = (eb: ExpressionBuilder<Database, "webhook_deliveries">) =>
      eb
        .selectFrom("webhook_deliveries as p")
        .where("p.webhook_id", "=", webhookId)
        .where("p.token_id", "=", tokenId)
        .where("p.status", "=", PENDING);
    await trx
      .updateTable("webhook_deliveries")
      .set({ is_head: 1 })
      .where("seq", "=", (eb) => pending(eb).select((e) => e.fn.min("p.seq").as("seq")))
      .where((eb) => eb.not(eb.exists(pending(eb).select("p.seq").where("p.is_head", "=", HEAD))))
      .execute();
  }

  /**
   * Heads for pairs that have pending rows but none flagged (defence in depth: nothing should leave
   * a pair so, but a stuck pair would never be delivered). Cheap enough to run now and then.
   */
  async repairHeads(): Promise<number> {
    const result = await this.db
      .updateTable("webhook_deliveries")
      .set({ is_head: 1 })
      .where("status", "=", PENDING)
      .where("seq", "in", (eb) =>
        eb
          .selectFrom("webhook_deliveries as m")
          .select((e) => e.fn.min("m.seq").as("seq"))
          .where("m.status", "=", PENDING)
          .groupBy(["m.webhook_id", "m.token_id"])
          .having((e) => e.fn.max("m.is_head"), "=", 0),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Takes up to `limit` due heads that no live lease holds, and leases them to `owner` until now + leaseMs. */
  async claim(owner: string, limit: number, leaseMs: number): Promise<DeliveryRow[]> {
    const now = this.now();
    const candidates = this.db
      .selectFrom("webhook_deliveries as d")
      .select("d.seq")
      .where("d.status", "=", PENDING)
      .where("d.is_head", "=", HEAD)
      .where("d.next_attempt_at", "<=", now)
      .where((eb) => eb.or([eb("d.lease_until", "is", null), eb("d.lease_until", "<", now)]))
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

  /** When the earliest claimable row is due (undefined: none pending). */
  async nextDueAt(): Promise<number | undefined> {
    const now = this.now();
    const row = await this.db
      .selectFrom("webhook_deliveries as d")
      .select((eb) => eb.fn.min("d.next_attempt_at").as("due"))
      .where("d.status", "=", PENDING)
      .where("d.is_head", "=", HEAD)
      .where((eb) => eb.or([eb("d.lease_until", "is", null), eb("d.lease_until", "<", now)]))
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
      .where("status", "=", PENDING)
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

  /**
   * Puts a finished delivery back in the queue, due now, with a fresh retry schedule: the pair's
   * head if it has none, else right after it (it is older than what waits behind the head).
   */
  async requeue(row: DeliveryRow): Promise<boolean> {
    const now = this.now();
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable("webhook_deliveries")
        .set({
          status: "pending",
          is_head: row.kind === "test" ? 1 : 0,
          next_attempt_at: now,
          first_attempt_at: null,
          lease_until: null,
          lease_owner: null,
          updated_at: now,
        })
        .where("seq", "=", row.seq)
        .where("status", "!=", "pending")
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      if (row.kind !== "test") await this.advance(trx, row.webhook_id, Number(row.token_id));
      return true;
    });
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
