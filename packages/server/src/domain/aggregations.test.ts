import { describe, expect, it } from "vitest";
import {
  aggregateFloat,
  aggregateLocation,
  aggregateString,
  bucketStart,
  FLOAT_AGGREGATIONS,
  groupByBucket,
  seededRandom,
} from "./aggregations.ts";

// Hand-computed fixtures: values in ascending time order.
const floats = [4, 10, 1, 7];
const strings = ["P0300", "P0420", "P0300", "U0100", "P0420", "P0300"];
const locations = [
  { latitude: 52.5, longitude: 13.4, hdop: 1 },
  { latitude: 52.6, longitude: 13.2, hdop: 3 },
  { latitude: 52.4, longitude: 13.3, hdop: 2 },
];

describe("aggregateFloat", () => {
  it.each([
    ["AVG", 5.5], // (4 + 10 + 1 + 7) / 4
    ["MED", 5.5], // sorted 1 4 7 10: (4 + 7) / 2
    ["MAX", 10],
    ["MIN", 1],
    ["FIRST", 4],
    ["LAST", 7],
  ] as const)("%s of 4 10 1 7 = %d", (agg, expected) => {
    expect(aggregateFloat(floats, agg)).toBe(expected);
  });

  it("MED of an odd count is the middle value", () => {
    expect(aggregateFloat([9, 2, 5], "MED")).toBe(5);
  });

  it("RAND is a member of the bucket, the same one for the same seed", () => {
    const picks = Array.from({ length: 50 }, (_, seed) => aggregateFloat(floats, "RAND", seededRandom(seed)));
    for (const pick of picks) expect(floats).toContain(pick);
    expect(new Set(picks).size).toBe(4);
    expect(aggregateFloat(floats, "RAND", seededRandom(7))).toBe(
      aggregateFloat(floats, "RAND", seededRandom(7)),
    );
    // Pinned: mulberry32(1)'s first draw is 0.6270739405881613 → index 2.
    expect(seededRandom(1)()).toBeCloseTo(0.6270739405881613, 15);
    expect(aggregateFloat(floats, "RAND", seededRandom(1))).toBe(1);
  });

  it("an empty bucket has no value", () => {
    for (const agg of FLOAT_AGGREGATIONS) expect(aggregateFloat([], agg)).toBeUndefined();
  });
});

describe("aggregateString", () => {
  it.each([
    ["TOP", "P0300"], // 3× P0300, 2× P0420, 1× U0100
    ["UNIQUE", "P0300,P0420,U0100"], // in order of first appearance
    ["FIRST", "P0300"],
    ["LAST", "P0300"],
  ] as const)("%s = %s", (agg, expected) => {
    expect(aggregateString(strings, agg)).toBe(expected);
  });

  it("TOP breaks a tie by the value seen first", () => {
    expect(aggregateString(["B", "A", "A", "B"], "TOP")).toBe("B");
  });

  it("LAST is the latest", () => {
    expect(aggregateString(["a", "b", "c"], "LAST")).toBe("c");
  });

  it("RAND is a member, pinned by the seed", () => {
    for (let seed = 0; seed < 20; seed++)
      expect(strings).toContain(aggregateString(strings, "RAND", seededRandom(seed)));
    expect(aggregateString(strings, "RAND", seededRandom(1))).toBe(strings[3]);
  });
});

describe("aggregateLocation", () => {
  it("AVG is the component-wise mean of latitude, longitude and HDOP", () => {
    const avg = aggregateLocation(locations, "AVG")!;
    expect(avg.latitude).toBeCloseTo(52.5, 12);
    expect(avg.longitude).toBeCloseTo(13.3, 12);
    expect(avg.hdop).toBe(2);
  });

  it("FIRST, LAST and RAND", () => {
    expect(aggregateLocation(locations, "FIRST")).toEqual(locations[0]);
    expect(aggregateLocation(locations, "LAST")).toEqual(locations[2]);
    expect(aggregateLocation(locations, "RAND", seededRandom(1))).toEqual(locations[1]);
  });
});

describe("buckets aligned on from", () => {
  const from = Date.parse("2025-06-01T10:07:00Z");
  const hour = 3_600_000;

  it("bucketStart is from + k·interval, the end excluded", () => {
    expect(bucketStart(from, from, hour)).toBe(from);
    expect(bucketStart(from + hour - 1, from, hour)).toBe(from);
    expect(bucketStart(from + hour, from, hour)).toBe(from + hour);
    expect(bucketStart(from + 5 * hour + 17, from, hour)).toBe(from + 5 * hour);
  });

  it("groupByBucket keeps ascending order and omits empty buckets", () => {
    const points = [0, 10, hour, 3 * hour + 5].map((dt) => ({ timestamp: from + dt }));
    const grouped = groupByBucket(points, from, hour);
    expect([...grouped.keys()]).toEqual([from, from + hour, from + 3 * hour]);
    expect(grouped.get(from)).toHaveLength(2);
  });
});
