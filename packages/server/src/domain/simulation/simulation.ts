import {
  altitudeAt,
  type City,
  type CityInput,
  DEFAULT_CITY,
  exteriorTemperature,
  resolveCity,
} from "./city.ts";
import { angleDiffDeg, LocalFrame, normalizeDeg } from "./geodesy.ts";
import { motionAt } from "./motion.ts";
import { hash, seedOf, unit } from "./random.ts";
import { positionAt } from "./routes.ts";
import {
  type Charging,
  coolantWhileRunning,
  type DriveSegment,
  type DrivingProfile,
  hybridSocPct,
  type Leg,
  legEnergy,
  type ParkedSegment,
  type Segment,
  Timeline,
  tyreWarmthWhileDriving,
  tyreWarmthWhileParked,
} from "./timeline.ts";
import { type PowertrainType, type VehicleModel, vehicleModel } from "./vehicle-model.ts";

/**
 * A simulated vehicle: `createVehicleSimulation(...).step(until)` returns the signals and events it
 * reports up to `until`, in time order, in the units and types of the signal catalog (booleans as
 * 0/1, locations as {latitude, longitude, hdop}).
 *
 * Pure and deterministic: no clock, no Math.random. The vehicle's life is one fixed timeline per
 * (seed, tokenId, powertrain, profile, city, epoch), and samples sit on a fixed grid of times, so the
 * same seed gives the same points at the same timestamps whatever the start and however the steps
 * are cut — which is what makes re-posting a backfill harmless.
 *
 * Sampling: every 5 s while driving (speed, location), every 30 s (heading, odometer, powertrain
 * values), every 2 min (temperatures, tyres, range …); every 15 min while parked (plus location and
 * tyres hourly, charging every 2 min), and at every change of ignition, lock, doors, belt and plug.
 */

export type { DrivingProfile } from "./timeline.ts";
export { DRIVING_PROFILES } from "./timeline.ts";
export type { PowertrainType } from "./vehicle-model.ts";

/**
 * The instant every simulated timeline starts from by default: 2026-01-01T00:00:00Z. Odometers grow
 * from here (a busy taxi covers some 500 km a day), and no simulation starts earlier.
 */
export const DEFAULT_EPOCH = Date.UTC(2026, 0, 1);

export interface VehicleSimulationOptions {
  tokenId: number;
  powertrainType: PowertrainType;
  seed: number | string;
  /** Default: Munich. */
  city?: CityInput;
  /** Unix ms: the first step returns points from here on. Not before the epoch. */
  start: number;
  /** Default: commuter. */
  profile?: DrivingProfile;
  /** Where the timeline begins (odometer, charge and fuel carry over from here). Default DEFAULT_EPOCH. */
  epoch?: number;
}

export interface SimulatedLocation {
  latitude: number;
  longitude: number;
  hdop: number;
}

export interface SimulatedSignal {
  name: string;
  timestamp: number;
  value: number | string | SimulatedLocation;
}

export interface SimulatedEvent {
  name: string;
  timestamp: number;
  durationNs: number;
  /** JSON text. */
  metadata: string;
}

export interface SimulationStep {
  signals: SimulatedSignal[];
  events: SimulatedEvent[];
}

export interface VehicleStatus {
  mode: "driving" | "idling" | "parked" | "charging" | "refuelling";
  speedKmh: number;
  latitude: number;
  longitude: number;
  odometerKm: number;
  socPct?: number;
  fuelPct?: number;
}

export interface VehicleSimulation {
  readonly tokenId: number;
  readonly powertrainType: PowertrainType;
  readonly profile: DrivingProfile;
  readonly city: City;
  /** Everything before this has been returned by step(). */
  readonly cursor: number;
  /** The points with cursor ≤ timestamp < untilMs, ascending; moves the cursor to untilMs. */
  step(untilMs: number): SimulationStep;
  /** Every signal the vehicle reports, with its value at `atMs` (not before cursor − 1 h). */
  snapshot(atMs: number): SimulatedSignal[];
  status(atMs: number): VehicleStatus;
}

const FAST_MS = 5_000;
const MEDIUM_MS = 30_000;
const SLOW_MS = 120_000;
const HEARTBEAT_MS = 15 * 60_000;
const HOURLY_MS = 60 * 60_000;
const CHARGING_MS = 2 * 60_000;
const REFUEL_MS = 20_000;

// What to report at a sample time.
const FAST = 1;
const MEDIUM = 2;
const SLOW = 4;
const STATIC = 8;
const HEARTBEAT = 16;
const HOURLY = 32;
const CHARGE = 64;
const PLUG = 128;
const REFUEL = 256;
const LOCK = 512;
const DOOR = 1024;
const BELT = 2048;
const DRIVE_ALL = FAST | MEDIUM | SLOW | STATIC;
const PARKED_ALL = HEARTBEAT | HOURLY | STATIC | PLUG | LOCK | DOOR | BELT;

/** First t ≥ a with t ≡ offset (mod period). */
function alignUp(a: number, period: number, offset: number): number {
  return a + ((((offset - a) % period) + period) % period);
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

interface Kinematics {
  leg: Leg;
  /** Seconds since ignition on. */
  tau: number;
  s: number;
  v: number;
  a: number;
  latitude: number;
  longitude: number;
  heading: number;
  odometerKm: number;
  socPct: number;
  fuel: number;
}

class Emitter {
  readonly out: SimulatedSignal[] = [];
  private readonly seen = new Set<string>();
  private t = Number.NaN;

  at(t: number): void {
    if (t !== this.t) {
      this.t = t;
      this.seen.clear();
    }
  }

  put(name: string, value: number | string | SimulatedLocation): void {
    if (this.seen.has(name)) return;
    this.seen.add(name);
    this.out.push({ name, timestamp: this.t, value });
  }
}

class Simulation implements VehicleSimulation {
  readonly tokenId: number;
  readonly powertrainType: PowertrainType;
  readonly profile: DrivingProfile;
  readonly city: City;
  cursor: number;
  private readonly model: VehicleModel;
  private readonly seed: number;
  private readonly frame: LocalFrame;
  private readonly timeline: Timeline;
  private readonly offset: number;
  private readonly tyres: Array<{ nominal: number; leakPerDay: number; cycleDays: number; phase: number }>;

  constructor(options: VehicleSimulationOptions) {
    if (!Number.isInteger(options.tokenId) || options.tokenId < 1)
      throw new RangeError("tokenId must be a positive integer");
    const epoch = options.epoch ?? DEFAULT_EPOCH;
    if (!Number.isFinite(options.start) || options.start < epoch)
      throw new RangeError(`start must be a time on or after the epoch ${new Date(epoch).toISOString()}`);
    this.tokenId = options.tokenId;
    this.powertrainType = options.powertrainType;
    this.profile = options.profile ?? "commuter";
    this.city = resolveCity(options.city ?? DEFAULT_CITY);
    this.model = vehicleModel(options.powertrainType);
    const profileIndex = ["commuter", "rideshare", "taxi"].indexOf(this.profile);
    if (profileIndex < 0) throw new RangeError(`unknown driving profile ${this.profile}`);
    this.seed = hash(
      seedOf(options.seed),
      options.tokenId,
      ["BEV", "PHEV", "HEV", "ICE", "FCEV"].indexOf(options.powertrainType),
      profileIndex,
    );
    this.frame = new LocalFrame(this.city.latitude, this.city.longitude);
    this.timeline = new Timeline({
      seed: this.seed,
      city: this.city,
      area: {
        frame: this.frame,
        radiusM: this.city.radiusKm * 1000,
        gridAngle: unit(this.seed, 11) * (Math.PI / 2),
      },
      model: this.model,
      profile: this.profile,
      epoch,
    });
    this.offset = hash(this.seed, 12) % FAST_MS;
    const { front, rear } = this.model.tyreKpa;
    this.tyres = [front, front, rear, rear].map((nominal, i) => ({
      nominal,
      leakPerDay: 0.2 + 0.3 * unit(this.seed, 20, i),
      cycleDays: 28 + Math.floor(24 * unit(this.seed, 21, i)),
      phase: unit(this.seed, 22, i),
    }));
    this.cursor = options.start;
  }

  step(untilMs: number): SimulationStep {
    const from = this.cursor;
    const to = Math.max(from, Math.floor(untilMs));
    const emitter = new Emitter();
    const events: SimulatedEvent[] = [];
    if (to > from) {
      for (const segment of this.timeline.between(from, to)) {
        const a = Math.max(from, segment.start);
        const b = Math.min(to, segment.end);
        if (segment.kind === "drive") {
          this.sampleDrive(segment, a, b, emitter);
          this.collectEvents(segment, a, b, events);
        } else {
          this.sampleParked(segment, a, b, emitter);
        }
      }
    }
    this.cursor = to;
    return { signals: emitter.out, events };
  }

  snapshot(atMs: number): SimulatedSignal[] {
    const t = Math.floor(atMs);
    const emitter = new Emitter();
    const segment = this.segmentAt(t);
    emitter.at(t);
    if (segment.kind === "drive") this.emitDrive(segment, t, DRIVE_ALL, emitter);
    else
      this.emitParked(
        segment,
        t,
        PARKED_ALL | (segment.charging ? CHARGE : 0) | (segment.refuel ? REFUEL : 0),
        emitter,
      );
    return emitter.out;
  }

  status(atMs: number): VehicleStatus {
    const t = Math.floor(atMs);
    const segment = this.segmentAt(t);
    const fuel = this.model.fuel;
    if (segment.kind === "drive") {
      const k = this.kinematics(segment, t);
      return {
        mode: k.v > 0 ? "driving" : "idling",
        speedKmh: r1(k.v * 3.6),
        latitude: r6(k.latitude),
        longitude: r6(k.longitude),
        odometerKm: r3(k.odometerKm),
        ...(this.model.battery ? { socPct: r2(k.socPct) } : {}),
        ...(fuel ? { fuelPct: r2((k.fuel / fuel.tank) * 100) } : {}),
      };
    }
    const charging = this.isCharging(segment.charging, t);
    const refuelling = segment.refuel !== undefined && segment.refuel.start <= t && t < segment.refuel.end;
    return {
      mode: charging ? "charging" : refuelling ? "refuelling" : "parked",
      speedKmh: 0,
      latitude: r6(segment.place.latitude),
      longitude: r6(segment.place.longitude),
      odometerKm: r3(segment.state.odometerKm),
      ...(this.model.battery ? { socPct: r2(this.parkedSoc(segment, t)) } : {}),
      ...(fuel ? { fuelPct: r2((this.parkedFuel(segment, t) / fuel.tank) * 100) } : {}),
    };
  }

  private segmentAt(t: number): Segment {
    if (t < this.cursor - HOURLY_MS)
      throw new RangeError("that time is more than an hour before the simulation's cursor");
    const found = this.timeline
      .between(Math.min(t, this.cursor), t + 1)
      .find((s) => s.start <= t && t < s.end);
    if (!found) throw new RangeError(`no timeline segment at ${new Date(t).toISOString()}`);
    return found;
  }

  // ---- driving ----

  private sampleDrive(segment: DriveSegment, a: number, b: number, emitter: Emitter): void {
    if (a === segment.start) {
      emitter.at(a);
      this.emitDrive(segment, a, DRIVE_ALL, emitter);
    }
    for (let t = alignUp(a, FAST_MS, this.offset); t < b; t += FAST_MS) {
      let mask = FAST;
      if ((t - this.offset) % MEDIUM_MS === 0) mask |= MEDIUM;
      if ((t - this.offset) % SLOW_MS === 0) mask |= SLOW;
      emitter.at(t);
      this.emitDrive(segment, t, mask, emitter);
    }
  }

  private collectEvents(segment: DriveSegment, a: number, b: number, out: SimulatedEvent[]): void {
    for (const leg of segment.legs) {
      for (const e of leg.motion.events) {
        const timestamp = segment.start + Math.round((leg.start + e.t) * 1000);
        if (timestamp < a || timestamp >= b) continue;
        out.push({
          name: e.name,
          timestamp,
          durationNs: Math.round(e.durationS * 1e9),
          metadata: JSON.stringify(e.metadata),
        });
      }
    }
  }

  private kinematics(segment: DriveSegment, t: number): Kinematics {
    const tau = (t - segment.start) / 1000;
    const legs = segment.legs;
    let i = 0;
    while (i + 1 < legs.length && legs[i + 1]!.start <= tau) i++;
    const leg = legs[i]!;
    const m = tau < leg.start ? { s: 0, v: 0, a: 0 } : motionAt(leg.motion, tau - leg.start);
    const p = positionAt(leg.route, m.s);
    // Reported distance: route metres times the day's scale (see timeline.ts).
    const odometerKm = segment.state.odometerKm + ((leg.offsetM + m.s) * leg.scale) / 1000;
    const energy = legEnergy(this.model, leg, m.s);
    const battery = this.model.battery;
    const socPct = !battery ? 0 : battery.acMaxKw > 0 ? energy.socPct : hybridSocPct(odometerKm);
    return { leg, tau, s: m.s, v: m.v, a: m.a, ...p, odometerKm, socPct, fuel: Math.max(0, energy.fuel) };
  }

  private emitDrive(segment: DriveSegment, t: number, mask: number, e: Emitter): void {
    const k = this.kinematics(segment, t);
    const model = this.model;
    const battery = model.battery;
    const fuel = model.fuel;
    const kmh = k.v * 3.6;
    const noise = (salt: number) => unit(this.seed, salt, t) - 0.5;
    const ambient = exteriorTemperature(this.city, t);
    const engineOn = this.engineOn(k);
    const fuelRate = this.fuelRate(k, engineOn);
    if (mask & FAST) {
      e.put("speed", k.v > 0.01 ? r1(Math.max(0, kmh + noise(1) * 0.8)) : 0);
      e.put(
        "currentLocationCoordinates",
        this.location(k.latitude, k.longitude, 0.6 + 0.7 * unit(this.seed, 2, t)),
      );
    }
    if (mask & MEDIUM) {
      e.put("currentLocationHeading", r1(normalizeDeg(k.heading)) % 360);
      e.put("powertrainTransmissionTravelledDistance", r3(k.odometerKm));
      e.put("currentLocationAltitude", r1(altitudeAt(this.city, this.frame, k.latitude, k.longitude)));
      e.put("angularVelocityYaw", r2(this.yawRate(k)));
      e.put("chassisBrakeIsPedalPressed", k.a < -0.6 || k.v === 0 ? 1 : 0);
      if (model.engine) {
        e.put(
          "powertrainCombustionEngineSpeed",
          Math.round(this.engineRpm(k, engineOn) + (engineOn ? noise(3) * 30 : 0)),
        );
        e.put("obdFuelRate", r2(fuelRate));
        e.put("obdThrottlePosition", r1(this.throttle(k, engineOn)));
        e.put("obdEngineLoad", r1(engineOn ? clamp(20 + Math.max(0, k.a) * 22 + kmh * 0.25, 0, 100) : 0));
        // Hybrids report the coolant while the engine runs.
        if (engineOn || model.powertrain === "ICE")
          e.put("powertrainCombustionEngineECT", r1(coolantWhileRunning(segment.state.coolantC, k.tau)));
      }
      if (model.gears) e.put("powertrainTransmissionCurrentGear", this.gear(kmh));
      if (battery) {
        e.put("powertrainTractionBatteryStateOfChargeCurrent", r2(clamp(k.socPct, 0, 100)));
        e.put("powertrainTractionBatteryCurrentPower", Math.round(this.batteryPowerW(k, engineOn)));
      }
      if (fuel) e.put("powertrainFuelSystemRelativeLevel", r2(clamp((k.fuel / fuel.tank) * 100, 0, 100)));
    }
    if (mask & SLOW) {
      e.put("isIgnitionOn", 1);
      e.put("exteriorAirTemperature", r1(ambient));
      e.put("lowVoltageBatteryCurrentVoltage", r2((model.engine ? 14.1 : 14.3) + noise(4) * 0.2));
      const warmth = 1 - (1 - segment.state.tyreWarmth) * (1 - tyreWarmthWhileDriving(k.tau));
      this.emitTyres(t, ambient, warmth, e);
      e.put("powertrainRange", r1(this.range(k.socPct, k.fuel)));
      if (battery) {
        e.put(
          "powertrainTractionBatteryStateOfChargeCurrentEnergy",
          r2((battery.usableKWh * clamp(k.socPct, 0, 100)) / 100),
        );
        e.put(
          "powertrainTractionBatteryTemperatureAverage",
          r1(0.35 * ambient + 14.3 + 4 * (1 - Math.exp(-k.tau / 1200))),
        );
        e.put("powertrainTractionBatteryCurrentVoltage", r1(this.packVoltage(k.socPct) - (k.a > 0 ? 6 : 0)));
        if (battery.acMaxKw > 0) e.put("powertrainTractionBatteryRange", r1(this.evRange(k.socPct)));
      }
      if (fuel) {
        if (model.powertrain !== "FCEV") e.put("powertrainFuelSystemAbsoluteLevel", r2(k.fuel));
        e.put(
          "powertrainFuelSystemAccumulatedConsumption",
          r2(segment.state.fuelUsed + (segment.state.fuel - k.fuel)),
        );
      }
      if (model.engine) {
        e.put("obdRunTime", Math.round(k.tau));
        e.put(
          "powertrainCombustionEngineEOT",
          r1(95 - (95 - segment.state.coolantC) * Math.exp(-k.tau / 600)),
        );
        e.put("obdIntakeTemp", r1(ambient + (kmh < 10 ? 12 : 4)));
        e.put("obdBarometricPressure", r1(101.325 * Math.exp(-this.city.altitudeM / 8430)));
        e.put("powertrainCombustionEngineMAF", r2(fuelRate * 3.1));
      }
      e.put("serviceDistanceToService", r1(15000 - (k.odometerKm % 15000)));
      e.put("bodyLockIsLocked", 1);
      e.put("chassisParkingBrakeIsEngaged", 0);
    }
    if (mask & STATIC) this.emitStatic(t, e, true);
  }

  private engineOn(k: Kinematics): boolean {
    const model = this.model;
    if (!model.engine) return false;
    if (model.powertrain === "ICE") return true;
    const kmh = k.v * 3.6;
    if (model.powertrain === "PHEV") return k.s > k.leg.evMetres || kmh > 110;
    return kmh > 50 || k.a > 1.2 || k.socPct < 45;
  }

  private engineRpm(k: Kinematics, engineOn: boolean): number {
    if (!engineOn) return 0;
    const kmh = k.v * 3.6;
    if (this.model.powertrain !== "ICE") return 1100 + kmh * 14 + Math.max(0, k.a) * 300;
    if (kmh < 1) return 750;
    const ratio = [130, 75, 52, 40, 32, 26][this.gear(kmh) - 1]!;
    return Math.max(800, kmh * ratio * (1 + Math.max(0, k.a) * 0.08));
  }

  private gear(kmh: number): number {
    const limits = [18, 32, 50, 70, 95];
    let g = 1;
    for (const limit of limits) if (kmh >= limit) g++;
    return g;
  }

  private throttle(k: Kinematics, engineOn: boolean): number {
    if (!engineOn || k.v === 0) return 0;
    const kmh = k.v * 3.6;
    if (k.a > 0.1) return clamp(14 + k.a * 16 + kmh * 0.12, 0, 100);
    if (k.a < -0.3) return 0;
    return clamp(8 + kmh * 0.1, 0, 100);
  }

  private fuelRate(k: Kinematics, engineOn: boolean): number {
    const fuel = this.model.fuel;
    if (!fuel) return 0;
    if (this.model.powertrain === "FCEV") return 0;
    if (!engineOn) return 0;
    if (k.v === 0) return fuel.idlePerHour;
    if (k.a < -0.4) return 0.1;
    return k.v * 3.6 * k.leg.fuelPerM * 1000 * (1 + 0.8 * Math.max(0, k.a));
  }

  private batteryPowerW(k: Kinematics, engineOn: boolean): number {
    const wheel =
      this.model.massKg * k.a * k.v + 0.5 * 1.2 * 0.58 * k.v ** 3 + 0.011 * this.model.massKg * 9.81 * k.v;
    const electric = wheel > 0 ? wheel / 0.9 : wheel * 0.6;
    const share = this.model.battery!.acMaxKw > 0 && !engineOn ? 1 : 0.3;
    return -(electric * share + 350);
  }

  private yawRate(k: Kinematics): number {
    if (k.v < 0.5) return 0;
    const d = Math.max(1, k.v);
    const before = positionAt(k.leg.route, Math.max(0, k.s - d)).heading;
    const after = positionAt(k.leg.route, Math.min(k.leg.route.length, k.s + d)).heading;
    // ISO 8855: positive yaw turns left (counter-clockwise seen from above); headings turn clockwise.
    return -angleDiffDeg(before, after) / ((2 * d) / k.v);
  }

  private packVoltage(socPct: number): number {
    return this.model.battery!.nominalVoltage * (0.9 + 0.002 * clamp(socPct, 0, 100));
  }

  private evRange(socPct: number): number {
    const battery = this.model.battery!;
    const kWh = (battery.usableKWh * (clamp(socPct, 0, 100) - battery.sustainPct)) / 100;
    return Math.max(0, kWh / (battery.kWhPerKm.city * 1.1));
  }

  private range(socPct: number, fuelLeft: number): number {
    const model = this.model;
    let km = 0;
    if (model.battery && model.battery.acMaxKw > 0) km += this.evRange(socPct);
    if (model.fuel) km += fuelLeft / ((model.fuel.perKm.city + model.fuel.perKm.fast) / 2);
    return Math.max(0, km);
  }

  private location(latitude: number, longitude: number, hdop: number): SimulatedLocation {
    return { latitude: r6(latitude), longitude: r6(longitude), hdop: r1(hdop) };
  }

  private emitTyres(t: number, ambient: number, warmth: number, e: Emitter): void {
    const names = [
      "chassisAxleRow1WheelLeftTirePressure",
      "chassisAxleRow1WheelRightTirePressure",
      "chassisAxleRow2WheelLeftTirePressure",
      "chassisAxleRow2WheelRightTirePressure",
    ];
    this.tyres.forEach((tyre, i) => {
      // A slow leak, topped up at the filling station every few weeks; warmer air, higher pressure.
      const days = t / 86_400_000 + tyre.phase * tyre.cycleDays;
      const sinceInflation = days - Math.floor(days / tyre.cycleDays) * tyre.cycleDays;
      const kpa = tyre.nominal - tyre.leakPerDay * sinceInflation + 0.33 * (ambient - 15) + 16 * warmth;
      e.put(names[i]!, r1(kpa));
    });
  }

  private emitStatic(t: number, e: Emitter, driving: boolean): void {
    const model = this.model;
    e.put("powertrainType", model.powertrainTypeValue);
    if (model.fuel) e.put("powertrainFuelSystemSupportedFuelTypes", model.fuel.fuelType);
    if (model.battery) {
      e.put("powertrainTractionBatteryGrossCapacity", model.battery.grossKWh);
      e.put("powertrainTractionBatteryStateOfHealth", model.battery.stateOfHealthPct);
    }
    const year = 365 * 86_400_000;
    e.put("serviceTimeToService", Math.round((year - ((t - this.timeline.epoch) % year)) / 1000));
    if (driving) e.put("cabinSeatRow1DriverSideIsBelted", 1);
  }

  // ---- parked ----

  private sampleParked(segment: ParkedSegment, a: number, b: number, emitter: Emitter): void {
    const times: Array<[number, number]> = [];
    const add = (t: number, mask: number) => {
      if (t >= a && t < b && t >= segment.start && t < segment.end) times.push([t, mask]);
    };
    const grid = (period: number, mask: number, from: number, to: number) => {
      for (let t = alignUp(Math.max(a, from), period, this.offset); t < Math.min(b, to); t += period)
        times.push([t, mask]);
    };
    const { start, end } = segment;
    const duration = end - start;
    add(start, HEARTBEAT | HOURLY);
    grid(HEARTBEAT_MS, HEARTBEAT, start, end);
    grid(HOURLY_MS, HOURLY, start, end);
    if (duration >= 60_000) {
      add(start + 2_000, BELT);
      add(end - 8_000, BELT);
    }
    if (duration >= 120_000)
      for (const t of [start + 4_000, start + 10_000, end - 45_000, end - 38_000]) add(t, DOOR);
    if (duration >= 180_000) {
      add(start + 45_000, LOCK);
      add(end - 60_000, LOCK);
    }
    const c = segment.charging;
    if (c) {
      for (const t of [c.plugIn, c.start, c.end, c.unplug]) add(t, PLUG);
      grid(CHARGING_MS, CHARGE, c.start, c.end);
    }
    const f = segment.refuel;
    if (f) {
      add(f.start, REFUEL);
      add(f.end, REFUEL);
      grid(REFUEL_MS, REFUEL, f.start, f.end);
    }
    times.sort((x, y) => x[0] - y[0]);
    for (let i = 0; i < times.length; ) {
      const t = times[i]![0];
      let mask = 0;
      while (i < times.length && times[i]![0] === t) mask |= times[i++]![1];
      emitter.at(t);
      this.emitParked(segment, t, mask, emitter);
    }
  }

  private isCharging(c: Charging | undefined, t: number): boolean {
    return c !== undefined && c.start < c.end && c.start <= t && t < c.end;
  }

  private parkedSoc(segment: ParkedSegment, t: number): number {
    const c = segment.charging;
    if (!c || t < c.start) return segment.state.socPct;
    return Math.min(
      c.limitPct,
      Math.max(c.startSocPct, c.startSocPct + c.rate * (Math.min(t, c.end) - c.start)),
    );
  }

  private parkedFuel(segment: ParkedSegment, t: number): number {
    const f = segment.refuel;
    if (!f || t < f.start) return segment.state.fuel;
    if (t >= f.end) return f.to;
    return f.from + ((f.to - f.from) * (t - f.start)) / (f.end - f.start);
  }

  private emitParked(segment: ParkedSegment, t: number, mask: number, e: Emitter): void {
    const model = this.model;
    const battery = model.battery;
    const fuel = model.fuel;
    const c = segment.charging;
    const charging = this.isCharging(c, t);
    const connected = c !== undefined && c.plugIn <= t && t < c.unplug;
    const soc = this.parkedSoc(segment, t);
    const fuelLeft = this.parkedFuel(segment, t);
    const ambient = exteriorTemperature(this.city, t);
    const noise = (salt: number) => unit(this.seed, salt, t) - 0.5;
    const parkedMs = t - segment.start;
    const duration = segment.end - segment.start;
    const plugIn = battery !== undefined && battery.acMaxKw > 0;
    const socPut = () => {
      if (battery) e.put("powertrainTractionBatteryStateOfChargeCurrent", r2(clamp(soc, 0, 100)));
    };
    const chargingValues = () => {
      if (!plugIn) return;
      e.put("powertrainTractionBatteryChargingIsChargingCableConnected", connected ? 1 : 0);
      e.put("powertrainTractionBatteryChargingIsCharging", charging ? 1 : 0);
      e.put(
        "powertrainTractionBatteryChargingPower",
        charging && c ? r2(c.powerKw * (0.97 + 0.03 * unit(this.seed, 5, t))) : 0,
      );
      e.put("powertrainTractionBatteryChargingChargeCurrentAC", charging && c ? r1(c.currentA) : 0);
      e.put(
        "powertrainTractionBatteryChargingChargeVoltageUnknownType",
        connected && c ? r1(c.voltage + noise(6) * 4) : 0,
      );
      const added = c && t >= c.start ? (c.powerKw * 0.9 * (Math.min(t, c.end) - c.start)) / 3_600_000 : 0;
      e.put("powertrainTractionBatteryChargingAddedEnergy", r2(Math.max(0, added)));
      e.put("powertrainTractionBatteryCurrentPower", charging && c ? Math.round(c.powerKw * 930) : -30);
    };
    const ranges = () => {
      e.put("powertrainRange", r1(this.range(soc, fuelLeft)));
      if (plugIn) e.put("powertrainTractionBatteryRange", r1(this.evRange(soc)));
    };
    if (mask & HEARTBEAT) {
      e.put("isIgnitionOn", 0);
      e.put("speed", 0);
      const volts = charging ? 13.6 : 12.62 - 0.25 * (1 - Math.exp(-parkedMs / (30 * HOURLY_MS)));
      e.put("lowVoltageBatteryCurrentVoltage", r2(volts + noise(4) * 0.04));
      e.put("exteriorAirTemperature", r1(ambient));
      e.put("bodyLockIsLocked", this.locked(segment, t) ? 1 : 0);
      socPut();
      if (plugIn) {
        e.put("powertrainTractionBatteryChargingIsChargingCableConnected", connected ? 1 : 0);
        e.put("powertrainTractionBatteryChargingIsCharging", charging ? 1 : 0);
      }
      if (fuel) e.put("powertrainFuelSystemRelativeLevel", r2((fuelLeft / fuel.tank) * 100));
      ranges();
    }
    if (mask & HOURLY) {
      e.put(
        "currentLocationCoordinates",
        this.location(segment.place.latitude, segment.place.longitude, 1 + 1.6 * unit(this.seed, 2, t)),
      );
      e.put("currentLocationHeading", r1(normalizeDeg(segment.heading)) % 360);
      e.put(
        "currentLocationAltitude",
        r1(altitudeAt(this.city, this.frame, segment.place.latitude, segment.place.longitude)),
      );
      e.put("powertrainTransmissionTravelledDistance", r3(segment.state.odometerKm));
      e.put("chassisParkingBrakeIsEngaged", 1);
      this.emitTyres(t, ambient, tyreWarmthWhileParked(segment.state.tyreWarmth, parkedMs), e);
      if (battery) {
        e.put(
          "powertrainTractionBatteryStateOfChargeCurrentEnergy",
          r2((battery.usableKWh * clamp(soc, 0, 100)) / 100),
        );
        e.put("powertrainTractionBatteryTemperatureAverage", r1(0.6 * ambient + 8.8 + (charging ? 5 : 0)));
      }
      if (fuel && model.powertrain !== "FCEV") e.put("powertrainFuelSystemAbsoluteLevel", r2(fuelLeft));
    }
    if (mask & CHARGE) {
      socPut();
      chargingValues();
      ranges();
      if (battery)
        e.put(
          "powertrainTractionBatteryStateOfChargeCurrentEnergy",
          r2((battery.usableKWh * clamp(soc, 0, 100)) / 100),
        );
      e.put("lowVoltageBatteryCurrentVoltage", r2(13.6 + noise(4) * 0.04));
    }
    if (mask & PLUG) {
      socPut();
      chargingValues();
      if (plugIn && c) e.put("powertrainTractionBatteryChargingChargeLimit", c.limitPct);
    }
    if (mask & REFUEL && fuel) {
      e.put("powertrainFuelSystemRelativeLevel", r2((fuelLeft / fuel.tank) * 100));
      if (model.powertrain !== "FCEV") e.put("powertrainFuelSystemAbsoluteLevel", r2(fuelLeft));
      ranges();
    }
    if (mask & LOCK) e.put("bodyLockIsLocked", this.locked(segment, t) ? 1 : 0);
    if (mask & DOOR) {
      const open =
        duration >= 120_000 &&
        ((parkedMs >= 4_000 && parkedMs < 10_000) || (segment.end - t <= 45_000 && segment.end - t > 38_000));
      e.put("cabinDoorRow1DriverSideIsOpen", open ? 1 : 0);
    }
    if (mask & BELT)
      e.put("cabinSeatRow1DriverSideIsBelted", parkedMs < 2_000 || segment.end - t <= 8_000 ? 1 : 0);
    if (mask & STATIC) {
      this.emitStatic(t, e, false);
      if (plugIn)
        e.put(
          "powertrainTractionBatteryChargingChargeLimit",
          c ? c.limitPct : model.fuel ? 100 : this.profile === "commuter" ? 80 : 90,
        );
    }
  }

  private locked(segment: ParkedSegment, t: number): boolean {
    return segment.end - segment.start >= 180_000 && t >= segment.start + 45_000 && t < segment.end - 60_000;
  }
}

export function createVehicleSimulation(options: VehicleSimulationOptions): VehicleSimulation {
  return new Simulation(options);
}
