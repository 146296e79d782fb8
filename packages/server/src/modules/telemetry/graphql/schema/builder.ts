import SchemaBuilder from "@pothos/core";
import { GraphQLError } from "graphql";
import type { TelemetryContext } from "../context.ts";

/** The code-first schema builder of the Telemetry API; the type files register on it. */
export const builder = new SchemaBuilder<{
  Context: TelemetryContext;
  Scalars: {
    /** Input: a Date; output: a Date or unix milliseconds. */
    Time: { Input: Date; Output: Date | number };
    Uint64: { Input: number; Output: number };
  };
  DefaultFieldNullability: false;
}>({ defaultFieldNullability: false });

export type TelemetryTypes = typeof builder.$inferSchemaTypes;

builder.queryType({
  description:
    "The Telemetry API: a vehicle's signal history, latest values, events and VIN credential, read with a vehicle JWT.",
});

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** RFC 3339 in UTC, fractional seconds only when there are some (Go's RFC3339Nano): `2025-01-01T00:00:00.5Z`. */
export function formatTime(value: Date | number): string {
  return new Date(value)
    .toISOString()
    .replace(/\.000Z$/, "Z")
    .replace(/(\.\d*?)0+Z$/, "$1Z");
}

builder.scalarType("Time", {
  description: "A point in time, RFC 3339 (UTC on output).",
  serialize: (value) => {
    const ms = value instanceof Date ? value.getTime() : value;
    if (typeof ms !== "number" || !Number.isFinite(ms))
      throw new GraphQLError("Time cannot represent an invalid date.");
    return formatTime(ms);
  },
  parseValue: (value) => {
    const date = typeof value === "string" && RFC3339.test(value) ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime()))
      throw new TypeError(`Invalid time ${JSON.stringify(value)}: expected RFC 3339.`);
    return date;
  },
});

builder.scalarType("Uint64", {
  description: "A non-negative integer, as a JSON number.",
  serialize: (value) => {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new GraphQLError("Uint64 cannot represent this value.");
    return value;
  },
  parseValue: (value) => {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
    throw new TypeError(`Invalid Uint64 ${JSON.stringify(value)}.`);
  },
});
