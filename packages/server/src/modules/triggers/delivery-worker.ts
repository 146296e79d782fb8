import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { Kysely, Selectable } from "kysely";
import type { PrivilegeId } from "../../domain/privileges.ts";
import type { TargetPolicy } from "../../domain/ssrf.ts";
import { resolveMetric, type TriggerServiceName } from "../../domain/trigger-metrics.ts";
import { attemptVerdict, nextAttemptAt } from "../../domain/webhook-delivery.ts";
import { signatureHeaders } from "../../domain/webhook-signature.ts";
import type { Database, WebhooksTable } from "../../store/schema.ts";
import { type GuardedPostResult, guardedPost, type HostResolver } from "./delivery-client.ts";
import type { DeliveryStatus } from "./model.ts";
import type { DeliveryRow, Outbox } from "./outbox.ts";

/**
 * The delivery worker: claims due outbox rows, POSTs each (signed, through the SSRF guard), and
 * records the attempt — success, a retry at the next point of the schedule, or the end (failed,
 * dead, cancelled) — together with the webhook's failure counter, in one transaction
 * (vehicle-triggers.md §7, §8, §9).
 */

export const USER_AGENT = "DIMO-Webhook/1.0";
export const DELIVERY_TIMEOUT_MS = 30_000;
/** Longer than any attempt can take: a row leased this long belongs to a dead worker. */
const LEASE_MS = 2 * DELIVERY_TIMEOUT_MS;
const RETENTION_MS = 30 * 86_400_000;
const PRUNE_INTERVAL_MS = 3_600_000;
/** Webhook rows are read once per this long (and again at once after any change, see `forget`). */
const WEBHOOK_CACHE_MS = 2_000;

export interface WorkerLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DeliveryWorkerDeps {
  db: Kysely<Database>;
  outbox: Outbox;
  /** The signing secrets of a webhook row, newest first (the previous one during a rotation). */
  secrets(row: Selectable<WebhooksTable>): string[];
  /** Whether the license may still see this metric of this vehicle (the grant check of §5). */
  mayDeliver(clientId: string, tokenId: number, privileges: readonly PrivilegeId[]): Promise<boolean>;
  /** Called when a grant no longer covers a subscription: unsubscribe the vehicle. */
  onRevoked(webhookId: string, tokenId: number): Promise<void>;
  /** Called after an attempt changed the webhook's failure counter or status (tell the other replicas). */
  onWebhookChanged?(webhookId: string): Promise<void>;
  policy: TargetPolicy;
  resolve?: HostResolver;
  retryScheduleMs: readonly number[];
  maxFailures: number;
  now: () => number;
  random?: () => number;
  timeoutMs?: number;
  /** Deliveries in flight at once (default 16). */
  concurrency?: number;
  /** Longest sleep while nothing is known to be due: picks up other replicas' expired leases (default 5 s). */
  idlePollMs?: number;
  logger?: WorkerLogger;
}

export interface AttemptOutcome {
  status: DeliveryStatus;
  responseStatus: number | null;
  latencyMs: number | null;
  error: string | null;
}

const quiet: WorkerLogger = { debug() {}, info() {}, warn() {}, error() {} };

export class DeliveryWorker {
  /** This process's lease owner name. */
  readonly owner = `worker-${randomUUID()}`;
  private logger: WorkerLogger;
  private readonly concurrency: number;
  private readonly inFlight = new Map<number, Promise<void>>();
  /** Attempts ended so far (runOnce tells from it whether the outbox may have changed under a claim). */
  private finished = 0;
  private stopping = this.controller();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private pumping = false;
  private pumpRun: Promise<void> | undefined;
  private pumpAgain = false;
  private lastPrune = 0;
  private wakeScheduled = false;
  private webhooks = new Map<string, { row: Selectable<WebhooksTable> | undefined; at: number }>();

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.logger = deps.logger ?? quiet;
    this.concurrency = deps.concurrency ?? 16;
  }

  /** Drops cached webhook rows (one, or all): the next attempt reads them again. */
  forget(webhookId?: string): void {
    if (webhookId === undefined) this.webhooks = new Map();
    else this.webhooks.delete(webhookId);
  }

  private async webhook(id: string): Promise<Selectable<WebhooksTable> | undefined> {
    const now = performance.now();
    const hit = this.webhooks.get(id);
    if (hit && now - hit.at < WEBHOOK_CACHE_MS) return hit.row;
    const row = await this.deps.db.selectFrom("webhooks").selectAll().where("id", "=", id).executeTakeFirst();
    if (this.webhooks.size > 10_000) this.webhooks = new Map();
    this.webhooks.set(id, { row, at: now });
    return row;
  }

  /** Every attempt in flight listens on it. */
  private controller(): AbortController {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  }

  setLogger(logger: WorkerLogger): void {
    this.logger = logger;
  }

  /** Starts the loop: deliveries go out as they become due, until `stop`. */
  start(): void {
    if (this.running) return;
    if (this.stopping.signal.aborted) this.stopping = this.controller();
    this.running = true;
    this.wake();
  }

  /** Something was queued in this process: look now rather than at the next timer. */
  wake(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pumpRun = this.pump();
  }

  /** Wakes after the current tick, so that attempts finishing together share one claim. */
  private wakeSoon(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wake();
    });
  }

  /** Stops claiming, aborts attempts in flight and gives their rows back (they are sent again later). */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight.values(), this.pumpRun]);
  }

  /** Claims and delivers what is due now, waiting for every attempt (tests, and the loop's step). */
  async runOnce(): Promise<number> {
    if (this.stopping.signal.aborted) this.stopping = this.controller();
    let total = 0;
    for (;;) {
      const free = this.concurrency - this.inFlight.size;
      if (free <= 0) {
        await Promise.race(this.inFlight.values());
        continue;
      }
      // An attempt that ends while the claim runs may make its pair's next row the head after the
      // claim read the outbox: only a claim that started with nothing finishing meanwhile proves
      // there is nothing left.
      const finishedBefore = this.finished;
      const rows = await this.deps.outbox.claim(this.owner, free, LEASE_MS);
      for (const row of rows) this.track(row);
      total += rows.length;
      if (rows.length === 0) {
        if (this.inFlight.size === 0) {
          if (this.finished === finishedBefore) return total;
          continue;
        }
        await Promise.race(this.inFlight.values());
      }
    }
  }

  private track(row: DeliveryRow): Promise<void> {
    const seq = Number(row.seq);
    const promise = this.attempt(row)
      .then(() => undefined)
      .catch((err) =>
        this.logger.error({ err, delivery: row.id }, "webhook delivery: recording the attempt failed"),
      )
      .finally(() => {
        this.inFlight.delete(seq);
        this.finished++;
        if (this.running) this.wakeSoon();
      });
    this.inFlight.set(seq, promise);
    return promise;
  }

  private async pump(): Promise<void> {
    if (!this.running) return;
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const free = this.concurrency - this.inFlight.size;
        if (free > 0) {
          const rows = await this.deps.outbox.claim(this.owner, free, LEASE_MS);
          for (const row of rows) this.track(row);
          if (rows.length === free) this.pumpAgain = true;
        }
      } while (this.pumpAgain && this.running && this.inFlight.size < this.concurrency);
      await this.maybePrune();
      if (this.running && this.inFlight.size < this.concurrency) await this.sleepUntilDue();
    } catch (err) {
      if (this.running) this.logger.error({ err }, "webhook delivery: the outbox could not be read");
      if (this.running) this.schedule(this.deps.idlePollMs ?? 5_000);
    } finally {
      this.pumping = false;
    }
    if (this.pumpAgain && this.running) this.wake();
  }

  private async sleepUntilDue(): Promise<void> {
    const idle = this.deps.idlePollMs ?? 5_000;
    const due = await this.deps.outbox.nextDueAt();
    const wait = due === undefined ? idle : Math.min(idle, Math.max(0, due - this.deps.now()));
    this.schedule(wait);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pumpRun = this.pump();
    }, ms);
    this.timer.unref();
  }

  /** Hourly (and at start): the 30-day retention of the delivery log, and a check that every pair has a head. */
  private async maybePrune(): Promise<void> {
    const now = this.deps.now();
    if (now - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = now;
    const pruned = await this.deps.outbox.prune(now - RETENTION_MS);
    if (pruned > 0) this.logger.info({ pruned }, "webhook delivery log: pruned entries older than 30 days");
    const repaired = await this.deps.outbox.repairHeads();
    if (repaired > 0) this.logger.warn({ repaired }, "webhook outbox: pairs without a head repaired");
  }

  /** One attempt at a claimed row, recorded; returns what became of it. */
  async attempt(row: DeliveryRow): Promise<AttemptOutcome> {
    const webhook = await this.webhook(row.webhook_id);
    const tokenId = Number(row.token_id);
    if (!webhook || webhook.status === "deleted" || (webhook.status === "failed" && row.kind === "trigger")) {
      return this.finishWithoutAttempt(row, "cancelled", `the webhook is ${webhook?.status ?? "gone"}`);
    }
    if (row.kind === "trigger") {
      const metric = resolveMetric(webhook.service as TriggerServiceName, webhook.metric_name);
      const allowed = metric
        ? await this.deps.mayDeliver(webhook.client_id, tokenId, metric.privileges)
        : false;
      if (!allowed) {
        await this.deps.onRevoked(webhook.id, tokenId);
        return this.finishWithoutAttempt(
          row,
          "cancelled",
          "the vehicle's grant no longer covers this webhook",
        );
      }
    }

    const startedAt = this.deps.now();
    const timestamp = Math.floor(startedAt / 1000);
    const result = await guardedPost({
      url: webhook.target_url,
      body: row.payload,
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        ...signatureHeaders(this.deps.secrets(webhook), row.id, timestamp, row.payload),
      },
      timeoutMs: this.deps.timeoutMs ?? DELIVERY_TIMEOUT_MS,
      policy: this.deps.policy,
      ...(this.deps.resolve ? { resolve: this.deps.resolve } : {}),
      signal: this.stopping.signal,
    });
    if (this.stopping.signal.aborted && !result.ok) {
      // Stopped mid-attempt: not the receiver's fault; the row goes back with its lease.
      await this.deps.outbox.release([Number(row.seq)], this.owner);
      return { status: "pending", responseStatus: null, latencyMs: null, error: "stopped" };
    }
    return this.record(row, webhook, startedAt, result);
  }

  private async finishWithoutAttempt(
    row: DeliveryRow,
    status: DeliveryStatus,
    error: string,
  ): Promise<AttemptOutcome> {
    await this.deps.db.transaction().execute(async (trx) => {
      const ended = await trx
        .updateTable("webhook_deliveries")
        .set({
          status,
          error,
          next_attempt_at: null,
          lease_until: null,
          lease_owner: null,
          updated_at: this.deps.now(),
        })
        .where("seq", "=", row.seq)
        .where("status", "=", "pending")
        .executeTakeFirst();
      if (Number(ended.numUpdatedRows) === 1 && row.kind !== "test")
        await this.deps.outbox.advance(trx, row.webhook_id, Number(row.token_id));
    });
    return { status, responseStatus: null, latencyMs: null, error };
  }

  private async record(
    row: DeliveryRow,
    webhook: Selectable<WebhooksTable>,
    startedAt: number,
    result: GuardedPostResult,
  ): Promise<AttemptOutcome> {
    const now = this.deps.now();
    const attemptNo = Number(row.attempts) + 1;
    const responseStatus = result.ok ? result.status : null;
    const error = result.ok
      ? responseStatus !== null && (responseStatus < 200 || responseStatus >= 300)
        ? `HTTP ${responseStatus}`
        : null
      : result.error;
    // A target the guard refuses stays refused: no point retrying it.
    let verdict = result.ok
      ? attemptVerdict(result.status)
      : result.refused
        ? "failed"
        : attemptVerdict(undefined);
    const isTest = row.kind === "test";
    if (isTest && verdict === "retry") verdict = "failed";
    const firstAttemptAt = row.first_attempt_at === null ? startedAt : Number(row.first_attempt_at);
    let status: DeliveryStatus = verdict === "succeeded" ? "succeeded" : "failed";
    let next: number | null = null;
    if (verdict === "retry") {
      const at = nextAttemptAt(this.deps.retryScheduleMs, attemptNo, now, this.deps.random);
      if (at === undefined) status = "dead";
      else {
        status = "pending";
        next = at;
      }
    }

    let turnedFailed = false;
    let webhookChanged = false;
    await this.deps.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("webhook_delivery_attempts")
        .values({
          delivery_seq: Number(row.seq),
          attempt: attemptNo,
          started_at: startedAt,
          verdict,
          response_status: responseStatus,
          latency_ms: result.latencyMs,
          error,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      const updated = await trx
        .updateTable("webhook_deliveries")
        .set({
          status,
          attempts: attemptNo,
          first_attempt_at: firstAttemptAt,
          next_attempt_at: next,
          lease_until: null,
          lease_owner: null,
          response_status: responseStatus,
          latency_ms: result.latencyMs,
          error,
          updated_at: now,
        })
        .where("seq", "=", row.seq)
        .where("status", "=", "pending")
        .where("lease_owner", "=", this.owner)
        .executeTakeFirst();
      if (isTest) return;
      // The head ended: the next row of its pair takes its place.
      if (status !== "pending" && Number(updated.numUpdatedRows) === 1)
        await this.deps.outbox.advance(trx, row.webhook_id, Number(row.token_id));
      if (verdict === "succeeded") {
        // A success resets the counter and revives a failed webhook (§8); usually nothing to change.
        if (Number(webhook.failure_count) === 0 && webhook.status !== "failed") return;
        webhookChanged = true;
        await trx
          .updateTable("webhooks")
          .set((eb) => ({
            failure_count: 0,
            status: eb.case().when("status", "=", "failed").then("enabled").else(eb.ref("status")).end(),
          }))
          .where("id", "=", webhook.id)
          .where((eb) => eb.or([eb("failure_count", ">", 0), eb("status", "=", "failed")]))
          .execute();
        return;
      }
      webhookChanged = true;
      const counted = await trx
        .updateTable("webhooks")
        .set((eb) => ({ failure_count: eb("failure_count", "+", 1) }))
        .where("id", "=", webhook.id)
        .returning(["failure_count", "status"])
        .executeTakeFirst();
      if (counted && counted.status === "enabled" && Number(counted.failure_count) >= this.deps.maxFailures) {
        await trx
          .updateTable("webhooks")
          .set({ status: "failed", updated_at: now })
          .where("id", "=", webhook.id)
          .execute();
        await this.deps.outbox.cancelPending(
          webhook.id,
          "the webhook failed: too many failed deliveries",
          trx,
        );
        turnedFailed = true;
      }
    });
    if (webhookChanged) {
      this.forget(webhook.id);
      await this.deps.onWebhookChanged?.(webhook.id);
    }
    if (turnedFailed)
      this.logger.warn(
        { webhook: webhook.id, failures: this.deps.maxFailures },
        "webhook failed after too many failed deliveries; pending deliveries cancelled",
      );
    else if (verdict !== "succeeded")
      this.logger.debug(
        { webhook: webhook.id, delivery: row.id, attempt: attemptNo, responseStatus, error, status },
        "webhook delivery attempt failed",
      );
    return {
      status: turnedFailed && status === "pending" ? "cancelled" : status,
      responseStatus,
      latencyMs: result.latencyMs,
      error,
    };
  }
}
