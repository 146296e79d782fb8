import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { freePort, runCli, type ServerProcess } from "../support/server-process.ts";
import {
  addVirtualAuthenticator,
  profileWithBlankApp,
  screenshot,
  screenshotOnFailure,
} from "./support/browser.ts";
import { type DemoData, type JourneyEnvironment, startJourneyEnvironment } from "./support/environment.ts";
import { checkScreen, enterCode, jwtClaims } from "./support/journey.ts";
import type { MailCatcher } from "./support/mail-catcher.ts";

/**
 * The login page on its own, in redirect mode (no app needed): configuration links, passkeys through
 * Chromium's virtual authenticator, secure mode, the error screens, German, and a narrow screen.
 * The app's redirect URI (http://localhost:5173/) is answered by the browser itself (page.route), so
 * the test sees exactly where the login page sends the user.
 */

const JOURNEY = "login-page";
const APP = "http://localhost:5173/";

let mail: MailCatcher;
let server: ServerProcess;
let browser: Browser;
let demo: DemoData;

/** A fresh browser profile whose requests to the app's origin are answered with a blank page. */
function freshPage(width = 1000): Promise<{ context: BrowserContext; page: Page }> {
  return profileWithBlankApp(browser, new URL(APP).origin, { width, height: 800 });
}

function loginUrl(params: Record<string, string>): string {
  return `${server.url}/?${new URLSearchParams(params).toString()}`;
}

/** Email → code from the SMTP catcher → verified. */
async function signInWithCode(page: Page, email: string, step: string): Promise<void> {
  await page.getByRole("textbox", { name: "Email address" }).fill(email);
  const sentAfter = Date.now();
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await checkScreen(page, JOURNEY, `${step}-otp`, "Check your email");
  await enterCode(page, await mail.waitForCode(email, sentAfter));
  await page.getByRole("button", { name: "Verify email" }).click();
}

async function appUrl(page: Page): Promise<URL> {
  await page.waitForURL((url) => url.toString().startsWith(APP), { timeout: 15_000 });
  return new URL(page.url());
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

describe("the login page", () => {
  test("a configurationId link alone opens the configured consent; Cancel returns no vehicles", async () => {
    const created = await runCli(
      [
        "configuration",
        "create",
        "--client-id",
        demo.clientId,
        "--name",
        "e2e share",
        "--json",
        JSON.stringify({
          redirectUri: APP,
          entryState: "VEHICLE_MANAGER",
          permissionTemplateId: "1",
          expirationDate: "12-31-2030",
          utm: "utm_source=config-link",
        }),
      ],
      server.env,
    );
    expect(created.code, created.stderr).toBe(0);
    const id = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(created.stdout)?.[0];
    expect(id).toBeDefined();

    const { context, page } = await freshPage();
    await page.goto(`${server.url}/?configurationId=${id}`);
    await checkScreen(page, JOURNEY, "config-01-email", /uses .* to connect to your cars/);
    await signInWithCode(page, demo.owner.email, "config-02");
    await checkScreen(
      page,
      JOURNEY,
      "config-03-vehicles",
      /wants to use .* to connect to your vehicles data/,
    );
    const consent = await page.getByRole("region", { name: "What you are agreeing to" }).textContent();
    expect(consent).toContain("2030");
    await page.getByRole("button", { name: "Cancel" }).click();
    const back = await appUrl(page);
    expect(back.searchParams.get("sharedVehicles")).toBe("");
    expect(back.searchParams.get("utm_source")).toBe("config-link");
    expect(jwtClaims(back.searchParams.get("token") ?? "").aud).toBe(demo.clientId);
    await context.close();
  });

  test("a new account proves its email, adds a passkey, and signs in with it next time", async () => {
    const email = `passkey-${Date.now()}@example.com`;
    const { context, page } = await freshPage();
    const authenticator = await addVirtualAuthenticator(context, page);
    const url = loginUrl({ clientId: demo.clientId, redirectUri: APP, entryState: "EMAIL_INPUT" });
    await page.goto(url);
    await checkScreen(page, JOURNEY, "passkey-01-email", /uses .* to connect to your cars/);
    await signInWithCode(page, email, "passkey-02");
    await checkScreen(page, JOURNEY, "passkey-03-offer", "Add a passkey?");
    await page.getByRole("button", { name: "Create a passkey" }).click();
    const first = await appUrl(page);
    const wallet = first.searchParams.get("walletAddress");
    expect(wallet).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const credentials = await authenticator.credentials();
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);

    // Signed out (a new session): the email field offers the passkey (WebAuthn conditional
    // mediation), and choosing it signs the same account in without a code. Chromium's virtual
    // authenticator picks the passkey at once, as a user choosing it from the autofill list would.
    await context.clearCookies();
    const mailsBefore = mail.messages.length;
    await page.goto(url);
    const second = await appUrl(page);
    expect(second.searchParams.get("walletAddress")).toBe(wallet);
    expect(mail.messages.length).toBe(mailsBefore);

    // A ceremony that fails user verification leads to a screen offering retry, an email code, or
    // another account; "Try passkey again" with a verified user signs in through the button.
    await context.clearCookies();
    await authenticator.setUserVerified(false);
    await page.goto(url);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await checkScreen(page, JOURNEY, "passkey-04-failed", /Passkey sign-in/);
    await page.getByRole("button", { name: "Use an email code" }).waitFor();
    await page.getByRole("button", { name: "Use another account" }).waitFor();
    await authenticator.setUserVerified(true);
    await page.getByRole("button", { name: "Try passkey again" }).click();
    const third = await appUrl(page);
    expect(third.searchParams.get("walletAddress")).toBe(wallet);
    await context.close();
  });

  test("secure mode returns only a code, which the app redeems with its PKCE verifier", async () => {
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const state = randomBytes(16).toString("base64url");
    const { context, page } = await freshPage();
    await page.goto(
      loginUrl({
        client_id: demo.clientId,
        redirect_uri: APP,
        response_type: "code",
        state,
        code_challenge: challenge,
        code_challenge_method: "S256",
      }),
    );
    await signInWithCode(page, demo.owner.email, "secure-01");
    const back = await appUrl(page);
    expect(back.searchParams.get("state")).toBe(state);
    expect(back.searchParams.get("iss")).toBe(server.url);
    expect(back.searchParams.has("token")).toBe(false);
    const code = back.searchParams.get("code") ?? "";

    const redeem = (codeVerifier: string) =>
      fetch(`${server.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code,
          redirect_uri: APP,
          client_id: demo.clientId,
          code_verifier: codeVerifier,
        }),
      });
    const response = await redeem(verifier);
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as { access_token: string; result: { walletAddress: string } };
    expect(jwtClaims(tokens.access_token).aud).toBe(demo.clientId);
    expect(tokens.result.walletAddress.toLowerCase()).toBe(demo.owner.walletAddress.toLowerCase());
    // Single use.
    const again = await redeem(verifier);
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe("invalid_grant");
    await context.close();
  });

  test("embedded in an iframe of a registered origin: the handshake, and one result to the parent only", async () => {
    // The app's page, served from its own loopback origin (a real server: Chromium's local-network
    // checks refuse frames of a loopback page inside a page the browser made up itself).
    const hostPort = await freePort();
    const hostOrigin = `http://localhost:${hostPort}`;
    const registered = await runCli(
      [
        "license",
        "settings",
        demo.clientId,
        "--web-origin",
        "http://localhost:5173",
        hostOrigin,
        "--embed",
        "on",
      ],
      server.env,
    );
    expect(registered.code, registered.stderr).toBe(0);
    // It frames the login page and answers READY with AUTH_INIT, as an SDK would.
    const hostPage = `<!doctype html><html lang="en"><title>host</title><body><main><h1>Host app</h1>
      <iframe title="Sign in" width="480" height="640"
        allow="publickey-credentials-get; publickey-credentials-create"
        src="${server.url}/?clientId=${demo.clientId}&amp;mode=embed"></iframe></main>
      <script>
        window.received = [];
        window.addEventListener("message", (event) => {
          if (event.origin !== ${JSON.stringify(server.url)}) return;
          window.received.push(event.data);
          if (event.data && event.data.eventType === "READY") {
            event.source.postMessage({ clientId: ${JSON.stringify(demo.clientId)}, redirectUri: ${JSON.stringify(APP)},
              apiKey: "some_api_key", entryState: "EMAIL_INPUT", forceEmail: false, eventType: "AUTH_INIT" }, event.origin);
          }
        });
      </script></body></html>`;
    const host = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end(hostPage),
    );
    await new Promise<void>((resolve) => host.listen(hostPort, "127.0.0.1", resolve));
    const { context, page } = await freshPage();
    try {
      await page.goto(`${hostOrigin}/`);
      const frame = page.frameLocator("iframe");
      await frame.getByRole("textbox", { name: "Email address" }).fill(demo.owner.email);
      const sentAfter = Date.now();
      await frame.getByRole("button", { name: "Continue", exact: true }).click();
      await frame.getByRole("heading", { name: "Check your email" }).waitFor();
      const code = await mail.waitForCode(demo.owner.email, sentAfter);
      await frame.getByRole("textbox", { name: /digit 1 of 6/i }).click();
      await page.keyboard.type(code);
      await frame.getByRole("button", { name: "Verify email" }).click();

      const results = async () =>
        ((await page.evaluate("window.received")) as Array<Record<string, unknown>>).filter(
          (m) => m.eventType === "authResponse",
        );
      await expect.poll(async () => (await results()).length, { timeout: 15_000 }).toBe(1);
      const [result] = await results();
      expect(result?.mode).toBe("embed");
      expect(result?.authType).toBe("embed");
      expect(jwtClaims(String(result?.token)).aud).toBe(demo.clientId);
      await screenshot(page, JOURNEY, "embed-done");

      // Framing is refused for a page that does not name an embed-enabled license.
      const bare = await page.request.get(`${server.url}/`);
      expect(bare.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
      const named = await page.request.get(`${server.url}/?clientId=${demo.clientId}&mode=embed`);
      expect(named.headers()["content-security-policy"]).toContain(
        `frame-ancestors http://localhost:5173 ${hostOrigin}`,
      );
    } finally {
      await context.close();
      await new Promise((resolve) => host.close(resolve));
    }
  });

  test("bad requests get an error screen and never leave the login page", async () => {
    const { context, page } = await freshPage();
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ["missing-client", { redirectUri: APP }, /does not name the app/],
      [
        "unknown-client",
        { clientId: "0x0000000000000000000000000000000000000001", redirectUri: APP },
        /not registered/,
      ],
      [
        "bad-redirect",
        { clientId: demo.clientId, redirectUri: "https://evil.example/" },
        /has not registered/,
      ],
      [
        "bad-permissions",
        { clientId: demo.clientId, redirectUri: APP, permissions: "111111111" },
        /permissions/,
      ],
      [
        "unknown-config",
        { configurationId: "00000000-0000-4000-8000-000000000000" },
        /configuration that does not/,
      ],
    ];
    for (const [name, params, reason] of cases) {
      await page.goto(loginUrl(params));
      await checkScreen(page, JOURNEY, `error-${name}`, "Sign-in is not possible");
      await expect.poll(() => page.locator("main").textContent()).toMatch(reason);
      expect(page.url().startsWith(server.url)).toBe(true);
    }
    await context.close();
  });

  test("speaks German when asked, and fits a 320 px wide screen", async () => {
    const { context, page } = await freshPage(320);
    await page.goto(loginUrl({ clientId: demo.clientId, redirectUri: APP, lang: "de" }));
    await page.getByRole("heading", { level: 1 }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("de");
    await page.getByRole("textbox", { name: "E-Mail-Adresse" }).waitFor();
    await screenshot(page, JOURNEY, "german-320px");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await context.close();
  });
});
