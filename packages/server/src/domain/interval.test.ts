import { describe, expect, it } from "vitest";
import { IntervalSyntaxError, parseDurationMs } from "./interval.ts";

describe("parseDurationMs (Go durations: ms s m h)", () => {
  it.each([
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["2h45m", 9_900_000],
    ["24h", 86_400_000],
    ["1h30m15s250ms", 5_415_250],
    ["1.5h", 5_400_000],
    [".5s", 500],
    ["1.s", 1_000],
    ["+10s", 10_000],
    ["0", 0],
    ["0s", 0],
    ["-5m", -300_000],
    // Sub-millisecond parts are truncated, as DIMO's Duration.Milliseconds() does; Go sums first.
    ["0.5ms0.5ms", 1],
    ["1.0009ms", 1],
    ["168h", 604_800_000],
  ])("%s = %d ms", (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each([
    ["1d", 'time: unknown unit "d" in duration "1d"'],
    ["5us", 'time: unknown unit "us" in duration "5us"'],
    ["10", 'time: missing unit in duration "10"'],
    ["", 'time: invalid duration ""'],
    ["h", 'time: invalid duration "h"'],
    ["1h-5m", 'time: unknown unit "h-" in duration "1h-5m"'],
    [".h", 'time: invalid duration ".h"'],
    ["-", 'time: invalid duration "-"'],
    ["3000000h", 'time: invalid duration "3000000h"'],
  ])("%j is refused: %s", (text, message) => {
    expect(() => parseDurationMs(text)).toThrow(new IntervalSyntaxError(message));
  });
});
