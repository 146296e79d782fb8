import type { TFunction } from "i18next";
import { ApiError, type Vehicle } from "./api.ts";
import en from "./locales/en.json";

/** A date in the page's language, e.g. "12 March 2026" / "12. März 2026". */
export function formatDate(language: string, iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language, { dateStyle: "long", timeZone: "UTC" }).format(date);
}

/** "2023 Toyota Prius Prime"; the vehicle's name when its make and model are unknown. */
export function vehicleLabel(t: TFunction, vehicle: Vehicle): string {
  const parts = [vehicle.year, vehicle.make, vehicle.model].filter(
    (part) => part !== null && part !== undefined && part !== "",
  );
  if (vehicle.make && vehicle.model) return parts.join(" ");
  if (vehicle.name?.trim()) return vehicle.name.trim();
  return parts.length > 0 ? parts.join(" ") : t("vehicles.tokenId", { tokenId: vehicle.tokenId });
}

/** Error codes with their own words in the resource files. */
const KNOWN_ERRORS = new Set(Object.keys(en.error.reason));

/** Plain words for an error code (docs/login-api.md), "unknown" for anything else. */
export function errorReason(t: TFunction, code: string): string {
  return t(`error.reason.${KNOWN_ERRORS.has(code) ? code : "unknown"}`);
}

/** Plain words for a failed action on a screen. */
export function describeError(t: TFunction, error: unknown): string {
  if (error === null || error === undefined) return "";
  if (error instanceof ApiError) return errorReason(t, error.code);
  return errorReason(t, "unknown");
}
