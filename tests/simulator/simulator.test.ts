/**
 * The simulator as a newcomer meets it: `keyfob start` (embedded mode) drives the demo vehicles
 * from the first minute and fills in a week of history; `keyfob simulate` posts through the
 * ingestion API like any connection; `keyfob seed --demo` backfills idempotently. Real processes;
 * the tests read what arrived from the store, opened on the same database.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createVehicleSimulation } from "../../packages/server/src/domain/simulation/simulation.ts";
import { DEMO_SIMULATION, demoFleet } from "../../packages/server/src/modules/simulator/fleet.ts";
import type { SignalPoint } from "../../packages/server/src/modules/telemetry/contract.ts";
import { SignalStore } from "../../packages/server/src/modules/telemetry/store.ts";
import { openStore, type Store } from "../../packages/server/src/store/index.ts";
import { freshDatabaseUrl, testEngine } from "../../packages/server/test/support/store.ts";
import { repoRoot, runCli, type ServerProcess, startServer, TEST_SECRET } from "../support/server-process.ts";

interface DemoVehicle {
  tokenId: number;
  make: string;
  powertrainType: string;
  sharedWithDemo: boolean;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function reader(url: string): { store: Store; signals: SignalStore } {
  const store = openStore(url, { poolSize: 2 });
  cleanups.push(() => store.close());
  return { store, signals: new SignalStore(store.db, { vehicleDid: (id) => `did:erc721:137:0x0:${id}` }) };
}

async function latest(signals: SignalStore, tokenId: number): Promise<Map<string, SignalPoint>> {
  const points = await signals.latest(tokenId, { names: ["speed", "currentLocationCoordinates"] });
  return new Map(points.map((p) => [p.name, p]));
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(500);
  }
}

/**
 * The demo vehicles are moving: read the latest speed and location twice while (by the simulation's
 * own timeline, which the server follows) a vehicle is driving, and see both change.
 */
async function expectMoving(signals: SignalStore, demo: DemoVehicle[]): Promise<void> {
  const fleet = demoFleet(demo);
  const sims = fleet.map((v) => ({
    v,
    sim: createVehicleSimulation({ ...v, ...DEMO_SIMULATION, start: Date.now() }),
  }));
  // The first moment from which some vehicle drives without a stop for the next 20 s (at most a few
  // minutes away: the shared demo vehicles' shifts cover the day).
  const driving = (sim: (typeof sims)[number]["sim"], t: number) => sim.status(t).mode === "driving";
  let found: { tokenId: number; at: number } | undefined;
  for (let t = Date.now() + 8_000; !found && t < Date.now() + 9 * 60_000; t += 1_000) {
    for (const { v, sim } of sims) {
      let ok = true;
      for (let dt = -6_000; ok && dt <= 14_000; dt += 1_000) ok = driving(sim, t + dt);
      if (ok) {
        found = { tokenId: v.tokenId, at: t };
        break;
      }
    }
  }
  expect(found, "a demo vehicle drives in the next minutes").toBeDefined();
  const { tokenId, at } = found!;
  await delay(at + 2_000 - Date.now());
  const first = await latest(signals, tokenId);
  await delay(at + 12_000 - Date.now());
  const second = await latest(signals, tokenId);
  const [s1, s2] = [first.get("speed"), second.get("speed")];
  const [l1, l2] = [first.get("currentLocationCoordinates"), second.get("currentLocationCoordinates")];
  expect(s1 && s2 && l1 && l2, `latest speed and location of #${tokenId}`).toBeTruthy();
  expect(s2!.timestamp).toBeGreaterThan(s1!.timestamp);
  expect(l2!.timestamp).toBeGreaterThan(l1!.timestamp);
  expect(l2!.value).not.toEqual(l1!.value);
  expect(s1!.value as number).toBeGreaterThan(0);
  expect(s2!.value as number).toBeGreaterThan(0);
}

describe("keyfob start with the simulator (embedded mode)", () => {
  it("drives the demo vehicles from the start, fills in a week of history, and stops cleanly", async (ctx) => {
    // The embedded mode is SQLite by definition: the PostgreSQL pass would run the very same test.
    if (testEngine() === "postgres") ctx.skip("SQLite only: the embedded mode; it runs in the SQLite pass");
    const dataDir = mkdtempSync(path.join(tmpdir(), "keyfob-sim-start-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const url = `sqlite:${path.join(dataDir, "keyfob.db")}`;
    const server = await startServer({
      databaseUrl: url,
      env: { KEYFOB_DATA_DIR: dataDir, KEYFOB_SIMULATOR: "on", KEYFOB_LOG_LEVEL: "info" },
    });
    cleanups.push(() => server.stop("SIGKILL"));
    const demo = JSON.parse(
      (await runCli(["seed", "--demo", "--json", "--history-days", "0"], server.env)).stdout,
    ).vehicles as DemoVehicle[];
    expect(demo).toHaveLength(4);
    const { signals } = reader(url);

    // Every vehicle's state is there at once.
    await until("the first readings", 30_000, async () => {
      for (const v of demo) if ((await latest(signals, v.tokenId)).size < 2) return undefined;
      return true;
    });
    await expectMoving(signals, demo);

    // The week before the start arrives in the background.
    await until("the backfill", 180_000, async () =>
      /history backfilled/.test(server.logs()) ? true : undefined,
    );
    const summary = await signals.signalSummary(demo[1]!.tokenId);
    const speed = summary.find((s) => s.name === "speed")!;
    expect(speed.firstSeen).toBeLessThan(Date.now() - 6.9 * 86_400_000);
    expect(speed.count).toBeGreaterThan(20_000);
    const events = await signals.events(demo[1]!.tokenId, Date.now() - 8 * 86_400_000, Date.now());
    expect(events.every((e) => e.name.startsWith("behavior."))).toBe(true);
    expect(await signals.latestVin(demo[0]!.tokenId)).toMatchObject({ vin: expect.stringMatching(/^5YJ/) });

    await server.stop("SIGTERM");
    expect(server.process.exitCode).toBe(0);
    expect(server.logs()).not.toMatch(/"level":50/);
  }, 600_000);
});

describe(`keyfob simulate and seed --demo (${testEngine()})`, () => {
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop("SIGKILL");
  });

  it("seed --demo backfills through ingestion, idempotently, with --json output unchanged", async () => {
    const db = await freshDatabaseUrl();
    cleanups.push(() => db.drop());
    const dataDir = mkdtempSync(path.join(tmpdir(), "keyfob-sim-seed-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = {
      KEYFOB_DATA_DIR: dataDir,
      KEYFOB_DATABASE_URL: db.url,
      ...(testEngine() === "postgres" ? { KEYFOB_SECRET: TEST_SECRET } : {}),
    };
    const first = await runCli(["seed", "--demo", "--history-days", "1"], env, { timeoutMs: 180_000 });
    expect(first.code, first.stderr).toBe(0);
    const added = /(\d+) new signals and (\d+) new events \((\d+) already stored\)/.exec(first.stdout);
    expect(added, first.stdout).not.toBeNull();
    expect(Number(added![1])).toBeGreaterThan(20_000);
    expect(Number(added![3])).toBe(0);
    const json = await runCli(["seed", "--demo", "--json", "--history-days", "1"], env, {
      timeoutMs: 180_000,
    });
    expect(json.code, json.stderr).toBe(0);
    const demo = JSON.parse(json.stdout);
    expect(Object.keys(demo)).toEqual(["clientId", "apiKey", "redirectUri", "domain", "owner", "vehicles"]);

    const { store, signals } = reader(db.url);
    const before = (await signals.signalSummary(1)).reduce((n, s) => n + s.count, 0);
    const again = await runCli(["seed", "--demo", "--history-days", "1"], env, { timeoutMs: 180_000 });
    const repeat = /(\d+) new signals and (\d+) new events \((\d+) already stored\)/.exec(again.stdout)!;
    // Only the minutes since the last run are new.
    expect(Number(repeat[1])).toBeLessThan(Number(added![1]) * 0.02);
    expect(Number(repeat[3])).toBeGreaterThan(Number(added![1]) * 0.95);
    const after = (await signals.signalSummary(1)).reduce((n, s) => n + s.count, 0);
    expect(after - before).toBeLessThan(before * 0.02);
    // Everything came from the `simulator` connection.
    const sources = await store.db.selectFrom("signal_history").select("source").distinct().execute();
    expect(sources).toHaveLength(1);
  }, 600_000);

  it("simulate posts the demo vehicles live through ingestion until Ctrl-C", async () => {
    server = await startServer();
    const demo = JSON.parse(
      (await runCli(["seed", "--demo", "--json", "--history-days", "0"], server.env)).stdout,
    ).vehicles as DemoVehicle[];
    const child: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", path.join(repoRoot, "packages/server/src/main.ts"), "simulate"],
      { cwd: repoRoot, env: { ...process.env, ...server.env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout?.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.stderr?.on("data", (c: Buffer) => {
      output += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    cleanups.push(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });

    const { signals } = reader(server.env.KEYFOB_DATABASE_URL!);
    await until("the simulator's first readings", 60_000, async () => {
      for (const v of demo) if ((await latest(signals, v.tokenId)).size < 2) return undefined;
      return true;
    });
    expect(output).toMatch(
      /Simulating #1 BEV rideshare, #2 ICE taxi, #3 PHEV commuter, #4 HEV commuter in Munich/,
    );
    await expectMoving(signals, demo);

    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGINT: stopped after posting \d+ signals/);
  }, 600_000);

  it("simulate refuses to run without a server", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "keyfob-sim-none-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const result = await runCli(["simulate", "--url", "http://127.0.0.1:9"], { KEYFOB_DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no Keyfob server answers at http:\/\/127\.0\.0\.1:9/);
  });
});
