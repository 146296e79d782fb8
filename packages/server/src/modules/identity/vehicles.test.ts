import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createOwner,
  dataOf,
  type IdentityHarness,
  type Json,
  startIdentity,
} from "../../../test/support/identity.ts";
import { createTestStore } from "../../../test/support/store.ts";
import type { License } from "../licenses/service.ts";
import type { Vehicle } from "../vehicles/service.ts";

const cursor = (tokenId: number) => Buffer.from(String(tokenId)).toString("base64");
const HOUR = 3_600_000;

describe("vehicles", () => {
  let h: IdentityHarness;
  let owner: `0x${string}`;
  let fleet: Vehicle[]; // five vehicles of `owner`, ascending token ids

  beforeAll(async () => {
    h = await startIdentity(await createTestStore());
    owner = await createOwner(h.services, "fleet@example.com");
    fleet = [];
    for (const [make, model, year] of [
      ["Tesla", "Model 3", 2020],
      ["Tesla", "Model Y", 2022],
      ["Ford", "F-150", 2022],
      ["Tesla", "Model 3", 2021],
      ["Kia", "EV6", 2023],
    ] as const) {
      fleet.push(await h.services.vehicles.mint({ owner, make, model, year, powertrainType: "BEV" }));
    }
  });

  afterAll(() => h.close());

  const ids = (nodes: { tokenId: number }[]) => nodes.map((n) => n.tokenId);
  const page = async (args: string) => {
    const res = await h.query(
      `{ vehicles(${args}) { totalCount edges { cursor node { tokenId } } nodes { tokenId } pageInfo { startCursor endCursor hasPreviousPage hasNextPage } } }`,
    );
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    return dataOf(res).vehicles;
  };

  describe("pagination (§4.3)", () => {
    it("walks forward with first/after, tokenId DESC", async () => {
      const [a, b, c, d, e] = fleet.map((v) => v.tokenId) as [number, number, number, number, number];
      const p1 = await page("first: 2");
      expect(ids(p1.nodes)).toEqual([e, d]);
      expect(p1.edges.map((x: Json) => x.cursor)).toEqual([cursor(e), cursor(d)]);
      expect(p1.pageInfo).toEqual({
        startCursor: cursor(e),
        endCursor: cursor(d),
        hasPreviousPage: false,
        hasNextPage: true,
      });
      expect(p1.totalCount).toBe(5);

      const p2 = await page(`first: 2, after: "${p1.pageInfo.endCursor}"`);
      expect(ids(p2.nodes)).toEqual([c, b]);
      expect(p2.pageInfo).toEqual({
        startCursor: cursor(c),
        endCursor: cursor(b),
        hasPreviousPage: true,
        hasNextPage: true,
      });

      const p3 = await page(`first: 2, after: "${p2.pageInfo.endCursor}"`);
      expect(ids(p3.nodes)).toEqual([a]);
      expect(p3.pageInfo).toEqual({
        startCursor: cursor(a),
        endCursor: cursor(a),
        hasPreviousPage: true,
        hasNextPage: false,
      });

      const empty = await page(`first: 2, after: "${p3.pageInfo.endCursor}"`);
      expect(empty.nodes).toEqual([]);
      expect(empty.pageInfo).toEqual({
        startCursor: null,
        endCursor: null,
        hasPreviousPage: true,
        hasNextPage: false,
      });
      expect(empty.totalCount).toBe(5);
    });

    it("walks backward with last/before, still presented DESC", async () => {
      const [a, b, c, d, e] = fleet.map((v) => v.tokenId) as [number, number, number, number, number];
      const p1 = await page("last: 2");
      expect(ids(p1.nodes)).toEqual([b, a]);
      expect(p1.pageInfo).toEqual({
        startCursor: cursor(b),
        endCursor: cursor(a),
        hasPreviousPage: true,
        hasNextPage: false,
      });

      const p2 = await page(`last: 2, before: "${p1.pageInfo.startCursor}"`);
      expect(ids(p2.nodes)).toEqual([d, c]);
      expect(p2.pageInfo).toEqual({
        startCursor: cursor(d),
        endCursor: cursor(c),
        hasPreviousPage: true,
        hasNextPage: true,
      });

      const p3 = await page(`last: 2, before: "${p2.pageInfo.startCursor}"`);
      expect(ids(p3.nodes)).toEqual([e]);
      expect(p3.pageInfo).toEqual({
        startCursor: cursor(e),
        endCursor: cursor(e),
        hasPreviousPage: false,
        hasNextPage: true,
      });
    });

    it("accepts exactly 100 and first: 0", async () => {
      expect(ids((await page("first: 100")).nodes)).toHaveLength(5);
      const none = await page("first: 0");
      expect(none.nodes).toEqual([]);
      expect(none.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    });

    it.each([
      ["first: 1, last: 1", "pass `first` or `last`, but not both"],
      ["after: null", "provide `first` or `last`"],
      ["first: -1", "the value for `first` cannot be negative"],
      ["last: -1", "the value for `last` cannot be negative"],
      ["first: 101", "the value 101 for `first` exceeds the limit 100"],
      ["last: 101", "the value 101 for `last` exceeds the limit 100"],
      ['first: 1, after: "bm9wZQ=="', 'Invalid cursor "bm9wZQ==".'],
    ])("%s → HTTP 200, data null, error %s", async (args, message) => {
      const res = await h.query(`{ vehicles(${args}) { totalCount } }`);
      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors).toEqual([
        expect.objectContaining({ message, path: ["vehicles"], extensions: { code: "INVALID_ARGUMENT" } }),
      ]);
    });

    it("applies the rules to nested connections too (null propagates to the nullable parent)", async () => {
      const res = await h.query(
        `{ vehicle(tokenId: ${fleet[0]!.tokenId}) { tokenId sacds(first: 101) { totalCount } } }`,
      );
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ vehicle: null });
      expect(res.body.errors?.[0]).toMatchObject({
        message: "the value 101 for `first` exceeds the limit 100",
        path: ["vehicle", "sacds"],
      });
    });
  });

  describe("filters (§4.1)", () => {
    it("matches make and model case-insensitively, year, definition id and manufacturer", async () => {
      const [a, b, c, d] = fleet.map((v) => v.tokenId) as [number, number, number, number];
      expect(ids((await page(`first: 10, filterBy: {make: "tesla"}`)).nodes)).toEqual([d, b, a]);
      expect(ids((await page(`first: 10, filterBy: {make: "TESLA", model: "model 3"}`)).nodes)).toEqual([
        d,
        a,
      ]);
      expect(ids((await page(`first: 10, filterBy: {year: 2022}`)).nodes)).toEqual([c, b]);
      expect(
        ids((await page(`first: 10, filterBy: {deviceDefinitionId: "tesla_model-3_2021"}`)).nodes),
      ).toEqual([d]);
      const manufacturer = fleet[2]!.definition.manufacturerTokenId;
      const byManufacturer = await page(`first: 10, filterBy: {manufacturerTokenId: ${manufacturer}}`);
      expect(ids(byManufacturer.nodes)).toEqual([c]);
      expect(byManufacturer.totalCount).toBe(1);
      const none = await page(
        `first: 10, filterBy: {connection: "0x0000000000000000000000000000000000000001"}`,
      );
      expect(none).toMatchObject({ totalCount: 0, nodes: [] });
    });
  });

  describe("privileged filter and active grants (§4.1, §4.2)", () => {
    let app: License;
    let other: `0x${string}`;
    let shared: Vehicle;
    let revoked: Vehicle;
    let expiring: Vehicle;
    let transferred: Vehicle;

    beforeAll(async () => {
      const s = h.services;
      other = await createOwner(s, "other@example.com");
      const dev = await createOwner(s, "dev@example.com");
      app = await s.licenses.create({ owner: dev, alias: "privileged-app" });
      shared = await s.vehicles.mint({
        owner: other,
        make: "BMW",
        model: "i4",
        year: 2023,
        powertrainType: "BEV",
      });
      revoked = await s.vehicles.mint({
        owner: other,
        make: "BMW",
        model: "i4",
        year: 2023,
        powertrainType: "BEV",
      });
      expiring = await s.vehicles.mint({
        owner: other,
        make: "BMW",
        model: "i4",
        year: 2023,
        powertrainType: "BEV",
      });
      transferred = await s.vehicles.mint({
        owner: other,
        make: "BMW",
        model: "i4",
        year: 2023,
        powertrainType: "BEV",
      });
      for (const v of [shared, revoked, transferred]) {
        await s.grants.grant({ tokenId: v.tokenId, grantee: app.clientId, grantor: other, templateId: "1" });
      }
      await s.grants.grant({
        tokenId: expiring.tokenId,
        grantee: app.clientId,
        grantor: other,
        templateId: "1",
        expiresAt: new Date(h.clock.now + HOUR),
      });
    });

    const privileged = (address: string) =>
      h.query(
        `query($a: Address!) { vehicles(first: 100, filterBy: {privileged: $a}) { totalCount nodes { tokenId owner sacd(grantee: $a) { permissions } sacds(first: 10) { totalCount nodes { grantee } } } } }`,
        { a: address },
      );

    it("lists vehicles with an active grant to the grantee, with their SACDs", async () => {
      const res = await privileged(app.clientId.toLowerCase());
      const vehicles = dataOf(res).vehicles;
      expect(ids(vehicles.nodes)).toEqual([
        transferred.tokenId,
        expiring.tokenId,
        revoked.tokenId,
        shared.tokenId,
      ]);
      expect(vehicles.totalCount).toBe(4);
      for (const node of vehicles.nodes) {
        expect(node.owner).toBe(other);
        expect(node.sacd).toEqual({ permissions: "0x3ffc" });
        expect(node.sacds).toEqual({ totalCount: 1, nodes: [{ grantee: app.clientId }] });
      }
    });

    it("includes the address's own vehicles, once each", async () => {
      const res = await privileged(other);
      expect(ids(dataOf(res).vehicles.nodes)).toEqual([
        transferred.tokenId,
        expiring.tokenId,
        revoked.tokenId,
        shared.tokenId,
      ]);
      expect(dataOf(res).vehicles.totalCount).toBe(4);
      const mine = await privileged(owner);
      expect(dataOf(mine).vehicles.totalCount).toBe(5);
    });

    it("hides revoked, expired and pre-transfer grants", async () => {
      const s = h.services;
      await s.grants.revoke({ tokenId: revoked.tokenId, grantee: app.clientId, grantor: other });
      const newOwner = await createOwner(s, "buyer@example.com");
      await s.vehicles.transfer(transferred.tokenId, newOwner);
      h.clock.now += 2 * HOUR;
      try {
        const res = await privileged(app.clientId);
        const vehicles = dataOf(res).vehicles;
        expect(ids(vehicles.nodes)).toEqual([shared.tokenId]);
        expect(vehicles.totalCount).toBe(1);

        for (const v of [revoked, expiring, transferred]) {
          const one = await h.query(
            `query($a: Address!) { vehicle(tokenId: ${v.tokenId}) { owner sacd(grantee: $a) { permissions } sacds(first: 10) { totalCount nodes { grantee } } } }`,
            { a: app.clientId },
          );
          expect(dataOf(one).vehicle.sacd, `vehicle ${v.tokenId}`).toBeNull();
          expect(dataOf(one).vehicle.sacds).toEqual({ totalCount: 0, nodes: [] });
        }
        const buyer = await privileged(newOwner);
        expect(ids(dataOf(buyer).vehicles.nodes)).toEqual([transferred.tokenId]);
        const seller = await privileged(other);
        expect(ids(dataOf(seller).vehicles.nodes)).not.toContain(transferred.tokenId);
      } finally {
        h.clock.now -= 2 * HOUR;
      }
    });
  });

  describe("look-ups per request", () => {
    it("loads a page's grants with one call and each manufacturer once", async () => {
      const grants = vi.spyOn(h.services.grants, "activeForVehicles");
      const manufacturers = vi.spyOn(h.services.vehicles, "findManufacturer");
      try {
        const res = await h.query(
          `{ vehicles(first: 5, filterBy: {owner: "${owner}"}) { nodes { manufacturer { name } sacds(first: 10) { totalCount } sacd(grantee: "${owner}") { permissions } } } }`,
        );
        expect(res.body.errors).toBeUndefined();
        expect(dataOf(res).vehicles.nodes).toHaveLength(5);
        expect(grants).toHaveBeenCalledTimes(1);
        expect(grants.mock.calls[0]![0]).toHaveLength(5);
        expect(manufacturers).toHaveBeenCalledTimes(3); // Tesla, Ford, Kia
      } finally {
        grants.mockRestore();
        manufacturers.mockRestore();
      }
    });
  });

  describe("SACDs on a vehicle", () => {
    it("orders createdAt DESC then grantee ASC, pages both ways, renders permissions and templates", async () => {
      const s = h.services;
      const me = await createOwner(s, "sacds@example.com");
      const vehicle = await s.vehicles.mint({
        owner: me,
        make: "Audi",
        model: "Q4",
        year: 2024,
        powertrainType: "BEV",
      });
      const apps: License[] = [];
      for (let i = 0; i < 3; i++) apps.push(await s.licenses.create({ owner: me }));
      const [x, y, z] = apps as [License, License, License];
      // x and y at the same instant, z later; y gets an explicit privilege list without a template.
      await s.grants.grant({ tokenId: vehicle.tokenId, grantee: x.clientId, grantor: me, templateId: "1" });
      await s.grants.grant({
        tokenId: vehicle.tokenId,
        grantee: y.clientId,
        grantor: me,
        privileges: [1, 2, 3, 4, 5, 6, 7, 8],
      });
      h.clock.now += 1000;
      await s.grants.grant({ tokenId: vehicle.tokenId, grantee: z.clientId, grantor: me, templateId: "1" });
      h.clock.now -= 1000;

      const [first, second] = [x, y].sort((a, b) =>
        a.clientId.toLowerCase() < b.clientId.toLowerCase() ? -1 : 1,
      ) as [License, License];
      const sacds = async (args: string) => {
        const res = await h.query(
          `{ vehicle(tokenId: ${vehicle.tokenId}) { sacds(${args}) { totalCount edges { cursor node { grantee permissions createdAt template { tokenId permissions cid creator asset createdAt } } } pageInfo { startCursor endCursor hasPreviousPage hasNextPage } } } }`,
        );
        expect(res.body.errors).toBeUndefined();
        return dataOf(res).vehicle.sacds;
      };
      const all = await sacds("first: 10");
      expect(all.edges.map((e: Json) => e.node.grantee)).toEqual([
        z.clientId,
        first.clientId,
        second.clientId,
      ]);
      const byGrantee = Object.fromEntries(all.edges.map((e: Json) => [e.node.grantee, e.node]));
      expect(byGrantee[y.clientId].permissions).toBe("0x3fffc");
      expect(byGrantee[y.clientId].template).toBeNull();
      expect(byGrantee[x.clientId].template).toMatchObject({
        tokenId: "1",
        permissions: "0x3ffc",
        cid: expect.any(String),
      });
      expect(byGrantee[x.clientId].template.creator).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(byGrantee[x.clientId].template.asset).toBe("0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF");
      expect(byGrantee[x.clientId].createdAt).toBe("2025-06-01T12:00:00Z");

      const p1 = await sacds("first: 1");
      expect(p1.edges.map((e: Json) => e.node.grantee)).toEqual([z.clientId]);
      expect(p1.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
      const p2 = await sacds(`first: 1, after: "${p1.pageInfo.endCursor}"`);
      expect(p2.edges.map((e: Json) => e.node.grantee)).toEqual([first.clientId]);
      expect(p2.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
      const back = await sacds(`last: 2, before: "${all.edges[2].cursor}"`);
      expect(back.edges.map((e: Json) => e.node.grantee)).toEqual([z.clientId, first.clientId]);
      expect(back.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
      expect(back.totalCount).toBe(3);
    });
  });

  describe("a single vehicle", () => {
    it("answers every Vehicle field with checksummed addresses and second-precision times", async () => {
      const v = fleet[0]!;
      const res = await h.query(`{ vehicle(tokenDID: "${v.tokenDID}") {
        id tokenId tokenDID owner mintedAt name imageURI image dataURI
        manufacturer { id tokenId tokenDID name owner mintedAt }
        definition { id make model year } aftermarketDevice { tokenId } syntheticDevice { tokenId }
        privileges(first: 10) { totalCount nodes { id } pageInfo { hasNextPage startCursor } }
      } }`);
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      const vehicle = dataOf(res).vehicle;
      expect(vehicle).toMatchObject({
        tokenId: v.tokenId,
        tokenDID: v.tokenDID,
        owner,
        mintedAt: "2025-06-01T12:00:00Z",
        imageURI: `http://localhost:3000/v1/vehicle/${v.tokenId}/image`,
        image: `http://localhost:3000/v1/vehicle/${v.tokenId}/image`,
        dataURI: `http://localhost:3000/vehicles/${v.tokenId}`,
        definition: { id: "tesla_model-3_2020", make: "Tesla", model: "Model 3", year: 2020 },
        aftermarketDevice: null,
        syntheticDevice: null,
        privileges: { totalCount: 0, nodes: [], pageInfo: { hasNextPage: false, startCursor: null } },
      });
      expect(vehicle.id).toMatch(/^V_/);
      expect(vehicle.name).toMatch(/^[a-z]+ [a-z]+ [a-z]+$/);
      expect(vehicle.manufacturer).toMatchObject({
        name: "Tesla",
        tokenDID: expect.stringMatching(/^did:erc721:137:0x/),
      });
      expect(vehicle.manufacturer.owner).toBe("0x0000000000000000000000000000000000000000");
      expect(owner).not.toBe(owner.toLowerCase()); // the comparison above really checks the checksum
    });

    it.each([
      ["tokenId: 999999", "No vehicle with token id 999999."],
      [
        'tokenDID: "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:999999"',
        'No vehicle with DID "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:999999".',
      ],
      [
        'tokenDID: "did:erc721:1:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:1"',
        'No vehicle with DID "did:erc721:1:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:1".',
      ],
    ])("NOT_FOUND for %s: data null, error with path and code, HTTP 200", async (args, message) => {
      const res = await h.query(`{ vehicle(${args}) { tokenId } }`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        data: { vehicle: null },
        errors: [
          {
            message,
            locations: [{ line: 1, column: 3 }],
            path: ["vehicle"],
            extensions: { code: "NOT_FOUND" },
          },
        ],
      });
    });

    it("requires exactly one argument and a well-formed DID", async () => {
      for (const args of ["", `tokenId: 1, tokenDID: "${fleet[0]!.tokenDID}"`]) {
        const res = await h.query(`{ vehicle${args ? `(${args})` : ""} { tokenId } }`);
        expect(res.status).toBe(200);
        expect(res.body.errors?.[0]).toMatchObject({
          message: "Provide exactly one of `tokenId` or `tokenDID`.",
          path: ["vehicle"],
        });
      }
      const bad = await h.query(`{ vehicle(tokenDID: "did:nope") { tokenId } }`);
      expect(bad.status).toBe(200);
      expect(bad.body.errors?.[0]?.extensions?.code).toBe("INVALID_ARGUMENT");
    });

    it("answers device definitions and manufacturers, null when unknown", async () => {
      const res = await h.query(`{
        deviceDefinition(by: {id: "ford_f-150_2022"}) { deviceDefinitionId model year manufacturer { name } attributes { name value } }
        missing: deviceDefinition(by: {id: "nope_nope_2000"}) { model }
        manufacturer(by: {name: "ford"}) { name tokenId }
      }`);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data).toMatchObject({
        deviceDefinition: {
          deviceDefinitionId: "ford_f-150_2022",
          model: "F-150",
          year: 2022,
          manufacturer: { name: "Ford" },
          attributes: [{ name: "powertrain_type", value: "BEV" }],
        },
        missing: null,
        manufacturer: { name: "Ford", tokenId: fleet[2]!.definition.manufacturerTokenId },
      });
    });

    it("answers templates by token id or CID", async () => {
      const byId = await h.query(`{ template(by: {tokenId: "1"}) { tokenId cid permissions } }`);
      const template = dataOf(byId).template;
      expect(template).toMatchObject({ tokenId: "1", permissions: "0x3ffc" });
      const byCid = await h.query(
        `{ template(by: {cid: "${template.cid}"}) { tokenId } none: template(by: {tokenId: "42"}) { tokenId } }`,
      );
      expect(byCid.body.data).toEqual({ template: { tokenId: "1" }, none: null });
    });
  });
});
