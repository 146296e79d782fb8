import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { testEngine } from "../../packages/server/test/support/store.ts";
import { freePort, type ServerProcess, startServer } from "../support/server-process.ts";
import { launchChromium, profileWithBlankApp, screenshotOnFailure } from "./support/browser.ts";
import { checkScreen, enterCode } from "./support/journey.ts";

/**
 * The README's "Share a demo vehicle", as a newcomer does it: the embedded mode (SQLite, demo data,
 * no SMTP), the printed consent link, the code read from the dev outbox page, one vehicle shared.
 * Always on the embedded SQLite store, whatever engine the rest of the suite runs on: that is the
 * mode the README describes. So it runs once, in the SQLite pass; the PostgreSQL pass would repeat it.
 */
const EMBEDDED_ONLY = "SQLite only: the embedded mode the README describes; it runs in the SQLite pass";
const postgresPass = testEngine() === "postgres";

const JOURNEY = "readme-demo";
const DEMO_CONFIGURATION = "de70de70-0000-4000-8000-000000000001";

let server: ServerProcess;
let browser: Browser;
const dataDir = mkdtempSync(path.join(tmpdir(), "keyfob-readme-"));

beforeAll(async () => {
  if (postgresPass) return;
  server = await startServer({
    port: await freePort(),
    databaseUrl: `sqlite:${path.join(dataDir, "keyfob.db")}`,
    env: { KEYFOB_DATA_DIR: dataDir },
  });
  browser = await launchChromium();
}, 120_000);

afterEach(async (context) => {
  await screenshotOnFailure(context.task, JOURNEY, browser);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("the printed consent link, the code from /dev/outbox, and a shared demo vehicle", async (ctx) => {
  if (postgresPass) ctx.skip(EMBEDDED_ONLY);
  expect(server.logs()).toContain(`${server.url}/?configurationId=${DEMO_CONFIGURATION}`);
  expect(server.logs()).toContain(`${server.url}/dev/outbox`);

  const { context, page } = await profileWithBlankApp(browser, "http://localhost:5173");
  await page.goto(`${server.url}/?configurationId=${DEMO_CONFIGURATION}`);
  await page.getByRole("textbox", { name: "Email address" }).fill("owner@example.com");
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await checkScreen(page, JOURNEY, "01-otp", "Check your email");

  // The newcomer reads the code off the outbox page in another tab.
  const outbox = await context.newPage();
  await outbox.goto(`${server.url}/dev/outbox`);
  const code = /\b(\d{6})\b/.exec((await outbox.locator("body").textContent()) ?? "")?.[1];
  expect(code).toMatch(/^\d{6}$/);
  await outbox.close();

  await enterCode(page, code ?? "");
  await page.getByRole("button", { name: "Verify email" }).click();
  await checkScreen(page, JOURNEY, "02-vehicles", /wants to use .* to connect to your vehicles data/);
  await page.getByRole("checkbox", { name: /Toyota/ }).check();
  await page.getByRole("button", { name: "Share 1 vehicle" }).click();
  await checkScreen(page, JOURNEY, "03-shared", "Done");
  await page.getByRole("button", { name: /^Back to / }).click();
  await page.waitForURL((url) => url.toString().startsWith("http://localhost:5173/"));
  const back = new URL(page.url());
  expect(back.searchParams.get("sharedVehicles")).toBe("3");
  expect(back.searchParams.get("token")).toMatch(/^ey/);
  await context.close();
});
