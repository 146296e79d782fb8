import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { Address } from "../../domain/address.ts";
import { ConditionError, compileCondition } from "../../domain/cel-condition.ts";
import { InvalidDidError, parseErc721Did } from "../../domain/did.ts";
import type { PrivilegeId } from "../../domain/privileges.ts";
import { isLocalhostName, parseTargetUrl, type TargetPolicy } from "../../domain/ssrf.ts";
import {
  isTriggerService,
  resolveMetric,
  type SignalDefinitionView,
  type TriggerMetric,
  webhookSignalDefinitions,
} from "../../domain/trigger-metrics.ts";
import { triggerCloudEvent, VERIFICATION_BODY } from "../../domain/trigger-payload.ts";
import { generateWebhookSecret, signatureHeaders } from "../../domain/webhook-signature.ts";
import { invalidArgument, notFoundError, ServiceError } from "../../errors.ts";
import type { Sealer } from "../../secrets.ts";
import type { ChangeFeed } from "../../store/change-feed.ts";
import type { Database, WebhooksTable } from "../../store/schema.ts";
import type { GrantService } from "../grants/service.ts";
import type { CommitListener, SignalStore } from "../telemetry/store.ts";
import type { VehicleService } from "../vehicles/service.ts";
import { guardedPost, type HostResolver, systemResolver, vetTarget } from "./delivery-client.ts";
import { type AttemptOutcome, DeliveryWorker, USER_AGENT, type WorkerLogger } from "./delivery-worker.ts";
import { TriggerEvaluator } from "./evaluation.ts";
import {
  type AttemptView,
  type DeliveryView,
  deliveryView,
  TEST_LANE_TOKEN_ID,
  toWebhook,
  type Webhook,
  type WebhookView,
  webhookView,
} from "./model.ts";
import { Outbox } from "./outbox.ts";
import type { RegisterWebhookInput, UpdateWebhookInput } from "./requests.ts";

/**
 * Vehicle triggers (vehicle-triggers.md): the webhook API of a license, subscriptions with their
 * grant checks, evaluation on the ingest path (evaluation.ts) and the durable, signed delivery
 * (outbox.ts, delivery-worker.ts). Every method takes the license (the verified developer JWT's
 * clientId); another license's webhook behaves as absent.
 */

export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** After a rotation the previous secret signs too, this long. */
export const SECRET_OVERLAP_MS = 86_400_000;
const SUBSCRIBE_ALL_PAGE = 500;
const WEBHOOK_CHANGE = "webhook:";

export interface TriggerSettings {
  webhookAllowLoopback: boolean;
  webhookRetryScheduleMs: readonly number[];
  webhookMaxFailures: number;
  chainId: number;
  vehicleContract: string;
}

export interface TriggerServiceDeps {
  db: Kysely<Database>;
  grants: Pick<GrantService, "evaluate" | "grantedPairsQuery">;
  vehicles: Pick<VehicleService, "did" | "page">;
  signals: Pick<SignalStore, "onCommitted">;
  changes: ChangeFeed;
  /** Seals the webhook secrets at rest. */
  sealer: Sealer;
  settings: TriggerSettings;
  now?: () => number;
  random?: () => number;
  /** DNS for webhook targets (tests: a fixed table). */
  resolve?: HostResolver;
  /** Delivery request timeout (default 30 s). */
  deliveryTimeoutMs?: number;
}

export interface RegisterResult {
  id: string;
  message: string;
  /** Shown once. */
  secret: string;
}

export type SubscribeListResult =
  | { message: string }
  | { failedSubscriptions: Array<{ assetDid: string; message: string }> };

const forbidden = (message: string) => new ServiceError("FORBIDDEN", message);
const conflict = (message: string) => new ServiceError("CONFLICT", message);

export class TriggerService {
  readonly evaluator: TriggerEvaluator;
  readonly outbox: Outbox;
  readonly worker: DeliveryWorker;
  private readonly db: Kysely<Database>;
  private readonly now: () => number;
  private readonly policy: TargetPolicy;
  private readonly resolve: HostResolver;
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribeFeed: () => void;
  private readonly detachListener: () => void;
  private readonly openedSecrets = new Map<string, string>();

  constructor(private readonly deps: TriggerServiceDeps) {
    this.db = deps.db;
    this.now = deps.now ?? Date.now;
    this.policy = { allowLoopback: deps.settings.webhookAllowLoopback };
    this.resolve = deps.resolve ?? systemResolver;
    this.outbox = new Outbox(deps.db, this.now);
    const mayUse = (clientId: string, tokenId: number, privileges: readonly PrivilegeId[]) =>
      this.mayUse(clientId, tokenId, privileges);
    const onRevoked = (webhookId: string, tokenId: number) => this.unsubscribeRevoked(webhookId, tokenId);
    this.evaluator = new TriggerEvaluator({
      db: deps.db,
      outbox: this.outbox,
      mayEvaluate: mayUse,
      vehicleDid: (tokenId) => deps.vehicles.did(tokenId),
      onRevoked,
      onFired: () => this.worker.wake(),
      now: this.now,
    });
    this.worker = new DeliveryWorker({
      db: deps.db,
      outbox: this.outbox,
      secrets: (row) => this.signingSecrets(row),
      mayDeliver: mayUse,
      onRevoked,
      onWebhookChanged: (id) => this.webhookChanged(id),
      policy: this.policy,
      resolve: this.resolve,
      retryScheduleMs: deps.settings.webhookRetryScheduleMs,
      maxFailures: deps.settings.webhookMaxFailures,
      now: this.now,
      ...(deps.random ? { random: deps.random } : {}),
      ...(deps.deliveryTimeoutMs ? { timeoutMs: deps.deliveryTimeoutMs } : {}),
    });
    // "webhook:<id>": a webhook row changed; anything else (subscriptions, a reconnect): re-read.
    this.unsubscribeFeed = deps.changes.subscribe("keyfob_triggers", (payload) => {
      if (payload.startsWith(WEBHOOK_CHANGE)) {
        this.worker.forget(payload.slice(WEBHOOK_CHANGE.length));
        return;
      }
      this.worker.forget();
      void this.evaluator.reload().catch(() => {});
    });
    this.detachListener = deps.signals.onCommitted(this.evaluator satisfies CommitListener);
  }

  /** Loads the set of subscribed vehicles; call once before ingestion starts. */
  async init(): Promise<void> {
    await this.evaluator.reload();
  }

  /** Starts delivering (the HTTP app does, with its logger), with a periodic re-read of the subscriptions. */
  startDelivery(logger?: WorkerLogger): void {
    if (logger) {
      this.worker.setLogger(logger);
      this.evaluator.setLogger(logger);
    }
    this.worker.start();
    this.reloadTimer ??= setInterval(() => void this.evaluator.reload().catch(() => {}), 300_000);
    this.reloadTimer.unref();
  }

  async stopDelivery(): Promise<void> {
    clearInterval(this.reloadTimer);
    this.reloadTimer = undefined;
    await this.worker.stop();
  }

  /** Detaches from the signal store and the change feed. */
  async close(): Promise<void> {
    await this.stopDelivery();
    this.detachListener();
    this.unsubscribeFeed();
  }

  // ---- webhooks ----

  async list(clientId: Address): Promise<WebhookView[]> {
    const rows = await this.db
      .selectFrom("webhooks")
      .selectAll()
      .where("client_id", "=", clientId)
      .where("status", "!=", "deleted")
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map((r) => webhookView(toWebhook(r)));
  }

  signalDefinitions(): SignalDefinitionView[] {
    return webhookSignalDefinitions();
  }

  /** `POST /v1/webhooks`: §3's checks in order, then the handshake, then the insert. */
  async register(clientId: Address, input: RegisterWebhookInput): Promise<RegisterResult> {
    const targetUrl = await this.checkTargetUrl(input.targetURL);
    const service = input.service ?? "";
    if (!isTriggerService(service)) throw invalidArgument(`Invalid service: ${service}`);
    const metricName = input.metricName ?? "";
    const metric = resolveMetric(service, metricName);
    if (!metric) throw invalidArgument(`Unknown metric: ${metricName}`);
    const condition = input.condition ?? "";
    this.checkCondition(condition, metric);
    const cooldown = this.checkCooldown(input.coolDownPeriod ?? 0);
    const status = this.checkStatus(input.status ?? "enabled");
    const verificationToken = input.verificationToken ?? "";
    if (verificationToken.trim() === "") throw invalidArgument("Verification token is required");
    const id = randomUUID();
    const displayName = input.displayName?.trim() || id;
    await this.checkDisplayName(clientId, displayName);

    const secret = generateWebhookSecret();
    await this.handshake(targetUrl, verificationToken, [secret]);
    const now = this.now();
    try {
      await this.db
        .insertInto("webhooks")
        .values({
          id,
          client_id: clientId,
          service,
          metric_name: metricName,
          condition,
          cooldown_s: cooldown,
          target_url: targetUrl,
          status,
          description: input.description ?? "",
          display_name: displayName,
          display_name_key: displayName.toLowerCase(),
          verification_token: verificationToken,
          secret_enc: this.deps.sealer.seal(secret),
          previous_secret_enc: null,
          previous_secret_until: null,
          failure_count: 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
    } catch (err) {
      if (await this.displayNameTaken(clientId, displayName))
        throw invalidArgument("Display name must be unique");
      throw err;
    }
    return { id, message: "Webhook registered successfully", secret };
  }

  /** `PUT /v1/webhooks/:id`: the given fields, checked as on create; a new URL is verified again. */
  async update(
    clientId: Address,
    webhookId: string,
    input: UpdateWebhookInput,
  ): Promise<{ id: string; message: string }> {
    const current = await this.require(clientId, webhookId);
    const metric = resolveMetric(current.service, current.metricName)!;
    const changes: Partial<Selectable<WebhooksTable>> = {};
    let targetUrl: string | undefined;
    if (input.targetURL !== undefined) {
      targetUrl = await this.checkTargetUrl(input.targetURL);
      if (targetUrl !== current.targetUrl) changes.target_url = targetUrl;
    }
    if (input.condition !== undefined) {
      this.checkCondition(input.condition, metric);
      changes.condition = input.condition;
    }
    if (input.coolDownPeriod !== undefined) changes.cooldown_s = this.checkCooldown(input.coolDownPeriod);
    if (input.status !== undefined) changes.status = this.checkStatus(input.status);
    if (input.description !== undefined) changes.description = input.description;
    if (input.displayName !== undefined) {
      const displayName = input.displayName.trim() || current.id;
      await this.checkDisplayName(clientId, displayName, current.id);
      changes.display_name = displayName;
      changes.display_name_key = displayName.toLowerCase();
    }
    if (input.verificationToken !== undefined) {
      if (input.verificationToken.trim() === "") throw invalidArgument("Verification token is required");
      changes.verification_token = input.verificationToken;
    }
    if (changes.target_url !== undefined) {
      // Keyfob addition (§3): a new URL proves it is the developer's, as on create.
      const row = await this.row(current.id);
      const token = changes.verification_token ?? row.verification_token;
      await this.handshake(changes.target_url, token, this.signingSecrets(row));
    }
    try {
      await this.db
        .updateTable("webhooks")
        .set({ ...changes, failure_count: 0, updated_at: this.now() })
        .where("id", "=", current.id)
        .where("status", "!=", "deleted")
        .execute();
    } catch (err) {
      if (changes.display_name && (await this.displayNameTaken(clientId, changes.display_name, current.id)))
        throw invalidArgument("Display name must be unique");
      throw err;
    }
    await this.webhookChanged(current.id);
    return { id: current.id, message: "Webhook updated successfully" };
  }

  /** Soft delete: status `deleted`; subscriptions go, pending deliveries are cancelled, the log stays. */
  async remove(clientId: Address, webhookId: string): Promise<{ message: string }> {
    const current = await this.require(clientId, webhookId);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("webhooks")
        .set({ status: "deleted", display_name_key: null, updated_at: this.now() })
        .where("id", "=", current.id)
        .execute();
      await trx.deleteFrom("webhook_subscriptions").where("webhook_id", "=", current.id).execute();
      await this.outbox.cancelPending(current.id, "the webhook was deleted", trx);
    });
    await this.webhookChanged(current.id);
    await this.subscriptionsChanged();
    return { message: "Webhook deleted successfully" };
  }

  /** `POST /v1/webhooks/:id/secret`: a new secret, shown once; the old one keeps signing for 24 h. */
  async rotateSecret(clientId: Address, webhookId: string): Promise<{ secret: string }> {
    const current = await this.require(clientId, webhookId);
    const row = await this.row(current.id);
    const secret = generateWebhookSecret();
    const now = this.now();
    await this.db
      .updateTable("webhooks")
      .set({
        secret_enc: this.deps.sealer.seal(secret),
        previous_secret_enc: row.secret_enc,
        previous_secret_until: now + SECRET_OVERLAP_MS,
        updated_at: now,
      })
      .where("id", "=", current.id)
      .execute();
    await this.webhookChanged(current.id);
    return { secret };
  }

  // ---- subscriptions ----

  /** `GET /v1/webhooks/:id`: the subscribed vehicles' DIDs. */
  async subscribedVehicles(clientId: Address, webhookId: string): Promise<string[]> {
    const webhook = await this.require(clientId, webhookId);
    const rows = await this.db
      .selectFrom("webhook_subscriptions")
      .select("token_id")
      .where("webhook_id", "=", webhook.id)
      .orderBy("token_id")
      .execute();
    return rows.map((r) => this.deps.vehicles.did(Number(r.token_id)));
  }

  async subscribe(clientId: Address, webhookId: string, assetDid: string): Promise<{ message: string }> {
    const webhook = await this.require(clientId, webhookId);
    const tokenId = this.parseAssetDid(assetDid);
    const metric = resolveMetric(webhook.service, webhook.metricName)!;
    if (!(await this.mayUse(clientId, tokenId, metric.privileges)))
      throw forbidden("Insufficient vehicle permissions");
    await this.insertSubscription(webhook.id, tokenId);
    await this.subscriptionsChanged([tokenId]);
    return { message: "Vehicle assigned successfully" };
  }

  /** List form: every DID is checked first; the first one without the privileges fails everything. */
  async subscribeList(
    clientId: Address,
    webhookId: string,
    assetDids: string[],
  ): Promise<SubscribeListResult> {
    const webhook = await this.require(clientId, webhookId);
    const assets = assetDids.map((did) => ({ did, tokenId: this.parseAssetDid(did) }));
    return this.subscribeAssets(clientId, webhook, assets);
  }

  /** Every vehicle the license is privileged on (identity-api.md §4.1). */
  async subscribeAll(clientId: Address, webhookId: string): Promise<SubscribeListResult> {
    const webhook = await this.require(clientId, webhookId);
    const assets: Array<{ did: string; tokenId: number }> = [];
    let above: number | undefined;
    for (;;) {
      const page = await this.deps.vehicles.page({
        ownerOrGranted: { owner: clientId, granted: this.deps.grants.grantedPairsQuery(clientId) },
        limit: SUBSCRIBE_ALL_PAGE,
        order: "asc",
        ...(above === undefined ? {} : { above }),
      });
      for (const v of page) assets.push({ did: v.tokenDID, tokenId: v.tokenId });
      if (page.length < SUBSCRIBE_ALL_PAGE) break;
      above = page[page.length - 1]!.tokenId;
    }
    return this.subscribeAssets(clientId, webhook, assets);
  }

  private async subscribeAssets(
    clientId: Address,
    webhook: Webhook,
    assets: Array<{ did: string; tokenId: number }>,
  ): Promise<SubscribeListResult> {
    const metric = resolveMetric(webhook.service, webhook.metricName)!;
    for (const asset of assets) {
      if (!(await this.mayUse(clientId, asset.tokenId, metric.privileges)))
        throw forbidden(`Insufficient permissions for asset ${asset.did}`);
    }
    const failed: Array<{ assetDid: string; message: string }> = [];
    const subscribed: number[] = [];
    for (const asset of assets) {
      try {
        await this.insertSubscription(webhook.id, asset.tokenId);
        subscribed.push(asset.tokenId);
      } catch {
        failed.push({ assetDid: asset.did, message: "Failed to subscribe vehicle" });
      }
    }
    await this.subscriptionsChanged(subscribed);
    if (failed.length > 0) return { failedSubscriptions: failed };
    return { message: `Subscribed ${subscribed.length} assets` };
  }

  async unsubscribe(clientId: Address, webhookId: string, assetDid: string): Promise<{ message: string }> {
    const webhook = await this.require(clientId, webhookId);
    const tokenId = this.parseAssetDid(assetDid);
    await this.deleteSubscriptions(webhook.id, [tokenId]);
    return { message: "Vehicle unsubscribed successfully" };
  }

  async unsubscribeList(
    clientId: Address,
    webhookId: string,
    assetDids: string[],
  ): Promise<{ message: string }> {
    const webhook = await this.require(clientId, webhookId);
    const tokenIds = assetDids.map((did) => this.parseAssetDid(did));
    const removed = await this.deleteSubscriptions(webhook.id, tokenIds);
    return { message: `Unsubscribed ${removed} assets` };
  }

  async unsubscribeAll(clientId: Address, webhookId: string): Promise<{ message: string }> {
    const webhook = await this.require(clientId, webhookId);
    const removed = await this.deleteSubscriptions(webhook.id);
    return { message: `Unsubscribed ${removed} vehicles` };
  }

  /** `GET /v1/webhooks/vehicles/:assetDID`: this license's webhooks on the vehicle. */
  async vehicleSubscriptions(
    clientId: Address,
    assetDid: string,
  ): Promise<Array<{ webhookId: string; assetDid: string; createdAt: string; description: string }>> {
    const tokenId = this.parseAssetDid(assetDid);
    const rows = await this.db
      .selectFrom("webhook_subscriptions as s")
      .innerJoin("webhooks as w", "w.id", "s.webhook_id")
      .select(["w.id", "w.description", "s.created_at"])
      .where("s.token_id", "=", tokenId)
      .where("w.client_id", "=", clientId)
      .where("w.status", "!=", "deleted")
      .orderBy("s.created_at")
      .orderBy("w.id")
      .execute();
    const did = this.deps.vehicles.did(tokenId);
    return rows.map((r) => ({
      webhookId: r.id,
      assetDid: did,
      createdAt: new Date(Number(r.created_at)).toISOString(),
      description: r.description,
    }));
  }

  // ---- deliveries ----

  async deliveries(
    clientId: Address,
    webhookId: string,
    page: { limit: number; before?: string },
  ): Promise<DeliveryView[]> {
    const webhook = await this.require(clientId, webhookId);
    const rows = await this.outbox.list(webhook.id, page.limit, page.before);
    if (!rows) throw notFoundError("Delivery not found");
    return rows.map((r) => deliveryView(r, (t) => this.deps.vehicles.did(t)));
  }

  async delivery(
    clientId: Address,
    webhookId: string,
    deliveryId: string,
  ): Promise<DeliveryView & { attempts: AttemptView[]; payload: unknown }> {
    const webhook = await this.require(clientId, webhookId);
    const row = await this.outbox.find(webhook.id, deliveryId);
    if (!row) throw notFoundError("Delivery not found");
    const attempts = await this.outbox.attempts(Number(row.seq));
    return {
      ...deliveryView(row, (t) => this.deps.vehicles.did(t)),
      payload: JSON.parse(row.payload),
      attempts: attempts.map((a) => ({
        attempt: Number(a.attempt),
        startedAt: new Date(Number(a.started_at)).toISOString(),
        verdict: a.verdict,
        responseStatus: a.response_status === null ? null : Number(a.response_status),
        latencyMs: a.latency_ms === null ? null : Number(a.latency_ms),
        error: a.error,
      })),
    };
  }

  /** Puts a finished delivery back in the queue (same id, so receivers can dedupe); it goes out next for its vehicle. */
  async retryDelivery(
    clientId: Address,
    webhookId: string,
    deliveryId: string,
  ): Promise<{ id: string; message: string }> {
    const webhook = await this.require(clientId, webhookId);
    if (webhook.status === "failed")
      throw conflict("The webhook has failed; re-enable it first (status: enabled)");
    const row = await this.outbox.find(webhook.id, deliveryId);
    if (!row) throw notFoundError("Delivery not found");
    if (row.status === "pending") throw conflict("The delivery is still pending");
    await this.outbox.requeue(row);
    this.worker.wake();
    return { id: row.id, message: "Delivery re-queued" };
  }

  /** `POST /v1/webhooks/:id/test`: a synthetic event, signed and logged like any delivery, sent now (one attempt). */
  async sendTest(clientId: Address, webhookId: string): Promise<{ id: string } & AttemptOutcome> {
    const webhook = await this.require(clientId, webhookId);
    const metric = resolveMetric(webhook.service, webhook.metricName)!;
    const now = this.now();
    const id = randomUUID();
    const payload = triggerCloudEvent({
      id,
      time: now,
      subject: this.deps.vehicles.did(TEST_LANE_TOKEN_ID),
      test: true,
      webhook: {
        id: webhook.id,
        displayName: webhook.displayName,
        service: webhook.service,
        metricName: webhook.metricName,
        condition: webhook.condition,
      },
      ...(metric.service === "signals"
        ? {
            signal: {
              name: metric.signal.name,
              unit: metric.signal.unit,
              timestamp: now,
              source: "",
              valueType: metric.valueType,
              value:
                metric.valueType === "string"
                  ? "test"
                  : metric.valueType === "vss.Location"
                    ? { latitude: 0, longitude: 0, hdop: 0 }
                    : 0,
            },
          }
        : { event: { name: webhook.metricName, timestamp: now, source: "", durationNs: 0, metadata: null } }),
    });
    const [row] = await this.outbox.insert([
      {
        id,
        webhook_id: webhook.id,
        token_id: TEST_LANE_TOKEN_ID,
        kind: "test",
        payload,
        status: "pending",
        attempts: 0,
        next_attempt_at: now,
        first_attempt_at: null,
        // Held by this process: the background worker leaves it alone.
        lease_until: now + HANDSHAKE_TIMEOUT_MS * 6,
        lease_owner: this.worker.owner,
        response_status: null,
        latency_ms: null,
        error: null,
        created_at: now,
        updated_at: now,
      },
    ]);
    const outcome = await this.worker.attempt(row!);
    return { id, ...outcome };
  }

  // ---- internals ----

  private async mayUse(
    clientId: string,
    tokenId: number,
    privileges: readonly PrivilegeId[],
  ): Promise<boolean> {
    const decision = await this.deps.grants.evaluate(tokenId, clientId as Address, [...privileges]);
    return decision.allowed;
  }

  private async row(id: string): Promise<Selectable<WebhooksTable>> {
    return this.db.selectFrom("webhooks").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  }

  /** The license's webhook (not deleted), or 404. */
  private async require(clientId: Address, webhookId: string): Promise<Webhook> {
    const row = await this.db
      .selectFrom("webhooks")
      .selectAll()
      .where("id", "=", webhookId)
      .where("client_id", "=", clientId)
      .where("status", "!=", "deleted")
      .executeTakeFirst();
    if (!row) throw notFoundError("Webhook not found");
    return toWebhook(row);
  }

  /** The signing secrets, newest first: the previous one too while its overlap lasts. */
  private signingSecrets(row: Selectable<WebhooksTable>): string[] {
    const secrets = [this.openSecret(row.secret_enc)];
    if (
      row.previous_secret_enc &&
      row.previous_secret_until !== null &&
      Number(row.previous_secret_until) > this.now()
    )
      secrets.push(this.openSecret(row.previous_secret_enc));
    return secrets;
  }

  /** Opened secrets by their sealed text (which changes with every rotation). */
  private openSecret(sealed: string): string {
    let secret = this.openedSecrets.get(sealed);
    if (secret === undefined) {
      secret = this.deps.sealer.open(sealed);
      if (this.openedSecrets.size >= 10_000) this.openedSecrets.clear();
      this.openedSecrets.set(sealed, secret);
    }
    return secret;
  }

  /** §3: `Invalid webhook URL`, then `Webhook URL must be HTTPS` (http: only to loopback, when allowed). */
  private async checkTargetUrl(raw: string | undefined): Promise<string> {
    const target = parseTargetUrl(raw ?? "");
    if (!target.ok)
      throw invalidArgument(
        target.problem === "invalid" ? "Invalid webhook URL" : "Webhook URL must be HTTPS",
      );
    if (target.url.protocol === "http:") {
      const local = this.policy.allowLoopback && (target.literal || isLocalhostName(target.hostname));
      const vetted = local ? await vetTarget(target.url.href, this.policy, this.resolve) : undefined;
      if (!vetted?.ok) throw invalidArgument("Webhook URL must be HTTPS");
    }
    return target.url.href;
  }

  private checkCondition(condition: string, metric: TriggerMetric): void {
    try {
      compileCondition(
        condition,
        metric.service === "signals"
          ? { service: "signals", valueType: metric.valueType }
          : { service: "events" },
      );
    } catch (err) {
      if (err instanceof ConditionError) throw invalidArgument(`invalid CEL condition: ${err.message}`);
      throw err;
    }
  }

  private checkCooldown(value: number): number {
    if (value < 0) throw invalidArgument("Cool down period must be greater than or equal to 0");
    return value;
  }

  private checkStatus(value: string): "enabled" | "disabled" {
    if (value !== "enabled" && value !== "disabled")
      throw invalidArgument(`Invalid status, must be 'enabled' or 'disabled', got '${value}'`);
    return value;
  }

  private async displayNameTaken(clientId: Address, displayName: string, except?: string): Promise<boolean> {
    let query = this.db
      .selectFrom("webhooks")
      .select("id")
      .where("client_id", "=", clientId)
      .where("display_name_key", "=", displayName.toLowerCase());
    if (except) query = query.where("id", "!=", except);
    return (await query.executeTakeFirst()) !== undefined;
  }

  private async checkDisplayName(clientId: Address, displayName: string, except?: string): Promise<void> {
    if (await this.displayNameTaken(clientId, displayName, except))
      throw invalidArgument("Display name must be unique");
  }

  /** §6, through the SSRF guard, signed like a delivery; 400 with the spec's messages. */
  private async handshake(targetUrl: string, verificationToken: string, secrets: string[]): Promise<void> {
    const id = randomUUID();
    const result = await guardedPost({
      url: targetUrl,
      body: VERIFICATION_BODY,
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        ...signatureHeaders(secrets, id, Math.floor(this.now() / 1000), VERIFICATION_BODY),
      },
      timeoutMs: HANDSHAKE_TIMEOUT_MS,
      policy: this.policy,
      resolve: this.resolve,
    });
    if (!result.ok) {
      if (result.refused)
        throw invalidArgument(`Target URL is not allowed: ${result.error.replace(/^refused: /, "")}`);
      throw invalidArgument("Failed to call target URL");
    }
    if (result.status !== 200)
      throw invalidArgument(`Target URL did not return status 200 (got ${result.status})`);
    const body = result.body.trim();
    if (body !== verificationToken.trim()) {
      const shown = body.length > 200 ? `${body.slice(0, 200)}…` : body;
      throw invalidArgument(`verification token mismatch. Expected '${verificationToken}', got '${shown}'`);
    }
  }

  /** The token id of a vehicle DID of this deployment; 400 `Invalid asset DID format: …` otherwise. */
  private parseAssetDid(value: string): number {
    let did: ReturnType<typeof parseErc721Did>;
    try {
      did = parseErc721Did(value);
    } catch (err) {
      if (err instanceof InvalidDidError) throw invalidArgument(`Invalid asset DID format: ${err.reason}`);
      throw err;
    }
    if (
      did.chainId !== this.deps.settings.chainId ||
      did.contract.toLowerCase() !== this.deps.settings.vehicleContract.toLowerCase()
    )
      throw invalidArgument(
        "Invalid asset DID format: not a vehicle of this deployment (chain id or contract)",
      );
    return did.tokenId;
  }

  private async insertSubscription(webhookId: string, tokenId: number): Promise<void> {
    await this.db
      .insertInto("webhook_subscriptions")
      .values({ webhook_id: webhookId, token_id: tokenId, created_at: this.now() })
      .onConflict((oc) => oc.columns(["webhook_id", "token_id"]).doNothing())
      .execute();
  }

  private async deleteSubscriptions(webhookId: string, tokenIds?: number[]): Promise<number> {
    let query = this.db.deleteFrom("webhook_subscriptions").where("webhook_id", "=", webhookId);
    if (tokenIds) {
      if (tokenIds.length === 0) return 0;
      query = query.where("token_id", "in", tokenIds);
    }
    const result = await query.executeTakeFirst();
    await this.subscriptionsChanged();
    return Number(result.numDeletedRows);
  }

  /** A grant no longer covers the subscription: unsubscribe the vehicle (§5 step 2). */
  private async unsubscribeRevoked(webhookId: string, tokenId: number): Promise<void> {
    await this.deleteSubscriptions(webhookId, [tokenId]);
  }

  /** A webhook row changed: cached copies (the delivery worker's, in every replica) go. */
  private async webhookChanged(id: string): Promise<void> {
    await this.deps.changes.publish("keyfob_triggers", `${WEBHOOK_CHANGE}${id}`);
  }

  /** Tells this process's evaluator at once, and every replica through the change feed. */
  private async subscriptionsChanged(added: number[] = []): Promise<void> {
    this.evaluator.noteSubscribed(added);
    await this.deps.changes.publish("keyfob_triggers", "subscriptions");
  }
}
