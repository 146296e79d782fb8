import { describe, expect, it } from "vitest";
import { EVENT_NAMES, signalByName, valueMatchesType } from "../signals.ts";
import { CITIES, parseCity } from "./city.ts";
import { distanceM } from "./geodesy.ts";
import {
  createVehicleSimulation,
  type DrivingProfile,
  type PowertrainType,
  type SimulatedLocation,
  type SimulationStep,
  type VehicleSimulationOptions,
} from "./simulation.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Wednesday, 00:00 UTC. */
const T0 = Date.UTC(2026, 5, 10);

const VARIANTS: Array<{ powertrainType: PowertrainType; profile: DrivingProfile }> = [
  { powertrainType: "BEV", profile: "rideshare" },
  { powertrainType: "ICE", profile: "taxi" },
  { powertrainType: "PHEV", profile: "commuter" },
  { powertrainType: "HEV", profile: "commuter" },
  { powertrainType: "BEV", profile: "commuter" },
  { powertrainType: "ICE", profile: "commuter" },
  { powertrainType: "FCEV", profile: "commuter" },
];

function options(over: Partial<VehicleSimulationOptions> = {}): VehicleSimulationOptions {
  return { tokenId: 7, powertrainType: "BEV", seed: "test", start: T0, profile: "commuter", ...over };
}

/** Steps from start to `until` in pieces of `stepMs`. */
function run(opts: VehicleSimulationOptions, until: number, stepMs: number): SimulationStep {
  const sim = createVehicleSimulation(opts);
  const out: SimulationStep = { signals: [], events: [] };
  for (let t = opts.start; t < until; ) {
    t = Math.min(until, t + stepMs);
    const r = sim.step(t);
    out.signals.push(...r.signals);
    out.events.push(...r.events);
  }
  return out;
}

const runs = new Map<string, SimulationStep>();
/** Three days of each variant (cached: several tests look at the same output). */
function threeDays(v: (typeof VARIANTS)[number]): SimulationStep {
  const key = `${v.powertrainType}/${v.profile}`;
  let r = runs.get(key);
  if (!r) {
    r = run(options({ ...v, tokenId: 3 }), T0 + 3 * DAY, 6 * HOUR);
    runs.set(key, r);
  }
  return r;
}

describe("createVehicleSimulation: determinism", () => {
  it("gives identical output for the same seed and times", () => {
    const a = run(options({ profile: "taxi", powertrainType: "ICE" }), T0 + DAY, HOUR);
    const b = run(options({ profile: "taxi", powertrainType: "ICE" }), T0 + DAY, HOUR);
    expect(a.signals.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
  });

  it("does not depend on how the steps are cut", () => {
    const opts = options({ profile: "rideshare" });
    const whole = run(opts, T0 + DAY, DAY);
    const pieces = run(opts, T0 + DAY, 997);
    const hours = run(opts, T0 + DAY, HOUR);
    expect(pieces).toEqual(whole);
    expect(hours).toEqual(whole);
  });

  it("does not depend on where the simulation starts: overlapping windows agree point for point", () => {
    const early = run(options({ powertrainType: "PHEV" }), T0 + 2 * DAY, 4 * HOUR);
    const lateStart = T0 + DAY + 5 * HOUR + 1234;
    const late = run(options({ powertrainType: "PHEV", start: lateStart }), T0 + 2 * DAY, 4 * HOUR);
    const overlap = early.signals.filter((s) => s.timestamp >= lateStart);
    expect(late.signals.length).toBeGreaterThan(100);
    expect(late.signals).toEqual(overlap);
    expect(late.events).toEqual(early.events.filter((e) => e.timestamp >= lateStart));
  });

  it("differs with another seed, another vehicle or another city", () => {
    const base = run(options(), T0 + DAY, DAY);
    const seed = run(options({ seed: "other" }), T0 + DAY, DAY);
    const vehicle = run(options({ tokenId: 8 }), T0 + DAY, DAY);
    const city = run(options({ city: CITIES["san-francisco"] }), T0 + DAY, DAY);
    for (const other of [seed, vehicle, city]) expect(other.signals).not.toEqual(base.signals);
  });

  it("samples on a fixed grid and reports transitions at their own times", () => {
    const { signals } = threeDays(VARIANTS[0]!);
    const speeds = signals.filter((s) => s.name === "speed").map((s) => s.timestamp);
    const offsets = new Set(speeds.map((t) => t % 5000));
    // Grid samples share one offset; ignition-on samples add a few others.
    const counts = [...offsets].map((o) => speeds.filter((t) => t % 5000 === o).length).sort((a, b) => b - a);
    expect(counts[0]! / speeds.length).toBeGreaterThan(0.95);
    expect(signals.every((s) => Number.isInteger(s.timestamp))).toBe(true);
  });

  it("rejects a start before the epoch and a bad token id", () => {
    expect(() => createVehicleSimulation(options({ start: Date.UTC(2020, 0, 1) }))).toThrow(/epoch/);
    expect(() => createVehicleSimulation(options({ tokenId: 0 }))).toThrow(/tokenId/);
  });
});

describe.each(VARIANTS)("createVehicleSimulation: $powertrainType $profile over three days", (variant) => {
  it("emits only catalog signals, with the catalog's types, in time order, each (name, time) once", () => {
    const { signals } = threeDays(variant);
    expect(signals.length).toBeGreaterThan(1000);
    const problems: string[] = [];
    const seen = new Set<string>();
    let last = 0;
    for (const s of signals) {
      const def = signalByName(s.name);
      if (!def) problems.push(`unknown signal ${s.name}`);
      else if (!valueMatchesType(def, s.value)) problems.push(`${s.name}=${JSON.stringify(s.value)}`);
      if (s.timestamp < last) problems.push(`${s.name} at ${s.timestamp} after ${last}`);
      last = s.timestamp;
      const key = `${s.name}@${s.timestamp}`;
      if (seen.has(key)) problems.push(`twice: ${key}`);
      seen.add(key);
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it("emits valid events with small JSON metadata", () => {
    const { events } = threeDays(variant);
    let last = 0;
    for (const e of events) {
      expect(EVENT_NAMES).toContain(e.name);
      expect(Number.isSafeInteger(e.durationNs) && e.durationNs > 0 && e.durationNs < 2 ** 31).toBe(true);
      expect(typeof JSON.parse(e.metadata)).toBe("object");
      expect(e.timestamp).toBeGreaterThanOrEqual(last);
      last = e.timestamp;
    }
  });

  it("is realistic: speed ≥ 0 and 0 when parked, odometer monotonic ≈ ∫speed, heading and place in range", () => {
    const { signals } = threeDays(variant);
    const city = CITIES.munich;
    // Unknown until the first isIgnitionOn (the simulation may start in the middle of a trip).
    let ignition = -1;
    let odometer = Number.NEGATIVE_INFINITY;
    let integral = 0;
    let prevSpeed: { t: number; v: number } | undefined;
    let tripStartOdo: number | undefined;
    let tripIntegral = 0;
    let trips = 0;
    for (const s of signals) {
      const v = s.value;
      switch (s.name) {
        case "isIgnitionOn":
          if (v === 1 && ignition === 0) {
            tripStartOdo = undefined;
            tripIntegral = 0;
          }
          if (v === 0 && ignition === 1 && tripStartOdo !== undefined) {
            // Checked at the next odometer reading (at arrival).
            trips++;
          }
          ignition = v as number;
          break;
        case "speed":
          expect(v as number).toBeGreaterThanOrEqual(0);
          if (ignition === 0) expect(v).toBe(0);
          if (prevSpeed) {
            const area = (((prevSpeed.v + (v as number)) / 2) * (s.timestamp - prevSpeed.t)) / HOUR;
            integral += area;
            tripIntegral += area;
          }
          prevSpeed = { t: s.timestamp, v: v as number };
          break;
        case "powertrainTransmissionTravelledDistance": {
          expect(v as number).toBeGreaterThanOrEqual(odometer);
          if (tripStartOdo === undefined && ignition === 1) tripStartOdo = v as number;
          if (ignition === 0 && tripStartOdo !== undefined) {
            const driven = (v as number) - tripStartOdo;
            // Sampled every 5 s (and the odometer every 30 s): a trip's two measures agree closely.
            expect(Math.abs(driven - tripIntegral)).toBeLessThan(0.08 * driven + 0.6);
            tripStartOdo = undefined;
          }
          odometer = v as number;
          break;
        }
        case "currentLocationHeading":
          expect(v as number).toBeGreaterThanOrEqual(0);
          expect(v as number).toBeLessThan(360);
          break;
        case "currentLocationCoordinates": {
          const loc = v as SimulatedLocation;
          const fromCentre = distanceM(city.latitude, city.longitude, loc.latitude, loc.longitude);
          expect(fromCentre).toBeLessThan(city.radiusKm * 1000 * 1.05);
          break;
        }
      }
    }
    expect(trips).toBeGreaterThan(0);
    const first = signals.find((s) => s.name === "powertrainTransmissionTravelledDistance")!.value as number;
    expect(Math.abs(odometer - first - integral)).toBeLessThan(0.05 * (odometer - first) + 1);
  });

  it("keeps charge and fuel in range; charge rises while charging", () => {
    const { signals } = threeDays(variant);
    let charging = 0;
    let socAtStart: number | undefined;
    let lastSoc: number | undefined;
    let sessions = 0;
    for (const s of signals) {
      if (s.name === "powertrainTractionBatteryChargingIsCharging") {
        if (s.value === 1 && charging === 0) socAtStart = lastSoc;
        if (s.value === 0 && charging === 1 && socAtStart !== undefined && lastSoc !== undefined) {
          expect(lastSoc).toBeGreaterThan(socAtStart);
          sessions++;
        }
        charging = s.value as number;
      }
      if (s.name === "powertrainTractionBatteryStateOfChargeCurrent") {
        const soc = s.value as number;
        expect(soc).toBeGreaterThanOrEqual(0);
        expect(soc).toBeLessThanOrEqual(100);
        if (charging === 1 && lastSoc !== undefined) expect(soc).toBeGreaterThanOrEqual(lastSoc);
        lastSoc = soc;
      }
      if (s.name === "powertrainFuelSystemRelativeLevel") {
        expect(s.value as number).toBeGreaterThanOrEqual(0);
        expect(s.value as number).toBeLessThanOrEqual(100);
      }
      if (s.name === "powertrainTractionBatteryChargingPower")
        expect(s.value as number).toBeGreaterThanOrEqual(0);
    }
    if (variant.powertrainType === "BEV" || variant.powertrainType === "PHEV")
      expect(sessions).toBeGreaterThan(0);
  });
});

describe("createVehicleSimulation: the vehicle's life", () => {
  it("parks between trips and reports ignition, lock and driver door around them", () => {
    const { signals } = threeDays({ powertrainType: "ICE", profile: "commuter" });
    const names = new Set(signals.map((s) => s.name));
    for (const name of [
      "isIgnitionOn",
      "bodyLockIsLocked",
      "cabinDoorRow1DriverSideIsOpen",
      "cabinSeatRow1DriverSideIsBelted",
      "powertrainCombustionEngineSpeed",
      "powertrainCombustionEngineECT",
      "obdFuelRate",
      "chassisAxleRow1WheelLeftTirePressure",
      "lowVoltageBatteryCurrentVoltage",
      "exteriorAirTemperature",
      "powertrainFuelSystemRelativeLevel",
    ])
      expect(names, name).toContain(name);
    const volts = (ignition: number) =>
      signals
        .filter((s) => s.name === "lowVoltageBatteryCurrentVoltage")
        .filter((s) => {
          const ign = signals.filter((x) => x.name === "isIgnitionOn" && x.timestamp <= s.timestamp).at(-1);
          return ign?.value === ignition;
        })
        .map((s) => s.value as number);
    // Higher while the engine runs.
    expect(Math.min(...volts(1))).toBeGreaterThan(Math.max(...volts(0)));
  });

  it("charges a BEV at home overnight (AC) and at the hub (DC) to its limit, with power and energy reported", () => {
    const { signals } = threeDays({ powertrainType: "BEV", profile: "rideshare" });
    const power = signals
      .filter((s) => s.name === "powertrainTractionBatteryChargingPower" && (s.value as number) > 0)
      .map((s) => s.value as number);
    expect(power.filter((kw) => kw <= 11).length).toBeGreaterThan(10);
    expect(power.filter((kw) => kw > 90 && kw <= 100).length).toBeGreaterThan(3);
    const soc = signals
      .filter((s) => s.name === "powertrainTractionBatteryStateOfChargeCurrent")
      .map((s) => s.value);
    expect(soc).toContain(90);
    const added = signals.filter((s) => s.name === "powertrainTractionBatteryChargingAddedEnergy");
    expect(Math.max(...added.map((s) => s.value as number))).toBeGreaterThan(5);
  });

  it("follows a daily temperature cycle", () => {
    const { signals } = threeDays({ powertrainType: "HEV", profile: "commuter" });
    const temps = signals.filter((s) => s.name === "exteriorAirTemperature");
    const byHour = (from: number, to: number) =>
      temps
        .filter((s) => {
          const h = new Date(s.timestamp + 3_600_000).getUTCHours();
          return h >= from && h < to;
        })
        .map((s) => s.value as number);
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(avg(byHour(13, 17))).toBeGreaterThan(avg(byHour(2, 6)) + 3);
  });

  it("has occasional harsh driving events on a busy vehicle", () => {
    const { events } = run(options({ powertrainType: "ICE", profile: "taxi" }), T0 + 7 * DAY, DAY);
    expect(events.length).toBeGreaterThan(3);
    expect(events.length).toBeLessThan(200);
  });

  it("snapshot reports every signal the vehicle has, and status says what it is doing", () => {
    const sim = createVehicleSimulation(options({ powertrainType: "PHEV" }));
    const at = T0 + 3 * HOUR;
    const snap = sim.snapshot(at);
    const names = snap.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(["speed", "currentLocationCoordinates", "powertrainType"]));
    expect(snap.every((s) => s.timestamp === at)).toBe(true);
    expect(sim.snapshot(at)).toEqual(snap);
    expect(sim.status(at).mode).toMatch(/parked|charging/);
  });

  it("parses cities", () => {
    expect(parseCity("Munich")).toBe(CITIES.munich);
    expect(parseCity("37.77,-122.42,7")).toMatchObject({
      latitude: 37.77,
      longitude: -122.42,
      radiusKm: 7,
      utcOffsetMinutes: -480,
    });
    expect(() => parseCity("atlantis")).toThrow(/unknown city/);
  });
});
