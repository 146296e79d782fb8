/**
 * The timing rules of webhook deliveries (vehicle-triggers.md §5, §8, §9.2): the cooldown between
 * firings, which answers count as delivered, which are worth retrying, and when the next attempt is
 * due. Times are unix milliseconds.
 */

/**
 * Whether a webhook may fire again for a vehicle: never fired, a cooldown of 0, or at least
 * `cooldownSeconds` since it last fired (`now − lastTriggeredAt < coolDownPeriod` skips).
 */
export function cooldownElapsed(
  lastTriggeredAt: number | undefined,
  cooldownSeconds: number,
  now: number,
): boolean {
  if (lastTriggeredAt === undefined || cooldownSeconds <= 0) return true;
  return now - lastTriggeredAt >= cooldownSeconds * 1000;
}

/**
 * Offsets of the attempts from the first one: +0 s, 30 s, 2 min, 10 min, 1 h, 6 h, 24 h; after the
 * last, a delivery is dead. `KEYFOB_WEBHOOK_RETRY_SCHEDULE` replaces it (tests shrink it).
 * Each retry waits the gap to the next offset (see nextAttemptAt).
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  0, 30_000, 120_000, 600_000, 3_600_000, 21_600_000, 86_400_000,
]);

/** Each retry lands within ±20 % of its offset. */
export const RETRY_JITTER = 0.2;

/** What one attempt's outcome means for the delivery. */
export type AttemptVerdict = "succeeded" | "retry" | "failed";

/**
 * Any 2xx is a success. 408, 429, 5xx and transport errors or timeouts (`status` undefined) are
 * retried; 3xx (redirects are never followed) and every other 4xx are final failures.
 */
export function attemptVerdict(status: number | undefined): AttemptVerdict {
  if (status === undefined) return "retry";
  if (status >= 200 && status < 300) return "succeeded";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "failed";
}

/**
 * When attempt number `attemptsMade + 1` is due, after a failed attempt that ended at `now`, or
 * undefined when the schedule is exhausted (the delivery is dead). The wait is the gap between the
 * two attempts' offsets, jittered by ±RETRY_JITTER: on time, the attempts land on the schedule's
 * offsets; after the sender itself was down, the remaining retries keep their spacing instead of
 * firing in a burst that would exhaust the schedule before the receiver is back.
 */
export function nextAttemptAt(
  schedule: readonly number[],
  attemptsMade: number,
  now: number,
  random: () => number = Math.random,
): number | undefined {
  const offset = schedule[attemptsMade];
  const previous = schedule[attemptsMade - 1];
  if (offset === undefined || previous === undefined) return undefined;
  const jitter = 1 + (random() * 2 - 1) * RETRY_JITTER;
  return now + Math.round((offset - previous) * jitter);
}

export class RetryScheduleError extends Error {}

/** Checks a schedule: at least one attempt, the first at offset 0, then strictly ascending offsets. */
export function validateRetrySchedule(schedule: readonly number[]): readonly number[] {
  if (schedule.length === 0) throw new RetryScheduleError("at least one attempt");
  if (schedule[0] !== 0) throw new RetryScheduleError("the first attempt is at 0");
  for (let i = 1; i < schedule.length; i++) {
    const cur = schedule[i]!;
    if (!Number.isFinite(cur) || cur <= schedule[i - 1]!) throw new RetryScheduleError("offsets must ascend");
  }
  return schedule;
}
