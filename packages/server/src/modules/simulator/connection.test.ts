import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useServices } from "../../../test/support/services.ts";
import { testEngine } from "../../../test/support/store.ts";
import { seedDemo } from "../../demo.ts";
import { SIMULATOR_CONNECTION_NAME, simulatorConnection } from "./connection.ts";

const ctx = useServices(Date.UTC(2026, 5, 1));
let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), "keyfob-sim-conn-"));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function deps() {
  return { connections: ctx.services.connections, secret: ctx.services.secret, dataDir };
}

describe(`simulatorConnection (${testEngine()})`, () => {
  it("creates the `simulator` connection once, keeps its credential sealed, and reuses both", async () => {
    const demo = await seedDemo(ctx.services);
    const ids = demo.vehicles.map((v) => v.tokenId);
    const first = await simulatorConnection(deps(), ids.slice(0, 2));
    expect(first.connection.name).toBe(SIMULATOR_CONNECTION_NAME);
    expect((await ctx.services.connections.authenticate(first.credential))?.id).toBe(first.connection.id);
    const file = readFileSync(path.join(dataDir, "simulator-credential"), "utf8");
    expect(file).not.toContain(first.credential);

    const second = await simulatorConnection(deps(), ids);
    expect(second.connection.id).toBe(first.connection.id);
    expect(second.credential).toBe(first.credential);
    expect(await ctx.services.connections.vehicleIds(first.connection.id)).toEqual(ids);
    expect(
      (await ctx.services.connections.list()).filter((c) => c.name === SIMULATOR_CONNECTION_NAME),
    ).toHaveLength(1);
  });

  it("rotates the credential when the stored one is missing or no longer works; the source stays", async () => {
    const demo = await seedDemo(ctx.services);
    const ids = demo.vehicles.map((v) => v.tokenId);
    const first = await simulatorConnection(deps(), ids);
    rmSync(path.join(dataDir, "simulator-credential"));
    const second = await simulatorConnection(deps(), ids);
    expect(second.credential).not.toBe(first.credential);
    expect(second.connection.source).toBe(first.connection.source);
    expect(await ctx.services.connections.authenticate(first.credential)).toBeUndefined();
    expect(existsSync(path.join(dataDir, "simulator-credential"))).toBe(true);

    await ctx.services.connections.rotateCredential(second.connection.id);
    const third = await simulatorConnection(deps(), ids);
    expect((await ctx.services.connections.authenticate(third.credential))?.id).toBe(first.connection.id);
  });
});
