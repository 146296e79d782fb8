import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { developerJwtOverHttp } from "../../tests/support/developer-jwt.ts";
import { repoRoot, runCli, startServer } from "../../tests/support/server-process.ts";

/**
 * Webhook delivery against a local receiver (see README.md): ingest-to-delivery latency p50/p99 of
 * single points, and deliveries per second of a burst, next to the receiver's own request rate
 * under autocannon in the same run.
 */

const { values } = parseArgs({
  options: {
    engine: { type: "string", default: "both" },
    events: { type: "string", default: "300" },
    points: { type: "string", default: "250" },
    webhooks: { type: "string", default: "16" },
    duration: { type: "string", default: "5" },
  },
});
const engines = values.engine === "both" ? ["sqlite", "postgres"] : [values.engine as string];
const EVENTS = Number(values.events);
const POINTS = Number(values.points);
const WEBHOOKS = Number(values.webhooks);
const DURATION = Number(values.duration);
const PACE_MS = 20;
const TOKEN = "bench-token";

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function startReceiver(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(repoRoot, "bench/webhooks/receiver.ts"), TOKEN],
    {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      const m = /listening (\d+)/.exec(chunk.toString());
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

interface Stats {
  requests: number;
  arrivals: Array<{ id: string; value: number; at: number }>;
}

const stats = async (receiver: string) => (await (await fetch(`${receiver}/stats`)).json()) as Stats;
const reset = async (receiver: string) => {
  await (await fetch(`${receiver}/reset`, { method: "POST" })).arrayBuffer();
};

const report: string[] = [];
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
    env: { KEYFOB_LOG_LEVEL: "warn", KEYFOB_WEBHOOK_ALLOW_LOOPBACK: "on" },
  });
  if (admin) process.env.KEYFOB_TEST_DATABASE_URL = admin;
  const receiver = await startReceiver();
  try {
    const demo = JSON.parse((await runCli(["seed", "--demo", "--json"], server.env)).stdout);
    const vehicles = (demo.vehicles as Array<{ tokenId: number; sharedWithDemo: boolean }>)
      .filter((v) => v.sharedWithDemo)
      .map((v) => v.tokenId);
    const connection = JSON.parse(
      (
        await runCli(
          [
            "connection",
            "create",
            "--name",
            "bench",
            ...vehicles.flatMap((v) => ["--vehicle", String(v)]),
            "--json",
          ],
          server.env,
        )
      ).stdout,
    );
    const credential = connection.credential as string;
    const jwt = await developerJwtOverHttp(server.url, demo);
    const api = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${server.url}${url}`, {
        method,
        headers: { authorization: `Bearer ${jwt}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const json = await res.json();
      if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
      return json as { id: string };
    };
    const register = async (name: string, only?: number) => {
      const { id } = await api("POST", "/v1/webhooks", {
        service: "signals",
        metricName: "vss.speed",
        condition: "valueNumber > 0",
        targetURL: `${receiver.url}/hook`,
        verificationToken: TOKEN,
        displayName: name,
      });
      if (only === undefined) await api("POST", `/v1/webhooks/${id}/subscribe/all`);
      else
        await api(
          "POST",
          `/v1/webhooks/${id}/subscribe/did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:${only}`,
        );
      return id;
    };
    let ts = Date.now() - 3_600_000;
    const ingest = async (tokenId: number, values: number[]) => {
      const res = await fetch(`${server.url}/v1/ingest`, {
        method: "POST",
        headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
        body: JSON.stringify({
          tokenId,
          signals: values.map((value) => ({ name: "speed", timestamp: ++ts, value })),
        }),
      });
      if (res.status !== 200) throw new Error(`ingest: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };

    // 1. Latency: one webhook on the first vehicle, one point per ingestion, paced well below
    // capacity; the same ingestion for the second vehicle (no webhook) is the baseline.
    const single = await register("latency", vehicles[0]);
    const plain: number[] = [];
    for (let i = 1; i <= EVENTS; i++) {
      const t = now();
      await ingest(vehicles[1]!, [i]);
      plain.push(now() - t);
      await sleep(PACE_MS);
    }
    const sentAt = new Map<number, number>();
    for (let i = 1; i <= EVENTS; i++) {
      sentAt.set(i, now());
      await ingest(vehicles[0]!, [i]);
      await sleep(PACE_MS);
    }
    let got: Stats;
    for (;;) {
      got = await stats(receiver.url);
      if (got.arrivals.length >= EVENTS) break;
      await sleep(100);
    }
    const latencies = got.arrivals.map((a) => a.at - sentAt.get(a.value)!);
    await api("DELETE", `/v1/webhooks/${single}`);

    // 2. The receiver's own rate: autocannon posting a delivery-sized body, as many connections as
    // the delivery worker keeps in flight.
    const sample = JSON.stringify({
      id: "00000000-0000-4000-8000-000000000000",
      source: "vehicle-triggers-api",
      producer: "",
      specversion: "1.0",
      subject: "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:1",
      time: new Date().toISOString(),
      type: "dimo.trigger",
      datacontenttype: "application/json",
      dataversion: "signals/v1.0",
      data: {
        service: "signals",
        metricName: "vss.speed",
        webhookId: "00000000-0000-4000-8000-000000000000",
        webhookName: "throughput-00",
        assetDID: "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:1",
        condition: "valueNumber > 0",
        signal: {
          name: "speed",
          unit: "km/h",
          timestamp: new Date().toISOString(),
          source: "did:ethr:137:0x0",
          valueType: "float64",
          value: 1,
        },
      },
    });
    const load = () =>
      autocannon({
        url: `${receiver.url}/hook`,
        method: "POST",
        headers: { "content-type": "application/json", "webhook-signature": `v1,${"x".repeat(44)}` },
        body: sample,
        connections: 16,
        duration: DURATION,
      });
    await load();
    const bare = await load();
    await reset(receiver.url);

    // 3. Throughput: WEBHOOKS webhooks on every shared vehicle (WEBHOOKS × vehicles ordered lanes);
    // POINTS points per vehicle in batches of 50, all ingested at once.
    for (let w = 0; w < WEBHOOKS; w++) await register(`throughput-${String(w).padStart(2, "0")}`);
    await reset(receiver.url);
    const expected = POINTS * vehicles.length * WEBHOOKS;
    const started = now();
    let value = 0;
    const batches: Array<[number, number[]]> = [];
    for (let p = 0; p < POINTS; p += 50)
      for (const v of vehicles)
        batches.push([v, Array.from({ length: Math.min(50, POINTS - p) }, () => ++value)]);
    let ingested = 0;
    for (const [v, vals] of batches) {
      await ingest(v, vals);
      ingested += vals.length;
    }
    const ingestSeconds = (now() - started) / 1000;
    for (;;) {
      got = await stats(receiver.url);
      if (got.arrivals.length >= expected) break;
      await sleep(250);
    }
    const last = Math.max(...got.arrivals.map((a) => a.at));
    const rate = expected / ((last - started) / 1000);
    const ids = new Set(got.arrivals.map((a) => a.id));

    report.push(
      `${engine}: latency ingest → delivery p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (${EVENTS} single points, one every ${PACE_MS} ms); the ingestion request alone p50 ${percentile(plain, 50).toFixed(1)} ms, p99 ${percentile(plain, 99).toFixed(1)} ms`,
      `${engine}: ${expected} deliveries (${ingested} points × ${WEBHOOKS} webhooks, ingested in ${ingestSeconds.toFixed(1)} s) at ${rate.toFixed(0)} deliveries/s vs the receiver's own ${bare.requests.average.toFixed(0)} req/s → ${((rate / bare.requests.average) * 100).toFixed(1)} %; duplicates ${got.arrivals.length - ids.size}`,
    );
  } finally {
    receiver.child.kill("SIGTERM");
    await server.stop();
  }
}
console.log("\nwebhooks benchmark");
for (const line of report) console.log(line);
