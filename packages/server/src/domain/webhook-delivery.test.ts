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

  it("lands on +0 s, 30 s, 2 min, 10 min, 1 h, 6 h, 24 h from the first attempt, then ends", () => {
    const exact = () => 0.5; // no jitter
    expect(schedule).toEqual([0, 30_000, 120_000, 600_000, 3_600_000, 21_600_000, 86_400_000]);
    let at = T0;
    for (let made = 1; made < schedule.length; made++) {
      at = nextAttemptAt(schedule, made, at, exact)!;
      expect(at).toBe(T0 + schedule[made]!);
    }
    expect(nextAttemptAt(schedule, schedule.length, at, exact)).toBeUndefined();
  });

  it("jitters each wait within ±20 %", () => {
    expect(RETRY_JITTER).toBe(0.2);
    expect(nextAttemptAt(schedule, 1, T0, () => 0)).toBe(T0 + 24_000);
    expect(nextAttemptAt(schedule, 1, T0, () => 0.999_999_9)).toBe(T0 + 36_000);
    expect(nextAttemptAt(schedule, 6, T0, () => 0)).toBe(T0 + 0.8 * 64_800_000);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const at = nextAttemptAt(schedule, 2, T0)!;
      expect(at).toBeGreaterThanOrEqual(T0 + 72_000);
      expect(at).toBeLessThanOrEqual(T0 + 108_000);
      seen.add(at);
    }
    expect(seen.size).toBeGreaterThan(50);
  });

  it("keeps its spacing after the sender was down: no burst that would use up the schedule", () => {
    // The server was down for two hours after the first attempt: the second attempt comes 30 s after
    // it is back, the third 90 s after that.
    const back = T0 + 7_200_000;
    const second = nextAttemptAt(schedule, 1, back, () => 0.5)!;
    expect(second).toBe(back + 30_000);
    expect(nextAttemptAt(schedule, 2, second, () => 0.5)).toBe(second + 90_000);
  });
});

describe("validateRetrySchedule", () => {
  it("accepts the default and shrunk schedules", () => {
    expect(validateRetrySchedule(DEFAULT_RETRY_SCHEDULE_MS)).toBe(DEFAULT_RETRY_SCHEDULE_MS);
    expect(validateRetrySchedule([0, 100, 300, 1000])).toEqual([0, 100, 300, 1000]);
    expect(validateRetrySchedule([0])).toEqual([0]);
    expect(validateRetrySchedule([0, 100, 140])).toEqual([0, 100, 140]);
  });

  it.each([
    [[], "at least one attempt"],
    [[100, 200], "the first attempt is at 0"],
    [[0, 100, 100], "offsets must ascend"],
    [[0, 0], "offsets must ascend"],
    [[0, -5], "offsets must ascend"],
  ])("refuses %j", (schedule, message) => {
    expect(() => validateRetrySchedule(schedule)).toThrow(RetryScheduleError);
    expect(() => validateRetrySchedule(schedule)).toThrow(message);
  });
});
