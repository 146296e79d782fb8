import { getAddress, recoverMessageAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { serviceError, TEST_SECRET, testConfig, useServices } from "../../../test/support/services.ts";
import { databaseText } from "../../../test/support/store.ts";
import { ServiceError } from "../../errors.ts";
import { Sealer } from "../../secrets.ts";
import { createServices } from "../../services.ts";
import type { Store } from "../../store/index.ts";
import { normalizeEmail } from "./service.ts";

const START = Date.parse("2025-04-01T08:00:00Z");

const ctx = useServices(START);

async function userCount(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
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
    const user = await ctx.services.accounts.create("  Alice@Example.COM ");
    expect(user.email).toBe("alice@example.com");
    expect(user.walletAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(user.walletAddress).toBe(getAddress(user.walletAddress.toLowerCase()));
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(user.createdAt).toEqual(new Date(START));

    expect(await ctx.services.accounts.findByEmail("ALICE@example.com")).toEqual(user);
    expect(await ctx.services.accounts.findById(user.id)).toEqual(user);
    expect(await ctx.services.accounts.findByWallet(user.walletAddress.toLowerCase())).toEqual(user);
    expect(await ctx.services.accounts.findByWallet("nope")).toBeUndefined();
    expect(await ctx.services.accounts.findById("00000000-0000-0000-0000-000000000000")).toBeUndefined();
  });

  it("rejects an invalid email and stores nothing", async () => {
    await serviceError(ctx.services.accounts.create("not-an-email"), "INVALID_ARGUMENT");
    await serviceError(ctx.services.accounts.create(""), "INVALID_ARGUMENT");
    await serviceError(ctx.services.accounts.ensure("alice@"), "INVALID_ARGUMENT");
    expect(await userCount(ctx.store)).toBe(0);
  });

  it("one account per email, whatever its case or spacing", async () => {
    const first = await ctx.services.accounts.create("bob@example.com");
    await serviceError(ctx.services.accounts.create("bob@example.com"), "CONFLICT");
    await serviceError(ctx.services.accounts.create(" BOB@Example.com "), "CONFLICT");
    expect(await userCount(ctx.store)).toBe(1);
    // ensure() returns the existing account instead.
    expect(await ctx.services.accounts.ensure("Bob@EXAMPLE.com")).toEqual(first);
    expect(await userCount(ctx.store)).toBe(1);
  });

  it("ensure() creates a missing account once, even when called concurrently", async () => {
    const results = await Promise.all([
      ctx.services.accounts.ensure("carol@example.com"),
      ctx.services.accounts.ensure("Carol@example.com"),
      ctx.services.accounts.ensure("carol@example.com "),
    ]);
    expect(new Set(results.map((u) => u.id)).size).toBe(1);
    expect(await userCount(ctx.store)).toBe(1);
  });

  it("every account gets its own wallet", async () => {
    const a = await ctx.services.accounts.create("a@example.com");
    const b = await ctx.services.accounts.create("b@example.com");
    expect(a.walletAddress).not.toBe(b.walletAddress);
  });

  it("the wallet key is sealed at rest: the database holds no form of it", async () => {
    const user = await ctx.services.accounts.create("dave@example.com");
    const row = await ctx.store.db
      .selectFrom("users")
      .select(["wallet_key_enc", "wallet_address"])
      .where("id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(row.wallet_address).toBe(user.walletAddress);

    // Open it the way the server does, to learn the key this test must not find anywhere.
    const key = new Sealer(TEST_SECRET, "wallets").open(row.wallet_key_enc);
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
    const user = await ctx.services.accounts.create("erin@example.com");
    const sign = await ctx.services.accounts.walletSigner(user.walletAddress.toLowerCase());
    for (const message of ["hello", '{"grantor":{"address":"0x0"}}', "Grüße 🚗\nline two"]) {
      const signature = await sign(message);
      expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
      expect(await recoverMessageAddress({ message, signature })).toBe(user.walletAddress);
    }
  });

  it("walletSigner: unknown wallet is NOT_FOUND, malformed address INVALID_ARGUMENT", async () => {
    await serviceError(ctx.services.accounts.walletSigner(`0x${"12".repeat(20)}`), "NOT_FOUND");
    await serviceError(ctx.services.accounts.walletSigner("0x12"), "INVALID_ARGUMENT");
  });

  it("the wallet survives a restart with the same KEYFOB_SECRET", async () => {
    const user = await ctx.services.accounts.create("frank@example.com");
    const restarted = await createServices(testConfig(), {
      store: ctx.store,
    });
    try {
      const signature = await (await restarted.accounts.walletSigner(user.walletAddress))("after restart");
      expect(await recoverMessageAddress({ message: "after restart", signature })).toBe(user.walletAddress);
    } finally {
      await restarted.close();
    }
  });

  it("a server with a different KEYFOB_SECRET cannot open the wallet key", async () => {
    const user = await ctx.services.accounts.create("grace@example.com");
    const intruder = await createServices(testConfig({ KEYFOB_SECRET: "y".repeat(40) }), {
      store: ctx.store,
    });
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
