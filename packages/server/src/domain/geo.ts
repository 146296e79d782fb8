import { cellToLatLng, latLngToCell } from "h3-js";

/**
 * Location rules of the Telemetry API (telemetry-api.md §5, §6): the geofence filters and the
 * approximate location (the centre of the containing H3 resolution-6 cell).
 */

export interface LatLng {
  latitude: number;
  longitude: number;
}

export interface Coordinates extends LatLng {
  hdop: number;
}

/** WGS-84 mean radius (IUGG), km. */
export const EARTH_RADIUS_KM = 6371.0088;

/** The H3 resolution of approximate locations: cells of about 36 km², edges of about 3.7 km. */
export const APPROXIMATE_LOCATION_RESOLUTION = 6;

/** `[-90, 90]` and `[-180, 180]`. */
export function isValidLatLng(point: LatLng): boolean {
  return (
    Number.isFinite(point.latitude) &&
    Number.isFinite(point.longitude) &&
    Math.abs(point.latitude) <= 90 &&
    Math.abs(point.longitude) <= 180
  );
}

/** Great-circle distance by the haversine formula, km. */
export function haversineKm(a: LatLng, b: LatLng): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLng = (b.longitude - a.longitude) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Within `radiusKm` of `center`, the boundary included. */
export function inCircle(point: LatLng, center: LatLng, radiusKm: number): boolean {
  return haversineKm(point, center) <= radiusKm;
}

/**
 * Inside the polygon (vertices in either orientation, at least three; the last need not repeat the
 * first) or on its boundary. Latitude and longitude are taken as plane coordinates, as ClickHouse's
 * `pointInPolygon` does: geofences are small, and edges do not cross the antimeridian.
 */
export function inPolygon(point: LatLng, polygon: readonly LatLng[]): boolean {
  if (polygon.length < 3) return false;
  const x = point.longitude;
  const y = point.latitude;
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const xi = polygon[i]!.longitude;
    const yi = polygon[i]!.latitude;
    const xj = polygon[j]!.longitude;
    const yj = polygon[j]!.latitude;
    if (onSegment(x, y, xi, yi, xj, yj)) return true;
    // Even-odd rule: count the edges a ray towards +x crosses (half-open in y, so vertices count once).
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function onSegment(x: number, y: number, x1: number, y1: number, x2: number, y2: number): boolean {
  const cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1);
  const scale = Math.max(Math.abs(x2 - x1), Math.abs(y2 - y1), 1);
  if (Math.abs(cross) > 1e-12 * scale) return false;
  return (
    Math.min(x1, x2) - 1e-12 <= x &&
    x <= Math.max(x1, x2) + 1e-12 &&
    Math.min(y1, y2) - 1e-12 <= y &&
    y <= Math.max(y1, y2) + 1e-12
  );
}

/** The approximate location: the centre of the H3 resolution-6 cell that holds the point; HDOP unchanged. */
export function approximateLocation(location: Coordinates): Coordinates {
  const cell = latLngToCell(location.latitude, location.longitude, APPROXIMATE_LOCATION_RESOLUTION);
  const [latitude, longitude] = cellToLatLng(cell);
  return { latitude, longitude, hdop: location.hdop };
}
