import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { createServices, type Services } from "../../src/services.ts";
import type { Store } from "../../src/store/index.ts";

/**
 * Test support for the Identity API: the real app over a migrated test store (`createTestStore()`
 * from test/support, passed in so that this file stays free of test-only imports), with a
 * controllable clock.
 */
export interface IdentityHarness {
  app: FastifyInstance;
  services: Services;
  clock: { now: number };
  /** POST /identity/query with a JSON body. */
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLReply<T>>;
  close(): Promise<void>;
}

export interface GraphQLReply<T> {
  status: number;
  headers: Record<string, unknown>;
  body: {
    data?: T | null;
    errors?: {
      message: string;
      path?: (string | number)[];
      extensions?: { code?: string } & Record<string, unknown>;
    }[];
  };
}

export async function startIdentity(testStore: {
  store: Store;
  cleanup(): Promise<void>;
}): Promise<IdentityHarness> {
  const clock = { now: Date.parse("2025-06-01T12:00:00.000Z") };
  const config = loadConfig({ KEYFOB_SECRET: "x".repeat(40), KEYFOB_LOG_LEVEL: "silent" });
  const services = await createServices(config, { store: testStore.store, now: () => clock.now });
  const app = await buildApp(services);
  return {
    app,
    services,
    clock,
    async query(query, variables, headers) {
      const res = await app.inject({
        method: "POST",
        url: "/identity/query",
        headers: { "content-type": "application/json", ...headers },
        payload: JSON.stringify(variables ? { query, variables } : { query }),
      });
      return { status: res.statusCode, headers: res.headers, body: res.json() };
    },
    async close() {
      await app.close();
      await services.close();
      await testStore.cleanup();
    },
  };
}

/** A response's JSON, walked freely by assertions (the assertions are the type check). */
// biome-ignore lint/suspicious/noExplicitAny: tests navigate arbitrary response JSON
export type Json = any;

/** `data` of a reply, for tests that walk into it. */
export function dataOf(reply: GraphQLReply<unknown>): Json {
  return reply.body.data;
}

/** Owners come from accounts (each has a custodial wallet that can sign grants). */
export async function createOwner(services: Services, email: string): Promise<`0x${string}`> {
  return (await services.accounts.create(email)).walletAddress;
}
