import { getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { serviceError, testConfig, useServices } from "../../../test/support/services.ts";
import { databaseText, tableNames } from "../../../test/support/store.ts";
import { createServices } from "../../services.ts";

const OWNER = "0x8ba1f109551bd432803012645ac136ddd64dba72";
const OTHER_OWNER = "0xab5801a7d398351b8be11c439e05c5b3259aec9b";
const LICENSE_CONTRACT = "0x9A9D2E717bB005B240094ba761Ff074d392C7C85";
const START = Date.parse("2025-03-01T10:00:00Z");

const ctx = useServices(START);

describe("LicenseService.create", () => {
  it("issues a fresh checksummed clientId and an erc721 DID on the license contract", async () => {
    const first = await ctx.services.licenses.create({ owner: OWNER });
    const second = await ctx.services.licenses.create({ owner: OWNER });

    for (const license of [first, second]) {
      expect(license.clientId).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(license.clientId).toBe(getAddress(license.clientId.toLowerCase()));
      expect(license.clientId).not.toBe(license.clientId.toLowerCase());
      expect(license.tokenDID).toBe(`did:erc721:137:${LICENSE_CONTRACT}:${license.tokenId}`);
    }
    expect(first.tokenId).toBe(1);
    expect(second.tokenId).toBe(2);
    expect(second.clientId).not.toBe(first.clientId);
    expect(first.owner).toBe(getAddress(OWNER));
    expect(first.mintedAt).toEqual(new Date(START));
    expect(first.alias).toBeNull();
  });

  it("the DID follows KEYFOB_CHAIN_ID and KEYFOB_LICENSE_CONTRACT", async () => {
    const contract = "0x45fbcd3ef7361d156e8b16f5538ae36dedf61da8";
    const other = await createServices(
      testConfig({ KEYFOB_CHAIN_ID: "80002", KEYFOB_LICENSE_CONTRACT: contract }),
      { store: ctx.store, now: () => ctx.clock },
    );
    try {
      const license = await other.licenses.create({ owner: OWNER });
      expect(license.tokenDID).toBe(`did:erc721:80002:${getAddress(contract)}:${license.tokenId}`);
    } finally {
      await other.close();
    }
  });

  it("is found by clientId in any case, by token id and by alias", async () => {
    const license = await ctx.services.licenses.create({ owner: OWNER, alias: "Fleet Dashboard" });
    expect(await ctx.services.licenses.find(license.clientId.toLowerCase())).toEqual(license);
    expect(await ctx.services.licenses.find(license.clientId.toUpperCase().replace(/^0X/, "0x"))).toEqual(
      license,
    );
    expect(await ctx.services.licenses.findByTokenId(license.tokenId)).toEqual(license);
    expect(await ctx.services.licenses.findByAlias("Fleet Dashboard")).toEqual(license);
    expect(await ctx.services.licenses.find("not-an-address")).toBeUndefined();
    expect(await ctx.services.licenses.find(`0x${"1".repeat(40)}`)).toBeUndefined();
  });

  it("require() on an unknown clientId is NOT_FOUND and names the checksummed clientId", async () => {
    const err = await serviceError(ctx.services.licenses.require(`0x${"ab".repeat(20)}`), "NOT_FOUND");
    expect(err.message).toContain(getAddress(`0x${"ab".repeat(20)}`));
  });

  it("rejects a malformed owner address as INVALID_ARGUMENT", async () => {
    await serviceError(ctx.services.licenses.create({ owner: "0x1234" }), "INVALID_ARGUMENT");
    expect(await ctx.services.licenses.count()).toBe(0);
  });
});

describe("license aliases", () => {
  it("are unique: a second license with the same alias is a CONFLICT and is not created", async () => {
    await ctx.services.licenses.create({ owner: OWNER, alias: "My App" });
    await serviceError(ctx.services.licenses.create({ owner: OTHER_OWNER, alias: "My App" }), "CONFLICT");
    // Surrounding spaces are not a way around it.
    await serviceError(ctx.services.licenses.create({ owner: OTHER_OWNER, alias: "  My App  " }), "CONFLICT");
    expect(await ctx.services.licenses.count()).toBe(1);
  });

  it("are optional: many licenses may have none, and a blank alias is none", async () => {
    const a = await ctx.services.licenses.create({ owner: OWNER });
    const b = await ctx.services.licenses.create({ owner: OWNER, alias: "   " });
    const c = await ctx.services.licenses.create({ owner: OWNER, alias: null });
    expect([a.alias, b.alias, c.alias]).toEqual([null, null, null]);
  });

  it("are trimmed", async () => {
    const license = await ctx.services.licenses.create({ owner: OWNER, alias: "  Trimmed  " });
    expect(license.alias).toBe("Trimmed");
    expect((await ctx.services.licenses.find(license.clientId))?.alias).toBe("Trimmed");
  });

  it("may be up to 32 bytes of UTF-8, not 32 characters", async () => {
    const ascii32 = "a".repeat(32);
    const utf8Exactly32 = "é".repeat(16); // 16 characters, 32 bytes
    expect((await ctx.services.licenses.create({ owner: OWNER, alias: ascii32 })).alias).toBe(ascii32);
    expect((await ctx.services.licenses.create({ owner: OWNER, alias: utf8Exactly32 })).alias).toBe(
      utf8Exactly32,
    );

    await serviceError(
      ctx.services.licenses.create({ owner: OWNER, alias: "a".repeat(33) }),
      "INVALID_ARGUMENT",
    );
    // 17 characters, 33 bytes.
    await serviceError(
      ctx.services.licenses.create({ owner: OWNER, alias: `${"é".repeat(16)}a` }),
      "INVALID_ARGUMENT",
    );
    // 8 characters, 32 bytes (4 bytes each) is fine; 9 are not.
    expect((await ctx.services.licenses.create({ owner: OWNER, alias: "🚗".repeat(8) })).alias).toBe(
      "🚗".repeat(8),
    );
    await serviceError(
      ctx.services.licenses.create({ owner: OWNER, alias: "🚙".repeat(9) }),
      "INVALID_ARGUMENT",
    );
    expect(await ctx.services.licenses.count()).toBe(3);
  });

  it("rejects control characters", async () => {
    await serviceError(
      ctx.services.licenses.create({ owner: OWNER, alias: "bad\u0000alias" }),
      "INVALID_ARGUMENT",
    );
    await serviceError(
      ctx.services.licenses.create({ owner: OWNER, alias: "bad\nalias" }),
      "INVALID_ARGUMENT",
    );
    expect(await ctx.services.licenses.count()).toBe(0);
  });

  it("setAlias: renames, keeps its own alias, refuses another license's alias, clears with null", async () => {
    const a = await ctx.services.licenses.create({ owner: OWNER, alias: "Alpha" });
    const b = await ctx.services.licenses.create({ owner: OWNER, alias: "Beta" });

    expect((await ctx.services.licenses.setAlias(a.clientId, "Alpha")).alias).toBe("Alpha");
    await serviceError(ctx.services.licenses.setAlias(a.clientId, "Beta"), "CONFLICT");
    await serviceError(ctx.services.licenses.setAlias(a.clientId, "x".repeat(33)), "INVALID_ARGUMENT");
    expect((await ctx.services.licenses.find(a.clientId))?.alias).toBe("Alpha");

    await ctx.services.licenses.setAlias(b.clientId, null);
    expect((await ctx.services.licenses.find(b.clientId))?.alias).toBeNull();
    // The freed alias can be taken now.
    expect((await ctx.services.licenses.setAlias(a.clientId, "Beta")).alias).toBe("Beta");
    expect((await ctx.services.licenses.findByAlias("Beta"))?.clientId).toBe(a.clientId);
    expect(await ctx.services.licenses.findByAlias("Alpha")).toBeUndefined();
  });

  it("setAlias on an unknown license is NOT_FOUND", async () => {
    await serviceError(ctx.services.licenses.setAlias(`0x${"cd".repeat(20)}`, "Name"), "NOT_FOUND");
  });
});

describe("API keys and signers", () => {
  it("createApiKey returns a 64-hex private key without 0x whose address is the stored, enabled signer", async () => {
    const license = await ctx.services.licenses.create({ owner: OWNER });
    const key = await ctx.services.licenses.createApiKey(license.clientId);

    expect(key.privateKey).toMatch(/^[0-9a-f]{64}$/);
    expect(privateKeyToAccount(`0x${key.privateKey}`).address).toBe(key.address);
    expect(key.address).toBe(getAddress(key.address.toLowerCase()));

    const signers = await ctx.services.licenses.listSigners(license.clientId);
    expect(signers).toEqual([
      { address: key.address, enabledAt: new Date(START), disabledAt: null, expiresAt: null },
    ]);
    expect(await ctx.services.licenses.isEnabledSigner(license.clientId, key.address)).toBe(true);
    expect(
      await ctx.services.licenses.isEnabledSigner(license.clientId.toLowerCase(), key.address.toLowerCase()),
    ).toBe(true);
  });

  it("the private key is shown once and stored nowhere in the database", async () => {
    const license = await ctx.services.licenses.create({ owner: OWNER });
    const keys = [
      await ctx.services.licenses.createApiKey(license.clientId),
      await ctx.services.licenses.createApiKey(license.clientId),
    ];
    expect(keys[0]!.privateKey).not.toBe(keys[1]!.privateKey);

    // The scan covers the tables a key could be stored in.
    expect(await tableNames(ctx.store)).toEqual(
      expect.arrayContaining(["licenses", "license_signers", "users"]),
    );
    const text = await databaseText(ctx.store);
    for (const key of keys) {
      // The scan does see the signer rows...
      expect(text).toContain(key.address.toLowerCase());
      // ...but no form of the private key.
      const bytes = Buffer.from(key.privateKey, "hex");
      expect(text).not.toContain(key.privateKey);
      expect(text).not.toContain(key.privateKey.slice(0, 32));
      expect(text).not.toContain(bytes.toString("base64").toLowerCase());
      expect(text).not.toContain(bytes.toString("base64url").toLowerCase());
    }
  });

  it("an API key is only valid for its own license", async () => {
    const a = await ctx.services.licenses.create({ owner: OWNER });
    const b = await ctx.services.licenses.create({ owner: OWNER });
    const key = await ctx.services.licenses.createApiKey(a.clientId);
    expect(await ctx.services.licenses.isEnabledSigner(b.clientId, key.address)).toBe(false);
    expect(await ctx.services.licenses.isEnabledSigner("nonsense", key.address)).toBe(false);
    expect(await ctx.services.licenses.isEnabledSigner(a.clientId, "nonsense")).toBe(false);
  });

  it("createApiKey on an unknown license is NOT_FOUND", async () => {
    await serviceError(ctx.services.licenses.createApiKey(`0x${"ef".repeat(20)}`), "NOT_FOUND");
  });

  it("disable removes the signer; enabling it again gives a new enabledAt", async () => {
    const license = await ctx.services.licenses.create({ owner: OWNER });
    const key = await ctx.services.licenses.createApiKey(license.clientId);

    ctx.clock = START + 60_000;
    await ctx.services.licenses.disableSigner(license.clientId, key.address.toLowerCase());
    expect(await ctx.services.licenses.isEnabledSigner(license.clientId, key.address)).toBe(false);
    expect(await ctx.services.licenses.listSigners(license.clientId)).toEqual([]);
    expect(await ctx.services.licenses.listSigners(license.clientId, { includeDisabled: true })).toEqual([
      {
        address: key.address,
        enabledAt: new Date(START),
        disabledAt: new Date(START + 60_000),
        expiresAt: null,
      },
    ]);
    // Disabling twice: there is no enabled signer with that address any more.
    await serviceError(ctx.services.licenses.disableSigner(license.clientId, key.address), "NOT_FOUND");

    ctx.clock = START + 120_000;
    const again = await ctx.services.licenses.addSigner(license.clientId, key.address);
    expect(again).toEqual({
      address: key.address,
      enabledAt: new Date(START + 120_000),
      disabledAt: null,
      expiresAt: null,
    });
    expect(await ctx.services.licenses.isEnabledSigner(license.clientId, key.address)).toBe(true);
    expect(await ctx.services.licenses.listSigners(license.clientId)).toEqual([again]);
  });

  it("adding an already enabled signer keeps its original enabledAt", async () => {
    const license = await ctx.services.licenses.create({ owner: OWNER });
    const key = await ctx.services.licenses.createApiKey(license.clientId);
    ctx.clock = START + 5_000;
    const same = await ctx.services.licenses.addSigner(license.clientId, key.address);
    expect(same.enabledAt).toEqual(new Date(START));
    expect(await ctx.services.licenses.listSigners(license.clientId, { includeDisabled: true })).toHaveLength(
      1,
    );
  });

  it("disableSigner rejects unknown signers and malformed addresses", async () => {
    const license = await ctx.services.licenses.create({ owner: OWNER });
    await serviceError(
      ctx.services.licenses.disableSigner(license.clientId, `0x${"12".repeat(20)}`),
      "NOT_FOUND",
    );
    await serviceError(ctx.services.licenses.disableSigner(license.clientId, "0xnope"), "INVALID_ARGUMENT");
    await serviceError(ctx.services.licenses.addSigner(license.clientId, "0xnope"), "INVALID_ARGUMENT");
  });

  it("a signer with an expiry is enabled until then and not after", async () => {
    const license = await ctx.services.licenses.create({ owner: OWNER });
    const signer = privateKeyToAccount(`0x${"42".repeat(32)}`).address;
    const expiresAt = new Date(START + 3_600_000);
    const added = await ctx.services.licenses.addSigner(license.clientId, signer.toLowerCase(), expiresAt);
    expect(added).toEqual({ address: signer, enabledAt: new Date(START), disabledAt: null, expiresAt });

    ctx.clock = START + 3_599_999;
    expect(await ctx.services.licenses.isEnabledSigner(license.clientId, signer)).toBe(true);
    expect(await ctx.services.licenses.count({ signer })).toBe(1);

    ctx.clock = START + 3_600_000;
    expect(await ctx.services.licenses.isEnabledSigner(license.clientId, signer)).toBe(false);
    expect(await ctx.services.licenses.listSigners(license.clientId)).toEqual([]);
    expect(await ctx.services.licenses.count({ signer })).toBe(0);
    expect(await ctx.services.licenses.page({ signer, limit: 10, order: "desc" })).toEqual([]);

    // Re-adding without an expiry makes it permanent again.
    const renewed = await ctx.services.licenses.addSigner(license.clientId, signer);
    expect(renewed.expiresAt).toBeNull();
    expect(await ctx.services.licenses.isEnabledSigner(license.clientId, signer)).toBe(true);
  });
});

describe("redirect URIs", () => {
  it.each([
    "https://app.example.com/callback",
    "https://app.example.com:8443/auth/return?tab=vehicles",
    "http://localhost:5173/callback",
    "http://127.0.0.1:8080/",
    "http://[::1]:3000/cb",
  ])("accepts %s", async (uri) => {
    const license = await ctx.services.licenses.create({ owner: OWNER });
    const added = await ctx.services.licenses.addRedirectUri(license.clientId, uri);
    expect(added).toEqual({ uri, enabledAt: new Date(START) });
    expect(await ctx.services.licenses.listRedirectUris(license.clientId)).toEqual([added]);
    expect(await ctx.services.licenses.hasRedirectUri(license.clientId, uri)).toBe(true);
  });

  it.each([
    ["plain http on a public host", "http://example.com/callback"],
    ["http on a look-alike of localhost", "http://localhost.example.com/cb"],
    ["a fragment", "https://app.example.com/callback#done"],
    ["an empty fragment", "https://app.example.com/callback#"],
    ["a wildcard host", "https://*.example.com/callback"],
    ["a wildcard path", "https://app.example.com/*"],
    ["credentials", "https://user:secret@app.example.com/cb"],
    ["a relative URL", "/callback"],
    ["no scheme", "app.example.com/callback"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["a custom scheme", "myapp://callback"],
    ["surrounding spaces", " https://app.example.com/callback "],
    ["an embedded newline", "https://app.example.com/call\nback"],
  ])("rejects %s as INVALID_ARGUMENT and stores nothing", async (_name, uri) => {
    const license = await ctx.services.licenses.create({ owner: OWNER });
    await serviceError(ctx.services.licenses.addRedirectUri(license.clientId, uri), "INVALID_ARGUMENT");
    expect(await ctx.services.licenses.listRedirectUris(license.clientId)).toEqual([]);
    expect(await ctx.services.licenses.hasRedirectUri(license.clientId, uri)).toBe(false);
  });

  it("matches exact strings only", async () => {
    const license = await ctx.services.licenses.create({ owner: OWNER });
    const uri = "https://app.example.com/callback";
    await ctx.services.licenses.addRedirectUri(license.clientId, uri);

    expect(await ctx.services.licenses.hasRedirectUri(license.clientId, uri)).toBe(true);
    expect(await ctx.services.licenses.hasRedirectUri(license.clientId.toLowerCase(), uri)).toBe(true);
    for (const near of [
      "https://app.example.com/callback/",
      "https://APP.example.com/callback",
      "https://app.example.com/Callback",
      "https://app.example.com/callback?x=1",
      "https://app.example.com:443/callback",
      "https://app.example.com/callback#",
      "http://app.example.com/callback",
      "https://app.example.com/callback/../callback",
    ]) {
      expect(await ctx.services.licenses.hasRedirectUri(license.clientId, near), near).toBe(false);
    }
  });

  it("the trailing-slash variant is a different URI: both can be registered and removed separately", async () => {
    const license = await ctx.services.licenses.create({ owner: OWNER });
    await ctx.services.licenses.addRedirectUri(license.clientId, "https://app.example.com/cb");
    ctx.clock = START + 1_000;
    await ctx.services.licenses.addRedirectUri(license.clientId, "https://app.example.com/cb/");
    expect((await ctx.services.licenses.listRedirectUris(license.clientId)).map((r) => r.uri)).toEqual([
      "https://app.example.com/cb",
      "https://app.example.com/cb/",
    ]);
    await ctx.services.licenses.removeRedirectUri(license.clientId, "https://app.example.com/cb/");
    expect(await ctx.services.licenses.hasRedirectUri(license.clientId, "https://app.example.com/cb")).toBe(
      true,
    );
    expect(await ctx.services.licenses.hasRedirectUri(license.clientId, "https://app.example.com/cb/")).toBe(
      false,
    );
  });

  it("adding the same URI twice keeps one entry and its first enabledAt", async () => {
    const license = await ctx.services.licenses.create({ owner: OWNER });
    await ctx.services.licenses.addRedirectUri(license.clientId, "https://app.example.com/cb");
    ctx.clock = START + 10_000;
    const again = await ctx.services.licenses.addRedirectUri(license.clientId, "https://app.example.com/cb");
    expect(again.enabledAt).toEqual(new Date(START));
    expect(await ctx.services.licenses.listRedirectUris(license.clientId)).toHaveLength(1);
  });

  it("removing an unknown URI is NOT_FOUND and leaves the registered one in place", async () => {
    const license = await ctx.services.licenses.create({ owner: OWNER });
    await ctx.services.licenses.addRedirectUri(license.clientId, "https://app.example.com/cb");
    await serviceError(
      ctx.services.licenses.removeRedirectUri(license.clientId, "https://app.example.com/cb/"),
      "NOT_FOUND",
    );
    await serviceError(
      ctx.services.licenses.removeRedirectUri(license.clientId, "https://other.example.com/cb"),
      "NOT_FOUND",
    );
    expect(await ctx.services.licenses.hasRedirectUri(license.clientId, "https://app.example.com/cb")).toBe(
      true,
    );

    await ctx.services.licenses.removeRedirectUri(license.clientId, "https://app.example.com/cb");
    expect(await ctx.services.licenses.listRedirectUris(license.clientId)).toEqual([]);
    await serviceError(
      ctx.services.licenses.removeRedirectUri(license.clientId, "https://app.example.com/cb"),
      "NOT_FOUND",
    );
  });

  it("redirect URIs belong to one license", async () => {
    const a = await ctx.services.licenses.create({ owner: OWNER });
    const b = await ctx.services.licenses.create({ owner: OWNER });
    await ctx.services.licenses.addRedirectUri(a.clientId, "https://a.example.com/cb");
    expect(await ctx.services.licenses.hasRedirectUri(b.clientId, "https://a.example.com/cb")).toBe(false);
    await serviceError(
      ctx.services.licenses.removeRedirectUri(b.clientId, "https://a.example.com/cb"),
      "NOT_FOUND",
    );
    expect(await ctx.services.licenses.hasRedirectUri(a.clientId, "https://a.example.com/cb")).toBe(true);
  });

  it("unknown licenses: add and remove are NOT_FOUND, has is false", async () => {
    const unknown = `0x${"77".repeat(20)}`;
    await serviceError(
      ctx.services.licenses.addRedirectUri(unknown, "https://app.example.com/cb"),
      "NOT_FOUND",
    );
    await serviceError(
      ctx.services.licenses.removeRedirectUri(unknown, "https://app.example.com/cb"),
      "NOT_FOUND",
    );
    expect(await ctx.services.licenses.hasRedirectUri(unknown, "https://app.example.com/cb")).toBe(false);
    expect(await ctx.services.licenses.hasRedirectUri("not-an-address", "https://app.example.com/cb")).toBe(
      false,
    );
  });
});

describe("paging and counting licenses", () => {
  it("by owner, newest first, with keyset pagination in both directions", async () => {
    const owner = getAddress(OWNER);
    const other = getAddress(OTHER_OWNER);
    const mine = [
      await ctx.services.licenses.create({ owner: OWNER }),
      await ctx.services.licenses.create({ owner: OWNER }),
      await ctx.services.licenses.create({ owner: OTHER_OWNER }),
      await ctx.services.licenses.create({ owner: OWNER }),
    ].filter((l) => l.owner === owner);
    expect(mine.map((l) => l.tokenId)).toEqual([1, 2, 4]);

    expect(await ctx.services.licenses.count({ owner })).toBe(3);
    expect(await ctx.services.licenses.count({ owner: other })).toBe(1);
    expect(await ctx.services.licenses.count()).toBe(4);
    expect(await ctx.services.licenses.count({ owner: getAddress(`0x${"99".repeat(20)}`) })).toBe(0);

    const page1 = await ctx.services.licenses.page({ owner, limit: 2, order: "desc" });
    expect(page1.map((l) => l.tokenId)).toEqual([4, 2]);
    const page2 = await ctx.services.licenses.page({
      owner,
      limit: 2,
      order: "desc",
      below: page1.at(-1)!.tokenId,
    });
    expect(page2.map((l) => l.tokenId)).toEqual([1]);
    expect(page2[0]).toEqual(mine[0]);

    const asc = await ctx.services.licenses.page({ owner, limit: 10, order: "asc", above: 1 });
    expect(asc.map((l) => l.tokenId)).toEqual([2, 4]);
    expect((await ctx.services.licenses.page({ limit: 10, order: "asc" })).map((l) => l.tokenId)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it("by signer: only licenses where it is currently enabled", async () => {
    const a = await ctx.services.licenses.create({ owner: OWNER });
    const b = await ctx.services.licenses.create({ owner: OWNER });
    const c = await ctx.services.licenses.create({ owner: OTHER_OWNER });
    const key = await ctx.services.licenses.createApiKey(b.clientId);
    await ctx.services.licenses.addSigner(c.clientId, key.address);
    await ctx.services.licenses.createApiKey(a.clientId);

    expect(await ctx.services.licenses.count({ signer: key.address })).toBe(2);
    expect(
      (await ctx.services.licenses.page({ signer: key.address, limit: 10, order: "desc" })).map(
        (l) => l.clientId,
      ),
    ).toEqual([c.clientId, b.clientId]);
    expect(await ctx.services.licenses.count({ signer: key.address, owner: getAddress(OWNER) })).toBe(1);

    await ctx.services.licenses.disableSigner(c.clientId, key.address);
    expect(await ctx.services.licenses.count({ signer: key.address })).toBe(1);
    expect(
      (await ctx.services.licenses.page({ signer: key.address, limit: 10, order: "asc" })).map(
        (l) => l.clientId,
      ),
    ).toEqual([b.clientId]);
  });
});
