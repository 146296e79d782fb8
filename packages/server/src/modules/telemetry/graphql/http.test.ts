import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useServices } from "../../../../test/support/services.ts";
import { ingest, mintVehicle, telemetryQuery, vehicleJwt } from "../../../../test/support/telemetry.ts";
import { buildApp } from "../../../app.ts";
import type { TelemetryReader } from "../contract.ts";
import { callerFromClaims } from "./access.ts";
import type { TelemetryDeps } from "./context.ts";
import { createTelemetryServer } from "./server.ts";

/** `/telemetry/query` as HTTP: GraphiQL, GET queries, CORS, and the server's error handling and timeout. */

const START = Date.parse("2025-06-01T12:00:00.000Z");

describe("/telemetry/query over HTTP", () => {
  const ctx = useServices(START);
  let app: FastifyInstance;
  let tokenId: number;

  beforeEach(async () => {
    tokenId = await mintVehicle(ctx.services);
    await ingest(ctx.services, {
      tokenId,
      signals: [{ name: "speed", timestamp: START - 60_000, value: 12.5 }],
    });
    app = await buildApp(ctx.services);
  });

  afterEach(async () => {
    await app.close();
  });

  it("serves GraphiQL to browsers on GET", async () => {
    const res = await app.inject({
      method: "GET",
      url: "/telemetry/query",
      headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.body).toContain("Keyfob Telemetry API");
  });

  it("answers GET queries with a token", async () => {
    const token = await vehicleJwt(ctx.services, tokenId, [1]);
    const query = encodeURIComponent(`{ signalsLatest(tokenId: ${tokenId}) { speed { timestamp value } } }`);
    const res = await app.inject({
      method: "GET",
      url: `/telemetry/query?query=${query}`,
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      data: { signalsLatest: { speed: { timestamp: "2025-06-01T11:59:00Z", value: 12.5 } } },
    });
  });

  it("allows any origin, preflight included", async () => {
    const preflight = await app.inject({
      method: "OPTIONS",
      url: "/telemetry/query",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(preflight.statusCode).toBe(204);
    // Yoga reflects the origin (any origin is allowed); never with credentials.
    expect(preflight.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(preflight.headers["access-control-allow-credentials"]).toBeUndefined();
    expect(String(preflight.headers["access-control-allow-headers"]).toLowerCase()).toContain(
      "authorization",
    );
    const answer = await telemetryQuery(app, `{ availableSignals(tokenId: ${tokenId}) }`, {
      token: await vehicleJwt(ctx.services, tokenId, [1]),
      headers: { origin: "https://app.example.com" },
    });
    expect(answer.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(answer.body.data).toEqual({ availableSignals: ["speed"] });
  });

  it("says what content type it takes", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/telemetry/query",
      headers: { "content-type": "text/plain" },
      payload: "{ __typename }",
    });
    expect(res.statusCode).toBe(415);
  });
});

describe("telemetry server errors and timeout", () => {
  const caller = callerFromClaims({
    asset: "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:1",
    permissions: ["privilege:GetNonLocationHistory"],
  } as never);
  const deps = (signals: Partial<TelemetryReader>) =>
    ({
      signals,
      jwt: {},
      config: { vehicleContract: "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF" },
    }) as unknown as TelemetryDeps;
  const post = (server: ReturnType<typeof createTelemetryServer>, query: string) =>
    server.fetch(
      "http://localhost/telemetry/query",
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) },
      { caller },
    );

  it("never shows an unexpected error's message, and logs it", async () => {
    const logged: unknown[] = [];
    const server = createTelemetryServer(
      deps({
        latest: async () => {
          throw new Error("connect ECONNREFUSED 10.0.0.7:5432");
        },
      }),
      (err) => logged.push(err),
    );
    const res = await post(server, "{ signalsLatest(tokenId: 1) { lastSeen } }");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("ECONNREFUSED");
    expect(JSON.parse(text).errors[0]).toMatchObject({
      message: "Internal server error.",
      path: ["signalsLatest"],
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
    expect(logged).toHaveLength(1);
  });

  it("stops a query that runs past the timeout", async () => {
    const server = createTelemetryServer(
      deps({ latest: () => new Promise((resolve) => setTimeout(() => resolve([]), 2_000)) }),
      () => {},
      { timeoutMs: 50 },
    );
    const started = Date.now();
    const res = await post(server, "{ signalsLatest(tokenId: 1) { lastSeen } }");
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await res.json()).toEqual({
      data: null,
      errors: [{ message: "The query did not finish within 0.05 s.", extensions: { code: "TIMEOUT" } }],
    });
  });
});
