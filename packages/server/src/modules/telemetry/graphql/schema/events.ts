import { matchesStringFilter } from "../../../../domain/value-filters.ts";
import type { EventPoint } from "../../contract.ts";
import { EVENT_PRIVILEGES, requireAllOf, requireVehicleToken } from "../access.ts";
import { checkTimeRange, checkTokenId } from "../arguments.ts";
import { builder } from "./builder.ts";
import { EventFilter } from "./inputs.ts";

/** `events(tokenId, from, to, filter): [Event!]` (telemetry-api.md §3, §7). */

export const Event = builder.objectRef<EventPoint>("Event").implement({
  fields: (t) => ({
    timestamp: t.field({ type: "Time", resolve: (e) => e.timestamp }),
    name: t.exposeString("name"),
    source: t.exposeString("source", { description: "The connection that produced the event (ethr DID)." }),
    durationNs: t.exposeInt("durationNs", { description: "Nanoseconds." }),
    metadata: t.exposeString("metadata", { nullable: true, description: "JSON text." }),
  }),
});

builder.queryField("events", (t) =>
  t.field({
    type: [Event],
    nullable: true,
    description: "Events with from ≤ timestamp < to, ascending. Needs both history privileges.",
    args: {
      tokenId: t.arg.int({ required: true }),
      from: t.arg({ type: "Time", required: true }),
      to: t.arg({ type: "Time", required: true }),
      filter: t.arg({ type: EventFilter }),
    },
    resolve: async (_root, args, ctx) => {
      requireVehicleToken(ctx.caller, args.tokenId, ctx.deps.config.vehicleContract);
      requireAllOf(ctx.caller, EVENT_PRIVILEGES);
      checkTokenId(args.tokenId);
      const from = args.from.getTime();
      const to = args.to.getTime();
      checkTimeRange(from, to);
      const events = await ctx.deps.signals.events(args.tokenId, from, to);
      const { name, source } = args.filter ?? {};
      return events.filter(
        (event) =>
          (!name || matchesStringFilter(event.name, name)) &&
          (!source || matchesStringFilter(event.source, source)),
      );
    },
  }),
);
