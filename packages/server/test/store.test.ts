import { afterEach, describe, expect, it } from "vitest";
import { migrate, openStore } from "../src/store/index.ts";
import { migrations } from "../src/store/migrations/index.ts";
import {
  createTestStore,
  type FreshDatabase,
  freshDatabaseUrl,
  type TestStore,
  testEngine,
} from "./support/store.ts";

describe(`store migrations (${testEngine()})`, () => {
  const toClean: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const clean of toClean.splice(0).reverse()) await clean();
  });

  it("applies every migration on a fresh database, then nothing on a second run", async () => {
    const fresh: FreshDatabase = await freshDatabaseUrl();
    toClean.push(() => fresh.drop());
    const store = await openStore(fresh.url);
    toClean.push(() => store.close());
    expect(store.engine).toBe(testEngine());

    const applied = await migrate(store);
    expect(applied).toEqual(Object.keys(migrations));
    expect(applied.length).toBeGreaterThan(0);

    const tables = (await store.db.introspection.getTables()).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(["users", "licenses"]));

    expect(await migrate(store)).toEqual([]);
  });

  it("gives each test store its own empty, migrated database", async () => {
    const a: TestStore = await createTestStore();
    toClean.push(() => a.cleanup());
    const b: TestStore = await createTestStore();
    toClean.push(() => b.cleanup());
    expect(a.url).not.toBe(b.url);
    expect(a.store.engine).toBe(testEngine());
    expect(await migrate(a.store)).toEqual([]);

    // Schema-independent isolation probe: a table created in one database is absent from the other.
    await a.store.db.schema.createTable("kf_isolation_probe").addColumn("id", "text").execute();
    const tableNames = async (s: TestStore) =>
      (await s.store.db.introspection.getTables()).map((t) => t.name);
    expect(await tableNames(a)).toContain("kf_isolation_probe");
    expect(await tableNames(b)).not.toContain("kf_isolation_probe");
  });
});
