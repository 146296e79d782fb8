import { permissionsHex } from "../../../domain/privileges.ts";
import type { Grant, Template } from "../../grants/service.ts";
import { invalidArgumentError } from "../errors.ts";
import { decodeListCursor, encodeListCursor, type PageRequest, pageOfList } from "../pagination.ts";
import { builder } from "./builder.ts";
import type { ConnectionShape } from "./connections.ts";
import { connectionType } from "./connections.ts";

export const TemplateRef = builder.objectRef<Template>("Template").implement({
  fields: (t) => ({
    tokenId: t.field({ type: "BigInt", resolve: (tpl) => tpl.tokenId }),
    creator: t.field({ type: "Address", resolve: (tpl) => tpl.creator }),
    asset: t.field({ type: "Address", resolve: (tpl) => tpl.asset }),
    permissions: t.string({ resolve: (tpl) => permissionsHex(tpl.permissions) }),
    cid: t.exposeString("cid"),
    createdAt: t.field({ type: "Time", resolve: (tpl) => tpl.createdAt }),
  }),
});

export const SacdRef = builder.objectRef<Grant>("Sacd").implement({
  fields: (t) => ({
    grantee: t.field({ type: "Address", resolve: (g) => g.grantee }),
    permissions: t.string({ resolve: (g) => permissionsHex(g.permissions) }),
    source: t.exposeString("source"),
    createdAt: t.field({ type: "Time", resolve: (g) => g.createdAt }),
    expiresAt: t.field({ type: "Time", resolve: (g) => new Date(g.expiresAt * 1000) }),
    template: t.field({
      type: TemplateRef,
      nullable: true,
      resolve: async (g, _args, ctx) =>
        g.templateId === "0" || g.templateId === ""
          ? null
          : ((await ctx.loaders.template(Number(g.templateId))) ?? null),
    }),
  }),
});

export const SacdConnection = connectionType({ connection: "SacdConnection", edge: "SacdEdge" }, SacdRef);

/**
 * A page of a vehicle's active grants: createdAt DESC, then grantee ASC by address bytes (lower-case
 * hex), the same on both engines; the cursor is the position `[createdAt ms, grantee]`.
 */
export function sacdConnection(request: PageRequest, active: readonly Grant[]): ConnectionShape<Grant> {
  const ordered = [...active].sort((a, b) => compareSacd(a, b.createdAt.getTime(), b.grantee));
  const page = pageOfList(
    request,
    ordered,
    (cursor) => decodeListCursor(cursor, ["number", "string"]) as [number, string],
    (grant, [createdAt, grantee]) => compareSacd(grant, createdAt, grantee),
  );
  return {
    page,
    cursor: (g) => encodeListCursor([g.createdAt.getTime(), g.grantee]),
    totalCount: () => ordered.length,
  };
}

function compareSacd(grant: Grant, createdAt: number, grantee: string): number {
  const byTime = createdAt - grant.createdAt.getTime();
  if (byTime !== 0) return byTime;
  const a = grant.grantee.toLowerCase();
  const b = grantee.toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

const TemplateBy = builder.inputType("TemplateBy", {
  fields: (t) => ({ tokenId: t.field({ type: "BigInt" }), cid: t.string() }),
});

builder.queryFields((t) => ({
  template: t.field({
    type: TemplateRef,
    nullable: true,
    args: { by: t.arg({ type: TemplateBy, required: true }) },
    resolve: async (_root, { by }, ctx) => {
      if ((by.tokenId != null) === (by.cid != null))
        throw invalidArgumentError("Provide exactly one of `tokenId` or `cid`.");
      if (by.tokenId != null) {
        const id = by.tokenId;
        return id > 0n && id <= BigInt(Number.MAX_SAFE_INTEGER)
          ? ((await ctx.loaders.template(Number(id))) ?? null)
          : null;
      }
      return (await ctx.deps.grants.templateByCid(by.cid!)) ?? null;
    },
  }),
}));
