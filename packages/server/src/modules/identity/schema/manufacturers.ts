import type { Address } from "../../../domain/address.ts";
import { formatErc721Did } from "../../../domain/did.ts";
import type { Manufacturer, VehicleDefinition } from "../../vehicles/service.ts";
import { invalidArgumentError } from "../errors.ts";
import { builder } from "./builder.ts";
import { NodeRef } from "./nodes.ts";

/** DIMO's ManufacturerId NFT contract (Polygon); Keyfob has no setting for it, so DIDs name it. */
export const MANUFACTURER_CONTRACT = "0x3b07e2A2ABdd0A9B8F7878bdE6487c502164B9dd" as Address;

export const ManufacturerRef = builder.objectRef<Manufacturer>("Manufacturer").implement({
  interfaces: [NodeRef],
  fields: (t) => ({
    tokenId: t.exposeInt("tokenId"),
    tokenDID: t.string({
      resolve: (m, _args, ctx) =>
        formatErc721Did({
          chainId: ctx.deps.config.chainId,
          contract: MANUFACTURER_CONTRACT,
          tokenId: m.tokenId,
        }),
    }),
    name: t.exposeString("name"),
    owner: t.field({ type: "Address", resolve: (m) => m.owner }),
    mintedAt: t.field({ type: "Time", resolve: (m) => m.mintedAt }),
  }),
});

const DeviceDefinitionAttribute = builder
  .objectRef<{ name: string; value: string }>("DeviceDefinitionAttribute")
  .implement({
    fields: (t) => ({ name: t.exposeString("name"), value: t.exposeString("value") }),
  });

const DeviceDefinitionRef = builder.objectRef<VehicleDefinition>("DeviceDefinition").implement({
  fields: (t) => ({
    deviceDefinitionId: t.exposeString("id"),
    legacyId: t.string({ nullable: true, resolve: () => null }),
    manufacturer: t.field({
      type: ManufacturerRef,
      nullable: true,
      resolve: (d, _args, ctx) => ctx.loaders.manufacturer(d.manufacturerTokenId),
    }),
    model: t.exposeString("model"),
    year: t.exposeInt("year"),
    deviceType: t.string({ nullable: true, resolve: () => "vehicle" }),
    imageURI: t.string({ nullable: true, resolve: () => null }),
    // The login app's powertrain filter reads this attribute.
    attributes: t.field({
      type: [DeviceDefinitionAttribute],
      resolve: (d) => [{ name: "powertrain_type", value: d.powertrainType }],
    }),
  }),
});

const DeviceDefinitionBy = builder.inputType("DeviceDefinitionBy", {
  fields: (t) => ({ id: t.string({ required: true }) }),
});

const ManufacturerBy = builder.inputType("ManufacturerBy", {
  fields: (t) => ({ tokenId: t.int(), name: t.string() }),
});

builder.queryFields((t) => ({
  deviceDefinition: t.field({
    type: DeviceDefinitionRef,
    nullable: true,
    args: { by: t.arg({ type: DeviceDefinitionBy, required: true }) },
    resolve: async (_root, { by }, ctx) => (await ctx.deps.vehicles.findDefinition(by.id)) ?? null,
  }),
  manufacturer: t.field({
    type: ManufacturerRef,
    nullable: true,
    args: { by: t.arg({ type: ManufacturerBy, required: true }) },
    resolve: async (_root, { by }, ctx) => {
      if ((by.tokenId != null) === (by.name != null))
        throw invalidArgumentError("Provide exactly one of `tokenId` or `name`.");
      const found =
        by.tokenId != null
          ? await ctx.loaders.manufacturer(by.tokenId)
          : await ctx.deps.vehicles.findManufacturerByName(by.name!);
      return found ?? null;
    },
  }),
}));
