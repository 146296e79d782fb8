import type { LocalFrame } from "./geodesy.ts";
import { hashString, smoothNoise } from "./random.ts";

/**
 * The city simulated vehicles live in: a centre, a radius their trips stay within, and the local
 * clock and weather their days follow.
 */
export interface City {
  name: string;
  latitude: number;
  longitude: number;
  radiusKm: number;
  /** Ground altitude at the centre, metres. */
  altitudeM: number;
  /** Local standard time (no daylight saving): daily routines and the temperature cycle follow it. */
  utcOffsetMinutes: number;
  /** ISO 3166-1 alpha-3, where known (the country of simulated VIN records). */
  countryCode?: string;
}

export type CityInput = Pick<City, "latitude" | "longitude"> & Partial<Omit<City, "latitude" | "longitude">>;

export const CITIES = {
  munich: {
    name: "Munich",
    latitude: 48.1374,
    longitude: 11.5755,
    radiusKm: 12,
    altitudeM: 520,
    utcOffsetMinutes: 60,
    countryCode: "DEU",
  },
  "san-francisco": {
    name: "San Francisco",
    latitude: 37.7749,
    longitude: -122.4194,
    radiusKm: 8,
    altitudeM: 40,
    utcOffsetMinutes: -480,
    countryCode: "USA",
  },
} as const satisfies Record<string, City>;

export const DEFAULT_CITY: City = CITIES.munich;

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** A complete city from a partial one: radius 10 km, altitude 100 m and solar time unless given. */
export function resolveCity(input: CityInput = DEFAULT_CITY): City {
  const { latitude, longitude } = input;
  if (!Number.isFinite(latitude) || Math.abs(latitude) > 80)
    throw new RangeError("city latitude must be within [-80, 80]");
  if (!Number.isFinite(longitude) || Math.abs(longitude) > 180)
    throw new RangeError("city longitude must be within [-180, 180]");
  const radiusKm = input.radiusKm ?? 10;
  if (!Number.isFinite(radiusKm) || radiusKm < 1 || radiusKm > 100)
    throw new RangeError("city radius must be 1 to 100 km");
  return {
    name: input.name ?? `${latitude.toFixed(4)},${longitude.toFixed(4)}`,
    latitude,
    longitude,
    radiusKm,
    altitudeM: input.altitudeM ?? 100,
    utcOffsetMinutes: input.utcOffsetMinutes ?? Math.round(longitude / 15) * 60,
    ...(input.countryCode ? { countryCode: input.countryCode } : {}),
  };
}

/** `munich`, `san-francisco`, or `lat,lng[,radiusKm]`. */
export function parseCity(text: string): City {
  const key = text.trim().toLowerCase();
  if (key in CITIES) return CITIES[key as keyof typeof CITIES];
  const parts = key.split(",").map((p) => p.trim());
  const numbers = parts.map(Number);
  if (
    (parts.length === 2 || parts.length === 3) &&
    parts.every((p) => p !== "") &&
    numbers.every(Number.isFinite)
  ) {
    const [latitude, longitude, radiusKm] = numbers as [number, number, number | undefined];
    return resolveCity({ latitude, longitude, ...(radiusKm !== undefined ? { radiusKm } : {}) });
  }
  throw new RangeError(`unknown city "${text}": use ${Object.keys(CITIES).join(", ")} or lat,lng[,radiusKm]`);
}

/** The local calendar day (days since 1970-01-01 in the city's clock). */
export function localDay(city: City, t: number): number {
  return Math.floor((t + city.utcOffsetMinutes * 60_000) / DAY_MS);
}

/** The instant a local day starts. */
export function dayStart(city: City, day: number): number {
  return day * DAY_MS - city.utcOffsetMinutes * 60_000;
}

/** Local hour of day, [0, 24). */
export function localHour(city: City, t: number): number {
  const local = t + city.utcOffsetMinutes * 60_000;
  return (((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

/** Day of the week of a local day, 0 = Monday … 6 = Sunday. */
export function weekday(day: number): number {
  // 1970-01-01 was a Thursday.
  return (((day + 3) % 7) + 7) % 7;
}

function cityKey(city: City): number {
  return hashString(`${city.latitude.toFixed(4)},${city.longitude.toFixed(4)}`);
}

/**
 * Exterior air temperature, °C: a seasonal mean by latitude, a daily cycle peaking mid-afternoon,
 * and weather that drifts over hours and days. Every vehicle in the city sees the same weather.
 */
export function exteriorTemperature(city: City, t: number): number {
  const abs = Math.abs(city.latitude);
  const annualMean = 28 - 0.36 * abs;
  const annualAmplitude = Math.min(14, 0.2 * abs);
  const dayOfYear = (t / DAY_MS) % 365.2425;
  const season = -Math.cos((2 * Math.PI * (dayOfYear - 20)) / 365.2425) * Math.sign(city.latitude || 1);
  const daily = -Math.cos((2 * Math.PI * (localHour(city, t) - 3)) / 24);
  const key = cityKey(city);
  const weather =
    (smoothNoise(key, t / (30 * HOUR_MS)) - 0.5) * 8 + (smoothNoise(key + 1, t / (4 * HOUR_MS)) - 0.5) * 3;
  return annualMean + annualAmplitude * season + 4.5 * daily + weather;
}

/** Ground altitude at a point, metres: gentle hills around the centre's altitude. */
export function altitudeAt(city: City, frame: LocalFrame, latitude: number, longitude: number): number {
  const { x, y } = frame.toLocal(latitude, longitude);
  const k = cityKey(city);
  const p1 = (k % 628) / 100;
  const p2 = ((k >>> 10) % 628) / 100;
  const p3 = ((k >>> 20) % 628) / 100;
  return (
    city.altitudeM +
    18 * Math.sin(x / 2100 + p1) +
    11 * Math.sin(y / 1500 + p2) +
    6 * Math.sin((x - y) / 800 + p3)
  );
}
