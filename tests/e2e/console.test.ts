import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { ServerProcess } from "../support/server-process.ts";
import { profileWithBlankApp, screenshotOnFailure } from "./support/browser.ts";
import { type DemoData, type JourneyEnvironment, startJourneyEnvironment } from "./support/environment.ts";
import { checkScreen, enterCode } from "./support/journey.ts";
import type { MailCatcher } from "./support/mail-catcher.ts";

/**
 * The developer console, from an empty account to a vehicle shared through a configuration link:
 * a developer signs in with an emailed code, creates a license, adds a redirect URI, generates an
 * API key, saves a configuration; an owner opens its link in another browser profile and shares a
 * vehicle; the developer sees it in the console. Every screen is checked with axe.
 */

const JOURNEY = "console";
const DEVELOPER = "new-developer@example.com";
/** The app's redirect URI: answered by the browser itself (context.route). */
const APP = "http://localhost:5190/callback";

let mail: MailCatcher;
let server: ServerProcess;
let browser: Browser;
let demo: DemoData;

function profile(width = 1100): Promise<{ context: BrowserContext; page: Page }> {
  return profileWithBlankApp(browser, new URL(APP).origin, { width, height: 900 });
}

let env: JourneyEnvironment | undefined;

beforeAll(async () => {
  env = await startJourneyEnvironment();
  ({ mail, server, demo, browser } = env);
}, 120_000);

afterEach(async (context) => {
  await screenshotOnFailure(context.task, JOURNEY, browser);
});

afterAll(async () => {
  await env?.close();
});

describe("the developer console", () => {
  let clientId = "";
  let link = "";
  let developer: { context: BrowserContext; page: Page };

  test("a developer signs in with an emailed code and creates a license", async () => {
    developer = await profile();
    const { page } = developer;
    await page.goto(`${server.url}/console`);
    await checkScreen(page, JOURNEY, "01-sign-in", "Sign in to the developer console");
    await page.getByRole("textbox", { name: "Email address" }).fill(DEVELOPER);
    const sentAfter = Date.now();
    await page.getByRole("button", { name: "Email me a code" }).click();
    await page
      .getByRole("textbox", { name: "Code from the email" })
      .fill(await mail.waitForCode(DEVELOPER, sentAfter));
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await checkScreen(page, JOURNEY, "02-licenses", "Your licenses");
    await page.getByText("You have no licenses yet").waitFor();

    await page.getByRole("textbox", { name: "Alias (optional)" }).fill("E2E Fleet");
    await page.getByRole("button", { name: "Create license" }).click();
    await checkScreen(page, JOURNEY, "03-license", "E2E Fleet");
    clientId = /#\/licenses\/(0x[0-9a-fA-F]{40})/.exec(page.url())?.[1] ?? "";
    expect(clientId).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(await page.locator("dl.facts").first().textContent()).toContain(clientId);
  });

  test("a plain-http redirect URI is explained and refused; an https or localhost one is added", async () => {
    const { page } = developer;
    const field = page.getByRole("textbox", { name: "Redirect URI" });
    await field.fill("http://app.example.com/callback");
    await page.getByRole("button", { name: "Add redirect URI" }).click();
    await page.getByText("Plain http is allowed only on localhost").waitFor();
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    await field.fill(APP);
    await page.getByRole("button", { name: "Add redirect URI" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Redirect URI ${APP} added.` })
      .waitFor();
    await page.getByRole("button", { name: `Remove redirect URI ${APP}` }).waitFor();
  });

  test("a generated API key is shown once, with a warning, and its signer address is listed", async () => {
    const { page } = developer;
    await page.getByRole("button", { name: "Generate API key" }).click();
    const fresh = page.getByRole("region", { name: "New API key" });
    await fresh.waitFor();
    expect(await fresh.textContent()).toMatch(/shown only this once/);
    const key = (await fresh.locator("code.secret").textContent()) ?? "";
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const signer = (await fresh.locator("code.address").textContent()) ?? "";
    await checkScreen(page, JOURNEY, "04-api-key", "E2E Fleet");
    await page.getByRole("button", { name: "I have stored the key" }).click();
    expect(await page.locator("body").textContent()).not.toContain(key);
    await page.getByRole("table", { name: "Signer addresses of this license" }).getByText(signer).waitFor();
    await page.reload();
    await checkScreen(page, JOURNEY, "05-license-reloaded", "E2E Fleet");
    expect(await page.locator("body").textContent()).not.toContain(key);
  });

  test("the configurator saves a configuration and shows its link, the plain URL and snippets", async () => {
    const { page } = developer;
    await page.getByRole("link", { name: "New configuration" }).click();
    await checkScreen(page, JOURNEY, "06-configurator", "New configuration");
    await page.getByRole("textbox", { name: "Configuration name" }).fill("Share with E2E Fleet");
    await page.getByRole("radio", { name: "Choose privileges" }).check();
    await page.getByRole("checkbox", { name: /^Vehicle data \(no location\)/ }).check();
    await page.getByRole("checkbox", { name: /^Location history/ }).check();
    await page.getByLabel("Sharing ends on").fill("2031-12-31");
    await page.getByRole("textbox", { name: "UTM parameters" }).fill("utm_source=console-e2e");
    const preview = page.getByRole("complementary", { name: "Preview of the consent screen" });
    expect(await preview.textContent()).toContain("E2E Fleet wants to use");
    expect(await preview.textContent()).toContain("Location history");
    await page.getByRole("button", { name: "Save configuration" }).click();
    await page.getByRole("status").filter({ hasText: "Configuration saved" }).waitFor();
    link = (await page.getByTestId("configuration-link").textContent()) ?? "";
    expect(link).toMatch(/\/\?configurationId=[0-9a-f-]{36}$/);
    const body = (await page.locator("main").textContent()) ?? "";
    expect(body).toContain("@keyfob/react");
    expect(body).toContain("permissions=10010000"); // the plain URL
    expect(body).toContain(`clientId=${clientId}`);
    await checkScreen(page, JOURNEY, "07-configuration-saved", "Configuration “Share with E2E Fleet”");
    // The public look-up serves what the console stored.
    const id = new URL(link).searchParams.get("configurationId");
    const stored = await (await fetch(`${server.url}/api/configurations/${id}`)).json();
    expect(stored.configuration.configuration).toMatchObject({
      redirectUri: APP,
      entryState: "VEHICLE_MANAGER",
      permissions: "10010000",
      expirationDate: "12-31-2031",
      utm: "utm_source=console-e2e",
    });
  });

  test("an owner opens the link in another browser and shares a vehicle; the developer sees it", async () => {
    const owner = await profile();
    const vehicle = demo.vehicles[0]!;
    await owner.page.goto(link);
    await checkScreen(owner.page, JOURNEY, "08-owner-email", /E2E Fleet/);
    await owner.page.getByRole("textbox", { name: "Email address" }).fill(demo.owner.email);
    const sentAfter = Date.now();
    await owner.page.getByRole("button", { name: "Continue", exact: true }).click();
    await checkScreen(owner.page, JOURNEY, "09-owner-otp", "Check your email");
    await enterCode(owner.page, await mail.waitForCode(demo.owner.email, sentAfter));
    await owner.page.getByRole("button", { name: "Verify email" }).click();
    await checkScreen(
      owner.page,
      JOURNEY,
      "10-owner-vehicles",
      /wants to use .* to connect to your vehicles data/,
    );
    await owner.page
      .getByRole("checkbox", { name: new RegExp(vehicle.make) })
      .first()
      .check();
    await owner.page.getByRole("button", { name: "Share 1 vehicle" }).click();
    await checkScreen(owner.page, JOURNEY, "11-owner-shared", "Done");
    await owner.context.close();

    const { page } = developer;
    await page.goto(`${server.url}/console#/licenses/${clientId}/vehicles`);
    await checkScreen(page, JOURNEY, "12-vehicles", "Vehicles shared with this license");
    const table = page.getByRole("table", { name: /1 shared vehicle/ });
    const text = (await table.textContent()) ?? "";
    expect(text).toContain(vehicle.make);
    expect(text).toContain(demo.owner.walletAddress);
    expect(text).toContain("All-time non-location data");
    expect(text).toContain("All-time location history");
    expect(text).toContain("2031-12-31");
    await page.getByRole("button", { name: /^History of vehicle/ }).click();
    await page.getByRole("heading", { name: /^History of vehicle/ }).waitFor();
    expect(await page.locator("main").textContent()).toContain("Shared by");
    // Filtering by a privilege the grant lacks leaves nothing.
    await page.getByLabel("With privilege").selectOption({ label: "Commands" });
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByText("No vehicles are shared with this license that match these filters.").waitFor();
    const csv = await page.request.get(`${server.url}/api/console/licenses/${clientId}/vehicles.csv`);
    expect(csv.headers()["content-type"]).toContain("text/csv");
    expect((await csv.text()).split("\r\n")[1]).toContain(`"${demo.owner.walletAddress}"`);
  });

  test("the webhooks page opens from the license and says there are none yet", async () => {
    const { page } = developer;
    await page.goto(`${server.url}/console#/licenses/${clientId}`);
    await page
      .getByRole("navigation", { name: "This license" })
      .getByRole("link", { name: "Webhooks" })
      .click();
    await checkScreen(page, JOURNEY, "13-webhooks", "Webhooks");
    await page.getByText("This license has no webhooks yet.").waitFor();
  });

  test("the developer JWT page fills in the client id; the console works at 320 px", async () => {
    const { page } = developer;
    await page.goto(`${server.url}/console#/licenses/${clientId}/jwt`);
    await checkScreen(page, JOURNEY, "14-jwt", "Getting a developer JWT");
    const text = (await page.locator("main").textContent()) ?? "";
    expect(text).toContain(`CLIENT_ID=${clientId}`);
    expect(text).toContain(`DOMAIN=${APP}`);
    expect(text).toContain("@keyfob/client");

    await page.setViewportSize({ width: 320, height: 800 });
    await page.goto(`${server.url}/console#/licenses/${clientId}`);
    await checkScreen(page, JOURNEY, "15-narrow-license", "E2E Fleet");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await developer.context.close();
  });

  test("another account sees none of these licenses", async () => {
    const other = await profile();
    await other.page.goto(`${server.url}/console#/licenses/${clientId}`);
    await other.page.getByRole("textbox", { name: "Email address" }).fill("someone-else@example.com");
    const sentAfter = Date.now();
    await other.page.getByRole("button", { name: "Email me a code" }).click();
    await other.page
      .getByRole("textbox", { name: "Code from the email" })
      .fill(await mail.waitForCode("someone-else@example.com", sentAfter));
    await other.page.getByRole("button", { name: "Sign in", exact: true }).click();
    await checkScreen(other.page, JOURNEY, "16-not-yours", "License not found");
    await other.context.close();
  });
});
