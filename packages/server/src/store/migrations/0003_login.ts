import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * The Connect login app's server side.
 *
 * accounts: `sessions` (only a hash of the session id), `otp_codes` (one live code per email, its
 * HMAC), `otp_email_states` (consecutive failures and the lock, kept for any email whether or not it
 * has an account), `passkeys`, `webauthn_ceremonies` (single-use challenges).
 * connect: `connect_flows` (one sign-in/consent transaction), `authorization_codes` (secure mode,
 * only a hash of the code).
 * licenses: `configurations` (connect-protocol.md §2), `brands` (§9), `license_settings`
 * (security.md §2; a missing row means the defaults).
 */
export async function up(db: AnyDb): Promise<void> {
  const time = "bigint";

  await db.schema
    .createTable("sessions")
    .addColumn("id_hash", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("last_seen_at", time, (c) => c.notNull())
    .addColumn("expires_at", time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sessions_user").on("sessions").column("user_id").execute();
  await db.schema.createIndex("sessions_expiry").on("sessions").column("expires_at").execute();

  await db.schema
    .createTable("otp_codes")
    .addColumn("email", "text", (c) => c.primaryKey())
    .addColumn("flow_id", "text", (c) => c.notNull())
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("expires_at", time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("otp_codes_expiry").on("otp_codes").column("expires_at").execute();

  await db.schema
    .createTable("otp_email_states")
    .addColumn("email", "text", (c) => c.primaryKey())
    .addColumn("consecutive_failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", time)
    .addColumn("updated_at", time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("passkeys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("counter", time, (c) => c.notNull())
    .addColumn("transports", "text", (c) => c.notNull())
    .addColumn("device_type", "text", (c) => c.notNull())
    .addColumn("backed_up", "integer", (c) => c.notNull())
    .addColumn("aaguid", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("last_used_at", time)
    .execute();
  await db.schema.createIndex("passkeys_user").on("passkeys").column("user_id").execute();

  await db.schema
    .createTable("webauthn_ceremonies")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("challenge", "text", (c) => c.notNull())
    .addColumn("user_id", "text")
    .addColumn("expires_at", time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("webauthn_ceremonies_expiry")
    .on("webauthn_ceremonies")
    .column("expires_at")
    .execute();

  await db.schema
    .createTable("connect_flows")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("reply_origin", "text")
    .addColumn("params", "text", (c) => c.notNull())
    .addColumn("request", "text")
    .addColumn("user_id", "text")
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("expires_at", time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("connect_flows_expiry").on("connect_flows").column("expires_at").execute();

  await db.schema
    .createTable("authorization_codes")
    .addColumn("code_hash", "text", (c) => c.primaryKey())
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("redirect_uri", "text", (c) => c.notNull())
    .addColumn("code_challenge", "text", (c) => c.notNull())
    .addColumn("flow_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("wallet_address", "text", (c) => c.notNull())
    .addColumn("result", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("expires_at", time, (c) => c.notNull())
    .addColumn("used_at", time)
    .execute();
  await db.schema
    .createIndex("authorization_codes_expiry")
    .on("authorization_codes")
    .column("expires_at")
    .execute();

  await db.schema
    .createTable("configurations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("client_id", "text", (c) => c.notNull().references("licenses.client_id").onDelete("cascade"))
    .addColumn("owner_id", "text", (c) => c.notNull())
    .addColumn("configuration_name", "text", (c) => c.notNull())
    .addColumn("configuration", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("updated_at", time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("configurations_client")
    .on("configurations")
    .columns(["client_id", "created_at"])
    .execute();

  await db.schema
    .createTable("brands")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("client_id", "text", (c) => c.notNull().references("licenses.client_id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    // lower(name): one brand per name and license, matched case-insensitively.
    .addColumn("name_key", "text", (c) => c.notNull())
    .addColumn("logo_url", "text")
    .addColumn("icon_url", "text")
    .addColumn("logo_cid", "text")
    .addColumn("icon_cid", "text")
    .addColumn("primary_color", "text")
    .addColumn("is_default", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("updated_at", time, (c) => c.notNull())
    .addUniqueConstraint("brands_client_name", ["client_id", "name_key"])
    .execute();

  await db.schema
    .createTable("license_settings")
    .addColumn("client_id", "text", (c) =>
      c.primaryKey().references("licenses.client_id").onDelete("cascade"),
    )
    .addColumn("web_origins", "text", (c) => c.notNull())
    .addColumn("embed_enabled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("legacy_token_response", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("secure_only", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("max_grant_days", "integer")
    .addColumn("updated_at", time, (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    "license_settings",
    "brands",
    "configurations",
    "authorization_codes",
    "connect_flows",
    "webauthn_ceremonies",
    "passkeys",
    "otp_email_states",
    "otp_codes",
    "sessions",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
