import type { GraphQLError } from "graphql";
import { invalidArgumentError } from "./errors.ts";

/**
 * Relay-style pagination with the official Identity API's rules (identity-api.md §4.3): `first` or
 * `last` (never both, never neither), at most 100; `after`/`before` are opaque cursors. The page is
 * fetched with one extra row in the paging direction; the flag of the other direction is true
 * exactly when a cursor was passed.
 */

export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageRequest {
  /** Rows to return; fetch `limit + 1` to learn whether more exist in the paging direction. */
  limit: number;
  /** forward = `first` (list order), backward = `last` (fetched in reverse, presented in list order). */
  direction: "forward" | "backward";
  after?: string;
  before?: string;
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** Validates the four arguments; the messages are the official ones. */
export function pageRequest(args: PageArgs): PageRequest {
  const first = args.first ?? undefined;
  const last = args.last ?? undefined;
  if (first !== undefined && last !== undefined)
    throw invalidArgumentError("pass `first` or `last`, but not both");
  if (first === undefined && last === undefined) throw invalidArgumentError("provide `first` or `last`");
  const [name, limit] = first !== undefined ? (["first", first] as const) : (["last", last!] as const);
  if (limit < 0) throw invalidArgumentError(`the value for \`${name}\` cannot be negative`);
  if (limit > MAX_PAGE_SIZE)
    throw invalidArgumentError(`the value ${limit} for \`${name}\` exceeds the limit ${MAX_PAGE_SIZE}`);
  return {
    limit,
    direction: first !== undefined ? "forward" : "backward",
    ...(args.after != null ? { after: args.after } : {}),
    ...(args.before != null ? { before: args.before } : {}),
  };
}

/**
 * Turns the rows fetched in the paging direction (up to `limit + 1`, nearest the cursor first)
 * into a page in list order with its flags.
 */
export function finishPage<T>(request: PageRequest, fetched: readonly T[]): Page<T> {
  const more = fetched.length > request.limit;
  const items = fetched.slice(0, request.limit);
  if (request.direction === "backward") items.reverse();
  return {
    items,
    hasNextPage: request.before !== undefined || (request.direction === "forward" && more),
    hasPreviousPage: request.after !== undefined || (request.direction === "backward" && more),
  };
}

/**
 * Pages a list that is already in list order and small enough to hold (a vehicle's grants, a
 * license's signers). `compare(item, cursorKey)` orders an item against a decoded cursor: negative
 * when the item comes before the cursor's position.
 */
export function pageOfList<T, K>(
  request: PageRequest,
  items: readonly T[],
  decode: (cursor: string) => K,
  compare: (item: T, key: K) => number,
): Page<T> {
  let window = items;
  if (request.after !== undefined) {
    const key = decode(request.after);
    window = window.filter((item) => compare(item, key) > 0);
  }
  if (request.before !== undefined) {
    const key = decode(request.before);
    window = window.filter((item) => compare(item, key) < 0);
  }
  const fetched =
    request.direction === "forward"
      ? window.slice(0, request.limit + 1)
      : window.slice(-(request.limit + 1)).reverse();
  return finishPage(request, fetched);
}

export function invalidCursor(cursor: string): GraphQLError {
  return invalidArgumentError(`Invalid cursor "${cursor}".`);
}

/** Vehicles and licenses: standard base64 of the decimal token id (`MTIz` for 123). */
export function encodeTokenIdCursor(tokenId: number): string {
  return Buffer.from(String(tokenId), "utf8").toString("base64");
}

export function decodeTokenIdCursor(cursor: string): number {
  const text = decodeBase64(cursor);
  if (text === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw invalidCursor(cursor);
  return Number(text);
}

/** Opaque cursors for in-memory lists: base64 of a JSON array. */
export function encodeListCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts), "utf8").toString("base64");
}

export function decodeListCursor(
  cursor: string,
  shape: readonly ("string" | "number")[],
): (string | number)[] {
  const text = decodeBase64(cursor);
  let parts: unknown;
  try {
    parts = text === undefined ? undefined : JSON.parse(text);
  } catch {
    throw invalidCursor(cursor);
  }
  if (!Array.isArray(parts) || parts.length !== shape.length || parts.some((p, i) => typeof p !== shape[i]))
    throw invalidCursor(cursor);
  return parts as (string | number)[];
}

function decodeBase64(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0 || value.length === 0) return undefined;
  return Buffer.from(value, "base64").toString("utf8");
}
