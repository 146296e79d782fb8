import { approximateLocation } from "../../../domain/geo.ts";
import { APPROXIMATE_LOCATION, type CatalogEntry, catalogEntry } from "../../../domain/signals.ts";
import type { SignalPoint } from "../contract.ts";
import { canReadSignal, type VehicleCaller } from "./access.ts";
import { isCoordinates } from "./history.ts";

/**
 * What of a vehicle's stored data a caller may see by name (telemetry-api.md §3): `availableSignals`,
 * `signalsSnapshot` and `dataSummary` list only the signals the caller's privileges read, and the
 * approximate location wherever stored coordinates exist and the caller may read it.
 */

/** A stored signal, or the derived field computed from it, with the entry that guards it. */
export interface ReadableItem<T> {
  name: string;
  entry: CatalogEntry;
  item: T;
}

/**
 * The readable entries among stored items (one per stored signal name), sorted by name; an item of
 * the approximate location's source appears a second time under the derived name.
 */
export function readableItems<T extends { name: string }>(
  caller: VehicleCaller | null,
  items: readonly T[],
): ReadableItem<T>[] {
  const readable: ReadableItem<T>[] = [];
  for (const item of items) {
    const entry = catalogEntry(item.name);
    if (!entry || entry.derived) continue;
    if (canReadSignal(caller, entry)) readable.push({ name: item.name, entry, item });
    if (item.name === APPROXIMATE_LOCATION.from && canReadSignal(caller, APPROXIMATE_LOCATION))
      readable.push({ name: APPROXIMATE_LOCATION.name, entry: APPROXIMATE_LOCATION, item });
  }
  return readable.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The newest timestamp among the points the caller may read (through the derived field too); null for none. */
export function lastSeen(caller: VehicleCaller | null, points: readonly SignalPoint[]): number | null {
  let newest: number | null = null;
  for (const { item } of readableItems(caller, points))
    if (newest === null || item.timestamp > newest) newest = item.timestamp;
  return newest;
}

/** A point's value as the field shows it: the approximate location snapped to its H3 cell centre. */
export function shownValue(entry: CatalogEntry, point: SignalPoint): SignalPoint["value"] {
  return entry.derived && isCoordinates(point.value) ? approximateLocation(point.value) : point.value;
}
