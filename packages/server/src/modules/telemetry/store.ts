import { type Kysely, type Selectable, sql } from "kysely";
import { invalidArgument } from "../../errors.ts";
import { isPostgres } from "../../store/engine.ts";
import type { Database, SignalHistoryTable, VinCredentialsTable } from "../../store/schema.ts";
import type {
  EventPoint,
  FloatBucket,
  IngestBatch,
  IngestResult,
  PushdownFloatAggregation,
  SignalPoint,
  SignalSummary,
  SignalValue,
  TelemetryReader,
  VinCredential,
} from "./contract.ts";
import { type ParsedBatch, type ParsedEvent, type ParsedSignal, parseIngestBatch } from "./ingest-batch.ts";

/**
 * The signal store: history and latest value per (vehicle, signal, source), events and VIN
 * credentials, on either engine. Ingestion writes a whole batch in one transaction and answers only
 * after it committed; every insert is ON CONFLICT DO NOTHING on (vehicle, name, timestamp, source),
 * so a retried batch changes nothing and reports its points as duplicates.
 */

export interface SignalStoreOptions {
  /** The vehicle's DID (`did:erc721:…`), the subject of its VIN credentials. */
  vehicleDid(tokenId: number): string;
  now?: () => number;
  /** Where a commit listener's failure goes (default: nowhere). */
  onListenerError?: (err: unknown) => void;
}

/** Who wrote a batch: the connection's source DID. */
export interface IngestSource {
  source: string;
}

/**
 * What a committed batch brought that is news for its vehicle: the points newer than the vehicle's
 * newest stored point of the same signal (any source) before the batch, and the events newer than
 * its newest event of the same name — so retried batches, backfilled history and late points are
 * stored but are not news. Each list is ascending by time.
 */
export interface CommittedBatch {
  tokenId: number;
  source: string;
  signals: ParsedSignal[];
  events: ParsedEvent[];
}

/** Told about every batch, of the vehicles it wants, after it committed (vehicle triggers). */
export interface CommitListener {
  /** Cheap and synchronous: whether this vehicle's batches interest the listener at all. */
  wants(tokenId: number): boolean;
  /** Awaited before `write` returns; a rejection is reported to `onListenerError`, never to the writer. */
  committed(batch: CommittedBatch): Promise<void>;
}

/** How long a recorded VIN credential is valid. */
export const VIN_CREDENTIAL_VALIDITY_MS = 7 * 86_400_000;

// Rows per INSERT statement: 9 columns × 1000 stays well under both engines' parameter limits.
const CHUNK = 1000;

type ValueColumns = Pick<
  SignalHistoryTable,
  "value_number" | "value_string" | "latitude" | "longitude" | "hdop"
>;

function valueColumns(value: SignalValue): ValueColumns {
  if (typeof value === "number")
    return { value_number: value, value_string: null, latitude: null, longitude: null, hdop: null };
  if (typeof value === "string")
    return { value_number: null, value_string: value, latitude: null, longitude: null, hdop: null };
  return {
    value_number: null,
    value_string: null,
    latitude: value.latitude,
    longitude: value.longitude,
    hdop: value.hdop,
  };
}

function storedValue(row: ValueColumns): SignalValue {
  if (row.latitude !== null && row.longitude !== null)
    return { latitude: Number(row.latitude), longitude: Number(row.longitude), hdop: Number(row.hdop ?? 0) };
  if (row.value_string !== null) return row.value_string;
  return Number(row.value_number);
}

function toPoint(row: Selectable<SignalHistoryTable>): SignalPoint {
  return {
    tokenId: row.token_id,
    name: row.name,
    timestamp: Number(row.ts),
    source: row.source,
    value: storedValue(row),
  };
}

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function inserted(result: { numInsertedOrUpdatedRows?: bigint } | undefined): number {
  return Number(result?.numInsertedOrUpdatedRows ?? 0n);
}

/** Per name, the newest stored timestamp of the batch's signals and events before it was written. */
interface NewestBefore {
  signals: Map<string, number>;
  events: Map<string, number>;
}

async function newestBefore(
  trx: Kysely<Database>,
  tokenId: number,
  batch: ParsedBatch,
): Promise<NewestBefore> {
  const signalNames = [...new Set(batch.signals.map((s) => s.name))];
  const eventNames = [...new Set(batch.events.map((e) => e.name))];
  const signals = new Map<string, number>();
  const events = new Map<string, number>();
  if (signalNames.length > 0) {
    const rows = await trx
      .selectFrom("signal_latest")
      .select(["name", (eb) => eb.fn.max("ts").as("ts")])
      .where("token_id", "=", tokenId)
      .where("name", "in", signalNames)
      .groupBy("name")
      .execute();
    for (const row of rows) signals.set(row.name, Number(row.ts));
  }
  if (eventNames.length > 0) {
    const rows = await trx
      .selectFrom("vehicle_events")
      .select(["name", (eb) => eb.fn.max("ts").as("ts")])
      .where("token_id", "=", tokenId)
      .where("name", "in", eventNames)
      .groupBy("name")
      .execute();
    for (const row of rows) events.set(row.name, Number(row.ts));
  }
  return { signals, events };
}

function committedNews(batch: ParsedBatch, source: string, newest: NewestBefore): CommittedBatch {
  const isNew = (seen: Map<string, number>, name: string, ts: number) => ts > (seen.get(name) ?? -Infinity);
  return {
    tokenId: batch.tokenId,
    source,
    signals: batch.signals.filter((s) => isNew(newest.signals, s.name, s.ts)).sort((a, b) => a.ts - b.ts),
    events: batch.events.filter((e) => isNew(newest.events, e.name, e.ts)).sort((a, b) => a.ts - b.ts),
  };
}

/** The VIN credential document: a small verifiable-credential-like JSON (not signed). */
export function vinCredentialDocument(input: {
  vehicleDid: string;
  tokenId: number;
  vin: string;
  countryCode: string | null;
  recordedBy: string;
  recordedAt: number;
  validFrom: number;
  validTo: number;
}): string {
  return JSON.stringify({
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    type: ["VerifiableCredential", "Vehicle"],
    issuer: input.recordedBy,
    validFrom: new Date(input.validFrom).toISOString(),
    validTo: new Date(input.validTo).toISOString(),
    credentialSubject: {
      id: input.vehicleDid,
      vehicleTokenId: input.tokenId,
      vehicleIdentificationNumber: input.vin,
      recordedBy: input.recordedBy,
      recordedAt: new Date(input.recordedAt).toISOString(),
      countryCode: input.countryCode,
    },
  });
}

export class SignalStore implements TelemetryReader {
  private readonly now: () => number;
  private readonly postgres: boolean;
  private listeners: CommitListener[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: SignalStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.postgres = isPostgres(db);
  }

  // ---- write side ----

  /**
   * Registers a listener for committed batches; returns its removal. With no listener that wants a
   * batch's vehicle, writing costs exactly what it did without.
   */
  onCommitted(listener: CommitListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Validates the batch (INVALID_ARGUMENT naming the entry, nothing stored) and writes it in one transaction. */
  async ingest(batch: IngestBatch, connection: IngestSource): Promise<IngestResult> {
    return this.write(parseIngestBatch(batch, this.now()), connection.source);
  }

  /** Writes a validated batch in one transaction. */
  async write(batch: ParsedBatch, source: string): Promise<IngestResult> {
    const { tokenId } = batch;
    // Sorted, so that concurrent transactions take row locks in one order (no deadlocks on PostgreSQL).
    const history = batch.signals
      .map((s) => ({ token_id: tokenId, name: s.name, ts: s.ts, source, ...valueColumns(s.value) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.ts - b.ts));
    const newest = new Map<string, (typeof history)[number]>();
    for (const row of history) {
      const seen = newest.get(row.name);
      if (!seen || row.ts > seen.ts) newest.set(row.name, row);
    }
    const latest = [...newest.values()];
    const events = batch.events
      .map((e) => ({
        token_id: tokenId,
        name: e.name,
        ts: e.ts,
        source,
        duration_ns: e.durationNs,
        metadata: e.metadata,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.ts - b.ts));
    const vin = batch.vin && this.vinRow(tokenId, source, batch.vin);
    const listeners = this.listeners.length === 0 ? [] : this.listeners.filter((l) => l.wants(tokenId));
    let before: NewestBefore | undefined;

    const result = await this.db.transaction().execute(async (trx) => {
      // Read before this batch's own rows land: what counts as news for the listeners.
      if (listeners.length > 0) before = await newestBefore(trx, tokenId, batch);
      let signals = 0;
      if (this.postgres) signals = await insertHistoryUnnest(trx, history);
      else
        for (const rows of chunks(history))
          signals += inserted(
            await trx
              .insertInto("signal_history")
              .values(rows)
              .onConflict((oc) => oc.doNothing())
              .executeTakeFirst(),
          );
      // The latest row moves only forward: an older or equal point leaves it as it is.
      for (const rows of chunks(latest))
        await trx
          .insertInto("signal_latest")
          .values(rows)
          .onConflict((oc) =>
            oc
              .columns(["token_id", "name", "source"])
              .doUpdateSet((eb) => ({
                ts: eb.ref("excluded.ts"),
                value_number: eb.ref("excluded.value_number"),
                value_string: eb.ref("excluded.value_string"),
                latitude: eb.ref("excluded.latitude"),
                longitude: eb.ref("excluded.longitude"),
                hdop: eb.ref("excluded.hdop"),
              }))
              .whereRef("signal_latest.ts", "<", "excluded.ts"),
          )
          .execute();
      let eventCount = 0;
      for (const rows of chunks(events))
        eventCount += inserted(
          await trx
            .insertInto("vehicle_events")
            .values(rows)
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst(),
        );
      if (vin)
        await trx
          .insertInto("vin_credentials")
          .values(vin)
          .onConflict((oc) => oc.doNothing())
          .execute();
      return {
        accepted: { signals, events: eventCount },
        duplicates: history.length - signals + (events.length - eventCount),
      };
    });
    if (before) await this.announce(listeners, committedNews(batch, source, before));
    return result;
  }

  private async announce(listeners: CommitListener[], news: CommittedBatch): Promise<void> {
    if (news.signals.length === 0 && news.events.length === 0) return;
    for (const listener of listeners) {
      try {
        await listener.committed(news);
      } catch (err) {
        this.options.onListenerError?.(err);
      }
    }
  }

  private vinRow(
    tokenId: number,
    recordedBy: string,
    vin: NonNullable<ParsedBatch["vin"]>,
  ): Selectable<VinCredentialsTable> {
    const validFrom = vin.recordedAt;
    const validTo = validFrom + VIN_CREDENTIAL_VALIDITY_MS;
    return {
      token_id: tokenId,
      recorded_by: recordedBy,
      recorded_at: vin.recordedAt,
      vin: vin.vin,
      country_code: vin.countryCode,
      valid_from: validFrom,
      valid_to: validTo,
      raw_vc: vinCredentialDocument({
        vehicleDid: this.options.vehicleDid(tokenId),
        tokenId,
        vin: vin.vin,
        countryCode: vin.countryCode,
        recordedBy,
        recordedAt: vin.recordedAt,
        validFrom,
        validTo,
      }),
    };
  }

  /**
   * Deletes history and events older than `cutoff` (unix ms); latest values and VIN credentials
   * stay. On PostgreSQL one delete, found through the BRIN index on ts; SQLite has no index on ts
   * alone, so it deletes series by series along the primary key, in short transactions that let
   * ingestion go on in between.
   */
  async pruneOlderThan(cutoff: number): Promise<{ signals: number; events: number }> {
    let signals = 0;
    if (this.postgres) {
      signals = Number(
        (await this.db.deleteFrom("signal_history").where("ts", "<", cutoff).executeTakeFirst())
          .numDeletedRows,
      );
    } else {
      const series = await this.db
        .selectFrom("signal_latest")
        .select(["token_id", "name"])
        .distinct()
        .execute();
      for (const { token_id, name } of series) {
        const result = await this.db
          .deleteFrom("signal_history")
          .where("token_id", "=", token_id)
          .where("name", "=", name)
          .where("ts", "<", cutoff)
          .executeTakeFirst();
        signals += Number(result.numDeletedRows);
      }
    }
    const events = Number(
      (await this.db.deleteFrom("vehicle_events").where("ts", "<", cutoff).executeTakeFirst()).numDeletedRows,
    );
    return { signals, events };
  }

  // ---- read side (TelemetryReader) ----

  async latest(tokenId: number, opts: { source?: string; names?: string[] } = {}): Promise<SignalPoint[]> {
    if (opts.names?.length === 0) return [];
    let query = this.db.selectFrom("signal_latest").selectAll().where("token_id", "=", tokenId);
    if (opts.source !== undefined) query = query.where("source", "=", opts.source);
    if (opts.names) query = query.where("name", "in", opts.names);
    const rows = await query.execute();
    // One row per source: the newest wins (ties by source, so the answer is stable).
    const newest = new Map<string, (typeof rows)[number]>();
    for (const row of rows) {
      const seen = newest.get(row.name);
      if (!seen || row.ts > seen.ts || (row.ts === seen.ts && row.source < seen.source))
        newest.set(row.name, row);
    }
    return [...newest.values()].map(toPoint).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async range(
    tokenId: number,
    names: string[],
    from: number,
    to: number,
    opts: { source?: string } = {},
  ): Promise<SignalPoint[]> {
    if (names.length === 0 || from >= to) return [];
    let query = this.db
      .selectFrom("signal_history")
      .selectAll()
      .where("token_id", "=", tokenId)
      .where("name", "in", names)
      .where("ts", ">=", from)
      .where("ts", "<", to);
    if (opts.source !== undefined) query = query.where("source", "=", opts.source);
    const rows = await query.orderBy("ts").orderBy("name").orderBy("source").execute();
    return rows.map(toPoint);
  }

  /**
   * Buckets `[from + k·interval, from + (k+1)·interval)`, computed in SQL. The bucket number is an
   * integer division on both engines (the bounds are cast to bigint: SQLite would otherwise divide
   * the bound doubles as reals). FIRST/LAST are the values at the bucket's earliest and latest
   * timestamp, looked up along the primary key (by source on a tie).
   */
  async aggregateFloat(
    tokenId: number,
    name: string,
    from: number,
    to: number,
    intervalMs: number,
    aggregations: PushdownFloatAggregation[],
    opts: { source?: string } = {},
  ): Promise<FloatBucket[]> {
    if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0)
      throw invalidArgument("interval is not a positive integer");
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) throw invalidArgument("invalid time range");
    if (from >= to || aggregations.length === 0) return [];
    const wanted = new Set(aggregations);
    const source = opts.source;

    const grouped = this.db
      .selectFrom("signal_history")
      .where("token_id", "=", tokenId)
      .where("name", "=", name)
      .where("ts", ">=", from)
      .where("ts", "<", to)
      .$if(source !== undefined, (q) => q.where("source", "=", source!))
      .select((eb) => [
        sql<number>`(ts - cast(${from} as bigint)) / cast(${intervalMs} as bigint)`.as("bucket"),
        eb.fn.avg<number>("value_number").as("avg"),
        eb.fn.max<number>("value_number").as("max"),
        eb.fn.min<number>("value_number").as("min"),
        eb.fn.min<number>("ts").as("first_ts"),
        eb.fn.max<number>("ts").as("last_ts"),
      ])
      .groupBy(sql`bucket`);

    const valueAt = (tsColumn: "g.first_ts" | "g.last_ts") =>
      this.db
        .selectFrom("signal_history as h")
        .select("h.value_number")
        .where("h.token_id", "=", tokenId)
        .where("h.name", "=", name)
        .where("h.ts", "=", sql.ref<number>(tsColumn))
        .$if(source !== undefined, (q) => q.where("h.source", "=", source!))
        .orderBy("h.source")
        .limit(1);

    const rows = await this.db
      .selectFrom(grouped.as("g"))
      .select(["g.bucket", "g.avg", "g.max", "g.min"])
      .$if(wanted.has("FIRST"), (q) => q.select(valueAt("g.first_ts").as("first")))
      .$if(wanted.has("LAST"), (q) => q.select(valueAt("g.last_ts").as("last")))
      .orderBy("g.bucket")
      .execute();

    return rows.map((row) => {
      const r = row as typeof row & { first?: number | null; last?: number | null };
      const values: FloatBucket["values"] = {};
      if (wanted.has("AVG")) values.AVG = Number(r.avg);
      if (wanted.has("MAX")) values.MAX = Number(r.max);
      if (wanted.has("MIN")) values.MIN = Number(r.min);
      if (wanted.has("FIRST")) values.FIRST = Number(r.first);
      if (wanted.has("LAST")) values.LAST = Number(r.last);
      return { bucketStart: from + Number(r.bucket) * intervalMs, values };
    });
  }

  async signalSummary(tokenId: number, opts: { source?: string } = {}): Promise<SignalSummary[]> {
    const rows = await this.db
      .selectFrom("signal_history")
      .where("token_id", "=", tokenId)
      .$if(opts.source !== undefined, (q) => q.where("source", "=", opts.source!))
      .select((eb) => [
        "name",
        eb.fn.countAll<number>().as("count"),
        eb.fn.min<number>("ts").as("first_seen"),
        eb.fn.max<number>("ts").as("last_seen"),
      ])
      .groupBy("name")
      .orderBy("name")
      .execute();
    return rows.map(toSummary);
  }

  async eventSummary(tokenId: number): Promise<SignalSummary[]> {
    const rows = await this.db
      .selectFrom("vehicle_events")
      .where("token_id", "=", tokenId)
      .select((eb) => [
        "name",
        eb.fn.countAll<number>().as("count"),
        eb.fn.min<number>("ts").as("first_seen"),
        eb.fn.max<number>("ts").as("last_seen"),
      ])
      .groupBy("name")
      .orderBy("name")
      .execute();
    return rows.map(toSummary);
  }

  async events(tokenId: number, from: number, to: number): Promise<EventPoint[]> {
    if (from >= to) return [];
    const rows = await this.db
      .selectFrom("vehicle_events")
      .selectAll()
      .where("token_id", "=", tokenId)
      .where("ts", ">=", from)
      .where("ts", "<", to)
      .orderBy("ts")
      .orderBy("name")
      .orderBy("source")
      .execute();
    return rows.map((r) => ({
      tokenId: r.token_id,
      name: r.name,
      timestamp: Number(r.ts),
      source: r.source,
      durationNs: Number(r.duration_ns),
      metadata: r.metadata,
    }));
  }

  async latestVin(tokenId: number): Promise<VinCredential | undefined> {
    const row = await this.db
      .selectFrom("vin_credentials")
      .selectAll()
      .where("token_id", "=", tokenId)
      .orderBy("recorded_at", "desc")
      .orderBy("recorded_by")
      .limit(1)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      tokenId: row.token_id,
      vin: row.vin,
      recordedBy: row.recorded_by,
      recordedAt: Number(row.recorded_at),
      countryCode: row.country_code,
      validFrom: Number(row.valid_from),
      validTo: Number(row.valid_to),
      rawVC: row.raw_vc,
    };
  }
}

async function insertHistoryUnnest(
  trx: Kysely<Database>,
  rows: Array<Selectable<SignalHistoryTable>>,
): Promise<number> {
  if (rows.length === 0) return 0;
  const col = <K extends keyof SignalHistoryTable>(k: K) => rows.map((r) => r[k]);
  const result = await sql`insert into signal_history
      (token_id, name, ts, source, value_number, value_string, latitude, longitude, hdop)
    select * from unnest(${col("token_id")}::integer[], ${col("name")}::text[], ${col("ts")}::bigint[],
      ${col("source")}::text[], ${col("value_number")}::float8[], ${col("value_string")}::text[],
      ${col("latitude")}::float8[], ${col("longitude")}::float8[], ${col("hdop")}::float8[])
    on conflict do nothing`.execute(trx);
  return Number(result.numAffectedRows ?? 0n);
}

function toSummary(row: {
  name: string;
  count: number;
  first_seen: number;
  last_seen: number;
}): SignalSummary {
  return {
    name: row.name,
    count: Number(row.count),
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
  };
}
