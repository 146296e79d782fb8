import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOwner, dataOf, type IdentityHarness, startIdentity } from "../../../test/support/identity.ts";
import { createTestStore } from "../../../test/support/store.ts";
import { checksumAddress } from "../../domain/address.ts";
import type { License } from "../licenses/service.ts";

const cursor = (tokenId: number) => Buffer.from(String(tokenId)).toString("base64");

describe("developer licenses", () => {
  let h: IdentityHarness;
  let dev: `0x${string}`;
  let licenses: License[]; // ascending token ids; [0] and [2] belong to `dev`
  let signer: `0x${string}`;

  beforeAll(async () => {
    h = await startIdentity(await createTestStore());
    const s = h.services;
    dev = await createOwner(s, "dev@example.com");
    const someoneElse = await createOwner(s, "else@example.com");
    licenses = [
      await s.licenses.create({ owner: dev, alias: "first-app" }),
      await s.licenses.create({ owner: someoneElse }),
      await s.licenses.create({ owner: dev, alias: "third-app" }),
    ];
    signer = (await s.licenses.createApiKey(licenses[2]!.clientId)).address;
    h.clock.now += 1000;
    await s.licenses.createApiKey(licenses[2]!.clientId);
    await s.licenses.addRedirectUri(licenses[2]!.clientId, "https://b.example.com/cb");
    await s.licenses.addRedirectUri(licenses[2]!.clientId, "https://a.example.com/cb");
    h.clock.now -= 1000;
  });

  afterAll(() => h.close());

  describe("developerLicense(by)", () => {
    it("finds a license by client id (any case), alias, token id or DID", async () => {
      const license = licenses[2]!;
      const fields = "tokenId tokenDID owner clientId alias mintedAt";
      const res = await h.query(`{
        a: developerLicense(by: {clientId: "${license.clientId.toLowerCase()}"}) { ${fields} }
        b: developerLicense(by: {alias: "third-app"}) { tokenId }
        c: developerLicense(by: {tokenId: ${license.tokenId}}) { tokenId }
        d: developerLicense(by: {tokenDID: "${license.tokenDID}"}) { tokenId }
      }`);
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data).toEqual({
        a: {
          tokenId: license.tokenId,
          tokenDID: `did:erc721:137:0x9A9D2E717bB005B240094ba761Ff074d392C7C85:${license.tokenId}`,
          owner: dev,
          clientId: license.clientId,
          alias: "third-app",
          mintedAt: "2025-06-01T12:00:00Z",
        },
        b: { tokenId: license.tokenId },
        c: { tokenId: license.tokenId },
        d: { tokenId: license.tokenId },
      });
    });

    it.each([
      [
        "clientId",
        (c: string) => `clientId: "${c.toLowerCase()}"`,
        (c: string) => `No developer license with client id ${c}.`,
      ],
      ["alias", () => `alias: "nobody"`, () => `No developer license with alias "nobody".`],
      ["tokenId", () => "tokenId: 4242", () => "No developer license with token id 4242."],
    ])("NOT_FOUND by %s with the official message", async (_key, by, message) => {
      const missing = "0xabcdef00000000000000000000000000000000ab";
      const checksummed = checksumAddress(missing);
      expect(checksummed).not.toBe(missing);
      const res = await h.query(`{ developerLicense(by: {${by(missing)}}) { owner } }`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        data: { developerLicense: null },
        errors: [
          {
            message: message(checksummed),
            locations: [{ line: 1, column: 3 }],
            path: ["developerLicense"],
            extensions: { code: "NOT_FOUND" },
          },
        ],
      });
    });

    it("requires exactly one key", async () => {
      for (const by of ["", `alias: "first-app", tokenId: 1`]) {
        const res = await h.query(`{ developerLicense(by: {${by}}) { owner } }`);
        expect(res.status).toBe(200);
        expect(res.body.errors?.[0]).toMatchObject({
          path: ["developerLicense"],
          extensions: { code: "INVALID_ARGUMENT" },
        });
      }
    });

    it("lists signers and redirect URIs enabledAt DESC, with pagination", async () => {
      const res = await h.query(`{ developerLicense(by: {tokenId: ${licenses[2]!.tokenId}}) {
        signers(first: 10) { totalCount nodes { address enabledAt } }
        redirectURIs(first: 1) { totalCount nodes { uri enabledAt } pageInfo { hasNextPage endCursor } }
      } }`);
      const license = dataOf(res).developerLicense;
      expect(license.signers.totalCount).toBe(2);
      expect(license.signers.nodes[1]).toEqual({ address: signer, enabledAt: "2025-06-01T12:00:00Z" });
      expect(license.signers.nodes[0].enabledAt).toBe("2025-06-01T12:00:01Z");
      expect(license.redirectURIs).toMatchObject({
        totalCount: 2,
        nodes: [{ uri: "https://a.example.com/cb" }],
        pageInfo: { hasNextPage: true },
      });
      const next = await h.query(`{ developerLicense(by: {tokenId: ${licenses[2]!.tokenId}}) {
        redirectURIs(first: 1, after: "${license.redirectURIs.pageInfo.endCursor}") { nodes { uri } pageInfo { hasNextPage hasPreviousPage } }
      } }`);
      expect(dataOf(next).developerLicense.redirectURIs).toEqual({
        nodes: [{ uri: "https://b.example.com/cb" }],
        pageInfo: { hasNextPage: false, hasPreviousPage: true },
      });
    });
  });

  describe("developerLicenses", () => {
    const list = async (args: string) => {
      const res = await h.query(
        `{ developerLicenses(${args}) { totalCount nodes { tokenId } pageInfo { startCursor endCursor hasPreviousPage hasNextPage } } }`,
      );
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      return dataOf(res).developerLicenses;
    };

    it("orders tokenId DESC and pages both ways", async () => {
      const [a, b, c] = licenses.map((l) => l.tokenId) as [number, number, number];
      const p1 = await list("first: 2");
      expect(p1).toEqual({
        totalCount: 3,
        nodes: [{ tokenId: c }, { tokenId: b }],
        pageInfo: { startCursor: cursor(c), endCursor: cursor(b), hasPreviousPage: false, hasNextPage: true },
      });
      const p2 = await list(`first: 2, after: "${cursor(b)}"`);
      expect(p2.nodes).toEqual([{ tokenId: a }]);
      expect(p2.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
      const back = await list(`last: 1, before: "${cursor(a)}"`);
      expect(back.nodes).toEqual([{ tokenId: b }]);
      expect(back.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    });

    it("filters by owner and by enabled signer", async () => {
      const byOwner = await list(`first: 10, filterBy: {owner: "${dev.toLowerCase()}"}`);
      expect(byOwner.nodes).toEqual([{ tokenId: licenses[2]!.tokenId }, { tokenId: licenses[0]!.tokenId }]);
      expect(byOwner.totalCount).toBe(2);
      const bySigner = await list(`first: 10, filterBy: {signer: "${signer}"}`);
      expect(bySigner).toMatchObject({ totalCount: 1, nodes: [{ tokenId: licenses[2]!.tokenId }] });
    });

    it("applies the pagination rules", async () => {
      const res = await h.query(`{ developerLicenses(last: 101) { totalCount } }`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        data: null,
        errors: [{ message: "the value 101 for `last` exceeds the limit 100" }],
      });
    });
  });
});
