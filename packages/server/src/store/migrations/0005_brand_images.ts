import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then.
type AnyDb = Kysely<any>;

/**
 * licenses: `brand_images`, the logos and icons uploaded in the developer console, addressed by
 * content (CIDv1 raw/sha2-256 of the bytes) and served at `/brand-images/:cid`. The bytes are kept
 * base64 in a text column so both engines store them the same way (at most 256 KiB each).
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("brand_images")
    .addColumn("cid", "text", (c) => c.primaryKey())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("body_base64", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("brand_images").ifExists().execute();
}
