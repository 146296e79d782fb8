import type { Coordinates } from "../../../../domain/geo.ts";
import { builder } from "./builder.ts";

/** The value types that several root fields share (telemetry-api.md §3). Times are unix ms. */

export const Location = builder.objectRef<Coordinates>("Location").implement({
  fields: (t) => ({
    latitude: t.exposeFloat("latitude"),
    longitude: t.exposeFloat("longitude"),
    hdop: t.exposeFloat("hdop", { description: "Horizontal dilution of precision." }),
  }),
});

export interface Timed<T> {
  timestamp: number;
  value: T;
}

export const SignalFloat = builder.objectRef<Timed<number>>("SignalFloat").implement({
  fields: (t) => ({
    timestamp: t.field({ type: "Time", resolve: (s) => s.timestamp }),
    value: t.exposeFloat("value"),
  }),
});

export const SignalString = builder.objectRef<Timed<string>>("SignalString").implement({
  fields: (t) => ({
    timestamp: t.field({ type: "Time", resolve: (s) => s.timestamp }),
    value: t.exposeString("value"),
  }),
});

export const SignalLocation = builder.objectRef<Timed<Coordinates>>("SignalLocation").implement({
  fields: (t) => ({
    timestamp: t.field({ type: "Time", resolve: (s) => s.timestamp }),
    value: t.field({ type: Location, resolve: (s) => s.value }),
  }),
});
