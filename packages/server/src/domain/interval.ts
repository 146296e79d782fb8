/**
 * The `interval` argument of the Telemetry API's `signals` query (telemetry-api.md §4): a Go
 * duration string — a sequence of `<number><unit>`, units `ms`, `s`, `m`, `h` — parsed as Go's
 * `time.ParseDuration` does and worded like it (`time: unknown unit "d" in duration "1d"`), so a
 * client sees the message DIMO's server would give. Days are not a unit. Sub-millisecond parts are
 * truncated, as DIMO's `Duration.Milliseconds()` does.
 */

const UNIT_NS: Record<string, bigint> = {
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
/** Go durations are int64 nanoseconds (about 292 years). */
const MAX_NS = 2n ** 63n - 1n;

export class IntervalSyntaxError extends Error {}

/**
 * Milliseconds of a Go duration string; may be zero or negative (`"0"`, `"-5m"`): callers check
 * that it is positive. Throws IntervalSyntaxError with Go's wording for anything else.
 */
export function parseDurationMs(text: string): number {
  const invalid = () => new IntervalSyntaxError(`time: invalid duration ${goQuote(text)}`);
  let rest = text;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();
  // Exact integer nanoseconds, as Go adds them up.
  let totalNs = 0n;
  while (rest !== "") {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    const whole = number[1] ?? "";
    const fraction = number[2] ?? "";
    if (whole === "" && fraction === "") throw invalid();
    rest = rest.slice(number[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === "") throw new IntervalSyntaxError(`time: missing unit in duration ${goQuote(text)}`);
    const scale = UNIT_NS[unit];
    if (scale === undefined)
      throw new IntervalSyntaxError(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(text)}`);
    rest = rest.slice(unit.length);
    totalNs += BigInt(whole || "0") * scale;
    if (fraction !== "") totalNs += (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
    if (totalNs > MAX_NS) throw invalid();
  }
  const ms = Number(totalNs / 1_000_000n);
  return negative ? -ms : ms;
}

/** Go's %q for the strings that reach it here (quotes and backslashes escaped). */
function goQuote(text: string): string {
  return JSON.stringify(text);
}
