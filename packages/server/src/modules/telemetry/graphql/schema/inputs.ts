import {
  FLOAT_AGGREGATIONS,
  type FloatAggregation,
  LOCATION_AGGREGATIONS,
  type LocationAggregation,
  STRING_AGGREGATIONS,
  type StringAggregation,
} from "../../../../domain/aggregations.ts";
import type { LatLng } from "../../../../domain/geo.ts";
import type {
  FloatValueFilter,
  LocationFilter,
  StringValueFilter,
} from "../../../../domain/value-filters.ts";
import { builder } from "./builder.ts";

/** Aggregation enums and filter inputs (telemetry-api.md §4, §6). */

export const FloatAggregationEnum = builder.enumType("FloatAggregation", {
  description:
    "AVG mean, MED median, MAX, MIN, RAND a random sample, FIRST earliest, LAST latest in the bucket.",
  values: FLOAT_AGGREGATIONS,
});

export const StringAggregationEnum = builder.enumType("StringAggregation", {
  description:
    "RAND a random value, TOP the most frequent, UNIQUE the distinct values joined with `,`, FIRST earliest, LAST latest.",
  values: STRING_AGGREGATIONS,
});

export const LocationAggregationEnum = builder.enumType("LocationAggregation", {
  description: "AVG the component-wise mean of latitude, longitude and HDOP; RAND, FIRST, LAST.",
  values: LOCATION_AGGREGATIONS,
});

export type { FloatAggregation, LocationAggregation, StringAggregation };

export interface SignalFilterShape {
  source?: string | null;
}

export const SignalFilter = builder.inputRef<SignalFilterShape>("SignalFilter").implement({
  fields: (t) => ({
    source: t.string({
      description: "Only data from this source: the ethr DID of a connection, e.g. `did:ethr:137:0x…`.",
    }),
  }),
});

export const SignalFloatFilter = builder.inputRef<FloatValueFilter>("SignalFloatFilter").implement({
  description: "Selects rows before aggregation: every set condition must hold; `or` adds alternatives.",
  fields: (t) => ({
    eq: t.float(),
    neq: t.float(),
    gt: t.float(),
    lt: t.float(),
    gte: t.float(),
    lte: t.float(),
    in: t.floatList(),
    notIn: t.floatList(),
    or: t.field({ type: [SignalFloatFilter] }),
  }),
});

export const FilterLocation = builder.inputRef<LatLng>("FilterLocation").implement({
  fields: (t) => ({
    latitude: t.float({ required: true, description: "[-90, 90]" }),
    longitude: t.float({ required: true, description: "[-180, 180]" }),
  }),
});

export const InCircleFilter = builder
  .inputRef<{ center: LatLng; radius: number }>("InCircleFilter")
  .implement({
    fields: (t) => ({
      center: t.field({ type: FilterLocation, required: true }),
      radius: t.float({ required: true, description: "Kilometres (WGS 84); the boundary is inside." }),
    }),
  });

export const SignalLocationFilter = builder.inputRef<LocationFilter>("SignalLocationFilter").implement({
  fields: (t) => ({
    inPolygon: t.field({
      type: [FilterLocation],
      description: "At least three vertices, in either orientation.",
    }),
    inCircle: t.field({ type: InCircleFilter }),
  }),
});

export const StringValueFilterInput = builder.inputRef<StringValueFilter>("StringValueFilter").implement({
  fields: (t) => ({
    eq: t.string(),
    neq: t.string(),
    in: t.stringList(),
    notIn: t.stringList(),
    startsWith: t.string(),
    or: t.field({ type: [StringValueFilterInput] }),
  }),
});

export interface EventFilterShape {
  name?: StringValueFilter | null;
  source?: StringValueFilter | null;
}

export const EventFilter = builder.inputRef<EventFilterShape>("EventFilter").implement({
  fields: (t) => ({
    name: t.field({ type: StringValueFilterInput }),
    source: t.field({ type: StringValueFilterInput }),
  }),
});
