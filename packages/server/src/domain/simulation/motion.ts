import { angleDiffDeg, bearingDeg } from "./geodesy.ts";
import type { Rng } from "./random.ts";
import { type Route, SPEED_LIMIT_KMH } from "./routes.ts";

/**
 * Speed profiles: how a vehicle drives a route. The route's corners, traffic lights and road-class
 * changes are control points with a speed cap (a red light: a stop); between them the vehicle
 * accelerates, cruises with small variations and decelerates, at constant acceleration in each
 * phase. Distance and speed are therefore exact closed forms of time, so the odometer is exactly
 * the integral of speed. Harsh acceleration, braking and cornering happen now and then, and are
 * reported as events.
 */

export interface DriverStyle {
  /** Cruise speed relative to the limit. */
  speedFactor: number;
  /** Usual acceleration and deceleration, m/s². */
  accel: number;
  decel: number;
  /** Chance per opportunity of a harsh acceleration, braking or corner. */
  harshChance: number;
  /** Longest wait at a red light, s. */
  maxRedLightS: number;
}

export interface MotionEvent {
  name:
    | "behavior.harshAcceleration"
    | "behavior.harshBraking"
    | "behavior.extremeBraking"
    | "behavior.harshCornering";
  /** Seconds from the start of the motion. */
  t: number;
  durationS: number;
  metadata: Record<string, number>;
}

/** Phases of constant acceleration; phase i starts at t[i] with distance s[i] and speed v[i]. */
export interface MotionPlan {
  t: Float64Array;
  s: Float64Array;
  v: Float64Array;
  a: Float64Array;
  /** Seconds from start to standstill at the end of the route. */
  duration: number;
  length: number;
  events: MotionEvent[];
}

export interface MotionState {
  /** Distance along the route, m. */
  s: number;
  /** Speed, m/s. */
  v: number;
  /** Acceleration, m/s². */
  a: number;
}

/** Acceleration of a harsh-acceleration event and the thresholds of harsh and extreme braking, m/s². */
const HARSH_ACCEL = [3.6, 4.6] as const;
const HARSH_BRAKE = [4.6, 6.2] as const;
const EXTREME_BRAKE = [7.2, 8.4] as const;
/** A harsh phase lasts at most this long (so durationNs stays within a 32-bit integer). */
const HARSH_MAX_S = 1.8;
const KMH = 1 / 3.6;

class PhaseWriter {
  t: number[] = [];
  s: number[] = [];
  v: number[] = [];
  a: number[] = [];
  time = 0;
  dist = 0;
  speed = 0;

  /** A phase of dt seconds at acceleration a from the current speed. */
  push(dt: number, a: number): void {
    if (!(dt > 1e-9)) return;
    this.t.push(this.time);
    this.s.push(this.dist);
    this.v.push(this.speed);
    this.a.push(a);
    this.time += dt;
    this.dist += this.speed * dt + 0.5 * a * dt * dt;
    this.speed = Math.max(0, this.speed + a * dt);
  }

  /** Change speed to v1 at |a|. */
  ramp(v1: number, a: number): void {
    const dv = v1 - this.speed;
    if (Math.abs(dv) < 1e-9) {
      this.speed = v1;
      return;
    }
    this.push(Math.abs(dv) / a, Math.sign(dv) * a);
    this.speed = v1;
  }

  hold(distance: number): void {
    if (distance > 1e-6 && this.speed > 1e-6) this.push(distance / this.speed, 0);
  }

  stop(seconds: number): void {
    this.speed = 0;
    this.push(seconds, 0);
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Plans how a driver drives the route; the random choices come from rng, in order. */
export function planMotion(route: Route, rng: Rng, driver: DriverStyle): MotionPlan {
  const n = route.latitude.length;
  // Control points: start, corners, lights, road-class changes, end.
  const cs: number[] = [0];
  const cap: number[] = [0];
  const stopS: number[] = [0];
  const corner: number[] = [0];
  const cls: number[] = [route.roadClass[0] ?? 1];
  let prevBearing = bearingDeg(
    route.latitude[0]!,
    route.longitude[0]!,
    route.latitude[1]!,
    route.longitude[1]!,
  );
  for (let i = 1; i < n - 1; i++) {
    const next = bearingDeg(
      route.latitude[i]!,
      route.longitude[i]!,
      route.latitude[i + 1]!,
      route.longitude[i + 1]!,
    );
    const turn = Math.abs(angleDiffDeg(prevBearing, next));
    prevBearing = next;
    const light = route.light[i] === 1;
    const classChange = route.roadClass[i] !== route.roadClass[i - 1];
    if (turn < 30 && !light && !classChange) continue;
    const s = route.cumulative[i]!;
    if (s - cs[cs.length - 1]! < 8 || route.length - s < 8) continue;
    let vmax = Number.POSITIVE_INFINITY;
    let harshCorner = 0;
    if (turn >= 60) vmax = rng.between(14, 22) * KMH;
    else if (turn >= 30) vmax = rng.between(25, 35) * KMH;
    if (turn >= 60 && rng.chance(driver.harshChance)) {
      vmax *= rng.between(1.45, 1.7);
      harshCorner = turn;
    }
    let wait = 0;
    if (light && rng.chance(0.55)) {
      wait = rng.between(6, driver.maxRedLightS);
      vmax = 0;
      harshCorner = 0;
    }
    cs.push(s);
    cap.push(vmax);
    stopS.push(wait);
    corner.push(harshCorner);
    cls.push(route.roadClass[i]!);
  }
  cs.push(route.length);
  cap.push(0);
  stopS.push(0);
  corner.push(0);
  const m = cs.length;

  // Cruise speed of each interval, then junction speeds capped by both neighbours and by what
  // acceleration and braking allow (forward and backward passes; their minimum is feasible).
  const cruise: number[] = [];
  for (let k = 0; k < m - 1; k++)
    cruise.push((SPEED_LIMIT_KMH[cls[k]!]! * KMH * driver.speedFactor * rng.between(0.95, 1.04)) as number);
  const cap2: number[] = cap.map((c, k) =>
    Math.min(
      c,
      k > 0 ? cruise[k - 1]! : Number.POSITIVE_INFINITY,
      k < m - 1 ? cruise[k]! : Number.POSITIVE_INFINITY,
    ),
  );
  const fwd = cap2.slice();
  fwd[0] = 0;
  for (let k = 1; k < m; k++)
    fwd[k] = Math.min(cap2[k]!, Math.sqrt(fwd[k - 1]! ** 2 + 2 * driver.accel * (cs[k]! - cs[k - 1]!)));
  const bwd = cap2.slice();
  bwd[m - 1] = 0;
  for (let k = m - 2; k >= 0; k--)
    bwd[k] = Math.min(cap2[k]!, Math.sqrt(bwd[k + 1]! ** 2 + 2 * driver.decel * (cs[k + 1]! - cs[k]!)));
  const u = fwd.map((f, k) => Math.min(f, bwd[k]!));

  const w = new PhaseWriter();
  const events: MotionEvent[] = [];
  const a = driver.accel;
  const b = driver.decel;
  for (let k = 0; k < m - 1; k++) {
    const D = cs[k + 1]! - cs[k]!;
    const u0 = u[k]!;
    const u1 = u[k + 1]!;
    let c = Math.max(cruise[k]!, u0, u1);
    let aH = 0;
    let bH = 0;
    if (u0 < 15 * KMH && c > 30 * KMH && rng.chance(driver.harshChance)) aH = rng.between(...HARSH_ACCEL);
    if (u1 < 15 * KMH && c > 35 * KMH && rng.chance(driver.harshChance))
      bH = rng.chance(0.08) ? rng.between(...EXTREME_BRAKE) : rng.between(...HARSH_BRAKE);
    const accelDist = (harsh: number) => {
      if (harsh === 0) return (c * c - u0 * u0) / (2 * a);
      const v1 = Math.min(c, u0 + harsh * HARSH_MAX_S);
      return (v1 * v1 - u0 * u0) / (2 * harsh) + (c * c - v1 * v1) / (2 * a);
    };
    const decelDist = (harsh: number) => {
      if (harsh === 0) return (c * c - u1 * u1) / (2 * b);
      const v2 = Math.max(u1, c - harsh * HARSH_MAX_S);
      return (c * c - v2 * v2) / (2 * harsh) + (v2 * v2 - u1 * u1) / (2 * b);
    };
    if (accelDist(aH) + decelDist(bH) > D) {
      aH = 0;
      bH = 0;
      if (accelDist(0) + decelDist(0) > D)
        c = Math.sqrt((2 * a * b * D + b * u0 * u0 + a * u1 * u1) / (a + b));
    }
    const dAcc = accelDist(aH);
    const dDec = decelDist(bH);

    // Accelerate.
    w.speed = u0;
    if (aH > 0) {
      const v1 = Math.min(c, u0 + aH * HARSH_MAX_S);
      events.push({
        name: "behavior.harshAcceleration",
        t: w.time,
        durationS: (v1 - u0) / aH,
        metadata: {
          startSpeedKmh: round(u0 * 3.6, 1),
          endSpeedKmh: round(v1 * 3.6, 1),
          accelerationMps2: round(aH, 2),
        },
      });
      w.ramp(v1, aH);
    }
    w.ramp(c, a);
    // Cruise, with small speed changes (and now and then a slower car ahead).
    let cruiseLeft = Math.max(0, D - dAcc - dDec);
    if (cruiseLeft > 150) {
      const bumps: Array<{ peak: number; acc: number; dist: number }> = [];
      let budget = cruiseLeft * 0.85;
      const count = Math.min(20, Math.floor(cruiseLeft / 220));
      for (let j = 0; j < count; j++) {
        const dip = rng.chance(0.3);
        const peak = c * (1 + (dip ? -rng.between(0.25, 0.6) : rng.between(-0.07, 0.07)));
        const acc = dip ? 0.8 : 0.35;
        const dist = Math.abs(peak * peak - c * c) / acc;
        if (dist > budget) break;
        budget -= dist;
        bumps.push({ peak, acc, dist });
      }
      const used = bumps.reduce((sum, x) => sum + x.dist, 0);
      const gap = (cruiseLeft - used) / (bumps.length + 1);
      for (const bump of bumps) {
        w.hold(gap);
        w.ramp(bump.peak, bump.acc);
        w.ramp(c, bump.acc);
      }
      cruiseLeft = gap;
    }
    w.hold(cruiseLeft);
    // Decelerate.
    if (bH > 0) {
      const v2 = Math.max(u1, c - bH * HARSH_MAX_S);
      events.push({
        name: bH >= EXTREME_BRAKE[0] ? "behavior.extremeBraking" : "behavior.harshBraking",
        t: w.time,
        durationS: (c - v2) / bH,
        metadata: {
          startSpeedKmh: round(c * 3.6, 1),
          endSpeedKmh: round(v2 * 3.6, 1),
          accelerationMps2: round(-bH, 2),
        },
      });
      w.ramp(v2, bH);
    }
    w.ramp(u1, b);
    // Exactly at the control point (rounding must not accumulate along the route).
    w.dist = cs[k + 1]!;
    w.speed = u1;
    if (corner[k + 1]! > 0 && u1 >= 24 * KMH) {
      const radius = rng.between(10, 14);
      events.push({
        name: "behavior.harshCornering",
        t: w.time,
        durationS: rng.between(1.1, 1.7),
        metadata: {
          speedKmh: round(u1 * 3.6, 1),
          lateralAccelerationMps2: round((u1 * u1) / radius, 2),
          turnDeg: Math.round(corner[k + 1]!),
        },
      });
    }
    if (stopS[k + 1]! > 0 && k + 1 < m - 1) w.stop(stopS[k + 1]!);
  }
  // A terminal phase at rest marks the end.
  const plan: MotionPlan = {
    t: Float64Array.from(w.t),
    s: Float64Array.from(w.s),
    v: Float64Array.from(w.v),
    a: Float64Array.from(w.a),
    duration: w.time,
    length: route.length,
    events,
  };
  return plan;
}

/** Where the vehicle is `tau` seconds after the motion started. */
export function motionAt(plan: MotionPlan, tau: number): MotionState {
  const n = plan.t.length;
  if (tau <= 0 || n === 0) return { s: 0, v: 0, a: 0 };
  if (tau >= plan.duration) return { s: plan.length, v: 0, a: 0 };
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (plan.t[mid]! <= tau) lo = mid;
    else hi = mid - 1;
  }
  const dt = tau - plan.t[lo]!;
  const a = plan.a[lo]!;
  const v = Math.max(0, plan.v[lo]! + a * dt);
  const s = Math.min(plan.length, Math.max(0, plan.s[lo]! + plan.v[lo]! * dt + 0.5 * a * dt * dt));
  return { s, v, a: v === 0 && a < 0 ? 0 : a };
}
