import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { seriousAxeViolations } from "./axe.ts";
import { screenshot } from "./browser.ts";

/**
 * Checks one screen of a journey the way a user and an auditor would see it: waits for its heading,
 * keeps a screenshot, and fails on any serious or critical axe violation.
 */
export async function checkScreen(
  page: Page,
  journey: string,
  step: string,
  heading: RegExp | string,
): Promise<void> {
  await page.getByRole("heading", { level: 1, name: heading }).waitFor({ state: "visible", timeout: 15_000 });
  await screenshot(page, journey, step);
  const violations = await seriousAxeViolations(page);
  expect(violations, `axe on ${journey}/${step}`).toEqual([]);
}

/** The claims of a JWT, unverified (the tests check the signature through the server's JWKS elsewhere). */
export function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split(".")[1];
  if (payload === undefined) throw new Error(`not a JWT: ${token.slice(0, 20)}…`);
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Types a 6-digit code into the OTP boxes (by pasting into the first, as users do). */
export async function enterCode(page: Page, code: string): Promise<void> {
  const first = page.getByRole("textbox", { name: /digit 1 of 6/i });
  await first.click();
  await page.keyboard.type(code);
}

/**
 * Clicks a control that makes the window close itself (a popup's "Back to …", its last step).
 * The window may close while Playwright is still finishing the click; that is the expected
 * outcome, not a failure, so the click's "page closed" error is accepted once the page has closed.
 */
export async function clickAndAwaitClose(page: Page, control: Locator): Promise<void> {
  const closed = page.waitForEvent("close", { timeout: 15_000 });
  try {
    await control.click();
  } catch (error) {
    await closed.catch(() => undefined);
    if (!page.isClosed()) throw error;
  }
  await closed;
}
