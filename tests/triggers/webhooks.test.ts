/**
 * Vehicle triggers end to end (issue 7): a real Keyfob server process, a real HTTPS receiver
 * process with a self-signed certificate the server trusts (NODE_EXTRA_CA_CERTS), data through
 * `POST /v1/ingest`, and the developer's side over HTTP with a developer JWT: conditions and
 * cooldowns, Standard Webhooks signatures checked with the `standardwebhooks` package, the receiver
 * down for a while, a server killed between retries, and the SSRF guard. The retry schedule is
 * shrunk through KEYFOB_WEBHOOK_RETRY_SCHEDULE; nothing here measures time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoData } from "../../packages/server/src/demo.ts";
import {
  type FreshDatabase,
  freshDatabaseUrl,
  testEngine,
} from "../../packages/server/test/support/store.ts";
import { developerJwtOverHttp } from "../support/developer-jwt.ts";
import { runCli, type ServerProcess, startServer } from "../support/server-process.ts";
import {
  type Certificate,
  type HttpsReceiver,
  httpsReceiver,
  selfSignedCertificate,
  until,
  verifyDelivery,
} from "./support/receiver.ts";

let cert: Certificate;
let receiver: HttpsReceiver;
let server: ServerProcess;
let dataDir: string;
let database: FreshDatabase | undefined;
let databaseUrl: string;
let settings: Record<string, string>;
let jwt: string;
let demo: DemoData;
let credential: string;
let vehicles: number[];
let dids: Map<number, string>;

async function start(): Promise<ServerProcess> {
  return startServer({ env: settings, databaseUrl });
}

beforeAll(async () => {
  cert = selfSignedCertificate();
  receiver = await httpsReceiver(cert);
  dataDir = mkdtempSync(path.join(tmpdir(), "keyfob-triggers-"));
  database = testEngine() === "postgres" ? await freshDatabaseUrl() : undefined;
  databaseUrl = database?.url ?? `sqlite:${path.join(dataDir, "keyfob.db")}`;
  settings = {
    KEYFOB_DATA_DIR: dataDir,
    KEYFOB_WEBHOOK_ALLOW_LOOPBACK: "on",
    KEYFOB_WEBHOOK_RETRY_SCHEDULE: "0s,200ms,500ms,1s,2s,4s,8s,16s,32s,64s",
    // The outage tests fail many attempts on purpose; failure counting has its own module tests.
    KEYFOB_WEBHOOK_MAX_FAILURES: "1000",
    NODE_EXTRA_CA_CERTS: cert.cert,
  };
  server = await start();
  const seeded = await runCli(["seed", "--demo", "--json"], server.env);
  expect(seeded.code, seeded.stderr).toBe(0);
  demo = JSON.parse(seeded.stdout) as DemoData;
  vehicles = demo.vehicles.filter((v) => v.sharedWithDemo).map((v) => v.tokenId);
  jwt = await developerJwtOverHttp(server.url, demo);
  const created = await runCli(
    ["connection", "create", "--name", "e2e", ...vehicles.flatMap((v) => ["--vehicle", String(v)]), "--json"],
    server.env,
  );
  expect(created.code, created.stderr).toBe(0);
  credential = (JSON.parse(created.stdout) as { credential: string }).credential;
  dids = new Map(vehicles.map((v) => [v, `did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:${v}`]));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await receiver?.stop();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  cert?.remove();
});

// biome-ignore lint/suspicious/noExplicitAny: API answers are checked field by field
async function call(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${jwt}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

let clock = Date.now() - 60_000;
/** Posts speed values, one batch per call, each point a millisecond after the last one posted. */
async function ingestSpeeds(tokenId: number, values: number[]): Promise<void> {
  const signals = values.map((value) => ({ name: "speed", timestamp: ++clock, value }));
  const res = await fetch(`${server.url}/v1/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
    body: JSON.stringify({ tokenId, signals }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  await res.arrayBuffer();
}

async function register(fields: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await call("POST", "/v1/webhooks", {
    service: "signals",
    metricName: "vss.speed",
    coolDownPeriod: 0,
    targetURL: `${receiver.origin}/hook`,
    verificationToken: "verify-me",
    ...fields,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const subscribed = await call("POST", `/v1/webhooks/${res.body.id}/subscribe/all`);
  expect(subscribed.body).toEqual({ message: `Subscribed ${vehicles.length} assets` });
  return res.body;
}

/** The values a webhook delivered for a vehicle, in arrival order (duplicates included). */
function arrived(webhookId: string, tokenId: number): Array<{ id: string; value: number }> {
  return receiver
    .deliveries(webhookId)
    .map((r) => JSON.parse(r.body))
    .filter((e) => e.subject === dids.get(tokenId))
    .map((e) => ({ id: e.id, value: e.data.signal.value }));
}

/**
 * At least once, in order: duplicates repeat an earlier webhook-id, and dropping them leaves every
 * expected value exactly once, in the order it was ingested.
 */
function expectInOrderOnce(webhookId: string, tokenId: number, expected: number[]): void {
  const seen = new Map<string, number>();
  const firsts: number[] = [];
  for (const { id, value } of arrived(webhookId, tokenId)) {
    const before = seen.get(id);
    if (before !== undefined) expect(value).toBe(before);
    else {
      seen.set(id, value);
      firsts.push(value);
    }
  }
  expect(firsts).toEqual(expected);
}

async function disable(webhookId: string): Promise<void> {
  expect((await call("DELETE", `/v1/webhooks/${webhookId}`)).status).toBe(200);
}

describe("vehicle triggers end to end", () => {
  it("fires on conditions with cooldowns; deliveries verify with the standardwebhooks package", async () => {
    const fast = await register({ condition: "valueNumber > 100", displayName: "fast" });
    const once = await register({ condition: "valueNumber > 50", coolDownPeriod: 3600, displayName: "once" });
    const [a, b] = vehicles as [number, number];
    await ingestSpeeds(a, [90, 120]);
    await ingestSpeeds(a, [60, 130]);
    await ingestSpeeds(b, [110]);
    await until("five deliveries", 60_000, () =>
      receiver.deliveries(fast.id).length + receiver.deliveries(once.id).length >= 5 ? true : undefined,
    );
    expect(arrived(fast.id, a).map((e) => e.value)).toEqual([120, 130]);
    expect(arrived(fast.id, b).map((e) => e.value)).toEqual([110]);
    // Cooldown: one firing per vehicle within the hour.
    expect(arrived(once.id, a).map((e) => e.value)).toEqual([90]);
    expect(arrived(once.id, b).map((e) => e.value)).toEqual([110]);

    for (const request of receiver.deliveries(fast.id)) {
      const event = verifyDelivery(fast.secret, request);
      expect(request.headers["webhook-id"]).toBe(event.id);
      expect(request.headers["user-agent"]).toBe("DIMO-Webhook/1.0");
      expect(event).toMatchObject({
        source: "vehicle-triggers-api",
        specversion: "1.0",
        type: "dimo.trigger",
        dataversion: "signals/v1.0",
        data: {
          service: "signals",
          metricName: "vss.speed",
          webhookId: fast.id,
          webhookName: "fast",
          condition: "valueNumber > 100",
          signal: { name: "speed", unit: "km/h", valueType: "float64" },
        },
      });
      expect(() => verifyDelivery(once.secret, request)).toThrow();
    }
    const log = await call("GET", `/v1/webhooks/${fast.id}/deliveries`);
    expect(log.body.map((e: { status: string }) => e.status)).toEqual([
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
    await disable(fast.id);
    await disable(once.id);
  }, 120_000);

  it("receiver down for a while, then up: every event arrives, in order per vehicle", async () => {
    const hook = await register({ condition: "valueNumber > 0", displayName: "outage" });
    await receiver.stop();
    const [a, b] = vehicles as [number, number];
    for (let i = 1; i <= 5; i++) {
      await ingestSpeeds(a, [i]);
      await ingestSpeeds(b, [100 + i]);
    }
    // Failed attempts are retried (the log shows them) while the receiver is away.
    await until("retries while the receiver is down", 60_000, async () => {
      const log = (await call("GET", `/v1/webhooks/${hook.id}/deliveries`)).body as Array<{
        attempt: number;
      }>;
      return log.some((e) => e.attempt >= 3) ? true : undefined;
    });
    await receiver.start();
    await until("every event after the outage", 60_000, () =>
      new Set(receiver.deliveries(hook.id).map((r) => r.headers["webhook-id"])).size === 10
        ? true
        : undefined,
    );
    expectInOrderOnce(hook.id, a, [1, 2, 3, 4, 5]);
    expectInOrderOnce(hook.id, b, [101, 102, 103, 104, 105]);
    for (const request of receiver.deliveries(hook.id)) verifyDelivery(hook.secret, request);
    const log = (await call("GET", `/v1/webhooks/${hook.id}/deliveries`)).body as Array<{ status: string }>;
    expect(log.map((e) => e.status)).toEqual(new Array(10).fill("succeeded"));
    await disable(hook.id);
  }, 120_000);

  it("a server killed between retries loses nothing: the restarted server delivers it all", async () => {
    const hook = await register({ condition: "valueNumber > 0", displayName: "restart" });
    await receiver.stop();
    const [a, b] = vehicles as [number, number];
    for (let i = 1; i <= 3; i++) {
      await ingestSpeeds(a, [10 + i]);
      await ingestSpeeds(b, [20 + i]);
    }
    await until("a failed first attempt", 60_000, async () => {
      const log = (await call("GET", `/v1/webhooks/${hook.id}/deliveries`)).body as Array<{
        attempt: number;
      }>;
      return log.some((e) => e.attempt >= 1) ? true : undefined;
    });
    await server.stop("SIGKILL");
    await receiver.start();
    server = await start();
    // The issuer is the public URL, which moved with the new port.
    jwt = await developerJwtOverHttp(server.url, demo);
    await until("every event after the restart", 90_000, () =>
      new Set(receiver.deliveries(hook.id).map((r) => r.headers["webhook-id"])).size === 6 ? true : undefined,
    );
    expectInOrderOnce(hook.id, a, [11, 12, 13]);
    expectInOrderOnce(hook.id, b, [21, 22, 23]);
    await disable(hook.id);
  }, 120_000);

  it("refuses private and link-local targets, and follows no redirect (handshake or delivery)", async () => {
    const refusals: Array<[string, string]> = [
      ["https://10.0.0.1/hook", "Target URL is not allowed: 10.0.0.1 is a private address"],
      ["https://192.168.0.1/hook", "Target URL is not allowed: 192.168.0.1 is a private address"],
      [
        "https://169.254.169.254/latest/meta-data/",
        "Target URL is not allowed: 169.254.169.254 is a link-local address",
      ],
      ["https://[fd00::1]/hook", "Target URL is not allowed: fd00::1 is a private address"],
      [
        "https://[::ffff:10.0.0.1]/hook",
        "Target URL is not allowed: ::ffff:a00:1 is an IPv4-mapped IPv6 address",
      ],
      ["http://example.com/hook", "Webhook URL must be HTTPS"],
      [`${receiver.origin}/redirect`, "Target URL did not return status 200 (got 302)"],
    ];
    for (const [targetURL, message] of refusals) {
      const res = await call("POST", "/v1/webhooks", {
        service: "signals",
        metricName: "vss.speed",
        condition: "valueNumber > 0",
        targetURL,
        verificationToken: "verify-me",
      });
      expect(res, targetURL).toEqual({ status: 400, body: { code: 400, message } });
    }
    // A target that passes the handshake and then redirects deliveries: a failure, not followed.
    const hook = await register({
      condition: "valueNumber > 0",
      targetURL: `${receiver.origin}/redirect-deliveries`,
      displayName: "redirecting",
    });
    await ingestSpeeds(vehicles[0]!, [5]);
    const [entry] = await until("the redirected delivery to fail", 60_000, async () => {
      const log = (await call("GET", `/v1/webhooks/${hook.id}/deliveries`)).body as Array<{ status: string }>;
      return log[0]?.status === "failed" ? log : undefined;
    });
    expect(entry).toMatchObject({ status: "failed", responseStatus: 302, attempt: 1 });
    expect(receiver.requests().filter((r) => r.path === "/redirected")).toEqual([]);
    await disable(hook.id);
  }, 120_000);

  it("without KEYFOB_WEBHOOK_ALLOW_LOOPBACK, refuses loopback addresses and names that resolve to them", async () => {
    // A second replica on the same database, with the development setting off.
    const strict = await startServer({
      env: { ...settings, KEYFOB_WEBHOOK_ALLOW_LOOPBACK: "off" },
      databaseUrl,
    });
    const before = receiver.requests().length;
    try {
      const strictJwt = await developerJwtOverHttp(strict.url, demo);
      const cases: Array<[string, string]> = [
        [
          `https://localhost:${receiver.port}/hook`,
          "Target URL is not allowed: localhost is a loopback address",
        ],
        [
          `https://127.0.0.1:${receiver.port}/hook`,
          "Target URL is not allowed: 127.0.0.1 is a loopback address",
        ],
        [`https://[::1]:${receiver.port}/hook`, "Target URL is not allowed: ::1 is a loopback address"],
        [`http://localhost:${receiver.port}/hook`, "Webhook URL must be HTTPS"],
      ];
      for (const [targetURL, message] of cases) {
        const res = await fetch(`${strict.url}/v1/webhooks`, {
          method: "POST",
          headers: { authorization: `Bearer ${strictJwt}`, "content-type": "application/json" },
          body: JSON.stringify({
            service: "signals",
            metricName: "vss.speed",
            condition: "valueNumber > 0",
            targetURL,
            verificationToken: "verify-me",
          }),
        });
        expect(await res.json(), targetURL).toEqual({ code: 400, message });
      }
      // Refused before any connection: the receiver saw nothing.
      expect(receiver.requests()).toHaveLength(before);
    } finally {
      await strict.stop();
    }
  }, 120_000);
});
