import { type Kysely, sql } from "kysely";
import { isPostgres } from "../engine.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * Vehicle triggers (modules/triggers): webhooks, their subscribed vehicles, the evaluation state
 * (cooldown per webhook and vehicle, the last fired value per vehicle and metric) and the delivery
 * outbox with its attempts.
 *
 * The outbox is the delivery log too: a row per firing (or test event) holds the exact signed body,
 * its status and the next attempt; `seq` orders a (webhook, vehicle) pair's rows, and only the
 * oldest pending row of a pair is its `is_head`, the one a worker may take, so a vehicle's events
 * arrive in order. The worker's claim reads a partial index of pending heads: its cost follows the
 * number of pairs with work, not the length of their queues (a NOT EXISTS over older rows made a
 * burst quadratic). Queries name `status = 'pending'` and `is_head = 1` as literals: SQLite uses a
 * partial index only when the query's own terms imply the index's condition, which a bound
 * parameter never does.
 * Webhooks are soft-deleted (status `deleted`), so their deliveries stay readable; the display name
 * key (lower-cased name, NULL once deleted) makes names unique per license among live webhooks.
 */
export async function up(db: AnyDb): Promise<void> {
  const pg = isPostgres(db);
  const time = "bigint";

  await db.schema
    .createTable("webhooks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("service", "text", (c) => c.notNull())
    .addColumn("metric_name", "text", (c) => c.notNull())
    .addColumn("condition", "text", (c) => c.notNull())
    .addColumn("cooldown_s", "integer", (c) => c.notNull())
    .addColumn("target_url", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("display_name_key", "text")
    .addColumn("verification_token", "text", (c) => c.notNull())
    .addColumn("secret_enc", "text", (c) => c.notNull())
    .addColumn("previous_secret_enc", "text")
    .addColumn("previous_secret_until", time)
    .addColumn("failure_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("updated_at", time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("webhooks_client")
    .on("webhooks")
    .columns(["client_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("webhooks_display_name")
    .on("webhooks")
    .columns(["client_id", "display_name_key"])
    .unique()
    .execute();

  await db.schema
    .createTable("webhook_subscriptions")
    .addColumn("webhook_id", "text", (c) => c.notNull().references("webhooks.id").onDelete("cascade"))
    .addColumn("token_id", "integer", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addPrimaryKeyConstraint("webhook_subscriptions_pk", ["webhook_id", "token_id"])
    .execute();
  await db.schema
    .createIndex("webhook_subscriptions_token")
    .on("webhook_subscriptions")
    .column("token_id")
    .execute();

  // Cooldown: when a webhook last fired for a vehicle.
  await db.schema
    .createTable("trigger_state")
    .addColumn("webhook_id", "text", (c) => c.notNull().references("webhooks.id").onDelete("cascade"))
    .addColumn("token_id", "integer", (c) => c.notNull())
    .addColumn("last_triggered_at", time, (c) => c.notNull())
    .addPrimaryKeyConstraint("trigger_state_pk", ["webhook_id", "token_id"])
    .execute();

  // `previous*` of a condition: the value that last fired any webhook on (vehicle, metric), as JSON.
  await db.schema
    .createTable("trigger_last_values")
    .addColumn("token_id", "integer", (c) => c.notNull())
    .addColumn("metric_name", "text", (c) => c.notNull())
    .addColumn("snapshot", "text", (c) => c.notNull())
    .addColumn("triggered_at", time, (c) => c.notNull())
    .addPrimaryKeyConstraint("trigger_last_values_pk", ["token_id", "metric_name"])
    .execute();

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("seq", pg ? "bigserial" : "integer", (c) =>
      pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn("id", "text", (c) => c.notNull().unique())
    .addColumn("webhook_id", "text", (c) => c.notNull().references("webhooks.id"))
    .addColumn("token_id", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("is_head", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", time)
    .addColumn("first_attempt_at", time)
    .addColumn("lease_until", time)
    .addColumn("lease_owner", "text")
    .addColumn("response_status", "integer")
    .addColumn("latency_ms", "integer")
    .addColumn("error", "text")
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("updated_at", time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_due")
    .on("webhook_deliveries")
    .columns(["next_attempt_at", "seq"])
    .where(sql.ref("status"), "=", "pending")
    .where(sql.ref("is_head"), "=", 1)
    .execute();
  // A pair's pending rows in order: the next head, "anything pending?" on insert.
  await db.schema
    .createIndex("webhook_deliveries_pending_pair")
    .on("webhook_deliveries")
    .columns(["webhook_id", "token_id", "seq"])
    .where(sql.ref("status"), "=", "pending")
    .execute();
  // The delivery log of a webhook, newest first.
  await db.schema
    .createIndex("webhook_deliveries_webhook")
    .on("webhook_deliveries")
    .columns(["webhook_id", "seq"])
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_created")
    .on("webhook_deliveries")
    .column("created_at")
    .execute();

  await db.schema
    .createTable("webhook_delivery_attempts")
    .addColumn("delivery_seq", pg ? "bigint" : "integer", (c) =>
      c.notNull().references("webhook_deliveries.seq").onDelete("cascade"),
    )
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("started_at", time, (c) => c.notNull())
    .addColumn("verdict", "text", (c) => c.notNull())
    .addColumn("response_status", "integer")
    .addColumn("latency_ms", "integer")
    .addColumn("error", "text")
    .addPrimaryKeyConstraint("webhook_delivery_attempts_pk", ["delivery_seq", "attempt"])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    "webhook_delivery_attempts",
    "webhook_deliveries",
    "trigger_last_values",
    "trigger_state",
    "webhook_subscriptions",
    "webhooks",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
