import { type Kysely, sql } from "kysely";
import { isPostgres } from "../engine.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * Telemetry (modules/telemetry): connections that post data, the signal store (history and latest
 * value per vehicle, signal and source), vehicle events and VIN credentials.
 *
 * The history's primary key (token_id, name, ts, source) is what makes a retried batch idempotent
 * (inserts are ON CONFLICT DO NOTHING) and is also the read path: every query names one vehicle and
 * one or a few signals over a time range. On SQLite the tables whose key is the read path are
 * WITHOUT ROWID, so the rows live in that key's b-tree and no second copy of the key is kept.
 *
 * On PostgreSQL the history also gets a BRIN index on ts: rows arrive roughly in time order, so a
 * few kilobytes of block ranges let time-window scans (retention's `DELETE ... WHERE ts < cutoff`,
 * fleet-wide windows) skip everything outside the window, at next to no insert cost. Not partitions:
 * they would need a job that creates future partitions before data arrives (and a default partition
 * for backfills and skewed clocks), and they pay off only when dropping whole partitions beats a
 * BRIN-assisted delete — a later step, if retention on very large installations asks for it.
 */
export async function up(db: AnyDb): Promise<void> {
  const pg = isPostgres(db);
  const time = "bigint";
  const double = "double precision";

  await db.schema
    .createTable("telemetry_connections")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("address", "text", (c) => c.notNull().unique())
    .addColumn("credential_hash", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("disabled_at", time)
    .execute();

  await db.schema
    .createTable("telemetry_connection_vehicles")
    .addColumn("connection_id", "text", (c) =>
      c.notNull().references("telemetry_connections.id").onDelete("cascade"),
    )
    .addColumn("token_id", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("telemetry_connection_vehicles_pk", ["connection_id", "token_id"])
    .execute();

  await db.schema
    .createTable("signal_history")
    .addColumn("token_id", "integer", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("ts", time, (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("value_number", double)
    .addColumn("value_string", "text")
    .addColumn("latitude", double)
    .addColumn("longitude", double)
    .addColumn("hdop", double)
    .addPrimaryKeyConstraint("signal_history_pk", ["token_id", "name", "ts", "source"])
    .$call((t) => (pg ? t : t.modifyEnd(sql`without rowid`)))
    .execute();
  if (pg) {
    await db.schema
      .createIndex("signal_history_ts_brin")
      .on("signal_history")
      .using("brin")
      .column("ts")
      .execute();
  }

  // One row per (vehicle, signal, source): the newest point. Never pruned by retention.
  await db.schema
    .createTable("signal_latest")
    .addColumn("token_id", "integer", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("ts", time, (c) => c.notNull())
    .addColumn("value_number", double)
    .addColumn("value_string", "text")
    .addColumn("latitude", double)
    .addColumn("longitude", double)
    .addColumn("hdop", double)
    .addPrimaryKeyConstraint("signal_latest_pk", ["token_id", "name", "source"])
    .$call((t) => (pg ? t : t.modifyEnd(sql`without rowid`)))
    .execute();

  await db.schema
    .createTable("vehicle_events")
    .addColumn("token_id", "integer", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("ts", time, (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("duration_ns", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("metadata", "text")
    .addPrimaryKeyConstraint("vehicle_events_pk", ["token_id", "name", "ts", "source"])
    .execute();
  await db.schema
    .createIndex("vehicle_events_token_ts")
    .on("vehicle_events")
    .columns(["token_id", "ts"])
    .execute();

  await db.schema
    .createTable("vin_credentials")
    .addColumn("token_id", "integer", (c) => c.notNull())
    .addColumn("recorded_by", "text", (c) => c.notNull())
    .addColumn("recorded_at", time, (c) => c.notNull())
    .addColumn("vin", "text", (c) => c.notNull())
    .addColumn("country_code", "text")
    .addColumn("valid_from", time, (c) => c.notNull())
    .addColumn("valid_to", time, (c) => c.notNull())
    .addColumn("raw_vc", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("vin_credentials_pk", ["token_id", "recorded_at", "recorded_by"])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    "vin_credentials",
    "vehicle_events",
    "signal_latest",
    "signal_history",
    "telemetry_connection_vehicles",
    "telemetry_connections",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
