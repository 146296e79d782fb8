import path from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { DemoData } from "../../packages/server/src/demo.ts";
import { repoRoot, runCli, type ServerProcess, startServer } from "../support/server-process.ts";
import { launchChromium, screenshotOnFailure } from "./support/browser.ts";
import { checkScreen, clickAndAwaitClose, enterCode, jwtClaims } from "./support/journey.ts";
import { type MailCatcher, startMailCatcher } from "./support/mail-catcher.ts";
import { type StaticApp, serveStaticApp } from "./support/static-app.ts";

/**
 * An app written for DIMO — React 18 and the OFFICIAL @dimo-network/login-with-dimo 0.0.27, unchanged
 * (examples/official-sdk-app) — signs an owner in and shares, revokes and extends vehicles through
 * Keyfob's login app, in a real Chromium against a real server process, database and SMTP server.
 *
 * The official SDK's `local` environment is http://localhost:3000, so this file owns that port (and
 * 5173, the demo license's redirect URI) while it runs. The journeys build on each other in order,
 * as one owner's session would.
 */

interface Outcome {
  source: string;
  kind: "success" | "error";
  data: Record<string, unknown>;
}

const JOURNEY = "official-sdk";
const exampleDist = path.join(repoRoot, "examples/official-sdk-app/dist");

let mail: MailCatcher;
let server: ServerProcess;
let app: StaticApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let demo: DemoData;

function vehicleId(make: string): number {
  const vehicle = demo.vehicles.find((v) => v.make === make);
  if (!vehicle) throw new Error(`no demo ${make}`);
  return vehicle.tokenId;
}

async function outcomes(): Promise<Outcome[]> {
  return JSON.parse((await page.getByTestId("outcomes").textContent()) ?? "[]") as Outcome[];
}

/** Waits for the example app to record one more callback and returns it. */
async function nextOutcome(before: number): Promise<Outcome> {
  await expect.poll(async () => (await outcomes()).length, { timeout: 15_000 }).toBeGreaterThan(before);
  const all = await outcomes();
  return all[all.length - 1] as Outcome;
}

/** Clicks the official button in the named section and returns the login popup it opens. */
async function openPopup(section: string): Promise<Page> {
  if (!page.url().startsWith(app.url)) await page.goto(app.url);
  const popup = page.waitForEvent("popup");
  await page.getByRole("region", { name: section }).getByRole("button").click();
  const login = await popup;
  await login.waitForLoadState("domcontentloaded");
  return login;
}

/** The grants of a vehicle as the Identity API lists them (grantee → permissions, expiry). */
async function sacds(
  tokenId: number,
): Promise<Array<{ grantee: string; permissions: string; expiresAt: string }>> {
  const response = await fetch(`${server.url}/identity/query`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: `{ vehicle(tokenId: ${tokenId}) { sacds(first: 50) { nodes { grantee permissions expiresAt } } } }`,
    }),
  });
  const body = (await response.json()) as {
    data: {
      vehicle: { sacds: { nodes: Array<{ grantee: string; permissions: string; expiresAt: string }> } };
    };
  };
  return body.data.vehicle.sacds.nodes.filter((s) => s.grantee.toLowerCase() === demo.clientId.toLowerCase());
}

/** A signed-in owner is asked "Continue as <email>?" first (never silently reused). */
async function continueAsOwner(login: Page): Promise<void> {
  await login.getByRole("button", { name: `Continue as ${demo.owner.email}` }).click();
}

function vehicleCheckbox(login: Page, make: string): Locator {
  return login.getByRole("checkbox", { name: new RegExp(make) });
}

beforeAll(async () => {
  mail = await startMailCatcher();
  server = await startServer({ port: 3000, env: { KEYFOB_SMTP_URL: mail.url } });
  const seeded = await runCli(["seed", "--demo", "--json", "--history-days", "0"], server.env);
  expect(seeded.code, seeded.stderr).toBe(0);
  demo = JSON.parse(seeded.stdout) as DemoData;
  app = await serveStaticApp(exampleDist, 5173, {
    clientId: demo.clientId,
    redirectUri: "http://localhost:5173/",
    // The redirect journey offers only the Toyota; the Honda shows as incompatible.
    vehicles: [String(vehicleId("Toyota"))],
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  page = await context.newPage();
  await page.goto(app.url);
  await page.getByTestId("auth-state").getByText("Signed out").waitFor();
}, 120_000);

afterEach(async (context) => {
  await screenshotOnFailure(context.task, JOURNEY, browser);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await server?.stop();
  await mail?.close();
});

describe("the official login-with-dimo 0.0.27 against Keyfob", () => {
  test("signs in through a popup with an email code", async () => {
    const before = (await outcomes()).length;
    const login = await openPopup("Login popup");
    await checkScreen(login, JOURNEY, "01-email", /uses .* to connect to your cars/);
    await login.getByRole("textbox", { name: "Email address" }).fill(demo.owner.email);
    const sentAfter = Date.now();
    await login.getByRole("button", { name: "Continue", exact: true }).click();
    await checkScreen(login, JOURNEY, "02-otp", "Check your email");
    const code = await mail.waitForCode(demo.owner.email, sentAfter);
    await enterCode(login, code);
    await clickAndAwaitClose(login, login.getByRole("button", { name: "Verify email" }));

    const outcome = await nextOutcome(before);
    expect(outcome.source).toBe("login-popup");
    expect(outcome.kind).toBe("success");
    const claims = jwtClaims(String(outcome.data.token));
    expect(claims.aud).toBe(demo.clientId);
    expect(String(claims.ethereum_address).toLowerCase()).toBe(demo.owner.walletAddress.toLowerCase());
    await expect
      .poll(() => page.getByTestId("auth-state").textContent())
      .toContain(`Signed in as ${demo.owner.walletAddress}`);
  });

  test("shares in redirect mode with a vehicle filter, and the UTM parameters come back", async () => {
    await page.getByRole("region", { name: "Share redirect" }).getByRole("button").click();
    await page.waitForURL(/^http:\/\/localhost:3000\//);
    const url = new URL(page.url());
    expect(url.searchParams.get("clientId")).toBe(demo.clientId);
    expect(url.searchParams.getAll("vehicles")).toEqual([String(vehicleId("Toyota"))]);

    // The session from the popup sign-in is on the login origin: one click to continue with it.
    await checkScreen(page, JOURNEY, "03-redirect-continue-as", /uses .* to connect to your cars/);
    await continueAsOwner(page);
    await checkScreen(
      page,
      JOURNEY,
      "03-redirect-vehicles",
      /wants to use .* to connect to your vehicles data/,
    );
    const incompatible = page.getByRole("region", { name: "Incompatible" });
    await expect.poll(() => incompatible.textContent()).toContain("Honda");
    await expect.poll(() => incompatible.textContent()).toContain("Not one of the vehicles");
    expect(await vehicleCheckbox(page, "Honda").count()).toBe(0);
    await vehicleCheckbox(page, "Toyota").check();
    await page.getByRole("button", { name: "Share 1 vehicle" }).click();
    await checkScreen(page, JOURNEY, "04-redirect-shared", "Done");
    await page.getByRole("button", { name: /^Back to / }).click();

    await page.waitForURL(/^http:\/\/localhost:5173\//);
    const back = new URL(page.url());
    expect(back.searchParams.get("utm_source")).toBe("keyfob-e2e");
    expect(back.searchParams.get("utm_campaign")).toBe("redirect");
    expect(back.searchParams.get("sharedVehicles")).toBe(String(vehicleId("Toyota")));
    expect(back.searchParams.get("walletAddress")?.toLowerCase()).toBe(
      demo.owner.walletAddress.toLowerCase(),
    );
    expect(jwtClaims(back.searchParams.get("token") ?? "").aud).toBe(demo.clientId);
    expect(back.searchParams.has("email")).toBe(false);

    const [grant] = await sacds(vehicleId("Toyota"));
    expect(grant?.permissions).toBe("0x3ffc");
    // The official SDK keeps the token from the query: the app is signed in after the redirect.
    await expect.poll(() => page.getByTestId("auth-state").textContent()).toContain("Signed in as");
  });

  test("shares in a popup with a custom permissions list", async () => {
    const before = (await outcomes()).length;
    const login = await openPopup("Share custom popup");
    await continueAsOwner(login);
    await checkScreen(
      login,
      JOURNEY,
      "05-custom-vehicles",
      /wants to use .* to connect to your vehicles data/,
    );
    const consent = await login.getByRole("region", { name: "What you are agreeing to" }).textContent();
    expect(consent).toContain("without its location");
    expect(consent).toContain("location history");
    expect(consent).not.toContain("Send commands");
    await vehicleCheckbox(login, "Honda").check();
    await login.getByRole("button", { name: "Share 1 vehicle" }).click();
    // The result reaches the app as soon as the grants are written, before "Back".
    const outcome = await nextOutcome(before);
    expect(outcome.source).toBe("share-custom-popup");
    expect(outcome.data.sharedVehicles).toEqual([String(vehicleId("Honda"))]);
    await checkScreen(login, JOURNEY, "06-custom-shared", "Done");
    await clickAndAwaitClose(login, login.getByRole("button", { name: /^Back to / }));

    const [grant] = await sacds(vehicleId("Honda"));
    expect(grant?.permissions).toBe("0x30c");
    expect(grant?.expiresAt).toBe("2030-12-31T00:00:00Z");
  });

  test("stops sharing a vehicle, then shares it again in a popup with template 1", async () => {
    let before = (await outcomes()).length;
    let login = await openPopup("Share template popup");
    await continueAsOwner(login);
    await checkScreen(
      login,
      JOURNEY,
      "07-template-vehicles",
      /wants to use .* to connect to your vehicles data/,
    );
    await login.getByRole("button", { name: /Manage sharing of .*Ford/ }).click();
    await checkScreen(login, JOURNEY, "08-manage-ford", /Manage sharing of .*Ford/);
    // Shared for the default 100 years, the longest allowed: "Extend" is not offered.
    expect(await login.getByRole("button", { name: "Extend (1 year)" }).count()).toBe(0);
    await login.getByRole("button", { name: "Stop sharing" }).click();
    const revoked = await nextOutcome(before);
    expect(revoked.source).toBe("share-template-popup");
    expect(revoked.kind).toBe("success");
    await checkScreen(login, JOURNEY, "09-revoked", "Done");
    await clickAndAwaitClose(login, login.getByRole("button", { name: /^Back to / }));
    expect(await sacds(vehicleId("Ford"))).toEqual([]);

    before = (await outcomes()).length;
    login = await openPopup("Share template popup");
    await continueAsOwner(login);
    await checkScreen(
      login,
      JOURNEY,
      "10-template-again",
      /wants to use .* to connect to your vehicles data/,
    );
    await vehicleCheckbox(login, "Ford").check();
    await login.getByRole("button", { name: "Share 1 vehicle" }).click();
    const shared = await nextOutcome(before);
    expect(shared.data.sharedVehicles).toEqual([String(vehicleId("Ford"))]);
    await clickAndAwaitClose(login, login.getByRole("button", { name: /^Back to / }));
    const [grant] = await sacds(vehicleId("Ford"));
    expect(grant?.permissions).toBe("0x3ffc");
  });

  test("extends sharing by a year in a popup", async () => {
    // The Honda's grant ends in 2030 (shared above with an expiration date).
    const [current] = await sacds(vehicleId("Honda"));
    const before = (await outcomes()).length;
    const login = await openPopup("Share template popup");
    await continueAsOwner(login);
    await login.getByRole("button", { name: /Manage sharing of .*Honda/ }).click();
    await checkScreen(login, JOURNEY, "11-manage-honda", /Manage sharing of .*Honda/);
    await login.getByRole("button", { name: "Extend (1 year)" }).click();
    const outcome = await nextOutcome(before);
    expect(outcome.kind).toBe("success");
    expect(jwtClaims(String(outcome.data.token)).aud).toBe(demo.clientId);
    await checkScreen(login, JOURNEY, "12-extended", "Done");
    await clickAndAwaitClose(login, login.getByRole("button", { name: /^Back to / }));
    expect(current?.expiresAt).toBe("2030-12-31T00:00:00Z");
    const [extended] = await sacds(vehicleId("Honda"));
    expect(extended?.expiresAt).toBe("2031-12-31T00:00:00Z");
    expect(extended?.permissions).toBe("0x30c");
  });

  test("logs out through a popup; the next sign-in asks for the email again", async () => {
    const login = await openPopup("Logout popup");
    await login.waitForEvent("close");
    await expect.poll(() => page.getByTestId("auth-state").textContent()).toBe("Signed out");

    const again = await openPopup("Login popup");
    await checkScreen(again, JOURNEY, "13-after-logout", /uses .* to connect to your cars/);
    await expect.poll(() => again.getByRole("textbox", { name: "Email address" }).inputValue()).toBe("");
    expect(await again.getByRole("button", { name: /^Continue as / }).count()).toBe(0);
    await again.close();
  });
});
