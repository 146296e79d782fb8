import { InvalidDidError, parseErc721Did } from "../../../domain/did.ts";
import type { Vehicle, VehicleQuery } from "../../vehicles/service.ts";
import type { IdentityContext } from "../context.ts";
import { invalidArgumentError, notFound } from "../errors.ts";
import { pageRequest } from "../pagination.ts";
import { vehicleName } from "../vehicle-name.ts";
import { builder } from "./builder.ts";
import { connectionType, emptyConnection, pageArgs, tokenIdConnection } from "./connections.ts";
import { AftermarketDeviceRef, SyntheticDeviceRef } from "./devices.ts";
import { ManufacturerRef } from "./manufacturers.ts";
import { NodeRef } from "./nodes.ts";
import { SacdConnection, SacdRef, sacdConnection } from "./sacds.ts";

interface PrivilegeShape {
  id: number;
  user: string;
  setAt: Date;
  expiresAt: Date;
}

const PrivilegeRef = builder.objectRef<PrivilegeShape>("Privilege").implement({
  fields: (t) => ({
    id: t.exposeInt("id"),
    user: t.field({ type: "Address", resolve: (p) => p.user }),
    setAt: t.field({ type: "Time", resolve: (p) => p.setAt }),
    expiresAt: t.field({ type: "Time", resolve: (p) => p.expiresAt }),
  }),
});

const PrivilegesConnection = connectionType(
  { connection: "PrivilegesConnection", edge: "PrivilegeEdge" },
  PrivilegeRef,
);

const PrivilegeFilterBy = builder.inputType("PrivilegeFilterBy", {
  fields: (t) => ({ user: t.field({ type: "Address" }), privilegeId: t.int() }),
});

const Definition = builder.objectRef<Vehicle["definition"]>("Definition").implement({
  fields: (t) => ({
    id: t.exposeString("id", { nullable: true }),
    make: t.exposeString("make", { nullable: true }),
    model: t.exposeString("model", { nullable: true }),
    year: t.exposeInt("year", { nullable: true }),
  }),
});

export const VehicleRef = builder.objectRef<Vehicle>("Vehicle").implement({
  interfaces: [NodeRef],
  fields: (t) => ({
    tokenId: t.exposeInt("tokenId"),
    tokenDID: t.exposeString("tokenDID"),
    owner: t.field({ type: "Address", resolve: (v) => v.owner }),
    mintedAt: t.field({ type: "Time", resolve: (v) => v.mintedAt }),
    name: t.string({ resolve: (v) => vehicleName(v.tokenId) }),
    manufacturer: t.field({
      type: ManufacturerRef,
      resolve: async (v, _args, ctx) => {
        const manufacturer = await ctx.loaders.manufacturer(v.definition.manufacturerTokenId);
        if (!manufacturer)
          throw new Error(
            `vehicle ${v.tokenId}: manufacturer ${v.definition.manufacturerTokenId} is missing`,
          );
        return manufacturer;
      },
    }),
    definition: t.field({ type: Definition, nullable: true, resolve: (v) => v.definition }),
    aftermarketDevice: t.field({ type: AftermarketDeviceRef, nullable: true, resolve: () => null }),
    syntheticDevice: t.field({ type: SyntheticDeviceRef, nullable: true, resolve: () => null }),
    sacds: t.field({
      type: SacdConnection,
      args: pageArgs,
      resolve: async (v, args, ctx) => {
        const request = pageRequest(args);
        return sacdConnection(request, await ctx.loaders.activeGrants(v));
      },
    }),
    sacd: t.field({
      type: SacdRef,
      nullable: true,
      args: { grantee: t.arg({ type: "Address", required: true }) },
      resolve: async (v, { grantee }, ctx) =>
        (await ctx.loaders.activeGrants(v)).find((g) => g.grantee === grantee) ?? null,
    }),
    // Legacy per-privilege records: Keyfob keeps grants as SACDs only.
    privileges: t.field({
      type: PrivilegesConnection,
      args: { ...pageArgs, filterBy: t.arg({ type: PrivilegeFilterBy }) },
      resolve: (_v, args) => {
        return emptyConnection<PrivilegeShape>(pageRequest(args));
      },
    }),
    imageURI: t.string({ resolve: (v, _args, ctx) => imageUri(ctx, v) }),
    image: t.string({
      deprecationReason: "Use `imageURI` instead.",
      resolve: (v, _args, ctx) => imageUri(ctx, v),
    }),
    dataURI: t.string({ resolve: (v, _args, ctx) => `${ctx.deps.config.publicUrl}/vehicles/${v.tokenId}` }),
  }),
});

function imageUri(ctx: IdentityContext, vehicle: Vehicle): string {
  return `${ctx.deps.config.publicUrl}/v1/vehicle/${vehicle.tokenId}/image`;
}

builder.objectField(AftermarketDeviceRef, "vehicle", (t) =>
  t.field({ type: VehicleRef, nullable: true, resolve: () => null }),
);
builder.objectField(SyntheticDeviceRef, "vehicle", (t) =>
  t.field({
    type: VehicleRef,
    resolve: () => {
      throw new Error("synthetic devices are not registered in Keyfob");
    },
  }),
);

const VehicleConnection = connectionType(
  { connection: "VehicleConnection", edge: "VehicleEdge" },
  VehicleRef,
);

const VehiclesFilter = builder.inputType("VehiclesFilter", {
  fields: (t) => ({
    privileged: t.field({
      type: "Address",
      description: "Owned by this address or shared with it by an active SACD.",
    }),
    owner: t.field({ type: "Address" }),
    make: t.string(),
    model: t.string(),
    year: t.int(),
    manufacturerTokenId: t.int(),
    deviceDefinitionId: t.string(),
    connection: t.field({
      type: "Address",
      description: "Paired through this connection (Keyfob has none yet: matches nothing).",
    }),
  }),
});

type VehiclesFilterInput = typeof VehiclesFilter.$inferInput;

/** The service query for a filter; undefined when nothing can match. */
async function vehicleQuery(
  filter: VehiclesFilterInput | null | undefined,
  ctx: IdentityContext,
): Promise<VehicleQuery | undefined> {
  if (!filter) return {};
  if (filter.connection != null) return undefined;
  const query: VehicleQuery = {};
  if (filter.owner != null) query.owner = filter.owner;
  if (filter.privileged != null) {
    query.ownerOrGranted = {
      owner: filter.privileged,
      granted: ctx.deps.grants.grantedPairsQuery(filter.privileged),
    };
  }
  if (filter.make != null) query.make = filter.make;
  if (filter.model != null) query.model = filter.model;
  if (filter.year != null) query.year = filter.year;
  if (filter.manufacturerTokenId != null) query.manufacturerTokenId = filter.manufacturerTokenId;
  if (filter.deviceDefinitionId != null) query.definitionId = filter.deviceDefinitionId;
  return query;
}

async function findVehicle(
  ctx: IdentityContext,
  args: { tokenId?: number | null; tokenDID?: string | null },
): Promise<Vehicle> {
  const { vehicles, config } = ctx.deps;
  if ((args.tokenId != null) === (args.tokenDID != null))
    throw invalidArgumentError("Provide exactly one of `tokenId` or `tokenDID`.");
  if (args.tokenId != null) {
    const vehicle = await vehicles.find(args.tokenId);
    if (!vehicle) throw notFound(`No vehicle with token id ${args.tokenId}.`);
    return vehicle;
  }
  const did = args.tokenDID!;
  let tokenId: number;
  try {
    const parsed = parseErc721Did(did);
    if (parsed.chainId !== config.chainId || parsed.contract !== vehicles.vehicleContract)
      throw notFound(`No vehicle with DID "${did}".`);
    tokenId = parsed.tokenId;
  } catch (error) {
    if (error instanceof InvalidDidError) throw invalidArgumentError(error.message);
    throw error;
  }
  const vehicle = await vehicles.find(tokenId);
  if (!vehicle) throw notFound(`No vehicle with DID "${did}".`);
  return vehicle;
}

builder.queryFields((t) => ({
  vehicle: t.field({
    type: VehicleRef,
    nullable: true,
    description: "A vehicle by exactly one of `tokenId` or `tokenDID`; NOT_FOUND when there is none.",
    args: { tokenId: t.arg.int(), tokenDID: t.arg.string() },
    resolve: (_root, args, ctx) => findVehicle(ctx, args),
  }),
  vehicles: t.field({
    type: VehicleConnection,
    description: "Vehicles by tokenId descending.",
    args: { ...pageArgs, filterBy: t.arg({ type: VehiclesFilter }) },
    resolve: async (_root, args, ctx) => {
      const request = pageRequest(args);
      const query = await vehicleQuery(args.filterBy, ctx);
      if (!query) return emptyConnection<Vehicle>(request);
      const { vehicles } = ctx.deps;
      return tokenIdConnection(
        request,
        (window) => vehicles.page({ ...query, ...window }),
        () => vehicles.count(query),
      );
    },
  }),
}));
