import { randomBytes } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { type Address, checksumAddress, isHexAddress, sameAddress } from "../../domain/address.ts";
import { readableTextColor } from "../../domain/color.ts";
import {
  type ConnectMode,
  ConnectParamError,
  type ConnectRequest,
  clientIdOf,
  DEFAULT_GRANT_MS,
  defaultExpiry,
  type EntryState,
  mergeParams,
  normalizeRequest,
  originOf,
  PAYLOAD_EVENTS,
  paramsFromConfiguration,
  paramsFromMessage,
  paramsFromPayload,
  paramsFromQuery,
  parseEntryState,
  parseSecureMode,
  type RawParams,
  requestParamsFromQuery,
} from "../../domain/connect-params.ts";
import {
  buildConnectResult,
  type ConnectOutcome,
  type ConnectResult,
  type Delivery,
} from "../../domain/connect-results.ts";
import type { PrivilegeId } from "../../domain/privileges.ts";
import { apiError } from "../../http/api-error.ts";
import type { ConnectFlowsTable, Database } from "../../store/schema.ts";
import type { User } from "../accounts/service.ts";
import type { SignedJwt } from "../auth/jwt.ts";
import type { GrantService } from "../grants/service.ts";
import { vehicleName } from "../identity/vehicle-name.ts";
import type { Brand, BrandService } from "../licenses/brands.ts";
import type { ConfigurationService } from "../licenses/configurations.ts";
import type { License, LicenseService } from "../licenses/service.ts";
import type { LicenseSettings, LicenseSettingsService } from "../licenses/settings.ts";
import type { Vehicle, VehicleService } from "../vehicles/service.ts";
import type { AuthorizationCodes } from "./codes.ts";

/**
 * The login app's flows (docs/login-api.md): a flow is one sign-in/consent transaction. It is
 * created from the page's URL (a stored configuration, then the query) or, for a popup or an embed
 * opened at the bare URL, from the `AUTH_INIT` message and the action payload; the request is
 * validated against the license (client, exact redirect URI, allowed origins, secure-mode policy)
 * before anything is shown. The actions (sign-in result, share, revoke, extend, cancel, logout,
 * reject) answer the result the app delivers: a message in the official shape for popup/embed, or
 * the redirect URL.
 */
export const FLOW_TTL_MS = 3600_000;
const PURGE_INTERVAL_MS = 60_000;
const MAX_OWNED_VEHICLES = 1000;

export interface ConnectSettings {
  publicUrl: string;
  platformName: string;
}

export interface ConnectDeps {
  db: Kysely<Database>;
  licenses: LicenseService;
  licenseSettings: LicenseSettingsService;
  configurations: ConfigurationService;
  brands: BrandService;
  vehicles: VehicleService;
  grants: GrantService;
  codes: AuthorizationCodes;
  issueUserJwt(input: { clientId: string; walletAddress: string }): Promise<SignedJwt>;
  settings: ConnectSettings;
  now?: () => number;
  /** Notes worth a log line (an ignored `configCID`, ...). */
  note?: (message: string, fields?: Record<string, unknown>) => void;
}

/** The flow's request as the app receives it (docs/login-api.md `request`). */
export type PublicRequest = Omit<
  ConnectRequest,
  "state" | "codeChallenge" | "region" | "transactionData" | "messageData"
>;

export interface AppInfo {
  clientId: string;
  name: string;
  alias: string | null;
  hostname: string;
  platformName: string;
  brand: null | {
    name: string;
    logoUrl: string | null;
    iconUrl: string | null;
    primaryColor: string | null;
    textColor: string | null;
  };
}

export type FlowAnswer =
  | { status: "awaitingMessage"; clientId?: string }
  | { status: "awaitingPayload"; flowId: string; payloadEvent: string; replyOrigin: string }
  | { status: "ready"; flowId: string; request: PublicRequest; app: AppInfo; replyOrigin: string | null };

export interface Flow {
  id: string;
  clientId: Address;
  status: "awaitingPayload" | "ready";
  mode: ConnectMode;
  replyOrigin: string | null;
  layers: { message: RawParams; url: RawParams };
  request: ConnectRequest | null;
  userId: string | null;
}

export interface VehicleView {
  tokenId: number;
  name: string;
  make: string;
  model: string;
  year: number;
  powertrainType: string;
  compatible: boolean;
  incompatibleReasons: Array<"vehicles" | "vehicleMakes" | "powertrainTypes">;
  grant: null | {
    privileges: PrivilegeId[];
    expiresAt: string;
    differsFromRequested: boolean;
    /** False when the grant already ends at the longest lifetime allowed (100 years or the license's cap). */
    extendable: boolean;
  };
}

interface Checked {
  license: License;
  settings: LicenseSettings;
  replyOrigin: string | null;
}

const UNAVAILABLE: Partial<
  Record<EntryState, { code: "advancedTransactionsUnavailable" | "entryStateUnavailable"; message: string }>
> = {
  ADVANCED_TRANSACTION: {
    code: "advancedTransactionsUnavailable",
    message: "Advanced transactions are not available on this server",
  },
  SIGN_MESSAGE: {
    code: "entryStateUnavailable",
    message: "Signing messages is not available on this server",
  },
  ACCOUNT_MANAGER: {
    code: "entryStateUnavailable",
    message: "Sharing account data is not available on this server",
  },
  PROVISION_DEVELOPER_LICENSE: {
    code: "entryStateUnavailable",
    message: "Provisioning developer licenses is not available on this server",
  },
};

export class ConnectService {
  private readonly now: () => number;
  private lastPurge = 0;
  private note: (message: string, fields?: Record<string, unknown>) => void;

  constructor(private readonly deps: ConnectDeps) {
    this.now = deps.now ?? Date.now;
    this.note = deps.note ?? (() => {});
  }

  /** Where notes go (the app's logger); none by default. */
  setLog(log: { info(obj: object, msg: string): void }): void {
    this.note = (message, fields = {}) => log.info(fields, message);
  }

  get issuer(): string {
    return this.deps.settings.publicUrl;
  }

  // ---- flow creation -------------------------------------------------------------------------

  /** `POST /api/connect/flows`. */
  async createFlow(input: {
    query: string;
    mode: ConnectMode;
    message?: unknown;
    origin?: string;
  }): Promise<FlowAnswer> {
    return this.translate(async () => {
      const query = paramsFromQuery(input.query);
      if (query.configCID !== undefined) this.note("configCID ignored: Keyfob has no IPFS configurations");
      const configurationId = firstOf(query.configurationId);
      const url = requestParamsFromQuery(query);
      if (configurationId !== undefined || url.redirectUri !== undefined) {
        // The URL carries the request (redirect mode, or a configuration link): messages are not used.
        if (input.message !== undefined)
          throw new ConnectParamError(
            "invalidParameters",
            "This page's URL already carries the request; an AUTH_INIT message is not used.",
          );
        const layers: RawParams[] = [];
        if (configurationId !== undefined) {
          const configuration = await this.deps.configurations.get(configurationId);
          if (!configuration) throw new ConnectParamError("configurationNotFound", "Configuration not found");
          const urlClient = clientIdOf(url);
          if (urlClient !== undefined && !sameAddress(urlClient, configuration.clientId))
            throw new ConnectParamError(
              "configurationMismatch",
              "The configuration belongs to another clientId than the link names.",
            );
          layers.push(paramsFromConfiguration(configuration.configuration, configuration.clientId));
        }
        layers.push(url);
        const raw = mergeParams(...layers);
        const checked = await this.check(raw, input.mode, input.origin, "url");
        return this.ready(undefined, { message: {}, url: raw }, raw, input.mode, checked);
      }

      const urlClient = clientIdOf(url);
      if (urlClient !== undefined) await this.requireLicense(urlClient);
      // A page of its own (no opener, no frame) never receives a message: say what its URL lacks.
      if (input.mode === "redirect") {
        if (urlClient === undefined)
          throw new ConnectParamError("missingClientId", "The request names no clientId.");
        throw new ConnectParamError("missingRedirectUri", "The request names no redirectUri.");
      }
      if (input.message === undefined)
        return {
          status: "awaitingMessage",
          ...(urlClient !== undefined ? { clientId: checksumAddress(urlClient) } : {}),
        };
      const eventType = (input.message as { eventType?: unknown } | null)?.eventType;
      if (eventType !== undefined && eventType !== "AUTH_INIT")
        throw new ConnectParamError("invalidParameters", "The message is not an AUTH_INIT.");
      const message = paramsFromMessage(input.message);
      const messageClient = clientIdOf(message);
      if (urlClient !== undefined && messageClient !== undefined && !sameAddress(urlClient, messageClient))
        throw new ConnectParamError(
          "invalidParameters",
          "The AUTH_INIT message names another clientId than the page's URL.",
        );
      // URL parameters win over the message (connect-protocol.md §1.1).
      const raw = mergeParams(message, url);
      const checked = await this.check(raw, input.mode, input.origin, "message");
      const entryState = parseEntryState(raw.entryState);
      const payloadEvent = PAYLOAD_EVENTS[entryState];
      if (payloadEvent !== undefined) {
        const id = await this.insertFlow({
          clientId: checked.license.clientId,
          status: "awaitingPayload",
          mode: input.mode,
          replyOrigin: checked.replyOrigin,
          layers: { message, url },
          request: null,
        });
        return { status: "awaitingPayload", flowId: id, payloadEvent, replyOrigin: checked.replyOrigin! };
      }
      return this.ready(undefined, { message, url }, raw, input.mode, checked);
    });
  }

  /** `POST /api/connect/flows/:flowId/payload`: the action payload of a popup/embed flow. */
  async submitPayload(flowId: string, input: { payload: unknown; origin: string }): Promise<FlowAnswer> {
    return this.translate(async () => {
      const flow = await this.requireFlow(flowId);
      if (flow.status !== "awaitingPayload")
        throw new ConnectParamError("invalidParameters", "This flow already has its parameters.");
      if (input.origin !== flow.replyOrigin)
        throw new ConnectParamError(
          "originNotAllowed",
          "The payload must come from the origin of the AUTH_INIT.",
        );
      const payload = paramsFromPayload(input.payload);
      const message = mergeParams(flow.layers.message, payload);
      const raw = mergeParams(message, flow.layers.url);
      const checked = await this.check(raw, flow.mode, input.origin, "message");
      return this.ready(flow.id, { message, url: flow.layers.url }, raw, flow.mode, checked);
    });
  }

  /**
   * The checks every request passes before the login page shows anything: a known client, an
   * exactly registered redirect URI, an allowed origin for messages, the secure-mode rules and the
   * license's policy, and an entry state this server offers.
   */
  private async check(
    raw: RawParams,
    mode: ConnectMode,
    origin: string | undefined,
    source: "url" | "message",
  ): Promise<Checked> {
    const clientId = clientIdOf(raw)?.trim();
    if (!clientId) throw new ConnectParamError("missingClientId", "The request names no clientId.");
    const license = await this.requireLicense(clientId);
    const redirectUri = firstOf(raw.redirectUri)?.trim();
    if (!redirectUri) throw new ConnectParamError("missingRedirectUri", "The request names no redirectUri.");
    if (!(await this.deps.licenses.hasRedirectUri(license.clientId, redirectUri)))
      throw new ConnectParamError(
        "invalidRedirectUri",
        `The redirect URI "${clip(redirectUri)}" is not registered for this app.`,
      );
    const settings = await this.deps.licenseSettings.get(license.clientId);
    let replyOrigin: string | null = null;
    if (mode !== "redirect") {
      const allowed = await this.deps.licenseSettings.allowedOrigins(license.clientId, settings);
      if (source === "message" || origin !== undefined) {
        if (origin === undefined || !allowed.includes(origin))
          throw new ConnectParamError(
            "originNotAllowed",
            "The app's origin is not registered for this clientId.",
          );
        replyOrigin = origin;
      } else {
        replyOrigin = originOf(redirectUri) ?? null;
      }
    }
    const secure = parseSecureMode(raw);
    if (!secure.secure && (settings.secureOnly || !settings.legacyTokenResponse))
      throw new ConnectParamError("secureModeRequired", "This app requires a secure sign-in request.");
    const entryState = parseEntryState(raw.entryState);
    const unavailable = UNAVAILABLE[entryState];
    if (unavailable) {
      // The request is otherwise valid, so the app may tell the developer's app too (DIMO_ERROR).
      const result = buildConnectResult({
        request: { redirectUri, utm: utmOf(raw), state: secure.state, mode },
        replyOrigin,
        outcome: { kind: "error", message: unavailable.message },
        delivery: secure.secure ? { secure: true, iss: this.issuer } : { secure: false },
      });
      throw apiError(400, unavailable.code, unavailable.message, { result });
    }
    return { license, settings, replyOrigin };
  }

  private async ready(
    flowId: string | undefined,
    layers: Flow["layers"],
    raw: RawParams,
    mode: ConnectMode,
    checked: Checked,
  ): Promise<FlowAnswer> {
    const request = normalizeRequest(raw, {
      now: this.now(),
      mode,
      maxGrantDays: checked.settings.maxGrantDays,
    });
    request.clientId = checked.license.clientId;
    const id =
      flowId ??
      (await this.insertFlow({
        clientId: checked.license.clientId,
        status: "ready",
        mode,
        replyOrigin: checked.replyOrigin,
        layers,
        request,
      }));
    if (flowId !== undefined)
      await this.deps.db
        .updateTable("connect_flows")
        .set({ status: "ready", params: JSON.stringify(layers), request: JSON.stringify(request) })
        .where("id", "=", flowId)
        .execute();
    return {
      status: "ready",
      flowId: id,
      request: publicRequest(request),
      app: await this.appInfo(checked.license, request),
      replyOrigin: checked.replyOrigin,
    };
  }

  private async insertFlow(flow: Omit<Flow, "id" | "userId">): Promise<string> {
    await this.purgeExpired();
    const id = randomBytes(18).toString("base64url");
    const now = this.now();
    await this.deps.db
      .insertInto("connect_flows")
      .values({
        id,
        client_id: flow.clientId,
        status: flow.status,
        mode: flow.mode,
        reply_origin: flow.replyOrigin,
        params: JSON.stringify(flow.layers),
        request: flow.request ? JSON.stringify(flow.request) : null,
        user_id: null,
        created_at: now,
        expires_at: now + FLOW_TTL_MS,
      })
      .execute();
    return id;
  }

  private async requireLicense(clientId: string): Promise<License> {
    if (!isHexAddress(clientId))
      throw new ConnectParamError("unknownClient", `"${clip(clientId)}" is not a client id.`);
    const license = await this.deps.licenses.find(clientId);
    if (!license)
      throw new ConnectParamError("unknownClient", `No app is registered with the client id ${clientId}.`);
    return license;
  }

  /** Display name: brand → alias → clientId (connect-protocol.md §9). */
  async appInfo(
    license: License,
    request: Pick<ConnectRequest, "brandName" | "redirectUri">,
  ): Promise<AppInfo> {
    const brand = await this.deps.brands.resolve(license.clientId, request.brandName);
    return {
      clientId: license.clientId,
      name: brand?.name ?? license.alias ?? license.clientId,
      alias: license.alias,
      hostname: new URL(request.redirectUri).hostname,
      platformName: this.deps.settings.platformName,
      brand: brand ? brandView(brand) : null,
    };
  }

  // ---- flows as other parts see them ---------------------------------------------------------

  async findFlow(flowId: string): Promise<Flow | undefined> {
    if (typeof flowId !== "string" || flowId.length > 64) return undefined;
    const row = await this.deps.db
      .selectFrom("connect_flows")
      .selectAll()
      .where("id", "=", flowId)
      .where("expires_at", ">", this.now())
      .executeTakeFirst();
    return row && toFlow(row);
  }

  private async requireFlow(flowId: string): Promise<Flow> {
    const flow = await this.findFlow(flowId);
    if (!flow) throw apiError(404, "flowNotFound", "This sign-in has expired. Start again from the app.");
    return flow;
  }

  private async requireReady(flowId: string): Promise<Flow & { request: ConnectRequest }> {
    const flow = await this.requireFlow(flowId);
    if (flow.status !== "ready" || !flow.request)
      throw apiError(409, "flowNotReady", "This flow is still waiting for the app's parameters.");
    return flow as Flow & { request: ConnectRequest };
  }

  /** For sign-in: the flow's client and mode, and the app's display name (for the email). */
  async describe(
    flowId: string,
  ): Promise<{ clientId: string; mode: ConnectMode; appName: string } | undefined> {
    const flow = await this.findFlow(flowId);
    if (!flow) return undefined;
    const license = await this.deps.licenses.find(flow.clientId);
    if (!license) return undefined;
    const brand = await this.deps.brands.resolve(license.clientId, flow.request?.brandName);
    return {
      clientId: flow.clientId,
      mode: flow.mode,
      appName: brand?.name ?? license.alias ?? license.clientId,
    };
  }

  async attachUser(flowId: string, userId: string): Promise<void> {
    await this.deps.db
      .updateTable("connect_flows")
      .set({ user_id: userId })
      .where("id", "=", flowId)
      .execute();
  }

  /** The mode of a live flow (for cookie attributes), or undefined. */
  async modeOf(flowId: string): Promise<ConnectMode | undefined> {
    return (await this.findFlow(flowId))?.mode;
  }

  // ---- actions -------------------------------------------------------------------------------

  /** The sign-in result (`EMAIL_INPUT`, or "Back" on `SUCCESS`). */
  async authorize(
    flowId: string,
    user: User,
    input: { shareEmail: boolean },
  ): Promise<{ result: ConnectResult }> {
    const flow = await this.requireReady(flowId);
    checkEmailConsent(flow.request, input.shareEmail);
    await this.attachUser(flow.id, user.id);
    return { result: await this.complete(flow, user, this.auth(user, input.shareEmail, {})) };
  }

  async listVehicles(
    flowId: string,
    user: User,
  ): Promise<{
    requested: { privileges: PrivilegeId[] | null; expiresAt: string };
    vehicles: VehicleView[];
  }> {
    const flow = await this.requireReady(flowId);
    const request = flow.request;
    const owned = await this.ownedVehicles(user);
    const grants = await this.deps.grants.activeForVehicles(owned);
    const cap = await this.extensionCap(request.clientId);
    const views = owned.map((vehicle): VehicleView => {
      const grant = grants.get(vehicle.tokenId)?.find((g) => sameAddress(g.grantee, request.clientId));
      const incompatibleReasons = incompatibility(vehicle, request);
      return {
        tokenId: vehicle.tokenId,
        name: vehicleName(vehicle.tokenId),
        make: vehicle.definition.make,
        model: vehicle.definition.model,
        year: vehicle.definition.year,
        powertrainType: vehicle.definition.powertrainType,
        compatible: incompatibleReasons.length === 0,
        incompatibleReasons,
        grant: grant
          ? {
              privileges: grant.privileges,
              expiresAt: new Date(grant.expiresAt * 1000).toISOString(),
              differsFromRequested:
                request.privileges !== null && !samePrivileges(grant.privileges, request.privileges),
              extendable: isExtendable(grant.expiresAt * 1000, cap),
            }
          : null,
      };
    });
    // Shared vehicles first; otherwise by token id.
    views.sort((a, b) => Number(b.grant !== null) - Number(a.grant !== null) || a.tokenId - b.tokenId);
    const expiresAt = await this.grantExpiry(flow.request);
    return {
      requested: { privileges: request.privileges, expiresAt: new Date(expiresAt).toISOString() },
      vehicles: views,
    };
  }

  /** Shares the selected vehicles with the app: one grant each, with a signed consent document. */
  async share(
    flowId: string,
    user: User,
    input: { tokenIds: number[]; shareEmail: boolean },
  ): Promise<{ result: ConnectResult; sharedVehicles: string[] }> {
    const flow = await this.requireVehicleManager(flowId);
    const request = flow.request;
    checkEmailConsent(request, input.shareEmail);
    const privileges = request.privileges;
    if (!privileges || privileges.length === 0)
      throw apiError(400, "invalidPermissions", "This request names no permissions to share.");
    const vehicles = await this.ownedSelection(user, input.tokenIds);
    for (const vehicle of vehicles) {
      if (incompatibility(vehicle, request).length > 0)
        throw apiError(
          400,
          "vehicleIncompatible",
          `Vehicle ${vehicle.tokenId} does not match what the app asks for.`,
        );
      if (await this.deps.grants.active(vehicle, request.clientId as Address))
        throw apiError(400, "alreadyShared", `Vehicle ${vehicle.tokenId} is already shared with this app.`);
    }
    const expiresAt = new Date(await this.grantExpiry(request));
    for (const vehicle of vehicles) {
      await this.deps.grants.grant({
        tokenId: vehicle.tokenId,
        grantee: request.clientId,
        grantor: user.walletAddress,
        privileges,
        expiresAt,
        cloudEvents: request.cloudEvent ? [request.cloudEvent] : undefined,
      });
    }
    const sharedVehicles = vehicles.map((v) => String(v.tokenId));
    await this.attachUser(flow.id, user.id);
    const result = await this.complete(flow, user, this.auth(user, input.shareEmail, { sharedVehicles }));
    return { result, sharedVehicles };
  }

  /** Stops sharing: each grant ends at once. */
  async revoke(
    flowId: string,
    user: User,
    input: { tokenIds: number[]; shareEmail: boolean },
  ): Promise<{ result: ConnectResult; revokedVehicles: string[] }> {
    const flow = await this.requireVehicleManager(flowId);
    checkEmailConsent(flow.request, input.shareEmail);
    const vehicles = await this.sharedSelection(flow.request, user, input.tokenIds);
    for (const { vehicle } of vehicles)
      await this.deps.grants.revoke({
        tokenId: vehicle.tokenId,
        grantee: flow.request.clientId,
        grantor: user.walletAddress,
      });
    const revokedVehicles = vehicles.map(({ vehicle }) => String(vehicle.tokenId));
    await this.attachUser(flow.id, user.id);
    const result = await this.complete(flow, user, this.auth(user, input.shareEmail, { revokedVehicles }));
    return { result, revokedVehicles };
  }

  /** Extends each grant by one calendar year, keeping its privileges (capped at 100 years / maxGrantDays from now). */
  async extend(
    flowId: string,
    user: User,
    input: { tokenIds: number[]; shareEmail: boolean },
  ): Promise<{ result: ConnectResult; extendedVehicles: string[]; expiresAt: string }> {
    const flow = await this.requireVehicleManager(flowId);
    checkEmailConsent(flow.request, input.shareEmail);
    const vehicles = await this.sharedSelection(flow.request, user, input.tokenIds);
    const cap = await this.extensionCap(flow.request.clientId);
    const atCap = vehicles.find(({ expiresAt }) => !isExtendable(expiresAt * 1000, cap));
    if (atCap) {
      // Saying "extended" while nothing changed would mislead the owner.
      throw apiError(
        409,
        "notExtendable",
        `Sharing of vehicle ${atCap.vehicle.tokenId} already lasts as long as allowed; it cannot be extended.`,
      );
    }
    let firstExpiry: number | undefined;
    for (const { vehicle, expiresAt } of vehicles) {
      // Never shortens a grant (a cap lowered since stays out of the way), never beyond the cap otherwise.
      const current = expiresAt * 1000;
      const next = Math.max(current, Math.min(addOneYear(current), cap));
      firstExpiry ??= next;
      await this.deps.grants.extend({
        tokenId: vehicle.tokenId,
        grantee: flow.request.clientId,
        grantor: user.walletAddress,
        expiresAt: new Date(next),
      });
    }
    const extendedVehicles = vehicles.map(({ vehicle }) => String(vehicle.tokenId));
    await this.attachUser(flow.id, user.id);
    const result = await this.complete(flow, user, this.auth(user, input.shareEmail, { extendedVehicles }));
    return { result, extendedVehicles, expiresAt: new Date(firstExpiry!).toISOString() };
  }

  /** "Cancel" or nothing to share: the sign-in result with `sharedVehicles` empty. */
  async cancel(
    flowId: string,
    user: User,
    input: { shareEmail: boolean },
  ): Promise<{ result: ConnectResult }> {
    const flow = await this.requireVehicleManager(flowId);
    checkEmailConsent(flow.request, input.shareEmail);
    await this.attachUser(flow.id, user.id);
    return {
      result: await this.complete(flow, user, this.auth(user, input.shareEmail, { sharedVehicles: [] })),
    };
  }

  /** The `logout` result (the route ends the session). */
  async logout(flowId: string): Promise<{ result: ConnectResult }> {
    const flow = await this.requireReady(flowId);
    return { result: await this.complete(flow, undefined, { kind: "logout" }) };
  }

  /** A `DIMO_ERROR` / `error=` result: the user rejected or cancelled. */
  async reject(flowId: string, message: string): Promise<{ result: ConnectResult }> {
    const flow = await this.requireReady(flowId);
    return { result: await this.complete(flow, undefined, { kind: "error", message }) };
  }

  private auth(
    user: User,
    shareEmail: boolean,
    lists: { sharedVehicles?: string[]; revokedVehicles?: string[]; extendedVehicles?: string[] },
  ): ConnectOutcome {
    return {
      kind: "auth",
      walletAddress: user.walletAddress,
      ...(shareEmail ? { email: user.email } : {}),
      ...lists,
    };
  }

  /** Shapes the outcome: the user JWT in legacy mode, a single-use code in secure mode. */
  private async complete(
    flow: Flow & { request: ConnectRequest },
    user: User | undefined,
    outcome: ConnectOutcome,
  ): Promise<ConnectResult> {
    const request = flow.request;
    let delivery: Delivery;
    if (request.secure) {
      delivery = { secure: true, iss: this.issuer };
      if (outcome.kind === "auth" && user) {
        const { kind: _kind, ...result } = outcome;
        delivery.code = await this.deps.codes.issue({
          clientId: request.clientId,
          redirectUri: request.redirectUri,
          codeChallenge: request.codeChallenge!,
          flowId: flow.id,
          userId: user.id,
          walletAddress: user.walletAddress,
          result,
        });
      }
    } else {
      delivery = { secure: false };
      if (outcome.kind === "auth")
        delivery.token = (
          await this.deps.issueUserJwt({ clientId: request.clientId, walletAddress: outcome.walletAddress })
        ).token;
    }
    return buildConnectResult({ request, replyOrigin: flow.replyOrigin, outcome, delivery });
  }

  private async requireVehicleManager(flowId: string): Promise<Flow & { request: ConnectRequest }> {
    const flow = await this.requireReady(flowId);
    if (flow.request.entryState !== "VEHICLE_MANAGER")
      throw apiError(400, "wrongEntryState", "This flow does not manage vehicles.");
    return flow;
  }

  private ownedVehicles(user: User): Promise<Vehicle[]> {
    return this.deps.vehicles.page({ owner: user.walletAddress, limit: MAX_OWNED_VEHICLES, order: "asc" });
  }

  private async ownedSelection(user: User, tokenIds: number[]): Promise<Vehicle[]> {
    const vehicles: Vehicle[] = [];
    for (const tokenId of new Set(tokenIds)) {
      const vehicle = await this.deps.vehicles.find(tokenId);
      if (!vehicle || vehicle.owner !== user.walletAddress)
        throw apiError(400, "vehicleNotOwned", `Vehicle ${tokenId} is not one of your vehicles.`);
      vehicles.push(vehicle);
    }
    return vehicles;
  }

  private async sharedSelection(
    request: ConnectRequest,
    user: User,
    tokenIds: number[],
  ): Promise<Array<{ vehicle: Vehicle; expiresAt: number }>> {
    const out: Array<{ vehicle: Vehicle; expiresAt: number }> = [];
    for (const vehicle of await this.ownedSelection(user, tokenIds)) {
      const grant = await this.deps.grants.active(vehicle, request.clientId as Address);
      if (!grant) throw apiError(400, "notShared", `Vehicle ${vehicle.tokenId} is not shared with this app.`);
      out.push({ vehicle, expiresAt: grant.expiresAt });
    }
    return out;
  }

  /** The expiry a share writes now: the request's date, or the default counted from now; never in the past. */
  /** The latest expiry an extension may reach: 100 years from now, or the license's grant cap. */
  private async extensionCap(clientId: string): Promise<number> {
    const settings = await this.deps.licenseSettings.get(clientId);
    return defaultExpiry(this.now(), settings.maxGrantDays);
  }

  private async grantExpiry(request: ConnectRequest): Promise<number> {
    const now = this.now();
    if (request.expirationDefaulted) {
      const settings = await this.deps.licenseSettings.get(request.clientId);
      return defaultExpiry(now, settings.maxGrantDays);
    }
    const expiresAt = Date.parse(request.expiresAt);
    if (expiresAt <= now)
      throw apiError(400, "expirationInPast", "The requested expiration date has passed.");
    return Math.min(expiresAt, now + DEFAULT_GRANT_MS);
  }

  // ---- pages ---------------------------------------------------------------------------------

  /**
   * `frame-ancestors` for a login page (security.md §5): the allowed origins of the license the URL
   * names (`clientId`/`client_id`, or a `configurationId`'s) when it has embed enabled; else null
   * (= 'none').
   */
  async frameAncestors(query: Record<string, unknown>): Promise<string[] | null> {
    let clientId = firstOf(query.clientId) ?? firstOf(query.client_id);
    const configurationId = firstOf(query.configurationId);
    if (clientId === undefined && configurationId !== undefined)
      clientId = (await this.deps.configurations.get(configurationId))?.clientId;
    if (clientId === undefined || !isHexAddress(clientId)) return null;
    const license = await this.deps.licenses.find(clientId);
    if (!license) return null;
    const settings = await this.deps.licenseSettings.get(license.clientId);
    if (!settings.embedEnabled) return null;
    const origins = await this.deps.licenseSettings.allowedOrigins(license.clientId, settings);
    return origins.length > 0 ? origins : null;
  }

  private async translate<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ConnectParamError) throw apiError(400, err.code, err.message);
      throw err;
    }
  }

  async purgeExpired(force = false): Promise<void> {
    const now = this.now();
    if (!force && now - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    await this.deps.db.deleteFrom("connect_flows").where("expires_at", "<=", now).execute();
  }
}

function toFlow(row: Selectable<ConnectFlowsTable>): Flow {
  return {
    id: row.id,
    clientId: row.client_id as Address,
    status: row.status,
    mode: row.mode,
    replyOrigin: row.reply_origin,
    layers: JSON.parse(row.params) as Flow["layers"],
    request: row.request ? (JSON.parse(row.request) as ConnectRequest) : null,
    userId: row.user_id,
  };
}

export function publicRequest(request: ConnectRequest): PublicRequest {
  const { state: _s, codeChallenge: _c, region: _r, transactionData: _t, messageData: _m, ...rest } = request;
  return rest;
}

function brandView(brand: Brand): NonNullable<AppInfo["brand"]> {
  return {
    name: brand.name,
    logoUrl: brand.logoUrl,
    iconUrl: brand.iconUrl,
    primaryColor: brand.primaryColor,
    textColor: brand.primaryColor ? readableTextColor(brand.primaryColor) : null,
  };
}

/** Why a vehicle does not match the request's filters (connect-protocol.md §6); AND-combined. */
export function incompatibility(
  vehicle: Vehicle,
  request: Pick<ConnectRequest, "vehicles" | "vehicleMakes" | "powertrainTypes">,
): VehicleView["incompatibleReasons"] {
  const reasons: VehicleView["incompatibleReasons"] = [];
  if (request.vehicles.length > 0 && !request.vehicles.includes(String(vehicle.tokenId)))
    reasons.push("vehicles");
  const lower = (values: string[]) => values.map((v) => v.toLowerCase());
  if (
    request.vehicleMakes.length > 0 &&
    !lower(request.vehicleMakes).includes(vehicle.definition.make.toLowerCase())
  )
    reasons.push("vehicleMakes");
  if (
    request.powertrainTypes.length > 0 &&
    !lower(request.powertrainTypes).includes(vehicle.definition.powertrainType.toLowerCase())
  )
    reasons.push("powertrainTypes");
  return reasons;
}

function samePrivileges(a: readonly number[], b: readonly number[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function checkEmailConsent(request: ConnectRequest, shareEmail: boolean): void {
  if (request.forceEmail && !shareEmail)
    throw apiError(400, "emailConsentRequired", "This app needs your agreement to share your email address.");
}

/** Plus one calendar year in UTC (29 February moves to 1 March). */
export function addOneYear(ms: number): number {
  const d = new Date(ms);
  d.setUTCFullYear(d.getUTCFullYear() + 1);
  return d.getTime();
}

function firstOf(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === "string" && v !== "" ? v : undefined;
}

function utmOf(raw: RawParams): string | null {
  return firstOf(raw.utm) ?? null;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Whether "Extend" would add at least a day: a grant made for the default lifetime a moment ago is
 * already at the cap (100 years from now, or the license's), and moving it by seconds is no extension.
 */
function isExtendable(expiresAtMs: number, capMs: number): boolean {
  return capMs - expiresAtMs >= 86_400_000;
}
