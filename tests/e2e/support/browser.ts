import { mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from "playwright-core";
import { repoRoot } from "../../support/server-process.ts";

/** Debian's chromium (`apt-get install chromium`); never a downloaded browser. */
export const CHROMIUM_PATH = process.env.KEYFOB_CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * The launch flags of spec/stack.md §3. Playwright runs each launch on a fresh temporary profile
 * directory of its own (it refuses a `--user-data-dir` argument), which is the fresh profile that
 * section asks for.
 */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS, headless: true });
}

/** Where screenshots go: kept after the run as test artifacts (`.test-results/screenshots`). */
/**
 * A fresh browser profile (context) and page in which the app at `appOrigin` is a blank page served
 * by the browser itself: the login page can send people back there without a real app running.
 */
export async function profileWithBlankApp(
  browser: Browser,
  appOrigin: string,
  viewport: { width: number; height: number } = { width: 1000, height: 800 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  await context.route(`${appOrigin}/**`, (route) =>
    route.fulfill({
      status: 200,
      contentType: "text/html",
      body: "<!doctype html><title>app</title><h1>app</h1>",
    }),
  );
  return { context, page: await context.newPage() };
}

export const SCREENSHOT_DIR = path.join(repoRoot, ".test-results", "screenshots");

/** Saves a full-page screenshot named `<journey>-<step>.png` and returns its path. */
export async function screenshot(page: Page, journey: string, step: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const safe = `${journey}-${step}`.replace(/[^a-zA-Z0-9._-]+/g, "-");
  const file = path.join(SCREENSHOT_DIR, `${safe}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface VirtualAuthenticator {
  cdp: CDPSession;
  authenticatorId: string;
  /** Credentials the authenticator holds (resident keys included). */
  credentials(): Promise<Array<{ credentialId: string; isResidentCredential: boolean; rpId?: string }>>;
  /** Makes the next ceremonies fail as if the user cancelled or had no matching passkey. */
  setUserVerified(verified: boolean): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A platform authenticator with resident keys and user verification, through Chromium's CDP
 * WebAuthn domain: passkey ceremonies complete without a person touching anything.
 */
export async function addVirtualAuthenticator(
  context: BrowserContext,
  page: Page,
): Promise<VirtualAuthenticator> {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    authenticatorId,
    async credentials() {
      const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
      return credentials;
    },
    async setUserVerified(verified) {
      await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: verified });
    },
    async remove() {
      await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
    },
  };
}

/** After a failed test: a screenshot of every open page of the browser, to see where it stopped. */
export async function screenshotOnFailure(
  task: { name: string; result?: { state?: string } },
  journey: string,
  browser: Browser | undefined,
): Promise<void> {
  if (task.result?.state !== "fail" || browser === undefined) return;
  const pages = browser.contexts().flatMap((context) => context.pages());
  for (const [index, page] of pages.entries()) {
    await screenshot(page, journey, `FAILED-${task.name}-${index}`).catch(() => undefined);
  }
}
