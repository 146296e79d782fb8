import type { ConnectMode } from "./connect-params.ts";

/**
 * What the login app hands back to the developer's app (connect-protocol.md §7, §8; security.md
 * §3): the `postMessage` in the official shapes for popup/embed, or the redirect URL with the
 * legacy query parameters (or secure mode's `code`, `state`, `iss`) and the UTM merged in.
 */

/** Result keys: UTM may never set them (§8). */
export const RESULT_KEYS: ReadonlySet<string> = new Set([
  "token",
  "walletAddress",
  "email",
  "sharedVehicles",
  "revokedVehicles",
  "extendedVehicles",
  "accountGranted",
  "transactionHash",
  "signature",
  "signer",
  "error",
  "logout",
  "tokenId",
  "clientId",
  "code",
  "state",
  "iss",
  "error_description",
]);

/** The outcome of an action, before it is shaped for the mode. */
export type ConnectOutcome =
  | {
      kind: "auth";
      walletAddress: string;
      /** Only when the user agreed to share it. */
      email?: string;
      sharedVehicles?: string[];
      revokedVehicles?: string[];
      extendedVehicles?: string[];
    }
  | { kind: "error"; message: string }
  | { kind: "logout" };

/** How the outcome is delivered: the user JWT (legacy mode) or an authorization code (secure mode). */
export type Delivery = { secure: false; token?: string } | { secure: true; code?: string; iss: string };

export interface ResultRequest {
  redirectUri: string;
  utm: string | null;
  state: string | null;
  mode: ConnectMode;
}

/** What the login API answers as `result` (docs/login-api.md). */
export interface ConnectResult {
  /** The message to post (popup/embed); always present, `mode` included. */
  message: Record<string, unknown>;
  /** Popup/embed: the exact origin to post to; null in redirect mode. */
  targetOrigin: string | null;
  /** Redirect mode: where to navigate; null in popup/embed mode. */
  redirectUrl: string | null;
}

export function buildConnectResult(args: {
  request: ResultRequest;
  replyOrigin: string | null;
  outcome: ConnectOutcome;
  delivery: Delivery;
}): ConnectResult {
  const { request, outcome, delivery } = args;
  const fields = resultFields(outcome, delivery, request.state);
  const message: Record<string, unknown> = { eventType: eventType(outcome), mode: request.mode };
  if (outcome.kind === "auth" && !delivery.secure && request.mode !== "redirect")
    message.authType = request.mode;
  Object.assign(message, fields);
  const redirect = request.mode === "redirect";
  return {
    message,
    targetOrigin: redirect ? null : args.replyOrigin,
    redirectUrl: redirect ? redirectUrl(request.redirectUri, request.utm, fields) : null,
  };
}

function eventType(outcome: ConnectOutcome): string {
  return outcome.kind === "auth" ? "authResponse" : outcome.kind === "error" ? "DIMO_ERROR" : "logout";
}

/** The result's own fields, in message form (arrays stay arrays). */
function resultFields(
  outcome: ConnectOutcome,
  delivery: Delivery,
  state: string | null,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (outcome.kind === "auth") {
    if (delivery.secure) {
      fields.code = delivery.code;
    } else {
      fields.token = delivery.token;
      fields.walletAddress = outcome.walletAddress;
      if (outcome.email !== undefined) fields.email = outcome.email;
      for (const key of ["sharedVehicles", "revokedVehicles", "extendedVehicles"] as const) {
        const value = outcome[key];
        if (value !== undefined) fields[key] = value.map(String);
      }
    }
  } else if (outcome.kind === "error") {
    if (delivery.secure) {
      fields.error = "access_denied";
      fields.error_description = outcome.message;
    }
    // The official key: `message` in the DIMO_ERROR message, `error` in the query (see redirectUrl).
    fields.message = outcome.message;
  } else {
    fields.logout = true;
  }
  if (state !== null) fields.state = state;
  if (delivery.secure) fields.iss = delivery.iss;
  return fields;
}

/**
 * The redirect URI with the UTM merged first and the result set after it, so result keys win (and
 * UTM keys that collide with result keys are dropped outright, §8). Arrays are comma-joined;
 * `URLSearchParams.set` replaces parameters of the same name already in the URI.
 */
export function redirectUrl(
  redirectUri: string,
  utm: string | null,
  fields: Record<string, unknown>,
): string {
  const url = new URL(redirectUri);
  mergeUtm(url, utm);
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (key === "message") {
      // Legacy errors travel as `error=<message>`; secure mode already set `error=access_denied`.
      if (fields.error === undefined) url.searchParams.set("error", String(value));
      continue;
    }
    url.searchParams.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  return url.toString();
}

/** `utm` with `=` is a query string whose keys are set; otherwise it is set as `utm=<value>` (§8). */
export function mergeUtm(url: URL, utm: string | null): void {
  if (utm === null || utm === "") return;
  if (!utm.includes("=")) {
    url.searchParams.set("utm", utm);
    return;
  }
  const params = new URLSearchParams(utm.startsWith("?") ? utm.slice(1) : utm);
  for (const key of new Set(params.keys())) {
    if (RESULT_KEYS.has(key)) continue;
    url.searchParams.set(key, params.get(key)!);
  }
}
