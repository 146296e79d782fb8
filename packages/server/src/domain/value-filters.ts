import { type Coordinates, inCircle, inPolygon, type LatLng } from "./geo.ts";

/**
 * The value filters of the Telemetry API (telemetry-api.md §6). They select rows before
 * aggregation. Within one filter object every set condition must hold; `or` adds alternatives:
 * a value matches when it meets all of the object's own conditions (if it has any) or any of the
 * `or` filters. An empty filter matches everything. Unset and `null` are the same.
 */

export interface FloatValueFilter {
  eq?: number | null;
  neq?: number | null;
  gt?: number | null;
  lt?: number | null;
  gte?: number | null;
  lte?: number | null;
  in?: readonly number[] | null;
  notIn?: readonly number[] | null;
  or?: readonly FloatValueFilter[] | null;
}

export interface StringValueFilter {
  eq?: string | null;
  neq?: string | null;
  in?: readonly string[] | null;
  notIn?: readonly string[] | null;
  startsWith?: string | null;
  or?: readonly StringValueFilter[] | null;
}

export interface LocationFilter {
  inPolygon?: readonly LatLng[] | null;
  inCircle?: { center: LatLng; radius: number } | null;
}

const isSet = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;

/** Own conditions (undefined when the object has none) OR any alternative. */
function matchesWithAlternatives<F extends { or?: readonly F[] | null }>(
  filter: F,
  own: boolean | undefined,
  matches: (alternative: F) => boolean,
): boolean {
  const alternatives = filter.or ?? [];
  if (own === undefined) return alternatives.length === 0 || alternatives.some(matches);
  return own || alternatives.some(matches);
}

export function matchesFloatFilter(value: number, filter: FloatValueFilter): boolean {
  const checks: boolean[] = [];
  if (isSet(filter.eq)) checks.push(value === filter.eq);
  if (isSet(filter.neq)) checks.push(value !== filter.neq);
  if (isSet(filter.gt)) checks.push(value > filter.gt);
  if (isSet(filter.lt)) checks.push(value < filter.lt);
  if (isSet(filter.gte)) checks.push(value >= filter.gte);
  if (isSet(filter.lte)) checks.push(value <= filter.lte);
  if (isSet(filter.in)) checks.push(filter.in.includes(value));
  if (isSet(filter.notIn)) checks.push(!filter.notIn.includes(value));
  const own = checks.length === 0 ? undefined : checks.every(Boolean);
  return matchesWithAlternatives(filter, own, (alternative) => matchesFloatFilter(value, alternative));
}

export function matchesStringFilter(value: string, filter: StringValueFilter): boolean {
  const checks: boolean[] = [];
  if (isSet(filter.eq)) checks.push(value === filter.eq);
  if (isSet(filter.neq)) checks.push(value !== filter.neq);
  if (isSet(filter.in)) checks.push(filter.in.includes(value));
  if (isSet(filter.notIn)) checks.push(!filter.notIn.includes(value));
  if (isSet(filter.startsWith)) checks.push(value.startsWith(filter.startsWith));
  const own = checks.length === 0 ? undefined : checks.every(Boolean);
  return matchesWithAlternatives(filter, own, (alternative) => matchesStringFilter(value, alternative));
}

/** Both geofences, when both are set. */
export function matchesLocationFilter(location: Coordinates, filter: LocationFilter): boolean {
  if (isSet(filter.inPolygon) && filter.inPolygon.length > 0 && !inPolygon(location, filter.inPolygon))
    return false;
  if (isSet(filter.inCircle) && !inCircle(location, filter.inCircle.center, filter.inCircle.radius))
    return false;
  return true;
}

/** True when the filter cannot exclude anything (no condition at any level). */
export function isEmptyFloatFilter(filter: FloatValueFilter | null | undefined): boolean {
  if (!filter) return true;
  const { or, ...own } = filter;
  return Object.values(own).every((value) => !isSet(value)) && (or ?? []).length === 0;
}
