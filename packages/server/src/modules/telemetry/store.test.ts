import { getAddress } from "viem";
import { beforeEach, describe, expect, it } from "vitest";
import { serviceError, useServices } from "../../../test/support/services.ts";
import type { IngestBatch } from "./contract.ts";
import { INGEST_LIMITS } from "./contract.ts";
import type { IngestSource } from "./store.ts";

const START = Date.parse("2025-06-01T12:00:00.000Z");
const OWNER = getAddress("0x8ba1f109551bd432803012645ac136ddd64dba72");
const SOURCE_A: IngestSource = { source: "did:ethr:137:0x1111111111111111111111111111111111111111" };
const SOURCE_B: IngestSource = { source: "did:ethr:137:0x2222222222222222222222222222222222222222" };
const MIN = 60_000;

const ctx = useServices(START);
let tokenId: number;

beforeEach(async () => {
  tokenId = (
    await ctx.services.vehicles.mint({
      owner: OWNER,
      make: "Tesla",
      model: "Model 3",
      year: 2022,
      powertrainType: "BEV",
    })
  ).tokenId;
});

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ["signal_history", "signal_latest", "vehicle_events", "vin_credentials"] as const) {
    const row = await ctx.store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

const EMPTY = { signal_history: 0, signal_latest: 0, vehicle_events: 0, vin_credentials: 0 };

function speedAt(ts: number, value: number) {
  return { name: "speed", timestamp: ts, value };
}

describe("SignalStore.ingest: round trip", () => {
  it("stores floats, strings and locations in history and latest, with RFC 3339 or millisecond times", async () => {
    const t = START - 10 * MIN;
    const result = await ctx.services.signals.ingest(
      {
        tokenId,
        signals: [
          speedAt(t, 42.5),
          { name: "powertrainType", timestamp: new Date(t).toISOString(), value: "ELECTRIC" },
          {
            name: "currentLocationCoordinates",
            timestamp: "2025-06-01T13:50:00.250+02:00",
            value: { latitude: 52.52, longitude: 13.405, hdop: 0.8 },
          },
          { name: "isIgnitionOn", timestamp: t, value: 1 },
        ],
      },
      SOURCE_A,
    );
    expect(result).toEqual({ accepted: { signals: 4, events: 0 }, duplicates: 0 });
    const points = await ctx.services.signals.range(
      tokenId,
      ["speed", "powertrainType", "currentLocationCoordinates", "isIgnitionOn"],
      t,
      START,
    );
    expect(points).toEqual([
      { tokenId, name: "isIgnitionOn", timestamp: t, source: SOURCE_A.source, value: 1 },
      { tokenId, name: "powertrainType", timestamp: t, source: SOURCE_A.source, value: "ELECTRIC" },
      { tokenId, name: "speed", timestamp: t, source: SOURCE_A.source, value: 42.5 },
      {
        tokenId,
        name: "currentLocationCoordinates",
        timestamp: t + 250,
        source: SOURCE_A.source,
        value: { latitude: 52.52, longitude: 13.405, hdop: 0.8 },
      },
    ]);
    const latest = await ctx.services.signals.latest(tokenId);
    expect(latest.map((p) => [p.name, p.value])).toEqual([
      ["currentLocationCoordinates", { latitude: 52.52, longitude: 13.405, hdop: 0.8 }],
      ["isIgnitionOn", 1],
      ["powertrainType", "ELECTRIC"],
      ["speed", 42.5],
    ]);
    expect(await ctx.services.signals.latest(tokenId, { names: ["speed"] })).toHaveLength(1);
    expect(await ctx.services.signals.latest(tokenId, { names: [] })).toEqual([]);
    expect(await ctx.services.signals.latest(tokenId + 1)).toEqual([]);
  });

  it("accepts timestamps up to INGEST_LIMITS.futureSkewMs ahead", async () => {
    const result = await ctx.services.signals.ingest(
      { tokenId, signals: [speedAt(START + INGEST_LIMITS.futureSkewMs, 1)] },
      SOURCE_A,
    );
    expect(result.accepted.signals).toBe(1);
  });
});

describe("SignalStore.ingest: validation names the entry and stores nothing", () => {
  const ok = speedAt(START - MIN, 10);
  const long = "x".repeat(1025);
  const cases: Array<[string, unknown, RegExp]> = [
    [
      "unknown signal",
      { signals: [ok, { name: "speeed", timestamp: START, value: 1 }] },
      /^signals\[1\]\.name: unknown signal name "speeed"$/,
    ],
    [
      "derived signal",
      {
        signals: [
          ok,
          {
            name: "currentLocationApproximateCoordinates",
            timestamp: START,
            value: { latitude: 1, longitude: 1, hdop: 1 },
          },
        ],
      },
      /^signals\[1\]\.name: unknown signal name/,
    ],
    [
      "string for a float",
      {
        signals: [
          ok,
          speedAt(START - 2 * MIN, 1),
          speedAt(START - 3 * MIN, 1),
          { name: "speed", timestamp: START, value: "42" },
        ],
      },
      /^signals\[3\]\.value: expected a number for speed$/,
    ],
    [
      "infinite float",
      { signals: [ok, speedAt(START, Number.POSITIVE_INFINITY)] },
      /^signals\[1\]\.value: expected a number for speed$/,
    ],
    [
      "boolean not 0/1",
      { signals: [ok, { name: "isIgnitionOn", timestamp: START, value: 0.5 }] },
      /^signals\[1\]\.value: expected 0 or 1 for isIgnitionOn$/,
    ],
    [
      "number for a string",
      { signals: [ok, { name: "obdDTCList", timestamp: START, value: 7 }] },
      /^signals\[1\]\.value: expected a string for obdDTCList$/,
    ],
    [
      "string too long",
      { signals: [ok, { name: "obdDTCList", timestamp: START, value: long }] },
      /^signals\[1\]\.value: at most 1024 characters for obdDTCList, got 1025$/,
    ],
    [
      "latitude out of range",
      {
        signals: [
          ok,
          {
            name: "currentLocationCoordinates",
            timestamp: START,
            value: { latitude: 90.5, longitude: 0, hdop: 1 },
          },
        ],
      },
      /^signals\[1\]\.value\.latitude: expected a number in \[-90, 90\]$/,
    ],
    [
      "longitude out of range",
      {
        signals: [
          ok,
          {
            name: "currentLocationCoordinates",
            timestamp: START,
            value: { latitude: 0, longitude: -180.1, hdop: 1 },
          },
        ],
      },
      /^signals\[1\]\.value\.longitude: expected a number in \[-180, 180\]$/,
    ],
    [
      "negative hdop",
      {
        signals: [
          ok,
          {
            name: "currentLocationCoordinates",
            timestamp: START,
            value: { latitude: 0, longitude: 0, hdop: -1 },
          },
        ],
      },
      /^signals\[1\]\.value\.hdop: expected a number ≥ 0$/,
    ],
    [
      "location without hdop",
      {
        signals: [
          ok,
          { name: "currentLocationCoordinates", timestamp: START, value: { latitude: 0, longitude: 0 } },
        ],
      },
      /^signals\[1\]\.value\.hdop:/,
    ],
    [
      "number for a location",
      { signals: [ok, { name: "currentLocationCoordinates", timestamp: START, value: 3 }] },
      /^signals\[1\]\.value: expected \{latitude, longitude, hdop\} for currentLocationCoordinates$/,
    ],
    [
      "future beyond the skew",
      { signals: [ok, speedAt(START + INGEST_LIMITS.futureSkewMs + 1, 1)] },
      /^signals\[1\]\.timestamp: 2025-06-01T12:05:00\.001Z is in the future \(more than 300 s ahead\)$/,
    ],
    [
      "seconds instead of milliseconds",
      { signals: [ok, speedAt(1_748_779_200, 1)] },
      /^signals\[1\]\.timestamp: before 2000-01-01/,
    ],
    [
      "unparseable time",
      { signals: [ok, { name: "speed", timestamp: "yesterday", value: 1 }] },
      /^signals\[1\]\.timestamp: expected an RFC 3339 time or unix milliseconds, got "yesterday"$/,
    ],
    [
      "impossible date",
      { signals: [ok, { name: "speed", timestamp: "2025-02-30T00:00:00Z", value: 1 }] },
      /^signals\[1\]\.timestamp: expected an RFC 3339/,
    ],
    [
      "fractional milliseconds",
      { signals: [ok, speedAt(START - 0.5, 1)] },
      /^signals\[1\]\.timestamp: expected integer unix milliseconds$/,
    ],
    [
      "missing time",
      { signals: [ok, { name: "speed", value: 1 }] },
      /^signals\[1\]\.timestamp: expected an RFC 3339 time or unix milliseconds$/,
    ],
    [
      "duplicate in the batch",
      { signals: [ok, speedAt(START - 2 * MIN, 1), { ...ok, value: 11 }] },
      /^signals\[2\]: duplicate of signals\[0\] \(speed at 2025-06-01T11:59:00\.000Z\)$/,
    ],
    [
      "too many signals",
      { signals: Array.from({ length: INGEST_LIMITS.maxSignals + 1 }, (_, i) => speedAt(START - i, 1)) },
      /^signals: at most 5000 entries per batch, got 5001$/,
    ],
    ["signals not an array", { signals: { speed: 1 } }, /^signals: expected an array$/],
    ["entry not an object", { signals: [ok, "speed=1"] }, /^signals\[1\]: expected an object/],
    [
      "unknown entry field",
      { signals: [ok, { ...ok, timestamp: START, unit: "km/h" }] },
      /^signals\[1\]: unknown field "unit"$/,
    ],
    ["unknown batch field", { signals: [ok], signal: [] }, /^batch: unknown field "signal"$/],
    [
      "unknown event",
      { signals: [ok], events: [{ name: "behavior.nap", timestamp: START }] },
      /^events\[0\]\.name: unknown event name "behavior\.nap"$/,
    ],
    [
      "negative duration",
      { signals: [ok], events: [{ name: "safety.collision", timestamp: START, durationNs: -1 }] },
      /^events\[0\]\.durationNs: expected a non-negative integer number of nanoseconds$/,
    ],
    [
      "metadata not JSON",
      { signals: [ok], events: [{ name: "safety.collision", timestamp: START, metadata: "{oops" }] },
      /^events\[0\]\.metadata: expected a JSON object or JSON text$/,
    ],
    [
      "duplicate event",
      {
        events: [
          { name: "safety.collision", timestamp: START },
          { name: "safety.collision", timestamp: START },
        ],
      },
      /^events\[1\]: duplicate of events\[0\]/,
    ],
    [
      "too many events",
      {
        events: Array.from({ length: INGEST_LIMITS.maxEvents + 1 }, (_, i) => ({
          name: "safety.collision",
          timestamp: START - i,
        })),
      },
      /^events: at most 1000 entries per batch, got 1001$/,
    ],
    [
      "bad VIN",
      { signals: [ok], vin: { vin: "NOT-A-VIN" } },
      /^vin\.vin: expected a vehicle identification number/,
    ],
    [
      "bad country",
      { signals: [ok], vin: { vin: "5YJ3E1EA7KF317000", countryCode: "United States" } },
      /^vin\.countryCode: expected an ISO 3166 country code/,
    ],
  ];

  it.each(cases)("%s", async (_name, body, message) => {
    const err = await serviceError(
      ctx.services.signals.ingest({ tokenId, ...(body as object) } as IngestBatch, SOURCE_A),
      "INVALID_ARGUMENT",
    );
    expect(err.message).toMatch(message);
    expect(await rowCounts()).toEqual(EMPTY);
  });

  it.each([
    [0, /^tokenId: expected a positive integer$/],
    ["1", /^tokenId: expected a positive integer$/],
    [1.5, /^tokenId: expected a positive integer$/],
  ])("tokenId %j", async (bad, message) => {
    const err = await serviceError(
      ctx.services.signals.ingest({ tokenId: bad, signals: [] } as unknown as IngestBatch, SOURCE_A),
      "INVALID_ARGUMENT",
    );
    expect(err.message).toMatch(message);
  });

  it("a batch that is not an object", async () => {
    const err = await serviceError(
      ctx.services.signals.ingest([] as unknown as IngestBatch, SOURCE_A),
      "INVALID_ARGUMENT",
    );
    expect(err.message).toBe("The body must be a JSON object.");
  });
});

describe("SignalStore.ingest: idempotent on retry", () => {
  const batch = (): IngestBatch => ({
    tokenId,
    signals: [
      speedAt(START - 3 * MIN, 10),
      speedAt(START - 2 * MIN, 20),
      { name: "powertrainTractionBatteryStateOfChargeCurrent", timestamp: START - 2 * MIN, value: 80 },
    ],
    events: [
      {
        name: "behavior.harshBraking",
        timestamp: START - 2 * MIN,
        durationNs: 1_500_000_000,
        metadata: { g: 0.6 },
      },
    ],
  });

  it("the same batch twice: the second reports every point as a duplicate and changes nothing", async () => {
    expect(await ctx.services.signals.ingest(batch(), SOURCE_A)).toEqual({
      accepted: { signals: 3, events: 1 },
      duplicates: 0,
    });
    const counts = await rowCounts();
    expect(counts).toEqual({ signal_history: 3, signal_latest: 2, vehicle_events: 1, vin_credentials: 0 });
    expect(await ctx.services.signals.ingest(batch(), SOURCE_A)).toEqual({
      accepted: { signals: 0, events: 0 },
      duplicates: 4,
    });
    expect(await rowCounts()).toEqual(counts);
  });

  it("a retry with a changed value keeps the first value; new points in it are stored", async () => {
    await ctx.services.signals.ingest(batch(), SOURCE_A);
    const retry = batch();
    retry.signals![0]!.value = 99;
    retry.signals!.push(speedAt(START - MIN, 30));
    expect(await ctx.services.signals.ingest(retry, SOURCE_A)).toEqual({
      accepted: { signals: 1, events: 0 },
      duplicates: 4,
    });
    const speeds = await ctx.services.signals.range(tokenId, ["speed"], 0, START);
    expect(speeds.map((p) => p.value)).toEqual([10, 20, 30]);
  });

  it("the same point from another source is another point", async () => {
    await ctx.services.signals.ingest(batch(), SOURCE_A);
    expect(await ctx.services.signals.ingest(batch(), SOURCE_B)).toEqual({
      accepted: { signals: 3, events: 1 },
      duplicates: 0,
    });
  });
});

describe("SignalStore.latest", () => {
  it("moves only forward: an older point goes to history but does not replace the latest value", async () => {
    const { signals } = ctx.services;
    await signals.ingest({ tokenId, signals: [speedAt(START - MIN, 50)] }, SOURCE_A);
    await signals.ingest({ tokenId, signals: [speedAt(START - 5 * MIN, 10)] }, SOURCE_A);
    expect((await signals.latest(tokenId))[0]).toMatchObject({ timestamp: START - MIN, value: 50 });
    expect(await signals.range(tokenId, ["speed"], 0, START)).toHaveLength(2);
    await signals.ingest({ tokenId, signals: [speedAt(START, 70)] }, SOURCE_A);
    expect((await signals.latest(tokenId))[0]).toMatchObject({ timestamp: START, value: 70 });
  });

  it("within one batch the newest point wins, whatever the order", async () => {
    await ctx.services.signals.ingest(
      { tokenId, signals: [speedAt(START - MIN, 2), speedAt(START, 3), speedAt(START - 2 * MIN, 1)] },
      SOURCE_A,
    );
    expect((await ctx.services.signals.latest(tokenId))[0]).toMatchObject({ timestamp: START, value: 3 });
  });

  it("is kept per source: the newest across sources, or one source's newest", async () => {
    const { signals } = ctx.services;
    await signals.ingest({ tokenId, signals: [speedAt(START - MIN, 50)] }, SOURCE_A);
    await signals.ingest({ tokenId, signals: [speedAt(START - 2 * MIN, 20)] }, SOURCE_B);
    expect(await signals.latest(tokenId)).toEqual([
      { tokenId, name: "speed", timestamp: START - MIN, source: SOURCE_A.source, value: 50 },
    ]);
    expect(await signals.latest(tokenId, { source: SOURCE_B.source })).toEqual([
      { tokenId, name: "speed", timestamp: START - 2 * MIN, source: SOURCE_B.source, value: 20 },
    ]);
  });
});

describe("SignalStore.aggregateFloat", () => {
  // Buckets align on `from` (30 s past the minute), not on the epoch: 1-minute buckets are
  // [from, from+60s), [from+60s, from+120s), ...
  const from = Date.parse("2025-06-01T10:00:30.000Z");
  const to = from + 4 * MIN;
  const s = 1000;

  beforeEach(async () => {
    await ctx.services.signals.ingest(
      {
        tokenId,
        signals: [
          speedAt(from - 1, 999), // before the range
          // bucket 0: 10, 30, 20
          speedAt(from, 10),
          speedAt(from + 40 * s, 20),
          speedAt(from + 20 * s, 30),
          // bucket 1: empty
          // bucket 2: 5, 7 (the last one just inside)
          speedAt(from + 2 * MIN + 10 * s, 5),
          speedAt(from + 3 * MIN - 1, 7),
          // bucket 3 starts at its boundary: 0.1, 0.2
          speedAt(from + 3 * MIN, 0.1),
          speedAt(from + 3 * MIN + 30 * s, 0.2),
          speedAt(to, 999), // `to` is exclusive
          { name: "powertrainRange", timestamp: from + 10 * s, value: 400 }, // another signal
        ],
      },
      SOURCE_A,
    );
    await ctx.services.signals.ingest({ tokenId, signals: [speedAt(from + 50 * s, 1000)] }, SOURCE_B);
  });

  it("computes AVG, MAX, MIN, FIRST and LAST per bucket; empty buckets are omitted", async () => {
    const buckets = await ctx.services.signals.aggregateFloat(
      tokenId,
      "speed",
      from,
      to,
      MIN,
      ["AVG", "MAX", "MIN", "FIRST", "LAST"],
      { source: SOURCE_A.source },
    );
    expect(buckets.map((b) => b.bucketStart)).toEqual([from, from + 2 * MIN, from + 3 * MIN]);
    expect(buckets[0]!.values).toEqual({ AVG: 20, MAX: 30, MIN: 10, FIRST: 10, LAST: 20 });
    expect(buckets[1]!.values).toEqual({ AVG: 6, MAX: 7, MIN: 5, FIRST: 5, LAST: 7 });
    const last = buckets[2]!.values;
    expect(last.AVG).toBeCloseTo(0.15, 12);
    expect(last).toMatchObject({ MAX: 0.2, MIN: 0.1, FIRST: 0.1, LAST: 0.2 });
  });

  it("without a source filter every source counts", async () => {
    const [first] = await ctx.services.signals.aggregateFloat(tokenId, "speed", from, to, MIN, [
      "MAX",
      "LAST",
    ]);
    expect(first).toEqual({ bucketStart: from, values: { MAX: 1000, LAST: 1000 } });
  });

  it("returns only the aggregations asked for", async () => {
    const buckets = await ctx.services.signals.aggregateFloat(
      tokenId,
      "speed",
      from,
      to,
      2 * MIN,
      ["FIRST"],
      {
        source: SOURCE_A.source,
      },
    );
    expect(buckets).toEqual([
      { bucketStart: from, values: { FIRST: 10 } },
      { bucketStart: from + 2 * MIN, values: { FIRST: 5 } },
    ]);
  });

  it("one bucket over the whole range; intervals that do not divide it leave a short last bucket", async () => {
    expect(
      await ctx.services.signals.aggregateFloat(tokenId, "speed", from, to, 4 * MIN, ["MIN", "MAX"], {
        source: SOURCE_A.source,
      }),
    ).toEqual([{ bucketStart: from, values: { MIN: 0.1, MAX: 30 } }]);
    const odd = await ctx.services.signals.aggregateFloat(tokenId, "speed", from, to, 150 * s, ["AVG"], {
      source: SOURCE_A.source,
    });
    expect(odd.map((b) => b.bucketStart)).toEqual([from, from + 150 * s]);
  });

  it("nothing in range, an empty range, or an invalid interval", async () => {
    const { signals } = ctx.services;
    expect(await signals.aggregateFloat(tokenId, "speed", from - 10 * MIN, from - MIN, MIN, ["AVG"])).toEqual(
      [],
    );
    expect(await signals.aggregateFloat(tokenId, "speed", to, from, MIN, ["AVG"])).toEqual([]);
    expect(await signals.aggregateFloat(tokenId, "obdDTCList", from, to, MIN, ["AVG"])).toEqual([]);
    await serviceError(signals.aggregateFloat(tokenId, "speed", from, to, 0, ["AVG"]), "INVALID_ARGUMENT");
  });
});

describe("SignalStore reads", () => {
  it("range: from inclusive, to exclusive, ascending, by names and source", async () => {
    const { signals } = ctx.services;
    const t = START - 10 * MIN;
    await signals.ingest(
      {
        tokenId,
        signals: [
          speedAt(t + 2, 3),
          speedAt(t, 1),
          speedAt(t + 1, 2),
          speedAt(t + 3, 4),
          { name: "powertrainRange", timestamp: t + 1, value: 300 },
        ],
      },
      SOURCE_A,
    );
    await signals.ingest({ tokenId, signals: [speedAt(t + 1, 20)] }, SOURCE_B);
    const all = await signals.range(tokenId, ["speed"], t, t + 3);
    expect(all.map((p) => [p.timestamp - t, p.value])).toEqual([
      [0, 1],
      [1, 2],
      [1, 20],
      [2, 3],
    ]);
    const onlyA = await signals.range(tokenId, ["speed", "powertrainRange"], t + 1, t + 2, {
      source: SOURCE_A.source,
    });
    expect(onlyA.map((p) => [p.name, p.value])).toEqual([
      ["powertrainRange", 300],
      ["speed", 2],
    ]);
    expect(await signals.range(tokenId, [], t, START)).toEqual([]);
  });

  it("signalSummary, eventSummary and events", async () => {
    const { signals } = ctx.services;
    const t = START - 60 * MIN;
    await signals.ingest(
      {
        tokenId,
        signals: [
          speedAt(t, 1),
          speedAt(t + MIN, 2),
          { name: "powertrainRange", timestamp: t + 5 * MIN, value: 300 },
        ],
        events: [
          {
            name: "behavior.harshBraking",
            timestamp: t + 2 * MIN,
            durationNs: 2_000_000_000,
            metadata: '{"g":0.7}',
          },
          { name: "behavior.harshBraking", timestamp: t + 9 * MIN },
          { name: "safety.collision", timestamp: t + 3 * MIN, metadata: { severity: "low" } },
        ],
      },
      SOURCE_A,
    );
    await signals.ingest({ tokenId, signals: [speedAt(t + 30 * MIN, 9)] }, SOURCE_B);
    expect(await signals.signalSummary(tokenId)).toEqual([
      { name: "powertrainRange", count: 1, firstSeen: t + 5 * MIN, lastSeen: t + 5 * MIN },
      { name: "speed", count: 3, firstSeen: t, lastSeen: t + 30 * MIN },
    ]);
    expect(await signals.signalSummary(tokenId, { source: SOURCE_B.source })).toEqual([
      { name: "speed", count: 1, firstSeen: t + 30 * MIN, lastSeen: t + 30 * MIN },
    ]);
    expect(await signals.eventSummary(tokenId)).toEqual([
      { name: "behavior.harshBraking", count: 2, firstSeen: t + 2 * MIN, lastSeen: t + 9 * MIN },
      { name: "safety.collision", count: 1, firstSeen: t + 3 * MIN, lastSeen: t + 3 * MIN },
    ]);
    expect(await signals.events(tokenId, t, t + 9 * MIN)).toEqual([
      {
        tokenId,
        name: "behavior.harshBraking",
        timestamp: t + 2 * MIN,
        source: SOURCE_A.source,
        durationNs: 2_000_000_000,
        metadata: '{"g":0.7}',
      },
      {
        tokenId,
        name: "safety.collision",
        timestamp: t + 3 * MIN,
        source: SOURCE_A.source,
        durationNs: 0,
        metadata: '{"severity":"low"}',
      },
    ]);
    expect(await signals.signalSummary(tokenId + 1)).toEqual([]);
  });

  it("latestVin: the newest recorded credential, with a VC-like document", async () => {
    const { signals } = ctx.services;
    expect(await signals.latestVin(tokenId)).toBeUndefined();
    const older = START - 2 * 86_400_000;
    await signals.ingest(
      { tokenId, vin: { vin: "5yj3e1ea7kf317000", countryCode: "usa", recordedAt: START - MIN } },
      SOURCE_A,
    );
    await signals.ingest({ tokenId, vin: { vin: "5YJ3E1EA7KF300001", recordedAt: older } }, SOURCE_B);
    const vc = await signals.latestVin(tokenId);
    expect(vc).toEqual({
      tokenId,
      vin: "5YJ3E1EA7KF317000",
      recordedBy: SOURCE_A.source,
      recordedAt: START - MIN,
      countryCode: "USA",
      validFrom: START - MIN,
      validTo: START - MIN + 7 * 86_400_000,
      rawVC: expect.any(String),
    });
    expect(JSON.parse(vc!.rawVC)).toEqual({
      "@context": ["https://www.w3.org/ns/credentials/v2"],
      type: ["VerifiableCredential", "Vehicle"],
      issuer: SOURCE_A.source,
      validFrom: new Date(START - MIN).toISOString(),
      validTo: new Date(START - MIN + 7 * 86_400_000).toISOString(),
      credentialSubject: {
        id: `did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:${tokenId}`,
        vehicleTokenId: tokenId,
        vehicleIdentificationNumber: "5YJ3E1EA7KF317000",
        recordedBy: SOURCE_A.source,
        recordedAt: new Date(START - MIN).toISOString(),
        countryCode: "USA",
      },
    });
    // Recorded again at the same time by the same source: a retry, ignored.
    await signals.ingest({ tokenId, vin: { vin: "5YJ3E1EA7KF317000", recordedAt: START - MIN } }, SOURCE_A);
    expect((await rowCounts()).vin_credentials).toBe(2);
    // Without recordedAt it is recorded now.
    ctx.clock = START + MIN;
    await signals.ingest({ tokenId, vin: { vin: "5YJ3E1EA7KF300002" } }, SOURCE_B);
    expect(await signals.latestVin(tokenId)).toMatchObject({
      vin: "5YJ3E1EA7KF300002",
      recordedAt: START + MIN,
    });
  });
});

describe("SignalStore.pruneOlderThan", () => {
  it("deletes history and events before the cutoff; latest values and VIN credentials stay", async () => {
    const { signals } = ctx.services;
    const day = 86_400_000;
    await signals.ingest(
      {
        tokenId,
        signals: [speedAt(START - 10 * day, 1), speedAt(START - 2 * day, 2)],
        events: [{ name: "safety.collision", timestamp: START - 10 * day }],
        vin: { vin: "5YJ3E1EA7KF317000", recordedAt: START - 10 * day },
      },
      SOURCE_A,
    );
    await signals.ingest(
      { tokenId, signals: [{ name: "powertrainRange", timestamp: START - 9 * day, value: 100 }] },
      SOURCE_B,
    );
    expect(await signals.pruneOlderThan(START - 7 * day)).toEqual({ signals: 2, events: 1 });
    expect(
      (await signals.range(tokenId, ["speed", "powertrainRange"], 0, START)).map((p) => p.value),
    ).toEqual([2]);
    expect(await signals.events(tokenId, 0, START)).toEqual([]);
    expect((await signals.latest(tokenId)).map((p) => [p.name, p.value])).toEqual([
      ["powertrainRange", 100],
      ["speed", 2],
    ]);
    expect(await signals.latestVin(tokenId)).toBeDefined();
    expect(await signals.pruneOlderThan(START - 7 * day)).toEqual({ signals: 0, events: 0 });
  });
});
