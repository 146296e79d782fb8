import type { Coordinates } from "./geo.ts";

/**
 * The aggregations of the Telemetry API's `signals` query (telemetry-api.md §4) over the points of
 * one time bucket, and the bucketing itself. Points come in ascending by timestamp; FIRST and LAST
 * are the earliest and the latest of them (the first and the last of equal timestamps).
 */

export const FLOAT_AGGREGATIONS = ["AVG", "MED", "MAX", "MIN", "RAND", "FIRST", "LAST"] as const;
export const STRING_AGGREGATIONS = ["RAND", "TOP", "UNIQUE", "FIRST", "LAST"] as const;
export const LOCATION_AGGREGATIONS = ["AVG", "RAND", "FIRST", "LAST"] as const;

export type FloatAggregation = (typeof FLOAT_AGGREGATIONS)[number];
export type StringAggregation = (typeof STRING_AGGREGATIONS)[number];
export type LocationAggregation = (typeof LOCATION_AGGREGATIONS)[number];

/** A source of uniform numbers in [0, 1): `Math.random`, or `seededRandom(seed)` for repeatable results. */
export type Random = () => number;

/** Mulberry32: a small, fast PRNG, so that tests can pin what RAND picks. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(values: readonly T[], random: Random): T {
  return values[Math.min(values.length - 1, Math.floor(random() * values.length))]!;
}

/** The aggregate of a bucket's values; undefined for an empty bucket. */
export function aggregateFloat(
  values: readonly number[],
  agg: FloatAggregation,
  random: Random = Math.random,
): number | undefined {
  if (values.length === 0) return undefined;
  switch (agg) {
    case "AVG":
      return sum(values) / values.length;
    case "MED": {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = sorted.length >> 1;
      return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
    }
    case "MAX":
      return values.reduce((a, b) => Math.max(a, b));
    case "MIN":
      return values.reduce((a, b) => Math.min(a, b));
    case "RAND":
      return pick(values, random);
    case "FIRST":
      return values[0];
    case "LAST":
      return values[values.length - 1];
  }
}

/**
 * TOP is the most frequent value (ties: the one seen first); UNIQUE the distinct values in order of
 * first appearance, joined with `,`.
 */
export function aggregateString(
  values: readonly string[],
  agg: StringAggregation,
  random: Random = Math.random,
): string | undefined {
  if (values.length === 0) return undefined;
  switch (agg) {
    case "RAND":
      return pick(values, random);
    case "TOP": {
      const counts = new Map<string, number>();
      for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
      let top = values[0]!;
      for (const [value, count] of counts) if (count > counts.get(top)!) top = value;
      return top;
    }
    case "UNIQUE":
      return [...new Set(values)].join(",");
    case "FIRST":
      return values[0];
    case "LAST":
      return values[values.length - 1];
  }
}

/** AVG is the component-wise mean of latitude, longitude and HDOP. */
export function aggregateLocation(
  values: readonly Coordinates[],
  agg: LocationAggregation,
  random: Random = Math.random,
): Coordinates | undefined {
  if (values.length === 0) return undefined;
  switch (agg) {
    case "AVG":
      return {
        latitude: sum(values.map((v) => v.latitude)) / values.length,
        longitude: sum(values.map((v) => v.longitude)) / values.length,
        hdop: sum(values.map((v) => v.hdop)) / values.length,
      };
    case "RAND":
      return pick(values, random);
    case "FIRST":
      return values[0];
    case "LAST":
      return values[values.length - 1];
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** The start of the bucket `[from + k·interval, from + (k+1)·interval)` that holds `timestamp`. */
export function bucketStart(timestamp: number, from: number, intervalMs: number): number {
  return from + Math.floor((timestamp - from) / intervalMs) * intervalMs;
}

/**
 * Groups points (ascending by timestamp, all within [from, to)) by bucket: a map from bucket start
 * to the bucket's points, in ascending bucket order, empty buckets absent.
 */
export function groupByBucket<P extends { timestamp: number }>(
  points: readonly P[],
  from: number,
  intervalMs: number,
): Map<number, P[]> {
  const buckets = new Map<number, P[]>();
  for (const point of points) {
    const start = bucketStart(point.timestamp, from, intervalMs);
    let bucket = buckets.get(start);
    if (!bucket) {
      bucket = [];
      buckets.set(start, bucket);
    }
    bucket.push(point);
  }
  return buckets;
}
