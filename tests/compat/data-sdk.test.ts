/**
 * The official @dimo-network/data-sdk 1.6.0, unmodified, against a real Keyfob server process:
 * developer JWT, Identity queries, SACD listing, getVehicleJwt and exchange, and the refusals.
 */
import { DIMO, DimoEnvironment } from "@dimo-network/data-sdk";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../packages/server/src/config.ts";
import type { DemoData } from "../../packages/server/src/demo.ts";
import { createServices } from "../../packages/server/src/services.ts";
import { runCli, type ServerProcess, startServer } from "../support/server-process.ts";

type AuthHeader = { headers: { Authorization: string } };

let server: ServerProcess;
let demo: DemoData;
let dimo: DIMO;
let developerJwt: AuthHeader;

const originalProduction = { ...DimoEnvironment.Production };

beforeAll(async () => {
  server = await startServer();
  const seeded = await runCli(["seed", "--demo", "--json"], server.env);
  expect(seeded.code, seeded.stderr).toBe(0);
  demo = JSON.parse(seeded.stdout) as DemoData;
  // The documented way to point the SDK elsewhere: mutate its exported environment object, which
  // also reaches the SDK's internal helpers (getDeveloperJwt, getVehicleJwt).
  Object.assign(DimoEnvironment.Production, {
    Auth: server.url,
    TokenExchange: server.url,
    VehicleTriggers: server.url,
    Attestation: server.url,
    Identity: `${server.url}/identity/query`,
    Telemetry: `${server.url}/telemetry/query`,
  });
  dimo = new DIMO("Production");
  // The SDK logs every API error with console.error; keep the test output readable.
  vi.spyOn(console, "error").mockImplementation(() => {});
}, 90_000);

afterAll(async () => {
  Object.assign(DimoEnvironment.Production, originalProduction);
  await server?.stop();
});

const shared = () => demo.vehicles.find((v) => v.sharedWithDemo)!;
const unshared = () => demo.vehicles.find((v) => !v.sharedWithDemo)!;

describe("data-sdk 1.6.0 against Keyfob", () => {
  it("gets a developer JWT by signing the web3 challenge with the API key", async () => {
    developerJwt = (await dimo.auth.getDeveloperJwt({
      client_id: demo.clientId,
      domain: demo.domain,
      private_key: demo.apiKey,
    })) as AuthHeader;
    expect(developerJwt.headers.Authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = decodeJwt(developerJwt.headers.Authorization.slice(7));
    expect(claims.ethereum_address).toBe(demo.clientId);
    expect(claims.aud).toBe(demo.clientId);
    expect(claims.iss).toBe(server.url);
  });

  it("counts vehicles with identity.countDimoVehicles", async () => {
    const result = (await dimo.identity.countDimoVehicles()) as {
      data: { vehicles: { totalCount: number } };
    };
    expect(result.data.vehicles.totalCount).toBe(4);
  });

  it("lists a shared vehicle's SACDs with the license as checksummed grantee and template-1 bits", async () => {
    const result = (await dimo.identity.listSacdPerVehicleTokenId({ tokenId: shared().tokenId })) as {
      data: {
        vehicle: { sacds: { totalCount: number; nodes: Array<{ grantee: string; permissions: string }> } };
      };
    };
    expect(result.data.vehicle.sacds.totalCount).toBe(1);
    expect(result.data.vehicle.sacds.nodes).toEqual([{ grantee: demo.clientId, permissions: "0x3ffc" }]);
  });

  it("exchanges for a vehicle JWT with getVehicleJwt (privileges read from Identity)", async () => {
    const vehicleJwt = (await dimo.tokenexchange.getVehicleJwt({
      ...developerJwt,
      tokenId: shared().tokenId,
    })) as AuthHeader;
    const claims = decodeJwt(vehicleJwt.headers.Authorization.slice(7));
    expect(claims.sub).toBe(demo.clientId);
    expect(claims.aud).toEqual(["dimo.zone"]);
    expect(claims.privilege_ids).toEqual([1, 2, 3, 4, 5, 6]);
    expect(claims.token_id).toBe(String(shared().tokenId));
    expect(claims.asset).toBe(
      `did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:${shared().tokenId}`,
    );
    expect(claims.exp! - claims.iat!).toBe(600);
  });

  it("exchanges with explicit privileges", async () => {
    const vehicleJwt = (await dimo.tokenexchange.exchange({
      ...developerJwt,
      tokenId: shared().tokenId,
      privileges: [1, 4],
    })) as AuthHeader;
    const claims = decodeJwt(vehicleJwt.headers.Authorization.slice(7));
    expect(claims.permissions).toEqual(["privilege:GetNonLocationHistory", "privilege:GetLocationHistory"]);
    expect(claims.contract_address).toBe("0xba5738a18d83d41847dffbdc6101d37c69c9b0cf");
  });

  it("refuses an unshared vehicle with 403", async () => {
    await expect(
      dimo.tokenexchange.exchange({ ...developerJwt, tokenId: unshared().tokenId, privileges: [1] }),
    ).rejects.toMatchObject({
      statusCode: 403,
      message: expect.stringContaining(`lacks permissions [1]`),
    });
  });

  it("refuses a tampered developer JWT with 401", async () => {
    const [h, p, s] = developerJwt.headers.Authorization.slice(7).split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 86400 })).toString(
      "base64url",
    );
    const tampered = { headers: { Authorization: `Bearer ${h}.${forged}.${s}` } };
    await expect(
      dimo.tokenexchange.exchange({ ...tampered, tokenId: shared().tokenId, privileges: [1] }),
    ).rejects.toMatchObject({
      statusCode: 401,
    });
  });

  it("refuses an expired developer JWT signed with the server's own key with 401", async () => {
    // A second process view of the same installation, its clock two days back: a genuine
    // signature from the active key, whose token expired a day ago.
    const past = await createServices(loadConfig(server.env), {
      migrate: false,
      now: () => Date.now() - 2 * 86400_000,
    });
    try {
      const claims = decodeJwt(developerJwt.headers.Authorization.slice(7));
      const { iss: _iss, iat: _iat, exp: _exp, ...own } = claims;
      const expired = await past.jwt.sign("developer", own, 86400);
      const headers = { Authorization: `Bearer ${expired.token}` };
      await expect(
        dimo.tokenexchange.exchange({ headers, tokenId: shared().tokenId, privileges: [1] }),
      ).rejects.toMatchObject({
        statusCode: 401,
      });
    } finally {
      await past.close();
    }
  });
});
