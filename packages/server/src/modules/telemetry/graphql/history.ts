import {
  aggregateFloat,
  aggregateLocation,
  aggregateString,
  type FloatAggregation,
  groupByBucket,
  type LocationAggregation,
  type Random,
  type StringAggregation,
} from "../../../domain/aggregations.ts";
import { approximateLocation, type Coordinates } from "../../../domain/geo.ts";
import type { CatalogEntry } from "../../../domain/signals.ts";
import {
  type FloatValueFilter,
  isEmptyFloatFilter,
  type LocationFilter,
  matchesFloatFilter,
  matchesLocationFilter,
} from "../../../domain/value-filters.ts";
import type { PushdownFloatAggregation, SignalPoint, TelemetryReader } from "../contract.ts";

/**
 * The `signals` query's data: every requested (signal, aggregation, filter) under its response
 * key, bucketed on `[from + k·interval, …)`. Float AVG/MAX/MIN/FIRST/LAST without a value filter
 * run in the store (SQL); everything else aggregates the bucket's raw points here.
 */

export type AggregationValue = number | string | Coordinates;

export interface AggregationRequest {
  /** The alias, or the field name. */
  responseKey: string;
  entry: CatalogEntry;
  agg: FloatAggregation | StringAggregation | LocationAggregation;
  filter?: FloatValueFilter | LocationFilter | null;
}

export interface AggregationRow {
  /** Bucket start, unix ms. */
  timestamp: number;
  values: ReadonlyMap<string, AggregationValue>;
}

export interface AggregationQuery {
  tokenId: number;
  from: number;
  to: number;
  intervalMs: number;
  source: string | undefined;
  requests: readonly AggregationRequest[];
  random: Random;
}

const PUSHDOWN = new Set<string>(["AVG", "MAX", "MIN", "FIRST", "LAST"] satisfies PushdownFloatAggregation[]);

function isPushdown(request: AggregationRequest): boolean {
  return (
    request.entry.type === "float" &&
    PUSHDOWN.has(request.agg) &&
    isEmptyFloatFilter(request.filter as FloatValueFilter | null | undefined)
  );
}

/** The stored signal a field reads (the derived approximate location reads the coordinates). */
export function storedName(entry: CatalogEntry): string {
  return entry.derived ? entry.from : entry.name;
}

/** Buckets in ascending order; a bucket is present when any request has a value in it. */
export async function aggregateSignals(
  reader: TelemetryReader,
  query: AggregationQuery,
): Promise<AggregationRow[]> {
  const { tokenId, from, to, intervalMs, source } = query;
  const opts = source === undefined ? {} : { source };
  const perRequest = new Map<string, Map<number, AggregationValue>>();

  const pushdown = query.requests.filter(isPushdown);
  const bySignal = groupBy(pushdown, (request) => request.entry.name);
  const pushdownDone = Promise.all(
    [...bySignal].map(async ([name, requests]) => {
      const aggregations = [...new Set(requests.map((r) => r.agg as PushdownFloatAggregation))];
      const buckets = await reader.aggregateFloat(tokenId, name, from, to, intervalMs, aggregations, opts);
      for (const request of requests) {
        const values = new Map<number, AggregationValue>();
        for (const bucket of buckets) {
          const value = bucket.values[request.agg as PushdownFloatAggregation];
          if (value !== undefined && value !== null) values.set(bucket.bucketStart, value);
        }
        perRequest.set(request.responseKey, values);
      }
    }),
  );
  const inMemory = query.requests.filter((request) => !isPushdown(request));
  const names = [...new Set(inMemory.map((request) => storedName(request.entry)))];
  const [, points] = await Promise.all([
    pushdownDone,
    names.length === 0 ? [] : reader.range(tokenId, names, from, to, opts),
  ]);

  const pointsByName = groupBy(points, (point) => point.name);
  for (const request of inMemory) {
    const values = new Map<number, AggregationValue>();
    const selected = selectPoints(pointsByName.get(storedName(request.entry)) ?? [], request);
    for (const [start, bucket] of groupByBucket(selected, from, intervalMs)) {
      const value = aggregateBucket(bucket, request, query.random);
      if (value !== undefined) values.set(start, value);
    }
    perRequest.set(request.responseKey, values);
  }

  const starts = new Set<number>();
  for (const values of perRequest.values()) for (const start of values.keys()) starts.add(start);
  return [...starts]
    .sort((a, b) => a - b)
    .map((start) => {
      const values = new Map<string, AggregationValue>();
      for (const [key, byStart] of perRequest) {
        const value = byStart.get(start);
        if (value !== undefined) values.set(key, value);
      }
      return { timestamp: start, values };
    });
}

/** The points of the field's type that pass its value filter. */
function selectPoints(points: readonly SignalPoint[], request: AggregationRequest): SignalPoint[] {
  switch (request.entry.type) {
    case "float": {
      const filter = request.filter as FloatValueFilter | null | undefined;
      return points.filter(
        (p) => typeof p.value === "number" && (!filter || matchesFloatFilter(p.value, filter)),
      );
    }
    case "string":
      return points.filter((p) => typeof p.value === "string");
    case "location": {
      const filter = request.filter as LocationFilter | null | undefined;
      return points.filter(
        (p) => isCoordinates(p.value) && (!filter || matchesLocationFilter(p.value, filter)),
      );
    }
  }
}

function aggregateBucket(
  bucket: readonly SignalPoint[],
  request: AggregationRequest,
  random: Random,
): AggregationValue | undefined {
  switch (request.entry.type) {
    case "float":
      return aggregateFloat(
        bucket.map((p) => p.value as number),
        request.agg as FloatAggregation,
        random,
      );
    case "string":
      return aggregateString(
        bucket.map((p) => p.value as string),
        request.agg as StringAggregation,
        random,
      );
    case "location": {
      const value = aggregateLocation(
        bucket.map((p) => p.value as Coordinates),
        request.agg as LocationAggregation,
        random,
      );
      return value && request.entry.derived ? approximateLocation(value) : value;
    }
  }
}

export function isCoordinates(value: unknown): value is Coordinates {
  return typeof value === "object" && value !== null && "latitude" in value && "longitude" in value;
}

/** `Map.groupBy` (not in Node 20). */
function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
