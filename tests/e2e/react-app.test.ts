import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startApp } from "../../examples/react-app/server/app.ts";
import type { DemoData } from "../../packages/server/src/demo.ts";
import { freePort, repoRoot, runCli, type ServerProcess, startServer } from "../support/server-process.ts";
import { launchChromium, screenshot, screenshotOnFailure } from "./support/browser.ts";
import { checkScreen, clickAndAwaitClose, enterCode } from "./support/journey.ts";
import { type MailCatcher, startMailCatcher } from "./support/mail-catcher.ts";

/**
 * The example third-party app (examples/react-app: @keyfob/react in secure mode, a Node back end
 * with @keyfob/client) against a real Keyfob server process, in Chromium: a blocked popup (reported,
 * or continued as a redirect), a popup the user closes, sharing in a popup, signing in embedded in
 * the page, and sharing by redirect. The back end redeems every code and shows the shared vehicles
 * with their latest signals (developer JWT → Identity → token exchange → Telemetry).
 *
 * Ports are free ones (official-sdk.test.ts owns 3000 and 5173); the app gets a license of its own.
 */

const JOURNEY = "react-app";
const dist = path.join(repoRoot, "examples/react-app/dist");

let mail: MailCatcher;
let server: ServerProcess;
let app: { url: string; close(): Promise<void> };
let browser: Browser;
let demo: DemoData;
/** One person's browser: the login origin remembers them after the first sign-in. */
let context: BrowserContext;
let page: Page;

function section(p: Page, name: string) {
  return p.getByRole("region", { name });
}

async function notice(p: Page, text: string | RegExp): Promise<void> {
  await expect.poll(() => p.getByTestId("notice").textContent(), { timeout: 15_000 }).toMatch(text);
}

async function signedIn(p: Page): Promise<void> {
  await expect
    .poll(() => p.getByTestId("who").textContent(), { timeout: 15_000 })
    .toBe(`Signed in as ${demo.owner.walletAddress}`);
}

/** Email → code from the SMTP catcher → verified, on a login page (or frame). */
async function signInWithCode(login: Page, step: string): Promise<void> {
  await checkScreen(login, JOURNEY, `${step}-email`, /to connect to your cars/);
  await login.getByRole("textbox", { name: "Email address" }).fill(demo.owner.email);
  const sentAfter = Date.now();
  await login.getByRole("button", { name: "Continue", exact: true }).click();
  await checkScreen(login, JOURNEY, `${step}-otp`, "Check your email");
  await enterCode(login, await mail.waitForCode(demo.owner.email, sentAfter));
  await login.getByRole("button", { name: "Verify email" }).click();
}

async function vehicleRows(p: Page): Promise<string[]> {
  return section(p, "Your vehicles").getByRole("row").allTextContents();
}

beforeAll(async () => {
  mail = await startMailCatcher();
  server = await startServer({
    port: await freePort(),
    env: { KEYFOB_SMTP_URL: mail.url, KEYFOB_RATE_LIMIT_EMAIL_CODES: "off" },
  });
  // The example app is a third party with its own license, redirect URI and embedding allowed
  // (created while the demo data is seeded: each CLI run takes a while).
  const appPort = await freePort();
  const appUrl = `http://localhost:${appPort}/`;
  const ownLicense = async (): Promise<{ clientId: string; apiKey: string }> => {
    const created = await runCli(
      [
        "license",
        "create",
        "--alias",
        "Fleet Glance",
        "--owner",
        "fleet-glance@example.com",
        "--redirect-uri",
        appUrl,
        "--json",
      ],
      server.env,
    );
    expect(created.code, created.stderr).toBe(0);
    const license = JSON.parse(created.stdout) as { clientId: string; apiKey: string };
    const settings = await runCli(["license", "settings", license.clientId, "--embed", "on"], server.env);
    expect(settings.code, settings.stderr).toBe(0);
    return license;
  };
  const [seeded, license] = await Promise.all([
    runCli(["seed", "--demo", "--json", "--history-days", "1"], server.env),
    ownLicense(),
  ]);
  expect(seeded.code, seeded.stderr).toBe(0);
  demo = JSON.parse(seeded.stdout) as DemoData;

  app = await startApp({
    keyfobUrl: server.url,
    clientId: license.clientId,
    apiKey: license.apiKey,
    appUrl,
    distDir: dist,
    port: appPort,
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  page = await context.newPage();
}, 300_000);

afterEach(async (ctx) => {
  await screenshotOnFailure(ctx.task, JOURNEY, browser);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await server?.stop();
  await mail?.close();
});

describe("the example app (@keyfob/react + @keyfob/client) against Keyfob", () => {
  test("a blocked popup is reported, or continues as a secure redirect that signs the user in", async () => {
    // A browser that blocks every popup: window.open returns null, as with a popup blocker.
    const blocked = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    await blocked.addInitScript(() => {
      window.open = () => null;
    });
    const tab = await blocked.newPage();
    try {
      await tab.goto(app.url);
      await tab.getByTestId("who").getByText("Signed out").waitFor();

      await section(tab, "Share vehicles").getByRole("button", { name: "Share vehicles (pop-up)" }).click();
      await notice(tab, "Your browser blocked the sign-in window.");

      // The sign-in button falls back to a redirect: same request, secure mode, in this tab.
      await section(tab, "Sign in").getByRole("button", { name: "Sign in with Keyfob" }).click();
      await tab.waitForURL((url) => url.toString().startsWith(server.url));
      const request = new URL(tab.url()).searchParams;
      expect(request.get("response_type")).toBe("code");
      expect(request.get("code_challenge_method")).toBe("S256");
      expect(request.has("token")).toBe(false);
      await signInWithCode(tab, "01-blocked-redirect");

      await tab.waitForURL((url) => url.toString().startsWith(app.url));
      await signedIn(tab);
      await notice(tab, "Signed in.");
      // The code and state were removed from the address bar.
      expect(new URL(tab.url()).search).toBe("");
      await screenshot(tab, JOURNEY, "01-blocked-redirect-back");
    } finally {
      await blocked.close();
    }
  }, 90_000);

  test("a popup the user closes ends the attempt with a message", async () => {
    await page.goto(app.url);
    await page.getByTestId("who").getByText("Signed out").waitFor();
    const opened = page.waitForEvent("popup");
    await section(page, "Sign in").getByRole("button", { name: "Sign in with Keyfob" }).click();
    const login = await opened;
    await login.waitForLoadState("domcontentloaded");
    await login.close();
    await notice(page, "You closed the sign-in window before finishing.");
    expect(await page.getByTestId("who").textContent()).toBe("Signed out");
  }, 90_000);

  test("sharing in a popup signs in, and the back end shows the shared vehicle's latest signals", async () => {
    const toyota = demo.vehicles.find((v) => v.make === "Toyota");
    if (!toyota) throw new Error("no demo Toyota");
    const opened = page.waitForEvent("popup");
    await section(page, "Share vehicles").getByRole("button", { name: "Share vehicles (pop-up)" }).click();
    const login = await opened;
    await login.waitForLoadState("domcontentloaded");
    await signInWithCode(login, "03-popup");
    await checkScreen(
      login,
      JOURNEY,
      "03-popup-vehicles",
      /wants to use .* to connect to your vehicles data/,
    );
    await login.getByRole("checkbox", { name: /Toyota/ }).check();
    await login.getByRole("button", { name: "Share 1 vehicle" }).click();
    await checkScreen(login, JOURNEY, "03-popup-shared", "Done");
    await clickAndAwaitClose(login, login.getByRole("button", { name: /^Back to / }));

    await notice(page, "Shared 1 vehicle.");
    await signedIn(page);
    await expect.poll(() => vehicleRows(page), { timeout: 15_000 }).toHaveLength(2);
    const [, row] = await vehicleRows(page);
    expect(row).toContain("Toyota");
    // Latest signals came through token exchange and Telemetry: a speed and a last-seen time.
    expect(row).toMatch(/\d+(\.\d)? km\/h/);
    expect(row).toMatch(/\d{4}-\d{2}-\d{2}T/);
    await screenshot(page, JOURNEY, "03-popup-vehicles-in-app");
  }, 90_000);

  test("sharing by redirect returns a code the back end redeems; the address bar is cleaned", async () => {
    await section(page, "Share vehicles").getByRole("button", { name: "Share vehicles (redirect)" }).click();
    await page.waitForURL((url) => url.toString().startsWith(server.url));
    // Signed in on the login origin from the popup: one click to continue.
    await page.getByRole("button", { name: `Continue as ${demo.owner.email}` }).click();
    await checkScreen(
      page,
      JOURNEY,
      "04-redirect-vehicles",
      /wants to use .* to connect to your vehicles data/,
    );
    await page.getByRole("checkbox", { name: /Honda/ }).check();
    await page.getByRole("button", { name: "Share 1 vehicle" }).click();
    await checkScreen(page, JOURNEY, "04-redirect-shared", "Done");
    await page.getByRole("button", { name: /^Back to / }).click();

    await page.waitForURL((url) => url.toString().startsWith(app.url));
    await notice(page, "Signed in.");
    await signedIn(page);
    expect(new URL(page.url()).search).toBe("");
    await expect.poll(() => vehicleRows(page), { timeout: 15_000 }).toHaveLength(3);
    expect((await vehicleRows(page)).join(" ")).toContain("Honda");
  }, 90_000);

  test("signing in embedded in the page", async () => {
    const fresh = await browser.newContext({ viewport: { width: 1000, height: 1200 } });
    const tab = await fresh.newPage();
    try {
      await tab.goto(app.url);
      await section(tab, "Embedded sign-in").getByRole("button", { name: "Sign in on this page" }).click();
      const frame = tab.frameLocator("iframe[title='Sign in']");
      await frame.getByRole("textbox", { name: "Email address" }).fill(demo.owner.email);
      const sentAfter = Date.now();
      await frame.getByRole("button", { name: "Continue", exact: true }).click();
      await frame.getByRole("heading", { name: "Check your email" }).waitFor();
      const code = await mail.waitForCode(demo.owner.email, sentAfter);
      await frame.getByRole("textbox", { name: /digit 1 of 6/i }).click();
      await tab.keyboard.type(code);
      await frame.getByRole("button", { name: "Verify email" }).click();

      await signedIn(tab);
      await notice(tab, "Signed in.");
      // The iframe is removed once the attempt ends.
      await expect.poll(() => tab.locator("iframe").count()).toBe(0);
      await expect.poll(() => vehicleRows(tab), { timeout: 15_000 }).toHaveLength(3);
      await screenshot(tab, JOURNEY, "05-embed-done");
    } finally {
      await fresh.close();
    }
  }, 90_000);
});
