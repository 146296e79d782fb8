/**
 * The shapes the telemetry pieces agree on: the signal store (written by ingestion, read by the
 * Telemetry GraphQL API and, later, vehicle triggers), and the ingestion wire format (used by the
 * simulator and any connection). Times are unix milliseconds.
 */

export interface LocationValue {
  latitude: number;
  longitude: number;
  hdop: number;
}

export type SignalValue = number | string | LocationValue;

export interface SignalPoint {
  tokenId: number;
  name: string;
  timestamp: number;
  /** The connection that produced it: `did:ethr:<chainId>:<checksummed connection address>`. */
  source: string;
  value: SignalValue;
}

export interface EventPoint {
  tokenId: number;
  name: string;
  timestamp: number;
  source: string;
  durationNs: number;
  /** JSON text, or null. */
  metadata: string | null;
}

export interface VinCredential {
  tokenId: number;
  vin: string;
  recordedBy: string;
  recordedAt: number;
  countryCode: string | null;
  validFrom: number;
  validTo: number;
  /** The credential's JSON text. */
  rawVC: string;
}

export interface SignalSummary {
  name: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
}

/** Aggregations the store computes in SQL (float signals, no value filter). */
export type PushdownFloatAggregation = "AVG" | "MAX" | "MIN" | "FIRST" | "LAST";

export interface FloatBucket {
  /** Bucket start: from + k·interval. */
  bucketStart: number;
  values: Partial<Record<PushdownFloatAggregation, number>>;
}

/** Read side of the signal store. `source` narrows to one connection's data. */
export interface TelemetryReader {
  /** The newest point per signal name. */
  latest(tokenId: number, opts?: { source?: string; names?: string[] }): Promise<SignalPoint[]>;
  /** Points of the named signals with from ≤ timestamp < to, ascending by timestamp. */
  range(
    tokenId: number,
    names: string[],
    from: number,
    to: number,
    opts?: { source?: string },
  ): Promise<SignalPoint[]>;
  /** Per-bucket AVG/MAX/MIN/FIRST/LAST of one float signal, buckets aligned on `from`, ascending, empty buckets omitted. */
  aggregateFloat(
    tokenId: number,
    name: string,
    from: number,
    to: number,
    intervalMs: number,
    aggregations: PushdownFloatAggregation[],
    opts?: { source?: string },
  ): Promise<FloatBucket[]>;
  /** Count and first/last time per signal name with stored data. */
  signalSummary(tokenId: number, opts?: { source?: string }): Promise<SignalSummary[]>;
  /** Count and first/last time per event name. */
  eventSummary(tokenId: number): Promise<SignalSummary[]>;
  /** Events with from ≤ timestamp < to, ascending. */
  events(tokenId: number, from: number, to: number): Promise<EventPoint[]>;
  latestVin(tokenId: number): Promise<VinCredential | undefined>;
}

/**
 * `POST /v1/ingest` body (JSON), one vehicle per request, with `Authorization: Bearer <connection
 * credential>`. Timestamps are RFC 3339 strings or unix milliseconds. The answer comes only after
 * the batch has committed: `200 {"accepted": {"signals": n, "events": m}, "duplicates": d}`.
 */
export interface IngestBatch {
  tokenId: number;
  signals?: Array<{ name: string; timestamp: string | number; value: SignalValue }>;
  events?: Array<{
    name: string;
    timestamp: string | number;
    durationNs?: number;
    metadata?: string | Record<string, unknown> | null;
  }>;
  /** A VIN credential observed by the connection. */
  vin?: { vin: string; countryCode?: string | null; recordedAt?: string | number };
}

export interface IngestResult {
  accepted: { signals: number; events: number };
  duplicates: number;
}

/** Limits of one batch. */
export const INGEST_LIMITS = {
  maxSignals: 5000,
  maxEvents: 1000,
  /** Timestamps may be this far in the future (clock skew of the device). */
  futureSkewMs: 5 * 60_000,
  maxBodyBytes: 2 * 1024 * 1024,
} as const;
