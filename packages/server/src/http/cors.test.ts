import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStore, type TestStore, testEngine } from "../../test/support/store.ts";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config.ts";
import { createServices, type Services } from "../services.ts";
import { allowsAnyOrigin } from "./cors.ts";

const ORIGIN = "https://app.example.com";
const PREFLIGHT = {
  origin: ORIGIN,
  "access-control-request-method": "POST",
  "access-control-request-headers": "authorization, content-type",
};

/** security.md §2.6: the developer-facing APIs and public documents, any origin, no credentials. */
const ANY_ORIGIN_URLS = [
  "/auth/web3/generate_challenge",
  "/auth/web3/submit_challenge",
  "/keys",
  "/.well-known/openid-configuration",
  "/roles-rights/keys",
  "/roles-rights/.well-known/openid-configuration",
  "/v1/tokens/exchange",
  "/ipfs/bafkreiexample",
  "/oauth/token",
  "/api/configurations/de70de70-0000-4000-8000-000000000001",
  "/api/brand",
];

function corsHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith("access-control-")));
}

describe(`CORS (${testEngine()})`, () => {
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

  it.each(ANY_ORIGIN_URLS)(
    "preflight of %s: 204, any origin, the methods and headers, no credentials",
    async (url) => {
      const res = await app.inject({ method: "OPTIONS", url: `${url}?x=1`, headers: PREFLIGHT });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe("");
      expect(corsHeaders(res.headers)).toEqual({
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, HEAD, POST",
        "access-control-allow-headers": "authorization, content-type",
        "access-control-max-age": "86400",
      });
    },
  );

  it("simple requests on those paths carry Allow-Origin: * (errors too), never Allow-Credentials", async () => {
    const responses = await Promise.all([
      app.inject({ method: "GET", url: "/keys", headers: { origin: ORIGIN } }),
      app.inject({
        method: "GET",
        url: "/roles-rights/.well-known/openid-configuration",
        headers: { origin: ORIGIN },
      }),
      app.inject({ method: "GET", url: "/ipfs/bafkreiexample", headers: { origin: ORIGIN } }),
      app.inject({ method: "POST", url: "/v1/tokens/exchange", headers: { origin: ORIGIN } }),
      app.inject({ method: "POST", url: "/auth/web3/generate_challenge", headers: { origin: ORIGIN } }),
    ]);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 404, 401, 404]);
    for (const res of responses) {
      expect(corsHeaders(res.headers)).toEqual({ "access-control-allow-origin": "*" });
    }
  });

  it("no CORS on /healthz and /readyz, nor on unknown paths; their preflights are 404", async () => {
    for (const url of ["/healthz", "/readyz", "/api/private", "/api/session", "/api/connect/flows", "/"]) {
      const get = await app.inject({ method: "GET", url, headers: { origin: ORIGIN } });
      expect(corsHeaders(get.headers), url).toEqual({});
      const preflight = await app.inject({ method: "OPTIONS", url, headers: PREFLIGHT });
      expect(preflight.statusCode, url).toBe(404);
      expect(corsHeaders(preflight.headers), url).toEqual({});
    }
  });

  it("/identity/query keeps graphql-yoga's own CORS, not doubled", async () => {
    const preflight = await app.inject({ method: "OPTIONS", url: "/identity/query", headers: PREFLIGHT });
    expect(preflight.statusCode).toBe(204);
    const headers = corsHeaders(preflight.headers);
    expect(headers["access-control-allow-methods"]).toBe("GET, POST, OPTIONS"); // yoga's, not ours
    expect(typeof headers["access-control-allow-origin"]).toBe("string");
    expect(headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("decides by path: public prefixes and exact paths only", () => {
    expect(allowsAnyOrigin("/auth/web3/anything")).toBe(true);
    expect(allowsAnyOrigin("/keys")).toBe(true);
    expect(allowsAnyOrigin("/api/configurations/x")).toBe(true);
    expect(allowsAnyOrigin("/api/brand")).toBe(true);
    for (const path of [
      "/",
      "/oauth/authorize",
      "/api/brand-new",
      "/api/session",
      "/api/connect/flows",
      "/api/configurations",
      "/keys/x",
      "/identity/query",
      "/healthz",
    ]) {
      expect(allowsAnyOrigin(path), path).toBe(false);
    }
  });
});
