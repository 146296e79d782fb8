import { seedOf } from "../../domain/simulation/random.ts";
import {
  createVehicleSimulation,
  DEFAULT_EPOCH,
  type SimulationStep,
  type VehicleSimulation,
} from "../../domain/simulation/simulation.ts";
import type { IngestBatch } from "../telemetry/contract.ts";
import type { SimulatedVehicle, SimulationSettings } from "./fleet.ts";
import {
  type BatchLimits,
  DEFAULT_BATCH_LIMITS,
  type IngestClient,
  IngestRejectedError,
  toBatches,
} from "./ingest-client.ts";
import { simulatedVin } from "./vin.ts";

/**
 * Runs simulated vehicles against a Keyfob server, as an external connection would: `start()`
 * advances every vehicle in real time (a tick a second) and posts what it reported;
 * `backfill()` posts the history of past days first. Each vehicle's batches go out one at a time and
 * in time order; a failed post is retried with backoff, and the next tick picks up from where the
 * last acknowledged batch ended, so nothing is lost while the server is away.
 */

export interface RunnerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SimulatorRunnerOptions extends SimulationSettings {
  client: IngestClient;
  vehicles: SimulatedVehicle[];
  now?: () => number;
  tickMs?: number;
  logger?: RunnerLogger;
  limits?: BatchLimits;
}

export interface BackfillOptions {
  /** Days before `until`. */
  days: number;
  /** Default: now. */
  until?: number;
  /** Per-vehicle start instead of until − days (e.g. where a vehicle's data ends). */
  from?: (vehicle: SimulatedVehicle) => number;
  /** Vehicles posted side by side (each one's batches stay in order). Default 2. */
  concurrency?: number;
  onProgress?: (progress: BackfillProgress) => void;
  signal?: AbortSignal;
}

export interface BackfillProgress {
  signals: number;
  events: number;
  duplicates: number;
  batches: number;
}

export interface BackfillResult extends BackfillProgress {
  vehicles: number;
  from: number;
  until: number;
  ms: number;
}

export interface RunnerStats {
  signals: number;
  events: number;
  batches: number;
  failures: number;
}

const silent: RunnerLogger = { info() {}, warn() {}, error() {} };

/** Simulated time per backfill chunk: an hour of driving is about 4 000 points at most. */
const BACKFILL_CHUNK_MS = 3_600_000;

interface LiveVehicle {
  vehicle: SimulatedVehicle;
  sim: VehicleSimulation;
  /** Steps not yet acknowledged, oldest first. */
  queue: IngestBatch[];
  busy: boolean;
  /** No posts before this (after a failure). */
  retryAt: number;
  failures: number;
}

export class SimulatorRunner {
  private readonly now: () => number;
  private readonly logger: RunnerLogger;
  private readonly limits: BatchLimits;
  private timer: NodeJS.Timeout | undefined;
  private live: LiveVehicle[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  readonly stats: RunnerStats = { signals: 0, events: 0, batches: 0, failures: 0 };

  constructor(private readonly options: SimulatorRunnerOptions) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silent;
    this.limits = options.limits ?? DEFAULT_BATCH_LIMITS;
  }

  private simulate(vehicle: SimulatedVehicle, start: number): VehicleSimulation {
    return createVehicleSimulation({
      tokenId: vehicle.tokenId,
      powertrainType: vehicle.powertrainType,
      profile: vehicle.profile,
      seed: this.options.seed,
      city: this.options.city,
      start,
    });
  }

  private vin(vehicle: SimulatedVehicle, recordedAt: number): NonNullable<IngestBatch["vin"]> {
    const countryCode = this.options.city.countryCode ?? null;
    return {
      vin: simulatedVin(vehicle.tokenId, seedOf(this.options.seed), vehicle.make),
      countryCode,
      recordedAt,
    };
  }

  get vehicles(): readonly SimulatedVehicle[] {
    return this.options.vehicles;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /**
   * Starts the live simulation: every vehicle's current state at once (and its VIN), then what it
   * reports, tick by tick.
   */
  start(): void {
    if (this.timer) return;
    const now = this.now();
    this.live = this.options.vehicles.map((vehicle) => {
      const sim = this.simulate(vehicle, now);
      const step: SimulationStep = { signals: sim.snapshot(now), events: [] };
      const queue = toBatches(vehicle.tokenId, step, this.limits);
      if (queue[0]) queue[0].vin = this.vin(vehicle, now);
      sim.step(now + 1);
      return { vehicle, sim, queue, busy: false, retryAt: 0, failures: 0 };
    });
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 1000);
    this.timer.unref();
    this.tick();
  }

  /** One round: step every idle vehicle to now and send what it has. */
  tick(): void {
    if (this.stopping.signal.aborted) return;
    const now = this.now();
    for (const v of this.live) {
      if (v.busy || now < v.retryAt) continue;
      v.queue.push(...toBatches(v.vehicle.tokenId, v.sim.step(now), this.limits));
      if (v.queue.length === 0) continue;
      v.busy = true;
      const p = this.drain(v).finally(() => {
        v.busy = false;
        this.inFlight.delete(p);
      });
      this.inFlight.add(p);
    }
  }

  private async drain(v: LiveVehicle): Promise<void> {
    while (v.queue.length > 0 && !this.stopping.signal.aborted) {
      const batch = v.queue[0]!;
      try {
        // One attempt per tick: the next tick retries (with backoff) and meanwhile keeps simulating.
        await this.options.client.post(batch, { attempts: 1 });
        v.queue.shift();
        this.count(batch);
        if (v.failures > 0) this.logger.info({ tokenId: v.vehicle.tokenId }, "simulator: posting again");
        v.failures = 0;
      } catch (err) {
        this.stats.failures++;
        v.failures++;
        if (err instanceof IngestRejectedError) {
          // The server will not take this batch as it is: drop it and carry on with the next.
          v.queue.shift();
          this.logger.error({ tokenId: v.vehicle.tokenId, err: err.message }, "simulator: batch refused");
          v.retryAt = this.now() + (err.status === 400 ? 0 : 30_000);
          return;
        }
        const delay = Math.min(30_000, 500 * 2 ** Math.min(6, v.failures - 1));
        v.retryAt = this.now() + delay;
        if (v.failures === 1 || v.failures % 20 === 0)
          this.logger.warn(
            { tokenId: v.vehicle.tokenId, err: (err as Error).message, retryInMs: delay },
            "simulator: posting failed, will retry",
          );
        return;
      }
    }
  }

  private count(batch: IngestBatch): void {
    this.stats.batches++;
    this.stats.signals += batch.signals?.length ?? 0;
    this.stats.events += batch.events?.length ?? 0;
  }

  /** Stops ticking and waits (at most `timeoutMs`) for the posts under way. */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const pending = Promise.allSettled([...this.inFlight]);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([pending, new Promise((resolve) => (timeout = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timeout);
    this.stopping.abort();
  }

  /**
   * Posts the history of the `days` before `until` for every vehicle: large batches, a few vehicles
   * at a time, each vehicle's batches in order and retried with backoff. Safe to repeat: the same
   * points come out at the same timestamps, and the store ignores what it already has.
   */
  async backfill(options: BackfillOptions): Promise<BackfillResult> {
    const began = Date.now();
    const until = Math.floor(options.until ?? this.now());
    // Simulated timelines begin at their epoch: no history before it.
    const from = Math.max(DEFAULT_EPOCH, until - options.days * 86_400_000);
    const progress: BackfillProgress = { signals: 0, events: 0, duplicates: 0, batches: 0 };
    // The busiest vehicles first, so that the workers finish at about the same time.
    const weight = { taxi: 0, rideshare: 1, commuter: 2 } as const;
    const queue = [...this.options.vehicles].sort((a, b) => weight[a.profile] - weight[b.profile]);
    const worker = async () => {
      for (let vehicle = queue.shift(); vehicle; vehicle = queue.shift()) {
        const start = Math.max(from, Math.min(until, options.from?.(vehicle) ?? from));
        if (start >= until) continue;
        const sim = this.simulate(vehicle, start);
        let first = true;
        for (let t = start; t < until && !options.signal?.aborted; ) {
          t = Math.min(until, t + BACKFILL_CHUNK_MS);
          for (const batch of toBatches(vehicle.tokenId, sim.step(t), this.limits)) {
            // Recorded now: a VIN credential is valid for a week from when it was recorded.
            if (first) batch.vin = this.vin(vehicle, until);
            first = false;
            const result = await this.options.client.post(batch, {
              attempts: 8,
              ...(options.signal ? { signal: options.signal } : {}),
              onRetry: (err, attempt, delayMs) =>
                this.logger.warn(
                  { tokenId: vehicle.tokenId, err: err.message, attempt, delayMs },
                  "backfill: retrying",
                ),
            });
            progress.batches++;
            progress.signals += result.accepted.signals;
            progress.events += result.accepted.events;
            progress.duplicates += result.duplicates;
            options.onProgress?.({ ...progress });
          }
        }
      }
    };
    const workers = Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker);
    await Promise.all(workers);
    return { ...progress, vehicles: this.options.vehicles.length, from, until, ms: Date.now() - began };
  }
}
