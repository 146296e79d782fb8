import type { FastifyInstance } from "fastify";
import { getAddress } from "viem";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useServices } from "../../../test/support/services.ts";
import { buildApp } from "../../app.ts";
import { INGEST_LIMITS, type IngestBatch } from "./contract.ts";

const START = Date.parse("2025-06-01T12:00:00.000Z");
const OWNER = getAddress("0x8ba1f109551bd432803012645ac136ddd64dba72");

const ctx = useServices(START);
let app: FastifyInstance;
let allowed: number;
let other: number;
let credential: string;
let source: string;

beforeEach(async () => {
  const mint = () =>
    ctx.services.vehicles.mint({
      owner: OWNER,
      make: "Tesla",
      model: "Model 3",
      year: 2022,
      powertrainType: "BEV",
    });
  allowed = (await mint()).tokenId;
  other = (await mint()).tokenId;
  const created = await ctx.services.connections.create({ name: "test", tokenIds: [allowed] });
  credential = created.credential;
  source = created.source;
  app = await buildApp(ctx.services);
});

afterEach(async () => {
  await app.close();
});

function post(body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: "POST",
    url: "/v1/ingest",
    headers: { authorization: `Bearer ${credential}`, "content-type": "application/json", ...headers },
    payload: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function historyCount(): Promise<number> {
  const row = await ctx.store.db
    .selectFrom("signal_history")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const batch = (): IngestBatch & { signals: NonNullable<IngestBatch["signals"]> } => ({
  tokenId: allowed,
  signals: [
    { name: "speed", timestamp: "2025-06-01T11:59:00Z", value: 48 },
    {
      name: "currentLocationCoordinates",
      timestamp: START - 60_000,
      value: { latitude: 48.1, longitude: 11.6, hdop: 1 },
    },
  ],
  events: [{ name: "behavior.harshBraking", timestamp: START - 60_000, durationNs: 800_000_000 }],
});

describe("POST /v1/ingest", () => {
  it("stores a batch and answers IngestResult after the commit; a retry reports duplicates", async () => {
    const res = await post(batch());
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ accepted: { signals: 2, events: 1 }, duplicates: 0 });
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    const latest = await ctx.services.signals.latest(allowed);
    expect(latest.map((p) => [p.name, p.source])).toEqual([
      ["currentLocationCoordinates", source],
      ["speed", source],
    ]);
    const again = await post(batch());
    expect(again.json()).toEqual({ accepted: { signals: 0, events: 0 }, duplicates: 3 });
    expect(await historyCount()).toBe(2);
  });

  it.each([
    ["no Authorization", {}],
    [
      "a wrong credential",
      { authorization: "Bearer kfc_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
    ],
    ["a non-bearer scheme", { authorization: "Basic dXNlcjpwYXNz" }],
  ])("401 JSON with %s", async (_name, headers) => {
    const res = await app.inject({
      method: "POST",
      url: "/v1/ingest",
      headers: { "content-type": "application/json", ...headers },
      payload: JSON.stringify(batch()),
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(res.json()).toEqual({ code: 401, message: expect.stringContaining("connection credential") });
    expect(await historyCount()).toBe(0);
  });

  it("401 once the connection is disabled", async () => {
    const [connection] = await ctx.services.connections.list();
    await ctx.services.connections.disable(connection!.id);
    expect((await post(batch())).statusCode).toBe(401);
  });

  it.each([
    ["text/plain", JSON.stringify({ tokenId: 1 })],
    ["application/x-www-form-urlencoded", "tokenId=1"],
  ])("415 JSON for %s", async (type, payload) => {
    const res = await post(payload, { "content-type": type });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({
      code: 415,
      message: "The body must be JSON (Content-Type: application/json).",
    });
  });

  it("413 JSON above INGEST_LIMITS.maxBodyBytes", async () => {
    const res = await post({ tokenId: allowed, signals: [], pad: "x".repeat(INGEST_LIMITS.maxBodyBytes) });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ code: 413, message: "Request body is too large." });
  });

  it("a full batch of nearly INGEST_LIMITS.maxBodyBytes is accepted", async () => {
    const signals = Array.from({ length: INGEST_LIMITS.maxSignals }, (_, i) => ({
      name: "obdDTCList",
      timestamp: START - i,
      value: "P0300,".repeat(60),
    }));
    const body = JSON.stringify({ tokenId: allowed, signals });
    expect(body.length).toBeGreaterThan(0.9 * INGEST_LIMITS.maxBodyBytes);
    expect(body.length).toBeLessThan(INGEST_LIMITS.maxBodyBytes);
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().accepted.signals).toBe(INGEST_LIMITS.maxSignals);
  });

  it("400 JSON for a body that does not parse", async () => {
    const res = await post("{not json");
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 400, message: "Couldn't parse request body." });
  });

  it("404 for an unknown vehicle, 403 for a vehicle the connection may not post for", async () => {
    const unknown = await post({ ...batch(), tokenId: 999 });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ code: 404, message: "No vehicle with token id 999." });
    const denied = await post({ ...batch(), tokenId: other });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toEqual({
      code: 403,
      message: `This connection may not post for vehicle ${other}.`,
    });
    expect(await historyCount()).toBe(0);
  });

  it("400 naming the entry; nothing of the batch is stored", async () => {
    const body = batch();
    body.signals.push({ name: "speed", timestamp: START, value: "fast" });
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 400, message: "signals[2].value: expected a number for speed" });
    const bad = await post({ tokenId: "one" });
    expect(bad.json()).toEqual({ code: 400, message: "tokenId: expected a positive integer" });
    expect(await historyCount()).toBe(0);
    expect(await ctx.services.signals.events(allowed, 0, START)).toEqual([]);
  });
});
