import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LoginBrowser } from "../../../test/support/login.ts";
import {
  api,
  createFleet,
  type Fleet,
  type Receiver,
  startReceiver,
  useTriggerServices,
} from "../../../test/support/triggers.ts";

/**
 * The console's webhook pages' API: the license owner's webhooks, their delivery log (dead letters
 * included), test events and re-enabling, over the triggers service; anybody else's license is 404.
 * Loopback targets are allowed and the retry schedule is 0, 1 s, 2 s, 4 s (test/support/triggers.ts);
 * a webhook fails after 4 failed attempts in a row.
 */

// The real clock (whole seconds): session cookies expire by it in the test browser.
const START = Math.floor(Date.now() / 1000) * 1000;
const ctx = useTriggerServices(START, {
  KEYFOB_RATE_LIMIT_EMAIL_CODES: "off",
  KEYFOB_WEBHOOK_MAX_FAILURES: "4",
});
const SOURCE = "did:ethr:137:0x5FbDB2315678afecb367f032d93F642f64180aa3";
let fleet: Fleet;
let receiver: Receiver;
let webhookId: string;

beforeEach(async () => {
  fleet = await createFleet(ctx.services, "console-hooks");
  receiver = await startReceiver("verify-me");
  const res = await api(ctx, fleet, "POST", "/v1/webhooks", {
    service: "signals",
    metricName: "vss.speed",
    condition: "valueNumber > 100",
    coolDownPeriod: 30,
    targetURL: `${receiver.origin}/hook`,
    verificationToken: "verify-me",
    displayName: "Speeding",
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  webhookId = res.body.id;
  await api(ctx, fleet, "POST", `/v1/webhooks/${webhookId}/subscribe/all`);
});

afterEach(async () => {
  await receiver.close();
});

/** A console session of `email` (the fleet's developer is `console-hooks@example.com`). */
async function signIn(email: string): Promise<LoginBrowser> {
  const b = new LoginBrowser(ctx.app);
  await b.session();
  await b.signInWithCode(ctx.services, "console", email);
  return b;
}

const base = () => `/api/console/licenses/${fleet.clientId}/webhooks`;

describe("the console's webhooks", () => {
  it("another developer gets 404 for the license's webhooks, log, test event and re-enable", async () => {
    const mallory = await signIn("mallory@example.com");
    const reads = [base(), `${base()}/${webhookId}/deliveries`];
    for (const url of reads) {
      const res = await mallory.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe("licenseNotFound");
    }
    for (const url of [`${base()}/${webhookId}/test`, `${base()}/${webhookId}/enable`]) {
      expect((await mallory.post(url)).statusCode, url).toBe(404);
    }
    expect(receiver.deliveries()).toHaveLength(0);
    // Without a session: 401; without the CSRF token: 403.
    const anonymous = new LoginBrowser(ctx.app);
    await anonymous.session();
    expect((await anonymous.get(base())).statusCode).toBe(401);
    const owner = await signIn("console-hooks@example.com");
    expect((await owner.post(`${base()}/${webhookId}/test`, {}, { csrf: false })).statusCode).toBe(403);
    expect(receiver.deliveries()).toHaveLength(0);
  });

  it("lists the webhooks; a test event is sent and logged with its outcome", async () => {
    const b = await signIn("console-hooks@example.com");
    const list = await b.get(base());
    expect(list.statusCode, list.body).toBe(200);
    expect(list.headers["cache-control"]).toBe("no-store");
    expect(list.json().webhooks).toEqual([
      expect.objectContaining({
        id: webhookId,
        displayName: "Speeding",
        targetURL: `${receiver.origin}/hook`,
        metricName: "vss.speed",
        condition: "valueNumber > 100",
        coolDownPeriod: 30,
        status: "enabled",
        failureCount: 0,
        createdAt: new Date(START).toISOString(),
      }),
    ]);
    expect(list.body).not.toContain("whsec_");

    receiver.respond((_req, res) => res.writeHead(503).end());
    const failed = await b.post(`${base()}/${webhookId}/test`);
    expect(failed.statusCode, failed.body).toBe(200);
    expect(failed.json().result).toMatchObject({ status: "failed", responseStatus: 503, error: "HTTP 503" });
    receiver.respond((_req, res) => res.writeHead(204).end());
    const sent = (await b.post(`${base()}/${webhookId}/test`)).json().result;
    expect(sent).toEqual({
      id: expect.any(String),
      status: "succeeded",
      responseStatus: 204,
      latencyMs: expect.any(Number),
      error: null,
    });
    expect(receiver.deliveries().at(-1)!.headers["webhook-id"]).toBe(sent.id);

    const log = (await b.get(`${base()}/${webhookId}/deliveries`)).json().deliveries;
    expect(log.map((d: { status: string }) => d.status)).toEqual(["succeeded", "failed"]);
    expect(log[0]).toMatchObject({ id: sent.id, kind: "test", attempt: 1, responseStatus: 204 });
    const detail = await b.get(`${base()}/${webhookId}/deliveries/${sent.id}`);
    expect(detail.json().delivery.attempts).toEqual([
      expect.objectContaining({ attempt: 1, verdict: "succeeded", responseStatus: 204 }),
    ]);
    expect((await b.get(`${base()}/not-a-uuid/deliveries`)).statusCode).toBe(400);
    expect((await b.get(`${base()}/00000000-0000-4000-8000-000000000000/deliveries`)).statusCode).toBe(404);
  });

  it("shows a dead-lettered delivery and the failed webhook, which re-enable revives", async () => {
    const b = await signIn("console-hooks@example.com");
    receiver.respond((_req, res) => res.writeHead(500).end());
    await ctx.services.signals.ingest(
      { tokenId: fleet.shared[0]!, signals: [{ name: "speed", timestamp: START - 60_000, value: 150 }] },
      { source: SOURCE },
    );
    const worker = ctx.services.triggers.worker;
    for (const wait of [0, 1000, 1000, 2000]) {
      ctx.clock += wait;
      expect(await worker.runOnce()).toBe(1);
    }
    const [webhook] = (await b.get(base())).json().webhooks;
    expect(webhook).toMatchObject({ status: "failed", failureCount: 4 });
    const [dead] = (await b.get(`${base()}/${webhookId}/deliveries`)).json().deliveries;
    expect(dead).toMatchObject({ kind: "trigger", status: "dead", attempt: 4, responseStatus: 500 });
    const attempts = (await b.get(`${base()}/${webhookId}/deliveries/${dead.id}`)).json().delivery.attempts;
    expect(attempts).toHaveLength(4);
    expect(new Set(receiver.deliveries().map((r) => r.headers["webhook-id"]))).toEqual(new Set([dead.id]));

    const enabled = await b.post(`${base()}/${webhookId}/enable`);
    expect(enabled.statusCode, enabled.body).toBe(200);
    expect(enabled.json().webhook).toMatchObject({ id: webhookId, status: "enabled", failureCount: 0 });
    expect((await b.get(base())).json().webhooks[0]).toMatchObject({ status: "enabled", failureCount: 0 });
  });
});
