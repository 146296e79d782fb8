import { Environment } from "@marcbachmann/cel-js";
import { haversineKm } from "./geo.ts";
import type { TriggerValueType } from "./trigger-metrics.ts";

/**
 * Webhook conditions in CEL (vehicle-triggers.md §4), on @marcbachmann/cel-js: one environment per
 * kind of value, compiled and type-checked once when a webhook is created or updated, then
 * evaluated for every new value of its metric.
 *
 * | service | variables |
 * | signals | value (double, string or {latitude, longitude, hdop} by the signal's type), valueNumber,
 * |         | valueString, source, previousValue, previousValueNumber, previousValueString, previousSource |
 * | events  | name, source, durationNs (int), metadata, previousName, previousSource, previousDurationNs,
 * |         | previousMetadata |
 *
 * plus `geoDistance(lat1, lon1, lat2, lon2)`: haversine kilometres. Numbers compare across int and
 * double (`valueNumber > 55`, `valueNumber == 1`), as cel-go's cross-type comparisons do.
 *
 * The library has no runtime cost limit, so the limit is structural: a bounded source length and
 * AST, small literal lists and maps, no comprehension inside another (the variables hold no lists,
 * so a macro only ever walks a literal), and no `matches()`, whose JavaScript regular expressions,
 * unlike cel-go's RE2, can backtrack without bound on a crafted pattern.
 */

export const MAX_CONDITION_LENGTH = 2048;

const LIMITS = {
  maxAstNodes: 400,
  maxDepth: 40,
  maxListElements: 64,
  maxMapEntries: 64,
  maxCallArguments: 8,
};

const COMPREHENSIONS = new Set(["all", "exists", "exists_one", "map", "filter"]);

export class ConditionError extends Error {}

export interface LocationValue {
  latitude: number;
  longitude: number;
  hdop: number;
}

/** A signal value as the condition sees it, with the connection that produced it. */
export interface SignalSnapshot {
  value: number | string | LocationValue;
  source: string;
}

export interface EventSnapshot {
  name: string;
  source: string;
  durationNs: number;
  /** JSON text, or null. */
  metadata: string | null;
}

export type ConditionKind = { service: "signals"; valueType: TriggerValueType } | { service: "events" };

export interface CompiledCondition {
  readonly source: string;
  /** True when the condition holds; a runtime error (e.g. integer division by zero) counts as false. */
  matches(variables: Record<string, unknown>): boolean;
}

function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return 0;
}

function baseEnvironment(): Environment {
  return (
    new Environment({ limits: LIMITS })
      .registerFunction("geoDistance(dyn, dyn, dyn, dyn): double", (lat1, lon1, lat2, lon2) =>
        haversineKm(
          { latitude: toNumber(lat1), longitude: toNumber(lon1) },
          { latitude: toNumber(lat2), longitude: toNumber(lon2) },
        ),
      )
      // `valueNumber == 1`: equality across double and int (ordering comparisons already cross).
      .registerOperator("double == int", (a: number, b: bigint) => a === Number(b))
  );
}

function signalEnvironment(valueType: TriggerValueType): Environment {
  const env = baseEnvironment();
  let valueDecl = "double";
  if (valueType === "string") valueDecl = "string";
  if (valueType === "vss.Location") {
    env.registerType("Location", { fields: { latitude: "double", longitude: "double", hdop: "double" } });
    valueDecl = "Location";
  }
  return env
    .registerVariable("value", valueDecl)
    .registerVariable("valueNumber", "double")
    .registerVariable("valueString", "string")
    .registerVariable("source", "string")
    .registerVariable("previousValue", valueDecl)
    .registerVariable("previousValueNumber", "double")
    .registerVariable("previousValueString", "string")
    .registerVariable("previousSource", "string");
}

function eventEnvironment(): Environment {
  return baseEnvironment()
    .registerVariable("name", "string")
    .registerVariable("source", "string")
    .registerVariable("durationNs", "int")
    .registerVariable("metadata", "string")
    .registerVariable("previousName", "string")
    .registerVariable("previousSource", "string")
    .registerVariable("previousDurationNs", "int")
    .registerVariable("previousMetadata", "string");
}

const environments = new Map<string, Environment>();

function environmentFor(kind: ConditionKind): Environment {
  const key = kind.service === "events" ? "events" : `signals:${kind.valueType}`;
  let env = environments.get(key);
  if (!env) {
    env = kind.service === "events" ? eventEnvironment() : signalEnvironment(kind.valueType);
    environments.set(key, env);
  }
  return env;
}

function zeroValue(valueType: TriggerValueType): SignalSnapshot["value"] {
  if (valueType === "string") return "";
  if (valueType === "vss.Location") return { latitude: 0, longitude: 0, hdop: 0 };
  return 0;
}

/** The variables of a signal condition: the new value and the one that last fired on the metric (zeros if none). */
export function signalVariables(
  valueType: TriggerValueType,
  current: SignalSnapshot,
  previous: SignalSnapshot | undefined,
): Record<string, unknown> {
  const prev = previous ?? { value: zeroValue(valueType), source: "" };
  return {
    value: current.value,
    valueNumber: typeof current.value === "number" ? current.value : 0,
    valueString: typeof current.value === "string" ? current.value : "",
    source: current.source,
    previousValue: prev.value,
    previousValueNumber: typeof prev.value === "number" ? prev.value : 0,
    previousValueString: typeof prev.value === "string" ? prev.value : "",
    previousSource: prev.source,
  };
}

/** The variables of an event condition. */
export function eventVariables(
  current: EventSnapshot,
  previous: EventSnapshot | undefined,
): Record<string, unknown> {
  return {
    name: current.name,
    source: current.source,
    durationNs: BigInt(Math.trunc(current.durationNs)),
    metadata: current.metadata ?? "",
    previousName: previous?.name ?? "",
    previousSource: previous?.source ?? "",
    previousDurationNs: BigInt(Math.trunc(previous?.durationNs ?? 0)),
    previousMetadata: previous?.metadata ?? "",
  };
}

/** The variables with zero values, which a condition must evaluate against (as the official service checks). */
function zeroVariables(kind: ConditionKind): Record<string, unknown> {
  if (kind.service === "events")
    return eventVariables({ name: "", source: "", durationNs: 0, metadata: null }, undefined);
  return signalVariables(kind.valueType, { value: zeroValue(kind.valueType), source: "" }, undefined);
}

interface CelErrorLike {
  message?: string;
  summary?: string;
  range?: { start?: number };
}

/** One line naming what is wrong and where. */
function describeCelError(err: unknown): string {
  const e = (err ?? {}) as CelErrorLike;
  const summary = e.summary ?? String(e.message ?? err).split("\n")[0] ?? "invalid expression";
  const start = e.range?.start;
  return typeof start === "number" ? `${summary} (at column ${start + 1})` : summary;
}

interface AstNode {
  op: string;
  args: unknown;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === "object" && value !== null && "op" in value && "args" in value;
}

/** Refuses what the structural limit does not cover: nested comprehensions and `matches()`. */
function checkShape(ast: unknown): void {
  const walk = (value: unknown, comprehensionDepth: number): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, comprehensionDepth);
      return;
    }
    if (!isNode(value)) return;
    let depth = comprehensionDepth;
    if ((value.op === "rcall" || value.op === "call") && Array.isArray(value.args)) {
      const name = value.args[0];
      if (name === "matches") throw new ConditionError("matches() is not supported");
      if (typeof name === "string" && COMPREHENSIONS.has(name) && value.op === "rcall") {
        depth++;
        if (depth > 1) throw new ConditionError(`nested comprehensions are not supported (${name})`);
      }
    }
    walk(value.args, depth);
  };
  walk(ast, 0);
}

/**
 * Compiles and type-checks a condition for its metric: it must parse, use only the metric's
 * variables, yield a bool, and evaluate against zero values. Throws ConditionError with one line
 * of detail (the API prefixes `invalid CEL condition: `).
 */
export function compileCondition(source: string, kind: ConditionKind): CompiledCondition {
  if (typeof source !== "string" || source.trim() === "") throw new ConditionError("the condition is empty");
  if (source.length > MAX_CONDITION_LENGTH)
    throw new ConditionError(`at most ${MAX_CONDITION_LENGTH} characters, got ${source.length}`);
  const env = environmentFor(kind);
  let program: ReturnType<Environment["parse"]>;
  try {
    program = env.parse(source);
  } catch (err) {
    throw new ConditionError(describeCelError(err));
  }
  checkShape(program.ast);
  const checked = env.check(source);
  if (!checked.valid) throw new ConditionError(describeCelError(checked.error));
  const type = String(checked.type);
  if (type !== "bool" && type !== "dyn")
    throw new ConditionError(`the condition must yield a bool, not ${type}`);
  let zero: unknown;
  try {
    zero = program(zeroVariables(kind));
  } catch (err) {
    throw new ConditionError(describeCelError(err));
  }
  if (typeof zero !== "boolean") throw new ConditionError("the condition must yield a bool");
  return {
    source,
    matches(variables) {
      try {
        return program(variables) === true;
      } catch {
        return false;
      }
    },
  };
}
