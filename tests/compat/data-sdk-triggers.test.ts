/**
 * The official @dimo-network/data-sdk 1.6.0, unmodified: every `vehicleTriggers` call against a real
 * Keyfob server process, with a real HTTPS receiver behind the webhook (vehicle-triggers.md §10:
 * the `{request: …}` update wrapper, raw `:tokenDID` path segments, form-typed empty POST bodies).
 */
import { DIMO, DimoEnvironment } from "@dimo-network/data-sdk";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DemoData } from "../../packages/server/src/demo.ts";
import { runCli, type ServerProcess, startServer } from "../support/server-process.ts";
import {
  type Certificate,
  type HttpsReceiver,
  httpsReceiver,
  selfSignedCertificate,
  until,
  verifyDelivery,
} from "../triggers/support/receiver.ts";

type AuthHeader = { headers: { Authorization: string } };

let cert: Certificate;
let receiver: HttpsReceiver;
let server: ServerProcess;
let demo: DemoData;
let dimo: DIMO;
let jwt: AuthHeader;
let credential: string;
const originalProduction = { ...DimoEnvironment.Production };

const did = (tokenId: number) => `did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:${tokenId}`;
const shared = () => demo.vehicles.filter((v) => v.sharedWithDemo).map((v) => v.tokenId);
const unshared = () => demo.vehicles.find((v) => !v.sharedWithDemo)!.tokenId;

beforeAll(async () => {
  cert = selfSignedCertificate();
  receiver = await httpsReceiver(cert, "sdk-token");
  server = await startServer({
    env: { KEYFOB_WEBHOOK_ALLOW_LOOPBACK: "on", NODE_EXTRA_CA_CERTS: cert.cert },
  });
  const seeded = await runCli(["seed", "--demo", "--json"], server.env);
  expect(seeded.code, seeded.stderr).toBe(0);
  demo = JSON.parse(seeded.stdout) as DemoData;
  const created = await runCli(
    ["connection", "create", "--name", "sdk", ...shared().flatMap((v) => ["--vehicle", String(v)]), "--json"],
    server.env,
  );
  credential = (JSON.parse(created.stdout) as { credential: string }).credential;
  Object.assign(DimoEnvironment.Production, { Auth: server.url, VehicleTriggers: server.url });
  dimo = new DIMO("Production");
  vi.spyOn(console, "error").mockImplementation(() => {});
  jwt = await dimo.auth.getDeveloperJwt({
    client_id: demo.clientId,
    domain: demo.domain,
    private_key: demo.apiKey,
  });
}, 90_000);

afterAll(async () => {
  Object.assign(DimoEnvironment.Production, originalProduction);
  await server?.stop();
  await receiver?.stop();
  cert?.remove();
});

const triggers = () => dimo.vehicleTriggers;

describe("data-sdk 1.6.0 vehicleTriggers against Keyfob", () => {
  let webhookId: string;
  let secret: string;

  it("getWebhookSignalNames lists the signal definitions", async () => {
    const signals = (await triggers().getWebhookSignalNames!({ ...jwt })) as Array<{ name: string }>;
    expect(signals).toContainEqual({
      name: "speed",
      description: "Vehicle speed.",
      unit: "km/h",
      valueType: "float64",
      permissions: ["privilege:GetNonLocationHistory"],
    });
  });

  it("createWebhook verifies the target and returns the id (and Keyfob's secret)", async () => {
    const created = (await triggers().createWebhook!({
      ...jwt,
      service: "signals",
      metricName: "vss.speed",
      condition: "valueNumber > 100",
      coolDownPeriod: 1,
      targetURL: `${receiver.origin}/hook`,
      status: "enabled",
      verificationToken: "sdk-token",
      description: "Speed alerts",
      displayName: "speeding",
    })) as { id: string; message: string; secret: string };
    expect(created).toMatchObject({ message: "Webhook registered successfully" });
    webhookId = created.id;
    secret = created.secret;
    expect(receiver.requests().filter((r) => r.body === '{"verification":"test"}')).toHaveLength(1);
    const list = (await triggers().listWebhooks!({ ...jwt })) as Array<Record<string, unknown>>;
    expect(list).toEqual([
      expect.objectContaining({
        id: webhookId,
        service: "signals",
        metricName: "vss.speed",
        condition: "valueNumber > 100",
        coolDownPeriod: 1,
        status: "enabled",
        description: "Speed alerts",
        displayName: "speeding",
        failureCount: 0,
      }),
    ]);
  });

  it("subscribeVehicle (raw DID in the path, form-typed empty body) and subscribeAllVehicles", async () => {
    const [first] = shared() as [number];
    expect(await triggers().subscribeVehicle!({ ...jwt, webhookId, tokenDID: did(first) })).toEqual({
      message: "Vehicle assigned successfully",
    });
    expect(await triggers().subscribeAllVehicles!({ ...jwt, webhookId })).toEqual({
      message: "Subscribed 2 assets",
    });
    expect(await triggers().listSubscribedVehicles!({ ...jwt, webhookId })).toEqual(shared().map(did));
    expect(await triggers().listVehicleSubscriptions!({ ...jwt, tokenDID: did(first) })).toEqual([
      { webhookId, assetDid: did(first), createdAt: expect.any(String), description: "Speed alerts" },
    ]);
  });

  it("refuses a vehicle that was not shared, as a DimoError with the status and message", async () => {
    await expect(
      triggers().subscribeVehicle!({ ...jwt, webhookId, tokenDID: did(unshared()) }),
    ).rejects.toMatchObject({
      statusCode: 403,
      body: { code: 403, message: "Insufficient vehicle permissions" },
      message: expect.stringMatching(/^API call error: Insufficient vehicle permissions\n/),
    });
  });

  it("updateWebhook's {request: …} body takes effect", async () => {
    expect(
      await triggers().updateWebhook!({
        ...jwt,
        webhookId,
        request: { condition: "valueNumber > 110", description: "Faster" },
      }),
    ).toEqual({ id: webhookId, message: "Webhook updated successfully" });
    const [view] = (await triggers().listWebhooks!({ ...jwt })) as Array<Record<string, unknown>>;
    expect(view).toMatchObject({ condition: "valueNumber > 110", description: "Faster" });
  });

  it("delivers signed events to the registered target", { timeout: 90_000 }, async () => {
    const [first] = shared() as [number];
    const res = await fetch(`${server.url}/v1/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
      body: JSON.stringify({
        tokenId: first,
        signals: [
          { name: "speed", timestamp: Date.now() - 2000, value: 105 },
          { name: "speed", timestamp: Date.now() - 1000, value: 115 },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const [delivery] = await until("a delivery", 60_000, () => {
      const got = receiver.deliveries(webhookId);
      return got.length > 0 ? got : undefined;
    });
    expect(verifyDelivery(secret, delivery!)).toMatchObject({
      subject: did(first),
      data: { webhookId, webhookName: "speeding", signal: { name: "speed", value: 115 } },
    });
  });

  it("unsubscribeVehicle, unsubscribeAllVehicles and deleteWebhook", async () => {
    const [first] = shared() as [number];
    expect(await triggers().unsubscribeVehicle!({ ...jwt, webhookId, tokenDID: did(first) })).toEqual({
      message: "Vehicle unsubscribed successfully",
    });
    expect(await triggers().unsubscribeAllVehicles!({ ...jwt, webhookId })).toEqual({
      message: "Unsubscribed 1 vehicles",
    });
    expect(await triggers().deleteWebhook!({ ...jwt, webhookId })).toEqual({
      message: "Webhook deleted successfully",
    });
    expect(await triggers().listWebhooks!({ ...jwt })).toEqual([]);
  });
});
