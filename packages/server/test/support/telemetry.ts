import type { FastifyInstance } from "fastify";
import { type PrivilegeId, privilegeName } from "../../src/domain/privileges.ts";
import type { IngestBatch } from "../../src/modules/telemetry/contract.ts";
import type { Services } from "../../src/services.ts";

/** Test support for the Telemetry API: vehicle JWTs, data through the store's write API, queries. */

export interface GraphQLAnswer {
  status: number;
  headers: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: tests walk arbitrary response JSON
  body: { data?: any; errors?: { message: string; path?: (string | number)[]; extensions?: any }[] };
}

/** A vehicle JWT as token exchange signs it, for `tokenId` with the given privileges; `claims` override. */
export async function vehicleJwt(
  services: Services,
  tokenId: number,
  privileges: readonly PrivilegeId[],
  claims: Record<string, unknown> = {},
): Promise<string> {
  const signed = await services.jwt.sign(
    "vehicle",
    {
      sub: "0x0000000000000000000000000000000000000001",
      aud: ["dimo.zone"],
      asset: services.vehicles.did(tokenId),
      permissions: privileges.map(privilegeName),
      cloud_events: { events: [] },
      contract_address: services.config.vehicleContract.toLowerCase(),
      token_id: String(tokenId),
      privilege_ids: [...privileges],
      ...claims,
    },
    600,
  );
  return signed.token;
}

/** POST /telemetry/query with a JSON body (and a bearer token when given). */
export async function telemetryQuery(
  app: FastifyInstance,
  query: string,
  options: { token?: string; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<GraphQLAnswer> {
  const res = await app.inject({
    method: "POST",
    url: "/telemetry/query",
    headers: {
      "content-type": "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    payload: JSON.stringify(options.variables ? { query, variables: options.variables } : { query }),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json() };
}

/** The source DID of test data (a made-up connection). */
export const TEST_SOURCE = "did:ethr:137:0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** Stores a batch through the store's write API, as `source`. */
export async function ingest(services: Services, batch: IngestBatch, source = TEST_SOURCE): Promise<void> {
  await services.signals.ingest(batch, { source });
}

const OWNER = "0x8ba1f109551BD432803012645Ac136ddd64DBA72";

/** A freshly minted vehicle's token id. */
export async function mintVehicle(services: Services): Promise<number> {
  const vehicle = await services.vehicles.mint({
    owner: OWNER,
    make: "Tesla",
    model: "Model 3",
    year: 2022,
    powertrainType: "BEV",
  });
  return vehicle.tokenId;
}

/** The error of a path (`"signals.0.speed"`), or undefined. */
export function errorAt(answer: GraphQLAnswer, path: string): string | undefined {
  return answer.body.errors?.find((error) => (error.path ?? []).join(".") === path)?.message;
}
