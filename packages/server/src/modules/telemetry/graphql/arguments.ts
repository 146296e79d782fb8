import { GraphQLError } from "graphql";
import { isValidLatLng } from "../../../domain/geo.ts";
import { IntervalSyntaxError, parseDurationMs } from "../../../domain/interval.ts";
import type { LocationFilter } from "../../../domain/value-filters.ts";
import { parseEthrDid } from "./access.ts";

/**
 * Argument checks of the Telemetry API (telemetry-api.md §3): each failure is a GraphQL error
 * `invalid argument: <reason>` with the official reasons, HTTP 200.
 */

export function invalidArgument(reason: string): GraphQLError {
  return new GraphQLError(`invalid argument: ${reason}`, { extensions: { code: "INVALID_ARGUMENT" } });
}

export function checkTokenId(tokenId: number): void {
  if (!(tokenId > 0)) throw invalidArgument("tokenID is not a positive integer");
}

export function checkTimeRange(from: number, to: number): void {
  if (from > to) throw invalidArgument("from timestamp is after to timestamp");
}

/** The interval in milliseconds: a Go duration (`5m`, `1h`, `2h45m`), positive. */
export function intervalMs(interval: string): number {
  let ms: number;
  try {
    ms = parseDurationMs(interval);
  } catch (err) {
    if (err instanceof IntervalSyntaxError) throw invalidArgument(`failed parsing interval: ${err.message}`);
    throw err;
  }
  if (!(ms >= 1)) throw invalidArgument("interval is not a positive integer");
  return ms;
}

/** The `SignalFilter.source` DID in canonical form (checksummed address), or undefined without one. */
export function sourceOf(filter: { source?: string | null } | null | undefined): string | undefined {
  const source = filter?.source;
  if (source === undefined || source === null) return undefined;
  const did = parseEthrDid(source);
  if (!did) throw invalidArgument(`source '${source}' is not a valid ethr DID`);
  return `did:ethr:${did.chainId}:${did.address}`;
}

export function checkLocationFilter(filter: LocationFilter | null | undefined): void {
  if (!filter) return;
  const polygon = filter.inPolygon ?? [];
  if (polygon.length !== 0 && polygon.length < 3)
    throw invalidArgument("not enough points in geofence filter");
  if (filter.inCircle && !isValidLatLng(filter.inCircle.center))
    throw invalidArgument("invalid circle filter location");
}
