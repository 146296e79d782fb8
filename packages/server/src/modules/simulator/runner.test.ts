import { describe, expect, it } from "vitest";
import { CITIES } from "../../domain/simulation/city.ts";
import { createVehicleSimulation } from "../../domain/simulation/simulation.ts";
import { INGEST_LIMITS, type IngestBatch } from "../telemetry/contract.ts";
import type { SimulatedVehicle } from "./fleet.ts";
import { IngestClient, IngestRejectedError, toBatches } from "./ingest-client.ts";
import { SimulatorRunner } from "./runner.ts";

/** 21:00 in Munich: the taxi is on its night shift. */
const T0 = Date.UTC(2026, 5, 10, 20, 0);
const HOUR = 3_600_000;
const CREDENTIAL = "kfc_0123456789abcdef_secret";

/**
 * A stand-in for POST /v1/ingest behind `fetch`: checks the credential and the limits, and stores
 * points keyed by (vehicle, name, timestamp) as the real store does, counting repeats as duplicates.
 */
function fakeServer() {
  const points = new Map<string, unknown>();
  const events = new Set<string>();
  const server = {
    points,
    events,
    batches: [] as IngestBatch[],
    /** Answer the next n requests with this status. */
    failures: [] as number[],
    credential: CREDENTIAL,
    requests: 0,
    fetch: (async (_url: string | URL | Request, init?: RequestInit) => {
      server.requests++;
      const status = server.failures.shift();
      if (status) return new Response(JSON.stringify({ code: status, message: "nope" }), { status });
      if (
        (init?.headers as Record<string, string> | undefined)?.authorization !== `Bearer ${server.credential}`
      )
        return new Response(JSON.stringify({ code: 401, message: "credential" }), { status: 401 });
      const body = String(init?.body);
      if (body.length > INGEST_LIMITS.maxBodyBytes) return new Response("{}", { status: 413 });
      const batch = JSON.parse(body) as IngestBatch;
      if ((batch.signals?.length ?? 0) > INGEST_LIMITS.maxSignals) return new Response("{}", { status: 400 });
      server.batches.push(batch);
      let accepted = 0;
      let duplicates = 0;
      for (const s of batch.signals ?? []) {
        const key = `${batch.tokenId}|${s.name}|${s.timestamp}`;
        if (points.has(key)) duplicates++;
        else {
          points.set(key, s.value);
          accepted++;
        }
      }
      let acceptedEvents = 0;
      for (const e of batch.events ?? []) {
        const key = `${batch.tokenId}|${e.name}|${e.timestamp}`;
        if (events.has(key)) duplicates++;
        else {
          events.add(key);
          acceptedEvents++;
        }
      }
      return new Response(
        JSON.stringify({ accepted: { signals: accepted, events: acceptedEvents }, duplicates }),
        {
          status: 200,
        },
      );
    }) as typeof fetch,
  };
  return server;
}

const VEHICLES: SimulatedVehicle[] = [
  { tokenId: 1, powertrainType: "BEV", profile: "rideshare", make: "Tesla" },
  { tokenId: 2, powertrainType: "ICE", profile: "taxi", make: "Ford" },
];

function runner(server: ReturnType<typeof fakeServer>, clock: { now: number }, vehicles = VEHICLES) {
  return new SimulatorRunner({
    seed: "runner-test",
    city: CITIES.munich,
    client: new IngestClient({ url: "http://keyfob.test", credential: CREDENTIAL, fetch: server.fetch }),
    vehicles,
    now: () => clock.now,
    // Ticks are driven by hand.
    tickMs: 1e9,
  });
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

async function settle(r: SimulatorRunner): Promise<void> {
  for (let i = 0; i < 50; i++) await flush();
  void r;
}

describe("SimulatorRunner: live", () => {
  it("posts each vehicle's state at once (with its VIN), then what it reports, tick by tick", async () => {
    const server = fakeServer();
    const clock = { now: T0 };
    const r = runner(server, clock);
    r.start();
    await settle(r);
    const first = server.batches.filter((b) => b.tokenId === 1);
    expect(first).toHaveLength(1);
    expect(first[0]!.vin).toEqual({
      vin: expect.stringMatching(/^5YJ[A-HJ-NPR-Z0-9]{14}$/),
      countryCode: "DEU",
      recordedAt: T0,
    });
    expect(first[0]!.signals!.every((s) => s.timestamp === T0)).toBe(true);
    expect(first[0]!.signals!.map((s) => s.name)).toEqual(
      expect.arrayContaining(["speed", "currentLocationCoordinates"]),
    );

    for (let i = 1; i <= 60; i++) {
      clock.now = T0 + i * 1000;
      r.tick();
      await settle(r);
    }
    await r.stop();
    // Everything the vehicles reported in the minute arrived, in order, nothing twice.
    for (const v of VEHICLES) {
      const sim = createVehicleSimulation({ ...v, seed: "runner-test", city: CITIES.munich, start: T0 + 1 });
      const expected = sim.step(T0 + 60_000).signals.map((s) => `${v.tokenId}|${s.name}|${s.timestamp}`);
      for (const key of expected) expect(server.points.has(key), key).toBe(true);
      const posted = server.batches.filter((b) => b.tokenId === v.tokenId).flatMap((b) => b.signals ?? []);
      const times = posted.map((s) => s.timestamp as number);
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
    expect(r.stats.signals).toBe(server.points.size);
  });

  it("loses nothing while the server is away: it retries with backoff and catches up", async () => {
    const server = fakeServer();
    const clock = { now: T0 };
    const r = runner(server, clock, [VEHICLES[1]!]);
    r.start();
    await settle(r);
    server.failures.push(503, 503, 503, 503, 503);
    const requestsBefore = server.requests;
    for (let i = 1; i <= 120; i++) {
      clock.now = T0 + i * 1000;
      r.tick();
      await settle(r);
    }
    await r.stop();
    // Backoff: far fewer attempts than ticks while failing.
    expect(server.requests - requestsBefore).toBeLessThan(60);
    expect(r.stats.failures).toBe(5);
    const sim = createVehicleSimulation({
      ...VEHICLES[1]!,
      seed: "runner-test",
      city: CITIES.munich,
      start: T0 + 1,
    });
    const expected = sim.step(T0 + 120_000).signals;
    expect(expected.length).toBeGreaterThan(20);
    for (const s of expected) expect(server.points.has(`2|${s.name}|${s.timestamp}`), s.name).toBe(true);
  });

  it("drops a batch the server refuses for good, and goes on", async () => {
    const server = fakeServer();
    const clock = { now: T0 };
    const r = runner(server, clock, [VEHICLES[1]!]);
    r.start();
    await settle(r);
    server.failures.push(400);
    for (let i = 1; i <= 30; i++) {
      clock.now = T0 + i * 1000;
      r.tick();
      await settle(r);
    }
    await r.stop();
    expect(r.stats.failures).toBe(1);
    expect(server.batches.length).toBeGreaterThan(2);
  });

  it("stops ticking on stop()", async () => {
    const server = fakeServer();
    const clock = { now: T0 };
    const r = runner(server, clock);
    r.start();
    expect(r.running).toBe(true);
    await r.stop();
    const count = server.requests;
    clock.now += 10_000;
    r.tick();
    await settle(r);
    expect(server.requests).toBe(count);
    expect(r.running).toBe(false);
  });
});

describe("SimulatorRunner: backfill", () => {
  it("posts the history in batches within the limits, and a repeat adds nothing", async () => {
    const server = fakeServer();
    const clock = { now: T0 };
    const r = new SimulatorRunner({
      seed: "runner-test",
      city: CITIES.munich,
      client: new IngestClient({ url: "http://keyfob.test", credential: CREDENTIAL, fetch: server.fetch }),
      vehicles: VEHICLES,
      now: () => clock.now,
      limits: { maxSignals: 2000, maxEvents: 100, maxBodyBytes: 400_000 },
    });
    const first = await r.backfill({ days: 1, concurrency: 2 });
    expect(first.signals).toBeGreaterThan(20_000);
    expect(first.duplicates).toBe(0);
    expect(server.batches.every((b) => (b.signals?.length ?? 0) <= 2000)).toBe(true);
    expect(server.batches.every((b) => JSON.stringify(b).length <= 400_000)).toBe(true);
    // One VIN per vehicle, recorded at the end of the window.
    expect(server.batches.filter((b) => b.vin).map((b) => [b.tokenId, b.vin!.recordedAt])).toEqual(
      expect.arrayContaining([
        [1, T0],
        [2, T0],
      ]),
    );
    const stored = server.points.size;
    clock.now = T0 + 10 * 60_000;
    const again = await r.backfill({ days: 1 });
    // Only the ten new minutes are new; the rest is the same points at the same times.
    expect(again.duplicates).toBeGreaterThan(first.signals * 0.95);
    expect(server.points.size - stored).toBe(again.signals);
    expect(again.signals).toBeLessThan(first.signals * 0.02);
  });

  it("starts each vehicle where asked, and gives up on a batch after its attempts", async () => {
    const server = fakeServer();
    const clock = { now: T0 };
    const r = runner(server, clock, [VEHICLES[0]!]);
    const result = await r.backfill({ days: 1, from: () => T0 - 2 * HOUR });
    expect(
      Math.min(...server.batches.flatMap((b) => b.signals ?? []).map((s) => s.timestamp as number)),
    ).toBeGreaterThanOrEqual(T0 - 2 * HOUR);
    expect(result.batches).toBeGreaterThan(0);
    server.failures.push(401);
    server.credential = "another";
    await expect(r.backfill({ days: 1 })).rejects.toBeInstanceOf(IngestRejectedError);
  });
});

describe("IngestClient", () => {
  it("retries 5xx and network errors with backoff, and refreshes the credential once after a 401", async () => {
    const server = fakeServer();
    let fail = 2;
    const flaky = (async (url: string | URL | Request, init?: RequestInit) => {
      if (fail-- > 0) throw new TypeError("fetch failed");
      return server.fetch(url, init);
    }) as typeof fetch;
    server.credential = "rotated";
    const client = new IngestClient({
      url: "http://keyfob.test/",
      credential: CREDENTIAL,
      fetch: flaky,
      refreshCredential: async () => "rotated",
    });
    const retries: number[] = [];
    const result = await client.post(
      { tokenId: 1, signals: [{ name: "speed", timestamp: T0, value: 1 }] },
      { baseDelayMs: 1, onRetry: (_e, _a, delay) => retries.push(delay) },
    );
    expect(result).toEqual({ accepted: { signals: 1, events: 0 }, duplicates: 0 });
    expect(retries).toEqual([1, 2]);
  });

  it("splits a step into batches within the limits", () => {
    const signals = Array.from({ length: 12_345 }, (_, i) => ({
      name: "speed",
      timestamp: T0 + i,
      value: i,
    }));
    const events = Array.from({ length: 2_500 }, (_, i) => ({
      name: "behavior.harshBraking",
      timestamp: T0 + i,
      durationNs: 1,
      metadata: "{}",
    }));
    const batches = toBatches(9, { signals, events });
    expect(batches.map((b) => [b.signals?.length ?? 0, b.events?.length ?? 0])).toEqual([
      [5000, 1000],
      [5000, 1000],
      [2345, 500],
    ]);
    expect(toBatches(9, { signals: [], events: [] })).toEqual([]);
  });
});
