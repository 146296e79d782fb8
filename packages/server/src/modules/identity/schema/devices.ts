import type { Address } from "../../../domain/address.ts";
import { notFound } from "../errors.ts";
import { builder } from "./builder.ts";
import { ManufacturerRef } from "./manufacturers.ts";
import { NodeRef } from "./nodes.ts";

/**
 * Aftermarket and synthetic devices. Keyfob's registry has none yet, so every look-up answers
 * "none"; the types exist so that official clients' queries (which select device fields on
 * vehicles) validate. `vehicle` is added by vehicles.ts.
 */
export interface DeviceShape {
  tokenId: number;
  tokenDID: string;
  address: Address;
  mintedAt: Date;
  name: string;
}

export const AftermarketDeviceRef = builder
  .objectRef<
    DeviceShape & { owner: Address; manufacturerTokenId: number; beneficiary: Address; image: string }
  >("AftermarketDevice")
  .implement({
    interfaces: [NodeRef],
    fields: (t) => ({
      tokenId: t.exposeInt("tokenId"),
      tokenDID: t.exposeString("tokenDID"),
      manufacturer: t.field({
        type: ManufacturerRef,
        resolve: async (d, _args, ctx) => (await ctx.loaders.manufacturer(d.manufacturerTokenId))!,
      }),
      address: t.field({ type: "Address", resolve: (d) => d.address }),
      owner: t.field({ type: "Address", resolve: (d) => d.owner }),
      serial: t.string({ nullable: true, resolve: () => null }),
      imei: t.string({ nullable: true, resolve: () => null }),
      devEUI: t.string({ nullable: true, resolve: () => null }),
      hardwareRevision: t.string({ nullable: true, resolve: () => null }),
      mintedAt: t.field({ type: "Time", resolve: (d) => d.mintedAt }),
      claimedAt: t.field({ type: "Time", nullable: true, resolve: () => null }),
      pairedAt: t.field({ type: "Time", nullable: true, resolve: () => null }),
      beneficiary: t.field({ type: "Address", resolve: (d) => d.beneficiary }),
      name: t.exposeString("name"),
      image: t.exposeString("image"),
    }),
  });

export const SyntheticDeviceRef = builder.objectRef<DeviceShape>("SyntheticDevice").implement({
  interfaces: [NodeRef],
  fields: (t) => ({
    name: t.exposeString("name"),
    tokenId: t.exposeInt("tokenId"),
    tokenDID: t.exposeString("tokenDID"),
    address: t.field({ type: "Address", resolve: (d) => d.address }),
    mintedAt: t.field({ type: "Time", resolve: (d) => d.mintedAt }),
    integrationId: t.int({ deprecationReason: "Use `connection` instead.", resolve: () => 0 }),
  }),
});

const AftermarketDeviceBy = builder.inputType("AftermarketDeviceBy", {
  isOneOf: true,
  fields: (t) => ({
    tokenId: t.int(),
    tokenDID: t.string(),
    address: t.field({ type: "Address" }),
    serial: t.string(),
    imei: t.string(),
    devEUI: t.string(),
  }),
});

const SyntheticDeviceBy = builder.inputType("SyntheticDeviceBy", {
  isOneOf: true,
  fields: (t) => ({ tokenId: t.int(), tokenDID: t.string(), address: t.field({ type: "Address" }) }),
});

builder.queryFields((t) => ({
  aftermarketDevice: t.field({
    type: AftermarketDeviceRef,
    nullable: true,
    args: { by: t.arg({ type: AftermarketDeviceBy, required: true }) },
    resolve: () => null,
  }),
  syntheticDevice: t.field({
    type: SyntheticDeviceRef,
    nullable: true,
    args: { by: t.arg({ type: SyntheticDeviceBy, required: true }) },
    resolve: (_root, { by }) => {
      if (by.tokenId != null) throw notFound(`No synthetic device with token id ${by.tokenId}.`);
      if (by.tokenDID != null) throw notFound(`No synthetic device with DID "${by.tokenDID}".`);
      throw notFound(`No synthetic device with address ${by.address}.`);
    },
  }),
}));
