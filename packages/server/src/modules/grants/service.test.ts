import type { FastifyInstance } from "fastify";
import { getAddress } from "viem";
import { afterEach, describe, expect, it, vi } from "vitest";
import { serviceError, testConfig, useServices } from "../../../test/support/services.ts";
import { freshDatabaseUrl, testEngine } from "../../../test/support/store.ts";
import { buildApp } from "../../app.ts";
import type { PrivilegeId } from "../../domain/privileges.ts";
import { cidOf, verifySignedDocument } from "../../domain/sacd-document.ts";
import { createServices, type Services } from "../../services.ts";
import { migrate, openStore, type Store } from "../../store/index.ts";
import type { User } from "../accounts/service.ts";
import type { License } from "../licenses/service.ts";
import type { Vehicle, VehicleSpec } from "../vehicles/service.ts";
import type { Grant } from "./service.ts";

const START = Date.parse("2025-06-01T12:00:00Z");
const START_S = START / 1000;
const YEAR_S = 365.25 * 86400;
const MODEL_3: VehicleSpec = { make: "Tesla", model: "Model 3", year: 2020, powertrainType: "BEV" };
const STRANGER = getAddress("0x1db3439a222c519ab44bb1144fc28167b4fa6ee6");

const ctx = useServices(START);
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Vehicles the grantee holds an active grant on, as the Identity `privileged` filter finds them. */
async function grantedTokenIds(grantee: string): Promise<number[]> {
  const vehicles = await ctx.services.vehicles.page({
    ownerOrGranted: {
      owner: grantee as `0x${string}`,
      granted: ctx.services.grants.grantedPairsQuery(grantee as `0x${string}`),
    },
    limit: 1000,
    order: "asc",
  });
  return vehicles.filter((v) => v.owner.toLowerCase() !== grantee.toLowerCase()).map((v) => v.tokenId);
}

interface World {
  owner: User;
  license: License;
  clientId: `0x${string}`;
  vehicle: Vehicle;
}

/** An owner account with a vehicle, and a developer license to share it with. */
async function world(s: Services = ctx.services, email = "owner@example.com"): Promise<World> {
  const owner = await s.accounts.create(email);
  const license = await s.licenses.create({ owner: owner.walletAddress, alias: `app for ${email}` });
  const vehicle = await s.vehicles.mint({ owner: owner.walletAddress, ...MODEL_3 });
  return { owner, license, clientId: license.clientId, vehicle };
}

async function counts(store: Store = ctx.store) {
  const n = async (table: "grants" | "grant_events" | "sacd_documents") =>
    Number(
      (
        await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { grants: await n("grants"), events: await n("grant_events"), documents: await n("sacd_documents") };
}

async function httpApp(): Promise<FastifyInstance> {
  app ??= await buildApp(ctx.services);
  return app;
}

function cidOfSource(grant: Grant): string {
  expect(grant.source).toMatch(/^ipfs:\/\/bafkrei[a-z2-7]+$/);
  return grant.source.slice("ipfs://".length);
}

/** Fetches the grant's document over HTTP and checks it the way a third party would. */
async function fetchAndVerify(grant: Grant) {
  const cid = cidOfSource(grant);
  const res = await (await httpApp()).inject({ method: "GET", url: `/ipfs/${cid}` });
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(await cidOf(new Uint8Array(res.rawPayload))).toBe(cid);
  const verified = await verifySignedDocument(res.body);
  return {
    res,
    verified,
    data: verified.data as Record<string, unknown> & { agreements: Array<Record<string, unknown>> },
  };
}

const refresh = (vehicle: Vehicle) => ctx.services.vehicles.require(vehicle.tokenId);

describe("GrantService.grant", () => {
  it('template "1" grants privileges 1–6 (0x3ffc) and records templateId "1"', async () => {
    const { owner, clientId, vehicle } = await world();
    const grant = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId.toLowerCase(),
      grantor: owner.walletAddress,
      templateId: "1",
    });
    expect(grant).toMatchObject({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      permissions: 0x3ffc,
      privileges: [1, 2, 3, 4, 5, 6],
      templateId: "1",
      version: 0,
      createdAt: new Date(START),
    });
    expect(`0x${grant.permissions.toString(16)}`).toBe("0x3ffc");
    expect(await ctx.services.grants.current(vehicle.tokenId, clientId)).toEqual(grant);
    expect(await ctx.services.grants.active(vehicle, clientId)).toEqual(grant);
  });

  it("the template wins over an explicit privilege list, and may be given as a number", async () => {
    const { owner, clientId, vehicle } = await world();
    const grant = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      templateId: 1,
      privileges: [1],
    });
    expect(grant.permissions).toBe(0x3ffc);
    expect(grant.templateId).toBe("1");
  });

  it("explicit privileges [1, 4] give 0x30c with no template; duplicates and order don't matter", async () => {
    const { owner, clientId, vehicle } = await world();
    const grant = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [4, 1, 4],
    });
    expect(grant.permissions).toBe(0x30c);
    expect(grant.privileges).toEqual([1, 4]);
    expect(grant.templateId).toBe("0");
    // Template "0" and "" mean none.
    const again = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [7, 8],
      templateId: "0",
    });
    expect(again.permissions).toBe((3 << 14) | (3 << 16));
    expect(again.templateId).toBe("0");
  });

  it.each<[string, { templateId?: string; privileges?: PrivilegeId[] }]>([
    ["an unknown template", { templateId: "2" }],
    ["a non-numeric template", { templateId: "all" }],
    ["a zero-padded template", { templateId: "01" }],
    ["privilege 9", { privileges: [1, 9 as PrivilegeId] }],
    ["privilege 0", { privileges: [0 as PrivilegeId] }],
    ["a fractional privilege", { privileges: [1.5 as PrivilegeId] }],
    ["an empty privilege list", { privileges: [] }],
    ["no privileges at all", {}],
  ])("rejects %s as INVALID_ARGUMENT and stores nothing", async (_name, input) => {
    const { owner, clientId, vehicle } = await world();
    const before = await counts();
    await serviceError(
      ctx.services.grants.grant({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: owner.walletAddress,
        ...input,
      }),
      "INVALID_ARGUMENT",
    );
    expect(await counts()).toEqual(before);
    expect(await ctx.services.grants.current(vehicle.tokenId, clientId)).toBeUndefined();
    expect(await ctx.services.grants.history(vehicle.tokenId)).toEqual([]);
  });

  it("rejects a malformed grantee, and sharing with the owner themself", async () => {
    const { owner, vehicle } = await world();
    const before = await counts();
    await serviceError(
      ctx.services.grants.grant({
        tokenId: vehicle.tokenId,
        grantee: "0xabc",
        grantor: owner.walletAddress,
        templateId: "1",
      }),
      "INVALID_ARGUMENT",
    );
    await serviceError(
      ctx.services.grants.grant({
        tokenId: vehicle.tokenId,
        grantee: owner.walletAddress.toLowerCase(),
        grantor: owner.walletAddress,
        templateId: "1",
      }),
      "INVALID_ARGUMENT",
    );
    expect(await counts()).toEqual(before);
  });

  it("only the owner may grant: anyone else is FORBIDDEN and nothing is stored", async () => {
    const { clientId, vehicle } = await world();
    const other = await ctx.services.accounts.create("someone-else@example.com");
    const before = await counts();
    for (const grantor of [other.walletAddress, STRANGER, "not-an-address"]) {
      await serviceError(
        ctx.services.grants.grant({ tokenId: vehicle.tokenId, grantee: clientId, grantor, templateId: "1" }),
        "FORBIDDEN",
      );
    }
    expect(await counts()).toEqual(before);
    expect(await ctx.services.grants.current(vehicle.tokenId, clientId)).toBeUndefined();
  });

  it("the owner's address is accepted in any case", async () => {
    const { owner, clientId, vehicle } = await world();
    const grant = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress.toLowerCase(),
      privileges: [1],
    });
    expect(grant.grantor).toBe(owner.walletAddress);
  });

  it("an unknown vehicle is NOT_FOUND", async () => {
    const { owner, clientId } = await world();
    await serviceError(
      ctx.services.grants.grant({
        tokenId: 999,
        grantee: clientId,
        grantor: owner.walletAddress,
        templateId: "1",
      }),
      "NOT_FOUND",
    );
  });

  it("default expiry is about 100 years from now", async () => {
    const { owner, clientId, vehicle } = await world();
    const grant = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      templateId: "1",
    });
    const years = (grant.expiresAt - START_S) / YEAR_S;
    expect(years).toBeGreaterThan(99.9);
    expect(years).toBeLessThan(100.1);
    const { data } = await fetchAndVerify(grant);
    expect(String(data.expiresAt)).toMatch(/^2125-/);
  });

  it("an explicit expiry is kept to the second", async () => {
    const { owner, clientId, vehicle } = await world();
    const expiresAt = new Date("2026-01-31T23:59:59.750Z");
    const grant = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
      expiresAt,
    });
    expect(grant.expiresAt).toBe(Date.parse("2026-01-31T23:59:59Z") / 1000);
    expect((await fetchAndVerify(grant)).data.expiresAt).toBe("2026-01-31T23:59:59Z");
  });

  it.each([
    ["in the past", new Date(START - 86_400_000)],
    ["exactly now", new Date(START)],
    ["more than 100 years ahead", new Date(START + 101 * YEAR_S * 1000)],
    ["not a date", new Date(Number.NaN)],
  ])("rejects an expiry %s and stores nothing", async (_name, expiresAt) => {
    const { owner, clientId, vehicle } = await world();
    const before = await counts();
    await serviceError(
      ctx.services.grants.grant({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: owner.walletAddress,
        privileges: [1],
        expiresAt,
      }),
      "INVALID_ARGUMENT",
    );
    expect(await counts()).toEqual(before);
  });

  it("a new grant replaces the current record for the same (vehicle, grantee)", async () => {
    const { owner, clientId, vehicle } = await world();
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      templateId: "1",
    });
    ctx.clock = START + 1000;
    const second = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [8],
    });
    expect(await ctx.services.grants.current(vehicle.tokenId, clientId)).toEqual(second);
    expect((await counts()).grants).toBe(1);
    expect(
      (await ctx.services.grants.history(vehicle.tokenId)).map((e) => [e.action, e.permissions]),
    ).toEqual([
      ["grant", 0x3ffc],
      ["grant", 3 << 16],
    ]);
  });
});

describe("signed consent documents at /ipfs/:cid", () => {
  it("serve the grant's document as JSON whose CID recomputes and whose signature is the owner's", async () => {
    const { owner, clientId, vehicle } = await world();
    const grant = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      templateId: "1",
    });
    const { res, verified, data } = await fetchAndVerify(grant);

    expect(res.headers["cache-control"]).toContain("immutable");
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.body).toBe(await ctx.services.grants.document(cidOfSource(grant)));

    expect(verified.type).toBe("dimo.sacd");
    expect(verified.grantor).toBe(owner.walletAddress);
    expect(verified.grantee).toBe(clientId);
    const doc = JSON.parse(res.body) as Record<string, unknown>;
    expect(doc).toMatchObject({ specversion: "1.0", type: "dimo.sacd", source: owner.walletAddress });
    expect(data).toMatchObject({
      grantor: { address: owner.walletAddress },
      grantee: { address: clientId },
      asset: vehicle.tokenDID,
      permissionTemplateId: "1",
      effectiveAt: "2025-06-01T12:00:00Z",
    });
    expect(data.agreements[0]).toMatchObject({
      type: "permission",
      asset: vehicle.tokenDID,
      permissions: [
        { name: "privilege:GetNonLocationHistory" },
        { name: "privilege:ExecuteCommands" },
        { name: "privilege:GetCurrentLocation" },
        { name: "privilege:GetLocationHistory" },
        { name: "privilege:GetVINCredential" },
        { name: "privilege:GetLiveData" },
      ],
    });
  });

  it("include requested cloud-event agreements, with a checksummed source", async () => {
    const { owner, clientId, vehicle } = await world();
    const grant = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1, 4],
      cloudEvents: [
        { eventType: "dimo.attestation", source: STRANGER.toLowerCase(), ids: ["*"], tags: ["*"] },
      ],
    });
    const { data } = await fetchAndVerify(grant);
    expect(data.agreements[0]!.permissions).toEqual([
      { name: "privilege:GetNonLocationHistory" },
      { name: "privilege:GetLocationHistory" },
    ]);
    expect(data.agreements[1]).toMatchObject({
      type: "cloudevent",
      asset: vehicle.tokenDID,
      eventType: "dimo.attestation",
      source: STRANGER,
      ids: ["*"],
      tags: ["*"],
    });
  });

  it("serve the built-in template's document, signed by the platform", async () => {
    const template = await ctx.services.grants.template(1);
    expect(template).toMatchObject({ tokenId: 1, permissions: 0x3ffc, active: true });
    const res = await (await httpApp()).inject({ method: "GET", url: `/ipfs/${template!.cid}` });
    expect(res.statusCode).toBe(200);
    expect(await cidOf(new Uint8Array(res.rawPayload))).toBe(template!.cid);
    const verified = await verifySignedDocument(res.body);
    expect(verified.type).toBe("dimo.sacd.template");
    expect(verified.grantor).toBe(template!.creator);
  });

  it.each([
    ["a malformed CID", "not-a-cid"],
    ["a CIDv0", "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"],
    ["a path traversal", "..%2F..%2Fetc%2Fpasswd"],
  ])("answer 404 JSON for %s", async (_name, cid) => {
    const res = await (await httpApp()).inject({ method: "GET", url: `/ipfs/${cid}` });
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ code: 404, message: expect.any(String) });
  });

  it("answer 404 JSON for a well-formed CID that is not stored", async () => {
    const cid = await cidOf("{}");
    const res = await (await httpApp()).inject({ method: "GET", url: `/ipfs/${cid}` });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 404, message: expect.any(String) });
    expect(await ctx.services.grants.document(cid)).toBeUndefined();
  });
});

describe("revoke, extend and the audit trail", () => {
  it("revoke writes expiration 0 and hides the grant everywhere", async () => {
    const { owner, clientId, vehicle } = await world();
    const granted = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      templateId: "1",
    });
    expect(await ctx.services.grants.activeForVehicle(vehicle)).toEqual([granted]);
    expect(await grantedTokenIds(clientId)).toEqual([vehicle.tokenId]);

    ctx.clock = START + 60_000;
    const revoked = await ctx.services.grants.revoke({
      tokenId: vehicle.tokenId,
      grantee: clientId.toLowerCase(),
      grantor: owner.walletAddress,
    });
    expect(revoked).toMatchObject({ expiresAt: 0, permissions: 0, privileges: [], grantee: clientId });
    expect(revoked.source).not.toBe(granted.source);
    expect(await ctx.services.grants.current(vehicle.tokenId, clientId)).toMatchObject({ expiresAt: 0 });
    expect(await ctx.services.grants.active(vehicle, clientId)).toBeUndefined();
    expect(await ctx.services.grants.activeForVehicle(vehicle)).toEqual([]);
    expect(await grantedTokenIds(clientId)).toEqual([]);

    // The revocation has its own signed document too.
    const { verified } = await fetchAndVerify(revoked);
    expect(verified.grantor).toBe(owner.walletAddress);
    expect(verified.grantee).toBe(clientId);
    // The original document stays available (immutable, like IPFS).
    await fetchAndVerify(granted);
  });

  it("revoking or extending something that is not shared is NOT_FOUND", async () => {
    const { owner, clientId, vehicle } = await world();
    await serviceError(
      ctx.services.grants.revoke({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: owner.walletAddress,
      }),
      "NOT_FOUND",
    );
    await serviceError(
      ctx.services.grants.extend({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: owner.walletAddress,
        expiresAt: new Date(START + 86_400_000),
      }),
      "NOT_FOUND",
    );
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    await ctx.services.grants.revoke({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
    });
    await serviceError(
      ctx.services.grants.revoke({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: owner.walletAddress,
      }),
      "NOT_FOUND",
    );
    await serviceError(
      ctx.services.grants.extend({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: owner.walletAddress,
        expiresAt: new Date(START + 86_400_000),
      }),
      "NOT_FOUND",
    );
  });

  it("only the owner may revoke or extend", async () => {
    const { owner, clientId, vehicle } = await world();
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    const other = await ctx.services.accounts.create("other@example.com");
    await serviceError(
      ctx.services.grants.revoke({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: other.walletAddress,
      }),
      "FORBIDDEN",
    );
    // Not even the grantee itself.
    await serviceError(
      ctx.services.grants.revoke({ tokenId: vehicle.tokenId, grantee: clientId, grantor: clientId }),
      "FORBIDDEN",
    );
    await serviceError(
      ctx.services.grants.extend({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: other.walletAddress,
        expiresAt: new Date(START + 86_400_000),
      }),
      "FORBIDDEN",
    );
    expect(await ctx.services.grants.active(vehicle, clientId)).toBeDefined();
  });

  it("extend moves the expiry and keeps the privileges", async () => {
    const { owner, clientId, vehicle } = await world();
    const granted = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1, 4],
      expiresAt: new Date(START + 30 * 86_400_000),
    });
    ctx.clock = START + 1000;
    const newExpiry = new Date(START + 400 * 86_400_000);
    const extended = await ctx.services.grants.extend({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      expiresAt: newExpiry,
    });
    expect(extended).toMatchObject({
      permissions: 0x30c,
      privileges: [1, 4],
      templateId: "0",
      expiresAt: newExpiry.getTime() / 1000,
    });
    expect(extended.source).not.toBe(granted.source);
    expect(await ctx.services.grants.active(vehicle, clientId)).toEqual(extended);
    const { data } = await fetchAndVerify(extended);
    expect(data.agreements[0]!.permissions).toEqual([
      { name: "privilege:GetNonLocationHistory" },
      { name: "privilege:GetLocationHistory" },
    ]);
  });

  it("extend keeps a template grant's template", async () => {
    const { owner, clientId, vehicle } = await world();
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      templateId: "1",
    });
    const extended = await ctx.services.grants.extend({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      expiresAt: new Date(START + 2 * YEAR_S * 1000),
    });
    expect(extended).toMatchObject({ permissions: 0x3ffc, templateId: "1" });
  });

  it("extend rejects an expiry in the past and leaves the grant as it was", async () => {
    const { owner, clientId, vehicle } = await world();
    const granted = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    await serviceError(
      ctx.services.grants.extend({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: owner.walletAddress,
        expiresAt: new Date(START - 1000),
      }),
      "INVALID_ARGUMENT",
    );
    expect(await ctx.services.grants.current(vehicle.tokenId, clientId)).toEqual(granted);
  });

  it("history() shows grant → extend → revoke in order, each with its own document", async () => {
    const { owner, clientId, vehicle } = await world();
    const granted = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      templateId: "1",
    });
    ctx.clock = START + 1000;
    const newExpiry = new Date(START + 2 * YEAR_S * 1000);
    const extended = await ctx.services.grants.extend({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      expiresAt: newExpiry,
    });
    ctx.clock = START + 2000;
    const revoked = await ctx.services.grants.revoke({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
    });

    const history = await ctx.services.grants.history(vehicle.tokenId, clientId);
    expect(history.map((e) => e.action)).toEqual(["grant", "extend", "revoke"]);
    expect(history.map((e) => e.expiresAt)).toEqual([granted.expiresAt, newExpiry.getTime() / 1000, 0]);
    expect(history.map((e) => e.permissions)).toEqual([0x3ffc, 0x3ffc, 0]);
    expect(history.map((e) => e.source)).toEqual([granted.source, extended.source, revoked.source]);
    expect(history.map((e) => e.createdAt.getTime())).toEqual([START, START + 1000, START + 2000]);
    expect(history.every((e) => e.grantor === owner.walletAddress && e.grantee === clientId)).toBe(true);
    for (const event of history) expect(await ctx.services.grants.document(cidOfSource(event))).toBeDefined();
  });

  it("history() without a grantee covers every grantee on the vehicle, oldest first", async () => {
    const { owner, clientId, vehicle } = await world();
    const second = await ctx.services.licenses.create({ owner: owner.walletAddress });
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: second.clientId,
      grantor: owner.walletAddress,
      privileges: [2],
    });
    await ctx.services.grants.revoke({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
    });
    expect((await ctx.services.grants.history(vehicle.tokenId)).map((e) => [e.action, e.grantee])).toEqual([
      ["grant", clientId],
      ["grant", second.clientId],
      ["revoke", clientId],
    ]);
    expect(
      (await ctx.services.grants.history(vehicle.tokenId, second.clientId)).map((e) => e.action),
    ).toEqual(["grant"]);
  });
});

describe("active grants", () => {
  it("activeForVehicle lists the newest first; the privileged filter lists the grantee's vehicles", async () => {
    const { owner, clientId, vehicle } = await world();
    const second = await ctx.services.licenses.create({ owner: owner.walletAddress });
    const otherVehicle = await ctx.services.vehicles.mint({
      owner: owner.walletAddress,
      make: "Ford",
      model: "F-150",
      year: 2019,
      powertrainType: "ICE",
    });
    const a = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    ctx.clock = START + 1000;
    const b = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: second.clientId,
      grantor: owner.walletAddress,
      privileges: [2],
    });
    await ctx.services.grants.grant({
      tokenId: otherVehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [3],
    });

    expect(await ctx.services.grants.activeForVehicle(vehicle)).toEqual([b, a]);
    expect((await grantedTokenIds(clientId)).sort((x: number, y: number) => x - y)).toEqual([
      vehicle.tokenId,
      otherVehicle.tokenId,
    ]);
    expect(await grantedTokenIds(second.clientId)).toEqual([vehicle.tokenId]);
    expect(await grantedTokenIds(STRANGER)).toEqual([]);
  });

  it("a grant is inactive from its expiry second on", async () => {
    const { owner, clientId, vehicle } = await world();
    const expiresAt = new Date(START + 3_600_000);
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
      expiresAt,
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toMatchObject({
      allowed: true,
    });

    ctx.clock = expiresAt.getTime() - 1000;
    expect(await ctx.services.grants.active(vehicle, clientId)).toBeDefined();
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toMatchObject({
      allowed: true,
    });

    ctx.clock = expiresAt.getTime();
    expect(await ctx.services.grants.active(vehicle, clientId)).toBeUndefined();
    expect(await ctx.services.grants.activeForVehicle(vehicle)).toEqual([]);
    expect(await grantedTokenIds(clientId)).toEqual([]);
    // Even though the earlier answer is cached.
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toEqual({
      allowed: false,
      reason: "no-grant",
      missing: [1],
    });
    // An expired grant can be neither extended nor revoked, but the owner can share again.
    await serviceError(
      ctx.services.grants.revoke({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: owner.walletAddress,
      }),
      "NOT_FOUND",
    );
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toMatchObject({
      allowed: true,
    });
  });
});

describe("transfers end grants", () => {
  it("a transfer ends every grant at once and leaves a 'transfer' event", async () => {
    const { owner, clientId, vehicle } = await world();
    const second = await ctx.services.licenses.create({ owner: owner.walletAddress });
    const third = await ctx.services.licenses.create({ owner: owner.walletAddress });
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      templateId: "1",
    });
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: second.clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: third.clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    await ctx.services.grants.revoke({
      tokenId: vehicle.tokenId,
      grantee: third.clientId,
      grantor: owner.walletAddress,
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toMatchObject({
      allowed: true,
    }); // now cached

    const buyer = await ctx.services.accounts.create("buyer@example.com");
    ctx.clock = START + 5000;
    await ctx.services.vehicles.transfer(vehicle.tokenId, buyer.walletAddress);
    const moved = await refresh(vehicle);

    expect(await ctx.services.grants.active(moved, clientId)).toBeUndefined();
    expect(await ctx.services.grants.active(moved, second.clientId)).toBeUndefined();
    expect(await ctx.services.grants.activeForVehicle(moved)).toEqual([]);
    expect(await grantedTokenIds(clientId)).toEqual([]);
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toEqual({
      allowed: false,
      reason: "no-grant",
      missing: [1],
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, buyer.walletAddress, [1, 8])).toEqual({
      allowed: true,
      reason: "owner",
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, owner.walletAddress, [1])).toMatchObject({
      allowed: false,
    });

    const history = await ctx.services.grants.history(vehicle.tokenId, clientId);
    expect(history.map((e) => e.action)).toEqual(["grant", "transfer"]);
    expect(history[1]).toMatchObject({
      grantor: owner.walletAddress,
      version: 1,
      createdAt: new Date(START + 5000),
    });
    expect(
      (await ctx.services.grants.history(vehicle.tokenId, second.clientId)).map((e) => e.action),
    ).toEqual(["grant", "transfer"]);
    // A grant that was already revoked is not ended a second time.
    expect((await ctx.services.grants.history(vehicle.tokenId, third.clientId)).map((e) => e.action)).toEqual(
      ["grant", "revoke"],
    );
  });

  it("after the transfer the old owner can change nothing; the new owner can share", async () => {
    const { owner, clientId, vehicle } = await world();
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    const buyer = await ctx.services.accounts.create("buyer@example.com");
    await ctx.services.vehicles.transfer(vehicle.tokenId, buyer.walletAddress);

    await serviceError(
      ctx.services.grants.revoke({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: owner.walletAddress,
      }),
      "FORBIDDEN",
    );
    await serviceError(
      ctx.services.grants.grant({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: owner.walletAddress,
        privileges: [1],
      }),
      "FORBIDDEN",
    );
    // Nothing active to revoke for the buyer either.
    await serviceError(
      ctx.services.grants.revoke({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: buyer.walletAddress,
      }),
      "NOT_FOUND",
    );

    const fresh = await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: buyer.walletAddress,
      privileges: [4],
    });
    expect(fresh).toMatchObject({ version: 1, grantor: buyer.walletAddress, privileges: [4] });
    expect(await ctx.services.grants.active(await refresh(vehicle), clientId)).toEqual(fresh);
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [4])).toMatchObject({
      allowed: true,
      reason: "grant",
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toEqual({
      allowed: false,
      reason: "missing-privileges",
      missing: [1],
    });
    const { verified } = await fetchAndVerify(fresh);
    expect(verified.grantor).toBe(buyer.walletAddress);
  });

  it("a grant ended by one transfer is not ended again by the next", async () => {
    const { owner, clientId, vehicle } = await world();
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    await ctx.services.vehicles.transfer(vehicle.tokenId, STRANGER);
    await ctx.services.vehicles.transfer(vehicle.tokenId, owner.walletAddress);
    expect((await refresh(vehicle)).transferVersion).toBe(2);
    expect((await ctx.services.grants.history(vehicle.tokenId, clientId)).map((e) => e.action)).toEqual([
      "grant",
      "transfer",
    ]);
    // Getting the vehicle back does not revive the old grant.
    expect(await ctx.services.grants.active(await refresh(vehicle), clientId)).toBeUndefined();
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toMatchObject({
      allowed: false,
      reason: "no-grant",
    });
  });
});

describe("GrantService.evaluate", () => {
  it("the owner holds every privilege; a grantee exactly the granted ones", async () => {
    const { owner, clientId, vehicle } = await world();
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1, 4],
    });

    expect(
      await ctx.services.grants.evaluate(vehicle.tokenId, owner.walletAddress, [1, 2, 3, 4, 5, 6, 7, 8]),
    ).toEqual({ allowed: true, reason: "owner" });
    const ok = await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1, 4]);
    expect(ok).toMatchObject({
      allowed: true,
      reason: "grant",
      grant: { grantee: clientId, permissions: 0x30c },
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [4])).toMatchObject({
      allowed: true,
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1, 2, 4, 7])).toEqual({
      allowed: false,
      reason: "missing-privileges",
      missing: [2, 7],
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, STRANGER, [1])).toEqual({
      allowed: false,
      reason: "no-grant",
      missing: [1],
    });
    expect(await ctx.services.grants.evaluate(4242, clientId, [1])).toEqual({
      allowed: false,
      reason: "no-vehicle",
      missing: [1],
    });
  });

  it("answers from a cache (a write behind the service's back is not seen until the cache is cleared)", async () => {
    const { owner, clientId, vehicle } = await world();
    const heard: string[] = [];
    const stop = ctx.services.changes.subscribe("keyfob_grants", (payload) => heard.push(payload));
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    // On PostgreSQL the writer hears its own write twice: at once, and again when its NOTIFY comes back.
    await vi.waitFor(() => expect(heard).toHaveLength(ctx.store.engine === "postgres" ? 2 : 1), {
      timeout: 5000,
      interval: 10,
    });
    stop();
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toMatchObject({
      allowed: true,
    });
    await ctx.store.db.deleteFrom("grants").where("token_id", "=", vehicle.tokenId).execute();
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toMatchObject({
      allowed: true,
    });
    ctx.services.grants.clearCache();
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toMatchObject({
      allowed: false,
      reason: "no-grant",
    });
  });

  it("a revoke takes effect on the very next evaluate in the same process", async () => {
    const { owner, clientId, vehicle } = await world();
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      templateId: "1",
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1, 6])).toMatchObject({
      allowed: true,
      reason: "grant",
    });
    await ctx.services.grants.revoke({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1, 6])).toEqual({
      allowed: false,
      reason: "no-grant",
      missing: [1, 6],
    });
  });

  it("a new grant and an extension are seen at once despite earlier cached answers", async () => {
    const { owner, clientId, vehicle } = await world();
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toMatchObject({
      allowed: false,
      reason: "no-grant",
    });
    const expiresAt = new Date(START + 3_600_000);
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
      expiresAt,
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toMatchObject({
      allowed: true,
    });

    await ctx.services.grants.extend({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      expiresAt: new Date(START + 86_400_000),
    });
    ctx.clock = START + 2 * 3_600_000;
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [1])).toMatchObject({
      allowed: true,
    });
  });

  it("a change of privileges (revoke + share) is seen at once", async () => {
    const { owner, clientId, vehicle } = await world();
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1],
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [4])).toMatchObject({
      allowed: false,
      missing: [4],
    });
    await ctx.services.grants.grant({
      tokenId: vehicle.tokenId,
      grantee: clientId,
      grantor: owner.walletAddress,
      privileges: [1, 4],
    });
    expect(await ctx.services.grants.evaluate(vehicle.tokenId, clientId, [4])).toMatchObject({
      allowed: true,
    });
  });
});

describe("cross-process cache invalidation", () => {
  it("a revoke on server A reaches server B's evaluate cache (PostgreSQL LISTEN/NOTIFY)", async (test) => {
    if (testEngine() !== "postgres") {
      test.skip("PostgreSQL only: SQLite has no notifications between processes");
    }
    const fresh = await freshDatabaseUrl();
    const storeA = openStore(fresh.url, { poolSize: 3 });
    const storeB = openStore(fresh.url, { poolSize: 3 });
    let a: Services | undefined;
    let b: Services | undefined;
    try {
      await migrate(storeA);
      await migrate(storeB);
      a = await createServices(testConfig(), { store: storeA, now: () => ctx.clock });
      b = await createServices(testConfig(), { store: storeB, now: () => ctx.clock });
      const { owner, clientId, vehicle } = await world(a);
      const heardOnB: string[] = [];
      b.changes.subscribe("keyfob_grants", (payload) => heardOnB.push(payload));
      await a.grants.grant({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: owner.walletAddress,
        templateId: "1",
      });
      // Let B hear of the grant first: that cache clear would otherwise race with the caching check below.
      await vi.waitFor(() => expect(heardOnB).toHaveLength(1), { timeout: 5000, interval: 10 });

      const evaluateOnB = () => b!.grants.evaluate(vehicle.tokenId, clientId, [1]);
      expect(await evaluateOnB()).toMatchObject({ allowed: true, reason: "grant" });

      // B answers from its cache: a write that bypasses the services sends no notification and is not seen.
      await storeA.db
        .updateTable("grants")
        .set({ permissions: 0 })
        .where("token_id", "=", vehicle.tokenId)
        .execute();
      expect(await evaluateOnB()).toMatchObject({ allowed: true });
      await storeA.db
        .updateTable("grants")
        .set({ permissions: 0x3ffc })
        .where("token_id", "=", vehicle.tokenId)
        .execute();

      await a.grants.revoke({ tokenId: vehicle.tokenId, grantee: clientId, grantor: owner.walletAddress });
      await vi.waitFor(
        async () => expect(await evaluateOnB()).toEqual({ allowed: false, reason: "no-grant", missing: [1] }),
        {
          timeout: 5000,
          interval: 20,
        },
      );

      // And the other way round: a new grant on A is allowed on B without a restart.
      await a.grants.grant({
        tokenId: vehicle.tokenId,
        grantee: clientId,
        grantor: owner.walletAddress,
        privileges: [1],
      });
      await vi.waitFor(
        async () => expect(await evaluateOnB()).toMatchObject({ allowed: true, reason: "grant" }),
        {
          timeout: 5000,
          interval: 20,
        },
      );

      // A transfer on A ends the grant on B too.
      await a.vehicles.transfer(vehicle.tokenId, STRANGER);
      await vi.waitFor(
        async () => expect(await evaluateOnB()).toMatchObject({ allowed: false, reason: "no-grant" }),
        {
          timeout: 5000,
          interval: 20,
        },
      );
    } finally {
      await b?.close();
      await a?.close();
      await storeB.close();
      await storeA.close();
      await fresh.drop();
    }
  });
});
