import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import react from "@vitejs/plugin-react";
import type { Browser, Page } from "playwright-core";
import { build } from "vite";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { freePort, repoRoot, runCli, type ServerProcess, startServer } from "../support/server-process.ts";
import { launchChromium, screenshotOnFailure } from "./support/browser.ts";
import { clickAndAwaitClose, enterCode, jwtClaims } from "./support/journey.ts";
import { type MailCatcher, startMailCatcher } from "./support/mail-catcher.ts";
import { type StaticApp, serveStaticApp } from "./support/static-app.ts";

/**
 * Switching an app from the official SDK to Keyfob's is one import line: examples/official-sdk-app
 * (React 18, written for @dimo-network/login-with-dimo 0.0.27) is copied with its import specifier
 * replaced by `@keyfob/react`, type-checked, built against its own React 18, and signs a user in
 * through a popup in Chromium, unchanged otherwise (legacy mode, the official default).
 *
 * The app's `environment: "local"` means http://localhost:3000, which official-sdk.test.ts owns;
 * so the server listens on a free port with 3000 as its public URL, and the browser's requests to
 * localhost:3000 are passed to it.
 */

const JOURNEY = "official-switch";
const EMAIL = "switched-app-user@example.com";
const OFFICIAL = "@dimo-network/login-with-dimo";
const KEYFOB = "@keyfob/react";
const official = path.join(repoRoot, "examples/official-sdk-app");
// Inside the example, so that `react` resolves to its own React 18.
const copy = path.join(official, ".switched");

interface Change {
  file: string;
  before: string;
  after: string;
}

let changes: Change[] = [];
let importingFiles: string[] = [];

function switchImports(): void {
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copy, { recursive: true });
  cpSync(path.join(official, "src"), path.join(copy, "src"), { recursive: true });
  cpSync(path.join(official, "index.html"), path.join(copy, "index.html"));
  writeFileSync(
    path.join(copy, "tsconfig.json"),
    JSON.stringify({ extends: "../tsconfig.json", include: ["src"] }, null, 2),
  );
  changes = [];
  importingFiles = [];
  for (const name of readdirSync(path.join(copy, "src"))) {
    const file = path.join(copy, "src", name);
    const before = readFileSync(file, "utf8");
    if (before.includes(OFFICIAL)) importingFiles.push(name);
    const after = before.replaceAll(`from "${OFFICIAL}";`, `from "${KEYFOB}";`);
    writeFileSync(file, after);
    const a = before.split("\n");
    const b = after.split("\n");
    expect(b).toHaveLength(a.length);
    a.forEach((line, i) => {
      if (line !== b[i]) changes.push({ file: name, before: line, after: b[i] ?? "" });
    });
  }
}

describe("switching examples/official-sdk-app to @keyfob/react", () => {
  let mail: MailCatcher;
  let server: ServerProcess;
  let app: StaticApp;
  let browser: Browser;

  beforeAll(async () => {
    switchImports();
    await build({
      root: copy,
      configFile: false,
      logLevel: "silent",
      plugins: [react()],
      // One React: the app's 18.3.1 (the SDK's own import of react resolves to it too).
      resolve: { dedupe: ["react", "react-dom"] },
      build: { outDir: path.join(copy, "dist"), emptyOutDir: true },
    });

    mail = await startMailCatcher();
    server = await startServer({
      port: await freePort(),
      env: {
        KEYFOB_SMTP_URL: mail.url,
        KEYFOB_RATE_LIMIT_EMAIL_CODES: "off",
        KEYFOB_PUBLIC_URL: "http://localhost:3000",
      },
    });
    const appPort = await freePort();
    const appUrl = `http://localhost:${appPort}/`;
    const created = await runCli(["license", "create", "--redirect-uri", appUrl, "--json"], server.env);
    expect(created.code, created.stderr).toBe(0);
    const license = JSON.parse(created.stdout) as { clientId: string };
    app = await serveStaticApp(path.join(copy, "dist"), appPort, {
      clientId: license.clientId,
      redirectUri: appUrl,
    });
    browser = await launchChromium();
  }, 180_000);

  afterEach(async (ctx) => {
    await screenshotOnFailure(ctx.task, JOURNEY, browser);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await server?.stop();
    await mail?.close();
    rmSync(copy, { recursive: true, force: true });
  });

  test("the diff is one import line, nothing else", () => {
    expect(importingFiles).toEqual(["App.tsx"]);
    expect(changes).toHaveLength(1);
    for (const change of changes) {
      // The specifier line of an import statement (`import {…} from "…";` or its closing line).
      expect(change.before).toMatch(new RegExp(`^(import .*|\\}) from "${OFFICIAL}";$`));
      expect(change.after).toBe(change.before.replace(OFFICIAL, KEYFOB));
    }
  });

  test("the switched app type-checks and is built with its own React 18", () => {
    execFileSync(path.join(repoRoot, "node_modules/.bin/tsc"), ["-p", path.join(copy, "tsconfig.json")], {
      stdio: "pipe",
    });
    const assets = path.join(copy, "dist/assets");
    const bundle = readdirSync(assets)
      .filter((f) => f.endsWith(".js"))
      .map((f) => readFileSync(path.join(assets, f), "utf8"))
      .join("\n");
    // React's version string, as the minifier quotes it.
    expect(bundle).toMatch(/[`"']18\.3\.1[`"']/);
    expect(bundle).not.toMatch(/[`"']19\.3\.1[`"']/);
    // Keyfob's SDK, not the official one.
    expect(bundle).toContain("keyfob.connect.pending");
  });

  test("signs in through a popup, unchanged: callback, signed-in state and the official storage", async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    // localhost:3000 (the SDK's `local` environment) is this test's server on its free port.
    await context.route("http://localhost:3000/**", async (route) => {
      const url = route.request().url().replace("http://localhost:3000", server.url);
      const response = await route.fetch({ url });
      await route.fulfill({ response });
    });
    const page: Page = await context.newPage();
    try {
      await page.goto(app.url);
      await page.getByTestId("auth-state").getByText("Signed out").waitFor();
      const opened = page.waitForEvent("popup");
      await page.getByRole("region", { name: "Login popup" }).getByRole("button").click();
      const login = await opened;
      await login.waitForLoadState("domcontentloaded");
      await login.getByRole("textbox", { name: "Email address" }).fill(EMAIL);
      const sentAfter = Date.now();
      await login.getByRole("button", { name: "Continue", exact: true }).click();
      await login.getByRole("heading", { name: "Check your email" }).waitFor();
      const code = await mail.waitForCode(EMAIL, sentAfter);
      await enterCode(login, code);
      await login.getByRole("button", { name: "Verify email" }).click();
      // A new account is offered a passkey first.
      await clickAndAwaitClose(login, login.getByRole("button", { name: "Not now" }));

      await expect
        .poll(() => page.getByTestId("auth-state").textContent(), { timeout: 15_000 })
        .toMatch(/^Signed in as 0x/);
      const outcomes = JSON.parse((await page.getByTestId("outcomes").textContent()) ?? "[]") as Array<{
        source: string;
        kind: string;
        data: { token?: string };
      }>;
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]?.source).toBe("login-popup");
      expect(outcomes[0]?.kind).toBe("success");
      expect(jwtClaims(String(outcomes[0]?.data.token)).aud).toBeDefined();
      const cookies = await context.cookies(app.url);
      expect(cookies.some((c) => c.name === "dimo_auth_token")).toBe(true);
    } finally {
      await context.close();
    }
  }, 90_000);
});
