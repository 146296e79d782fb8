// Inbound messages from the login app (security.md §4): accepted only from the exact login origin
// and the window the SDK opened or framed, as a plain object of bounded size with a known
// `eventType` and the expected `mode`; fields are checked by type and anything else is dropped.

import type { TransactionReceipt } from "./types.ts";

/** Larger messages are ignored (as JSON characters). */
export const MAX_MESSAGE_CHARS = 64 * 1024;

export type LoginEvent =
  | { eventType: "READY" }
  | {
      eventType:
        | "SHARE_VEHICLES_DATA"
        | "EXECUTE_ADVANCED_TRANSACTION"
        | "SIGN_MESSAGE"
        | "SHARE_ACCOUNT_DATA";
    }
  | {
      eventType: "authResponse";
      token?: string;
      code?: string;
      state?: string;
      iss?: string;
      walletAddress?: string;
      email?: string;
      sharedVehicles?: string[];
      revokedVehicles?: string[];
      extendedVehicles?: string[];
      accountGranted?: boolean;
    }
  | {
      eventType: "transactionResponse";
      token?: string;
      transactionHash?: string;
      transactionReceipt?: TransactionReceipt;
      state?: string;
      code?: string;
      iss?: string;
    }
  | { eventType: "messageResponse"; token?: string; signature?: string; signer?: string; state?: string }
  | { eventType: "DIMO_ERROR"; message: string; error?: string; state?: string }
  | { eventType: "logout"; state?: string };

const ACTION_EVENTS = new Set([
  "SHARE_VEHICLES_DATA",
  "EXECUTE_ADVANCED_TRANSACTION",
  "SIGN_MESSAGE",
  "SHARE_ACCOUNT_DATA",
]);

export interface MessageExpectation {
  /** The exact origin of the login app, e.g. `https://login.example.com`. */
  origin: string;
  /** The popup window or the iframe's contentWindow. */
  source: unknown;
  mode: "popup" | "embed";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function str(data: Record<string, unknown>, key: string): string | undefined {
  const value = data[key];
  return typeof value === "string" && value !== "" && value !== "undefined" ? value : undefined;
}

/** A string array, also from one comma-joined string; non-strings dropped. */
function strings(data: Record<string, unknown>, key: string): string[] | undefined {
  const value = data[key];
  if (typeof value === "string")
    return value === ""
      ? []
      : value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
  if (!Array.isArray(value)) return undefined;
  return value
    .filter((v): v is string | number => typeof v === "string" || typeof v === "number")
    .map(String);
}

function defined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

/** The typed message, or null when the event must be ignored. */
export function parseLoginMessage(
  event: { origin: string; source: unknown; data: unknown },
  expected: MessageExpectation,
): LoginEvent | null {
  if (expected.source === null || expected.source === undefined || event.source !== expected.source)
    return null;
  if (typeof event.origin !== "string" || event.origin !== expected.origin) return null;
  const data = event.data;
  if (!isPlainObject(data)) return null;
  if (jsonLength(data) > MAX_MESSAGE_CHARS) return null;
  const eventType = data.eventType;
  if (typeof eventType !== "string") return null;
  // Every login message names its mode (the official SDK drops others too).
  if (data.mode !== expected.mode) return null;
  if (eventType === "READY") return { eventType };
  if (ACTION_EVENTS.has(eventType)) return { eventType: eventType as "SHARE_VEHICLES_DATA" };
  switch (eventType) {
    case "authResponse":
      return defined({
        eventType,
        token: str(data, "token"),
        code: str(data, "code"),
        state: str(data, "state"),
        iss: str(data, "iss"),
        walletAddress: str(data, "walletAddress"),
        email: str(data, "email"),
        sharedVehicles: strings(data, "sharedVehicles"),
        revokedVehicles: strings(data, "revokedVehicles"),
        extendedVehicles: strings(data, "extendedVehicles"),
        accountGranted: data.accountGranted === true ? true : undefined,
      });
    case "transactionResponse":
      return defined({
        eventType,
        token: str(data, "token"),
        code: str(data, "code"),
        state: str(data, "state"),
        iss: str(data, "iss"),
        transactionHash: str(data, "transactionHash"),
        transactionReceipt: isPlainObject(data.transactionReceipt)
          ? (data.transactionReceipt as unknown as TransactionReceipt)
          : undefined,
      });
    case "messageResponse":
      return defined({
        eventType,
        token: str(data, "token"),
        signature: str(data, "signature"),
        signer: str(data, "signer"),
        state: str(data, "state"),
      });
    case "DIMO_ERROR":
      return defined({
        eventType,
        message: str(data, "error_description") ?? str(data, "message") ?? "The login app reported an error",
        error: str(data, "error"),
        state: str(data, "state"),
      });
    case "logout":
      return defined({ eventType, state: str(data, "state") });
    default:
      return null;
  }
}
