/**
 * The crash test (issue 4): a real server takes concurrent ingestion batches, is killed with
 * SIGKILL mid-stream, and restarts on the same database. Every batch it acknowledged (200) must be
 * there, whole; a batch it did not acknowledge is there whole or not at all; and re-posting the
 * acknowledged batches afterwards stores nothing new.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestBatch, SignalValue } from "../../packages/server/src/modules/telemetry/contract.ts";
import { openStore } from "../../packages/server/src/store/index.ts";
import {
  type FreshDatabase,
  freshDatabaseUrl,
  testEngine,
} from "../../packages/server/test/support/store.ts";
import { runCli, type ServerProcess, startServer } from "../support/server-process.ts";

const WORKERS = 6;
const POINTS_PER_BATCH = 120;
/** Kill once this many batches were acknowledged (the workers are still sending). */
const KILL_AFTER_ACKS = 40;
const VEHICLES = [1, 2];
const NAMES = ["speed", "powertrainRange", "obdDTCList", "currentLocationCoordinates"] as const;
// An hour ago: far from the future-skew limit, and never older than 2000.
const BASE = Date.now() - 3_600_000;

let dataDir: string;
let database: FreshDatabase | undefined;
let databaseUrl: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "keyfob-crash-"));
  database = testEngine() === "postgres" ? await freshDatabaseUrl() : undefined;
  databaseUrl = database?.url ?? `sqlite:${path.join(dataDir, "keyfob.db")}`;
});

afterAll(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Batch n: one vehicle, POINTS_PER_BATCH points of several types, every (name, time) its own. */
function batchOf(n: number): IngestBatch {
  const tokenId = VEHICLES[n % VEHICLES.length]!;
  const signals: NonNullable<IngestBatch["signals"]> = [];
  for (let i = 0; i < POINTS_PER_BATCH; i++) {
    const name = NAMES[i % NAMES.length]!;
    const timestamp = BASE + n * POINTS_PER_BATCH + i;
    signals.push({ name, timestamp, value: pointValue(name, n, i) });
  }
  return { tokenId, signals };
}

function pointValue(name: (typeof NAMES)[number], n: number, i: number): SignalValue {
  switch (name) {
    case "obdDTCList":
      return `P${n}-${i}`;
    case "currentLocationCoordinates":
      return { latitude: (n % 90) + i / 1000, longitude: -(n % 180) - i / 1000, hdop: 1 };
    default:
      return n * 1000 + i + 0.5;
  }
}

type Row = {
  token_id: number;
  name: string;
  ts: number;
  value_number: number | null;
  value_string: string | null;
  latitude: number | null;
  longitude: number | null;
};

function keyOf(tokenId: number, name: string, ts: number): string {
  return `${tokenId}|${name}|${ts}`;
}

describe(`kill -9 during ingestion (${testEngine()})`, { timeout: 240_000 }, () => {
  it("every acknowledged point is there after a restart", async () => {
    const env = { KEYFOB_DATA_DIR: dataDir, KEYFOB_DATABASE_URL: databaseUrl };
    let server: ServerProcess | undefined = await startServer({ env, databaseUrl });
    try {
      // Demo vehicles 1 to 4 (the embedded start seeds them already; seeding is idempotent).
      const seeded = await runCli(["seed", "--demo", "--json"], server.env);
      expect(seeded.code, seeded.stderr).toBe(0);
      const created = await runCli(
        [
          "connection",
          "create",
          "--name",
          "crash-test",
          ...VEHICLES.flatMap((v) => ["--vehicle", String(v)]),
          "--json",
        ],
        server.env,
      );
      expect(created.code, created.stderr).toBe(0);
      const { credential, source } = JSON.parse(created.stdout) as { credential: string; source: string };

      const post = (url: string, n: number) =>
        fetch(`${url}/v1/ingest`, {
          method: "POST",
          headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
          body: JSON.stringify(batchOf(n)),
        });

      // Workers post batches 0, 1, 2, … until the server dies under them.
      const acked: number[] = [];
      const unexpected: string[] = [];
      let next = 0;
      let killed = false;
      const running = server;
      const worker = async () => {
        while (!killed) {
          const n = next++;
          try {
            const res = await post(running.url, n);
            const body = await res.text();
            if (res.status === 200) {
              const result = JSON.parse(body);
              if (result.accepted.signals !== POINTS_PER_BATCH || result.duplicates !== 0)
                unexpected.push(`batch ${n}: ${body}`);
              acked.push(n);
            } else if (!killed) unexpected.push(`batch ${n}: ${res.status} ${body}`);
          } catch (err) {
            // Only the kill may break a request.
            if (!killed) unexpected.push(`batch ${n}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      };
      const workers = Array.from({ length: WORKERS }, worker);
      while (acked.length < KILL_AFTER_ACKS && unexpected.length === 0)
        await new Promise((r) => setTimeout(r, 5));
      expect(unexpected).toEqual([]);
      killed = true;
      await server.stop("SIGKILL");
      server = undefined;
      expect(running.process.signalCode).toBe("SIGKILL");
      await Promise.all(workers);
      expect(unexpected).toEqual([]);
      const sent = next;
      expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);

      server = await startServer({ env, databaseUrl });

      const store = openStore(databaseUrl, { poolSize: 2 });
      let rows: Row[];
      try {
        rows = await store.db
          .selectFrom("signal_history")
          .select(["token_id", "name", "ts", "value_number", "value_string", "latitude", "longitude"])
          .where("source", "=", source)
          .execute();
      } finally {
        await store.close();
      }
      const stored = new Map(rows.map((r) => [keyOf(r.token_id, r.name, Number(r.ts)), r]));

      // Every acknowledged point, with its value.
      const missing: string[] = [];
      for (const n of acked) {
        const batch = batchOf(n);
        for (const point of batch.signals!) {
          const row = stored.get(keyOf(batch.tokenId, point.name, point.timestamp as number));
          const value = point.value;
          const same =
            row !== undefined &&
            (typeof value === "number"
              ? row.value_number === value
              : typeof value === "string"
                ? row.value_string === value
                : row.latitude === value.latitude && row.longitude === value.longitude);
          if (!same) missing.push(`batch ${n}: ${point.name} at ${point.timestamp}`);
        }
      }
      expect(missing.slice(0, 10)).toEqual([]);

      // One transaction per batch: any batch is there whole or not at all.
      const partial: string[] = [];
      for (let n = 0; n < sent; n++) {
        const batch = batchOf(n);
        const present = batch.signals!.filter((p) =>
          stored.has(keyOf(batch.tokenId, p.name, p.timestamp as number)),
        ).length;
        if (present !== 0 && present !== POINTS_PER_BATCH) partial.push(`batch ${n}: ${present} points`);
      }
      expect(partial).toEqual([]);

      // Retrying the acknowledged batches on the restarted server stores nothing new.
      const restarted = server;
      const retries = await Promise.all(
        acked.slice(0, 20).map(async (n) => (await post(restarted.url, n)).json()),
      );
      for (const result of retries)
        expect(result).toEqual({ accepted: { signals: 0, events: 0 }, duplicates: POINTS_PER_BATCH });
    } finally {
      await server?.stop();
    }
  });
});
