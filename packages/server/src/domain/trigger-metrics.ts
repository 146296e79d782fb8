import type { PrivilegeId } from "./privileges.ts";
import { privilegeName } from "./privileges.ts";
import { EVENT_NAMES, isKnownEvent, SIGNALS, type SignalDefinition, signalByName } from "./signals.ts";

/**
 * What a webhook watches (vehicle-triggers.md §2, §3, §5): a stored signal as `vss.<signal>`
 * (service `signals`) or an event name (service `events`), with the privileges that subscribing to
 * it and every evaluation of it need.
 */

export type TriggerServiceName = "signals" | "events";

export const TRIGGER_SERVICES: readonly TriggerServiceName[] = ["signals", "events"];

/** The `valueType` of a signal in the webhook API and in deliveries. */
export type TriggerValueType = "float64" | "string" | "vss.Location";

export const SIGNAL_METRIC_PREFIX = "vss.";

// privilege:GetNonLocationHistory and privilege:GetLocationHistory: what events (and, officially,
// unknown signals) need.
const NON_LOCATION: PrivilegeId = 1;
const LOCATION_HISTORY: PrivilegeId = 4;

export interface SignalMetric {
  service: "signals";
  /** `vss.speed`. */
  metricName: string;
  signal: SignalDefinition;
  valueType: TriggerValueType;
  privileges: readonly PrivilegeId[];
}

export interface EventMetric {
  service: "events";
  /** `behavior.harshBraking`. */
  metricName: string;
  privileges: readonly PrivilegeId[];
}

export type TriggerMetric = SignalMetric | EventMetric;

export function isTriggerService(value: unknown): value is TriggerServiceName {
  return value === "signals" || value === "events";
}

export function valueTypeOf(signal: Pick<SignalDefinition, "type">): TriggerValueType {
  return signal.type === "float" ? "float64" : signal.type === "string" ? "string" : "vss.Location";
}

/** The privileges that read a stored signal: NLD → GetNonLocationHistory, ATL → GetLocationHistory. */
export function signalPrivileges(signal: Pick<SignalDefinition, "privilege">): readonly PrivilegeId[] {
  return signal.privilege === "ATL" ? [LOCATION_HISTORY] : [NON_LOCATION];
}

/** The metric of a webhook, or undefined for a name this service does not know. */
export function resolveMetric(service: TriggerServiceName, metricName: string): TriggerMetric | undefined {
  if (service === "events") {
    return isKnownEvent(metricName)
      ? { service, metricName, privileges: [NON_LOCATION, LOCATION_HISTORY] }
      : undefined;
  }
  if (!metricName.startsWith(SIGNAL_METRIC_PREFIX)) return undefined;
  const signal = signalByName(metricName.slice(SIGNAL_METRIC_PREFIX.length));
  if (!signal) return undefined;
  return {
    service,
    metricName,
    signal,
    valueType: valueTypeOf(signal),
    privileges: signalPrivileges(signal),
  };
}

/** The metric name a stored signal or an event is evaluated under. */
export function signalMetricName(signalName: string): string {
  return `${SIGNAL_METRIC_PREFIX}${signalName}`;
}

/** An entry of `GET /v1/webhooks/signals`. */
export interface SignalDefinitionView {
  name: string;
  description: string;
  unit: string;
  valueType: TriggerValueType;
  permissions: string[];
}

/** Every stored signal, in catalog order, as `GET /v1/webhooks/signals` lists them. */
export function webhookSignalDefinitions(): SignalDefinitionView[] {
  return SIGNALS.map((s) => ({
    name: s.name,
    description: s.description,
    unit: s.unit,
    valueType: valueTypeOf(s),
    permissions: signalPrivileges(s).map(privilegeName),
  }));
}

/** The event names a webhook of service `events` may watch. */
export const TRIGGER_EVENT_NAMES: readonly string[] = EVENT_NAMES;
