import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStore, type TestStore, testEngine } from "../../test/support/store.ts";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { createServices, type Services } from "../services.ts";
import { registerSecurityHeaders } from "./security-headers.ts";

const API_CSP = "default-src 'none'; frame-ancestors 'none'";

describe(`security headers (${testEngine()})`, () => {
  let test: TestStore;
  let services: Services;
  let app: FastifyInstance;

  beforeAll(async () => {
    test = await createTestStore();
    services = await createServices(
      loadConfig({ KEYFOB_SECRET: "x".repeat(40), KEYFOB_LOG_LEVEL: "silent" }),
      { store: test.store },
    );
    app = await buildApp(services);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await services?.close();
    await test?.cleanup();
  });

  /** security.md §9: what every response carries, and what none may carry. */
  function expectBaseline(headers: Record<string, unknown>) {
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("no-referrer");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["cross-origin-resource-policy"]).toBe("cross-origin");
    // helmet's same-origin COOP would sever window.opener and break the official popup.
    expect(headers["cross-origin-opener-policy"] ?? "unsafe-none").toBe("unsafe-none");
    expect(headers["cross-origin-embedder-policy"]).toBeUndefined();
  }

  it("every JSON response: nosniff, no-referrer, DENY, CORP cross-origin, no COOP/COEP, a locked-down CSP", async () => {
    const responses = await Promise.all([
      app.inject({ method: "GET", url: "/healthz" }),
      app.inject({ method: "GET", url: "/keys" }),
      app.inject({ method: "GET", url: "/ipfs/bafynothere" }),
      app.inject({ method: "POST", url: "/v1/tokens/exchange" }),
      app.inject({ method: "POST", url: "/auth/web3/generate_challenge" }),
      app.inject({ method: "GET", url: "/no/such/route" }),
      // Answered early, by a hook: a CORS preflight.
      app.inject({
        method: "OPTIONS",
        url: "/keys",
        headers: { origin: "https://app.example.com", "access-control-request-method": "GET" },
      }),
    ]);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 404, 401, 404, 404, 204]);
    for (const res of responses) {
      expectBaseline(res.headers);
      expect(res.headers["content-security-policy"]).toBe(API_CSP);
    }
  });

  it("no HSTS when the public URL is plain http", async () => {
    const res = await app.inject({ method: "GET", url: "/healthz" });
    expect(res.headers["strict-transport-security"]).toBeUndefined();
  });

  it("GraphiQL at GET /identity/query renders without a CSP (inline scripts, blob: workers), still unframeable", async () => {
    const res = await app.inject({ method: "GET", url: "/identity/query", headers: { accept: "text/html" } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.body).toContain("<title>Keyfob Identity API</title>");
    expect(res.headers["content-security-policy"]).toBeUndefined();
    expectBaseline(res.headers);
  });

  it("GraphQL queries at POST /identity/query keep the other headers", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/identity/query",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(res.statusCode).toBe(200);
    expectBaseline(res.headers);
  });

  it("request logging is off through the logController, not the deprecated option (FSTDEP023)", () => {
    // Passing the top-level option would show here (and print the deprecation warning once).
    expect(app.initialConfig.disableRequestLogging).toBe(false);
  });
});

describe("security headers over https", () => {
  it("sends HSTS (one year, this host only) when the public URL is https", async () => {
    const app = Fastify();
    registerSecurityHeaders(app, "https://keyfob.example.com");
    app.get("/x", async () => ({}));
    const res = await app.inject({ method: "GET", url: "/x" });
    expect(res.headers["strict-transport-security"]).toBe("max-age=31536000");
    expect(res.headers["content-security-policy"]).toBe(API_CSP);
    await app.close();
  });
});
