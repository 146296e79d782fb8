/**
 * The journey of issue 7, as a developer walks it (docs/webhooks.md): with a Keyfob server running
 * and the demo data seeded, get a developer JWT, register a webhook on `speed > 100` pointing at an
 * HTTPS endpoint, subscribe every shared vehicle, run `keyfob simulate`, and receive deliveries from
 * the simulated vehicles, each verifiable with the `standardwebhooks` package.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DemoData } from "../../packages/server/src/demo.ts";
import { developerJwtOverHttp } from "../support/developer-jwt.ts";
import { repoRoot, runCli, type ServerProcess, startServer } from "../support/server-process.ts";
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
let simulator: ChildProcess | undefined;

beforeAll(async () => {
  cert = selfSignedCertificate();
  receiver = await httpsReceiver(cert, "my-verification-token");
  server = await startServer({
    env: { KEYFOB_WEBHOOK_ALLOW_LOOPBACK: "on", NODE_EXTRA_CA_CERTS: cert.cert },
  });
}, 60_000);

afterAll(async () => {
  if (simulator && simulator.exitCode === null) simulator.kill("SIGKILL");
  await server?.stop();
  await receiver?.stop();
  cert?.remove();
});

it("registers a webhook on speed > 100 and receives signed deliveries from the simulator's vehicles", async () => {
  const seeded = await runCli(["seed", "--demo", "--json"], server.env);
  expect(seeded.code, seeded.stderr).toBe(0);
  const demo = JSON.parse(seeded.stdout) as DemoData;
  const jwt = await developerJwtOverHttp(server.url, demo);
  const headers = { authorization: `Bearer ${jwt}`, "content-type": "application/json" };

  const registered = await fetch(`${server.url}/v1/webhooks`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      service: "signals",
      metricName: "vss.speed",
      condition: "valueNumber > 100",
      coolDownPeriod: 10,
      targetURL: `${receiver.origin}/hook`,
      verificationToken: "my-verification-token",
      displayName: "Speeding",
    }),
  });
  expect(registered.status).toBe(201);
  const { id, secret } = (await registered.json()) as { id: string; secret: string };
  const subscribed = await fetch(`${server.url}/v1/webhooks/${id}/subscribe/all`, {
    method: "POST",
    headers,
  });
  expect(await subscribed.json()).toEqual({ message: "Subscribed 2 assets" });

  // The demo vehicles drive around Munich; a day of their history, then live.
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(repoRoot, "packages/server/src/main.ts"),
      "simulate",
      "--backfill-days",
      "1",
    ],
    { cwd: repoRoot, env: { ...process.env, ...server.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  simulator = child;
  let output = "";
  child.stdout?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    output += c.toString();
  });

  const shared = demo.vehicles.filter((v) => v.sharedWithDemo).map((v) => v.tokenId);
  const subjects = new Set(
    shared.map((t) => `did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:${t}`),
  );
  const events = await until(
    `deliveries from both shared vehicles (simulator: ${output.slice(-300)})`,
    180_000,
    () => {
      const got = receiver.deliveries(id).map((r) => ({ request: r, event: verifyDelivery(secret, r) }));
      return new Set(got.map((g) => g.event.subject)).size === subjects.size ? got : undefined;
    },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  await exited;

  for (const { request, event } of events) {
    expect(subjects.has(event.subject)).toBe(true);
    expect(request.headers["webhook-id"]).toBe(event.id);
    expect(event).toMatchObject({
      type: "dimo.trigger",
      data: {
        webhookId: id,
        webhookName: "Speeding",
        metricName: "vss.speed",
        signal: { name: "speed", unit: "km/h" },
      },
    });
    expect(event.data.signal.value).toBeGreaterThan(100);
    expect(event.data.signal.source).toMatch(/^did:ethr:137:0x[0-9a-fA-F]{40}$/);
  }
  const log = await fetch(`${server.url}/v1/webhooks/${id}/deliveries`, { headers });
  const entries = (await log.json()) as Array<{ status: string }>;
  expect(entries.length).toBeGreaterThanOrEqual(events.length);
  expect(entries.filter((e) => e.status === "succeeded").length).toBeGreaterThanOrEqual(subjects.size);
}, 240_000);
