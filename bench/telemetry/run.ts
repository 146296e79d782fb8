import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { formatErc721Did } from "../../packages/server/src/domain/did.ts";
import type { ParsedBatch } from "../../packages/server/src/modules/telemetry/ingest-batch.ts";
import { SignalStore } from "../../packages/server/src/modules/telemetry/store.ts";
import { migrate, openStore } from "../../packages/server/src/store/index.ts";
import { freshDatabaseUrl } from "../../packages/server/test/support/store.ts";
import { developerJwtOverHttp } from "../../tests/support/developer-jwt.ts";
import { runCli, startServer } from "../../tests/support/server-process.ts";
import { startBare } from "../support/bare.ts";

const { values } = parseArgs({
  options: {
    engine: { type: "string", default: "both" },
    days: { type: "string", default: "30" },
    batches: { type: "string", default: "200" },
  },
});
const engines = values.engine === "both" ? ["sqlite", "postgres"] : [values.engine as string];
const DAYS = Number(values.days);
const BATCHES = Number(values.batches);
const BATCH = 1000;
const CONTRACT = "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF" as const;
const HOUR = 3_600_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `count` batches of 1000 speed/temperature points at 1 Hz, starting at `start`. */
function batches(tokenId: number, start: number, count: number): ParsedBatch[] {
  const out: ParsedBatch[] = [];
  for (let b = 0; b < count; b++) {
    const signals = [];
    for (let i = 0; i < BATCH / 2; i++) {
      const ts = start + (b * (BATCH / 2) + i) * 1000;
      signals.push({ name: "speed", ts, value: 50 + 30 * Math.sin(ts / 600_000) });
      signals.push({ name: "exteriorAirTemperature", ts, value: 15 + 5 * Math.sin(ts / 43_200_000) });
    }
    out.push({ tokenId, signals, events: [] } as unknown as ParsedBatch);
  }
  return out;
}

const asWire = (batch: ParsedBatch) =>
  JSON.stringify({
    tokenId: batch.tokenId,
    signals: (batch.signals as Array<{ name: string; ts: number; value: number }>).map((s) => ({
      name: s.name,
      timestamp: s.ts,
      value: s.value,
    })),
  });

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function vehicleJwt(
  base: string,
  demo: { clientId: string; apiKey: string; domain: string },
  tokenId: number,
) {
  const dev = await developerJwtOverHttp(base, demo);
  const res = await fetch(`${base}/v1/tokens/exchange`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${dev}` },
    body: JSON.stringify({ nftContractAddress: CONTRACT, privileges: [1, 4], tokenId }),
  });
  return ((await res.json()) as { token: string }).token;
}

const report: string[] = [];
let failed = false;
for (const engine of engines) {
  const admin = process.env.KEYFOB_TEST_DATABASE_URL;
  if (engine === "postgres" && !admin?.startsWith("postgres")) {
    console.log(
      "postgres: skipped — set KEYFOB_TEST_DATABASE_URL to an admin URL (bash scripts/pg-test-cluster.sh start)",
    );
    continue;
  }
  if (engine === "sqlite") delete process.env.KEYFOB_TEST_DATABASE_URL;
  const server = await startServer({
    env: { KEYFOB_LOG_LEVEL: "warn", KEYFOB_RATE_LIMIT_EXCHANGE_PER_LICENSE: "0" },
  });
  const rawDb = await freshDatabaseUrl();
  if (admin) process.env.KEYFOB_TEST_DATABASE_URL = admin;
  const bare = await startBare();
  try {
    const demo = JSON.parse((await runCli(["seed", "--demo", "--json"], server.env)).stdout);
    const tokenId = demo.vehicles[0].tokenId as number;
    const connection = JSON.parse(
      (
        await runCli(
          ["connection", "create", "--name", "bench", "--vehicle", String(tokenId), "--json"],
          server.env,
        )
      ).stdout,
    );
    const credential = connection.credential as string;
    const source = connection.source as string;

    // 1. Raw store inserts vs HTTP ingestion, same batches (different time ranges so neither dedupes).
    const rawStore = openStore(rawDb.url);
    await migrate(rawStore);
    const raw = new SignalStore(rawStore.db, {
      vehicleDid: (id) => formatErc721Did({ chainId: 137, contract: CONTRACT, tokenId: id }),
    });
    const t0 = Date.UTC(2025, 0, 1);
    const rawBatches = batches(tokenId, t0, BATCHES);
    let started = performance.now();
    await inParallel(rawBatches, 4, async (b) => {
      await raw.write(b, source);
    });
    const rawRate = (BATCHES * BATCH) / ((performance.now() - started) / 1000);
    await rawStore.close();

    const httpBodies = batches(tokenId, t0, BATCHES).map(asWire);
    started = performance.now();
    await inParallel(httpBodies, 4, async (body) => {
      const res = await fetch(`${server.url}/v1/ingest`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
        body,
      });
      if (res.status !== 200) throw new Error(`ingest: ${res.status} ${await res.text()}`);
    });
    const httpRate = (BATCHES * BATCH) / ((performance.now() - started) / 1000);
    const ingestRatio = httpRate / rawRate;
    failed ||= ingestRatio < 0.3;

    // 2. signalsLatest p50 next to a bare route's p50 under the same load.
    const jwt = await vehicleJwt(server.url, demo, tokenId);
    const latestBody = JSON.stringify({
      query: `{ signalsLatest(tokenId: ${tokenId}) { lastSeen speed { timestamp value } exteriorAirTemperature { timestamp value } } }`,
    });
    const headers = { "content-type": "application/json", authorization: `Bearer ${jwt}` };
    await autocannon({
      url: `${server.url}/telemetry/query`,
      method: "POST",
      headers,
      body: latestBody,
      connections: 10,
      duration: 2,
    });
    const latest = await autocannon({
      url: `${server.url}/telemetry/query`,
      method: "POST",
      headers,
      body: latestBody,
      connections: 10,
      duration: 5,
    });
    const bareLoad = await autocannon({
      url: bare.url,
      method: "POST",
      headers,
      body: JSON.stringify({ tokenId }),
      connections: 10,
      duration: 5,
    });

    // 3. 30 days of 1 Hz speed for one vehicle, written straight into the server's database.
    const serverStore = openStore(server.env.KEYFOB_DATABASE_URL!);
    const direct = new SignalStore(serverStore.db, {
      vehicleDid: (id) => formatErc721Did({ chainId: 137, contract: CONTRACT, tokenId: id }),
    });
    const from = Date.UTC(2026, 0, 1);
    const seconds = DAYS * 86_400;
    started = performance.now();
    for (let offset = 0; offset < seconds; offset += 5000) {
      const signals = [];
      for (let i = offset; i < Math.min(seconds, offset + 5000); i++) {
        const ts = from + i * 1000;
        signals.push({ name: "speed", ts, value: 50 + 30 * Math.sin(ts / 600_000) });
      }
      await direct.write({ tokenId, signals, events: [] } as unknown as ParsedBatch, source);
    }
    const loadSeconds = (performance.now() - started) / 1000;
    const to = from + seconds * 1000;
    const query = JSON.stringify({
      query: `{ signals(tokenId: ${tokenId}, interval: "1h", from: "${new Date(from).toISOString()}", to: "${new Date(to).toISOString()}") { timestamp avg: speed(agg: AVG) max: speed(agg: MAX) } }`,
    });
    const apiTimes: number[] = [];
    const storeTimes: number[] = [];
    for (let round = 0; round < 5; round++) {
      let t = performance.now();
      const res = await fetch(`${server.url}/telemetry/query`, { method: "POST", headers, body: query });
      const json = (await res.json()) as { data?: { signals?: unknown[] }; errors?: unknown };
      apiTimes.push(performance.now() - t);
      if (json.data?.signals?.length !== DAYS * 24)
        throw new Error(`signals: ${JSON.stringify(json).slice(0, 300)}`);
      t = performance.now();
      await direct.aggregateFloat(tokenId, "speed", from, to, HOUR, ["AVG", "MAX"]);
      storeTimes.push(performance.now() - t);
    }
    await serverStore.close();

    report.push(
      `${engine}: ingestion over HTTP ${httpRate.toFixed(0)} points/s vs raw store ${rawRate.toFixed(0)} points/s → ${(ingestRatio * 100).toFixed(1)}% (target ≥ 30%) ${ingestRatio >= 0.3 ? "PASS" : "FAIL"}`,
      `${engine}: signalsLatest p50 ${latest.latency.p50} ms, p99 ${latest.latency.p99} ms, ${latest.requests.average.toFixed(0)} req/s (non-2xx ${latest.non2xx}); bare route p50 ${bareLoad.latency.p50} ms, ${bareLoad.requests.average.toFixed(0)} req/s`,
      `${engine}: signals 1h AVG+MAX over ${DAYS} days of 1 Hz (${seconds} points, loaded in ${loadSeconds.toFixed(0)} s): API median ${median(apiTimes).toFixed(0)} ms vs store aggregate ${median(storeTimes).toFixed(0)} ms (×${(median(apiTimes) / median(storeTimes)).toFixed(2)})`,
    );
  } finally {
    bare.child.kill("SIGTERM");
    await server.stop();
    await rawDb.drop();
  }
}
console.log(`\ntelemetry benchmark (${BATCHES} batches of ${BATCH} points, 4 in flight)`);
for (const line of report) console.log(line);
process.exitCode = failed ? 1 : 0;
