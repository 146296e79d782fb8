import type { FieldRef } from "@pothos/core";
import type { Coordinates } from "../../../../domain/geo.ts";
import { type CatalogEntry, SIGNAL_CATALOG } from "../../../../domain/signals.ts";
import type { SignalPoint } from "../../contract.ts";
import { requireSignal, requireVehicleToken } from "../access.ts";
import { checkTokenId, sourceOf } from "../arguments.ts";
import type { TelemetryContext } from "../context.ts";
import { storedName } from "../history.ts";
import { lastSeen, shownValue } from "../readable.ts";
import { builder, type TelemetryTypes } from "./builder.ts";
import { SignalFilter, type SignalFilterShape } from "./inputs.ts";
import { fieldDescription } from "./signals.ts";
import { SignalFloat, SignalLocation, SignalString, type Timed } from "./types.ts";

/**
 * `signalsLatest(tokenId, filter): SignalCollection` — the newest value of every signal — and its
 * data-sdk spelling `SignalsLatest(tokenID:)` (telemetry-api.md §8). One field per catalog signal.
 */

interface LatestShape {
  /** The newest point per stored signal name. */
  points: ReadonlyMap<string, SignalPoint>;
  lastSeen: number | null;
}

/** A signal field checks the caller's privilege, then shows the newest point of the signal it reads. */
function latestValue(entry: CatalogEntry, latest: LatestShape, ctx: TelemetryContext): Timed<unknown> | null {
  requireSignal(ctx.caller, entry);
  const point = latest.points.get(storedName(entry));
  return point ? { timestamp: point.timestamp, value: shownValue(entry, point) } : null;
}

const SignalCollection = builder.objectRef<LatestShape>("SignalCollection").implement({
  description: "The newest value of each signal; null for a signal without data.",
  fields: (t) => {
    const fields: Record<string, FieldRef<TelemetryTypes, unknown, "Object">> = {
      lastSeen: t.field({
        type: "Time",
        nullable: true,
        description: "The newest timestamp of any signal the caller may read.",
        resolve: (latest) => latest.lastSeen,
      }),
    };
    for (const entry of SIGNAL_CATALOG) {
      const description = fieldDescription(entry);
      const resolve = (latest: LatestShape, _args: object, ctx: TelemetryContext) =>
        latestValue(entry, latest, ctx);
      if (entry.type === "float")
        fields[entry.name] = t.field({
          type: SignalFloat,
          nullable: true,
          description,
          resolve: (latest, args, ctx) => resolve(latest, args, ctx) as Timed<number> | null,
        });
      else if (entry.type === "string")
        fields[entry.name] = t.field({
          type: SignalString,
          nullable: true,
          description,
          resolve: (latest, args, ctx) => resolve(latest, args, ctx) as Timed<string> | null,
        });
      else
        fields[entry.name] = t.field({
          type: SignalLocation,
          nullable: true,
          description,
          resolve: (latest, args, ctx) => resolve(latest, args, ctx) as Timed<Coordinates> | null,
        });
    }
    return fields;
  },
});

async function resolveLatest(
  tokenId: number,
  filter: SignalFilterShape | null | undefined,
  ctx: TelemetryContext,
): Promise<LatestShape> {
  requireVehicleToken(ctx.caller, tokenId, ctx.deps.config.vehicleContract);
  checkTokenId(tokenId);
  const source = sourceOf(filter);
  const points = await ctx.deps.signals.latest(tokenId, source === undefined ? {} : { source });
  return {
    points: new Map(points.map((point) => [point.name, point])),
    lastSeen: lastSeen(ctx.caller, points),
  };
}

builder.queryField("signalsLatest", (t) =>
  t.field({
    type: SignalCollection,
    nullable: true,
    description: "The newest value of every signal.",
    args: { tokenId: t.arg.int({ required: true }), filter: t.arg({ type: SignalFilter }) },
    resolve: (_root, args, ctx) => resolveLatest(args.tokenId, args.filter, ctx),
  }),
);

builder.queryField("SignalsLatest", (t) =>
  t.field({
    type: SignalCollection,
    nullable: true,
    deprecationReason: "Use signalsLatest(tokenId:). Kept for the data SDK's getLatestSignals.",
    args: { tokenID: t.arg.int({ required: true }), filter: t.arg({ type: SignalFilter }) },
    resolve: (_root, args, ctx) => resolveLatest(args.tokenID, args.filter, ctx),
  }),
);
