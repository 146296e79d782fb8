import { PAYLOAD_KEYS, REQUEST_KEYS } from "./connect-keys.ts";
import { PRIVILEGES, type PrivilegeId } from "./privileges.ts";

/**
 * The login app's request parameters (connect-protocol.md §1, §2; security.md §3), as pure
 * functions: each source (stored configuration, URL query, AUTH_INIT message, action payload) is
 * reduced to the allow-list and its aliases resolved, the sources are layered (later wins), and the
 * result is normalized into one validated `ConnectRequest`. License checks (does the client exist,
 * is the redirect URI registered, is the origin allowed) are the flow service's.
 */

export const ENTRY_STATES = [
  "EMAIL_INPUT",
  "VEHICLE_MANAGER",
  "LOGOUT",
  "SUCCESS",
  "ADVANCED_TRANSACTION",
  "SIGN_MESSAGE",
  "ACCOUNT_MANAGER",
  "PROVISION_DEVELOPER_LICENSE",
] as const;
export type EntryState = (typeof ENTRY_STATES)[number];

export type ConnectMode = "redirect" | "popup" | "embed";

/** The popup's action-payload request per entry state (§3, §7.1 step 4). */
export const PAYLOAD_EVENTS: Partial<Record<EntryState, string>> = {
  VEHICLE_MANAGER: "SHARE_VEHICLES_DATA",
  ADVANCED_TRANSACTION: "EXECUTE_ADVANCED_TRANSACTION",
  SIGN_MESSAGE: "SIGN_MESSAGE",
  ACCOUNT_MANAGER: "SHARE_ACCOUNT_DATA",
  PROVISION_DEVELOPER_LICENSE: "PROVISION_DEVELOPER_LICENSE",
};

/** Why a request is refused; `code` is the login API's error code (docs/login-api.md). */
export type ConnectErrorCode =
  | "missingClientId"
  | "missingRedirectUri"
  | "unknownClient"
  | "invalidRedirectUri"
  | "invalidPermissions"
  | "configurationNotFound"
  | "configurationMismatch"
  | "expirationInPast"
  | "invalidParameters"
  | "secureModeRequired"
  | "invalidSecureRequest"
  | "originNotAllowed"
  | "advancedTransactionsUnavailable"
  | "entryStateUnavailable";

export class ConnectParamError extends Error {
  constructor(
    readonly code: ConnectErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Parameter values as they arrive: strings, arrays (repeated keys, messages), booleans, objects. */
export type RawParams = Record<string, unknown>;

const ALLOWED = new Set<string>(REQUEST_KEYS);
const PAYLOAD_ALLOWED = new Set<string>(PAYLOAD_KEYS);

/** Drops unknown keys and absent values (`undefined`, `null`), and resolves the aliases of one source. */
function reduce(source: RawParams, allowed: ReadonlySet<string>): RawParams {
  const out: RawParams = {};
  for (const [key, value] of Object.entries(source)) {
    if (!allowed.has(key) || value === undefined || value === null) continue;
    out[key] = value;
  }
  alias(out, "client_id", "clientId");
  alias(out, "redirect_uri", "redirectUri");
  // Stored configurations write `powerTrainTypes`; both spellings in one source are united.
  if (out.powerTrainTypes !== undefined) {
    const both = [
      ...toList("powertrainTypes", out.powertrainTypes),
      ...toList("powerTrainTypes", out.powerTrainTypes),
    ];
    out.powertrainTypes = [...new Set(both)];
    delete out.powerTrainTypes;
  }
  return out;
}

function alias(params: RawParams, from: string, to: string): void {
  if (params[from] === undefined) return;
  const a = firstString(to, params[to]);
  const b = firstString(from, params[from]);
  if (a !== undefined && b !== undefined && a !== b)
    throw new ConnectParamError("invalidParameters", `${to} and ${from} name different values.`);
  params[to] = params[to] ?? params[from];
  delete params[from];
}

/** The parameters of a URL query (`location.search` without `?`); repeated keys form arrays. */
export function paramsFromQuery(query: string): RawParams {
  const search = new URLSearchParams(query.startsWith("?") ? query.slice(1) : query);
  const out: RawParams = {};
  for (const key of new Set(search.keys())) {
    const values = search.getAll(key);
    out[key] = values.length === 1 ? values[0] : values;
  }
  return out;
}

/** The request parameters of a URL query: the allow-list; `configurationId`, `mode` and `lang` are read separately. */
export function requestParamsFromQuery(query: RawParams): RawParams {
  return reduce(query, ALLOWED);
}

/** An AUTH_INIT message, reduced to the allow-list (`eventType` and unknown keys dropped). */
export function paramsFromMessage(message: unknown): RawParams {
  if (typeof message !== "object" || message === null || Array.isArray(message))
    throw new ConnectParamError("invalidParameters", "The message is not an object.");
  return reduce(message as RawParams, ALLOWED);
}

/** An action payload (§7.1 step 5): only the payload keys. */
export function paramsFromPayload(payload: unknown): RawParams {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    throw new ConnectParamError("invalidParameters", "The payload is not an object.");
  return reduce(payload as RawParams, PAYLOAD_ALLOWED);
}

/**
 * A stored configuration's object (§2): its values are defaults. `clientId` comes from the row, not
 * the object. The advanced-transaction fields the console writes (`value`, `abi`, `functionName`,
 * `args`) are assembled into `transactionData`.
 */
export function paramsFromConfiguration(configuration: Record<string, unknown>, clientId: string): RawParams {
  const { clientId: _ignored, client_id: _alsoIgnored, ...rest } = configuration;
  const out = reduce(rest, ALLOWED);
  if (out.transactionData === undefined && typeof configuration.functionName === "string") {
    out.transactionData = {
      value: configuration.value ?? "0",
      abi: parseJsonValue("abi", configuration.abi),
      functionName: configuration.functionName,
      args: toList("args", configuration.args),
    };
  }
  out.clientId = clientId;
  return out;
}

/** Layers sources: a key in a later layer replaces the earlier value. */
export function mergeParams(...layers: RawParams[]): RawParams {
  return Object.assign({}, ...layers);
}

/** The clientId a source names, if any (aliases resolved). */
export function clientIdOf(params: RawParams): string | undefined {
  return firstString("clientId", params.clientId);
}

export interface CloudEventRequest {
  eventType: string;
  source: string;
  ids: string[];
  tags: string[];
}

/** The validated request of a flow. Dates are ISO strings (it is stored as JSON). */
export interface ConnectRequest {
  clientId: string;
  redirectUri: string;
  entryState: EntryState;
  forceEmail: boolean;
  altTitle: boolean;
  /** The requested privileges, from the template or the bitstring; null when neither was given. */
  privileges: PrivilegeId[] | null;
  permissionTemplateId: string | null;
  vehicles: string[];
  vehicleMakes: string[];
  powertrainTypes: string[];
  onboarding: string[];
  expiresAt: string;
  /** True when no usable `expirationDate` was given: the default applies (recomputed when sharing). */
  expirationDefaulted: boolean;
  utm: string | null;
  brandName: string | null;
  tosUrl: string | null;
  privacyPolicyUrl: string | null;
  newVehicleSectionDescription: string | null;
  shareVehiclesSectionDescription: string | null;
  region: string | null;
  cloudEvent: CloudEventRequest | null;
  transactionData: Record<string, unknown> | null;
  messageData: { message: string; isHex: boolean } | null;
  /** Secure mode (security.md §3): `response_type=code` with PKCE S256 and `state`. */
  secure: boolean;
  /** The app's `state`, echoed back (required in secure mode, optional in legacy mode). */
  state: string | null;
  codeChallenge: string | null;
  mode: ConnectMode;
}

export interface NormalizeContext {
  /** Epoch milliseconds. */
  now: number;
  mode: ConnectMode;
  /** The license's cap on grant lifetimes (security.md §2), if any. */
  maxGrantDays?: number | null;
}

/** 100 years as the grants module counts them (365-day years), the default lifetime of a grant (§6). */
export const DEFAULT_GRANT_MS = 100 * 365 * 86_400_000;
const DAY_MS = 86_400_000;

const MAX_STRING = 2048;
const MAX_TEXT = 1000;
const MAX_LIST_ITEMS = 100;
const MAX_ITEM = 100;

/** Normalizes layered parameters into a request, or throws a `ConnectParamError`. */
export function normalizeRequest(raw: RawParams, ctx: NormalizeContext): ConnectRequest {
  const clientId = str("clientId", raw.clientId);
  if (clientId === undefined)
    throw new ConnectParamError("missingClientId", "The request names no clientId.");
  if (!/^0x[0-9a-fA-F]{40}$/.test(clientId))
    throw new ConnectParamError("unknownClient", `"${clip(clientId)}" is not a client id.`);
  const redirectUri = str("redirectUri", raw.redirectUri);
  if (redirectUri === undefined)
    throw new ConnectParamError("missingRedirectUri", "The request names no redirectUri.");

  const entryState = parseEntryState(raw.entryState);
  const privileges = parsePrivileges(raw.permissionTemplateId, raw.permissions);
  if (
    entryState === "VEHICLE_MANAGER" &&
    (privileges.privileges === null || privileges.privileges.length === 0)
  )
    throw new ConnectParamError(
      "invalidPermissions",
      "Sharing vehicles needs permissions: a permissionTemplateId or a permissions bitstring with at least one 1.",
    );
  const expiry = parseExpiry(raw.expirationDate, ctx);
  const secure = parseSecureMode(raw);

  return {
    clientId,
    redirectUri,
    entryState,
    forceEmail: bool("forceEmail", raw.forceEmail),
    altTitle: bool("altTitle", raw.altTitle),
    privileges: privileges.privileges,
    permissionTemplateId: privileges.templateId,
    vehicles: list("vehicles", raw.vehicles),
    vehicleMakes: list("vehicleMakes", raw.vehicleMakes),
    powertrainTypes: list("powertrainTypes", raw.powertrainTypes),
    onboarding: list("onboarding", raw.onboarding),
    expiresAt: new Date(expiry.expiresAt).toISOString(),
    expirationDefaulted: expiry.defaulted,
    utm: str("utm", raw.utm, MAX_STRING) ?? null,
    brandName: str("brandName", raw.brandName, 100) ?? null,
    tosUrl: httpsUrl("tosUrl", raw.tosUrl),
    privacyPolicyUrl: httpsUrl("privacyPolicyUrl", raw.privacyPolicyUrl),
    newVehicleSectionDescription:
      str("newVehicleSectionDescription", raw.newVehicleSectionDescription, MAX_TEXT) ?? null,
    shareVehiclesSectionDescription:
      str("shareVehiclesSectionDescription", raw.shareVehiclesSectionDescription, MAX_TEXT) ?? null,
    region: str("region", raw.region, MAX_ITEM)?.toUpperCase() ?? null,
    cloudEvent: parseCloudEvent(raw.cloudEvent),
    transactionData: parseTransactionData(raw.transactionData),
    messageData: parseMessageData(raw.messageData),
    ...secure,
    mode: ctx.mode,
  };
}

/** Unknown values (and the SDK-only `ERROR`, `LOADING`) fall back to `EMAIL_INPUT`; `OTP_INPUT` is `EMAIL_INPUT`. */
export function parseEntryState(value: unknown): EntryState {
  const state = firstString("entryState", value)?.trim();
  return (ENTRY_STATES as readonly string[]).includes(state ?? "") ? (state as EntryState) : "EMAIL_INPUT";
}

const TEMPLATE_1: PrivilegeId[] = [1, 2, 3, 4, 5, 6];
const OTHER_TEMPLATE: PrivilegeId[] = [1, 3, 4, 5, 6];

/**
 * Template `"1"` = privileges 1–6, any other non-empty template id = 1,3,4,5,6 (§1.2); the template
 * wins over a bitstring (§5.2). Bitstrings: 1–16 characters of 0/1, character i = privilege i+1,
 * missing characters are 0, a `1` beyond the eighth is an unknown privilege.
 */
export function parsePrivileges(
  templateValue: unknown,
  bitsValue: unknown,
): { privileges: PrivilegeId[] | null; templateId: string | null } {
  const templateId = str("permissionTemplateId", templateValue, MAX_ITEM) ?? null;
  // A bitstring is validated even when the template wins: a malformed request is refused either way.
  const bits = parseBitstring(bitsValue);
  if (templateId !== null)
    return { privileges: templateId === "1" ? TEMPLATE_1 : OTHER_TEMPLATE, templateId };
  return { privileges: bits, templateId: null };
}

export function parseBitstring(value: unknown): PrivilegeId[] | null {
  const bits = firstString("permissions", value)?.trim();
  if (bits === undefined || bits === "") return null;
  if (!/^[01]{1,16}$/.test(bits))
    throw new ConnectParamError(
      "invalidPermissions",
      "permissions must be 1 to 16 characters of 0 and 1 (character i requests privilege i+1).",
    );
  const ids: PrivilegeId[] = [];
  for (let i = 0; i < bits.length; i++) {
    if (bits[i] !== "1") continue;
    if (i >= PRIVILEGES.length)
      throw new ConnectParamError(
        "invalidPermissions",
        `permissions requests an unknown privilege ${i + 1}.`,
      );
    ids.push((i + 1) as PrivilegeId);
  }
  return ids;
}

/**
 * An `expirationDate` as epoch milliseconds: ISO 8601 date or date-time (no offset = UTC),
 * `YYYY-MM-DD`, or `MM-DD-YYYY`; date-only values are 00:00:00 UTC. Undefined when unparseable.
 */
export function parseDate(value: string): number | undefined {
  const s = value.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return utc(+m[1]!, +m[2]!, +m[3]!);
  m = /^(\d{2})-(\d{2})-(\d{4})$/.exec(s);
  if (m) return utc(+m[3]!, +m[1]!, +m[2]!);
  m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?$/.exec(
      s,
    );
  if (!m) return undefined;
  const day = utc(+m[1]!, +m[2]!, +m[3]!);
  const [hour, minute, second] = [+m[4]!, +m[5]!, +(m[6] ?? 0)];
  if (day === undefined || hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] ? Math.floor(+`0.${m[7]}` * 1000) : 0;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone !== "Z" && zone !== "z") {
    const digits = zone.replace(":", "");
    const hours = +digits.slice(1, 3);
    const minutes = +digits.slice(3, 5);
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone[0] === "-" ? -1 : 1) * (hours * 60 + minutes);
  }
  return day + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
}

function utc(year: number, month: number, day: number): number | undefined {
  const t = Date.UTC(year, month - 1, day);
  const d = new Date(t);
  // Date.UTC rolls 02-30 over into March: a round trip rejects impossible dates.
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day
    ? t
    : undefined;
}

/**
 * The grant expiry (§6): missing or unparseable → now + 100 years; in the past → error; later than
 * 100 years or the license's `maxGrantDays` → capped there.
 */
export function parseExpiry(
  value: unknown,
  ctx: NormalizeContext,
): { expiresAt: number; defaulted: boolean } {
  const cap = defaultExpiry(ctx.now, ctx.maxGrantDays);
  const text = typeof value === "number" ? undefined : firstString("expirationDate", value);
  const parsed = text === undefined ? undefined : parseDate(text);
  if (parsed === undefined) return { expiresAt: cap, defaulted: true };
  if (parsed <= ctx.now)
    throw new ConnectParamError("expirationInPast", `The expiration date ${clip(text!)} is in the past.`);
  return { expiresAt: Math.min(parsed, cap), defaulted: false };
}

/** now + 100 years, or now + maxGrantDays when the license caps grants. */
export function defaultExpiry(now: number, maxGrantDays?: number | null): number {
  const hundredYears = now + DEFAULT_GRANT_MS;
  return maxGrantDays ? Math.min(hundredYears, now + maxGrantDays * DAY_MS) : hundredYears;
}

const STATE_CHARS = /^[\x20-\x7e]+$/;
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** Secure mode (security.md §3): `response_type=code`, `state` of ≥ 128 bits, PKCE S256 only. */
export function parseSecureMode(raw: RawParams): {
  secure: boolean;
  state: string | null;
  codeChallenge: string | null;
} {
  const responseType = str("response_type", raw.response_type, MAX_ITEM);
  const state = str("state", raw.state, 1024, { trim: false });
  if (state !== undefined && !STATE_CHARS.test(state))
    throw new ConnectParamError("invalidSecureRequest", "state must be printable ASCII.");
  const challenge = str("code_challenge", raw.code_challenge, MAX_ITEM);
  const method = str("code_challenge_method", raw.code_challenge_method, MAX_ITEM);
  if (responseType === undefined) {
    if (challenge !== undefined || method !== undefined)
      throw new ConnectParamError("invalidSecureRequest", "code_challenge needs response_type=code.");
    return { secure: false, state: state ?? null, codeChallenge: null };
  }
  if (responseType !== "code")
    throw new ConnectParamError(
      "invalidSecureRequest",
      `response_type must be "code", not "${clip(responseType)}".`,
    );
  // 22 base64url characters carry 128 bits: a shorter state cannot.
  if (state === undefined || state.length < 22)
    throw new ConnectParamError(
      "invalidSecureRequest",
      "state is required in secure mode and must carry at least 128 bits (22 or more characters).",
    );
  if (challenge === undefined || !CODE_CHALLENGE.test(challenge))
    throw new ConnectParamError(
      "invalidSecureRequest",
      "code_challenge must be BASE64URL(SHA256(code_verifier)): 43 characters.",
    );
  if (method !== "S256")
    throw new ConnectParamError(
      "invalidSecureRequest",
      "code_challenge_method must be S256 (plain is not accepted).",
    );
  return { secure: true, state, codeChallenge: challenge };
}

const CLOUD_EVENT_SOURCE = /^(\*|0x[0-9a-fA-F]{40})$/;

function parseCloudEvent(value: unknown): CloudEventRequest | null {
  const parsed = parseJsonParam("cloudEvent", value);
  if (parsed === null) return null;
  const eventType = parsed.eventType ?? "dimo.attestation";
  const { source, ids, tags } = parsed;
  const strings = (v: unknown) =>
    Array.isArray(v) && v.every((x) => typeof x === "string" && x.length <= MAX_ITEM);
  if (
    typeof eventType !== "string" ||
    eventType.length > MAX_ITEM ||
    typeof source !== "string" ||
    !CLOUD_EVENT_SOURCE.test(source) ||
    !strings(ids) ||
    !strings(tags) ||
    (ids as string[]).length > MAX_LIST_ITEMS ||
    (tags as string[]).length > MAX_LIST_ITEMS
  ) {
    throw new ConnectParamError(
      "invalidParameters",
      'cloudEvent must be {eventType?, source: "*" or an address, ids: string[], tags: string[]}.',
    );
  }
  return { eventType, source, ids: ids as string[], tags: tags as string[] };
}

function parseTransactionData(value: unknown): Record<string, unknown> | null {
  return parseJsonParam("transactionData", value);
}

function parseMessageData(value: unknown): { message: string; isHex: boolean } | null {
  const parsed = parseJsonParam("messageData", value);
  if (parsed === null) return null;
  const isHex = parsed.isHex === true;
  if (typeof parsed.message !== "string" || parsed.message.length > 10_000)
    throw new ConnectParamError("invalidParameters", "messageData.message must be a string.");
  if (isHex && !/^0x[0-9a-fA-F]{64}$/.test(parsed.message))
    throw new ConnectParamError(
      "invalidParameters",
      "messageData.message must be 0x and 64 hex digits when isHex.",
    );
  return { message: parsed.message, isHex };
}

/**
 * A JSON parameter (§1.1): an object as it is; a string is parsed, and if that fails, URI-decoded
 * and parsed (the SDK URI-encodes before URLSearchParams encodes again).
 */
export function parseJsonParam(name: string, value: unknown): Record<string, unknown> | null {
  if (value === undefined || value === null || value === "") return null;
  const parsed = parseJsonValue(name, Array.isArray(value) ? value[0] : value);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new ConnectParamError("invalidParameters", `${name} must be a JSON object.`);
  return parsed as Record<string, unknown>;
}

function parseJsonValue(name: string, value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    try {
      return JSON.parse(decodeURIComponent(value));
    } catch {
      throw new ConnectParamError("invalidParameters", `${name} is not valid JSON.`);
    }
  }
}

/** Booleans: true/1/yes/on and `true` are true; false/0/no/off, empty and `false` are false. */
export function bool(name: string, value: unknown): boolean {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === null) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number" && (v === 0 || v === 1)) return v === 1;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (["true", "1", "yes", "on"].includes(s)) return true;
    if (["false", "0", "no", "off", ""].includes(s)) return false;
  }
  throw new ConnectParamError("invalidParameters", `${name} must be true or false.`);
}

/**
 * Arrays: repeated keys, an array value, or one comma-joined string; split on `,`, trimmed, empties
 * dropped, duplicates removed.
 */
export function list(name: string, value: unknown): string[] {
  const items = toList(name, value);
  if (items.length > MAX_LIST_ITEMS)
    throw new ConnectParamError("invalidParameters", `${name} lists more than ${MAX_LIST_ITEMS} values.`);
  if (items.some((item) => item.length > MAX_ITEM))
    throw new ConnectParamError(
      "invalidParameters",
      `${name} has a value longer than ${MAX_ITEM} characters.`,
    );
  return [...new Set(items)];
}

function toList(name: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const parts = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const part of parts) {
    if (part === undefined || part === null) continue;
    if (typeof part !== "string" && typeof part !== "number")
      throw new ConnectParamError("invalidParameters", `${name} must be a list of strings.`);
    for (const item of String(part).split(",")) {
      const trimmed = item.trim();
      if (trimmed) out.push(trimmed);
    }
  }
  return out;
}

/** A scalar string: the first of repeated values, trimmed; empty = absent. */
function str(
  name: string,
  value: unknown,
  max = MAX_STRING,
  opts: { trim?: boolean } = {},
): string | undefined {
  const first = firstString(name, value);
  if (first === undefined) return undefined;
  const s = opts.trim === false ? first : first.trim();
  if (s === "") return undefined;
  if (s.length > max)
    throw new ConnectParamError("invalidParameters", `${name} is longer than ${max} characters.`);
  return s;
}

function firstString(name: string, value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new ConnectParamError("invalidParameters", `${name} must be a string.`);
}

function httpsUrl(name: string, value: unknown): string | null {
  const s = str(name, value);
  if (s === undefined) return null;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new ConnectParamError("invalidParameters", `${name} is not a URL.`);
  }
  if (url.protocol !== "https:")
    throw new ConnectParamError("invalidParameters", `${name} must be an https URL.`);
  return s;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * The origin (`scheme://host[:port]`) of an http(s) URL, or undefined. Allowed origins of a license
 * are those of its redirect URIs plus its registered web origins (security.md §4).
 */
export function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return undefined;
    return parsed.origin;
  } catch {
    return undefined;
  }
}

/** Exact origin match against the allowed list (scheme, host and port; no wildcards). */
export function isAllowedOrigin(origin: string, allowed: readonly string[]): boolean {
  return allowed.includes(origin);
}
