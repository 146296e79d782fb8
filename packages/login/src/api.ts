// The login app's private JSON API (docs/login-api.md): a small typed client. Every POST carries
// the CSRF token from GET /api/session in `x-csrf-token`; errors become ApiError with the server's
// `code`, or a local one: `network` (no answer), `timeout`, `server` (5xx without a body).

import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/browser";

export type Mode = "redirect" | "popup" | "embed";

export interface SessionUser {
  email: string;
  walletAddress: string;
  hasPasskey: boolean;
}

export interface Session {
  csrfToken: string;
  user: SessionUser | null;
}

export interface CloudEventRequest {
  eventType?: string;
  source?: string;
  ids?: string[];
  tags?: string[];
}

/** The validated, normalized parameters of a flow (`request` of a ready flow). */
export interface ConnectRequest {
  clientId: string;
  redirectUri: string;
  entryState: string;
  forceEmail: boolean;
  altTitle: boolean;
  privileges: number[] | null;
  permissionTemplateId: string | null;
  vehicles: string[];
  vehicleMakes: string[];
  powertrainTypes: string[];
  onboarding: string[];
  expiresAt: string;
  expirationDefaulted: boolean;
  utm: string | null;
  brandName: string | null;
  tosUrl: string | null;
  privacyPolicyUrl: string | null;
  newVehicleSectionDescription: string | null;
  shareVehiclesSectionDescription: string | null;
  cloudEvent: CloudEventRequest | null;
  secure: boolean;
  mode: Mode;
}

export interface Brand {
  name: string;
  logoUrl: string | null;
  iconUrl: string | null;
  primaryColor: string | null;
  textColor: string | null;
}

export interface AppInfo {
  clientId: string;
  /** Display name: brand → alias → clientId. */
  name: string;
  alias: string | null;
  /** The redirect URI's host. */
  hostname: string;
  platformName: string;
  brand: Brand | null;
}

export interface ReadyFlow {
  status: "ready";
  flowId: string;
  request: ConnectRequest;
  app: AppInfo;
  replyOrigin: string | null;
}

export type FlowAnswer =
  | { status: "awaitingMessage"; clientId?: string }
  | { status: "awaitingPayload"; flowId: string; payloadEvent: string; replyOrigin: string }
  | ReadyFlow;

/** What an action hands back to the app: a message (popup/embed) or a URL (redirect). */
export interface ActionResult {
  message: Record<string, unknown>;
  targetOrigin: string | null;
  redirectUrl: string | null;
}

export type IncompatibleReason = "vehicles" | "vehicleMakes" | "powertrainTypes";

export interface VehicleGrant {
  privileges: number[];
  expiresAt: string;
  differsFromRequested: boolean;
  /** False when sharing already lasts as long as allowed (Extend is not offered). */
  extendable?: boolean;
}

export interface Vehicle {
  tokenId: string;
  name: string;
  make: string | null;
  model: string | null;
  year: number | null;
  powertrainType: string | null;
  compatible: boolean;
  incompatibleReasons: IncompatibleReason[];
  grant: VehicleGrant | null;
}

export interface VehicleList {
  requested: { privileges: number[]; expiresAt: string };
  vehicles: Vehicle[];
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number | null = null,
    /** A result to hand to the app despite the error (a DIMO_ERROR for an unavailable entry state). */
    readonly result: ActionResult | null = null,
  ) {
    super(message);
  }
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

const TIMEOUT_MS = 30_000;

export class ApiClient {
  private csrfToken: string | null = null;
  /** The page's mode, once known: embed flows need third-party cookies. */
  mode: Mode | null = null;

  constructor(
    private readonly fetchFn: FetchLike = (input, init) => fetch(input, init),
    private readonly base = "",
  ) {}

  /**
   * `GET /api/session`; remembers the CSRF token for every later POST. In embed mode the server
   * sets its cookies for a third-party context (`?mode=embed`).
   */
  async session(): Promise<Session> {
    const query = this.mode === "embed" ? "?mode=embed" : "";
    const session = await this.request<Session>("GET", `/api/session${query}`);
    this.csrfToken = session.csrfToken;
    return { csrfToken: session.csrfToken, user: session.user ?? null };
  }

  logout(): Promise<unknown> {
    return this.post("/api/auth/logout", this.mode === "embed" ? { mode: "embed" } : {});
  }

  createFlow(body: {
    query: string;
    mode: Mode;
    message?: Record<string, unknown>;
    origin?: string;
  }): Promise<FlowAnswer> {
    return this.post("/api/connect/flows", body);
  }

  sendPayload(flowId: string, payload: Record<string, unknown>, origin: string): Promise<FlowAnswer> {
    return this.post(`${flowPath(flowId)}/payload`, { payload, origin });
  }

  startEmail(flowId: string, email: string): Promise<{ sent: true; resendAfterSeconds: number }> {
    return this.post("/api/auth/email/start", { flowId, email });
  }

  verifyEmail(
    flowId: string,
    email: string,
    code: string,
  ): Promise<{ user: SessionUser; newAccount: boolean }> {
    return this.post("/api/auth/email/verify", { flowId, email, code });
  }

  passkeyLoginOptions(): Promise<{ ceremonyId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    return this.post("/api/auth/passkey/login/options", {});
  }

  /** With the flow, the session cookie fits the flow's mode and the user is attached to it. */
  passkeyLoginVerify(
    ceremonyId: string,
    response: AuthenticationResponseJSON,
    flowId?: string,
  ): Promise<{ user: SessionUser }> {
    return this.post("/api/auth/passkey/login/verify", {
      ceremonyId,
      response,
      ...(flowId === undefined ? {} : { flowId }),
    });
  }

  passkeyRegisterOptions(): Promise<{ ceremonyId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
    return this.post("/api/auth/passkey/register/options", {});
  }

  passkeyRegisterVerify(
    ceremonyId: string,
    response: RegistrationResponseJSON,
  ): Promise<{ passkey: { id: string; createdAt: string } }> {
    return this.post("/api/auth/passkey/register/verify", { ceremonyId, response });
  }

  authorize(flowId: string, shareEmail: boolean): Promise<{ result: ActionResult }> {
    return this.post(`${flowPath(flowId)}/authorize`, { shareEmail });
  }

  async vehicles(flowId: string): Promise<VehicleList> {
    const list = await this.request<VehicleList>("GET", `${flowPath(flowId)}/vehicles`);
    return {
      requested: list.requested,
      vehicles: list.vehicles.map((v) => ({ ...v, tokenId: String(v.tokenId) })),
    };
  }

  share(
    flowId: string,
    tokenIds: string[],
    shareEmail: boolean,
  ): Promise<{ result: ActionResult; sharedVehicles: string[] }> {
    return this.post(`${flowPath(flowId)}/share`, { tokenIds, shareEmail });
  }

  revoke(
    flowId: string,
    tokenIds: string[],
    shareEmail: boolean,
  ): Promise<{ result: ActionResult; revokedVehicles: string[] }> {
    return this.post(`${flowPath(flowId)}/revoke`, { tokenIds, shareEmail });
  }

  extend(
    flowId: string,
    tokenIds: string[],
    shareEmail: boolean,
  ): Promise<{ result: ActionResult; extendedVehicles: string[]; expiresAt: string }> {
    return this.post(`${flowPath(flowId)}/extend`, { tokenIds, shareEmail });
  }

  cancel(flowId: string, shareEmail: boolean): Promise<{ result: ActionResult }> {
    return this.post(`${flowPath(flowId)}/cancel`, { shareEmail });
  }

  flowLogout(flowId: string): Promise<{ result: ActionResult }> {
    return this.post(`${flowPath(flowId)}/logout`, {});
  }

  reject(flowId: string, message: string): Promise<{ result: ActionResult }> {
    return this.post(`${flowPath(flowId)}/reject`, { message });
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    if (this.csrfToken === null) await this.session();
    try {
      return await this.request<T>("POST", path, body);
    } catch (error) {
      // The CSRF cookie may have expired or been replaced: fetch a fresh token once and retry.
      if (error instanceof ApiError && error.code === "csrf") {
        await this.session();
        return this.request<T>("POST", path, body);
      }
      throw error;
    }
  }

  private async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (method === "POST") {
      headers["content-type"] = "application/json";
      if (this.csrfToken !== null) headers["x-csrf-token"] = this.csrfToken;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response: Response;
    try {
      response = await this.fetchFn(this.base + path, {
        method,
        headers,
        credentials: "same-origin",
        cache: "no-store",
        signal: controller.signal,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiError(0, controller.signal.aborted ? "timeout" : "network", "No answer from the server");
    } finally {
      clearTimeout(timer);
    }
    const data = await readJson(response);
    if (!response.ok) throw toApiError(response.status, data);
    return data as T;
  }
}

function flowPath(flowId: string): string {
  return `/api/connect/flows/${encodeURIComponent(flowId)}`;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function toApiError(status: number, data: unknown): ApiError {
  const body = data !== null && typeof data === "object" ? (data as Record<string, unknown>) : {};
  const code =
    typeof body.code === "string"
      ? body.code
      : status === 401
        ? "unauthenticated"
        : status === 429
          ? "rate_limited"
          : status >= 500
            ? "server"
            : `http_${status}`;
  const message = typeof body.message === "string" ? body.message : `HTTP ${status}`;
  const retry = typeof body.retryAfterSeconds === "number" ? body.retryAfterSeconds : null;
  return new ApiError(status, code, message, retry, asResult(body.result));
}

function asResult(value: unknown): ActionResult | null {
  if (value === null || typeof value !== "object") return null;
  const result = value as Record<string, unknown>;
  if (result.message === null || typeof result.message !== "object") return null;
  const text = (v: unknown): string | null => (typeof v === "string" ? v : null);
  return {
    message: result.message as Record<string, unknown>,
    targetOrigin: text(result.targetOrigin),
    redirectUrl: text(result.redirectUrl),
  };
}
