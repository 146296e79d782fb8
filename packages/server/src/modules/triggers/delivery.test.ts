import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  api,
  createFleet,
  type Fleet,
  type Receiver,
  startReceiver,
  useTriggerServices,
} from "../../../test/support/triggers.ts";

const START = Date.parse("2025-06-01T12:00:00.000Z");
const SOURCE = "did:ethr:137:0x5FbDB2315678afecb367f032d93F642f64180aa3";
// Max failures 5; retry offsets 0, 1 s, 2 s, 4 s (test/support/triggers.ts).
const ctx = useTriggerServices(START);
let fleet: Fleet;
let receiver: Receiver;
let secret: string;
let webhookId: string;

beforeEach(async () => {
  fleet = await createFleet(ctx.services);
  receiver = await startReceiver("verify-me");
  const res = await api(ctx, fleet, "POST", "/v1/webhooks", {
    service: "signals",
    metricName: "vss.speed",
    condition: "valueNumber > 100",
    targetURL: `${receiver.origin}/hook`,
    verificationToken: "verify-me",
  });
  expect(res.status).toBe(201);
  webhookId = res.body.id;
  secret = res.body.secret;
  await api(ctx, fleet, "POST", `/v1/webhooks/${webhookId}/subscribe/all`);
});

afterEach(async () => {
  await receiver.close();
});

const worker = () => ctx.services.triggers.worker;

/** One speed point above the threshold per call, for `tokenId`, a second after the last. */
let tick = 0;
async function speeding(tokenId = fleet.shared[0]!, value = 150): Promise<void> {
  tick++;
  await ctx.services.signals.ingest(
    { tokenId, signals: [{ name: "speed", timestamp: START - 3_600_000 + tick * 1000, value }] },
    { source: SOURCE },
  );
}

const log = async () =>
  // biome-ignore lint/suspicious/noExplicitAny: tests walk arbitrary response JSON
  (await api(ctx, fleet, "GET", `/v1/webhooks/${webhookId}/deliveries?limit=200`)).body as any[];
const view = async () => (await api(ctx, fleet, "GET", "/v1/webhooks")).body[0];
const receivedValues = () => receiver.deliveries().map((r) => JSON.parse(r.body).data.signal.value);

describe("delivery (§7, §9.1)", () => {
  it("POSTs the CloudEvent signed with the webhook's secret; webhook-id is the event id", async () => {
    await speeding();
    expect(await worker().runOnce()).toBe(1);
    const [request] = receiver.deliveries();
    expect(request!.method).toBe("POST");
    expect(request!.url).toBe("/hook");
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["user-agent"]).toBe("DIMO-Webhook/1.0");
    const event = JSON.parse(request!.body);
    expect(request!.headers["webhook-id"]).toBe(event.id);
    expect(request!.headers["webhook-timestamp"]).toBe(String(START / 1000));
    const expected = new Webhook(secret).sign(event.id, new Date(START), request!.body);
    expect(request!.headers["webhook-signature"]).toBe(expected);
    const [entry] = await log();
    expect(entry).toMatchObject({
      id: event.id,
      kind: "trigger",
      status: "succeeded",
      attempt: 1,
      responseStatus: 204,
    });
    expect(entry.assetDid).toBe(ctx.services.vehicles.did(fleet.shared[0]!));
  });

  it("retries 5xx and transport errors on the schedule, then dead-letters; the id stays the same", async () => {
    receiver.respond((_req, res) => res.writeHead(500).end());
    await speeding();
    expect(await worker().runOnce()).toBe(1);
    let [entry] = await log();
    expect(entry).toMatchObject({ status: "pending", attempt: 1, responseStatus: 500, error: "HTTP 500" });
    expect(entry.nextAttemptAt).toBe(new Date(START + 1000).toISOString());
    // Not due yet.
    expect(await worker().runOnce()).toBe(0);
    ctx.clock += 1000;
    expect(await worker().runOnce()).toBe(1);
    ctx.clock += 1000;
    await receiver.close();
    expect(await worker().runOnce()).toBe(1);
    [entry] = await log();
    expect(entry).toMatchObject({ status: "pending", attempt: 3, responseStatus: null });
    expect(entry.error).toMatch(/ECONNREFUSED|ECONNRESET/);
    expect(entry.nextAttemptAt).toBe(new Date(START + 4000).toISOString());
    ctx.clock += 2000;
    expect(await worker().runOnce()).toBe(1);
    [entry] = await log();
    expect(entry).toMatchObject({ status: "dead", attempt: 4, nextAttemptAt: null });
    const ids = new Set(receiver.deliveries().map((r) => r.headers["webhook-id"]));
    expect(ids.size).toBe(1);
    expect((await view()).failureCount).toBe(4);
    const detail = await api(ctx, fleet, "GET", `/v1/webhooks/${webhookId}/deliveries/${entry.id}`);
    // biome-ignore lint/suspicious/noExplicitAny: tests walk arbitrary response JSON
    expect(detail.body.attempts.map((a: any) => a.verdict)).toEqual(["retry", "retry", "retry", "retry"]);
  });

  it("does not retry 3xx (never followed) or other 4xx; 408 and 429 are retried", async () => {
    const target = await startReceiver();
    receiver.respond((_req, res) => res.writeHead(301, { location: `${target.origin}/elsewhere` }).end());
    await speeding();
    await worker().runOnce();
    expect((await log())[0]).toMatchObject({ status: "failed", responseStatus: 301 });
    expect(target.requests).toHaveLength(0);
    await target.close();
    receiver.respond((_req, res) => res.writeHead(410).end());
    await speeding();
    await worker().runOnce();
    expect((await log())[0]).toMatchObject({ status: "failed", responseStatus: 410 });
    receiver.respond((_req, res) => res.writeHead(429).end());
    await speeding();
    await worker().runOnce();
    expect((await log())[0]).toMatchObject({ status: "pending", responseStatus: 429 });
  });

  it("success resets the failure counter", async () => {
    receiver.respond((_req, res) => res.writeHead(400).end());
    await speeding();
    await speeding();
    await worker().runOnce();
    expect((await view()).failureCount).toBe(2);
    receiver.respond((_req, res) => res.writeHead(200).end());
    await speeding();
    await worker().runOnce();
    expect((await view()).failureCount).toBe(0);
  });
});

describe("order per (webhook, vehicle) (§9.3)", () => {
  it("sends a vehicle's next event only after the previous one succeeded or ended; other vehicles go on", async () => {
    const [a, b] = fleet.shared as [number, number];
    let down = true;
    receiver.respond((req, res) => {
      const value = JSON.parse(req.body).data.signal.value;
      res.writeHead(down && value < 200 ? 503 : 204).end();
    });
    await speeding(a, 101);
    await speeding(a, 102);
    await speeding(a, 103);
    await speeding(b, 201);
    await speeding(b, 202);
    // Vehicles are delivered side by side; each vehicle's events one after the other.
    const of = (tokenId: number) =>
      receiver
        .deliveries()
        .map((r) => JSON.parse(r.body))
        .filter((e) => e.subject === ctx.services.vehicles.did(tokenId))
        .map((e) => e.data.signal.value);
    await worker().runOnce();
    // a's head failed and waits for its retry; b (answered 204) went through in order.
    expect(of(a)).toEqual([101]);
    expect(of(b)).toEqual([201, 202]);
    expect(await worker().runOnce()).toBe(0);
    down = false;
    ctx.clock += 1000;
    await worker().runOnce();
    expect(of(a)).toEqual([101, 101, 102, 103]);
    expect(of(b)).toEqual([201, 202]);
    const statuses = (await log()).map((e) => e.status);
    expect(statuses).toEqual(["succeeded", "succeeded", "succeeded", "succeeded", "succeeded"]);
  });

  it("runOnce also sends the row that became its pair's head while the last claim ran", async () => {
    const [vehicle] = fleet.shared as [number];
    await speeding(vehicle, 201);
    await speeding(vehicle, 202);
    // The receiver holds its answer to 201 until the worker's second claim has read the outbox.
    let answer201: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      answer201 = resolve;
    });
    receiver.respond((req, res) => {
      if (JSON.parse(req.body).data.signal.value === 201) void held.then(() => res.writeHead(204).end());
      else res.writeHead(204).end();
    });
    const outbox = ctx.services.triggers.outbox;
    const claim = outbox.claim.bind(outbox);
    const inFlight = (worker() as unknown as { inFlight: Map<number, unknown> }).inFlight;
    let calls = 0;
    const spy = vi.spyOn(outbox, "claim").mockImplementation(async (...args) => {
      const rows = await claim(...args);
      if (++calls === 2) {
        // 201 is still in flight: this claim saw no head. Now 201 ends (202 becomes the head)
        // before the claim's empty answer reaches the worker.
        expect(rows).toEqual([]);
        answer201();
        while (inFlight.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return rows;
    });
    try {
      expect(await worker().runOnce()).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(receivedValues()).toEqual([201, 202]);
  });

  it("goes on after a dead or failed head", async () => {
    receiver.respond((req, res) =>
      res.writeHead(JSON.parse(req.body).data.signal.value === 101 ? 404 : 204).end(),
    );
    await speeding(fleet.shared[0], 101);
    await speeding(fleet.shared[0], 102);
    await worker().runOnce();
    expect(receivedValues()).toEqual([101, 102]);
  });

  it("takes back the row of a worker that died mid-attempt after its lease, with the same id", async () => {
    await speeding();
    const [claimed] = await ctx.services.triggers.outbox.claim("crashed-worker", 10, 60_000);
    expect(claimed).toBeDefined();
    expect(await worker().runOnce()).toBe(0);
    ctx.clock += 60_001;
    expect(await worker().runOnce()).toBe(1);
    expect(receiver.deliveries()[0]!.headers["webhook-id"]).toBe(claimed!.id);
  });

  it("re-queues a finished delivery behind the pair's current head, and repairs a pair without a head", async () => {
    receiver.respond((req, res) =>
      res.writeHead(JSON.parse(req.body).data.signal.value === 101 ? 404 : 204).end(),
    );
    await speeding(fleet.shared[0], 101);
    await worker().runOnce();
    const [failed] = await log();
    expect(failed).toMatchObject({ status: "failed" });
    receiver.respond((_req, res) => res.writeHead(204).end());
    await speeding(fleet.shared[0], 102);
    expect(
      (await api(ctx, fleet, "POST", `/v1/webhooks/${webhookId}/deliveries/${failed.id}/retry`)).status,
    ).toBe(200);
    await worker().runOnce();
    // 102 was the head when 101 came back: 101 goes right after it.
    expect(receivedValues()).toEqual([101, 102, 101]);

    await speeding(fleet.shared[0], 103);
    await speeding(fleet.shared[0], 104);
    const db = ctx.services.store.db;
    await db.updateTable("webhook_deliveries").set({ is_head: 0 }).execute();
    expect(await worker().runOnce()).toBe(0);
    expect(await ctx.services.triggers.outbox.repairHeads()).toBe(1);
    await worker().runOnce();
    expect(receivedValues()).toEqual([101, 102, 101, 103, 104]);
  });

  it("never gives one row to two claimers at once", async () => {
    for (let i = 0; i < 12; i++) await speeding(fleet.shared[i % 2]);
    const outbox = ctx.services.triggers.outbox;
    const [x, y] = await Promise.all([outbox.claim("x", 10, 60_000), outbox.claim("y", 10, 60_000)]);
    const all = [...x, ...y].map((r) => r.id);
    expect(new Set(all).size).toBe(all.length);
    // Only the head of each (webhook, vehicle) pair is claimable.
    expect(all).toHaveLength(2);
  });
});

describe("failure counting (§8)", () => {
  it("turns the webhook failed at the limit, cancels its pending retries, stops evaluating; PUT enabled revives it", async () => {
    receiver.respond((_req, res) => res.writeHead(500).end());
    for (const v of [...fleet.shared, ...fleet.shared, fleet.shared[0]!]) await speeding(v);
    await worker().runOnce();
    ctx.clock += 1000;
    await worker().runOnce();
    ctx.clock += 1000;
    await worker().runOnce();
    // 2 heads × 3 attempts = 6 ≥ 5.
    expect(await view()).toMatchObject({ status: "failed" });
    const statuses = (await log()).map((e) => e.status);
    expect(statuses.filter((s) => s === "cancelled")).toHaveLength(5);
    expect(statuses.filter((s) => s === "pending")).toHaveLength(0);
    await speeding();
    expect((await log()).length).toBe(5);
    expect(
      (await api(ctx, fleet, "POST", `/v1/webhooks/${webhookId}/deliveries/${(await log())[0].id}/retry`))
        .status,
    ).toBe(409);

    receiver.respond((_req, res) => res.writeHead(204).end());
    expect((await api(ctx, fleet, "PUT", `/v1/webhooks/${webhookId}`, { status: "enabled" })).status).toBe(
      200,
    );
    expect(await view()).toMatchObject({ status: "enabled", failureCount: 0 });
    await speeding();
    await worker().runOnce();
    expect((await log())[0]).toMatchObject({ status: "succeeded" });
  });
});

describe("SSRF guard at delivery (§9.4)", () => {
  it("refuses a target whose name now resolves to a private address, without retrying", async () => {
    ctx.hosts.set("hooks.test", ["127.0.0.1"]);
    const named = await api(ctx, fleet, "POST", "/v1/webhooks", {
      service: "signals",
      metricName: "vss.speed",
      condition: "valueNumber > 100",
      targetURL: `http://hooks.test:${receiver.port}/hook`,
      verificationToken: "verify-me",
      displayName: "named",
    });
    // http: to a name is not loopback-only by its name: refused at registration.
    expect(named.body).toEqual({ code: 400, message: "Webhook URL must be HTTPS" });
    const localhost = await api(ctx, fleet, "POST", "/v1/webhooks", {
      service: "signals",
      metricName: "vss.speed",
      condition: "valueNumber > 100",
      targetURL: `http://localhost:${receiver.port}/hook`,
      verificationToken: "verify-me",
      displayName: "local",
    });
    expect(localhost.status).toBe(201);
    await api(ctx, fleet, "POST", `/v1/webhooks/${localhost.body.id}/subscribe/all`);
    ctx.hosts.set("localhost", ["10.0.0.7"]);
    await speeding();
    await worker().runOnce();
    const entries = (await api(ctx, fleet, "GET", `/v1/webhooks/${localhost.body.id}/deliveries`)).body;
    expect(entries[0]).toMatchObject({ status: "failed", error: "refused: localhost is a private address" });
  });

  it("reads at most 64 KiB of a response and gives up on a silent receiver", async () => {
    receiver.respond((_req, res) => res.writeHead(200).end("x".repeat(1024 * 1024)));
    await speeding();
    await worker().runOnce();
    expect((await log())[0]).toMatchObject({ status: "succeeded", responseStatus: 200 });
    receiver.respond(() => {}); // never answers; the delivery timeout here is 2 s
    await speeding();
    await worker().runOnce();
    expect((await log())[0]).toMatchObject({ status: "pending", error: "no answer within 2000 ms" });
  });
});
