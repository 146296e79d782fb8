/**
 * The login app's CLI commands as an operator uses them: stored configurations and license login
 * settings, each a real process against a real database.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEngine } from "../../packages/server/test/support/store.ts";
import { type CliInstallation, cliInstallation, runCli } from "../support/server-process.ts";

let installation: CliInstallation | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  installation = await cliInstallation("keyfob-login-cli-");
  env = installation.env;
});

afterAll(async () => {
  await installation?.remove();
});

describe(`keyfob configuration and license settings (${testEngine()})`, { timeout: 120_000 }, () => {
  it("creates a configuration for a license by alias, prints its id and login link, lists and deletes it", async () => {
    const license = await runCli(
      ["license", "create", "--alias", "cli-app", "--redirect-uri", "https://app.example.com/cb", "--json"],
      env,
    );
    expect(license.code, license.stderr).toBe(0);
    const clientId = JSON.parse(license.stdout).clientId;

    const configuration = JSON.stringify({
      redirectUri: "https://app.example.com/cb",
      entryState: "VEHICLE_MANAGER",
      permissionTemplateId: "1",
    });
    const created = await runCli(
      ["configuration", "create", "--client-id", "cli-app", "--name", "Share", "--json", configuration],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const match = /^id {5}([0-9a-f-]{36})\nlink {3}http:\/\/localhost:3000\/\?configurationId=\1\n$/.exec(
      created.stdout,
    );
    expect(match, created.stdout).not.toBeNull();
    const id = match![1]!;

    const list = await runCli(["configuration", "list", "--client-id", clientId], env);
    expect(JSON.parse(list.stdout)).toEqual([
      {
        id,
        name: "Share",
        configuration: JSON.parse(configuration),
        link: `http://localhost:3000/?configurationId=${id}`,
      },
    ]);

    const unregistered = await runCli(
      [
        "configuration",
        "create",
        "--client-id",
        clientId,
        "--name",
        "Bad",
        "--json",
        '{"redirectUri":"https://evil.example.com/"}',
      ],
      env,
    );
    expect(unregistered.code).toBe(2);
    expect(unregistered.stderr).toContain("is not registered on this license");
    const notJson = await runCli(
      ["configuration", "create", "--client-id", clientId, "--name", "Bad", "--json", "{"],
      env,
    );
    expect(notJson.code).not.toBe(0);

    const deleted = await runCli(["configuration", "delete", id], env);
    expect(deleted.stdout).toBe(`Deleted configuration ${id}.\n`);
    expect(
      JSON.parse((await runCli(["configuration", "list", "--client-id", clientId], env)).stdout),
    ).toEqual([]);
  });

  it("license settings: web origins, embed, secure-only, grant cap; shown with the allowed origins", async () => {
    await runCli(
      ["license", "create", "--alias", "settings-app", "--redirect-uri", "https://app.example.com/cb"],
      env,
    );
    const set = await runCli(
      [
        "license",
        "settings",
        "settings-app",
        "--web-origin",
        "http://localhost:5173",
        "--embed",
        "on",
        "--secure-only",
        "on",
        "--max-grant-days",
        "90",
      ],
      env,
    );
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      webOrigins: ["http://localhost:5173"],
      embedEnabled: true,
      legacyTokenResponse: true,
      secureOnly: true,
      maxGrantDays: 90,
      allowedOrigins: ["https://app.example.com", "http://localhost:5173"],
    });
    const shown = await runCli(["license", "settings", "settings-app"], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ embedEnabled: true, maxGrantDays: 90 });
    const cleared = await runCli(
      ["license", "settings", "settings-app", "--no-web-origins", "--max-grant-days", "none"],
      env,
    );
    expect(JSON.parse(cleared.stdout)).toMatchObject({ webOrigins: [], maxGrantDays: null });
    const bad = await runCli(
      ["license", "settings", "settings-app", "--web-origin", "http://app.example.com"],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("must use https");
  });
});
