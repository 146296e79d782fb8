// @vitest-environment jsdom
// The webhooks page over a fake API: the list, a failed webhook's re-enable, a test event's outcome,
// the delivery log with a dead-lettered entry and its attempts; axe-clean in every state (colour
// contrast needs a real layout: the end-to-end test scans the page in Chromium).
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import axe from "axe-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConsoleApi, Delivery, TestResult, WebhookView } from "../api.ts";
import { WebhooksPage } from "./Webhooks.tsx";

afterEach(cleanup);

const CLIENT = "0x1111111111111111111111111111111111111111";
const HOOK: WebhookView = {
  id: "6c1f9a53-0000-4000-8000-000000000001",
  service: "signals",
  metricName: "vss.speed",
  condition: "valueNumber > 100",
  targetURL: "https://hooks.example.com/dimo",
  coolDownPeriod: 60,
  status: "failed",
  description: "",
  createdAt: "2025-06-01T12:00:00.000Z",
  updatedAt: "2025-06-01T12:00:00.000Z",
  failureCount: 10,
  displayName: "Speeding",
};
const DEAD: Delivery = {
  id: "9d0e2b7a-0000-4000-8000-000000000002",
  kind: "trigger",
  assetDid: "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7",
  createdAt: "2025-06-01T12:00:05.000Z",
  attempt: 7,
  status: "dead",
  responseStatus: 503,
  latencyMs: 41,
  error: "HTTP 503",
  nextAttemptAt: null,
};

function fakeApi() {
  let hook = { ...HOOK };
  return {
    webhooks: vi.fn(async () => ({ webhooks: [hook] })),
    deliveries: vi.fn(async () => ({ deliveries: [DEAD] })),
    delivery: vi.fn(async () => ({
      delivery: {
        ...DEAD,
        attempts: [
          {
            attempt: 1,
            startedAt: DEAD.createdAt,
            verdict: "retry",
            responseStatus: 503,
            latencyMs: 40,
            error: "HTTP 503",
          },
        ],
      },
    })),
    sendTestEvent: vi.fn(
      async (): Promise<{ result: TestResult }> => ({
        result: { id: "t-1", status: "succeeded", responseStatus: 204, latencyMs: 12, error: null },
      }),
    ),
    enableWebhook: vi.fn(async () => {
      hook = { ...hook, status: "enabled", failureCount: 0 };
      return { webhook: hook };
    }),
  };
}

async function seriousViolations(): Promise<string[]> {
  const result = await axe.run(document.body, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    rules: { "color-contrast": { enabled: false } },
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("the webhooks page", () => {
  it("lists, tests, shows the log with a dead letter and its attempts, and re-enables", async () => {
    const api = fakeApi();
    render(<WebhooksPage api={api as unknown as ConsoleApi} clientId={CLIENT} />);
    const table = await screen.findByRole("table", { name: "1 webhook" });
    const row = within(table).getByRole("row", { name: /Speeding/ });
    expect(row.textContent).toContain("https://hooks.example.com/dimo");
    expect(row.textContent).toContain("vss.speed");
    expect(row.textContent).toContain("valueNumber > 100");
    expect(row.textContent).toContain("60 s");
    expect(row.textContent).toContain("Failed after 10 failed attempts");
    expect(row.textContent).toContain("2025-06-01 12:00:00 UTC");
    expect(await seriousViolations()).toEqual([]);

    fireEvent.click(screen.getByRole("button", { name: "Delivery log of Speeding" }));
    const log = await screen.findByRole("table", { name: "1 delivery" });
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Delivery log of “Speeding”" }));
    expect(log.textContent).toContain("Dead-lettered");
    expect(log.textContent).toContain("503");
    expect(log.textContent).toContain("41 ms");
    expect(log.textContent).toContain(DEAD.id);
    fireEvent.click(screen.getByRole("button", { name: `Attempts of delivery ${DEAD.id}` }));
    const attempts = await screen.findByRole("table", { name: `Attempts of delivery ${DEAD.id}` });
    expect(attempts.textContent).toContain("retry (HTTP 503)");
    expect(await seriousViolations()).toEqual([]);

    fireEvent.click(screen.getByRole("button", { name: "Send test event to Speeding" }));
    const ok = await screen.findByText(/The test event to “Speeding” was delivered: HTTP 204 in 12 ms/);
    expect(ok.getAttribute("role")).toBe("status");
    expect(api.sendTestEvent).toHaveBeenCalledWith(CLIENT, HOOK.id);
    expect(api.deliveries.mock.calls.length).toBeGreaterThanOrEqual(2); // the open log reloaded

    fireEvent.click(screen.getByRole("button", { name: "Re-enable Speeding" }));
    await screen.findByText(/is enabled again/);
    expect(api.enableWebhook).toHaveBeenCalledWith(CLIENT, HOOK.id);
    expect(screen.queryByRole("button", { name: "Re-enable Speeding" })).toBeNull();
    expect(within(screen.getByRole("table", { name: "1 webhook" })).getByText("Enabled")).toBeTruthy();
    expect(await seriousViolations()).toEqual([]);
  });

  it("says when a test event was not delivered, as an alert", async () => {
    const api = fakeApi();
    api.sendTestEvent.mockResolvedValueOnce({
      result: { id: "t-2", status: "failed", responseStatus: null, latencyMs: null, error: "timeout" },
    });
    render(<WebhooksPage api={api as unknown as ConsoleApi} clientId={CLIENT} />);
    fireEvent.click(await screen.findByRole("button", { name: "Send test event to Speeding" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("was not delivered: no response (timeout)");
  });
});
