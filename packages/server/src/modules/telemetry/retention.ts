import type { SignalStore } from "./store.ts";

export const DAY_MS = 86_400_000;
const FIRST_RUN_DELAY_MS = 30_000;
const RUN_EVERY_MS = 60 * 60_000;

/**
 * Prunes history and events older than `retentionDays` (KEYFOB_TELEMETRY_RETENTION_DAYS) shortly
 * after start and then every hour, on unref'd timers (they never keep the process alive). Latest
 * values are never pruned. Returns a stop function that also waits for a run in progress. On
 * several replicas each prunes: the deletes are idempotent.
 */
export function scheduleRetention(
  signals: Pick<SignalStore, "pruneOlderThan">,
  retentionDays: number,
  options: { now?: () => number; onError?: (err: unknown) => void } = {},
): () => Promise<void> {
  if (retentionDays <= 0) return async () => {};
  const now = options.now ?? Date.now;
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= signals
      .pruneOlderThan(now() - retentionDays * DAY_MS)
      .then(
        () => undefined,
        (err: unknown) => options.onError?.(err),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(run, FIRST_RUN_DELAY_MS);
  const every = setInterval(run, RUN_EVERY_MS);
  first.unref();
  every.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(every);
    await running;
  };
}
