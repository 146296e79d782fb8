import { mkdirSync } from "node:fs";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { Engine } from "./engine.ts";
import { migrationProvider } from "./migrations/index.ts";
import type { Database } from "./schema.ts";

export type { Engine } from "./engine.ts";
export type { Database } from "./schema.ts";

// BIGINT columns hold millisecond times and counters well inside 2^53: read them as numbers.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export interface Store {
  db: Kysely<Database>;
  engine: Engine;
  url: string;
  /** PostgreSQL only: a pool for LISTEN/NOTIFY and other raw access. */
  pgPool?: pg.Pool;
  /** SQLite only: the database handle, for libraries that take one (the email-code send limits). */
  sqlite?: SqliteDatabase.Database;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Pool size on PostgreSQL. */
  poolSize?: number;
}

export function openStore(url: string, options: OpenStoreOptions = {}): Store {
  if (url.startsWith("sqlite:")) {
    const file = url.slice("sqlite:".length);
    if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new SqliteDatabase(file === ":memory:" ? ":memory:" : file);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    return { db, engine: "sqlite", url, sqlite, close: () => db.destroy() };
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
    // An idle client's network error must not crash the process; the pool replaces it.
    pool.on("error", () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: "postgres", url, pgPool: pool, close: () => db.destroy() };
  }
  throw new Error(`Unsupported database URL: ${url.replace(/\/\/[^@]*@/, "//***@")}`);
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(store: Store): Promise<string[]> {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
