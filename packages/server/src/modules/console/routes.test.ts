import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LOGIN_ORIGIN, LoginBrowser } from "../../../test/support/login.ts";
import { testConfig } from "../../../test/support/services.ts";
import { createTestStore, emptyStore, type TestStore, testEngine } from "../../../test/support/store.ts";
import { buildApp } from "../../app.ts";
import { createServices, type Services } from "../../services.ts";

const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005000201a5d8b0f20000000049454e44ae426082",
  "hex",
);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

describe(`the developer console's API (${testEngine()})`, () => {
  let test: TestStore;
  let services: Services;
  let app: FastifyInstance;

  beforeAll(async () => {
    test = await createTestStore();
  });
  afterAll(async () => {
    await test?.cleanup();
  });
  beforeEach(async () => {
    await emptyStore(test.store);
    services = await createServices(testConfig({ KEYFOB_RATE_LIMIT_EMAIL_CODES: "off" }), {
      store: test.store,
    });
    app = await buildApp(services);
    await app.ready();
  });
  afterEach(async () => {
    await app?.close();
    await services?.close();
  });

  async function developer(email: string) {
    const b = new LoginBrowser(app);
    await b.session();
    const signedIn = await b.signInWithCode(services, "console", email);
    return { b, walletAddress: signedIn.user.walletAddress };
  }

  /** PUT, PATCH and DELETE with the CSRF header, as the console sends them. */
  function send(
    b: LoginBrowser,
    method: "PUT" | "PATCH" | "DELETE",
    url: string,
    payload?: object,
    headers = {},
  ) {
    return b.request({
      method,
      url,
      ...(payload === undefined ? {} : { payload }),
      headers: { "x-csrf-token": b.csrfToken, origin: LOGIN_ORIGIN, ...headers },
    });
  }

  async function newLicense(b: LoginBrowser, alias = "My app") {
    const res = await b.post("/api/console/licenses", { alias });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().license as { clientId: string; owner: string; alias: string };
  }

  it("signing in needs no Connect flow; without a session every console call is 401", async () => {
    const anonymous = new LoginBrowser(app);
    await anonymous.session();
    expect((await anonymous.get("/api/console/licenses")).statusCode).toBe(401);
    const { b, walletAddress } = await developer("dev@example.com");
    const license = await newLicense(b);
    expect(license.owner).toBe(walletAddress);
    expect(license.alias).toBe("My app");
    const list = (await b.get("/api/console/licenses")).json().licenses;
    expect(list.map((l: { clientId: string }) => l.clientId)).toEqual([license.clientId]);
  });

  it("another developer's license and configurations are 404, in reading and in writing", async () => {
    const alice = await developer("alice@example.com");
    const bob = await developer("bob@example.com");
    const license = await newLicense(alice.b, "Alice app");
    await alice.b.post(`/api/console/licenses/${license.clientId}/redirect-uris`, {
      uri: "https://alice.example/cb",
    });
    const saved = await alice.b.post(`/api/console/licenses/${license.clientId}/configurations`, {
      name: "share",
      configuration: {
        redirectUri: "https://alice.example/cb",
        entryState: "VEHICLE_MANAGER",
        permissionTemplateId: "1",
      },
    });
    expect(saved.statusCode, saved.body).toBe(201);
    const id = saved.json().configuration.id;

    expect((await bob.b.get("/api/console/licenses")).json().licenses).toEqual([]);
    expect((await bob.b.get(`/api/console/licenses/${license.clientId}`)).statusCode).toBe(404);
    expect((await bob.b.post(`/api/console/licenses/${license.clientId}/api-keys`)).statusCode).toBe(404);
    expect(
      (
        await bob.b.post(`/api/console/licenses/${license.clientId}/redirect-uris`, {
          uri: "https://evil.example/",
        })
      ).statusCode,
    ).toBe(404);
    expect((await bob.b.get(`/api/console/configurations/${id}`)).statusCode).toBe(404);
    expect((await send(bob.b, "DELETE", `/api/console/configurations/${id}`)).statusCode).toBe(404);
    expect((await bob.b.get(`/api/console/licenses/${license.clientId}/vehicles`)).statusCode).toBe(404);
    // Alice's configuration is untouched and still public to the login app.
    expect((await app.inject({ method: "GET", url: `/api/configurations/${id}` })).statusCode).toBe(200);
    expect(await services.licenses.listSigners(license.clientId)).toEqual([]);
  });

  it("changes need the CSRF token and the console's own origin", async () => {
    const { b } = await developer("dev@example.com");
    const noToken = await b.post("/api/console/licenses", { alias: "x" }, { csrf: false });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().code).toBe("csrf");
    const otherOrigin = await b.post(
      "/api/console/licenses",
      { alias: "x" },
      { origin: "https://evil.example" },
    );
    expect(otherOrigin.statusCode).toBe(403);
    const license = await newLicense(b);
    const del = await b.request({
      method: "DELETE",
      url: `/api/console/licenses/${license.clientId}/redirect-uris?uri=x`,
      csrf: false,
    });
    expect(del.statusCode).toBe(403);
  });

  it("an API key's private key is shown once; disabling it leaves its dates in the list", async () => {
    const { b } = await developer("dev@example.com");
    const license = await newLicense(b);
    const key = await b.post(`/api/console/licenses/${license.clientId}/api-keys`);
    expect(key.statusCode).toBe(201);
    const { address, privateKey } = key.json();
    expect(privateKey).toMatch(/^[0-9a-f]{64}$/);
    const details = await b.get(`/api/console/licenses/${license.clientId}`);
    expect(details.body).not.toContain(privateKey);
    expect(details.json().signers).toMatchObject([{ address, disabledAt: null }]);
    const disabled = await send(b, "DELETE", `/api/console/licenses/${license.clientId}/api-keys/${address}`);
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json().signers[0].disabledAt).not.toBeNull();
    expect(await services.licenses.isEnabledSigner(license.clientId, address)).toBe(false);
  });

  it("redirect URIs: https or loopback http only; removed ones disappear", async () => {
    const { b } = await developer("dev@example.com");
    const license = await newLicense(b);
    const url = `/api/console/licenses/${license.clientId}/redirect-uris`;
    for (const uri of ["http://app.example.com/cb", "https://app.example.com/#frag", "javascript:alert(1)"]) {
      const res = await b.post(url, { uri });
      expect(res.statusCode, uri).toBe(400);
    }
    expect((await b.post(url, { uri: "http://localhost:5173/" })).statusCode).toBe(201);
    const added = await b.post(url, { uri: "https://app.example.com/cb" });
    expect(added.json().redirectUris.map((r: { uri: string }) => r.uri)).toEqual([
      "http://localhost:5173/",
      "https://app.example.com/cb",
    ]);
    const removed = await send(b, "DELETE", `${url}?uri=${encodeURIComponent("http://localhost:5173/")}`);
    expect(removed.json().redirectUris.map((r: { uri: string }) => r.uri)).toEqual([
      "https://app.example.com/cb",
    ]);
  });

  it("brands: a PNG logo is stored by content and served as an image; SVG and oversize files are refused", async () => {
    const { b } = await developer("dev@example.com");
    const license = await newLicense(b);
    const created = await b.post(`/api/console/licenses/${license.clientId}/brands`, {
      name: "Acme",
      primaryColor: "#112233",
    });
    expect(created.statusCode, created.body).toBe(201);
    const brand = created.json().brand;
    expect(brand.isDefault).toBe(true);
    const logoUrl = `/api/console/licenses/${license.clientId}/brands/${brand.id}/logo`;
    const put = (payload: Buffer, type: string) =>
      b.request({
        method: "PUT",
        url: logoUrl,
        payload,
        headers: { "content-type": type, "x-csrf-token": b.csrfToken, origin: LOGIN_ORIGIN },
      });
    expect((await put(SVG, "image/svg+xml")).statusCode).toBe(415);
    // A file claiming to be PNG is checked by its bytes.
    expect((await put(SVG, "image/png")).statusCode).toBe(400);
    expect((await put(Buffer.concat([PNG, Buffer.alloc(300 * 1024)]), "image/png")).statusCode).toBe(413);
    const ok = await put(PNG, "image/png");
    expect(ok.statusCode, ok.body).toBe(200);
    const { logoCid, logoUrl: served } = ok.json().brand;
    expect(logoCid).toMatch(/^bafkrei/);
    const publicBrand = await app.inject({ method: "GET", url: `/api/brand?clientId=${license.clientId}` });
    expect(publicBrand.json()).toMatchObject({
      name: "Acme",
      logoCid,
      logoUrl: served,
      primaryColor: "#112233",
    });
    const image = await app.inject({ method: "GET", url: `/brand-images/${logoCid}` });
    expect(image.statusCode).toBe(200);
    expect(image.headers["content-type"]).toBe("image/png");
    expect(image.headers["x-content-type-options"]).toBe("nosniff");
    expect(image.rawPayload.equals(PNG)).toBe(true);
    // Renaming keeps the uploaded logo (its URL may be plain http on a development server).
    const renamed = await send(b, "PATCH", `/api/console/licenses/${license.clientId}/brands/${brand.id}`, {
      name: "Acme Two",
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().brand.logoCid).toBe(logoCid);
  });

  it("configurations: saved, listed, edited and deleted; an unregistered redirect URI is refused", async () => {
    const { b } = await developer("dev@example.com");
    const license = await newLicense(b);
    await b.post(`/api/console/licenses/${license.clientId}/redirect-uris`, {
      uri: "https://app.example.com/cb",
    });
    const base = `/api/console/licenses/${license.clientId}/configurations`;
    const bad = await b.post(base, {
      name: "x",
      configuration: { redirectUri: "https://other.example/", entryState: "VEHICLE_MANAGER" },
    });
    expect(bad.statusCode).toBe(400);
    const configuration = {
      redirectUri: "https://app.example.com/cb",
      entryState: "VEHICLE_MANAGER",
      utm: "utm_source=console",
      expirationDate: "12-31-2030",
      permissions: "10010000",
    };
    const saved = await b.post(base, { name: "Share", configuration });
    expect(saved.statusCode, saved.body).toBe(201);
    const id = saved.json().configuration.id;
    const pub = await app.inject({ method: "GET", url: `/api/configurations/${id}` });
    expect(pub.json().configuration).toMatchObject({ client_id: license.clientId, configuration });
    const edited = await send(b, "PUT", `/api/console/configurations/${id}`, {
      name: "Share v2",
      configuration: { ...configuration, permissions: "11111111" },
    });
    expect(edited.json().configuration).toMatchObject({ configuration_name: "Share v2" });
    expect((await b.get(base)).json().configurations).toHaveLength(1);
    expect((await send(b, "DELETE", `/api/console/configurations/${id}`)).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: `/api/configurations/${id}` })).statusCode).toBe(404);
  });

  it("vehicles shared with the license: privileges in words, owner, history, and a CSV safe for spreadsheets", async () => {
    const { b } = await developer("dev@example.com");
    const license = await newLicense(b);
    const owner = await services.accounts.ensure("owner@example.com");
    const shared = await services.vehicles.mint({
      owner: owner.walletAddress,
      make: '=HYPERLINK("x")',
      model: "Model 3",
      year: 2022,
      powertrainType: "BEV",
    });
    await services.vehicles.mint({
      owner: owner.walletAddress,
      make: "Ford",
      model: "F-150",
      year: 2021,
      powertrainType: "ICE",
    });
    await services.grants.grant({
      tokenId: shared.tokenId,
      grantee: license.clientId,
      grantor: owner.walletAddress,
      privileges: [1, 4],
      expiresAt: new Date("2031-01-01T00:00:00Z"),
    });
    const list = (await b.get(`/api/console/licenses/${license.clientId}/vehicles`)).json().vehicles;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      tokenId: shared.tokenId,
      owner: owner.walletAddress,
      privilegeNames: ["All-time non-location data", "All-time location history"],
      lastSignalAt: null,
    });
    expect(
      (await b.get(`/api/console/licenses/${license.clientId}/vehicles?privilege=2`)).json().vehicles,
    ).toEqual([]);
    expect(
      (await b.get(`/api/console/licenses/${license.clientId}/vehicles?search=model%203`)).json().vehicles,
    ).toHaveLength(1);
    const history = (
      await b.get(`/api/console/licenses/${license.clientId}/vehicles/${shared.tokenId}/history`)
    ).json();
    expect(history.events.map((e: { action: string }) => e.action)).toEqual(["grant"]);
    const csv = await b.get(`/api/console/licenses/${license.clientId}/vehicles.csv`);
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = csv.body.trim().split("\r\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""x"")"`);
  });
});
