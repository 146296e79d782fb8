import { getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOwner, dataOf, type IdentityHarness, startIdentity } from "../../../test/support/identity.ts";
import { createTestStore } from "../../../test/support/store.ts";
import { invalidArgument } from "../../errors.ts";
import type { Vehicle } from "../vehicles/service.ts";
import type { IdentityDeps } from "./context.ts";
import { IDENTITY_BODY_LIMIT } from "./routes.ts";
import { createIdentityServer } from "./server.ts";

describe("/identity/query over HTTP", () => {
  let h: IdentityHarness;
  let vehicle: Vehicle;

  beforeAll(async () => {
    h = await startIdentity(await createTestStore());
    const owner = await createOwner(h.services, "http@example.com");
    vehicle = await h.services.vehicles.mint({
      owner,
      make: "Tesla",
      model: "Model 3",
      year: 2020,
      powertrainType: "BEV",
    });
  });

  afterAll(() => h.close());

  it("serves GraphiQL to browsers on GET", async () => {
    const res = await h.app.inject({
      method: "GET",
      url: "/identity/query",
      headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.body).toContain("Keyfob Identity API");
    expect(res.body.toLowerCase()).toContain("graphiql");
  });

  it("answers GET queries too", async () => {
    const res = await h.app.inject({
      method: "GET",
      url: `/identity/query?query=${encodeURIComponent("{ vehicles(first: 1) { totalCount } }")}`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: { vehicles: { totalCount: 1 } } });
  });

  it("allows any origin, including the preflight", async () => {
    const preflight = await h.app.inject({
      method: "OPTIONS",
      url: "/identity/query",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(preflight.headers["access-control-allow-methods"]).toContain("POST");
    expect(preflight.headers["access-control-allow-headers"]).toBe("content-type");
    expect(preflight.headers["access-control-allow-credentials"]).toBeUndefined();

    const res = await h.query("{ vehicles(first: 1) { totalCount } }", undefined, {
      origin: "https://other.example",
    });
    expect(res.status).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBe("https://other.example");
  });

  it("has introspection on", async () => {
    const res = await h.query(getIntrospectionQuery());
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(dataOf(res).__schema.queryType.name).toBe("Query");
  });

  it("answers execution errors with 200 also to Apollo's Accept header", async () => {
    const res = await h.query("{ vehicle(tokenId: 424242) { tokenId } }", undefined, {
      accept: "application/graphql-response+json,application/json;q=0.9",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      data: { vehicle: null },
      errors: [{ path: ["vehicle"], extensions: { code: "NOT_FOUND" } }],
    });
  });

  it("answers 422 to unparseable and invalid documents, 400 to a body that is not JSON", async () => {
    const syntax = await h.query("{ vehicles(first: 1) { totalCount ");
    expect(syntax.status).toBe(422);
    expect(syntax.body.errors?.[0]?.message).toMatch(/^Syntax Error/);
    const unknown = await h.query("{ vehicles(first: 1) { imei } }");
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors?.[0]?.message).toContain(
      'Cannot query field "imei" on type "VehicleConnection"',
    );
    const notJson = await h.app.inject({
      method: "POST",
      url: "/identity/query",
      headers: { "content-type": "application/json" },
      payload: "{nope",
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.body).not.toContain("    at ");
  });

  it("parses Address input in any case, rejects anything else, and outputs checksums", async () => {
    const lower = vehicle.owner.toLowerCase();
    const ok = await h.query(
      `{ vehicles(first: 1, filterBy: {owner: "${lower.toUpperCase().replace("0X", "0x")}"}) { nodes { owner } } }`,
    );
    expect(ok.body).toEqual({ data: { vehicles: { nodes: [{ owner: vehicle.owner }] } } });

    for (const bad of ['"0x12"', '"not an address"', `"${lower}00"`, "42"]) {
      const res = await h.query(`{ vehicles(first: 1, filterBy: {owner: ${bad}}) { totalCount } }`);
      expect(res.status, bad).toBe(422);
      expect(res.body.errors?.[0]?.message, bad).toContain('Expected value of type "Address"');
    }
    const variable = await h.query(
      "query($o: Address!) { vehicles(first: 1, filterBy: {owner: $o}) { totalCount } }",
      { o: "0x12" },
    );
    expect(variable.status).toBe(400);
    expect(variable.body.errors?.[0]?.message).toContain('Variable "$o" got invalid value "0x12"');
  });

  it("rejects queries deeper than 10", async () => {
    const nested = (depth: number) =>
      `{ vehicles(first: 1) { nodes { ${"aftermarketDevice { vehicle { ".repeat(depth)}tokenId${" } }".repeat(depth)} } } }`;
    const ok = await h.query(nested(3)); // depth 9
    expect(ok.status).toBe(200);
    const deep = await h.query(nested(4)); // depth 11
    expect(deep.status).toBe(422);
    expect(deep.body.errors?.[0]?.message).toContain("depth limit of 10");
  });

  it("rejects queries over the cost limit", async () => {
    const res = await h.query(
      "{ vehicles(first: 100) { nodes { sacds(first: 100) { nodes { grantee permissions source } } } } }",
    );
    expect(res.status).toBe(422);
    expect(res.body.errors?.[0]?.message).toContain("Cost limit");
  });

  it("says which content type it takes", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: "/identity/query",
      headers: { "content-type": "text/plain" },
      payload: "{}",
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({ errors: [{ message: "Send the query as application/json." }] });
  });

  it("limits the body size", async () => {
    const query = `{ vehicles(first: 1) { totalCount } } ${"#".repeat(IDENTITY_BODY_LIMIT)}`;
    const res = await h.app.inject({
      method: "POST",
      url: "/identity/query",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ query }),
    });
    expect(res.statusCode).toBe(413);
  });

  it("takes application/json bodies despite the app-wide form parser, and form posts too", async () => {
    const form = await h.app.inject({
      method: "POST",
      url: "/identity/query",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `query=${encodeURIComponent("{ vehicles(first: 1) { totalCount } }")}`,
    });
    expect(form.statusCode).toBe(200);
    expect(form.json()).toEqual({ data: { vehicles: { totalCount: 1 } } });
  });
});

describe("identity server errors and limits", () => {
  const vehicle = { tokenId: 1 } as Vehicle;
  const post = (server: ReturnType<typeof createIdentityServer>, query: string) =>
    server.fetch("http://localhost/identity/query", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
  const deps = (find: (tokenId: number) => Promise<Vehicle | undefined>) =>
    ({
      vehicles: { find },
      config: { publicUrl: "http://localhost:3000", chainId: 137 },
    }) as unknown as IdentityDeps;

  it("never shows an unexpected error's message or stack, and logs it", async () => {
    const logged: unknown[] = [];
    const server = createIdentityServer(
      deps(async () => {
        throw new Error("connect ECONNREFUSED 10.0.0.7:5432 at /srv/keyfob/secret.ts:12");
      }),
      (err) => logged.push(err),
    );
    const res = await post(server, "{ vehicle(tokenId: 1) { tokenId } }");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      data: { vehicle: null },
      errors: [
        {
          message: "Internal server error.",
          locations: [{ line: 1, column: 3 }],
          path: ["vehicle"],
          extensions: { code: "INTERNAL_SERVER_ERROR" },
        },
      ],
    });
    expect(text).not.toContain("ECONNREFUSED");
    expect(logged).toHaveLength(1);
  });

  it("passes a service's named error with its kind", async () => {
    const server = createIdentityServer(
      deps(async () => {
        throw invalidArgument("The token id is out of range.");
      }),
      () => {},
    );
    const body = await (await post(server, "{ vehicle(tokenId: 1) { tokenId } }")).json();
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: "The token id is out of range.",
        extensions: { code: "INVALID_ARGUMENT" },
      }),
    ]);
  });

  it("stops a query that runs past the timeout", async () => {
    const server = createIdentityServer(
      deps(() => new Promise((resolve) => setTimeout(() => resolve(vehicle), 2_000))),
      () => {},
      { timeoutMs: 50 },
    );
    const started = Date.now();
    const res = await post(server, "{ vehicle(tokenId: 1) { tokenId } }");
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: null,
      errors: [{ message: "The query did not finish within 0.05 s.", extensions: { code: "TIMEOUT" } }],
    });
  });
});
