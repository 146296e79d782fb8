import type { ObjectRef } from "@pothos/core";
import { finishPage, type Page, type PageRequest } from "../pagination.ts";
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
