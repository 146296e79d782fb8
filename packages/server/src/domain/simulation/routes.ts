import { bearingDeg, distanceM, interpolate, type LatLng, type LocalFrame } from "./geodesy.ts";
import type { Rng } from "./random.ts";

/**
 * Routes through a city without a map: streets on a grid (a staircase of straight runs with turns
 * at the corners) for short trips and both ends of long ones, and a gently curving arterial road or
 * motorway in the middle of long ones. A route is a sequence of waypoints joined by great-circle
 * segments, each segment with a road class, some waypoints with a traffic light.
 */

export const ROAD_CLASS = { residential: 0, urban: 1, arterial: 2, highway: 3 } as const;
export type RoadClass = (typeof ROAD_CLASS)[keyof typeof ROAD_CLASS];

/** Speed limit of each road class, km/h. */
export const SPEED_LIMIT_KMH: readonly number[] = [30, 50, 60, 110];

export interface Point {
  x: number;
  y: number;
}

export interface Route {
  latitude: Float64Array;
  longitude: Float64Array;
  /** Distance along the route at each waypoint, metres (great-circle). */
  cumulative: Float64Array;
  /** Road class of the segment from waypoint i to i + 1. */
  roadClass: Uint8Array;
  /** 1 where a waypoint has a traffic light. */
  light: Uint8Array;
  /** Total length, metres. */
  length: number;
  /** Metres on arterial roads and motorways (they cost BEVs more and combustion engines less per km). */
  fastMetres: number;
}

/** Where routes are laid out: the city's local plane, its radius and its street-grid orientation. */
export interface RouteArea {
  frame: LocalFrame;
  radiusM: number;
  /** Street-grid orientation, radians. */
  gridAngle: number;
}

interface Draft {
  xs: number[];
  ys: number[];
  /** Class of the segment ending at each point (index 0 unused). */
  classes: number[];
  lights: number[];
}

function add(d: Draft, x: number, y: number, cls: number, light: number): void {
  d.xs.push(x);
  d.ys.push(y);
  d.classes.push(cls);
  d.lights.push(light);
}

/** A straight run from the draft's last point by (dx, dy), split into blocks with a little jitter. */
function run(d: Draft, dx: number, dy: number, cls: number, rng: Rng, cornerLight: boolean): void {
  const x0 = d.xs[d.xs.length - 1]!;
  const y0 = d.ys[d.ys.length - 1]!;
  const len = Math.hypot(dx, dy);
  if (len < 1) return;
  const pieces = Math.max(1, Math.round(len / rng.between(140, 260)));
  const px = -dy / len;
  const py = dx / len;
  for (let i = 1; i < pieces; i++) {
    const f = i / pieces;
    const j = rng.between(-3, 3);
    const light = cls !== ROAD_CLASS.residential && rng.chance(0.3) ? 1 : 0;
    add(d, x0 + dx * f + px * j, y0 + dy * f + py * j, cls, light);
  }
  add(d, x0 + dx, y0 + dy, cls, cornerLight ? 1 : 0);
}

/** Grid streets from the draft's last point to `to`: alternating runs along the two grid axes. */
function streets(d: Draft, to: Point, area: RouteArea, rng: Rng, lastIsEnd: boolean): void {
  const x0 = d.xs[d.xs.length - 1]!;
  const y0 = d.ys[d.ys.length - 1]!;
  const dx = to.x - x0;
  const dy = to.y - y0;
  const c = Math.cos(area.gridAngle);
  const s = Math.sin(area.gridAngle);
  // Components along the grid axes u = (c, s) and w = (−s, c).
  const u = dx * c + dy * s;
  const w = -dx * s + dy * c;
  const split = (total: number): number[] => {
    if (Math.abs(total) < 40) return total === 0 ? [] : [total];
    const n = Math.abs(total) > 1500 ? 2 : 1;
    if (n === 1) return [total];
    const f = rng.between(0.3, 0.7);
    return [total * f, total * (1 - f)];
  };
  const us = split(u);
  const ws = split(w);
  const runs: Array<{ axis: "u" | "w"; len: number }> = [];
  let nextU = rng.chance(0.5);
  while (us.length > 0 || ws.length > 0) {
    if ((nextU && us.length > 0) || ws.length === 0) runs.push({ axis: "u", len: us.shift()! });
    else runs.push({ axis: "w", len: ws.shift()! });
    nextU = !nextU;
  }
  runs.forEach((r, i) => {
    const first = i === 0;
    const last = i === runs.length - 1;
    const abs = Math.abs(r.len);
    let cls: number = ROAD_CLASS.urban;
    if ((first || last) && abs < 500) cls = ROAD_CLASS.residential;
    else if (abs > 1200 && rng.chance(0.5)) cls = ROAD_CLASS.arterial;
    const [rx, ry] = r.axis === "u" ? [c * r.len, s * r.len] : [-s * r.len, c * r.len];
    run(d, rx, ry, cls, rng, !(last && lastIsEnd) && rng.chance(0.65));
  });
  // Rounding of tiny components: end exactly at the target.
  const n = d.xs.length - 1;
  d.xs[n] = to.x;
  d.ys[n] = to.y;
}

/** A smooth road from the draft's last point to `to` (arterial, or motorway when long). */
function throughRoad(d: Draft, to: Point, rng: Rng): void {
  const x0 = d.xs[d.xs.length - 1]!;
  const y0 = d.ys[d.ys.length - 1]!;
  const dx = to.x - x0;
  const dy = to.y - y0;
  const len = Math.hypot(dx, dy);
  const cls = len > 6000 ? ROAD_CLASS.highway : ROAD_CLASS.arterial;
  const n = Math.max(2, Math.ceil(len / 300));
  const px = -dy / len;
  const py = dx / len;
  const bow = rng.between(-0.08, 0.08) * len;
  const wave = rng.between(-0.015, 0.015) * len;
  for (let i = 1; i < n; i++) {
    const f = i / n;
    const off = bow * Math.sin(Math.PI * f) + wave * Math.sin(3 * Math.PI * f);
    const light = cls === ROAD_CLASS.arterial && rng.chance(0.25) ? 1 : 0;
    add(d, x0 + dx * f + px * off, y0 + dy * f + py * off, cls, light);
  }
  add(d, to.x, to.y, cls, 0);
}

/** A route between two points of the local plane; both should be inside the city radius. */
export function buildRoute(area: RouteArea, from: Point, to: Point, rng: Rng): Route {
  const d: Draft = { xs: [], ys: [], classes: [], lights: [] };
  add(d, from.x, from.y, ROAD_CLASS.residential, 0);
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const dist = Math.hypot(dx, dy);
  if (dist > 5000) {
    const perp = (p: Point, f: number, off: number): Point => ({
      x: p.x + dx * f + (-dy / dist) * off,
      y: p.y + dy * f + (dx / dist) * off,
    });
    const a = perp(from, rng.between(0.06, 0.14), rng.between(-300, 300));
    const b = perp(to, -rng.between(0.06, 0.14), rng.between(-300, 300));
    streets(d, a, area, rng, false);
    throughRoad(d, b, rng);
    streets(d, to, area, rng, true);
  } else {
    streets(d, to, area, rng, true);
  }
  return finish(d, area);
}

function finish(d: Draft, area: RouteArea): Route {
  const limit = area.radiusM * 0.985;
  const lat: number[] = [];
  const lng: number[] = [];
  const classes: number[] = [];
  const lights: number[] = [];
  let px = Number.NaN;
  let py = Number.NaN;
  for (let i = 0; i < d.xs.length; i++) {
    let x = d.xs[i]!;
    let y = d.ys[i]!;
    const r = Math.hypot(x, y);
    if (r > limit) {
      x *= limit / r;
      y *= limit / r;
    }
    // Drop points that clamping (or a zero-length run) made coincide with the previous one.
    if (Math.hypot(x - px, y - py) < 1) continue;
    px = x;
    py = y;
    const p = area.frame.toLatLng(x, y);
    lat.push(p.latitude);
    lng.push(p.longitude);
    classes.push(d.classes[i]!);
    lights.push(d.lights[i]!);
  }
  if (lat.length < 2) {
    // Start and end coincide: a short loop around the block keeps every trip a real trip.
    const p = area.frame.toLatLng(px + 80, py);
    lat.push(p.latitude, lat[0]!);
    lng.push(p.longitude, lng[0]!);
    classes.push(ROAD_CLASS.residential, ROAD_CLASS.residential);
    lights.push(0, 0);
  }
  const n = lat.length;
  const route: Route = {
    latitude: Float64Array.from(lat),
    longitude: Float64Array.from(lng),
    cumulative: new Float64Array(n),
    roadClass: new Uint8Array(n - 1),
    light: Uint8Array.from(lights),
    length: 0,
    fastMetres: 0,
  };
  route.light[0] = 0;
  route.light[n - 1] = 0;
  let total = 0;
  let fast = 0;
  for (let i = 1; i < n; i++) {
    const seg = distanceM(lat[i - 1]!, lng[i - 1]!, lat[i]!, lng[i]!);
    total += seg;
    route.cumulative[i] = total;
    const cls = classes[i]!;
    route.roadClass[i - 1] = cls;
    if (cls >= ROAD_CLASS.arterial) fast += seg;
  }
  route.length = total;
  route.fastMetres = fast;
  return route;
}

/** Index of the segment containing distance s (the last one at the end). */
export function segmentAt(route: Route, s: number): number {
  const cum = route.cumulative;
  let lo = 0;
  let hi = cum.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cum[mid]! <= s) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Position and heading at distance s along the route (clamped to its ends). */
export function positionAt(route: Route, s: number): LatLng & { heading: number } {
  const i = segmentAt(route, s);
  const lat1 = route.latitude[i]!;
  const lng1 = route.longitude[i]!;
  const lat2 = route.latitude[i + 1]!;
  const lng2 = route.longitude[i + 1]!;
  const segLen = route.cumulative[i + 1]! - route.cumulative[i]!;
  const f = segLen > 0 ? Math.min(1, Math.max(0, (s - route.cumulative[i]!) / segLen)) : 0;
  const p = f === 0 ? { latitude: lat1, longitude: lng1 } : interpolate(lat1, lng1, lat2, lng2, f);
  // The heading along a great circle changes slightly: take it from here to the segment's end.
  const heading =
    f < 0.999 && (1 - f) * segLen > 0.5
      ? bearingDeg(p.latitude, p.longitude, lat2, lng2)
      : bearingDeg(lat1, lng1, lat2, lng2);
  return { latitude: p.latitude, longitude: p.longitude, heading };
}
