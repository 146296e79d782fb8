import { InvalidDidError, parseErc721Did } from "../../../domain/did.ts";
import type { License, RedirectUri, Signer } from "../../licenses/service.ts";
import type { IdentityContext } from "../context.ts";
import { invalidArgumentError, notFound } from "../errors.ts";
import {
  decodeListCursor,
  encodeListCursor,
  type PageRequest,
  pageOfList,
  pageRequest,
} from "../pagination.ts";
import { builder } from "./builder.ts";
import { type ConnectionShape, connectionType, pageArgs, tokenIdConnection } from "./connections.ts";

const SignerRef = builder.objectRef<Signer>("Signer").implement({
  fields: (t) => ({
    address: t.field({ type: "Address", resolve: (s) => s.address }),
    enabledAt: t.field({ type: "Time", resolve: (s) => s.enabledAt }),
  }),
});

const RedirectUriRef = builder.objectRef<RedirectUri>("RedirectURI").implement({
  fields: (t) => ({
    uri: t.exposeString("uri"),
    enabledAt: t.field({ type: "Time", resolve: (r) => r.enabledAt }),
  }),
});

const SignerConnection = connectionType({ connection: "SignerConnection", edge: "SignerEdge" }, SignerRef);
const RedirectUriConnection = connectionType(
  { connection: "RedirectURIConnection", edge: "RedirectURIEdge" },
  RedirectUriRef,
);

/**
 * A license's signers or redirect URIs as the official API orders them: enabledAt DESC, then the
 * key ASC; the cursor is `[enabledAt ms, key]`.
 */
function byEnabledAt<T extends { enabledAt: Date }>(
  request: PageRequest,
  items: readonly T[],
  keyOf: (item: T) => string,
): ConnectionShape<T> {
  const compare = (item: T, enabledAt: number, key: string) => {
    const byTime = enabledAt - item.enabledAt.getTime();
    if (byTime !== 0) return byTime;
    const own = keyOf(item);
    return own < key ? -1 : own > key ? 1 : 0;
  };
  const ordered = [...items].sort((a, b) => compare(a, b.enabledAt.getTime(), keyOf(b)));
  const page = pageOfList(
    request,
    ordered,
    (cursor) => decodeListCursor(cursor, ["number", "string"]) as [number, string],
    (item, [enabledAt, key]) => compare(item, enabledAt, key),
  );
  return {
    page,
    cursor: (item) => encodeListCursor([item.enabledAt.getTime(), keyOf(item)]),
    totalCount: () => ordered.length,
  };
}

const DeveloperLicenseRef = builder.objectRef<License>("DeveloperLicense").implement({
  fields: (t) => ({
    tokenId: t.exposeInt("tokenId"),
    tokenDID: t.exposeString("tokenDID"),
    owner: t.field({ type: "Address", resolve: (l) => l.owner }),
    clientId: t.field({ type: "Address", resolve: (l) => l.clientId }),
    alias: t.exposeString("alias", { nullable: true }),
    mintedAt: t.field({ type: "Time", resolve: (l) => l.mintedAt }),
    signers: t.field({
      type: SignerConnection,
      args: pageArgs,
      resolve: async (l, args, ctx) => {
        const request = pageRequest(args);
        // Signers compare by address bytes, i.e. lower-case hex.
        return byEnabledAt(request, await ctx.deps.licenses.listSigners(l.clientId), (s) =>
          s.address.toLowerCase(),
        );
      },
    }),
    redirectURIs: t.field({
      type: RedirectUriConnection,
      args: pageArgs,
      resolve: async (l, args, ctx) => {
        const request = pageRequest(args);
        return byEnabledAt(request, await ctx.deps.licenses.listRedirectUris(l.clientId), (r) => r.uri);
      },
    }),
  }),
});

const DeveloperLicenseBy = builder.inputType("DeveloperLicenseBy", {
  fields: (t) => ({
    clientId: t.field({ type: "Address" }),
    alias: t.string(),
    tokenId: t.int(),
    tokenDID: t.string(),
  }),
});

const DeveloperLicenseFilterBy = builder.inputType("DeveloperLicenseFilterBy", {
  fields: (t) => ({ signer: t.field({ type: "Address" }), owner: t.field({ type: "Address" }) }),
});

type LicenseBy = typeof DeveloperLicenseBy.$inferInput;

async function findLicense(ctx: IdentityContext, by: LicenseBy): Promise<License> {
  const { licenses, config } = ctx.deps;
  const given = [by.clientId, by.alias, by.tokenId, by.tokenDID].filter((v) => v != null).length;
  if (given !== 1)
    throw invalidArgumentError("Provide exactly one of `clientId`, `alias`, `tokenId` or `tokenDID`.");
  if (by.clientId != null) {
    return (await licenses.find(by.clientId)) ?? fail(`No developer license with client id ${by.clientId}.`);
  }
  if (by.alias != null)
    return (await licenses.findByAlias(by.alias)) ?? fail(`No developer license with alias "${by.alias}".`);
  if (by.tokenId != null)
    return (
      (await licenses.findByTokenId(by.tokenId)) ?? fail(`No developer license with token id ${by.tokenId}.`)
    );
  const did = by.tokenDID!;
  let parsed: ReturnType<typeof parseErc721Did>;
  try {
    parsed = parseErc721Did(did);
  } catch (error) {
    if (error instanceof InvalidDidError) throw invalidArgumentError(error.message);
    throw error;
  }
  const license =
    parsed.chainId === config.chainId && parsed.contract === config.licenseContract
      ? await licenses.findByTokenId(parsed.tokenId)
      : undefined;
  return license ?? fail(`No developer license with DID "${did}".`);
}

function fail(message: string): never {
  throw notFound(message);
}

const DeveloperLicenseConnection = connectionType(
  { connection: "DeveloperLicenseConnection", edge: "DeveloperLicenseEdge" },
  DeveloperLicenseRef,
);

builder.queryFields((t) => ({
  developerLicense: t.field({
    type: DeveloperLicenseRef,
    nullable: true,
    description: "A license by exactly one of its keys; NOT_FOUND when there is none.",
    args: { by: t.arg({ type: DeveloperLicenseBy, required: true }) },
    resolve: (_root, { by }, ctx) => findLicense(ctx, by),
  }),
  developerLicenses: t.field({
    type: DeveloperLicenseConnection,
    description: "Developer licenses by tokenId descending.",
    args: { ...pageArgs, filterBy: t.arg({ type: DeveloperLicenseFilterBy }) },
    resolve: (_root, args, ctx) => {
      const filter = {
        ...(args.filterBy?.owner != null ? { owner: args.filterBy.owner } : {}),
        ...(args.filterBy?.signer != null ? { signer: args.filterBy.signer } : {}),
      };
      const { licenses } = ctx.deps;
      return tokenIdConnection(
        pageRequest(args),
        (window) => licenses.page({ ...filter, ...window }),
        () => licenses.count(filter),
      );
    },
  }),
}));
