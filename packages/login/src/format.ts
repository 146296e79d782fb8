import type { TFunction } from "i18next";
import { ApiError, type Vehicle } from "./api.ts";

/** A date in the page's language, e.g. "12 March 2026" / "12. März 2026". */
export function formatDate(language: string, iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language, { dateStyle: "long", timeZone: "UTC" }).format(date);
}

export function vehicleLabel(t: TFunction, vehicle: Vehicle): string {
  if (vehicle.name?.trim()) return vehicle.name.trim();
  const parts = [vehicle.year, vehicle.make, vehicle.model].filter((part) => part !== null && part !== "");
  return parts.length > 0 ? parts.join(" ") : t("vehicles.tokenId", { tokenId: vehicle.tokenId });
}

const KNOWN_ERRORS = new Set([
  "missingClientId",
  "missingRedirectUri",
  "unknownClient",
  "invalidRedirectUri",
  "invalidCredentials",
  "invalidPermissions",
  "configurationNotFound",
  "configurationMismatch",
  "expirationInPast",
  "invalidParameters",
  "secureModeRequired",
  "invalidSecureRequest",
  "originNotAllowed",
  "advancedTransactionsUnavailable",
  "unsupportedEntryState",
  "noParameters",
  "handshakeTimeout",
  "network",
  "timeout",
  "csrf",
  "unauthenticated",
  "emailConsentRequired",
  "rate_limited",
  "server",
]);

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
