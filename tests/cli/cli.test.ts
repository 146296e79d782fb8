/**
 * The keyfob CLI as an operator uses it: a real process per command against a real database
 * (SQLite file, or a fresh PostgreSQL database when KEYFOB_TEST_DATABASE_URL is set).
 */
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEngine } from "../../packages/server/test/support/store.ts";
import { type CliInstallation, cliInstallation, runCli } from "../support/server-process.ts";

let installation: CliInstallation | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  installation = await cliInstallation("keyfob-cli-");
  env = installation.env;
});

afterAll(async () => {
  await installation?.remove();
});

// Each command is a fresh Node process: give a test room for several on a busy two-core machine.
describe(`keyfob CLI (${testEngine()})`, { timeout: 120_000 }, () => {
  it("migrate applies the migrations once, then reports the database up to date", async () => {
    const first = await runCli(["migrate"], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Applied: 0001_platform_core/);
    const second = await runCli(["migrate"], env);
    expect(second.stdout).toBe("The database is up to date.\n");
  });

  it("seed --demo --json prints only the demo data, the same on every run", async () => {
    const first = await runCli(["seed", "--demo", "--json"], env);
    expect(first.code, first.stderr).toBe(0);
    const demo = JSON.parse(first.stdout);
    expect(demo).toEqual({
      clientId: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
      apiKey: expect.stringMatching(/^[0-9a-f]{64}$/),
      redirectUri: "http://localhost:5173/",
      domain: "http://localhost:5173/",
      owner: { email: "owner@example.com", walletAddress: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/) },
      vehicles: [
        {
          tokenId: 1,
          make: "Tesla",
          model: "Model 3",
          year: 2022,
          powertrainType: "BEV",
          sharedWithDemo: true,
        },
        {
          tokenId: 2,
          make: "Ford",
          model: "Mustang",
          year: 2019,
          powertrainType: "ICE",
          sharedWithDemo: true,
        },
        {
          tokenId: 3,
          make: "Toyota",
          model: "Prius Prime",
          year: 2023,
          powertrainType: "PHEV",
          sharedWithDemo: false,
        },
        {
          tokenId: 4,
          make: "Honda",
          model: "Accord Hybrid",
          year: 2021,
          powertrainType: "HEV",
          sharedWithDemo: false,
        },
      ],
    });
    const second = await runCli(["seed", "--demo", "--json"], env);
    expect(second.stdout).toBe(first.stdout);
    const text = await runCli(["seed", "--demo"], env);
    expect(text.stdout).toContain(demo.clientId);
    expect(text.stdout).toContain(demo.apiKey);
  });

  it("license create prints a clientId and an API key whose address is the license's signer", async () => {
    const created = await runCli(
      [
        "license",
        "create",
        "--alias",
        "fleet-app",
        "--redirect-uri",
        "https://fleet.example.com/cb",
        "--json",
      ],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const out = JSON.parse(created.stdout);
    expect(out.clientId).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(out.apiKey).toMatch(/^[0-9a-f]{64}$/);
    expect(out.signer).toBe(privateKeyToAccount(`0x${out.apiKey}`).address);
    expect(out.redirectUris).toEqual(["https://fleet.example.com/cb"]);
    const plain = await runCli(
      ["license", "create", "--alias", "second", "--redirect-uri", "http://127.0.0.1:8080/cb"],
      env,
    );
    expect(plain.stdout).toMatch(/^clientId {3}0x[0-9a-fA-F]{40}\napiKey {5}[0-9a-f]{64}\n/);
  });

  it("license create refuses a taken alias or a bad redirect URI and creates nothing", async () => {
    const taken = await runCli(["license", "create", "--alias", "fleet-app"], env);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('The alias "fleet-app" is already taken.');
    const insecure = await runCli(
      ["license", "create", "--alias", "new-one", "--redirect-uri", "http://example.com/cb"],
      env,
    );
    expect(insecure.code).toBe(2);
    expect(insecure.stderr).toContain("must use https");
    // The alias of the refused license is still free.
    const retry = await runCli(["license", "create", "--alias", "new-one", "--json"], env);
    expect(retry.code, retry.stderr).toBe(0);
  });

  it("keys rotate publishes a new active key and keeps the old one in the JWKS", async () => {
    const before = JSON.parse((await runCli(["keys", "list"], env)).stdout);
    const rotated = await runCli(["keys", "rotate", "--issuer", "vehicle"], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const after = JSON.parse((await runCli(["keys", "list"], env)).stdout);
    expect(after.vehicle.map((k: { kid: string }) => k.kid)).toEqual([
      expect.not.stringMatching(before.vehicle[0].kid),
      before.vehicle[0].kid,
    ]);
    expect(after.developer).toEqual(before.developer);
    const bad = await runCli(["keys", "rotate", "--issuer", "nobody"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--issuer must be one of developer, vehicle, all");
  });

  it("a bad setting names itself and exits 2", async () => {
    const result = await runCli(["migrate"], { ...env, KEYFOB_PORT: "99999" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("KEYFOB_PORT");
  });
});
