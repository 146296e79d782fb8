import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * accounts: `otp_send_limits`, the counters behind the email-code send limits (security.md §6),
 * shared by every server process on the database. The columns are the ones rate-limiter-flexible's
 * PostgreSQL and SQLite limiters read and write (key, points, expire in epoch ms); keys are HMACs
 * of the email address or IP, never the address itself.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("otp_send_limits")
    .addColumn("key", "varchar(255)", (c) => c.primaryKey())
    .addColumn("points", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("expire", "bigint")
    .execute();
  await db.schema.createIndex("otp_send_limits_expire").on("otp_send_limits").column("expire").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("otp_send_limits").ifExists().execute();
}
