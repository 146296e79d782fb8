import type { ObjectRef } from "@pothos/core";
import {
  decodeTokenIdCursor,
  encodeTokenIdCursor,
  finishPage,
  type Page,
  type PageRequest,
} from "../pagination.ts";
import { builder, type IdentityTypes } from "./builder.ts";

/** What a connection field resolves to; `totalCount` runs only when the client asks for it. */
export interface ConnectionShape<T> {
  page: Page<T>;
  cursor: (item: T) => string;
  totalCount: () => number | Promise<number>;
}

/** A connection with nothing in it (the flags still follow the cursors passed). */
export function emptyConnection<T>(request: PageRequest): ConnectionShape<T> {
  return { page: finishPage<T>(request, []), cursor: () => "", totalCount: () => 0 };
}

/** Keyset bounds and order for a page of items listed by tokenId descending. */
export interface TokenIdWindow {
  below?: number;
  above?: number;
  limit: number;
  order: "asc" | "desc";
}

/**
 * A connection over items ordered by tokenId descending (vehicles, licenses): cursors are the
 * base64 token ids, one extra row is fetched to know whether another page follows.
 */
export async function tokenIdConnection<T extends { tokenId: number }>(
  request: PageRequest,
  fetch: (window: TokenIdWindow) => Promise<T[]>,
  count: () => Promise<number>,
): Promise<ConnectionShape<T>> {
  const rows = await fetch({
    below: request.after === undefined ? undefined : decodeTokenIdCursor(request.after),
    above: request.before === undefined ? undefined : decodeTokenIdCursor(request.before),
    limit: request.limit + 1,
    order: request.direction === "forward" ? "desc" : "asc",
  });
  return {
    page: finishPage(request, rows),
    cursor: (item) => encodeTokenIdCursor(item.tokenId),
    totalCount: count,
  };
}

interface PageInfoShape {
  startCursor: string | null;
  endCursor: string | null;
  hasPreviousPage: boolean;
  hasNextPage: boolean;
}

const PageInfo = builder.objectRef<PageInfoShape>("PageInfo").implement({
  fields: (t) => ({
    startCursor: t.exposeString("startCursor", { nullable: true }),
    endCursor: t.exposeString("endCursor", { nullable: true }),
    hasPreviousPage: t.exposeBoolean("hasPreviousPage"),
    hasNextPage: t.exposeBoolean("hasNextPage"),
  }),
});

/** `XConnection { totalCount edges nodes pageInfo }` and `XEdge { node cursor }` for a node type. */
export function connectionType<T>(
  names: { connection: string; edge: string },
  node: ObjectRef<IdentityTypes, T>,
): ObjectRef<IdentityTypes, ConnectionShape<T>> {
  const Edge = builder.objectRef<{ node: T; cursor: string }>(names.edge).implement({
    fields: (t) => ({
      node: t.expose("node", { type: node }),
      cursor: t.exposeString("cursor"),
    }),
  });
  return builder.objectRef<ConnectionShape<T>>(names.connection).implement({
    fields: (t) => ({
      totalCount: t.int({ resolve: (c) => c.totalCount() }),
      edges: t.field({
        type: [Edge],
        resolve: (c) => c.page.items.map((item) => ({ node: item, cursor: c.cursor(item) })),
      }),
      nodes: t.field({ type: [node], resolve: (c) => c.page.items }),
      pageInfo: t.field({
        type: PageInfo,
        resolve: ({ page, cursor }): PageInfoShape => ({
          startCursor: page.items.length > 0 ? cursor(page.items[0]!) : null,
          endCursor: page.items.length > 0 ? cursor(page.items[page.items.length - 1]!) : null,
          hasPreviousPage: page.hasPreviousPage,
          hasNextPage: page.hasNextPage,
        }),
      }),
    }),
  });
}

/** The four pagination arguments every connection field takes. */
export const pageArgs = builder.args((t) => ({
  first: t.int(),
  after: t.string(),
  last: t.int(),
  before: t.string(),
}));
