import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useServices } from "../../../../test/support/services.ts";
import {
  errorAt,
  ingest,
  mintVehicle,
  TEST_SOURCE,
  telemetryQuery,
  vehicleJwt,
} from "../../../../test/support/telemetry.ts";
import { buildApp } from "../../../app.ts";
import { haversineKm } from "../../../domain/geo.ts";

/**
 * The `signals` query over HTTP against hand-computed fixtures (telemetry-api.md §3, §4, §6):
 * every aggregation of every type, aliases, buckets, value and location filters, the approximate
 * location, and the argument checks.
 */

const START = Date.parse("2025-06-01T12:00:00.000Z");
const ctx = useServices(START);
let app: FastifyInstance;
let tokenId: number;
let token: string;

const at = (hhmm: string) => `2025-06-01T${hhmm}:00Z`;
const BERLIN_A = { latitude: 52.5, longitude: 13.4, hdop: 1 };
const BERLIN_B = { latitude: 52.52, longitude: 13.42, hdop: 3 };
const MUNICH = { latitude: 48.1, longitude: 11.6, hdop: 2 };
const OTHER_SOURCE = "did:ethr:137:0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

// Buckets of 1 h from 08:00:
//   08:00  speed 10 40 20 90 · powertrainType COMBUSTION HYBRID HYBRID · coordinates BERLIN_A BERLIN_B
//   09:00  (nothing)
//   10:00  speed 50 70 · coordinates MUNICH
//   11:00  powertrainType ELECTRIC
beforeEach(async () => {
  tokenId = await mintVehicle(ctx.services);
  await ingest(ctx.services, {
    tokenId,
    signals: [
      { name: "speed", timestamp: at("08:05"), value: 10 },
      { name: "speed", timestamp: at("08:20"), value: 40 },
      { name: "speed", timestamp: at("08:40"), value: 20 },
      { name: "speed", timestamp: at("08:50"), value: 90 },
      { name: "speed", timestamp: at("10:10"), value: 50 },
      { name: "speed", timestamp: at("10:30"), value: 70 },
      { name: "powertrainType", timestamp: at("08:10"), value: "COMBUSTION" },
      { name: "powertrainType", timestamp: at("08:30"), value: "HYBRID" },
      { name: "powertrainType", timestamp: at("08:45"), value: "HYBRID" },
      { name: "powertrainType", timestamp: at("11:15"), value: "ELECTRIC" },
      { name: "currentLocationCoordinates", timestamp: at("08:15"), value: BERLIN_A },
      { name: "currentLocationCoordinates", timestamp: at("08:25"), value: BERLIN_B },
      { name: "currentLocationCoordinates", timestamp: at("10:45"), value: MUNICH },
    ],
  });
  token = await vehicleJwt(ctx.services, tokenId, [1, 4]);
  app = await buildApp(ctx.services);
});

afterEach(async () => {
  await app.close();
});

/** `signals(...)` over 08:00–12:00 with the given selection (and arguments). */
async function signals(
  selection: string,
  args = `interval: "1h", from: "${at("08:00")}", to: "${at("12:00")}"`,
) {
  const answer = await telemetryQuery(
    app,
    `{ signals(tokenId: ${tokenId}, ${args}) { timestamp ${selection} } }`,
    {
      token,
    },
  );
  expect(answer.status).toBe(200);
  return answer;
}

describe("float aggregations (speed)", () => {
  it("every aggregation, as aliases of one field, per bucket", async () => {
    const { body } = await signals(
      "avg: speed(agg: AVG) med: speed(agg: MED) max: speed(agg: MAX) min: speed(agg: MIN) first: speed(agg: FIRST) last: speed(agg: LAST) rand: speed(agg: RAND)",
    );
    expect(body.errors).toBeUndefined();
    const rows = body.data.signals as Record<string, unknown>[];
    expect(rows.map(({ rand: _rand, ...rest }) => rest)).toEqual([
      // 10 40 20 90: mean 40, median (20 + 40) / 2
      { timestamp: at("08:00"), avg: 40, med: 30, max: 90, min: 10, first: 10, last: 90 },
      { timestamp: at("10:00"), avg: 60, med: 60, max: 70, min: 50, first: 50, last: 70 },
    ]);
    expect([10, 40, 20, 90]).toContain(rows[0]!.rand);
    expect([50, 70]).toContain(rows[1]!.rand);
  });

  it("an unaliased field answers under its own name", async () => {
    const { body } = await signals("speed(agg: MAX)");
    expect(body.data.signals).toEqual([
      { timestamp: at("08:00"), speed: 90 },
      { timestamp: at("10:00"), speed: 70 },
    ]);
  });

  it("the store's SQL and the in-memory path agree (a filter that keeps everything forces the latter)", async () => {
    const aggs = ["AVG", "MAX", "MIN", "FIRST", "LAST"];
    const sql = aggs.map((agg) => `s${agg}: speed(agg: ${agg})`).join(" ");
    const js = aggs.map((agg) => `j${agg}: speed(agg: ${agg}, filter: { gte: -1000 })`).join(" ");
    const { body } = await signals(`${sql} ${js}`);
    for (const row of body.data.signals as Record<string, number>[])
      for (const agg of aggs) expect(row[`j${agg}`]).toBe(row[`s${agg}`]);
  });

  it("value filters select rows before aggregation; a bucket left without rows is omitted", async () => {
    const { body } = await signals("gt: speed(agg: AVG, filter: { gt: 15 }) ");
    // 08:00 keeps 40 20 90 → 50; 10:00 keeps 50 70 → 60.
    expect(body.data.signals).toEqual([
      { timestamp: at("08:00"), gt: 50 },
      { timestamp: at("10:00"), gt: 60 },
    ]);
    const low = await signals("lt: speed(agg: MAX, filter: { lt: 15 })");
    expect(low.body.data.signals).toEqual([{ timestamp: at("08:00"), lt: 10 }]);
  });

  it.each([
    ["{ eq: 40 }", [40, null]],
    ["{ neq: 90, lte: 50 }", [70 / 3, 50]], // (10 + 40 + 20) / 3; 50
    ["{ in: [20, 70] }", [20, 70]],
    ["{ in: 20 }", [20, null]], // a single value for a list, as GraphQL input coercion allows
    ["{ or: { eq: 90 } }", [90, null]],
    ["{ notIn: [10, 40, 20, 50] }", [90, 70]],
    ["{ or: [{ eq: 10 }, { gte: 70 }] }", [50, 70]], // (10 + 90) / 2; 70
    ["{ gt: 30, or: [{ eq: 10 }] }", [140 / 3, 60]], // (10 + 40 + 90) / 3; (50 + 70) / 2
  ] as [string, [number, number | null]][])(
    "filter %s → AVG per bucket %j",
    async (filter, [first, second]) => {
      const { body } = await signals(`v: speed(agg: AVG, filter: ${filter})`);
      const byTime = new Map(
        (body.data.signals as { timestamp: string; v: number }[]).map((r) => [r.timestamp, r.v]),
      );
      expect(byTime.get(at("08:00"))).toBeCloseTo(first, 10);
      if (second === null) expect(byTime.has(at("10:00"))).toBe(false);
      else expect(byTime.get(at("10:00"))).toBeCloseTo(second, 10);
    },
  );

  it("takes filters and aggregations from variables", async () => {
    const answer = await telemetryQuery(
      app,
      `query($agg: FloatAggregation!, $f: SignalFloatFilter, $min: Float) {
        signals(tokenId: ${tokenId}, interval: "1h", from: "${at("08:00")}", to: "${at("12:00")}") {
          a: speed(agg: $agg, filter: $f) b: speed(agg: MIN, filter: { gte: $min })
        }
      }`,
      { token, variables: { agg: "MAX", f: { lt: 50 }, min: 45 } },
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.signals).toEqual([
      { a: 40, b: 90 },
      { a: null, b: 50 },
    ]);
  });
});

describe("string aggregations (powertrainType)", () => {
  it("every aggregation", async () => {
    const { body } = await signals(
      "top: powertrainType(agg: TOP) unique: powertrainType(agg: UNIQUE) first: powertrainType(agg: FIRST) last: powertrainType(agg: LAST) rand: powertrainType(agg: RAND)",
    );
    const rows = body.data.signals as Record<string, unknown>[];
    expect(rows.map(({ rand: _rand, ...rest }) => rest)).toEqual([
      {
        timestamp: at("08:00"),
        top: "HYBRID",
        unique: "COMBUSTION,HYBRID",
        first: "COMBUSTION",
        last: "HYBRID",
      },
      { timestamp: at("11:00"), top: "ELECTRIC", unique: "ELECTRIC", first: "ELECTRIC", last: "ELECTRIC" },
    ]);
    expect(["COMBUSTION", "HYBRID"]).toContain(rows[0]!.rand);
    expect(rows[1]!.rand).toBe("ELECTRIC");
  });
});

describe("location aggregations (currentLocationCoordinates)", () => {
  it("every aggregation", async () => {
    const { body } = await signals(
      "avg: currentLocationCoordinates(agg: AVG) { latitude longitude hdop } first: currentLocationCoordinates(agg: FIRST) { latitude longitude hdop } last: currentLocationCoordinates(agg: LAST) { latitude longitude hdop } rand: currentLocationCoordinates(agg: RAND) { latitude longitude hdop }",
    );
    type Point = { latitude: number; longitude: number; hdop: number };
    const [morning, noon] = body.data.signals as [Record<string, Point>, Record<string, Point>];
    expect(morning.avg!.latitude).toBeCloseTo(52.51, 12);
    expect(morning.avg!.longitude).toBeCloseTo(13.41, 12);
    expect(morning.avg!.hdop).toBe(2);
    expect(morning.first).toEqual(BERLIN_A);
    expect(morning.last).toEqual(BERLIN_B);
    expect([BERLIN_A, BERLIN_B]).toContainEqual(morning.rand);
    expect(noon).toEqual({ timestamp: at("10:00"), avg: MUNICH, first: MUNICH, last: MUNICH, rand: MUNICH });
  });

  it("inCircle keeps points within the radius (km), boundary included", async () => {
    const { body } = await signals(
      "c: currentLocationCoordinates(agg: LAST, filter: { inCircle: { center: { latitude: 52.51, longitude: 13.41 }, radius: 5 } }) { latitude }",
    );
    expect(body.data.signals).toEqual([{ timestamp: at("08:00"), c: { latitude: 52.52 } }]);
    // The radius exactly the haversine distance from BERLIN_A to BERLIN_B: BERLIN_B is still inside.
    const radius = haversineKm(BERLIN_A, BERLIN_B);
    const circle = (r: number) =>
      `c: currentLocationCoordinates(agg: LAST, filter: { inCircle: { center: { latitude: 52.5, longitude: 13.4 }, radius: ${r} } }) { latitude }`;
    expect((await signals(circle(radius))).body.data.signals).toEqual([
      { timestamp: at("08:00"), c: { latitude: 52.52 } },
    ]);
    expect((await signals(circle(radius - 1e-9))).body.data.signals).toEqual([
      { timestamp: at("08:00"), c: { latitude: 52.5 } },
    ]);
  });

  it("inPolygon keeps points inside the polygon, in either orientation", async () => {
    const square = [
      { latitude: 47, longitude: 11 },
      { latitude: 47, longitude: 12 },
      { latitude: 49, longitude: 12 },
      { latitude: 49, longitude: 11 },
    ];
    const literal = (points: typeof square) =>
      `[${points.map((p) => `{ latitude: ${p.latitude}, longitude: ${p.longitude} }`).join(", ")}]`;
    for (const polygon of [square, [...square].reverse()]) {
      const { body } = await signals(
        `p: currentLocationCoordinates(agg: AVG, filter: { inPolygon: ${literal(polygon)} }) { latitude longitude hdop }`,
      );
      expect(body.data.signals).toEqual([{ timestamp: at("10:00"), p: MUNICH }]);
    }
  });

  it("the approximate location is the aggregate snapped to its H3 resolution-6 cell centre", async () => {
    const { body } = await signals(
      "a: currentLocationApproximateCoordinates(agg: LAST) { latitude longitude hdop }",
    );
    expect(body.data.signals[1]).toEqual({
      timestamp: at("10:00"),
      // h3-js: cellToLatLng(latLngToCell(48.1, 11.6, 6)) = 861f8d7a7ffffff's centre; HDOP as stored.
      a: { latitude: 48.113167527778394, longitude: 11.599894272712762, hdop: 2 },
    });
  });
});

describe("buckets", () => {
  it("are aligned on from, ascending; a present bucket shows null for a field without data there", async () => {
    const { body } = await signals("speed(agg: MAX) powertrainType(agg: LAST)");
    expect(body.data.signals).toEqual([
      { timestamp: at("08:00"), speed: 90, powertrainType: "HYBRID" },
      { timestamp: at("10:00"), speed: 70, powertrainType: null },
      { timestamp: at("11:00"), speed: null, powertrainType: "ELECTRIC" },
    ]);
  });

  it("start at from, not at a round hour; to is exclusive", async () => {
    const { body } = await signals(
      "speed(agg: FIRST)",
      `interval: "90m", from: "${at("08:20")}", to: "${at("10:30")}"`,
    );
    // [08:20, 09:50) holds 40 20 90; [09:50, 10:30) holds 50 (10:30 is excluded).
    expect(body.data.signals).toEqual([
      { timestamp: at("08:20"), speed: 40 },
      { timestamp: at("09:50"), speed: 50 },
    ]);
  });

  it("from = to is an empty range", async () => {
    const { body } = await signals(
      "speed(agg: MAX)",
      `interval: "1h", from: "${at("08:00")}", to: "${at("08:00")}"`,
    );
    expect(body).toEqual({ data: { signals: [] } });
  });

  it("follow fragments and @include/@skip", async () => {
    const answer = await telemetryQuery(
      app,
      `query($withMin: Boolean!) {
        signals(tokenId: ${tokenId}, interval: "24h", from: "${at("08:00")}", to: "${at("12:00")}") {
          ...Speeds
          ... on SignalAggregations { last: speed(agg: LAST) }
          min: speed(agg: MIN) @include(if: $withMin)
          first: speed(agg: FIRST) @skip(if: true)
        }
      }
      fragment Speeds on SignalAggregations { max: speed(agg: MAX) }`,
      { token, variables: { withMin: false } },
    );
    expect(answer.body).toEqual({ data: { signals: [{ max: 90, last: 70 }] } });
  });
});

describe("the source filter", () => {
  beforeEach(async () => {
    await ingest(
      ctx.services,
      { tokenId, signals: [{ name: "speed", timestamp: at("09:30"), value: 5 }] },
      OTHER_SOURCE,
    );
  });

  it("narrows to one connection's data, any address case", async () => {
    const all = await signals("speed(agg: MIN)");
    expect(all.body.data.signals.map((r: { speed: number }) => r.speed)).toEqual([10, 5, 50]);
    const filtered = await signals(
      "speed(agg: MIN)",
      `interval: "1h", from: "${at("08:00")}", to: "${at("12:00")}", filter: { source: "${OTHER_SOURCE.toLowerCase()}" }`,
    );
    expect(filtered.body.data.signals).toEqual([{ timestamp: at("09:00"), speed: 5 }]);
    const latest = await telemetryQuery(
      app,
      `{ signalsLatest(tokenId: ${tokenId}, filter: { source: "${TEST_SOURCE}" }) { speed { value } } }`,
      { token },
    );
    expect(latest.body.data.signalsLatest.speed).toEqual({ value: 70 });
  });

  it("refuses a source that is not an ethr DID", async () => {
    const answer = await signals(
      "speed(agg: MIN)",
      `interval: "1h", from: "${at("08:00")}", to: "${at("12:00")}", filter: { source: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" }`,
    );
    expect(errorAt(answer, "signals")).toBe(
      "invalid argument: source '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' is not a valid ethr DID",
    );
  });
});

describe("argument checks: invalid argument errors with HTTP 200", () => {
  const range = `from: "${at("08:00")}", to: "${at("12:00")}"`;

  it.each([
    [`interval: "0s", ${range}`, "invalid argument: interval is not a positive integer"],
    [`interval: "-5m", ${range}`, "invalid argument: interval is not a positive integer"],
    [
      `interval: "1d", ${range}`,
      'invalid argument: failed parsing interval: time: unknown unit "d" in duration "1d"',
    ],
    [
      `interval: "15", ${range}`,
      'invalid argument: failed parsing interval: time: missing unit in duration "15"',
    ],
    [
      `interval: "1h", from: "${at("12:00")}", to: "${at("08:00")}"`,
      "invalid argument: from timestamp is after to timestamp",
    ],
  ])("signals(%s)", async (args, message) => {
    const answer = await signals("speed(agg: MAX)", args);
    expect(answer.body.data).toEqual({ signals: null });
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ message, path: ["signals"], extensions: { code: "INVALID_ARGUMENT" } }),
    ]);
  });

  it("a geofence of fewer than three points", async () => {
    const answer = await signals(
      "currentLocationCoordinates(agg: LAST, filter: { inPolygon: [{ latitude: 1, longitude: 1 }, { latitude: 2, longitude: 2 }] }) { latitude }",
    );
    expect(errorAt(answer, "signals")).toBe("invalid argument: not enough points in geofence filter");
  });

  it("a circle centre out of range", async () => {
    const answer = await signals(
      "currentLocationCoordinates(agg: LAST, filter: { inCircle: { center: { latitude: 91, longitude: 0 }, radius: 1 } }) { latitude }",
    );
    expect(errorAt(answer, "signals")).toBe("invalid argument: invalid circle filter location");
  });

  it("a token id that is not positive (with a token for it)", async () => {
    const zero = await vehicleJwt(ctx.services, 0, [1]);
    const answer = await telemetryQuery(app, "{ signalsLatest(tokenId: 0) { lastSeen } }", { token: zero });
    expect(errorAt(answer, "signalsLatest")).toBe("invalid argument: tokenID is not a positive integer");
  });

  it("events: from after to", async () => {
    const answer = await telemetryQuery(
      app,
      `{ events(tokenId: ${tokenId}, from: "${at("12:00")}", to: "${at("08:00")}") { name } }`,
      { token },
    );
    expect(errorAt(answer, "events")).toBe("invalid argument: from timestamp is after to timestamp");
  });
});

describe("events", () => {
  beforeEach(async () => {
    await ingest(ctx.services, {
      tokenId,
      events: [
        {
          name: "behavior.harshBraking",
          timestamp: at("08:00"),
          durationNs: 800_000_000,
          metadata: { counterValue: 1 },
        },
        { name: "behavior.harshCornering", timestamp: at("09:00"), durationNs: 3_500_000_000 },
        { name: "safety.collision", timestamp: at("10:00") },
      ],
    });
    await ingest(
      ctx.services,
      { tokenId, events: [{ name: "behavior.extremeBraking", timestamp: at("11:00") }] },
      OTHER_SOURCE,
    );
  });

  const events = async (filter = "") =>
    (
      await telemetryQuery(
        app,
        `{ events(tokenId: ${tokenId}, from: "${at("08:00")}", to: "${at("11:00")}"${filter}) { timestamp name source durationNs metadata } }`,
        { token },
      )
    ).body;

  it("lists from ≤ timestamp < to, ascending, with durations beyond 32 bits", async () => {
    const body = await events();
    expect(body.errors).toBeUndefined();
    expect(body.data.events).toEqual([
      {
        timestamp: at("08:00"),
        name: "behavior.harshBraking",
        source: TEST_SOURCE,
        durationNs: 800_000_000,
        metadata: '{"counterValue":1}',
      },
      {
        timestamp: at("09:00"),
        name: "behavior.harshCornering",
        source: TEST_SOURCE,
        durationNs: 3_500_000_000,
        metadata: null,
      },
      {
        timestamp: at("10:00"),
        name: "safety.collision",
        source: TEST_SOURCE,
        durationNs: 0,
        metadata: null,
      },
    ]);
  });

  it.each([
    [`, filter: { name: { eq: "safety.collision" } }`, ["safety.collision"]],
    [`, filter: { name: { startsWith: "behavior." } }`, ["behavior.harshBraking", "behavior.harshCornering"]],
    [
      `, filter: { name: { notIn: ["safety.collision"] , neq: "behavior.harshBraking" } }`,
      ["behavior.harshCornering"],
    ],
    [
      `, filter: { name: { or: [{ eq: "safety.collision" }, { eq: "behavior.harshBraking" }] } }`,
      ["behavior.harshBraking", "safety.collision"],
    ],
    [`, filter: { source: { eq: "${OTHER_SOURCE}" } }`, []],
    [
      `, filter: { source: { in: ["${TEST_SOURCE}"] }, name: { in: ["safety.collision"] } }`,
      ["safety.collision"],
    ],
  ])("filter%s", async (filter, names) => {
    const body = await events(filter);
    expect(body.data.events.map((e: { name: string }) => e.name)).toEqual(names);
  });
});

describe("limits", () => {
  const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: speed(agg: MAX)`).join(" ");
  const query = (n: number) =>
    `{ signals(tokenId: ${tokenId}, interval: "1h", from: "${at("08:00")}", to: "${at("12:00")}") { ${aliases(n)} } }`;

  it("complexity 100 (1 per selected field) is allowed", async () => {
    const answer = await telemetryQuery(app, query(99), { token });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.signals[0].a98).toBe(90);
  });

  it("complexity 101 is refused before execution (HTTP 422)", async () => {
    const answer = await telemetryQuery(app, query(100), { token });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        message: "operation has complexity 101, which exceeds the limit of 100",
        extensions: expect.objectContaining({ code: "COMPLEXITY_LIMIT_EXCEEDED" }),
      }),
    ]);
  });

  it("a fragment counts at each place it is spread; introspection is free", async () => {
    const fragment = `fragment F on SignalCollection { ${Array.from({ length: 30 }, (_, i) => `s${i}: speed { value }`).join(" ")} }`;
    // 2 × (signalsLatest 1 + 30 × (speed 1 + value 1)) = 122.
    const twice = `{ a: signalsLatest(tokenId: ${tokenId}) { ...F } b: signalsLatest(tokenId: ${tokenId}) { ...F } } ${fragment}`;
    const answer = await telemetryQuery(app, twice, { token });
    expect(answer.status).toBe(422);
    expect(answer.body.errors?.[0]?.message).toBe(
      "operation has complexity 122, which exceeds the limit of 100",
    );
    const introspection = await telemetryQuery(
      app,
      "{ __schema { types { name fields { name args { name type { name kind ofType { name kind } } } } } } }",
    );
    expect(introspection.status).toBe(200);
  });

  it("an invalid document is HTTP 422", async () => {
    const answer = await telemetryQuery(
      app,
      `{ signalsLatest(tokenId: ${tokenId}) { noSuchSignal { value } } }`,
      {
        token,
      },
    );
    expect(answer.status).toBe(422);
    const unparseable = await telemetryQuery(app, "{ signalsLatest(", { token });
    expect(unparseable.status).toBe(422);
  });
});
