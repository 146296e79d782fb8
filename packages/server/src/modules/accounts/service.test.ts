import { sql } from "kysely";
import { getAddress, recoverMessageAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestStore, type TestStore } from "../../../test/support/store.ts";
import { createServices, type Services } from "../../app.ts";
import { loadConfig } from "../../config.ts";
import { ServiceError, type ServiceErrorKind } from "../../errors.ts";
import { Sealer } from "../../secrets.ts";
import type { Store } from "../../store/index.ts";
import { normalizeEmail } from "./service.ts";

const SECRET = "x".repeat(40);
const START = Date.parse("2025-04-01T08:00:00Z");

let ctx: TestStore;
let services: Services;
let clock: number;

beforeAll(async () => {
  ctx = await createTestStore();
});

afterAll(async () => {
  await ctx?.cleanup();
});

beforeEach(async () => {
  clock = START;
  await emptyStore(ctx.store);
  services = await createServices(loadConfig({ KEYFOB_SECRET: SECRET, KEYFOB_LOG_LEVEL: "silent" }), {
    store: ctx.store,
    now: () => clock,
  });
});

afterEach(async () => {
  await services?.close();
});

/**
 * Deletes every row and resets the id counters, so each test starts from an empty, migrated store.
 * (One database per file: a fresh PostgreSQL database per test costs about a second.)
 */
async function emptyStore(store: Store): Promise<void> {
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

async function serviceError(promise: Promise<unknown>, kind: ServiceErrorKind): Promise<ServiceError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a ${kind} ServiceError`).toBeInstanceOf(ServiceError);
  expect((err as ServiceError).kind).toBe(kind);
  return err as ServiceError;
}

async function userCount(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every value of every row of every table, as lower-case text. */
async function databaseText(store: Store): Promise<string> {
  const tables =
    store.engine === "postgres"
      ? await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(store.db)
      : await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(store.db);
  let text = "";
  for (const { name } of tables.rows) {
    const rows = await sql`select * from ${sql.table(name)}`.execute(store.db);
    text += `${name}:${JSON.stringify(rows.rows)}\n`;
  }
  return text.toLowerCase();
}

describe("normalizeEmail", () => {
  it.each([
    ["Alice@Example.COM", "alice@example.com"],
    ["  bob@example.org\t", "bob@example.org"],
    ["first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"],
  ])("%j → %s", (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });

  it.each([
    ["empty", ""],
    ["spaces only", "   "],
    ["no @", "alice.example.com"],
    ["no local part", "@example.com"],
    ["no domain", "alice@"],
    ["no dot in the domain", "alice@localhost"],
    ["a one-letter top-level domain", "alice@example.c"],
    ["two @", "alice@bob@example.com"],
    ["a space inside", "ali ce@example.com"],
    ["a local part over 64 characters", `${"a".repeat(65)}@example.com`],
    ["over 254 characters", `alice@${"d".repeat(250)}.com`],
  ])("rejects %s", (_name, input) => {
    expect(() => normalizeEmail(input)).toThrow(ServiceError);
    try {
      normalizeEmail(input);
    } catch (err) {
      expect((err as ServiceError).kind).toBe("INVALID_ARGUMENT");
    }
  });
});

describe("AccountService", () => {
  it("creates an account with a normalized email and a checksummed wallet address", async () => {
    const user = await services.accounts.create("  Alice@Example.COM ");
    expect(user.email).toBe("alice@example.com");
    expect(user.walletAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(user.walletAddress).toBe(getAddress(user.walletAddress.toLowerCase()));
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(user.createdAt).toEqual(new Date(START));

    expect(await services.accounts.findByEmail("ALICE@example.com")).toEqual(user);
    expect(await services.accounts.findById(user.id)).toEqual(user);
    expect(await services.accounts.findByWallet(user.walletAddress.toLowerCase())).toEqual(user);
    expect(await services.accounts.findByWallet("nope")).toBeUndefined();
    expect(await services.accounts.findById("00000000-0000-0000-0000-000000000000")).toBeUndefined();
  });

  it("rejects an invalid email and stores nothing", async () => {
    await serviceError(services.accounts.create("not-an-email"), "INVALID_ARGUMENT");
    await serviceError(services.accounts.create(""), "INVALID_ARGUMENT");
    await serviceError(services.accounts.ensure("alice@"), "INVALID_ARGUMENT");
    expect(await userCount(ctx.store)).toBe(0);
  });

  it("one account per email, whatever its case or spacing", async () => {
    const first = await services.accounts.create("bob@example.com");
    await serviceError(services.accounts.create("bob@example.com"), "CONFLICT");
    await serviceError(services.accounts.create(" BOB@Example.com "), "CONFLICT");
    expect(await userCount(ctx.store)).toBe(1);
    // ensure() returns the existing account instead.
    expect(await services.accounts.ensure("Bob@EXAMPLE.com")).toEqual(first);
    expect(await userCount(ctx.store)).toBe(1);
  });

  it("ensure() creates a missing account once, even when called concurrently", async () => {
    const results = await Promise.all([
      services.accounts.ensure("carol@example.com"),
      services.accounts.ensure("Carol@example.com"),
      services.accounts.ensure("carol@example.com "),
    ]);
    expect(new Set(results.map((u) => u.id)).size).toBe(1);
    expect(await userCount(ctx.store)).toBe(1);
  });

  it("every account gets its own wallet", async () => {
    const a = await services.accounts.create("a@example.com");
    const b = await services.accounts.create("b@example.com");
    expect(a.walletAddress).not.toBe(b.walletAddress);
  });

  it("the wallet key is sealed at rest: the database holds no form of it", async () => {
    const user = await services.accounts.create("dave@example.com");
    const row = await ctx.store.db
      .selectFrom("users")
      .select(["wallet_key_enc", "wallet_address"])
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(row.wallet_address).toBe(user.walletAddress);

    // Open it the way the server does, to learn the key this test must not find anywhere.
    const key = new Sealer(SECRET, "wallets").open(row.wallet_key_enc);
    expect(key).toMatch(/^0x[0-9a-f]{64}$/);
    expect(privateKeyToAccount(key as `0x${string}`).address).toBe(user.walletAddress);

    const hex = key.slice(2);
    expect(row.wallet_key_enc).not.toContain(hex);
    const text = await databaseText(ctx.store);
    expect(text).toContain(user.walletAddress.toLowerCase());
    expect(text).not.toContain(hex);
    expect(text).not.toContain(hex.slice(0, 24));
    expect(text).not.toContain(Buffer.from(hex, "hex").toString("base64url").toLowerCase());
    expect(text).not.toContain(Buffer.from(key).toString("base64url").toLowerCase());
  });

  it("walletSigner signs EIP-191 messages that recover to the wallet address", async () => {
    const user = await services.accounts.create("erin@example.com");
    const sign = await services.accounts.walletSigner(user.walletAddress.toLowerCase());
    for (const message of ["hello", '{"grantor":{"address":"0x0"}}', "Grüße 🚗\nline two"]) {
      const signature = await sign(message);
      expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
      expect(await recoverMessageAddress({ message, signature })).toBe(user.walletAddress);
    }
  });

  it("walletSigner: unknown wallet is NOT_FOUND, malformed address INVALID_ARGUMENT", async () => {
    await serviceError(services.accounts.walletSigner(`0x${"12".repeat(20)}`), "NOT_FOUND");
    await serviceError(services.accounts.walletSigner("0x12"), "INVALID_ARGUMENT");
  });

  it("the wallet survives a restart with the same KEYFOB_SECRET", async () => {
    const user = await services.accounts.create("frank@example.com");
    const restarted = await createServices(
      loadConfig({ KEYFOB_SECRET: SECRET, KEYFOB_LOG_LEVEL: "silent" }),
      {
        store: ctx.store,
      },
    );
    try {
      const signature = await (await restarted.accounts.walletSigner(user.walletAddress))("after restart");
      expect(await recoverMessageAddress({ message: "after restart", signature })).toBe(user.walletAddress);
    } finally {
      await restarted.close();
    }
  });

  it("a server with a different KEYFOB_SECRET cannot open the wallet key", async () => {
    const user = await services.accounts.create("grace@example.com");
    const intruder = await createServices(
      loadConfig({ KEYFOB_SECRET: "y".repeat(40), KEYFOB_LOG_LEVEL: "silent" }),
      {
        store: ctx.store,
      },
    );
    try {
      // It can see the account, but not sign for it.
      expect((await intruder.accounts.findByEmail("grace@example.com"))?.walletAddress).toBe(
        user.walletAddress,
      );
      await expect(intruder.accounts.walletSigner(user.walletAddress)).rejects.toThrow();
    } finally {
      await intruder.close();
    }
    const row = await ctx.store.db
      .selectFrom("users")
      .select("wallet_key_enc")
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(() => new Sealer("y".repeat(40), "wallets").open(row.wallet_key_enc)).toThrow();
  });
});
