/**
 * Spherical geometry for simulated trips: great-circle distance, bearing and interpolation, and a
 * local east/north plane (metres) around a city centre in which routes are laid out.
 */

/** WGS-84 mean radius (IUGG), metres. */
export const EARTH_RADIUS_M = 6_371_008.8;

const RAD = Math.PI / 180;
const DEG = 180 / Math.PI;

export interface LatLng {
  latitude: number;
  longitude: number;
}

/** Haversine distance, metres. */
export function distanceM(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLng = (lng2 - lng1) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial great-circle bearing from the first point to the second, degrees clockwise from north, [0, 360). */
export function bearingDeg(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const p1 = lat1 * RAD;
  const p2 = lat2 * RAD;
  const dl = (lng2 - lng1) * RAD;
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  return normalizeDeg(Math.atan2(y, x) * DEG);
}

/** An angle in [0, 360). */
export function normalizeDeg(deg: number): number {
  const d = deg % 360;
  const n = d < 0 ? d + 360 : d;
  return n >= 360 ? 0 : n;
}

/** The signed smallest difference b − a, in (−180, 180]. */
export function angleDiffDeg(a: number, b: number): number {
  const d = normalizeDeg(b - a);
  return d > 180 ? d - 360 : d;
}

/**
 * The point a fraction `f` of the way along the great circle from the first point to the second
 * (spherical linear interpolation).
 */
export function interpolate(lat1: number, lng1: number, lat2: number, lng2: number, f: number): LatLng {
  const p1 = lat1 * RAD;
  const l1 = lng1 * RAD;
  const p2 = lat2 * RAD;
  const l2 = lng2 * RAD;
  const d = distanceM(lat1, lng1, lat2, lng2) / EARTH_RADIUS_M;
  if (d < 1e-12) return { latitude: lat1, longitude: lng1 };
  const sd = Math.sin(d);
  const a = Math.sin((1 - f) * d) / sd;
  const b = Math.sin(f * d) / sd;
  const x = a * Math.cos(p1) * Math.cos(l1) + b * Math.cos(p2) * Math.cos(l2);
  const y = a * Math.cos(p1) * Math.sin(l1) + b * Math.cos(p2) * Math.sin(l2);
  const z = a * Math.sin(p1) + b * Math.sin(p2);
  return { latitude: Math.atan2(z, Math.sqrt(x * x + y * y)) * DEG, longitude: Math.atan2(y, x) * DEG };
}

/** An east/north plane in metres around an origin (equirectangular: good to a fraction of a percent within tens of km). */
export class LocalFrame {
  private readonly cosLat: number;

  constructor(
    readonly latitude: number,
    readonly longitude: number,
  ) {
    this.cosLat = Math.cos(latitude * RAD);
  }

  /** East (x) and north (y) metres of a point. */
  toLocal(latitude: number, longitude: number): { x: number; y: number } {
    return {
      x: (longitude - this.longitude) * RAD * EARTH_RADIUS_M * this.cosLat,
      y: (latitude - this.latitude) * RAD * EARTH_RADIUS_M,
    };
  }

  toLatLng(x: number, y: number): LatLng {
    return {
      latitude: this.latitude + (y / EARTH_RADIUS_M) * DEG,
      longitude: this.longitude + (x / (EARTH_RADIUS_M * this.cosLat)) * DEG,
    };
  }
}
