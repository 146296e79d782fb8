import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  api,
  createFleet,
  type Fleet,
  type Receiver,
  startReceiver,
  useTriggerServices,
} from "../../../test/support/triggers.ts";
import type { IngestBatch } from "../telemetry/contract.ts";

const START = Date.parse("2025-06-01T12:00:00.000Z");
const SOURCE = "did:ethr:137:0x5FbDB2315678afecb367f032d93F642f64180aa3";
const ctx = useTriggerServices(START);
let fleet: Fleet;
let receiver: Receiver;
let vehicle: number;

beforeEach(async () => {
  fleet = await createFleet(ctx.services);
  vehicle = fleet.shared[0]!;
  receiver = await startReceiver("verify-me");
});

afterEach(async () => {
  await receiver.close();
});

const did = (tokenId: number) => ctx.services.vehicles.did(tokenId);

async function webhook(fields: Record<string, unknown>, vehicles: number[] = [vehicle]): Promise<string> {
  const res = await api(ctx, fleet, "POST", "/v1/webhooks", {
    service: "signals",
    metricName: "vss.speed",
    condition: "valueNumber > 100",
    coolDownPeriod: 0,
    targetURL: `${receiver.origin}/hook`,
    verificationToken: "verify-me",
    ...fields,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  for (const v of vehicles) await api(ctx, fleet, "POST", `/v1/webhooks/${res.body.id}/subscribe/${did(v)}`);
  return res.body.id;
}

/** Ingests speed values one second apart, ending a second before the clock. */
async function speeds(values: number[], tokenId = vehicle): Promise<void> {
  const end = ctx.clock - 1000;
  await ingest({
    tokenId,
    signals: values.map((value, i) => ({
      name: "speed",
      timestamp: end - (values.length - 1 - i) * 1000,
      value,
    })),
  });
}

async function ingest(batch: IngestBatch): Promise<void> {
  await ctx.services.signals.ingest(batch, { source: SOURCE });
}

/** The bodies of the queued deliveries of a webhook, oldest first. */
// biome-ignore lint/suspicious/noExplicitAny: tests walk arbitrary response JSON
async function fired(webhookId: string): Promise<any[]> {
  const rows = await ctx.services.store.db
    .selectFrom("webhook_deliveries")
    .select(["payload"])
    .where("webhook_id", "=", webhookId)
    .where("kind", "=", "trigger")
    .orderBy("seq")
    .execute();
  return rows.map((r) => JSON.parse(r.payload));
}

const values = async (webhookId: string) => (await fired(webhookId)).map((e) => e.data.signal?.value);

describe("conditions over ingested signals", () => {
  it("fires for each new value that satisfies the condition, with the spec's CloudEvent", async () => {
    const id = await webhook({ displayName: "Speeding" });
    await speeds([80, 101.5, 99, 130]);
    expect(await values(id)).toEqual([101.5, 130]);
    const [first] = await fired(id);
    expect(first).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      source: "vehicle-triggers-api",
      producer: "",
      specversion: "1.0",
      subject: did(vehicle),
      time: "2025-06-01T12:00:00.000Z",
      type: "dimo.trigger",
      datacontenttype: "application/json",
      dataversion: "signals/v1.0",
      data: {
        service: "signals",
        metricName: "vss.speed",
        webhookId: id,
        webhookName: "Speeding",
        assetDID: did(vehicle),
        condition: "valueNumber > 100",
        signal: {
          name: "speed",
          unit: "km/h",
          timestamp: "2025-06-01T11:59:57.000Z",
          source: SOURCE,
          valueType: "float64",
          value: 101.5,
        },
      },
    });
  });

  it("applies the cooldown per (webhook, vehicle), counted from the firing", async () => {
    const id = await webhook({ coolDownPeriod: 60 }, fleet.shared);
    await speeds([120, 130]);
    expect(await values(id)).toEqual([120]);
    ctx.clock += 30_000;
    await speeds([140]);
    // The other vehicle has its own cooldown.
    await speeds([150], fleet.shared[1]);
    expect(await values(id)).toEqual([120, 150]);
    ctx.clock += 30_000;
    await speeds([160]);
    expect(await values(id)).toEqual([120, 150, 160]);
  });

  it("sees as previous value the one that last fired any webhook on the metric", async () => {
    const fast = await webhook({ condition: "valueNumber >= 20", displayName: "fast" });
    const slowed = await webhook({
      condition: "valueNumber < 20 && previousValueNumber >= 20",
      displayName: "slowed",
    });
    await speeds([10]);
    expect(await values(slowed)).toEqual([]);
    ctx.clock += 1000;
    await speeds([25]);
    ctx.clock += 1000;
    await speeds([15]);
    expect(await values(fast)).toEqual([25]);
    expect(await values(slowed)).toEqual([15]);
    ctx.clock += 1000;
    await speeds([12]);
    expect(await values(slowed)).toEqual([15]);
  });

  it("evaluates string and location signals", async () => {
    const electric = await webhook({ metricName: "vss.powertrainType", condition: 'value == "ELECTRIC"' });
    const away = await webhook({
      metricName: "vss.currentLocationCoordinates",
      condition: "geoDistance(value.latitude, value.longitude, 48.137, 11.575) > 10",
    });
    const ts = ctx.clock - 1000;
    await ingest({
      tokenId: vehicle,
      signals: [
        { name: "powertrainType", timestamp: ts - 1000, value: "COMBUSTION" },
        { name: "powertrainType", timestamp: ts, value: "ELECTRIC" },
        {
          name: "currentLocationCoordinates",
          timestamp: ts - 1000,
          value: { latitude: 48.14, longitude: 11.58, hdop: 1 },
        },
        {
          name: "currentLocationCoordinates",
          timestamp: ts,
          value: { latitude: 48.4, longitude: 11.58, hdop: 2 },
        },
      ],
    });
    expect(await values(electric)).toEqual(["ELECTRIC"]);
    const [event] = await fired(away);
    expect(event.data.signal).toMatchObject({
      name: "currentLocationCoordinates",
      valueType: "vss.Location",
      value: { latitude: 48.4, longitude: 11.58, hdop: 2 },
    });
    expect(event.data.signal.unit).toBeUndefined();
  });

  it("evaluates events", async () => {
    const id = await webhook({
      service: "events",
      metricName: "behavior.harshBraking",
      condition: 'name == "behavior.harshBraking" && durationNs > 1000000',
    });
    const ts = ctx.clock - 1000;
    await ingest({
      tokenId: vehicle,
      events: [
        { name: "behavior.harshBraking", timestamp: ts - 2000, durationNs: 500 },
        { name: "behavior.harshBraking", timestamp: ts, durationNs: 2_000_000, metadata: { road: "wet" } },
        { name: "safety.collision", timestamp: ts, durationNs: 9_000_000 },
      ],
    });
    const events = await fired(id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      dataversion: "events/v1.0",
      data: {
        service: "events",
        metricName: "behavior.harshBraking",
        event: {
          name: "behavior.harshBraking",
          timestamp: new Date(ts).toISOString(),
          source: SOURCE,
          durationNs: 2_000_000,
          metadata: '{"road":"wet"}',
        },
      },
    });
  });

  it("skips disabled webhooks and unsubscribed vehicles", async () => {
    const id = await webhook({ status: "disabled" });
    await speeds([150]);
    expect(await values(id)).toEqual([]);
    await api(ctx, fleet, "PUT", `/v1/webhooks/${id}`, { status: "enabled" });
    await speeds([150], fleet.shared[1]);
    expect(await values(id)).toEqual([]);
    ctx.clock += 1000;
    await speeds([151]);
    expect(await values(id)).toEqual([151]);
  });

  it("evaluates only news: a retried batch, backfilled history and late points fire nothing", async () => {
    const id = await webhook({});
    const batch: IngestBatch = {
      tokenId: vehicle,
      signals: [{ name: "speed", timestamp: ctx.clock - 5000, value: 120 }],
    };
    await ingest(batch);
    await ingest(batch);
    expect(await values(id)).toEqual([120]);
    // Older than what the vehicle already reported.
    await ingest({
      tokenId: vehicle,
      signals: [{ name: "speed", timestamp: ctx.clock - 60_000, value: 180 }],
    });
    expect(await values(id)).toEqual([120]);
    ctx.clock += 10_000;
    await speeds([121]);
    expect(await values(id)).toEqual([120, 121]);
  });

  it("costs vehicles without subscriptions nothing but a set lookup", async () => {
    await webhook({});
    const evaluate = vi.spyOn(ctx.services.triggers.evaluator, "evaluate");
    await speeds([150], fleet.unshared);
    expect(evaluate).not.toHaveBeenCalled();
    await speeds([150]);
    expect(evaluate).toHaveBeenCalledTimes(1);
  });
});

describe("permissions at every evaluation (§5)", () => {
  it("stops at once when the grant is revoked: the vehicle is unsubscribed, queued deliveries cancelled", async () => {
    const id = await webhook({});
    await speeds([150]);
    expect(await values(id)).toEqual([150]);
    await ctx.services.grants.revoke({ tokenId: vehicle, grantee: fleet.clientId, grantor: fleet.owner });
    // The delivery queued before the revocation is not sent.
    expect(await ctx.services.triggers.worker.runOnce()).toBe(1);
    expect(receiver.deliveries()).toHaveLength(0);
    const [entry] = (await api(ctx, fleet, "GET", `/v1/webhooks/${id}/deliveries`)).body;
    expect(entry).toMatchObject({
      status: "cancelled",
      error: "the vehicle's grant no longer covers this webhook",
    });
    ctx.clock += 1000;
    await speeds([160]);
    expect(await values(id)).toEqual([150]);
    expect((await api(ctx, fleet, "GET", `/v1/webhooks/${id}`)).body).toEqual([]);
  });

  it("unsubscribes when a new grant no longer holds the metric's privilege", async () => {
    const id = await webhook({});
    await ctx.services.grants.grant({
      tokenId: vehicle,
      grantee: fleet.clientId,
      grantor: fleet.owner,
      privileges: [4],
    });
    await speeds([150]);
    expect(await values(id)).toEqual([]);
    expect((await api(ctx, fleet, "GET", `/v1/webhooks/${id}`)).body).toEqual([]);
  });
});
