import type { SimulationStep } from "../../domain/simulation/simulation.ts";
import { INGEST_LIMITS, type IngestBatch, type IngestResult } from "../telemetry/contract.ts";

/**
 * The simulator's side of `POST /v1/ingest`: exactly what any external connection does — a bearer
 * credential, JSON batches within the limits, retries with backoff when the server is unreachable
 * or busy.
 */

/** The server refused a batch for good (4xx other than 408/429): retrying the same batch won't help. */
export class IngestRejectedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`ingestion refused the batch (${status}): ${message}`);
  }
}

export interface IngestClientOptions {
  /** The server's base URL, e.g. http://localhost:3000. */
  url: string;
  credential: string;
  /** Called once after a 401 to get a fresh credential (e.g. re-read it); undefined = give up. */
  refreshCredential?: () => Promise<string | undefined>;
  fetch?: typeof fetch;
  /** Per request, ms. */
  timeoutMs?: number;
}

export interface PostOptions {
  /** Attempts before giving up (default: forever). */
  attempts?: number;
  /** Wait before the first retry, doubling up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Stop retrying when this says so (e.g. the runner is stopping). */
  signal?: AbortSignal;
  onRetry?: (err: Error, attempt: number, delayMs: number) => void;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export class IngestClient {
  private credential: string;
  private readonly endpoint: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: IngestClientOptions) {
    this.credential = options.credential;
    this.endpoint = `${options.url.replace(/\/+$/, "")}/v1/ingest`;
    this.doFetch = options.fetch ?? fetch;
  }

  /** One attempt. Throws IngestRejectedError for a final refusal, any other Error for a retryable failure. */
  async postOnce(body: string): Promise<IngestResult> {
    let refreshed = false;
    for (;;) {
      const res = await this.doFetch(this.endpoint, {
        method: "POST",
        headers: { authorization: `Bearer ${this.credential}`, "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
      const text = await res.text();
      if (res.ok) return JSON.parse(text) as IngestResult;
      if (res.status === 401 && !refreshed && this.options.refreshCredential) {
        refreshed = true;
        const fresh = await this.options.refreshCredential();
        if (fresh && fresh !== this.credential) {
          this.credential = fresh;
          continue;
        }
      }
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {}
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
        throw new IngestRejectedError(res.status, message);
      throw new Error(`ingestion answered ${res.status}: ${message}`);
    }
  }

  /** Posts a batch, retrying network errors, timeouts, 408, 429 and 5xx with exponential backoff. */
  async post(batch: IngestBatch, options: PostOptions = {}): Promise<IngestResult> {
    const body = JSON.stringify(batch);
    const attempts = options.attempts ?? Number.POSITIVE_INFINITY;
    let delay = options.baseDelayMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.postOnce(body);
      } catch (err) {
        if (err instanceof IngestRejectedError || attempt >= attempts || options.signal?.aborted) throw err;
        const wait = Math.min(delay, options.maxDelayMs ?? 30_000);
        options.onRetry?.(err as Error, attempt, wait);
        await sleep(wait, options.signal);
        if (options.signal?.aborted) throw err;
        delay *= 2;
      }
    }
  }
}

export interface BatchLimits {
  maxSignals: number;
  maxEvents: number;
  maxBodyBytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  maxSignals: INGEST_LIMITS.maxSignals,
  maxEvents: INGEST_LIMITS.maxEvents,
  // Leave room under the server's limit for the JSON framing.
  maxBodyBytes: INGEST_LIMITS.maxBodyBytes - 64 * 1024,
};

/** A simulation step as ingestion batches for one vehicle, each within the limits; none if empty. */
export function toBatches(
  tokenId: number,
  step: SimulationStep,
  limits: BatchLimits = DEFAULT_BATCH_LIMITS,
): IngestBatch[] {
  const batches: IngestBatch[] = [];
  const signals = step.signals.map((s) => ({ name: s.name, timestamp: s.timestamp, value: s.value }));
  const events = step.events.map((e) => ({
    name: e.name,
    timestamp: e.timestamp,
    durationNs: e.durationNs,
    metadata: e.metadata,
  }));
  let si = 0;
  let ei = 0;
  while (si < signals.length || ei < events.length) {
    let count = Math.min(limits.maxSignals, signals.length - si);
    const eventCount = Math.min(limits.maxEvents, events.length - ei);
    let batch: IngestBatch;
    for (;;) {
      batch = { tokenId, signals: signals.slice(si, si + count), events: events.slice(ei, ei + eventCount) };
      // A point is under 200 bytes of JSON: measure only when the batch could be near the limit.
      if (count <= 1 || (count + eventCount) * 200 < limits.maxBodyBytes) break;
      if (JSON.stringify(batch).length <= limits.maxBodyBytes) break;
      count = Math.ceil(count / 2);
    }
    if (batch.events?.length === 0) delete batch.events;
    if (batch.signals?.length === 0) delete batch.signals;
    batches.push(batch);
    si += count;
    ei += eventCount;
  }
  return batches;
}
