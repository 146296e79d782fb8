import { describe, expect, it } from "vitest";
import { serviceError, useServices } from "../../../test/support/services.ts";

const START = Date.parse("2030-01-01T00:00:00Z");
const ctx = useServices(START);
const REDIRECT = "https://app.example.com/callback";

async function license(alias: string | null = null) {
  const developer = await ctx.services.accounts.ensure("developer@example.com");
  const created = await ctx.services.licenses.create({ owner: developer.walletAddress, alias });
  await ctx.services.licenses.addRedirectUri(created.clientId, REDIRECT);
  return created;
}

describe("configurations (connect-protocol §2)", () => {
  const consoleConfiguration = {
    redirectUri: REDIRECT,
    utm: "",
    entryState: "VEHICLE_MANAGER",
    permissionTemplateId: "1",
    expirationDate: "12-31-2031",
    vehicleMakes: "Tesla,Ford",
    powerTrainTypes: "BEV",
  };

  it("create, get, list, update, delete; the object is kept as written", async () => {
    const { configurations } = ctx.services;
    const l = await license();
    const created = await configurations.create({
      clientId: l.clientId.toLowerCase(),
      name: "Share my car",
      configuration: consoleConfiguration,
    });
    expect(created).toMatchObject({
      clientId: l.clientId,
      ownerId: l.owner,
      name: "Share my car",
      configuration: consoleConfiguration,
      createdAt: new Date(START),
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await configurations.get(created.id.toUpperCase())).toEqual(created);
    expect(await configurations.list(l.clientId)).toEqual([created]);

    ctx.clock += 1000;
    const updated = await configurations.update(created.id, {
      name: "Renamed",
      configuration: { redirectUri: REDIRECT },
    });
    expect(updated).toMatchObject({
      name: "Renamed",
      configuration: { redirectUri: REDIRECT },
      updatedAt: new Date(START + 1000),
    });
    await configurations.delete(created.id);
    expect(await configurations.get(created.id)).toBeUndefined();
    await serviceError(configurations.delete(created.id), "NOT_FOUND");
  });

  it("a chosen id makes it deterministic; a taken id is a conflict", async () => {
    const l = await license();
    const id = "de70de70-0000-4000-8000-000000000001";
    const created = await ctx.services.configurations.create({
      clientId: l.clientId,
      name: "x",
      configuration: {},
      id,
    });
    expect(created.id).toBe(id);
    await serviceError(
      ctx.services.configurations.create({ clientId: l.clientId, name: "x", configuration: {}, id }),
      "CONFLICT",
    );
    await serviceError(
      ctx.services.configurations.create({ clientId: l.clientId, name: "x", configuration: {}, id: "nope" }),
      "INVALID_ARGUMENT",
    );
  });

  it("refuses what the login app would refuse, and unregistered redirect URIs", async () => {
    const l = await license();
    const create = (configuration: unknown) =>
      ctx.services.configurations.create({ clientId: l.clientId, name: "x", configuration });
    for (const bad of [
      [],
      "text",
      { permissions: "000000001" },
      { entryState: "VEHICLE_MANAGER" },
      { expirationDate: "2020-01-01" },
      { tosUrl: "http://app.example.com/tos" },
      { redirectUri: "https://elsewhere.example.com/" },
    ]) {
      await serviceError(create(bad), "INVALID_ARGUMENT");
    }
    await serviceError(
      ctx.services.configurations.create({ clientId: l.clientId, name: " ", configuration: {} }),
      "INVALID_ARGUMENT",
    );
    await serviceError(
      ctx.services.configurations.create({
        clientId: "0x2222222222222222222222222222222222222222",
        name: "x",
        configuration: {},
      }),
      "NOT_FOUND",
    );
  });
});

describe("brands (connect-protocol §9)", () => {
  it("the first brand is the default; names are unique per license, case-insensitively", async () => {
    const { brands } = ctx.services;
    const l = await license();
    const acme = await brands.create(l.clientId, {
      name: "Acme",
      logoUrl: "https://cdn.example.com/logo.png",
      primaryColor: "#0a66c2",
    });
    expect(acme).toMatchObject({ name: "Acme", isDefault: true, primaryColor: "#0A66C2" });
    const other = await brands.create(l.clientId, { name: "Other" });
    expect(other.isDefault).toBe(false);
    await serviceError(brands.create(l.clientId, { name: "acme" }), "INVALID_ARGUMENT");
    expect((await brands.resolve(l.clientId))?.name).toBe("Acme");
    expect((await brands.resolve(l.clientId, "OTHER"))?.name).toBe("Other");
    expect(await brands.resolve(l.clientId, "missing")).toBeUndefined();
    await brands.update(other.id, { isDefault: true });
    expect((await brands.resolve(l.clientId))?.name).toBe("Other");
    expect((await brands.list(l.clientId)).map((b) => [b.name, b.isDefault])).toEqual([
      ["Other", true],
      ["Acme", false],
    ]);
  });

  it("logos must be https, colours #RRGGBB", async () => {
    const l = await license();
    await serviceError(
      ctx.services.brands.create(l.clientId, { name: "A", logoUrl: "http://x.example/a.png" }),
      "INVALID_ARGUMENT",
    );
    await serviceError(
      ctx.services.brands.create(l.clientId, { name: "A", primaryColor: "red" }),
      "INVALID_ARGUMENT",
    );
    await serviceError(ctx.services.brands.create(l.clientId, { name: "x".repeat(101) }), "INVALID_ARGUMENT");
  });
});

describe("license settings (security.md §2)", () => {
  it("defaults: no web origins, embed off, legacy tokens on, secure-only off, no cap", async () => {
    const l = await license();
    expect(await ctx.services.licenseSettings.get(l.clientId)).toEqual({
      webOrigins: [],
      embedEnabled: false,
      legacyTokenResponse: true,
      secureOnly: false,
      maxGrantDays: null,
    });
  });

  it("updates what is given and keeps the rest", async () => {
    const l = await license();
    const { licenseSettings } = ctx.services;
    await licenseSettings.update(l.clientId, {
      webOrigins: ["http://localhost:5173", "https://app.example.com"],
      embedEnabled: true,
    });
    const next = await licenseSettings.update(l.clientId, { maxGrantDays: 30 });
    expect(next).toEqual({
      webOrigins: ["http://localhost:5173", "https://app.example.com"],
      embedEnabled: true,
      legacyTokenResponse: true,
      secureOnly: false,
      maxGrantDays: 30,
    });
    expect(await licenseSettings.get(l.clientId)).toEqual(next);
    expect((await licenseSettings.update(l.clientId, { maxGrantDays: null })).maxGrantDays).toBeNull();
  });

  it("web origins are exact origins: https, or http on loopback; no paths", async () => {
    const l = await license();
    for (const origin of [
      "https://app.example.com/",
      "https://app.example.com/path",
      "http://app.example.com",
      "app.example.com",
      "https://*.example.com",
    ]) {
      await serviceError(
        ctx.services.licenseSettings.update(l.clientId, { webOrigins: [origin] }),
        "INVALID_ARGUMENT",
      );
    }
    await serviceError(
      ctx.services.licenseSettings.update(l.clientId, { maxGrantDays: 0 }),
      "INVALID_ARGUMENT",
    );
  });

  it("allowed origins: those of the redirect URIs and the web origins, each once", async () => {
    const l = await license();
    await ctx.services.licenses.addRedirectUri(l.clientId, "https://app.example.com/other");
    await ctx.services.licenses.addRedirectUri(l.clientId, "http://localhost:5173/");
    await ctx.services.licenseSettings.update(l.clientId, {
      webOrigins: ["https://web.example.com", "http://localhost:5173"],
    });
    const allowed = await ctx.services.licenseSettings.allowedOrigins(l.clientId);
    expect([...allowed].sort()).toEqual([
      "http://localhost:5173",
      "https://app.example.com",
      "https://web.example.com",
    ]);
  });
});
