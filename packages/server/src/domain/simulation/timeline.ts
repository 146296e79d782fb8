import { type City, dayStart, exteriorTemperature, localDay, weekday } from "./city.ts";
import { bearingDeg, type LatLng } from "./geodesy.ts";
import { type DriverStyle, type MotionPlan, planMotion } from "./motion.ts";
import { hash, Rng, unit } from "./random.ts";
import { buildRoute, type Point, type Route, type RouteArea } from "./routes.ts";
import type { VehicleModel } from "./vehicle-model.ts";

/**
 * A vehicle's life as a timeline of segments: parked (maybe charging or refuelling) and driving
 * sessions (ignition on, one or more legs with short stops between).
 *
 * The timeline is one fixed function of time, so that where a simulation starts or how it is
 * stepped changes nothing about what happens when. To keep that cheap at any distance from the
 * epoch, each day has a reset point (03:00, or 11:00 for the night taxi) at which the vehicle is
 * parked at its base with a state that follows from a cheap recurrence over the days before: the
 * odometer grows by the day's planned distance, plug-ins have charged to their limit overnight, and
 * the tank level follows the planned consumption and refuels. Only the days being looked at are
 * simulated in detail (routes, speed profiles); their distances and energy are scaled by a few
 * percent so that the detailed day ends exactly in the next day's reset state.
 */

/** How a vehicle is used. */
export type DrivingProfile = "commuter" | "rideshare" | "taxi";
export const DRIVING_PROFILES: readonly DrivingProfile[] = ["commuter", "rideshare", "taxi"];

export type PlaceKind = "home" | "work" | "shop" | "leisure" | "far" | "station" | "street";

export interface Place extends Point, LatLng {
  kind: PlaceKind;
}

/** The quantities carried from segment to segment. */
export interface VehicleState {
  odometerKm: number;
  /** Traction battery state of charge, % (0 without a battery). */
  socPct: number;
  /** Fuel in the tank, litres (kg of hydrogen). */
  fuel: number;
  /** Lifetime fuel used. */
  fuelUsed: number;
  /** Engine coolant temperature, °C. */
  coolantC: number;
  /** How warm the tyres are from driving, 0…1. */
  tyreWarmth: number;
}

export interface Leg {
  route: Route;
  motion: MotionPlan;
  /** Motion start and standstill at the destination, seconds after the session start. */
  start: number;
  end: number;
  /** Route metres driven in the session before this leg. */
  offsetM: number;
  /** Reported distance per route metre (the day's scale, about 1). */
  scale: number;
  /** Battery charge and fuel at the leg's start. */
  socPct: number;
  fuel: number;
  /** Energy per reported metre. */
  kWhPerM: number;
  fuelPerM: number;
  /** PHEV: reported metres the battery covers from the leg's start before the engine takes over; BEV: Infinity. */
  evMetres: number;
  to: Place;
}

export interface DriveSegment {
  kind: "drive";
  /** Ignition on … ignition off (unix ms). */
  start: number;
  end: number;
  legs: Leg[];
  from: Place;
  state: VehicleState;
  endState: VehicleState;
}

export interface Charging {
  plugIn: number;
  start: number;
  end: number;
  unplug: number;
  powerKw: number;
  voltage: number;
  currentA: number;
  limitPct: number;
  startSocPct: number;
  /** % per ms while charging. */
  rate: number;
}

export interface Refuel {
  start: number;
  end: number;
  from: number;
  to: number;
}

export interface ParkedSegment {
  kind: "parked";
  start: number;
  end: number;
  place: Place;
  heading: number;
  state: VehicleState;
  endState: VehicleState;
  charging?: Charging;
  refuel?: Refuel;
}

export type Segment = DriveSegment | ParkedSegment;

export interface TimelineOptions {
  seed: number;
  city: City;
  area: RouteArea;
  model: VehicleModel;
  profile: DrivingProfile;
  epoch: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MIN_PARK_MS = 3 * MINUTE;

interface Places {
  home: Place;
  work: Place;
  shops: Place[];
  leisure: Place[];
  far: Place[];
  stations: Place[];
}

/** A trip to a place, leaving at a time or a while after arriving from the previous one. */
interface TripIntent {
  kind: "trip";
  to: Place;
  at?: number;
  dwellMs?: number;
}

/** Back-to-back rides (pickup, ride, pickup, …) until a time, then back to the base. */
interface ShiftIntent {
  kind: "shift";
  at?: number;
  dwellMs?: number;
  until: number;
  rides: Array<{ to: Place; dwellS: number }>;
  base: Place;
}

interface DayPlan {
  day: number;
  /** The day's reset instant, and the next day's. */
  reset: number;
  nextReset: number;
  intents: Array<TripIntent | ShiftIntent>;
  /** Refuel on the way to the first trip (commuters, tank below 20 %), to this level. */
  refuelFirstTo?: number;
  /** The day's reported distance, m. */
  distanceM: number;
  /** Energy per reported metre (the day's temperature decides). */
  kWhPerM: number;
  fuelPerM: number;
}

interface DayDetail {
  segments: Segment[];
}

/** Coolant temperature after `seconds` of running from `fromC`. */
export function coolantWhileRunning(fromC: number, seconds: number): number {
  return 90 - (90 - fromC) * Math.exp(-seconds / 280);
}

/** Coolant temperature after `ms` parked, relaxing towards the air temperature. */
export function coolantWhileParked(fromC: number, ambientC: number, ms: number): number {
  return ambientC + (fromC - ambientC) * Math.exp(-ms / (90 * MINUTE));
}

export function tyreWarmthWhileDriving(seconds: number): number {
  return 1 - Math.exp(-seconds / 900);
}

export function tyreWarmthWhileParked(from: number, ms: number): number {
  return from * Math.exp(-ms / (40 * MINUTE));
}

/** Charge-sustaining hybrids: the small battery wanders between about 42 and 68 % with the distance driven. */
export function hybridSocPct(odometerKm: number): number {
  const m = odometerKm * 1000;
  return 55 + 9 * Math.sin(m / 2300) + 4 * Math.sin(m / 700 + 1);
}

/** Battery charge and fuel `s` route metres into a leg. */
export function legEnergy(model: VehicleModel, leg: Leg, s: number): { socPct: number; fuel: number } {
  const d = s * leg.scale;
  const battery = model.battery;
  if (battery && battery.acMaxKw > 0) {
    const ev = Math.min(d, leg.evMetres);
    const socPct = leg.socPct - ((ev * leg.kWhPerM) / battery.usableKWh) * 100;
    const fuel = leg.fuel - Math.max(0, d - ev) * leg.fuelPerM;
    return { socPct, fuel };
  }
  return { socPct: leg.socPct, fuel: leg.fuel - d * leg.fuelPerM };
}

function manhattan(area: RouteArea, from: Point, to: Point): number {
  const c = Math.cos(area.gridAngle);
  const s = Math.sin(area.gridAngle);
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  return Math.abs(dx * c + dy * s) + Math.abs(-dx * s + dy * c);
}

export class Timeline {
  private readonly places: Places;
  private readonly driver: DriverStyle;
  private readonly baseHeading: number;
  /** States at the reset points, from the epoch's day on (the cheap recurrence). */
  private readonly states: VehicleState[] = [];
  private readonly firstDay: number;
  private readonly details = new Map<number, DayDetail>();
  private readonly resetHour: number;

  constructor(private readonly options: TimelineOptions) {
    const { seed, model, profile, epoch } = options;
    const rng = new Rng(hash(seed, 0x9e3779b9));
    this.places = this.makePlaces(rng);
    const aggressive = profile === "commuter" ? rng.between(0.6, 1.8) : rng.between(0.8, 1.4);
    this.driver = {
      speedFactor: rng.between(0.93, 1.06),
      accel: rng.between(1.3, 2.1),
      decel: rng.between(1.8, 2.6),
      harshChance: 0.005 * aggressive,
      maxRedLightS: profile === "commuter" ? 55 : 40,
    };
    this.baseHeading = rng.between(0, 360);
    this.resetHour = profile === "taxi" ? 11 : 3;
    this.firstDay = this.dayOf(epoch);
    const odometerKm = profile === "commuter" ? rng.between(6000, 40000) : rng.between(20000, 60000);
    this.states.push({
      odometerKm,
      socPct: this.resetSoc(odometerKm),
      fuel: model.fuel ? model.fuel.tank * rng.between(0.45, 0.9) : 0,
      fuelUsed: model.fuel ? odometerKm * 0.07 : 0,
      coolantC: exteriorTemperature(options.city, this.resetTime(this.firstDay)),
      tyreWarmth: 0,
    });
  }

  get epoch(): number {
    return this.options.epoch;
  }

  /** The segments overlapping [from, to), ascending. */
  between(from: number, to: number): Segment[] {
    const d0 = this.dayOf(from);
    const d1 = this.dayOf(Math.max(from, to - 1));
    for (const day of this.details.keys()) if (day < d0 - 1) this.details.delete(day);
    const out: Segment[] = [];
    for (let d = d0; d <= d1 + 1; d++) {
      const before = this.detail(d - 1).segments;
      const own = this.detail(d).segments;
      out.push(this.mergeOvernight(before[before.length - 1] as ParkedSegment, own[0] as ParkedSegment));
      if (d <= d1) for (let i = 1; i < own.length - 1; i++) out.push(own[i]!);
    }
    return out.filter((s) => s.end > from && s.start < to);
  }

  // ---- days ----

  private dayOf(t: number): number {
    return localDay(this.options.city, t - this.resetHour * HOUR);
  }

  private resetTime(day: number): number {
    return dayStart(this.options.city, day) + this.resetHour * HOUR;
  }

  private resetSoc(odometerKm: number): number {
    const model = this.options.model;
    const battery = model.battery;
    if (!battery) return 0;
    if (battery.acMaxKw === 0) return hybridSocPct(odometerKm);
    return this.chargeLimit();
  }

  private chargeLimit(): number {
    if (this.options.model.fuel !== undefined) return 100;
    return this.options.profile === "commuter" ? 80 : 90;
  }

  /** The fleet vehicles fill up at the depot every day: the level they start the next day with. */
  private depotFuel(day: number): number {
    return this.options.model.fuel!.tank * (0.97 + 0.03 * unit(this.options.seed, day, 0xf0e1));
  }

  private fleet(): boolean {
    return this.options.profile !== "commuter";
  }

  /** The state at a day's reset point. */
  private stateAt(day: number): VehicleState {
    if (day < this.firstDay) return this.states[0]!;
    while (this.states.length <= day - this.firstDay) {
      const d = this.firstDay + this.states.length - 1;
      const s = this.states[this.states.length - 1]!;
      const plan = this.plan(d, s);
      const odometerKm = s.odometerKm + plan.distanceM / 1000;
      const model = this.options.model;
      let fuel = 0;
      let used = 0;
      if (model.fuel) {
        used = this.fuelUsed(plan, plan.distanceM);
        fuel = this.fleet() ? this.depotFuel(d + 1) : Math.max(0, (plan.refuelFirstTo ?? s.fuel) - used);
      }
      this.states.push({
        odometerKm,
        socPct: this.resetSoc(odometerKm),
        fuel,
        fuelUsed: s.fuelUsed + used,
        coolantC: exteriorTemperature(this.options.city, this.resetTime(d + 1)),
        tyreWarmth: 0,
      });
    }
    return this.states[day - this.firstDay]!;
  }

  /** Fuel used over a day's first `metres` reported metres (plug-in hybrids start each day full). */
  private fuelUsed(plan: DayPlan, metres: number): number {
    const battery = this.options.model.battery;
    if (battery && battery.acMaxKw > 0) {
      const ev = (((this.chargeLimit() - battery.sustainPct) / 100) * battery.usableKWh) / plan.kWhPerM;
      return Math.max(0, metres - ev) * plan.fuelPerM;
    }
    return metres * plan.fuelPerM;
  }

  private detail(day: number): DayDetail {
    let detail = this.details.get(day);
    if (!detail) {
      detail = this.simulateDay(this.plan(day, this.stateAt(day)), this.stateAt(day), this.stateAt(day + 1));
      this.details.set(day, detail);
    }
    return detail;
  }

  /** The night (or depot stay) across a reset point: the day before's last stop and the day's first. */
  private mergeOvernight(before: ParkedSegment, after: ParkedSegment): ParkedSegment {
    const merged: ParkedSegment = { ...before, end: after.end, endState: after.endState };
    if (before.charging) merged.charging = { ...before.charging, unplug: after.end - 120_000 };
    return merged;
  }

  // ---- planning (cheap: no routes) ----

  private makePlaces(rng: Rng): Places {
    const { area } = this.options;
    const R = area.radiusM;
    const at = (kind: PlaceKind, minR: number, maxR: number, near?: Point, within?: number): Place => {
      for (let i = 0; ; i++) {
        let x: number;
        let y: number;
        if (near && within) {
          const r = within * Math.sqrt(rng.between(0.05, 1));
          const a = rng.between(0, 2 * Math.PI);
          x = near.x + r * Math.cos(a);
          y = near.y + r * Math.sin(a);
        } else {
          const r = R * Math.sqrt(rng.between(minR ** 2, maxR ** 2));
          const a = rng.between(0, 2 * Math.PI);
          x = r * Math.cos(a);
          y = r * Math.sin(a);
        }
        if (Math.hypot(x, y) <= R * 0.92 || i > 20) return this.place(kind, x, y);
      }
    };
    const home = at("home", 0.25, 0.8);
    let work = at("work", 0, 0.5);
    for (let i = 0; i < 10 && Math.hypot(work.x - home.x, work.y - home.y) < 3000; i++)
      work = at("work", 0, 0.5);
    return {
      home,
      work,
      shops: [at("shop", 0, 0, home, 2500), at("shop", 0, 0, home, 3000), at("shop", 0, 0, work, 1500)],
      leisure: [at("leisure", 0.1, 0.9), at("leisure", 0.1, 0.9), at("leisure", 0.1, 0.9)],
      far: [at("far", 0.8, 0.95), at("far", 0.8, 0.95)],
      stations: [at("station", 0, 0, home, 1500), at("station", 0, 0, work, 1500), at("station", 0.1, 0.6)],
    };
  }

  private place(kind: PlaceKind, x: number, y: number): Place {
    const p = this.options.area.frame.toLatLng(x, y);
    return { kind, x, y, latitude: p.latitude, longitude: p.longitude };
  }

  /** A point `min`…`max` metres from `from`, inside the city. */
  private somewhere(rng: Rng, from: Point, min: number, max: number): Place {
    const R = this.options.area.radiusM * 0.9;
    for (let i = 0; i < 12; i++) {
      const d = rng.between(min, max);
      const a = rng.between(0, 2 * Math.PI);
      const x = from.x + d * Math.cos(a);
      const y = from.y + d * Math.sin(a);
      if (Math.hypot(x, y) <= R) return this.place("street", x, y);
    }
    const d = rng.between(min, max);
    const r = Math.hypot(from.x, from.y) || 1;
    return this.place("street", from.x - (from.x / r) * d, from.y - (from.y / r) * d);
  }

  private nearestStation(from: Point): Place {
    let best = this.places.stations[0]!;
    for (const s of this.places.stations)
      if (Math.hypot(s.x - from.x, s.y - from.y) < Math.hypot(best.x - from.x, best.y - from.y)) best = s;
    return best;
  }

  /** Expected route length between two points (the routes' own shapes, without their jitter). */
  private estimateM(from: Point, to: Point): number {
    const area = this.options.area;
    const d = Math.hypot(to.x - from.x, to.y - from.y);
    const m = manhattan(area, from, to);
    return d > 5000 ? 0.2 * m + 0.785 * d + 250 : m;
  }

  /** Expected driving time of a leg, s. */
  private estimateS(metres: number): number {
    return 30 + metres / ((metres < 1000 ? 8 : metres < 7000 ? 10 : 17) * this.driver.speedFactor);
  }

  /** The day's plan from its own generator: where to, when, and how far all that is. */
  private plan(day: number, state: VehicleState): DayPlan {
    const rng = new Rng(hash(this.options.seed, day, 0x5eed));
    const reset = this.resetTime(day);
    const t0 = dayStart(this.options.city, this.dayOf(reset));
    const intents: Array<TripIntent | ShiftIntent> = [];
    const p = this.places;
    const h = (a: number, b: number) => Math.round(t0 + rng.between(a, b) * HOUR);
    const min = (a: number, b: number) => Math.round(rng.between(a, b) * MINUTE);
    const trip = (to: Place, when: { at?: number; dwellMs?: number }) =>
      intents.push({ kind: "trip", to, ...when });
    // Rides are taken while the shift's time is left; a pickup and a ride take ten minutes at the
    // very least, so this many always outlast it.
    const shift = (
      when: { at?: number; dwellMs?: number },
      from: number,
      until: number,
      base: Place,
      start: Place,
    ) => {
      const rides: ShiftIntent["rides"] = [];
      let here: Point = start;
      for (let i = Math.ceil((until - from) / (10 * MINUTE)); i > 0; i--) {
        const pickup = this.somewhere(rng, here, 300, 2500);
        const ride = this.somewhere(rng, pickup, 1000, 9000);
        const wait = rng.chance(0.03) ? rng.between(45, 120) : rng.between(20, 50);
        rides.push({ to: pickup, dwellS: rng.between(20, 60) }, { to: ride, dwellS: wait });
        here = ride;
      }
      intents.push({ kind: "shift", ...when, until, rides, base });
    };
    const profile = this.options.profile;
    if (profile === "commuter") {
      if (weekday(this.dayOf(reset)) < 5) {
        trip(p.work, { at: h(6.75, 8.75) });
        if (rng.chance(0.25)) {
          trip(rng.pick(p.shops), { at: h(12, 13) });
          trip(p.work, { dwellMs: min(15, 40) });
        }
        if (rng.chance(0.35)) {
          trip(rng.pick(p.shops), { at: h(16.5, 18.5) });
          trip(p.home, { dwellMs: min(15, 45) });
        } else {
          trip(p.home, { at: h(16.5, 18.75) });
        }
        if (rng.chance(0.3)) {
          trip(rng.pick(p.leisure), { at: h(19, 20) });
          trip(p.home, { dwellMs: min(60, 120) });
        }
      } else {
        const count = rng.int(1, 3);
        const times = Array.from({ length: count }, () => h(9, 17)).sort((a, b) => a - b);
        for (const at of times) {
          const far = rng.chance(0.2);
          trip(far ? rng.pick(p.far) : rng.chance(0.6) ? rng.pick(p.shops) : rng.pick(p.leisure), { at });
          trip(p.home, { dwellMs: far ? min(120, 240) : min(20, 90) });
        }
      }
    } else if (profile === "rideshare") {
      // A day shift from home, 05:00–06:00 until 17:30–18:30, with a fast charge at the hub around noon.
      const start = h(5, 6);
      const pause = h(11.5, 12);
      shift({ at: start }, start, pause, p.work, p.home);
      shift({ dwellMs: min(25, 35) }, pause, h(17.5, 18.5), p.home, p.work);
    } else {
      // The lunch rush (about 11:15 to 12:45) and the night (about 16:00 until 06:00), from the depot.
      const lunch = h(11.25, 11.4);
      shift({ at: lunch }, lunch, h(12.75, 12.9), p.work, p.work);
      const night = h(15.75, 16.25);
      shift({ at: night }, night, h(29.75, 30.25), p.work, p.work);
    }

    const model = this.options.model;
    const ambient = exteriorTemperature(this.options.city, t0 + 13 * HOUR);
    const cold = Math.max(0, 15 - ambient);
    const battery = model.battery;
    const kWhPerM = battery && battery.acMaxKw > 0 ? (battery.kWhPerKm.city / 1000) * (1 + cold * 0.012) : 0;
    const fuelPerM = model.fuel ? (model.fuel.perKm.city / 1000) * (1 + cold * 0.006) : 0;
    let refuelFirstTo: number | undefined;
    if (model.fuel && profile === "commuter" && state.fuel < model.fuel.tank * 0.2)
      refuelFirstTo = model.fuel.tank * rng.between(0.97, 1);

    // The expected distance, walking the plan as the detailed day will.
    let distanceM = 0;
    let here: Point = profile === "taxi" ? p.work : p.home;
    if (refuelFirstTo !== undefined) {
      const station = this.nearestStation(here);
      distanceM += this.estimateM(here, station);
      here = station;
    }
    let clock = reset;
    for (const intent of intents) {
      clock = Math.max(clock + MIN_PARK_MS, intent.at ?? clock + (intent.dwellMs ?? 0));
      if (intent.kind === "trip") {
        const m = this.estimateM(here, intent.to);
        distanceM += m;
        clock += this.estimateS(m) * 1000;
        here = intent.to;
        continue;
      }
      for (const ride of intent.rides) {
        if (clock >= intent.until - 10 * MINUTE) break;
        const m = this.estimateM(here, ride.to);
        distanceM += m;
        clock += 1000 * (this.estimateS(m) + ride.dwellS);
        here = ride.to;
      }
      const m = this.estimateM(here, intent.base);
      distanceM += m;
      clock += this.estimateS(m) * 1000;
      here = intent.base;
    }
    return {
      day,
      reset,
      nextReset: this.resetTime(day + 1),
      intents,
      refuelFirstTo,
      distanceM,
      kWhPerM,
      fuelPerM,
    };
  }

  // ---- the detailed day ----

  private simulateDay(plan: DayPlan, start: VehicleState, next: VehicleState): DayDetail {
    const { model, profile } = this.options;
    const base = profile === "taxi" ? this.places.work : this.places.home;
    const segments: Segment[] = [];
    let legIndex = 0;
    // Where the vehicle is and since when (the open parked segment).
    let parkedAt = base;
    let parkedSince = plan.reset;
    let parkedHeading = this.baseHeading;
    /** Fuel (litres) and charge (%) by route metres, roughly: for the day's decisions only. */
    let roughFuel = plan.refuelFirstTo ?? start.fuel;
    let roughSoc = start.socPct;
    const rough = (metres: number) => {
      if (model.fuel) roughFuel -= metres * plan.fuelPerM;
      if (model.battery && model.battery.acMaxKw > 0)
        roughSoc -= ((metres * plan.kWhPerM) / model.battery.usableKWh) * 100;
    };
    const stationVisits: number[] = [];
    const workCharges = new Set<number>();

    const park = (end: number): void => {
      segments.push({
        kind: "parked",
        start: parkedSince,
        end,
        place: parkedAt,
        heading: parkedHeading,
        state: start,
        endState: start,
      });
    };
    const session = (at: number): DriveSegment => {
      const begin = Math.max(at, parkedSince + MIN_PARK_MS);
      park(begin);
      return {
        kind: "drive",
        start: begin,
        end: begin,
        legs: [],
        from: parkedAt,
        state: start,
        endState: start,
      };
    };
    const position = (s: DriveSegment): Place =>
      s.legs.length === 0 ? s.from : s.legs[s.legs.length - 1]!.to;
    const leg = (s: DriveSegment, to: Place): void => {
      const rng = new Rng(hash(this.options.seed, plan.day, legIndex++, 0x1e6));
      if (s.legs.length === 0) s.end = s.start + Math.round(rng.between(20, 60) * 1000);
      const route = buildRoute(this.options.area, position(s), to, rng);
      const motion = planMotion(route, rng, this.driver);
      const startS = (s.end - s.start) / 1000;
      const offsetM = s.legs.reduce((sum, l) => sum + l.route.length, 0);
      s.legs.push({
        route,
        motion,
        start: startS,
        end: startS + motion.duration,
        offsetM,
        scale: 1,
        socPct: 0,
        fuel: 0,
        kWhPerM: plan.kWhPerM,
        fuelPerM: plan.fuelPerM,
        evMetres: 0,
        to,
      });
      s.end = s.start + Math.round((startS + motion.duration) * 1000);
      rough(route.length);
    };
    const dwell = (s: DriveSegment, seconds: number): void => {
      s.end += Math.round(seconds * 1000);
    };
    const end = (s: DriveSegment): void => {
      const rng = new Rng(hash(this.options.seed, plan.day, legIndex, 0xe4d));
      s.end += Math.round(rng.between(5, 20) * 1000);
      segments.push(s);
      const last = s.legs[s.legs.length - 1]!;
      const r = last.route;
      const n = r.latitude.length;
      parkedAt = last.to;
      parkedSince = s.end;
      parkedHeading = bearingDeg(
        r.latitude[n - 2]!,
        r.longitude[n - 2]!,
        r.latitude[n - 1]!,
        r.longitude[n - 1]!,
      );
      if (parkedAt.kind === "station") {
        stationVisits.push(segments.length);
        if (model.fuel) roughFuel = model.fuel.tank;
      }
      if (
        parkedAt.kind === "work" &&
        profile === "commuter" &&
        model.fuel === undefined &&
        model.battery?.acMaxKw
      ) {
        if (roughSoc < 65 && unit(this.options.seed, plan.day, 0xc4a) < 0.6) workCharges.add(segments.length);
      }
      // Charging stops (energize decides them exactly) leave the battery about full.
      if (
        model.fuel === undefined &&
        (parkedAt.kind === "home" || (parkedAt.kind === "work" && profile !== "commuter"))
      )
        roughSoc = Math.max(roughSoc, this.chargeLimit());
    };
    const refuelPause = () =>
      parkedSince + Math.round(4 * MINUTE + unit(this.options.seed, plan.day, legIndex) * 2.5 * MINUTE);

    let lastArrival = plan.reset;
    for (const intent of plan.intents) {
      if (intent.kind === "trip") {
        let at = intent.at ?? lastArrival + (intent.dwellMs ?? 0);
        if (plan.refuelFirstTo !== undefined && stationVisits.length === 0) {
          const s = session(at);
          leg(s, this.nearestStation(parkedAt));
          end(s);
          at = refuelPause();
        }
        const s = session(at);
        leg(s, intent.to);
        end(s);
        lastArrival = s.end;
        continue;
      }
      let s = session(intent.at ?? lastArrival + (intent.dwellMs ?? 0));
      for (const ride of intent.rides) {
        if (s.end >= intent.until - 10 * MINUTE) break;
        if (model.fuel && roughFuel < model.fuel.tank * 0.15) {
          leg(s, this.nearestStation(position(s)));
          end(s);
          s = session(refuelPause());
        }
        if (model.fuel === undefined && model.battery?.acMaxKw && roughSoc < 22) break;
        leg(s, ride.to);
        dwell(s, ride.dwellS);
      }
      leg(s, intent.base);
      end(s);
      lastArrival = s.end;
    }
    park(plan.nextReset);
    this.energize(plan, segments, start, next, new Set(stationVisits), workCharges);
    return { segments };
  }

  /**
   * Second pass: the reported distance and the energy of every segment, scaled so that the day
   * ends exactly in the next reset state; charging and refuelling at the stops.
   */
  private energize(
    plan: DayPlan,
    segments: Segment[],
    start: VehicleState,
    next: VehicleState,
    stations: Set<number>,
    workCharges: Set<number>,
  ): void {
    const { model, city } = this.options;
    const battery = model.battery;
    const plugIn = battery !== undefined && battery.acMaxKw > 0;
    let actual = 0;
    for (const s of segments) if (s.kind === "drive") for (const l of s.legs) actual += l.route.length;
    const scale = actual > 0 ? plan.distanceM / actual : 1;
    let state: VehicleState = { ...start };
    let dayM = 0;
    let evLeft = plugIn
      ? model.fuel
        ? (((start.socPct - battery.sustainPct) / 100) * battery.usableKWh) / plan.kWhPerM
        : Number.POSITIVE_INFINITY
      : 0;
    let visit = 0;
    segments.forEach((segment, index) => {
      if (segment.kind === "drive") {
        segment.state = state;
        let soc = state.socPct;
        let fuel = state.fuel;
        for (const l of segment.legs) {
          l.scale = scale;
          l.socPct = soc;
          l.fuel = fuel;
          l.evMetres = evLeft;
          const e = legEnergy(model, l, l.route.length);
          const reported = l.route.length * scale;
          if (Number.isFinite(evLeft)) evLeft = Math.max(0, evLeft - reported);
          dayM += reported;
          soc = e.socPct;
          fuel = e.fuel;
        }
        const seconds = (segment.end - segment.start) / 1000;
        const odometerKm = start.odometerKm + dayM / 1000;
        state = {
          odometerKm,
          socPct: plugIn ? soc : battery ? hybridSocPct(odometerKm) : 0,
          fuel: model.fuel ? Math.max(0, fuel) : 0,
          fuelUsed: start.fuelUsed + (model.fuel ? this.fuelUsed(plan, dayM) : 0),
          coolantC: model.engine ? coolantWhileRunning(state.coolantC, seconds) : state.coolantC,
          tyreWarmth: Math.max(state.tyreWarmth, tyreWarmthWhileDriving(seconds)),
        };
        segment.endState = state;
        return;
      }
      segment.state = state;
      const last = index === segments.length - 1;
      const first = index === 0;
      let after: VehicleState = { ...state };
      // Charging: at home (plug-in hybrids only overnight, so the day's fuel use stays as planned),
      // at work when a commuter decided so, and on a fast charger at the hub for a ride-hailing BEV.
      const atHome = segment.place.kind === "home" && !first && (model.fuel === undefined || last);
      const fast =
        plugIn &&
        model.fuel === undefined &&
        this.fleet() &&
        segment.place.kind === "work" &&
        !first &&
        !last;
      if (
        plugIn &&
        (atHome || fast || workCharges.has(index)) &&
        segment.end - segment.start >= 15 * MINUTE
      ) {
        const rng = new Rng(hash(this.options.seed, plan.day, index, 0xc0a));
        const plugAt = segment.start + Math.round(rng.between(fast ? 30 : 60, fast ? 90 : 240) * 1000);
        const chargeStart = plugAt + 15_000;
        const unplug = segment.end - 120_000;
        const powerKw = fast ? 100 : battery.acMaxKw;
        const american = city.utcOffsetMinutes <= -180;
        const threePhase = !american && powerKw > 7.4;
        const voltage = fast
          ? battery.nominalVoltage * (0.95 + 0.002 * state.socPct)
          : american
            ? 240
            : threePhase
              ? 400
              : 230;
        // A DC charger feeds the battery directly: no AC current.
        const currentA = fast ? 0 : (powerKw * 1000) / (threePhase ? Math.sqrt(3) * voltage : voltage);
        const limitPct = this.chargeLimit();
        const rate = (powerKw * (fast ? 0.95 : 0.9)) / battery.usableKWh / 36_000;
        const need = Math.max(0, (limitPct - state.socPct) / rate);
        // Overnight the charge completes before the reset point (the plans leave the time for it).
        const stop = Math.round(
          last ? chargeStart + need : Math.max(chargeStart, Math.min(unplug, chargeStart + need)),
        );
        segment.charging = {
          plugIn: plugAt,
          start: chargeStart,
          end: Math.max(chargeStart, stop),
          unplug,
          powerKw,
          voltage,
          currentA,
          limitPct,
          startSocPct: state.socPct,
          rate,
        };
        const socPct = Math.min(
          limitPct,
          Math.max(state.socPct, state.socPct + rate * (segment.charging.end - chargeStart)),
        );
        after = { ...after, socPct };
        if (!last && model.fuel)
          evLeft = (((socPct - battery.sustainPct) / 100) * battery.usableKWh) / plan.kWhPerM;
      }
      // Refuelling: at a station, or (fleet vehicles) at the depot at the end of the day.
      const depot = last && this.fleet() && model.fuel !== undefined;
      if (model.fuel && (stations.has(index) || depot)) {
        const rng = new Rng(hash(this.options.seed, plan.day, index, 0xf1e));
        // The first stop of a commuter's day fills to the planned level less what the detour to the
        // station used, so that the day ends exactly as planned.
        const to = depot
          ? next.fuel
          : visit++ === 0 && plan.refuelFirstTo !== undefined
            ? plan.refuelFirstTo - this.fuelUsed(plan, dayM)
            : model.fuel.tank * rng.between(0.97, 1);
        const refuelStart = segment.start + Math.round(rng.between(40, 90) * 1000);
        const perSecond = model.powertrain === "FCEV" ? 0.02 : 0.6;
        // The pump takes its time, but the driver leaves when planned.
        const refuelEnd = Math.min(
          segment.end - 30_000,
          refuelStart + Math.round((Math.max(0, to - state.fuel) / perSecond) * 1000),
        );
        if (refuelEnd > refuelStart) {
          segment.refuel = { start: refuelStart, end: refuelEnd, from: state.fuel, to };
          after = { ...after, fuel: to };
        }
      }
      const ambient = exteriorTemperature(city, segment.end);
      after = {
        ...after,
        coolantC: coolantWhileParked(after.coolantC, ambient, segment.end - segment.start),
        tyreWarmth: tyreWarmthWhileParked(after.tyreWarmth, segment.end - segment.start),
      };
      // The day ends exactly in the next day's reset state.
      segment.endState = last ? { ...next } : after;
      state = segment.endState;
    });
  }
}
