import { describe, expect, it } from "vitest";
import {
  attemptVerdict,
  cooldownElapsed,
  DEFAULT_RETRY_SCHEDULE_MS,
  nextAttemptAt,
  RETRY_JITTER,
  RetryScheduleError,
  validateRetrySchedule,
} from "./webhook-delivery.ts";

const T0 = Date.parse("2025-06-01T12:00:00Z");

describe("cooldownElapsed", () => {
  it("fires when never fired, or with a cooldown of 0", () => {
    expect(cooldownElapsed(undefined, 60, T0)).toBe(true);
    expect(cooldownElapsed(T0, 0, T0)).toBe(true);
    expect(cooldownElapsed(T0 + 5_000, 0, T0)).toBe(true);
  });

  it("skips while now − lastTriggeredAt < coolDownPeriod seconds, fires from the boundary on", () => {
    expect(cooldownElapsed(T0, 60, T0 + 59_999)).toBe(false);
    expect(cooldownElapsed(T0, 60, T0 + 60_000)).toBe(true);
    expect(cooldownElapsed(T0, 60, T0 + 61_000)).toBe(true);
    // A clock that went back never fires early.
    expect(cooldownElapsed(T0, 60, T0 - 1_000)).toBe(false);
  });
});

describe("attemptVerdict", () => {
  it.each([
    [200, "succeeded"],
    [204, "succeeded"],
    [299, "succeeded"],
    [undefined, "retry"],
    [408, "retry"],
    [429, "retry"],
    [500, "retry"],
    [503, "retry"],
    [301, "failed"],
    [302, "failed"],
    [307, "failed"],
    [400, "failed"],
    [401, "failed"],
    [404, "failed"],
    [410, "failed"],
    [100, "failed"],
  ])("%s → %s", (status, verdict) => {
    expect(attemptVerdict(status)).toBe(verdict);
  });
});

describe("nextAttemptAt", () => {
  const schedule = DEFAULT_RETRY_SCHEDULE_MS;

  it("follows +0 s, 30 s, 2 min, 10 min, 1 h, 6 h, 24 h from the first attempt, then ends", () => {
    const exact = () => 0.5; // no jitter
    expect(schedule).toEqual([0, 30_000, 120_000, 600_000, 3_600_000, 21_600_000, 86_400_000]);
    for (let made = 1; made < schedule.length; made++)
      expect(nextAttemptAt(schedule, made, T0, T0, exact)).toBe(T0 + schedule[made]!);
    expect(nextAttemptAt(schedule, schedule.length, T0, T0, exact)).toBeUndefined();
  });

  it("jitters each offset within ±20 %", () => {
    expect(RETRY_JITTER).toBe(0.2);
    expect(nextAttemptAt(schedule, 1, T0, T0, () => 0)).toBe(T0 + 24_000);
    expect(nextAttemptAt(schedule, 1, T0, T0, () => 0.999_999_9)).toBe(T0 + 36_000);
    expect(nextAttemptAt(schedule, 6, T0, T0, () => 0)).toBe(T0 + 0.8 * 86_400_000);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const at = nextAttemptAt(schedule, 2, T0, T0)!;
      expect(at).toBeGreaterThanOrEqual(T0 + 96_000);
      expect(at).toBeLessThanOrEqual(T0 + 144_000);
      seen.add(at);
    }
    expect(seen.size).toBeGreaterThan(50);
  });

  it("keeps the attempts in order whatever the jitter", () => {
    for (let made = 1; made < schedule.length - 1; made++)
      expect(nextAttemptAt(schedule, made, T0, T0, () => 0.999_999)!).toBeLessThan(
        nextAttemptAt(schedule, made + 1, T0, T0, () => 0)!,
      );
  });

  it("is due at once when its time has passed (a long outage, a restart)", () => {
    const later = T0 + 7_200_000;
    expect(nextAttemptAt(schedule, 1, T0, later, () => 0.5)).toBe(later);
    expect(nextAttemptAt(schedule, 5, T0, later, () => 0.5)).toBe(T0 + 21_600_000);
  });
});

describe("validateRetrySchedule", () => {
  it("accepts the default and shrunk schedules", () => {
    expect(validateRetrySchedule(DEFAULT_RETRY_SCHEDULE_MS)).toBe(DEFAULT_RETRY_SCHEDULE_MS);
    expect(validateRetrySchedule([0, 100, 300, 1000])).toEqual([0, 100, 300, 1000]);
    expect(validateRetrySchedule([0])).toEqual([0]);
  });

  it.each([
    [[], "at least one attempt"],
    [[100, 200], "the first attempt is at 0"],
    [[0, 100, 140], "offsets must grow"],
    [[0, 0], "offsets must grow"],
    [[0, -5], "offsets must grow"],
  ])("refuses %j", (schedule, message) => {
    expect(() => validateRetrySchedule(schedule)).toThrow(RetryScheduleError);
    expect(() => validateRetrySchedule(schedule)).toThrow(message);
  });
});
