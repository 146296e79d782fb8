import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { developerJwtOverHttp } from "../../tests/support/developer-jwt.ts";
import { runCli, startServer } from "../../tests/support/server-process.ts";
import { startBare } from "../support/bare.ts";

const { values } = parseArgs({
  options: {
    engine: { type: "string", default: "both" },
    duration: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "10" },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const engines = values.engine === "both" ? ["sqlite", "postgres"] : [values.engine as string];

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, headers: Record<string, string>, body: string): Promise<Load> {
  const result = await autocannon({
    url,
    method: "POST",
    headers,
    body,
    connections,
    duration,
    pipelining: 1,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function medianLoad(loads: Load[]): Load {
  return {
    rps: median(loads.map((l) => l.rps)),
    p50: median(loads.map((l) => l.p50)),
    p99: median(loads.map((l) => l.p99)),
    errors: 0,
    non2xx: 0,
  };
}

const rows: string[] = [];
let failed = false;
for (const engine of engines) {
  if (engine === "postgres" && !process.env.KEYFOB_TEST_DATABASE_URL?.startsWith("postgres")) {
    console.log(
      "postgres: skipped — set KEYFOB_TEST_DATABASE_URL to an admin URL (bash scripts/pg-test-cluster.sh start)",
    );
    continue;
  }
  const saved = process.env.KEYFOB_TEST_DATABASE_URL;
  if (engine === "sqlite") delete process.env.KEYFOB_TEST_DATABASE_URL;
  const server = await startServer({
    env: { KEYFOB_LOG_LEVEL: "warn", KEYFOB_RATE_LIMIT_EXCHANGE_PER_LICENSE: "0" },
  });
  if (saved) process.env.KEYFOB_TEST_DATABASE_URL = saved;
  const bare = await startBare();
  try {
    const seeded = await runCli(["seed", "--demo", "--json"], server.env);
    const demo = JSON.parse(seeded.stdout) as {
      clientId: string;
      apiKey: string;
      domain: string;
      vehicles: { tokenId: number; sharedWithDemo: boolean }[];
    };
    const jwt = await developerJwtOverHttp(server.url, demo);
    const tokenId = demo.vehicles.find((v) => v.sharedWithDemo)!.tokenId;
    const body = JSON.stringify({
      nftContractAddress: "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF",
      privileges: [1, 4],
      tokenId,
    });
    const headers = { "content-type": "application/json", authorization: `Bearer ${jwt}` };
    // Warm both up (JIT, caches, connection pools) before measuring.
    await autocannon({ url: bare.url, method: "POST", headers, body, connections, duration: 2 });
    await autocannon({
      url: `${server.url}/v1/tokens/exchange`,
      method: "POST",
      headers,
      body,
      connections,
      duration: 2,
    });
    // Alternate short rounds so that drift in the machine's speed hits both sides alike; report medians.
    const baselines: Load[] = [];
    const exchanges: Load[] = [];
    for (let round = 0; round < rounds; round++) {
      baselines.push(await load(bare.url, headers, body));
      exchanges.push(await load(`${server.url}/v1/tokens/exchange`, headers, body));
    }
    const ratios = exchanges.map((e, i) => e.rps / baselines[i]!.rps);
    const baseline = medianLoad(baselines);
    const exchange = medianLoad(exchanges);
    exchange.errors = exchanges.reduce((n, e) => n + e.errors, 0);
    exchange.non2xx = exchanges.reduce((n, e) => n + e.non2xx, 0);
    const ratio = median(ratios);
    const ok = ratio >= 0.4 && exchange.p99 <= 15 && exchange.errors === 0 && exchange.non2xx === 0;
    failed ||= !ok;
    rows.push(
      `${engine.padEnd(8)} bare ${baseline.rps.toFixed(0).padStart(6)} req/s p99 ${String(baseline.p99).padStart(3)} ms | ` +
        `exchange ${exchange.rps.toFixed(0).padStart(6)} req/s p50 ${exchange.p50} ms p99 ${String(exchange.p99).padStart(3)} ms ` +
        `(non-2xx ${exchange.non2xx}) | ratio ${(ratio * 100).toFixed(1)}% (target ≥ 40%, p99 ≤ 15 ms) ${ok ? "PASS" : "FAIL"}`,
    );
  } finally {
    bare.child.kill("SIGTERM");
    await server.stop();
  }
}
console.log(
  `\ntoken exchange, ${connections} connections, ${rounds} alternating rounds of ${duration} s, medians`,
);
for (const row of rows) console.log(row);
process.exitCode = failed ? 1 : 0;
