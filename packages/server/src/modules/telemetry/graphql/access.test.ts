import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useServices } from "../../../../test/support/services.ts";
import {
  errorAt,
  type GraphQLAnswer,
  ingest,
  mintVehicle,
  telemetryQuery,
  vehicleJwt,
} from "../../../../test/support/telemetry.ts";
import { buildApp } from "../../../app.ts";
import { checksumAddress } from "../../../domain/address.ts";
import type { PrivilegeId } from "../../../domain/privileges.ts";

/** Authentication and the privilege rules of the Telemetry API (telemetry-api.md §1, §2). */

const START = Date.parse("2025-06-01T12:00:00.000Z");
const ctx = useServices(START);
let app: FastifyInstance;
let tokenId: number;
let otherTokenId: number;

const NLD = "unauthorized: missing required privilege(s) VEHICLE_NON_LOCATION_DATA";
const ATL = "unauthorized: missing required privilege(s) VEHICLE_ALL_TIME_LOCATION";
const APPROX =
  "unauthorized: requires at least one of the following privileges [VEHICLE_APPROXIMATE_LOCATION VEHICLE_ALL_TIME_LOCATION]";
const VIN = "unauthorized: missing required privilege(s) VEHICLE_VIN_CREDENTIAL";
const VEHICLE_CONTRACT = "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF";

beforeEach(async () => {
  tokenId = await mintVehicle(ctx.services);
  otherTokenId = await mintVehicle(ctx.services);
  await ingest(ctx.services, {
    tokenId,
    signals: [
      { name: "speed", timestamp: "2025-06-01T11:00:00Z", value: 42 },
      { name: "powertrainType", timestamp: "2025-06-01T11:00:00Z", value: "ELECTRIC" },
      {
        name: "currentLocationCoordinates",
        timestamp: "2025-06-01T11:00:00Z",
        value: { latitude: 52.520008, longitude: 13.404954, hdop: 1.2 },
      },
    ],
    events: [{ name: "behavior.harshBraking", timestamp: "2025-06-01T11:00:00Z", durationNs: 800_000_000 }],
    vin: { vin: "1HGCM82633A004352", countryCode: "US", recordedAt: "2025-06-01T10:00:00Z" },
  });
  app = await buildApp(ctx.services);
});

afterEach(async () => {
  await app.close();
});

const everything = (id: number) => `{
  signalsLatest(tokenId: ${id}) {
    lastSeen
    speed { value }
    powertrainType { value }
    currentLocationCoordinates { value { latitude longitude hdop } }
    currentLocationApproximateCoordinates { value { latitude longitude hdop } }
  }
  signals(tokenId: ${id}, interval: "1h", from: "2025-06-01T11:00:00Z", to: "2025-06-01T12:00:00Z") {
    timestamp
    speed(agg: MAX)
    powertrainType(agg: LAST)
    currentLocationCoordinates(agg: LAST) { latitude }
    currentLocationApproximateCoordinates(agg: LAST) { latitude }
  }
  events(tokenId: ${id}, from: "2025-06-01T00:00:00Z", to: "2025-06-02T00:00:00Z") { name durationNs }
  vinVCLatest(tokenId: ${id}) { vin }
}`;

type Klass = "nldFloat" | "nldString" | "atlLocation" | "approximate" | "events" | "vin";

/** The paths of each class in `everything`, and the error when the class is refused. */
const CLASSES: Record<Klass, { paths: string[]; refusal: (privileges: PrivilegeId[]) => string }> = {
  nldFloat: { paths: ["signalsLatest.speed", "signals.0.speed"], refusal: () => NLD },
  nldString: { paths: ["signalsLatest.powertrainType", "signals.0.powertrainType"], refusal: () => NLD },
  atlLocation: {
    paths: ["signalsLatest.currentLocationCoordinates", "signals.0.currentLocationCoordinates"],
    refusal: () => ATL,
  },
  approximate: {
    paths: [
      "signalsLatest.currentLocationApproximateCoordinates",
      "signals.0.currentLocationApproximateCoordinates",
    ],
    refusal: () => APPROX,
  },
  events: { paths: ["events"], refusal: (privileges) => (privileges.includes(1) ? ATL : NLD) },
  vin: { paths: ["vinVCLatest"], refusal: () => VIN },
};

function valueAt(answer: GraphQLAnswer, path: string): unknown {
  let value: unknown = answer.body.data;
  for (const key of path.split(".")) value = (value as Record<string, unknown> | null)?.[key];
  return value;
}

describe("the privilege matrix: each class of data against each set of privileges", () => {
  const matrix: Array<[string, PrivilegeId[], Klass[]]> = [
    ["none", [], []],
    ["1 only", [1], ["nldFloat", "nldString"]],
    ["4 only", [4], ["atlLocation", "approximate"]],
    ["8 only", [8], ["approximate"]],
    ["1+4", [1, 4], ["nldFloat", "nldString", "atlLocation", "approximate", "events"]],
    ["5", [5], ["vin"]],
  ];

  it.each(matrix)("privileges %s", async (_name, privileges, allowed) => {
    const token = await vehicleJwt(ctx.services, tokenId, privileges);
    const answer = await telemetryQuery(app, everything(tokenId), { token });
    expect(answer.status).toBe(200);
    const readsAnySignal = allowed.some((k) => k !== "events" && k !== "vin");
    for (const [klass, { paths, refusal }] of Object.entries(CLASSES) as [Klass, (typeof CLASSES)[Klass]][]) {
      for (const path of paths) {
        // With no readable signal field, `signals` itself is refused (see below); skip its items here.
        if (path.startsWith("signals.") && !readsAnySignal) continue;
        if (allowed.includes(klass)) {
          expect(errorAt(answer, path), `${path} should be readable`).toBeUndefined();
          expect(valueAt(answer, path), `${path} should have a value`).not.toBeNull();
        } else {
          expect(errorAt(answer, path), `${path} should be refused`).toBe(refusal(privileges));
          expect(valueAt(answer, path)).toBeNull();
        }
      }
    }
    if (!readsAnySignal) {
      expect(answer.body.data.signals).toBeNull();
      expect(errorAt(answer, "signals")).toBe(NLD);
    }
    // A refused field nulls only itself: the collection still answers.
    expect(answer.body.data.signalsLatest).not.toBeNull();
  });

  it("shows the values themselves to a caller with every privilege", async () => {
    const token = await vehicleJwt(ctx.services, tokenId, [1, 4, 5]);
    const { body } = await telemetryQuery(app, everything(tokenId), { token });
    expect(body.errors).toBeUndefined();
    expect(body.data.signalsLatest).toEqual({
      lastSeen: "2025-06-01T11:00:00Z",
      speed: { value: 42 },
      powertrainType: { value: "ELECTRIC" },
      currentLocationCoordinates: { value: { latitude: 52.520008, longitude: 13.404954, hdop: 1.2 } },
      currentLocationApproximateCoordinates: {
        value: { latitude: 52.52358882193956, longitude: 13.373676274802076, hdop: 1.2 },
      },
    });
    expect(body.data.events).toEqual([{ name: "behavior.harshBraking", durationNs: 800_000_000 }]);
    expect(body.data.vinVCLatest).toEqual({ vin: "1HGCM82633A004352" });
  });

  it("lastSeen counts only the signals the caller may read", async () => {
    await ingest(ctx.services, {
      tokenId,
      signals: [{ name: "speed", timestamp: "2025-06-01T11:30:00Z", value: 50 }],
    });
    const locationOnly = await vehicleJwt(ctx.services, tokenId, [8]);
    const { body } = await telemetryQuery(app, `{ signalsLatest(tokenId: ${tokenId}) { lastSeen } }`, {
      token: locationOnly,
    });
    expect(body.data.signalsLatest.lastSeen).toBe("2025-06-01T11:00:00Z");
  });
});

describe("availableSignals, signalsSnapshot and dataSummary list only what the caller may read", () => {
  const query = (id: number) => `{
    availableSignals(tokenId: ${id})
    signalsSnapshot(tokenId: ${id}) { lastSeen signals { name timestamp valueNumber valueString valueLocation { latitude longitude hdop } } }
    dataSummary(tokenId: ${id}) {
      numberOfSignals availableSignals firstSeen lastSeen
      signalDataSummary { name numberOfSignals firstSeen lastSeen }
      eventDataSummary { name numberOfEvents firstSeen lastSeen }
    }
  }`;

  it.each<[string, PrivilegeId[], string[]]>([
    ["none", [], []],
    ["1 only", [1], ["powertrainType", "speed"]],
    ["4 only", [4], ["currentLocationApproximateCoordinates", "currentLocationCoordinates"]],
    ["8 only", [8], ["currentLocationApproximateCoordinates"]],
    [
      "1+4",
      [1, 4],
      ["currentLocationApproximateCoordinates", "currentLocationCoordinates", "powertrainType", "speed"],
    ],
    ["5", [5], []],
  ])("privileges %s", async (_name, privileges, names) => {
    const token = await vehicleJwt(ctx.services, tokenId, privileges);
    const { status, body } = await telemetryQuery(app, query(tokenId), { token });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.availableSignals).toEqual(names);
    expect(body.data.signalsSnapshot.signals.map((s: { name: string }) => s.name)).toEqual(names);
    expect(body.data.dataSummary.availableSignals).toEqual(names);
    expect(body.data.dataSummary.signalDataSummary.map((s: { name: string }) => s.name)).toEqual(names);
    const stored = names.filter((name) => name !== "currentLocationApproximateCoordinates");
    expect(body.data.dataSummary.numberOfSignals).toBe(stored.length);
    expect(body.data.dataSummary.eventDataSummary).toEqual(
      privileges.includes(1) && privileges.includes(4)
        ? [
            {
              name: "behavior.harshBraking",
              numberOfEvents: 1,
              firstSeen: "2025-06-01T11:00:00Z",
              lastSeen: "2025-06-01T11:00:00Z",
            },
          ]
        : [],
    );
    if (names.length === 0) {
      expect(body.data.signalsSnapshot.lastSeen).toBeNull();
      expect(body.data.dataSummary.firstSeen).toBe("0001-01-01T00:00:00Z");
    } else {
      expect(body.data.signalsSnapshot.lastSeen).toBe("2025-06-01T11:00:00Z");
      expect(body.data.dataSummary.lastSeen).toBe("2025-06-01T11:00:00Z");
    }
  });

  it("snapshot values carry their type; the approximate location is snapped", async () => {
    const token = await vehicleJwt(ctx.services, tokenId, [1, 4]);
    const { body } = await telemetryQuery(app, query(tokenId), { token });
    expect(body.data.signalsSnapshot.signals).toEqual([
      {
        name: "currentLocationApproximateCoordinates",
        timestamp: "2025-06-01T11:00:00Z",
        valueNumber: null,
        valueString: null,
        valueLocation: { latitude: 52.52358882193956, longitude: 13.373676274802076, hdop: 1.2 },
      },
      {
        name: "currentLocationCoordinates",
        timestamp: "2025-06-01T11:00:00Z",
        valueNumber: null,
        valueString: null,
        valueLocation: { latitude: 52.520008, longitude: 13.404954, hdop: 1.2 },
      },
      {
        name: "powertrainType",
        timestamp: "2025-06-01T11:00:00Z",
        valueNumber: null,
        valueString: "ELECTRIC",
        valueLocation: null,
      },
      {
        name: "speed",
        timestamp: "2025-06-01T11:00:00Z",
        valueNumber: 42,
        valueString: null,
        valueLocation: null,
      },
    ]);
  });
});

describe("the vehicle token", () => {
  it("a token for another vehicle: token id does not match", async () => {
    const token = await vehicleJwt(ctx.services, otherTokenId, [1, 4, 5]);
    const answer = await telemetryQuery(app, everything(tokenId), { token });
    expect(answer.status).toBe(200);
    for (const field of ["signalsLatest", "signals", "events", "vinVCLatest"]) {
      expect(errorAt(answer, field)).toBe("unauthorized: token id does not match");
      expect(answer.body.data[field]).toBeNull();
    }
  });

  it("an asset of another contract", async () => {
    const other = "0x0000000000000000000000000000000000000001";
    const token = await vehicleJwt(ctx.services, tokenId, [1], {
      asset: `did:erc721:137:${other}:${tokenId}`,
    });
    const answer = await telemetryQuery(app, `{ signalsLatest(tokenId: ${tokenId}) { speed { value } } }`, {
      token,
    });
    expect(errorAt(answer, "signalsLatest")).toBe(
      `unauthorized: contract in claim is ${other} instead of the required ${VEHICLE_CONTRACT}`,
    );
  });

  it("an account-level token (did:ethr asset) reads no vehicle", async () => {
    const account = checksumAddress("0x8ba1f109551bd432803012645ac136ddd64dba72");
    const token = await vehicleJwt(ctx.services, tokenId, [1], { asset: `did:ethr:137:${account}` });
    const answer = await telemetryQuery(app, `{ availableSignals(tokenId: ${tokenId}) }`, { token });
    expect(answer.status).toBe(200);
    expect(errorAt(answer, "availableSignals")).toBe(
      `unauthorized: contract in claim is ${account} instead of the required ${VEHICLE_CONTRACT}`,
    );
  });

  it("without a token the request runs and every protected field fails with HTTP 200", async () => {
    const answer = await telemetryQuery(app, everything(tokenId));
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ signalsLatest: null, signals: null, events: null, vinVCLatest: null });
    expect(answer.body.errors?.map((e) => [e.path?.join("."), e.message, e.extensions?.code])).toEqual([
      ["signalsLatest", "unauthorized: jwt missing", "UNAUTHORIZED"],
      ["signals", "unauthorized: jwt missing", "UNAUTHORIZED"],
      ["events", "unauthorized: jwt missing", "UNAUTHORIZED"],
      ["vinVCLatest", "unauthorized: jwt missing", "UNAUTHORIZED"],
    ]);
  });

  it.each<[string, () => Promise<Record<string, string>>]>([
    ["a malformed token", async () => ({ authorization: "Bearer not.a.jwt" })],
    ["another scheme", async () => ({ authorization: "Basic dXNlcjpwYXNz" })],
    ["an empty bearer", async () => ({ authorization: "Bearer " })],
    [
      "a tampered signature",
      async () => {
        const token = await vehicleJwt(ctx.services, tokenId, [1]);
        return { authorization: `Bearer ${token.slice(0, -4)}AAAA` };
      },
    ],
    [
      "an expired token",
      async () => {
        ctx.clock = START - 3_600_000;
        const token = await vehicleJwt(ctx.services, tokenId, [1]);
        ctx.clock = START;
        return { authorization: `Bearer ${token}` };
      },
    ],
    [
      "an audience without dimo.zone",
      async () => ({
        authorization: `Bearer ${await vehicleJwt(ctx.services, tokenId, [1], { aud: ["other"] })}`,
      }),
    ],
    [
      "a developer JWT (wrong issuer)",
      async () => {
        const signed = await ctx.services.jwt.sign(
          "developer",
          { sub: "x", aud: ["dimo.zone"], asset: ctx.services.vehicles.did(tokenId), permissions: [] },
          600,
        );
        return { authorization: `Bearer ${signed.token}` };
      },
    ],
    [
      "an asset that is not a DID",
      async () => ({
        authorization: `Bearer ${await vehicleJwt(ctx.services, tokenId, [1], { asset: "vehicle-1" })}`,
      }),
    ],
  ])("%s is HTTP 401 JSON, CORS readable", async (_name, headers) => {
    const res = await app.inject({
      method: "POST",
      url: "/telemetry/query",
      headers: {
        "content-type": "application/json",
        origin: "https://app.example.com",
        ...(await headers()),
      },
      payload: JSON.stringify({ query: `{ signalsLatest(tokenId: ${tokenId}) { lastSeen } }` }),
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      code: 401,
      message: expect.stringMatching(/^(Invalid or expired|Missing or malformed) JWT$/),
    });
    expect(res.headers["access-control-allow-origin"]).toBe("*");
  });
});

describe("the data SDK's SignalsLatest(tokenID:) spelling", () => {
  // data-sdk 1.6.0 telemetry.getLatestSignals, verbatim with the token id substituted.
  const sdkQuery = (id: number) => `
                query {
                    SignalsLatest(tokenID: ${id}){
                        powertrainTransmissionTravelledDistance {
                            timestamp
                            value
                        }
                        exteriorAirTemperature {
                            timestamp
                            value
                        }
                        speed{
                            timestamp
                            value
                        }
                        powertrainType{
                            timestamp
                            value
                        }
                    }
                }`;

  it("answers under the key SignalsLatest like signalsLatest", async () => {
    const token = await vehicleJwt(ctx.services, tokenId, [1]);
    const { status, body } = await telemetryQuery(app, sdkQuery(tokenId), { token });
    expect(status).toBe(200);
    expect(body).toEqual({
      data: {
        SignalsLatest: {
          powertrainTransmissionTravelledDistance: null,
          exteriorAirTemperature: null,
          speed: { timestamp: "2025-06-01T11:00:00Z", value: 42 },
          powertrainType: { timestamp: "2025-06-01T11:00:00Z", value: "ELECTRIC" },
        },
      },
    });
  });

  it("checks the token against tokenID and the privileges like signalsLatest", async () => {
    const other = await vehicleJwt(ctx.services, otherTokenId, [1]);
    const mismatch = await telemetryQuery(app, sdkQuery(tokenId), { token: other });
    expect(errorAt(mismatch, "SignalsLatest")).toBe("unauthorized: token id does not match");
    const locationOnly = await vehicleJwt(ctx.services, tokenId, [4]);
    const refused = await telemetryQuery(app, sdkQuery(tokenId), { token: locationOnly });
    expect(errorAt(refused, "SignalsLatest.speed")).toBe(NLD);
    expect(refused.body.data.SignalsLatest.speed).toBeNull();
  });

  it("is deprecated in the schema", async () => {
    const { body } = await telemetryQuery(
      app,
      `{ __schema { queryType { fields(includeDeprecated: true) { name isDeprecated args { name } } } } }`,
    );
    const fields = body.data.__schema.queryType.fields as {
      name: string;
      isDeprecated: boolean;
      args: { name: string }[];
    }[];
    expect(fields.find((f) => f.name === "SignalsLatest")).toEqual({
      name: "SignalsLatest",
      isDeprecated: true,
      args: [{ name: "tokenID" }, { name: "filter" }],
    });
    expect(fields.find((f) => f.name === "signalsLatest")?.isDeprecated).toBe(false);
  });
});
