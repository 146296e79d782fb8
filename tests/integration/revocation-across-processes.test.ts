/**
 * Two server processes share one PostgreSQL database: a revocation made by a third process reaches
 * both, because every process LISTENs for grant changes and drops its cache. The notification is
 * asynchronous: it arrives within milliseconds of the commit, not in the same instant, so each
 * replica is polled briefly — far below the cache's 60 s safety-net age, so a lost notification
 * still fails the test. (SQLite is one process's embedded store: skipped there, with the reason.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../packages/server/src/config.ts";
import type { DemoData } from "../../packages/server/src/demo.ts";
import { createServices, type Services } from "../../packages/server/src/services.ts";
import { freshDatabaseUrl, testEngine } from "../../packages/server/test/support/store.ts";
import { developerJwtOverHttp } from "../support/developer-jwt.ts";
import { runCli, type ServerProcess, startServer, TEST_SECRET } from "../support/server-process.ts";

const postgres = testEngine() === "postgres";

let servers: ServerProcess[] = [];
let admin: Services | undefined;
let drop: (() => Promise<void>) | undefined;
let demo: DemoData;

async function exchangeStatus(base: string, jwt: string, tokenId: number): Promise<number> {
  const res = await fetch(`${base}/v1/tokens/exchange`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${jwt}` },
    body: JSON.stringify({
      nftContractAddress: "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF",
      privileges: [1],
      tokenId,
    }),
  });
  return res.status;
}

beforeAll(async () => {
  if (!postgres) return;
  const db = await freshDatabaseUrl();
  drop = db.drop;
  servers = [await startServer({ databaseUrl: db.url }), await startServer({ databaseUrl: db.url })];
  const seeded = await runCli(["seed", "--demo", "--json"], servers[0]!.env);
  expect(seeded.code, seeded.stderr).toBe(0);
  demo = JSON.parse(seeded.stdout) as DemoData;
  admin = await createServices(
    loadConfig({ KEYFOB_DATABASE_URL: db.url, KEYFOB_SECRET: TEST_SECRET, KEYFOB_LOG_LEVEL: "silent" }),
    { migrate: false },
  );
}, 120_000);

afterAll(async () => {
  await admin?.close();
  for (const server of servers) await server.stop();
  await drop?.();
});

describe("grant changes across server processes", () => {
  it("a revocation reaches every replica within the moment a notification takes", async (test) => {
    if (!postgres) test.skip("PostgreSQL only: replicas share a PostgreSQL database");
    const tokenId = demo.vehicles.find((v) => v.sharedWithDemo)!.tokenId;
    const jwts = await Promise.all(servers.map((s) => developerJwtOverHttp(s.url, demo)));
    // Both replicas evaluate (and cache) the grant.
    for (const [i, server] of servers.entries())
      expect(await exchangeStatus(server.url, jwts[i]!, tokenId)).toBe(200);

    await admin!.grants.revoke({ tokenId, grantee: demo.clientId, grantor: demo.owner.walletAddress });
    for (const [i, server] of servers.entries())
      await expect
        .poll(() => exchangeStatus(server.url, jwts[i]!, tokenId), { timeout: 5_000, interval: 20 })
        .toBe(403);

    await admin!.grants.grant({
      tokenId,
      grantee: demo.clientId,
      grantor: demo.owner.walletAddress,
      templateId: "1",
    });
    for (const [i, server] of servers.entries())
      await expect
        .poll(() => exchangeStatus(server.url, jwts[i]!, tokenId), { timeout: 5_000, interval: 20 })
        .toBe(200);
  });
});
