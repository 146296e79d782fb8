/**
 * The official @dimo-network/data-sdk 1.6.0, unmodified, against a real Keyfob server process:
 * a connection posts signals to /v1/ingest, and the SDK's telemetry.query and
 * telemetry.getLatestSignals read them back with a vehicle JWT from getVehicleJwt.
 */
import { DIMO, DimoEnvironment } from "@dimo-network/data-sdk";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DemoData } from "../../packages/server/src/demo.ts";
import { runCli, type ServerProcess, startServer } from "../support/server-process.ts";

interface CreatedConnection {
  source: string;
  credential: string;
}

type AuthHeader = { headers: { Authorization: string } };

let server: ServerProcess;
let demo: DemoData;
let dimo: DIMO;
let vehicleJwt: AuthHeader;
let connection: CreatedConnection;
let tokenId: number;

const originalProduction = { ...DimoEnvironment.Production };
// Whole seconds, a minute back: newer than anything seeding wrote, and the API prints seconds.
const now = Math.floor(Date.now() / 1000) * 1000 - 60_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

beforeAll(async () => {
  server = await startServer();
  const seeded = await runCli(["seed", "--demo", "--json"], server.env);
  expect(seeded.code, seeded.stderr).toBe(0);
  demo = JSON.parse(seeded.stdout) as DemoData;
  tokenId = demo.vehicles.find((v) => v.sharedWithDemo)!.tokenId;

  const created = await runCli(
    ["connection", "create", "--name", "compat", "--vehicle", String(tokenId), "--json"],
    server.env,
  );
  expect(created.code, created.stderr).toBe(0);
  connection = JSON.parse(created.stdout) as CreatedConnection;

  const ingest = await fetch(`${server.url}/v1/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${connection.credential}`, "content-type": "application/json" },
    body: JSON.stringify({
      tokenId,
      signals: [
        { name: "speed", timestamp: now - 120_000, value: 30 },
        { name: "speed", timestamp: now - 60_000, value: 50 },
        { name: "speed", timestamp: now, value: 40 },
        { name: "powertrainTransmissionTravelledDistance", timestamp: now, value: 12345.6 },
        { name: "exteriorAirTemperature", timestamp: now, value: 18.5 },
        { name: "powertrainType", timestamp: now, value: "ELECTRIC" },
        {
          name: "currentLocationCoordinates",
          timestamp: now,
          value: { latitude: 52.520008, longitude: 13.404954, hdop: 1.1 },
        },
      ],
    }),
  });
  expect(ingest.status, await ingest.clone().text()).toBe(200);
  expect(await ingest.json()).toMatchObject({ accepted: { signals: 7 } });

  Object.assign(DimoEnvironment.Production, {
    Auth: server.url,
    TokenExchange: server.url,
    Identity: `${server.url}/identity/query`,
    Telemetry: `${server.url}/telemetry/query`,
  });
  dimo = new DIMO("Production");
  vi.spyOn(console, "error").mockImplementation(() => {});
  const developerJwt = await dimo.auth.getDeveloperJwt({
    client_id: demo.clientId,
    domain: demo.domain,
    private_key: demo.apiKey,
  });
  vehicleJwt = await dimo.tokenexchange.getVehicleJwt({ ...developerJwt, tokenId });
}, 120_000);

afterAll(async () => {
  Object.assign(DimoEnvironment.Production, originalProduction);
  await server?.stop();
});

describe("data-sdk 1.6.0 telemetry against Keyfob", () => {
  it("telemetry.query: aggregations with aliases, latest values, within the connection's source", async () => {
    const from = iso(now - 180_000);
    const to = iso(now + 1_000);
    const result = (await dimo.telemetry.query({
      ...vehicleJwt,
      query: `{
        signals(tokenId: ${tokenId}, interval: "24h", from: "${from}", to: "${to}", filter: { source: "${connection.source}" }) {
          timestamp
          max: speed(agg: MAX)
          avg: speed(agg: AVG)
          first: speed(agg: FIRST)
          powertrainType(agg: LAST)
        }
        signalsLatest(tokenId: ${tokenId}, filter: { source: "${connection.source}" }) {
          speed { timestamp value }
          currentLocationCoordinates { value { latitude longitude hdop } }
        }
      }`,
    })) as { data: Record<string, unknown>; errors?: unknown };
    expect(result.errors).toBeUndefined();
    expect(result.data.signals).toEqual([
      { timestamp: from, max: 50, avg: 40, first: 30, powertrainType: "ELECTRIC" },
    ]);
    expect(result.data.signalsLatest).toEqual({
      speed: { timestamp: iso(now), value: 40 },
      currentLocationCoordinates: { value: { latitude: 52.520008, longitude: 13.404954, hdop: 1.1 } },
    });
  });

  it("telemetry.getLatestSignals: the SDK's SignalsLatest(tokenID:) query", async () => {
    const result = (await dimo.telemetry.getLatestSignals({ ...vehicleJwt, tokenId })) as {
      data: { SignalsLatest: Record<string, { timestamp: string; value: unknown } | null> };
      errors?: unknown;
    };
    expect(result.errors).toBeUndefined();
    expect(result.data.SignalsLatest).toEqual({
      powertrainTransmissionTravelledDistance: { timestamp: iso(now), value: 12345.6 },
      exteriorAirTemperature: { timestamp: iso(now), value: 18.5 },
      speed: { timestamp: iso(now), value: 40 },
      powertrainType: { timestamp: iso(now), value: "ELECTRIC" },
    });
  });

  it("a refused field is a GraphQL error the SDK returns, not an HTTP failure", async () => {
    const developerJwt = await dimo.auth.getDeveloperJwt({
      client_id: demo.clientId,
      domain: demo.domain,
      private_key: demo.apiKey,
    });
    const locationOnly = await dimo.tokenexchange.exchange({ ...developerJwt, tokenId, privileges: [4] });
    const result = (await dimo.telemetry.getLatestSignals({ ...locationOnly, tokenId })) as {
      data: { SignalsLatest: Record<string, unknown> };
      errors: Array<{ message: string; path: string[] }>;
    };
    expect(result.data.SignalsLatest.speed).toBeNull();
    expect(result.errors).toContainEqual(
      expect.objectContaining({
        message: "unauthorized: missing required privilege(s) VEHICLE_NON_LOCATION_DATA",
        path: ["SignalsLatest", "speed"],
      }),
    );
  });

  it("a tampered vehicle JWT is HTTP 401, which the SDK throws", async () => {
    const token = vehicleJwt.headers.Authorization;
    const tampered = { headers: { Authorization: `${token.slice(0, -4)}AAAA` } };
    await expect(dimo.telemetry.getLatestSignals({ ...tampered, tokenId })).rejects.toMatchObject({
      statusCode: 401,
    });
  });
});
