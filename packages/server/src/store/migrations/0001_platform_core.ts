import type { Kysely } from "kysely";
import { isPostgres } from "../engine.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  const serial = isPostgres(db) ? "serial" : "integer";
  const time = "bigint";

  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("wallet_address", "text", (c) => c.notNull().unique())
    .addColumn("wallet_key_enc", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("licenses")
    .addColumn("token_id", serial, (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("client_id", "text", (c) => c.notNull().unique())
    .addColumn("alias", "text", (c) => c.unique())
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("minted_at", time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("licenses_owner").on("licenses").column("owner").execute();

  await db.schema
    .createTable("license_signers")
    .addColumn("client_id", "text", (c) => c.notNull().references("licenses.client_id").onDelete("cascade"))
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("enabled_at", time, (c) => c.notNull())
    .addColumn("disabled_at", time)
    .addColumn("expires_at", time)
    .addPrimaryKeyConstraint("license_signers_pk", ["client_id", "address"])
    .execute();
  await db.schema.createIndex("license_signers_address").on("license_signers").column("address").execute();

  await db.schema
    .createTable("license_redirect_uris")
    .addColumn("client_id", "text", (c) => c.notNull().references("licenses.client_id").onDelete("cascade"))
    .addColumn("uri", "text", (c) => c.notNull())
    .addColumn("enabled_at", time, (c) => c.notNull())
    .addPrimaryKeyConstraint("license_redirect_uris_pk", ["client_id", "uri"])
    .execute();

  await db.schema
    .createTable("manufacturers")
    .addColumn("token_id", serial, (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("minted_at", time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("vehicle_definitions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("make", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("year", "integer", (c) => c.notNull())
    .addColumn("powertrain_type", "text", (c) => c.notNull())
    .addColumn("manufacturer_token_id", "integer", (c) => c.notNull().references("manufacturers.token_id"))
    .execute();

  await db.schema
    .createTable("vehicles")
    .addColumn("token_id", serial, (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("definition_id", "text", (c) => c.notNull().references("vehicle_definitions.id"))
    .addColumn("minted_at", time, (c) => c.notNull())
    .addColumn("transfer_version", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex("vehicles_owner").on("vehicles").column("owner").execute();

  await db.schema
    .createTable("vehicle_transfers")
    .addColumn("id", serial, (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("token_id", "integer", (c) => c.notNull())
    .addColumn("from_owner", "text", (c) => c.notNull())
    .addColumn("to_owner", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("transferred_at", time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("vehicle_transfers_token").on("vehicle_transfers").column("token_id").execute();

  await db.schema
    .createTable("sacd_templates")
    .addColumn("token_id", "integer", (c) => c.primaryKey())
    .addColumn("creator", "text", (c) => c.notNull())
    .addColumn("asset", "text", (c) => c.notNull())
    .addColumn("permissions", "integer", (c) => c.notNull())
    .addColumn("cid", "text", (c) => c.notNull())
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("grants")
    .addColumn("token_id", "integer", (c) => c.notNull())
    .addColumn("grantee", "text", (c) => c.notNull())
    .addColumn("grantor", "text", (c) => c.notNull())
    .addColumn("permissions", "integer", (c) => c.notNull())
    .addColumn("expires_at_s", time, (c) => c.notNull())
    .addColumn("template_id", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addPrimaryKeyConstraint("grants_pk", ["token_id", "grantee"])
    .execute();
  await db.schema.createIndex("grants_grantee").on("grants").columns(["grantee", "token_id"]).execute();

  await db.schema
    .createTable("grant_events")
    .addColumn("id", serial, (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("token_id", "integer", (c) => c.notNull())
    .addColumn("grantee", "text", (c) => c.notNull())
    .addColumn("grantor", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("permissions", "integer", (c) => c.notNull())
    .addColumn("expires_at_s", time, (c) => c.notNull())
    .addColumn("template_id", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("grant_events_token").on("grant_events").columns(["token_id", "id"]).execute();

  await db.schema
    .createTable("sacd_documents")
    .addColumn("cid", "text", (c) => c.primaryKey())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("auth_challenges")
    .addColumn("state", "text", (c) => c.primaryKey())
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("domain", "text", (c) => c.notNull())
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("challenge", "text", (c) => c.notNull())
    .addColumn("expires_at", time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("auth_challenges_expiry").on("auth_challenges").column("expires_at").execute();

  await db.schema
    .createTable("signing_keys")
    .addColumn("kid", "text", (c) => c.primaryKey())
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("alg", "text", (c) => c.notNull())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("private_jwk_enc", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("activated_at", time, (c) => c.notNull())
    .addColumn("retired_at", time)
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    "signing_keys",
    "auth_challenges",
    "sacd_documents",
    "grant_events",
    "grants",
    "sacd_templates",
    "vehicle_transfers",
    "vehicles",
    "vehicle_definitions",
    "manufacturers",
    "license_redirect_uris",
    "license_signers",
    "licenses",
    "users",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
