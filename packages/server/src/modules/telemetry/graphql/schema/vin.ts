import { checksumAddress } from "../../../../domain/address.ts";
import type { VinCredential } from "../../contract.ts";
import { requireAllOf, requireVehicleToken, VIN_PRIVILEGES } from "../access.ts";
import { checkTokenId } from "../arguments.ts";
import { builder } from "./builder.ts";

/** `vinVCLatest(tokenId): VINVC` — the newest stored VIN credential (telemetry-api.md §7). */

const VINVC = builder.objectRef<{ vc: VinCredential; contract: string }>("VINVC").implement({
  fields: (t) => ({
    vehicleTokenId: t.int({ nullable: true, resolve: ({ vc }) => vc.tokenId }),
    vin: t.string({ nullable: true, resolve: ({ vc }) => vc.vin }),
    recordedBy: t.string({ nullable: true, resolve: ({ vc }) => vc.recordedBy }),
    recordedAt: t.field({ type: "Time", nullable: true, resolve: ({ vc }) => vc.recordedAt }),
    countryCode: t.string({ nullable: true, resolve: ({ vc }) => vc.countryCode }),
    vehicleContractAddress: t.string({ nullable: true, resolve: ({ contract }) => contract }),
    validFrom: t.field({ type: "Time", nullable: true, resolve: ({ vc }) => vc.validFrom }),
    validTo: t.field({ type: "Time", nullable: true, resolve: ({ vc }) => vc.validTo }),
    rawVC: t.string({ description: "The credential's JSON text.", resolve: ({ vc }) => vc.rawVC }),
  }),
});

builder.queryField("vinVCLatest", (t) =>
  t.field({
    type: VINVC,
    nullable: true,
    description: "The newest VIN credential of the vehicle; null when none is stored.",
    args: { tokenId: t.arg.int({ required: true }) },
    resolve: async (_root, args, ctx) => {
      requireVehicleToken(ctx.caller, args.tokenId, ctx.deps.config.vehicleContract);
      requireAllOf(ctx.caller, VIN_PRIVILEGES);
      checkTokenId(args.tokenId);
      const vc = await ctx.deps.signals.latestVin(args.tokenId);
      return vc ? { vc, contract: checksumAddress(ctx.deps.config.vehicleContract) } : null;
    },
  }),
);
