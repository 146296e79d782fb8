import {
  type ConnectClient,
  type ConnectRequest,
  EntryState,
  LOGIN_URLS,
  Permissions,
  type SecureParams,
} from "./types.ts";

/** The login app's base URL: `loginUrl` when given, else the environment's (unknown → production). */
export function resolveLoginUrl(client: Pick<ConnectClient, "loginUrl" | "environment">): string {
  const raw =
    client.loginUrl ?? LOGIN_URLS[client.environment as keyof typeof LOGIN_URLS] ?? LOGIN_URLS.production;
  const url = new URL(raw);
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new TypeError(`Not an http(s) login URL: ${raw}`);
  // The bare base URL, as the official SDK opens it: no trailing slash on a root path.
  return url.pathname === "/" && url.search === "" && url.hash === "" ? url.origin : url.toString();
}

/** The exact origin result messages must come from. */
export function loginOrigin(client: Pick<ConnectClient, "loginUrl" | "environment">): string {
  return new URL(resolveLoginUrl(client)).origin;
}

/** The base URL of `/oauth/token` (secure mode). */
export function issuerUrl(client: ConnectClient): string {
  return (client.issuerUrl ?? resolveLoginUrl(client)).replace(/\/+$/, "");
}

/** The privileges as the 8-character bitstring of connect-protocol.md §5.2. */
export function permissionsToBitstring(permissions: readonly Permissions[]): string {
  const wanted = new Set(permissions);
  return Object.values(Permissions)
    .map((p) => (wanted.has(p) ? "1" : "0"))
    .join("");
}

const TEMPLATE_BASE: Permissions[] = [
  Permissions.GetNonLocationHistory,
  Permissions.GetCurrentLocation,
  Permissions.GetLocationHistory,
  Permissions.GetVINCredential,
  Permissions.GetLiveData,
];

/** The privileges of a permission template, as the official SDK computes them. */
export function templatePermissions(templateId: string | undefined): Permissions[] {
  return templateId === "1" ? [...TEMPLATE_BASE, Permissions.ExecuteCommands] : [...TEMPLATE_BASE];
}

/**
 * The `permissions` bitstring the official SDK sends: the list when non-empty, else the template's
 * set; nothing when neither is given.
 */
export function permissionsParam(
  permissions: ConnectRequest["permissions"],
  templateId: string | undefined,
): string | undefined {
  if (typeof permissions === "string") {
    if (!/^[01]{1,16}$/.test(permissions)) throw new TypeError(`Not a permissions bitstring: ${permissions}`);
    return permissions;
  }
  if (permissions === undefined && !templateId) return undefined;
  const list =
    Array.isArray(permissions) && permissions.length > 0 ? permissions : templatePermissions(templateId);
  return permissionsToBitstring(list);
}

/** The entry state the official components would use for a request without one. */
export function defaultEntryState(request: ConnectRequest): `${EntryState}` {
  if (request.entryState) return request.entryState;
  return request.permissionTemplateId || request.permissions !== undefined
    ? EntryState.VEHICLE_MANAGER
    : EntryState.EMAIL_INPUT;
}

/** `transactionData` for a query string: URI-encoded JSON, as the official SDK sends it. */
function transactionParam(data: ConnectRequest["transactionData"]): string | undefined {
  if (data === undefined) return undefined;
  return typeof data === "string" ? data : encodeURIComponent(JSON.stringify(data));
}

function jsonParam(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Every parameter of a request as query/message values (arrays stay arrays, booleans stay booleans),
 * with absent and empty values left out.
 */
export function requestParams(client: ConnectClient, request: ConnectRequest): Record<string, unknown> {
  const params: Record<string, unknown> = {
    configurationId: request.configurationId,
    clientId: client.clientId,
    redirectUri: client.redirectUri,
    entryState: request.configurationId && !request.entryState ? undefined : defaultEntryState(request),
    permissionTemplateId: request.permissionTemplateId,
    permissions: permissionsParam(request.permissions, request.permissionTemplateId),
    vehicles: request.vehicles?.map(String),
    vehicleMakes: request.vehicleMakes,
    powertrainTypes: request.powertrainTypes,
    onboarding: request.onboarding,
    expirationDate: request.expirationDate,
    utm: request.utm ?? undefined,
    transactionData: request.transactionData,
    messageData: request.messageData,
    forceEmail: request.forceEmail,
    altTitle: request.altTitle,
    brandName: request.brandName,
    tosUrl: request.tosUrl,
    privacyPolicyUrl: request.privacyPolicyUrl,
    newVehicleSectionDescription: request.newVehicleSectionDescription,
    shareVehiclesSectionDescription: request.shareVehiclesSectionDescription,
    region: request.region,
    cloudEvent: request.cloudEvent,
  };
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "" || value === false) delete params[key];
    else if (Array.isArray(value) && value.length === 0) delete params[key];
  }
  return params;
}

/** Secure mode's query parameters (security.md §3). */
export function secureParams(secure: SecureParams): Record<string, string> {
  return {
    response_type: "code",
    state: secure.state,
    code_challenge: secure.codeChallenge,
    code_challenge_method: "S256",
  };
}

/**
 * The login URL carrying a whole request in its query (redirect mode, or a link to share): arrays as
 * repeated keys, booleans only when true, JSON values serialized, secure-mode parameters when given.
 */
export function buildLoginUrl(client: ConnectClient, request: ConnectRequest, secure?: SecureParams): string {
  if (!request.configurationId && !client.redirectUri) {
    throw new TypeError("A redirectUri is required unless a configurationId names a stored configuration");
  }
  const url = new URL(resolveLoginUrl(client));
  const query = url.searchParams;
  for (const [key, value] of Object.entries(requestParams(client, request))) {
    if (Array.isArray(value)) for (const item of value) query.append(key, String(item));
    else if (key === "transactionData") query.append(key, transactionParam(request.transactionData) ?? "");
    else if (key === "messageData" || key === "cloudEvent") query.append(key, jsonParam(value) ?? "");
    else query.append(key, String(value));
  }
  if (secure) for (const [key, value] of Object.entries(secureParams(secure))) query.set(key, value);
  return url.toString();
}

/** The iframe URL of embed mode: names only the license, so the server can allow the framing. */
export function buildEmbedUrl(client: ConnectClient): string {
  const url = new URL(resolveLoginUrl(client));
  url.searchParams.set("clientId", client.clientId);
  url.searchParams.set("mode", "embed");
  return url.toString();
}

/**
 * The payload keys the login app asks for with its action event (connect-protocol.md §7.1 step 5).
 * Everything else (texts, region, branding) travels in AUTH_INIT: the login app ignores other keys
 * in a payload.
 */
export const PAYLOAD_KEYS = [
  "permissionTemplateId",
  "permissions",
  "vehicles",
  "vehicleMakes",
  "onboarding",
  "expirationDate",
  "utm",
  "powertrainTypes",
  "transactionData",
  "messageData",
  "cloudEvent",
] as const;

/** The first message (`AUTH_INIT`) and the action payload of a popup/embed flow. */
export function handshakeMessages(
  client: ConnectClient,
  request: ConnectRequest,
  secure?: SecureParams,
): { authInit: Record<string, unknown>; payload: Record<string, unknown> } {
  if (!client.redirectUri) throw new TypeError("A redirectUri is required for popup and embed flows");
  const params = requestParams(client, { ...request, configurationId: undefined });
  const payload: Record<string, unknown> = {};
  for (const key of PAYLOAD_KEYS) {
    if (params[key] !== undefined) payload[key] = params[key];
    delete params[key];
  }
  const authInit: Record<string, unknown> = {
    ...params,
    forceEmail: request.forceEmail ?? false,
    ...(secure ? secureParams(secure) : {}),
    eventType: "AUTH_INIT",
  };
  return { authInit, payload };
}

function splitList(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === "string" && value !== "")
    return value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean);
  return undefined;
}

/**
 * A stored configuration (`GET /api/configurations/:id`, connect-protocol.md §2) as request values,
 * for popup and embed flows, whose URL cannot carry the id: the request's own values win.
 */
export function applyConfiguration(
  configuration: Record<string, unknown>,
  client: ConnectClient,
  request: ConnectRequest,
): { client: ConnectClient; request: ConnectRequest } {
  const text = (key: string) => {
    const value = configuration[key];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const powertrains = [
    ...(splitList(configuration.powertrainTypes) ?? []),
    ...(splitList(configuration.powerTrainTypes) ?? []),
  ];
  const fromConfig: ConnectRequest = {
    entryState: text("entryState") as ConnectRequest["entryState"],
    permissionTemplateId: text("permissionTemplateId"),
    permissions: text("permissions"),
    vehicles: splitList(configuration.vehicles),
    vehicleMakes: splitList(configuration.vehicleMakes),
    powertrainTypes: powertrains.length > 0 ? powertrains : undefined,
    onboarding: splitList(configuration.onboarding),
    expirationDate: text("expirationDate"),
    utm: text("utm"),
    brandName: text("brandName"),
    tosUrl: text("tosUrl"),
    privacyPolicyUrl: text("privacyPolicyUrl"),
    altTitle: configuration.altTitle === true || configuration.altTitle === "true",
    cloudEvent: text("cloudEvent"),
  };
  const merged: ConnectRequest = { ...fromConfig };
  for (const [key, value] of Object.entries(request)) {
    if (value !== undefined && key !== "configurationId") (merged as Record<string, unknown>)[key] = value;
  }
  const redirectUri = client.redirectUri ?? text("redirectUri");
  return { client: { ...client, ...(redirectUri ? { redirectUri } : {}) }, request: merged };
}
