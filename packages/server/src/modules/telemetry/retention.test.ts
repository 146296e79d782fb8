import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DAY_MS, scheduleRetention } from "./retention.ts";

describe("scheduleRetention", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("prunes older than the retention shortly after start and then hourly; stop ends it", async () => {
    const now = Date.parse("2025-06-01T12:00:00Z");
    const cutoffs: number[] = [];
    const stop = scheduleRetention(
      {
        pruneOlderThan: async (cutoff) => {
          cutoffs.push(cutoff);
          return { signals: 0, events: 0 };
        },
      },
      30,
      { now: () => now },
    );
    expect(cutoffs).toEqual([]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(cutoffs).toEqual([now - 30 * DAY_MS]);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(cutoffs).toHaveLength(2);
    await stop();
    await vi.advanceTimersByTimeAsync(10 * 60 * 60_000);
    expect(cutoffs).toHaveLength(2);
  });

  it("0 days keeps everything: no timer at all", async () => {
    const prune = vi.fn();
    const stop = scheduleRetention({ pruneOlderThan: prune }, 0);
    expect(vi.getTimerCount()).toBe(0);
    await stop();
  });

  it("reports a failed run and keeps going", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const stop = scheduleRetention(
      {
        pruneOlderThan: async () => {
          calls++;
          throw new Error("database is locked");
        },
      },
      1,
      { onError: (err) => errors.push(err) },
    );
    await vi.advanceTimersByTimeAsync(30_000 + 60 * 60_000);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(2);
    await stop();
  });
});
