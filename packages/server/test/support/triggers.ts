import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { buildApp } from "../../src/app.ts";
import type { Address } from "../../src/domain/address.ts";
import type { PrivilegeId } from "../../src/domain/privileges.ts";
import type { HostResolver } from "../../src/modules/triggers/delivery-client.ts";
import { createServices, type Services } from "../../src/services.ts";
import { testConfig } from "./services.ts";
import { createTestStore, emptyStore, type TestStore } from "./store.ts";

/**
 * Test support for vehicle triggers: the services with loopback webhook targets allowed, a shrunk
 * retry schedule and a controllable clock; a license with an owner, vehicles and grants; and an
 * in-process HTTP receiver whose answers a test decides.
 */

/** Retry offsets for module tests: 0, 1 s, 2 s, 4 s (then dead). */
export const TEST_RETRY_SCHEDULE = "0s,1s,2s,4s";

export interface TriggerTestContext {
  readonly services: Services;
  readonly app: FastifyInstance;
  clock: number;
  /** Host name → addresses for webhook targets; names not listed resolve as the system does. */
  readonly hosts: Map<string, string[]>;
}

/** Like useServices, with trigger settings; `overrides` are more KEYFOB_* settings. */
export function useTriggerServices(
  start: number,
  overrides: Record<string, string> = {},
): TriggerTestContext {
  let testStore: TestStore | undefined;
  let services: Services | undefined;
  let app: FastifyInstance | undefined;
  const hosts = new Map<string, string[]>();
  const ctx: TriggerTestContext = {
    get services() {
      return services!;
    },
    get app() {
      return app!;
    },
    clock: start,
    hosts,
  };
  const resolve: HostResolver = async (hostname) => {
    const fixed = hosts.get(hostname.toLowerCase());
    if (fixed) return fixed;
    const { lookup } = await import("node:dns/promises");
    return (await lookup(hostname, { all: true })).map((a) => a.address);
  };

  beforeAll(async () => {
    testStore = await createTestStore();
  });
  afterAll(async () => {
    await testStore?.cleanup();
  });
  beforeEach(async () => {
    ctx.clock = start;
    hosts.clear();
    await emptyStore(testStore!.store);
    services = await createServices(
      testConfig({
        KEYFOB_WEBHOOK_ALLOW_LOOPBACK: "on",
        KEYFOB_WEBHOOK_RETRY_SCHEDULE: TEST_RETRY_SCHEDULE,
        KEYFOB_WEBHOOK_MAX_FAILURES: "5",
        ...overrides,
      }),
      {
        store: testStore!.store,
        now: () => ctx.clock,
        triggers: { resolve, random: () => 0.5, deliveryTimeoutMs: 2_000 },
      },
    );
    app = await buildApp(services);
    // Tests drive deliveries with worker.runOnce() and the fake clock.
    await services.triggers.stopDelivery();
  });
  afterEach(async () => {
    await app?.close();
    await services?.close();
  });
  return ctx;
}

export interface Fleet {
  clientId: Address;
  /** A developer JWT of the license. */
  jwt: string;
  owner: Address;
  /** Shared with the license through template 1 (privileges 1–6). */
  shared: number[];
  /** Not shared. */
  unshared: number;
}

/** A license, an owner with three vehicles, two shared with the license. */
export async function createFleet(services: Services, alias = "trigger-app"): Promise<Fleet> {
  const developer = await services.accounts.ensure(`${alias}@example.com`);
  const license = await services.licenses.create({ owner: developer.walletAddress, alias });
  const owner = await services.accounts.ensure(`owner-${alias}@example.com`);
  const mint = async () =>
    (
      await services.vehicles.mint({
        owner: owner.walletAddress,
        make: "Tesla",
        model: "Model 3",
        year: 2022,
        powertrainType: "BEV",
      })
    ).tokenId;
  const shared = [await mint(), await mint()];
  const unshared = await mint();
  for (const tokenId of shared)
    await services.grants.grant({
      tokenId,
      grantee: license.clientId,
      grantor: owner.walletAddress,
      templateId: "1",
    });
  const { token } = await services.developerAuth.issueDeveloperJwt(license.clientId, license.clientId);
  return { clientId: license.clientId, jwt: token, owner: owner.walletAddress, shared, unshared };
}

/** Grants a vehicle to the fleet's license with exactly these privileges. */
export async function grantPrivileges(
  services: Services,
  fleet: Fleet,
  tokenId: number,
  privileges: PrivilegeId[],
): Promise<void> {
  await services.grants.grant({ tokenId, grantee: fleet.clientId, grantor: fleet.owner, privileges });
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type ReceiverHandler = (request: ReceivedRequest, response: ServerResponse) => void;

export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  requests: ReceivedRequest[];
  /** Deliveries only (not the verification handshake). */
  deliveries(): ReceivedRequest[];
  /** How it answers from now on (default: the handshake echoes `token`, anything else 200). */
  respond(handler: ReceiverHandler): void;
  close(): Promise<void>;
}

/** Answers the verification handshake with `token`, everything else with 204. */
export function echoing(token: string): ReceiverHandler {
  return (request, response) => {
    if (request.body === '{"verification":"test"}') response.writeHead(200).end(token);
    else response.writeHead(204).end();
  };
}

export async function startReceiver(token = "verify-me"): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let handler: ReceiverHandler = echoing(token);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(received);
      handler(received, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    deliveries: () => requests.filter((r) => r.body !== '{"verification":"test"}'),
    respond(next) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An HTTP call to the app with the fleet's developer JWT. */
export async function api(
  ctx: TriggerTestContext,
  fleet: Pick<Fleet, "jwt">,
  method: "GET" | "POST" | "PUT" | "DELETE",
  url: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests walk arbitrary response JSON
): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const res = await ctx.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${fleet.jwt}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { payload: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = res.body;
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}
