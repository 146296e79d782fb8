import type { Coordinates } from "../../../../domain/geo.ts";
import type { SignalPoint, SignalSummary } from "../../contract.ts";
import { EVENT_PRIVILEGES, requireVehicleToken, type VehicleCaller } from "../access.ts";
import { checkTokenId, sourceOf } from "../arguments.ts";
import type { TelemetryContext } from "../context.ts";
import { isCoordinates } from "../history.ts";
import { lastSeen, readableItems, shownValue } from "../readable.ts";
import { builder } from "./builder.ts";
import { SignalFilter, type SignalFilterShape } from "./inputs.ts";
import { Location } from "./types.ts";

/**
 * `availableSignals`, `signalsSnapshot` and `dataSummary` (telemetry-api.md §3): what a vehicle
 * has stored, filtered silently to what the caller's privileges read.
 */

/** Go's zero time, which the official API shows for a vehicle without data. */
const ZERO_TIME = Date.parse("0001-01-01T00:00:00Z");

const tokenArgs = (t: PothosSchemaTypes.QueryFieldBuilder<typeof builder.$inferSchemaTypes, object>) => ({
  tokenId: t.arg.int({ required: true }),
  filter: t.arg({ type: SignalFilter }),
});

/** The vehicle-token check and argument checks every root field here makes; the store options. */
function check(tokenId: number, filter: SignalFilterShape | null | undefined, ctx: TelemetryContext) {
  requireVehicleToken(ctx.caller, tokenId, ctx.deps.config.vehicleContract);
  checkTokenId(tokenId);
  const source = sourceOf(filter);
  return source === undefined ? {} : { source };
}

builder.queryField("availableSignals", (t) =>
  t.stringList({
    nullable: true,
    description: "Names of the signals with stored data that the caller may read.",
    args: tokenArgs(t),
    resolve: async (_root, args, ctx) => {
      const opts = check(args.tokenId, args.filter, ctx);
      const summaries = await ctx.deps.signals.signalSummary(args.tokenId, opts);
      return readableItems(ctx.caller, summaries).map((readable) => readable.name);
    },
  }),
);

interface LatestSignalShape {
  name: string;
  point: SignalPoint;
  value: SignalPoint["value"];
}

const LatestSignal = builder.objectRef<LatestSignalShape>("LatestSignal").implement({
  fields: (t) => ({
    name: t.exposeString("name"),
    timestamp: t.field({ type: "Time", resolve: (s) => s.point.timestamp }),
    valueNumber: t.float({
      nullable: true,
      resolve: (s) => (typeof s.value === "number" ? s.value : null),
    }),
    valueString: t.string({
      nullable: true,
      resolve: (s) => (typeof s.value === "string" ? s.value : null),
    }),
    valueLocation: t.field({
      type: Location,
      nullable: true,
      resolve: (s): Coordinates | null => (isCoordinates(s.value) ? s.value : null),
    }),
  }),
});

const SignalsSnapshotResponse = builder
  .objectRef<{ lastSeen: number | null; signals: LatestSignalShape[] }>("SignalsSnapshotResponse")
  .implement({
    fields: (t) => ({
      lastSeen: t.field({ type: "Time", nullable: true, resolve: (s) => s.lastSeen }),
      signals: t.field({ type: [LatestSignal], resolve: (s) => s.signals }),
    }),
  });

builder.queryField("signalsSnapshot", (t) =>
  t.field({
    type: SignalsSnapshotResponse,
    nullable: true,
    description: "The newest value of every signal the caller may read, as a list.",
    args: tokenArgs(t),
    resolve: async (_root, args, ctx) => {
      const opts = check(args.tokenId, args.filter, ctx);
      const points = await ctx.deps.signals.latest(args.tokenId, opts);
      return {
        lastSeen: lastSeen(ctx.caller, points),
        signals: readableItems(ctx.caller, points).map(({ name, entry, item }) => ({
          name,
          point: item,
          value: shownValue(entry, item),
        })),
      };
    },
  }),
);

interface CountedShape {
  name: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
}

const SignalDataSummary = builder.objectRef<CountedShape>("SignalDataSummary").implement({
  fields: (t) => ({
    name: t.exposeString("name"),
    numberOfSignals: t.field({ type: "Uint64", resolve: (s) => s.count }),
    firstSeen: t.field({ type: "Time", resolve: (s) => s.firstSeen }),
    lastSeen: t.field({ type: "Time", resolve: (s) => s.lastSeen }),
  }),
});

const EventDataSummary = builder.objectRef<CountedShape>("EventDataSummary").implement({
  fields: (t) => ({
    name: t.exposeString("name"),
    numberOfEvents: t.field({ type: "Uint64", resolve: (s) => s.count }),
    firstSeen: t.field({ type: "Time", resolve: (s) => s.firstSeen }),
    lastSeen: t.field({ type: "Time", resolve: (s) => s.lastSeen }),
  }),
});

interface DataSummaryShape {
  signals: CountedShape[];
  /** Stored points of the listed signals (the derived field adds none). */
  numberOfSignals: number;
  events: () => Promise<CountedShape[]>;
}

const DataSummary = builder.objectRef<DataSummaryShape>("DataSummary").implement({
  fields: (t) => ({
    numberOfSignals: t.field({ type: "Uint64", resolve: (s) => s.numberOfSignals }),
    availableSignals: t.stringList({ resolve: (s) => s.signals.map((signal) => signal.name) }),
    firstSeen: t.field({
      type: "Time",
      resolve: (s) => (s.signals.length === 0 ? ZERO_TIME : Math.min(...s.signals.map((x) => x.firstSeen))),
    }),
    lastSeen: t.field({
      type: "Time",
      resolve: (s) => (s.signals.length === 0 ? ZERO_TIME : Math.max(...s.signals.map((x) => x.lastSeen))),
    }),
    signalDataSummary: t.field({ type: [SignalDataSummary], resolve: (s) => s.signals }),
    eventDataSummary: t.field({ type: [EventDataSummary], resolve: (s) => s.events() }),
  }),
});

/** Events are readable with both history privileges (as the `events` field requires). */
function canReadEvents(caller: VehicleCaller | null): boolean {
  return EVENT_PRIVILEGES.every((privilege) => caller?.privileges.has(privilege));
}

builder.queryField("dataSummary", (t) =>
  t.field({
    type: DataSummary,
    nullable: true,
    description: "Counts and first/last times of the signals and events the caller may read.",
    args: tokenArgs(t),
    resolve: async (_root, args, ctx) => {
      const opts = check(args.tokenId, args.filter, ctx);
      const summaries: SignalSummary[] = await ctx.deps.signals.signalSummary(args.tokenId, opts);
      const readable = readableItems(ctx.caller, summaries);
      return {
        signals: readable.map(({ name, item }) => ({ ...item, name })),
        numberOfSignals: readable.filter((r) => !r.entry.derived).reduce((n, r) => n + r.item.count, 0),
        events: async () =>
          canReadEvents(ctx.caller) ? await ctx.deps.signals.eventSummary(args.tokenId) : [],
      };
    },
  }),
);
