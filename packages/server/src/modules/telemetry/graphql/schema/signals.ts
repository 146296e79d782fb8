import type { FieldRef } from "@pothos/core";
import type { GraphQLResolveInfo } from "graphql";
import type { Coordinates } from "../../../../domain/geo.ts";
import { type CatalogEntry, catalogEntry, SIGNAL_CATALOG } from "../../../../domain/signals.ts";
import type { FloatValueFilter, LocationFilter } from "../../../../domain/value-filters.ts";
import { canReadSignal, requireSignal, requireVehicleToken } from "../access.ts";
import { checkLocationFilter, checkTimeRange, checkTokenId, intervalMs, sourceOf } from "../arguments.ts";
import type { TelemetryContext } from "../context.ts";
import {
  type AggregationRequest,
  type AggregationRow,
  type AggregationValue,
  aggregateSignals,
} from "../history.ts";
import { asList, type SelectedField, selectedFields } from "../selection.ts";
import { builder, type TelemetryTypes } from "./builder.ts";
import {
  FloatAggregationEnum,
  LocationAggregationEnum,
  SignalFilter,
  SignalFloatFilter,
  SignalLocationFilter,
  StringAggregationEnum,
} from "./inputs.ts";
import { Location } from "./types.ts";

/**
 * `signals(tokenId, interval, from, to, filter): [SignalAggregations!]` (telemetry-api.md §3, §4):
 * one field per catalog signal, generated, each taking its aggregation (and a value filter for
 * floats and locations). Clients alias one signal several times for several aggregations.
 */

/** A field's description: the catalog's, with its unit. */
export function fieldDescription(entry: CatalogEntry): string {
  return entry.unit ? `${entry.description} Unit: ${entry.unit}.` : entry.description;
}

const SignalAggregations = builder.objectRef<AggregationRow>("SignalAggregations").implement({
  description: "The aggregated values of one time bucket; a signal without data in the bucket is null.",
  fields: (t) => {
    const fields: Record<string, FieldRef<TelemetryTypes, unknown, "Object">> = {
      timestamp: t.field({
        type: "Time",
        description: "Start of the bucket.",
        resolve: (row) => row.timestamp,
      }),
    };
    for (const entry of SIGNAL_CATALOG) {
      const description = fieldDescription(entry);
      if (entry.type === "float") {
        fields[entry.name] = t.float({
          description,
          nullable: true,
          args: {
            agg: t.arg({ type: FloatAggregationEnum, required: true }),
            filter: t.arg({ type: SignalFloatFilter }),
          },
          resolve: (row, _args, ctx, info) => bucketValue(entry, row, ctx, info) as number | null,
        });
      } else if (entry.type === "string") {
        fields[entry.name] = t.string({
          description,
          nullable: true,
          args: { agg: t.arg({ type: StringAggregationEnum, required: true }) },
          resolve: (row, _args, ctx, info) => bucketValue(entry, row, ctx, info) as string | null,
        });
      } else {
        fields[entry.name] = t.field({
          type: Location,
          description,
          nullable: true,
          args: entry.derived
            ? { agg: t.arg({ type: LocationAggregationEnum, required: true }) }
            : {
                agg: t.arg({ type: LocationAggregationEnum, required: true }),
                filter: t.arg({ type: SignalLocationFilter }),
              },
          resolve: (row, _args, ctx, info) => bucketValue(entry, row, ctx, info) as Coordinates | null,
        });
      }
    }
    return fields;
  },
});

/** A signal field checks the caller's privilege and reads what the root resolver computed for its response key. */
function bucketValue(
  entry: CatalogEntry,
  row: AggregationRow,
  ctx: TelemetryContext,
  info: GraphQLResolveInfo,
): AggregationValue | null {
  requireSignal(ctx.caller, entry);
  return row.values.get(String(info.path.key)) ?? null;
}

builder.queryField("signals", (t) =>
  t.field({
    type: [SignalAggregations],
    nullable: true,
    description:
      "Aggregated history in buckets [from + k·interval, from + (k+1)·interval), ascending; empty buckets omitted.",
    args: {
      tokenId: t.arg.int({ required: true }),
      interval: t.arg.string({ required: true, description: "A Go duration: `5m`, `1h`, `2h45m`, `24h`." }),
      from: t.arg({ type: "Time", required: true }),
      to: t.arg({ type: "Time", required: true }),
      filter: t.arg({ type: SignalFilter }),
    },
    resolve: async (_root, args, ctx, info) => {
      requireVehicleToken(ctx.caller, args.tokenId, ctx.deps.config.vehicleContract);
      checkTokenId(args.tokenId);
      const from = args.from.getTime();
      const to = args.to.getTime();
      checkTimeRange(from, to);
      const interval = intervalMs(args.interval);
      const requests = aggregationRequests(selectedFields(info));
      const source = sourceOf(args.filter);
      const readable = requests.filter((request) => canReadSignal(ctx.caller, request.entry));
      // Unreadable fields fail in every bucket; asked for alone, they would have no bucket to fail in.
      if (readable.length === 0 && requests.length > 0) requireSignal(ctx.caller, requests[0]!.entry);
      if (readable.length === 0) return [];
      return aggregateSignals(ctx.deps.signals, {
        tokenId: args.tokenId,
        from,
        to,
        intervalMs: interval,
        source,
        requests: readable,
        random: ctx.random,
      });
    },
  }),
);

function aggregationRequests(fields: readonly SelectedField[]): AggregationRequest[] {
  const requests: AggregationRequest[] = [];
  for (const field of fields) {
    const entry = catalogEntry(field.name);
    if (!entry) continue;
    let filter: AggregationRequest["filter"] = null;
    if (entry.type === "float") filter = floatFilter(field.args.filter);
    if (entry.type === "location") {
      filter = locationFilter(field.args.filter);
      checkLocationFilter(filter);
    }
    requests.push({
      responseKey: field.responseKey,
      entry,
      agg: field.args.agg as AggregationRequest["agg"],
      filter,
    });
  }
  return requests;
}

/** An uncoerced `SignalFloatFilter` argument with its lists made lists. */
function floatFilter(raw: unknown): FloatValueFilter | null {
  if (!raw || typeof raw !== "object") return null;
  const value = raw as FloatValueFilter;
  return {
    ...value,
    in: asList<number>(value.in),
    notIn: asList<number>(value.notIn),
    or: asList<FloatValueFilter>(value.or)?.map((alternative) => floatFilter(alternative) ?? {}),
  };
}

/** An uncoerced `SignalLocationFilter` argument with its polygon made a list. */
function locationFilter(raw: unknown): LocationFilter | null {
  if (!raw || typeof raw !== "object") return null;
  const value = raw as LocationFilter;
  return { inPolygon: asList(value.inPolygon), inCircle: value.inCircle ?? null };
}
