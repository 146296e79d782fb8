import {
  isBooleanSignal,
  isKnownEvent,
  type SignalDefinition,
  signalByName,
  valueMatchesType,
} from "../../domain/signals.ts";
import { invalidArgument, type ServiceError } from "../../errors.ts";
import { INGEST_LIMITS, type LocationValue, type SignalValue } from "./contract.ts";

/**
 * Validation of an ingestion batch (`IngestBatch`, contract.ts) into the rows the store writes.
 * Every problem is an INVALID_ARGUMENT error whose message starts with the path of the entry
 * (`signals[3].value: expected a number for speed`), so a connection can fix exactly that entry.
 */

export interface ParsedSignal {
  name: string;
  ts: number;
  value: SignalValue;
}

export interface ParsedEvent {
  name: string;
  ts: number;
  durationNs: number;
  metadata: string | null;
}

export interface ParsedBatch {
  tokenId: number;
  signals: ParsedSignal[];
  events: ParsedEvent[];
  vin?: { vin: string; countryCode: string | null; recordedAt: number };
}

export const MAX_STRING_LENGTH = 1024;
export const MAX_METADATA_LENGTH = 8192;
/** The earliest timestamp accepted: 2000-01-01T00:00:00Z (earlier ones are almost always seconds, not milliseconds). */
export const MIN_TIMESTAMP = Date.UTC(2000, 0, 1);
const MAX_TOKEN_ID = 2 ** 31 - 1;

const BATCH_FIELDS = new Set(["tokenId", "signals", "events", "vin"]);
const SIGNAL_FIELDS = new Set(["name", "timestamp", "value"]);
const EVENT_FIELDS = new Set(["name", "timestamp", "durationNs", "metadata"]);
const VIN_FIELDS = new Set(["vin", "countryCode", "recordedAt"]);
const LOCATION_FIELDS = new Set(["latitude", "longitude", "hdop"]);

function fail(path: string, message: string): ServiceError {
  return invalidArgument(`${path}: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkFields(value: Record<string, unknown>, allowed: Set<string>, path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw fail(path, `unknown field "${key.slice(0, 64)}"`);
  }
}

/** The batch's vehicle, checked before anything else is (authorization needs it first). */
export function parseBatchTokenId(body: unknown): number {
  if (!isObject(body)) throw invalidArgument("The body must be a JSON object.");
  const tokenId = body.tokenId;
  if (typeof tokenId !== "number" || !Number.isInteger(tokenId) || tokenId < 1 || tokenId > MAX_TOKEN_ID)
    throw fail("tokenId", "expected a positive integer");
  return tokenId;
}

/** Validates a whole batch; `now` bounds the timestamps (INGEST_LIMITS.futureSkewMs ahead at most). */
export function parseIngestBatch(body: unknown, now: number): ParsedBatch {
  const tokenId = parseBatchTokenId(body);
  const batch = body as Record<string, unknown>;
  checkFields(batch, BATCH_FIELDS, "batch");
  const latest = now + INGEST_LIMITS.futureSkewMs;

  const signals = optionalArray(batch.signals, "signals", INGEST_LIMITS.maxSignals);
  const parsedSignals: ParsedSignal[] = new Array(signals.length);
  const seenSignals = new Map<string, number>();
  for (let i = 0; i < signals.length; i++) {
    const path = `signals[${i}]`;
    const entry = signals[i];
    if (!isObject(entry)) throw fail(path, "expected an object {name, timestamp, value}");
    checkFields(entry, SIGNAL_FIELDS, path);
    const signal = knownSignal(entry.name, `${path}.name`);
    const ts = parseTimestamp(entry.timestamp, `${path}.timestamp`, latest);
    const value = parseValue(signal, entry.value, `${path}.value`);
    const key = `${signal.name}\u0000${ts}`;
    const first = seenSignals.get(key);
    if (first !== undefined)
      throw fail(path, `duplicate of signals[${first}] (${signal.name} at ${new Date(ts).toISOString()})`);
    seenSignals.set(key, i);
    parsedSignals[i] = { name: signal.name, ts, value };
  }

  const events = optionalArray(batch.events, "events", INGEST_LIMITS.maxEvents);
  const parsedEvents: ParsedEvent[] = new Array(events.length);
  const seenEvents = new Map<string, number>();
  for (let i = 0; i < events.length; i++) {
    const path = `events[${i}]`;
    const entry = events[i];
    if (!isObject(entry)) throw fail(path, "expected an object {name, timestamp, durationNs?, metadata?}");
    checkFields(entry, EVENT_FIELDS, path);
    if (typeof entry.name !== "string" || !isKnownEvent(entry.name))
      throw fail(`${path}.name`, `unknown event name ${describe(entry.name)}`);
    const ts = parseTimestamp(entry.timestamp, `${path}.timestamp`, latest);
    const durationNs = entry.durationNs ?? 0;
    if (typeof durationNs !== "number" || !Number.isSafeInteger(durationNs) || durationNs < 0)
      throw fail(`${path}.durationNs`, "expected a non-negative integer number of nanoseconds");
    const metadata = parseMetadata(entry.metadata, `${path}.metadata`);
    const key = `${entry.name}\u0000${ts}`;
    const first = seenEvents.get(key);
    if (first !== undefined)
      throw fail(path, `duplicate of events[${first}] (${entry.name} at ${new Date(ts).toISOString()})`);
    seenEvents.set(key, i);
    parsedEvents[i] = { name: entry.name, ts, durationNs, metadata };
  }

  const parsed: ParsedBatch = { tokenId, signals: parsedSignals, events: parsedEvents };
  if (batch.vin !== undefined && batch.vin !== null) parsed.vin = parseVin(batch.vin, now, latest);
  return parsed;
}

function optionalArray(value: unknown, path: string, max: number): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fail(path, "expected an array");
  if (value.length > max) throw fail(path, `at most ${max} entries per batch, got ${value.length}`);
  return value;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  return value === undefined ? "(missing)" : typeof value;
}

function knownSignal(name: unknown, path: string): SignalDefinition {
  const signal = typeof name === "string" ? signalByName(name) : undefined;
  if (!signal) throw fail(path, `unknown signal name ${describe(name)}`);
  return signal;
}

function parseValue(signal: SignalDefinition, value: unknown, path: string): SignalValue {
  switch (signal.type) {
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value))
        throw fail(path, `expected a number for ${signal.name}`);
      if (isBooleanSignal(signal) && !valueMatchesType(signal, value))
        throw fail(path, `expected 0 or 1 for ${signal.name}`);
      return value;
    case "string":
      if (typeof value !== "string") throw fail(path, `expected a string for ${signal.name}`);
      if (value.length > MAX_STRING_LENGTH)
        throw fail(path, `at most ${MAX_STRING_LENGTH} characters for ${signal.name}, got ${value.length}`);
      return value;
    case "location":
      return parseLocation(signal, value, path);
  }
}

function parseLocation(signal: SignalDefinition, value: unknown, path: string): LocationValue {
  if (!isObject(value)) throw fail(path, `expected {latitude, longitude, hdop} for ${signal.name}`);
  checkFields(value, LOCATION_FIELDS, path);
  const { latitude, longitude, hdop } = value;
  if (!finiteIn(latitude, -90, 90)) throw fail(`${path}.latitude`, "expected a number in [-90, 90]");
  if (!finiteIn(longitude, -180, 180)) throw fail(`${path}.longitude`, "expected a number in [-180, 180]");
  if (!finiteIn(hdop, 0, Number.MAX_VALUE)) throw fail(`${path}.hdop`, "expected a number ≥ 0");
  return { latitude, longitude, hdop };
}

function finiteIn(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= min && value <= max;
}

function parseMetadata(value: unknown, path: string): string | null {
  if (value === undefined || value === null) return null;
  let text: string;
  if (typeof value === "string") {
    try {
      JSON.parse(value);
    } catch {
      throw fail(path, "expected a JSON object or JSON text");
    }
    text = value;
  } else if (isObject(value)) {
    text = JSON.stringify(value);
  } else {
    throw fail(path, "expected a JSON object or JSON text");
  }
  if (text.length > MAX_METADATA_LENGTH)
    throw fail(path, `at most ${MAX_METADATA_LENGTH} characters of JSON`);
  return text;
}

const VIN = /^[A-HJ-NPR-Z0-9]{11,17}$/;
const COUNTRY = /^[A-Z]{2,3}$/;

function parseVin(value: unknown, now: number, latest: number): NonNullable<ParsedBatch["vin"]> {
  if (!isObject(value)) throw fail("vin", "expected an object {vin, countryCode?, recordedAt?}");
  checkFields(value, VIN_FIELDS, "vin");
  const vin = typeof value.vin === "string" ? value.vin.trim().toUpperCase() : undefined;
  if (!vin || !VIN.test(vin))
    throw fail(
      "vin.vin",
      "expected a vehicle identification number (11 to 17 letters and digits, no I, O or Q)",
    );
  let countryCode: string | null = null;
  if (value.countryCode !== undefined && value.countryCode !== null) {
    if (typeof value.countryCode !== "string" || !COUNTRY.test(value.countryCode.toUpperCase()))
      throw fail("vin.countryCode", "expected an ISO 3166 country code such as USA or DE");
    countryCode = value.countryCode.toUpperCase();
  }
  const recordedAt =
    value.recordedAt === undefined || value.recordedAt === null
      ? now
      : parseTimestamp(value.recordedAt, "vin.recordedAt", latest);
  return { vin, countryCode, recordedAt };
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** An RFC 3339 string or unix milliseconds, between 2000 and `latest`. */
export function parseTimestamp(value: unknown, path: string, latest: number): number {
  let ms: number | undefined;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw fail(path, "expected integer unix milliseconds");
    ms = value;
  } else if (typeof value === "string") {
    ms = parseRfc3339(value);
    if (ms === undefined)
      throw fail(path, `expected an RFC 3339 time or unix milliseconds, got ${describe(value)}`);
  } else {
    throw fail(path, "expected an RFC 3339 time or unix milliseconds");
  }
  if (ms < MIN_TIMESTAMP) throw fail(path, "before 2000-01-01 (timestamps are unix milliseconds)");
  if (ms > latest)
    throw fail(
      path,
      `${new Date(ms).toISOString()} is in the future (more than ${INGEST_LIMITS.futureSkewMs / 1000} s ahead)`,
    );
  return ms;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (monthDays === undefined || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  let offset = 0;
  if (!m[8]) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offset = (m[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset;
}
