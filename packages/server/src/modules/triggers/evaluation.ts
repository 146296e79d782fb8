import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import {
  type CompiledCondition,
  compileCondition,
  type EventSnapshot,
  eventVariables,
  type SignalSnapshot,
  signalVariables,
} from "../../domain/cel-condition.ts";
import type { PrivilegeId } from "../../domain/privileges.ts";
import { resolveMetric, signalMetricName, type TriggerMetric } from "../../domain/trigger-metrics.ts";
import { triggerCloudEvent } from "../../domain/trigger-payload.ts";
import { cooldownElapsed } from "../../domain/webhook-delivery.ts";
import type { Database, WebhooksTable } from "../../store/schema.ts";
import type { ParsedEvent, ParsedSignal } from "../telemetry/ingest-batch.ts";
import type { CommitListener, CommittedBatch } from "../telemetry/store.ts";
import { toWebhook, type Webhook } from "./model.ts";
import type { NewDelivery, Outbox } from "./outbox.ts";

/**
 * Trigger evaluation on the ingest path (vehicle-triggers.md §5): a commit listener of the signal
 * store. It wants only vehicles with a subscription (an in-memory set, reloaded whenever a
 * subscription changes anywhere: the change feed, NOTIFY on PostgreSQL), so other vehicles' batches
 * cost one Set lookup. For a subscribed vehicle, per new value of a watched metric, in time order:
 * the webhook is enabled → the grant still covers the metric (else the vehicle is unsubscribed) →
 * the cooldown has passed → the condition holds with the current and previous values. Firings are
 * written in one transaction: the cooldown state, the outbox rows (the trigger log: each holds the
 * value's snapshot in its body) and the metric's last fired value.
 */

export interface EvaluatorDeps {
  db: Kysely<Database>;
  outbox: Outbox;
  /** GrantService.evaluate, reduced to a yes or no. */
  mayEvaluate(clientId: string, tokenId: number, privileges: readonly PrivilegeId[]): Promise<boolean>;
  /** The vehicle's DID: the CloudEvent subject. */
  vehicleDid(tokenId: number): string;
  /** Unsubscribes a vehicle whose grant no longer covers a webhook. */
  onRevoked(webhookId: string, tokenId: number): Promise<void>;
  /** Told after firings were committed (wakes the delivery worker). */
  onFired(count: number): void;
  now: () => number;
}

export interface EvaluatorLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

interface LastValue {
  signal?: SignalSnapshot;
  event?: EventSnapshot;
}

interface Watch {
  webhook: Webhook;
  metric: TriggerMetric;
  condition: CompiledCondition;
}

type Point = { kind: "signal"; point: ParsedSignal } | { kind: "event"; point: ParsedEvent };

const CONDITION_CACHE_LIMIT = 10_000;

export class TriggerEvaluator implements CommitListener {
  private subscribed = new Set<number>();
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  /** Vehicles subscribed while a reload was reading: kept when it replaces the set. */
  private addedDuringReload: number[] = [];
  private readonly conditions = new Map<string, CompiledCondition | null>();
  private logger: EvaluatorLogger | undefined;

  constructor(private readonly deps: EvaluatorDeps) {}

  setLogger(logger: EvaluatorLogger): void {
    this.logger = logger;
  }

  wants(tokenId: number): boolean {
    return this.subscribed.has(tokenId);
  }

  /** A subscription was just committed in this process. */
  noteSubscribed(tokenIds: Iterable<number>): void {
    for (const id of tokenIds) {
      this.subscribed.add(id);
      if (this.reloading) this.addedDuringReload.push(id);
    }
  }

  /** Re-reads the set of subscribed vehicles (coalescing concurrent requests). */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        do {
          this.reloadAgain = false;
          this.addedDuringReload = [];
          const rows = await this.deps.db
            .selectFrom("webhook_subscriptions")
            .select("token_id")
            .distinct()
            .execute();
          const next = new Set(rows.map((r) => Number(r.token_id)));
          for (const id of this.addedDuringReload) next.add(id);
          this.subscribed = next;
        } while (this.reloadAgain);
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  private condition(webhook: Webhook, metric: TriggerMetric): CompiledCondition | null {
    const key = `${webhook.id}\n${webhook.condition}`;
    let compiled = this.conditions.get(key);
    if (compiled === undefined) {
      try {
        compiled = compileCondition(
          webhook.condition,
          metric.service === "signals"
            ? { service: "signals", valueType: metric.valueType }
            : { service: "events" },
        );
      } catch (err) {
        // Compiled at registration; only a library change could get here.
        this.logger?.warn(
          { webhook: webhook.id, err: (err as Error).message },
          "webhook condition no longer compiles",
        );
        compiled = null;
      }
      if (this.conditions.size >= CONDITION_CACHE_LIMIT) this.conditions.clear();
      this.conditions.set(key, compiled);
    }
    return compiled;
  }

  /** The commit listener: evaluates; a failure is logged and never fails the ingestion that triggered it. */
  async committed(batch: CommittedBatch): Promise<void> {
    try {
      await this.evaluate(batch);
    } catch (err) {
      this.logger?.error({ err, tokenId: batch.tokenId }, "trigger evaluation failed");
    }
  }

  async evaluate(batch: CommittedBatch): Promise<void> {
    const { db } = this.deps;
    const { tokenId } = batch;
    const points = new Map<string, Point[]>();
    for (const s of batch.signals) push(points, signalMetricName(s.name), { kind: "signal", point: s });
    for (const e of batch.events) push(points, e.name, { kind: "event", point: e });
    if (points.size === 0) return;

    const rows = await db
      .selectFrom("webhook_subscriptions as s")
      .innerJoin("webhooks as w", "w.id", "s.webhook_id")
      .selectAll("w")
      .where("s.token_id", "=", tokenId)
      .where("w.status", "=", "enabled")
      .where("w.metric_name", "in", [...points.keys()])
      .orderBy("w.created_at")
      .orderBy("w.id")
      .execute();
    if (rows.length === 0) return;

    const watches = await this.permitted(tokenId, rows);
    if (watches.length === 0) return;
    const now = this.deps.now();
    const lastFired = await this.lastFired(tokenId, watches);
    const previous = await this.lastValues(tokenId, [...new Set(watches.map((w) => w.webhook.metricName))]);

    const firings: NewDelivery[] = [];
    const fired = new Set<string>();
    const changedValues = new Set<string>();
    const byMetric = new Map<string, Watch[]>();
    for (const w of watches) push(byMetric, w.webhook.metricName, w);
    for (const [metricName, metricWatches] of byMetric) {
      for (const p of points.get(metricName) ?? []) {
        const snapshot = snapshotOf(p, batch.source);
        const prev = previous.get(metricName);
        let any = false;
        for (const { webhook, metric, condition } of metricWatches) {
          if (!cooldownElapsed(lastFired.get(webhook.id), webhook.cooldownSeconds, now)) continue;
          const variables =
            metric.service === "signals"
              ? signalVariables(metric.valueType, snapshot.signal!, prev?.signal)
              : eventVariables(snapshot.event!, prev?.event);
          if (!condition.matches(variables)) continue;
          lastFired.set(webhook.id, now);
          fired.add(webhook.id);
          any = true;
          firings.push(this.delivery(webhook, metric, tokenId, p, batch.source, now));
        }
        if (any) {
          previous.set(metricName, snapshot);
          changedValues.add(metricName);
        }
      }
    }
    if (firings.length === 0) return;

    await db.transaction().execute(async (trx) => {
      // The pair's state row first: concurrent firings of one pair queue here, so their outbox
      // rows get their sequence numbers in commit order.
      for (const webhookId of [...fired].sort())
        await trx
          .insertInto("trigger_state")
          .values({ webhook_id: webhookId, token_id: tokenId, last_triggered_at: now })
          .onConflict((oc) => oc.columns(["webhook_id", "token_id"]).doUpdateSet({ last_triggered_at: now }))
          .execute();
      await this.deps.outbox.insert(firings, trx);
      for (const metricName of [...changedValues].sort()) {
        const snapshot = JSON.stringify(previous.get(metricName));
        await trx
          .insertInto("trigger_last_values")
          .values({ token_id: tokenId, metric_name: metricName, snapshot, triggered_at: now })
          .onConflict((oc) =>
            oc.columns(["token_id", "metric_name"]).doUpdateSet({ snapshot, triggered_at: now }),
          )
          .execute();
      }
    });
    this.deps.onFired(firings.length);
  }

  /** The subscriptions whose grant still covers their metric; the others are unsubscribed (§5 step 2). */
  private async permitted(tokenId: number, rows: Selectable<WebhooksTable>[]): Promise<Watch[]> {
    const watches: Watch[] = [];
    for (const row of rows) {
      const webhook = toWebhook(row);
      const metric = resolveMetric(webhook.service, webhook.metricName);
      if (!metric) continue;
      if (!(await this.deps.mayEvaluate(webhook.clientId, tokenId, metric.privileges))) {
        await this.deps.onRevoked(webhook.id, tokenId);
        continue;
      }
      const condition = this.condition(webhook, metric);
      if (condition) watches.push({ webhook, metric, condition });
    }
    return watches;
  }

  private async lastFired(tokenId: number, watches: Watch[]): Promise<Map<string, number>> {
    const rows = await this.deps.db
      .selectFrom("trigger_state")
      .select(["webhook_id", "last_triggered_at"])
      .where("token_id", "=", tokenId)
      .where(
        "webhook_id",
        "in",
        watches.map((w) => w.webhook.id),
      )
      .execute();
    return new Map(rows.map((r) => [r.webhook_id, Number(r.last_triggered_at)]));
  }

  private async lastValues(tokenId: number, metricNames: string[]): Promise<Map<string, LastValue>> {
    const rows = await this.deps.db
      .selectFrom("trigger_last_values")
      .select(["metric_name", "snapshot"])
      .where("token_id", "=", tokenId)
      .where("metric_name", "in", metricNames)
      .execute();
    const out = new Map<string, LastValue>();
    for (const row of rows) {
      try {
        out.set(row.metric_name, JSON.parse(row.snapshot) as LastValue);
      } catch {
        // A damaged snapshot reads as "no previous value".
      }
    }
    return out;
  }

  private delivery(
    webhook: Webhook,
    metric: TriggerMetric,
    tokenId: number,
    p: Point,
    source: string,
    now: number,
  ): NewDelivery {
    const id = randomUUID();
    const payload = triggerCloudEvent({
      id,
      time: now,
      subject: this.deps.vehicleDid(tokenId),
      webhook: {
        id: webhook.id,
        displayName: webhook.displayName,
        service: webhook.service,
        metricName: webhook.metricName,
        condition: webhook.condition,
      },
      ...(p.kind === "signal" && metric.service === "signals"
        ? {
            signal: {
              name: metric.signal.name,
              unit: metric.signal.unit,
              timestamp: p.point.ts,
              source,
              valueType: metric.valueType,
              value: p.point.value,
            },
          }
        : {}),
      ...(p.kind === "event"
        ? {
            event: {
              name: p.point.name,
              timestamp: p.point.ts,
              source,
              durationNs: p.point.durationNs,
              metadata: p.point.metadata,
            },
          }
        : {}),
    });
    return {
      id,
      webhook_id: webhook.id,
      token_id: tokenId,
      kind: "trigger",
      payload,
      status: "pending",
      attempts: 0,
      next_attempt_at: now,
      first_attempt_at: null,
      lease_until: null,
      lease_owner: null,
      response_status: null,
      latency_ms: null,
      error: null,
      created_at: now,
      updated_at: now,
    };
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function snapshotOf(p: Point, source: string): LastValue {
  if (p.kind === "signal") return { signal: { value: p.point.value, source } };
  return {
    event: { name: p.point.name, source, durationNs: p.point.durationNs, metadata: p.point.metadata },
  };
}
