import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { migrate, type OpenStoreOptions, openStore, type Store } from "../../src/store/index.ts";

/**
 * Test databases for both engines.
 *
 * `KEYFOB_TEST_DATABASE_URL=postgres://user@host:port/db` (the admin URL of a running server; the CI
 * script starts a throwaway cluster) selects PostgreSQL: every call to `freshDatabaseUrl` creates its
 * own database there. Unset, tests run on SQLite files in fresh temporary directories.
 */

export type TestEngine = "sqlite" | "postgres";

export interface FreshDatabase {
  url: string;
  /** Removes the database (PostgreSQL: `DROP DATABASE ... WITH (FORCE)`; SQLite: its directory). */
  drop(): Promise<void>;
}

export interface TestStore {
  store: Store;
  url: string;
  /** Closes the store and drops its database. Safe to call more than once. */
  cleanup(): Promise<void>;
}

function adminUrl(): string | undefined {
  const url = process.env.KEYFOB_TEST_DATABASE_URL?.trim();
  return url && /^postgres(ql)?:\/\//.test(url) ? url : undefined;
}

export function testEngine(): TestEngine {
  return adminUrl() ? "postgres" : "sqlite";
}

async function withAdminClient<T>(admin: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: admin });
  // A server-side error on an idle admin connection must not crash the test worker.
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A new, empty database on the current test engine. */
export async function freshDatabaseUrl(): Promise<FreshDatabase> {
  const admin = adminUrl();
  if (!admin) {
    const dir = await mkdtemp(path.join(tmpdir(), "keyfob-test-"));
    let dropped = false;
    return {
      url: `sqlite:${path.join(dir, "keyfob.db")}`,
      async drop() {
        if (dropped) return;
        dropped = true;
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  // Lower-case hex only: a valid unquoted identifier, no escaping needed.
  const name = `kf_t_${randomBytes(8).toString("hex")}`;
  await withAdminClient(admin, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdminClient(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A migrated store on a fresh database of the current test engine. */
export async function createTestStore(options: OpenStoreOptions = {}): Promise<TestStore> {
  const fresh = await freshDatabaseUrl();
  let store: Store | undefined;
  try {
    // Small pools: two workers run many stores side by side against one test cluster.
    store = await openStore(fresh.url, { poolSize: 4, ...options });
    await migrate(store);
  } catch (err) {
    await store?.close().catch(() => {});
    await fresh.drop().catch(() => {});
    throw err;
  }
  const opened = store;
  let closed = false;
  return {
    store: opened,
    url: fresh.url,
    async cleanup() {
      if (closed) return;
      closed = true;
      try {
        await opened.close();
      } finally {
        await fresh.drop();
      }
    },
  };
}

/**
 * Deletes every row and resets the id counters, so each test starts from an empty, migrated store.
 * (One database per test file: a fresh PostgreSQL database per test costs about a second.)
 */
export async function emptyStore(store: Store): Promise<void> {
  if (store.engine === "postgres") {
    const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely%'`.execute(
      store.db,
    );
    await sql`truncate ${sql.join(rows.map((r) => sql.table(r.name)))} restart identity cascade`.execute(
      store.db,
    );
    return;
  }
  const { rows } = await sql<{ name: string }>`select name from sqlite_master
    where type = 'table' and name not like 'kysely%' and name not like 'sqlite%'`.execute(store.db);
  await sql`pragma foreign_keys = off`.execute(store.db);
  try {
    for (const { name } of rows) await sql`delete from ${sql.table(name)}`.execute(store.db);
    await sql`delete from sqlite_sequence`.execute(store.db);
  } finally {
    await sql`pragma foreign_keys = on`.execute(store.db);
  }
}

/** The name of every table in the store's database, the engine's and the migrator's own included. */
export async function tableNames(store: Store): Promise<string[]> {
  const tables =
    store.engine === "postgres"
      ? await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(store.db)
      : await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(store.db);
  return tables.rows.map((t) => t.name);
}

/** Every value of every row of every table (see `tableNames`), as lower-case text: `table:[rows as JSON]` a line. */
export async function databaseText(store: Store): Promise<string> {
  let text = "";
  for (const name of await tableNames(store)) {
    const rows = await sql`select * from ${sql.table(name)}`.execute(store.db);
    text += `${name}:${JSON.stringify(rows.rows)}\n`;
  }
  return text.toLowerCase();
}
