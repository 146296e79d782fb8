import type { Selectable } from "kysely";
import type { Address } from "../../domain/address.ts";
import type { TriggerServiceName } from "../../domain/trigger-metrics.ts";
import type { WebhookDeliveriesTable, WebhooksTable } from "../../store/schema.ts";

/** Shapes shared by the triggers module's parts, and the API views (vehicle-triggers.md §2, §9.5). */

export type WebhookStatus = "enabled" | "disabled" | "failed" | "deleted";
export type DeliveryStatus = "pending" | "succeeded" | "failed" | "dead" | "cancelled";
export type DeliveryKind = "trigger" | "test";

/** token_id of test deliveries: their own ordering lane, never a vehicle. */
export const TEST_LANE_TOKEN_ID = 0;

export interface Webhook {
  id: string;
  clientId: Address;
  service: TriggerServiceName;
  metricName: string;
  condition: string;
  cooldownSeconds: number;
  targetUrl: string;
  status: WebhookStatus;
  description: string;
  displayName: string;
  failureCount: number;
  createdAt: number;
  updatedAt: number;
}

export function toWebhook(row: Selectable<WebhooksTable>): Webhook {
  return {
    id: row.id,
    clientId: row.client_id as Address,
    service: row.service as TriggerServiceName,
    metricName: row.metric_name,
    condition: row.condition,
    cooldownSeconds: Number(row.cooldown_s),
    targetUrl: row.target_url,
    status: row.status as WebhookStatus,
    description: row.description,
    displayName: row.display_name,
    failureCount: Number(row.failure_count),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** `WebhookView` of the API. */
export interface WebhookView {
  id: string;
  service: string;
  metricName: string;
  condition: string;
  targetURL: string;
  coolDownPeriod: number;
  status: WebhookStatus;
  description: string;
  createdAt: string;
  updatedAt: string;
  failureCount: number;
  displayName: string;
}

export function webhookView(w: Webhook): WebhookView {
  return {
    id: w.id,
    service: w.service,
    metricName: w.metricName,
    condition: w.condition,
    targetURL: w.targetUrl,
    coolDownPeriod: w.cooldownSeconds,
    status: w.status,
    description: w.description,
    createdAt: new Date(w.createdAt).toISOString(),
    updatedAt: new Date(w.updatedAt).toISOString(),
    failureCount: w.failureCount,
    displayName: w.displayName,
  };
}

/** An entry of the delivery log (§9.5). */
export interface DeliveryView {
  id: string;
  kind: DeliveryKind;
  assetDid: string | null;
  createdAt: string;
  attempt: number;
  status: DeliveryStatus;
  responseStatus: number | null;
  latencyMs: number | null;
  error: string | null;
  nextAttemptAt: string | null;
}

export interface AttemptView {
  attempt: number;
  startedAt: string;
  verdict: string;
  responseStatus: number | null;
  latencyMs: number | null;
  error: string | null;
}

export function deliveryView(
  row: Selectable<WebhookDeliveriesTable>,
  did: (tokenId: number) => string,
): DeliveryView {
  const tokenId = Number(row.token_id);
  return {
    id: row.id,
    kind: row.kind as DeliveryKind,
    assetDid: tokenId === TEST_LANE_TOKEN_ID ? null : did(tokenId),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    attempt: Number(row.attempts),
    status: row.status as DeliveryStatus,
    responseStatus: row.response_status === null ? null : Number(row.response_status),
    latencyMs: row.latency_ms === null ? null : Number(row.latency_ms),
    error: row.error,
    nextAttemptAt:
      row.status === "pending" && row.next_attempt_at !== null
        ? new Date(Number(row.next_attempt_at)).toISOString()
        : null,
  };
}
