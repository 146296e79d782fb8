import type { TriggerServiceName, TriggerValueType } from "./trigger-metrics.ts";

/**
 * The body of a webhook delivery (vehicle-triggers.md §7): a CloudEvent 1.0 JSON object, keys in
 * the spec's order. `producer` is the empty string, as every official delivery carries it. A test
 * event (`POST /v1/webhooks/:id/test`) has the type `dimo.trigger.test` and a synthetic value.
 */

export const TRIGGER_EVENT_SOURCE = "vehicle-triggers-api";
export const TRIGGER_EVENT_TYPE = "dimo.trigger";
export const TEST_EVENT_TYPE = "dimo.trigger.test";

export interface TriggerWebhookInfo {
  id: string;
  displayName: string;
  service: TriggerServiceName;
  metricName: string;
  condition: string;
}

export interface TriggerSignalData {
  name: string;
  unit: string;
  /** Unix milliseconds. */
  timestamp: number;
  source: string;
  valueType: TriggerValueType;
  value: number | string | { latitude: number; longitude: number; hdop: number };
}

export interface TriggerEventData {
  name: string;
  timestamp: number;
  source: string;
  durationNs: number;
  metadata: string | null;
}

export interface TriggerCloudEventInput {
  /** The delivery id: CloudEvent `id` and `webhook-id`. */
  id: string;
  /** When it fired, unix milliseconds. */
  time: number;
  /** The vehicle DID. */
  subject: string;
  webhook: TriggerWebhookInfo;
  signal?: TriggerSignalData;
  event?: TriggerEventData;
  test?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The exact JSON text that is signed and sent. */
export function triggerCloudEvent(input: TriggerCloudEventInput): string {
  const { webhook } = input;
  const data: Record<string, unknown> = {
    service: webhook.service,
    metricName: webhook.metricName,
    webhookId: webhook.id,
    webhookName: webhook.displayName,
    assetDID: input.subject,
    condition: webhook.condition,
  };
  if (input.signal) {
    const s = input.signal;
    data.signal = {
      name: s.name,
      ...(s.unit ? { unit: s.unit } : {}),
      timestamp: iso(s.timestamp),
      ...(s.source ? { source: s.source } : {}),
      valueType: s.valueType,
      value: s.value,
    };
  }
  if (input.event) {
    const e = input.event;
    data.event = {
      name: e.name,
      timestamp: iso(e.timestamp),
      ...(e.source ? { source: e.source } : {}),
      durationNs: e.durationNs,
      ...(e.metadata ? { metadata: e.metadata } : {}),
    };
  }
  return JSON.stringify({
    id: input.id,
    source: TRIGGER_EVENT_SOURCE,
    producer: "",
    specversion: "1.0",
    subject: input.subject,
    time: iso(input.time),
    type: input.test ? TEST_EVENT_TYPE : TRIGGER_EVENT_TYPE,
    datacontenttype: "application/json",
    dataversion: webhook.service === "events" ? "events/v1.0" : "signals/v1.0",
    data,
  });
}

/** The body of the verification handshake (§6). */
export const VERIFICATION_BODY = JSON.stringify({ verification: "test" });
