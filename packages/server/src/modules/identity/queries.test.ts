import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOwner, dataOf, type IdentityHarness, startIdentity } from "../../../test/support/identity.ts";
import { createTestStore } from "../../../test/support/store.ts";
import type { License } from "../licenses/service.ts";
import type { Vehicle } from "../vehicles/service.ts";

/** Every query of identity-api.md §6, verbatim (with its substitutions), and the shape its client reads. */
describe("official clients' queries (identity-api.md §6)", () => {
  let h: IdentityHarness;
  let owner: `0x${string}`;
  let tesla: Vehicle;
  let ford: Vehicle;
  let license: License;

  beforeAll(async () => {
    h = await startIdentity(await createTestStore());
    const s = h.services;
    owner = await createOwner(s, "owner@example.com");
    const other = await createOwner(s, "other@example.com");
    tesla = await s.vehicles.mint({
      owner,
      make: "Tesla",
      model: "Model 3",
      year: 2020,
      powertrainType: "BEV",
    });
    ford = await s.vehicles.mint({ owner, make: "Ford", model: "F-150", year: 2022, powertrainType: "ICE" });
    await s.vehicles.mint({ owner: other, make: "Kia", model: "EV6", year: 2023, powertrainType: "BEV" });
    license = await s.licenses.create({ owner, alias: "fleet-app" });
    await s.licenses.addRedirectUri(license.clientId, "https://app.example.com/callback");
    await s.licenses.createApiKey(license.clientId);
    await s.grants.grant({
      tokenId: tesla.tokenId,
      grantee: license.clientId,
      grantor: owner,
      templateId: "1",
    });
  });

  afterAll(() => h.close());

  it("data-sdk listSacdPerVehicleTokenId: checksummed grantee, permissions hex, cursors", async () => {
    const res = await h.query(`{ vehicle(tokenId: ${tesla.tokenId}) { sacds(first: 100, after: null) {
    nodes { permissions grantee } totalCount pageInfo { startCursor endCursor } } } }`);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const sacds = dataOf(res).vehicle.sacds;
    expect(sacds.nodes).toEqual([{ permissions: "0x3ffc", grantee: license.clientId }]);
    expect(sacds.totalCount).toBe(1);
    expect(sacds.pageInfo.startCursor).toEqual(expect.any(String));
    expect(sacds.pageInfo.endCursor).toBe(sacds.pageInfo.startCursor);
  });

  it("data-sdk listSacdPerVehicleTokenId with a string token id fails Int validation, as officially", async () => {
    const res = await h.query(`{ vehicle(tokenId: "7") { sacds(first: 100, after: null) {
    nodes { permissions grantee } totalCount pageInfo { startCursor endCursor } } } }`);
    expect(res.status).toBe(422);
    expect(res.body.errors?.[0]?.message).toContain("Int cannot represent non-integer value");
  });

  it("data-sdk countDimoVehicles (trailing comma)", async () => {
    const res = await h.query(`{ vehicles (first: 100) { totalCount, } }`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { vehicles: { totalCount: 3 } } });
  });

  it("data-sdk listVehicleDefinitionsPerAddress (any-case owner literal)", async () => {
    const res = await h.query(`{ vehicles(filterBy: {owner: "${owner.toLowerCase()}"}, first: 10) { nodes {
    aftermarketDevice { tokenId address } syntheticDevice { address tokenId }
    definition { make model year } } } }`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        vehicles: {
          nodes: [
            {
              aftermarketDevice: null,
              syntheticDevice: null,
              definition: { make: "Ford", model: "F-150", year: 2022 },
            },
            {
              aftermarketDevice: null,
              syntheticDevice: null,
              definition: { make: "Tesla", model: "Model 3", year: 2020 },
            },
          ],
        },
      },
    });
  });

  it("login app: license and redirect check", async () => {
    const res = await h.query(`{ developerLicense(by: { clientId: "${license.clientId.toLowerCase()}" }) {
    owner alias redirectURIs(first: 100) { totalCount nodes { uri } } } }`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        developerLicense: {
          owner,
          alias: "fleet-app",
          redirectURIs: { totalCount: 1, nodes: [{ uri: "https://app.example.com/callback" }] },
        },
      },
    });
  });

  it("login app: vehicle listing (Apollo: __typename everywhere, first/after and last/before)", async () => {
    const query = `query GetVehicles($owner: Address!, $first: Int, $after: String, $last: Int, $before: String) {
  vehicles(filterBy: {owner: $owner}, first: $first, after: $after, last: $last, before: $before) {
    nodes { tokenId tokenDID imageURI definition { id make model year __typename }
            sacds(first: 10) { nodes { expiresAt grantee permissions __typename } __typename } __typename }
    pageInfo { hasNextPage endCursor hasPreviousPage startCursor __typename } __typename } }`;
    const apollo = { accept: "application/graphql-response+json,application/json;q=0.9" };
    const res = await h.query(query, { owner, first: 100, after: null }, apollo);
    expect(res.status).toBe(200);
    const vehicles = dataOf(res).vehicles;
    expect(vehicles.__typename).toBe("VehicleConnection");
    expect(vehicles.nodes).toEqual([
      {
        tokenId: ford.tokenId,
        tokenDID: `did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:${ford.tokenId}`,
        imageURI: `http://localhost:3000/v1/vehicle/${ford.tokenId}/image`,
        definition: {
          id: "ford_f-150_2022",
          make: "Ford",
          model: "F-150",
          year: 2022,
          __typename: "Definition",
        },
        sacds: { nodes: [], __typename: "SacdConnection" },
        __typename: "Vehicle",
      },
      {
        tokenId: tesla.tokenId,
        tokenDID: `did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:${tesla.tokenId}`,
        imageURI: `http://localhost:3000/v1/vehicle/${tesla.tokenId}/image`,
        definition: {
          id: "tesla_model-3_2020",
          make: "Tesla",
          model: "Model 3",
          year: 2020,
          __typename: "Definition",
        },
        sacds: {
          nodes: [
            {
              expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
              grantee: license.clientId,
              permissions: "0x3ffc",
              __typename: "Sacd",
            },
          ],
          __typename: "SacdConnection",
        },
        __typename: "Vehicle",
      },
    ]);
    expect(vehicles.pageInfo).toEqual({
      hasNextPage: false,
      endCursor: Buffer.from(String(tesla.tokenId)).toString("base64"),
      hasPreviousPage: false,
      startCursor: Buffer.from(String(ford.tokenId)).toString("base64"),
      __typename: "PageInfo",
    });

    const back = await h.query(query, { owner, last: 100, before: vehicles.pageInfo.startCursor }, apollo);
    expect(back.status).toBe(200);
    expect(dataOf(back).vehicles.nodes).toEqual([]);
    expect(dataOf(back).vehicles.pageInfo).toMatchObject({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });

  it("login app: powertrain filter", async () => {
    const res = await h.query(
      `query GetDeviceDefinitionById($id: String!) { deviceDefinition(by: {id: $id}) { attributes { name value } } }`,
      {
        id: "tesla_model-3_2020",
      },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: { deviceDefinition: { attributes: [{ name: "powertrain_type", value: "BEV" }] } },
    });
  });

  it("login app (unreleased): existing license", async () => {
    const res = await h.query(
      `{ developerLicenses(first: 1, filterBy: {owner: "${owner}"}) { nodes { tokenId clientId redirectURIs(first: 100) { nodes { uri } } } } }`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        developerLicenses: {
          nodes: [
            {
              tokenId: license.tokenId,
              clientId: license.clientId,
              redirectURIs: { nodes: [{ uri: "https://app.example.com/callback" }] },
            },
          ],
        },
      },
    });
  });

  it("server-side callers: token exchange and vehicle triggers", async () => {
    const vars = { clientId: license.clientId, tokenId: tesla.tokenId, grantee: license.clientId };
    const owners = await h.query(
      `query($clientId: Address!) { developerLicense(by: {clientId: $clientId}) { owner } }`,
      vars,
    );
    expect(owners.body).toEqual({ data: { developerLicense: { owner } } });
    const ids = await h.query(
      `query($clientId: Address!) { developerLicense(by: {clientId: $clientId}) { clientId } }`,
      vars,
    );
    expect(ids.body).toEqual({ data: { developerLicense: { clientId: license.clientId } } });

    const sacd = await h.query(
      `query($tokenId: Int!, $grantee: Address!) { vehicle(tokenId: $tokenId) { owner sacd(grantee: $grantee) { permissions source expiresAt template { tokenId } } } }`,
      vars,
    );
    expect(sacd.status).toBe(200);
    expect(sacd.body).toEqual({
      data: {
        vehicle: {
          owner,
          sacd: {
            permissions: "0x3ffc",
            source: expect.stringMatching(/^ipfs:\/\/b[a-z2-7]+$/),
            expiresAt: expect.any(String),
            template: { tokenId: "1" },
          },
        },
      },
    });

    const shared = await h.query(
      `query($clientId: Address!) { vehicles(first: 100, filterBy: {privileged: $clientId}) { nodes { tokenDID } } }`,
      vars,
    );
    expect(shared.body).toEqual({ data: { vehicles: { nodes: [{ tokenDID: tesla.tokenDID }] } } });
  });

  it("'vehicles shared with my app' (§4.1)", async () => {
    const c = license.clientId;
    const res = await h.query(
      `{ vehicles(first: 100, filterBy: {privileged: "${c}"}) { totalCount pageInfo { hasNextPage endCursor } nodes { tokenId tokenDID owner sacd(grantee: "${c}") { permissions expiresAt } } } }`,
    );
    expect(res.body).toEqual({
      data: {
        vehicles: {
          totalCount: 1,
          pageInfo: { hasNextPage: false, endCursor: Buffer.from(String(tesla.tokenId)).toString("base64") },
          nodes: [
            {
              tokenId: tesla.tokenId,
              tokenDID: tesla.tokenDID,
              owner,
              sacd: { permissions: "0x3ffc", expiresAt: expect.any(String) },
            },
          ],
        },
      },
    });
  });
});
