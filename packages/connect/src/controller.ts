// One controller per page runs Connect attempts in popup, redirect or embed mode (security.md §3,
// §4; peers.md: one idempotent instance, exactly one outcome per attempt, cleanup, blocked popups).

import {
  ClosedByUserError,
  ConnectError,
  PopupBlockedError,
  RefusedError,
  ServerError,
  StateMismatchError,
  TimeoutError,
} from "./errors.ts";
import { type LoginEvent, parseLoginMessage } from "./messages.ts";
import { createPkce, type PkcePair, redeemCode } from "./pkce.ts";
import type {
  AuthorizationGrant,
  AuthResult,
  ConnectClient,
  ConnectMode,
  ConnectRequest,
  ConnectResult,
  TokenResponse,
} from "./types.ts";
import {
  applyConfiguration,
  buildEmbedUrl,
  buildLoginUrl,
  handshakeMessages,
  issuerUrl,
  loginOrigin,
  resolveLoginUrl,
} from "./url.ts";

export interface ConnectOptions extends ConnectClient {
  /** Secure mode (authorization code + PKCE + state). Default true. */
  secure?: boolean;
  /**
   * Redeems a secure-mode code. Default: `POST <issuer>/oauth/token` from the browser. Apps with a
   * back end should pass the grant there and redeem it server-side.
   */
  redeem?: (grant: AuthorizationGrant) => Promise<TokenResponse>;
}

/** Progress notices for analytics or UI (`onEvent`). */
export type ConnectEvent =
  | { type: "opened"; mode: ConnectMode }
  | { type: "ready" }
  | { type: "payload_sent" }
  | { type: "result_received" }
  | { type: "redirecting"; url: string };

export interface StartOptions {
  mode: ConnectMode;
  /** Embed mode: the element the iframe is mounted in (and removed from afterwards). */
  container?: HTMLElement;
  /** When `window.open` returns null: reject with PopupBlockedError (default) or redirect instead. */
  popupBlocked?: "error" | "redirect";
  /** Give up after this long (default 15 minutes). */
  timeoutMs?: number;
  onEvent?: (event: ConnectEvent) => void;
}

/** The slice of `window` the controller uses (a fake in tests). */
export interface ConnectWindow {
  open(url: string, target: string, features: string): Window | null;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  setTimeout(callback: () => void, ms: number): number;
  clearTimeout(handle: number): void;
  setInterval(callback: () => void, ms: number): number;
  clearInterval(handle: number): void;
  location: { href: string; assign(url: string): void };
  history: { replaceState(data: unknown, unused: string, url?: string): void; state: unknown };
  sessionStorage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  document: Pick<Document, "createElement">;
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 15 * 60 * 1000;
const CLOSED_POLL_MS = 400;
/** After the popup is seen closed, a result already posted may still be on its way. */
const CLOSED_GRACE_MS = 800;
const PENDING_KEY = "keyfob.connect.pending";

/** Query keys a result adds to the redirect URI; removed from the address bar after reading. */
export const RESULT_PARAMS = [
  "code",
  "state",
  "iss",
  "error",
  "error_description",
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
  "logout",
] as const;

interface PendingRedirect {
  state: string;
  codeVerifier: string;
  clientId: string;
  redirectUri: string;
  issuer: string;
  createdAt: number;
}

interface Attempt {
  promise: Promise<ConnectResult>;
  popup: Window | null;
  cancel(error: ConnectError): void;
}

function list(value: string | null): string[] | undefined {
  if (value === null) return undefined;
  return value === "" ? [] : value.split(",").filter(Boolean);
}

export class ConnectController {
  private attempt: Attempt | null = null;

  constructor(private readonly win: ConnectWindow) {}

  /** True while an attempt is running. */
  get busy(): boolean {
    return this.attempt !== null;
  }

  /**
   * Runs one attempt. While one runs, another call returns the same promise (and brings its popup to
   * the front) instead of starting a second one. Popup mode must be called from a user gesture.
   */
  start(client: ConnectOptions, request: ConnectRequest, options: StartOptions): Promise<ConnectResult> {
    if (this.attempt !== null) {
      this.attempt.popup?.focus();
      return this.attempt.promise;
    }
    let settle!: { resolve: (r: ConnectResult) => void; reject: (e: unknown) => void };
    const promise = new Promise<ConnectResult>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const cleanups: Array<() => void> = [];
    let done = false;
    const attempt: Attempt = {
      promise,
      popup: null,
      cancel: (error) => finish(() => settle.reject(error)),
    };
    const finish = (outcome: () => void): void => {
      if (done) return;
      done = true;
      for (const cleanup of cleanups.splice(0).reverse()) {
        try {
          cleanup();
        } catch {
          // A window that went away.
        }
      }
      if (this.attempt === attempt) this.attempt = null;
      outcome();
    };
    this.attempt = attempt;
    const fail = (error: unknown) => finish(() => settle.reject(error));
    const succeed = (result: ConnectResult) => finish(() => settle.resolve(result));

    try {
      if (options.mode === "redirect") {
        this.redirect(client, request, options).then(succeed, fail);
      } else {
        this.runWindowed(client, request, options, attempt, cleanups, succeed, fail);
      }
    } catch (error) {
      fail(error);
    }
    return promise;
  }

  /** Ends the running attempt (its promise rejects with code `cancelled`); no-op when idle. */
  cancel(): void {
    const attempt = this.attempt;
    if (attempt === null) return;
    attempt.cancel(new ConnectError("cancelled", "The sign-in was cancelled"));
    if (attempt.popup !== null && !attempt.popup.closed) attempt.popup.close();
  }

  private async redirect(
    client: ConnectOptions,
    request: ConnectRequest,
    options: StartOptions,
  ): Promise<ConnectResult> {
    let url: string;
    if (client.secure !== false) {
      const pkce = await createPkce();
      const redirectUri = client.redirectUri;
      if (!redirectUri) throw new TypeError("Secure mode needs the redirectUri the code comes back to");
      const pending: PendingRedirect = {
        state: pkce.state,
        codeVerifier: pkce.codeVerifier,
        clientId: client.clientId,
        redirectUri,
        issuer: issuerUrl(client),
        createdAt: Date.now(),
      };
      this.win.sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
      url = buildLoginUrl(client, request, pkce);
    } else {
      url = buildLoginUrl(client, request);
    }
    options.onEvent?.({ type: "redirecting", url });
    this.win.location.assign(url);
    return { kind: "redirecting", url };
  }

  private runWindowed(
    client: ConnectOptions,
    request: ConnectRequest,
    options: StartOptions,
    attempt: Attempt,
    cleanups: Array<() => void>,
    succeed: (result: ConnectResult) => void,
    fail: (error: unknown) => void,
  ): void {
    const mode = options.mode as "popup" | "embed";
    let abandoned = false;
    const origin = loginOrigin(client);
    const secure = client.secure !== false;
    // The popup must open inside the click's user activation: before any await.
    let target: () => Window | null;
    if (mode === "popup") {
      const popup = this.win.open(resolveLoginUrl(client), "_blank", "width=500,height=600");
      if (popup === null) {
        if (options.popupBlocked === "redirect") {
          this.redirect(client, request, options).then(succeed, fail);
          return;
        }
        throw new PopupBlockedError();
      }
      attempt.popup = popup;
      target = () => popup;
      // An abandoned attempt (timed out, cancelled) closes its popup; after a result the login app
      // shows its success screen and closes itself.
      cleanups.push(() => {
        if (abandoned && !popup.closed) popup.close();
      });
    } else {
      const container = options.container;
      if (!container) throw new TypeError("Embed mode needs a container element");
      const iframe = this.win.document.createElement("iframe");
      iframe.src = buildEmbedUrl(client);
      iframe.title = "Sign in";
      iframe.setAttribute("allow", "publickey-credentials-get; publickey-credentials-create");
      iframe.style.border = "0";
      iframe.style.width = "100%";
      iframe.style.minHeight = "640px";
      container.appendChild(iframe);
      target = () => iframe.contentWindow;
      cleanups.push(() => iframe.remove());
    }
    options.onEvent?.({ type: "opened", mode });

    const pkcePromise: Promise<PkcePair | null> = secure ? createPkce() : Promise.resolve(null);
    // A configuration link cannot be opened as a popup URL (a URL with parameters is a redirect
    // flow): its stored values are fetched and sent by message instead.
    const resolved = request.configurationId
      ? this.configuration(client, request.configurationId).then((c) =>
          applyConfiguration(c, client, request),
        )
      : Promise.resolve({ client, request });
    const messagesPromise = Promise.all([pkcePromise, resolved]).then(([pkce, r]) => ({
      pkce,
      ...handshakeMessages(r.client, r.request, pkce ?? undefined),
    }));
    messagesPromise.catch((error: unknown) => {
      // Nothing can be sent to the login window: it would wait in vain.
      abandoned = true;
      fail(error);
    });
    let received = false;

    const post = (message: Record<string, unknown>): void => {
      try {
        target()?.postMessage(message, origin);
      } catch (error) {
        fail(new ServerError(`The login window could not be reached: ${String(error)}`));
      }
    };

    const onMessage = (event: MessageEvent): void => {
      const message = parseLoginMessage(event, { origin, source: target(), mode });
      if (message === null || received) return;
      if (message.eventType === "READY") {
        options.onEvent?.({ type: "ready" });
        void messagesPromise.then(({ authInit }) => post(authInit));
        return;
      }
      if (
        message.eventType === "SHARE_VEHICLES_DATA" ||
        message.eventType === "EXECUTE_ADVANCED_TRANSACTION" ||
        message.eventType === "SIGN_MESSAGE" ||
        message.eventType === "SHARE_ACCOUNT_DATA"
      ) {
        void messagesPromise.then(({ payload }) => {
          post({ ...payload, eventType: message.eventType });
          options.onEvent?.({ type: "payload_sent" });
        });
        return;
      }
      received = true;
      options.onEvent?.({ type: "result_received" });
      void messagesPromise.then(({ pkce }) => this.resultOf(client, message, pkce)).then(succeed, fail);
    };
    this.win.addEventListener("message", onMessage);
    cleanups.push(() => this.win.removeEventListener("message", onMessage));

    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = this.win.setTimeout(() => {
      if (received) return;
      abandoned = true;
      fail(new TimeoutError(timeoutMs));
    }, timeoutMs);
    cleanups.push(() => this.win.clearTimeout(timer));

    if (mode === "popup") {
      let grace: number | null = null;
      const poll = this.win.setInterval(() => {
        const popup = target();
        if (received || grace !== null || popup === null || !popup.closed) return;
        grace = this.win.setTimeout(() => {
          if (!received) fail(new ClosedByUserError());
        }, CLOSED_GRACE_MS);
      }, CLOSED_POLL_MS);
      cleanups.push(() => {
        this.win.clearInterval(poll);
        if (grace !== null) this.win.clearTimeout(grace);
      });
    }
  }

  private async configuration(client: ConnectOptions, id: string): Promise<Record<string, unknown>> {
    const fetchImpl = this.win.fetch?.bind(this.win) ?? globalThis.fetch.bind(globalThis);
    const response = await fetchImpl(
      `${issuerUrl(client)}/api/configurations/${encodeURIComponent(id)}`,
    ).catch((error: unknown) => {
      throw new ServerError(`The configuration could not be loaded: ${String(error)}`);
    });
    const body = (await response.json().catch(() => null)) as {
      configuration?: { configuration?: unknown };
    } | null;
    const configuration = body?.configuration?.configuration;
    if (!response.ok || configuration === null || typeof configuration !== "object") {
      throw new ServerError(`Configuration ${id} was not found`, response.status);
    }
    return configuration as Record<string, unknown>;
  }

  /** A final login message as a result (or a typed error), redeeming the code in secure mode. */
  private async resultOf(
    client: ConnectOptions,
    message: LoginEvent,
    pkce: PkcePair | null,
  ): Promise<ConnectResult> {
    const state = "state" in message ? message.state : undefined;
    if (pkce !== null && state !== pkce.state) throw new StateMismatchError();
    switch (message.eventType) {
      case "DIMO_ERROR":
        throw new RefusedError(message.message, message.error);
      case "logout":
        return { kind: "logout" };
      case "authResponse": {
        if (pkce === null) {
          if (!message.token) throw new ServerError("The login app answered without a token");
          const { eventType: _e, code: _c, state: _s, iss: _i, token, ...rest } = message;
          return { kind: "auth", token, secure: false, ...rest };
        }
        if (!message.code) throw new ServerError("The login app answered without a code");
        if (message.iss !== undefined && message.iss !== issuerUrl(client)) {
          throw new StateMismatchError(`The answer comes from another issuer (${message.iss})`);
        }
        return this.redeem(client, {
          code: message.code,
          codeVerifier: pkce.codeVerifier,
          redirectUri: client.redirectUri ?? "",
          clientId: client.clientId,
          state: pkce.state,
          iss: message.iss,
        });
      }
      case "transactionResponse":
        if (!message.token) throw new ServerError("Missing authentication token");
        return {
          kind: "transaction",
          token: message.token,
          ...(message.transactionHash ? { transactionHash: message.transactionHash } : {}),
          ...(message.transactionReceipt ? { transactionReceipt: message.transactionReceipt } : {}),
        };
      case "messageResponse":
        if (!message.signature || !message.signer) throw new ServerError("The signature is missing");
        return {
          kind: "signature",
          token: message.token ?? "",
          signature: message.signature,
          signer: message.signer,
        };
      default:
        throw new ServerError(`Unexpected message ${message.eventType}`);
    }
  }

  private async redeem(client: ConnectOptions, grant: AuthorizationGrant): Promise<AuthResult> {
    const fetchImpl = this.win.fetch?.bind(this.win) ?? globalThis.fetch.bind(globalThis);
    const tokens = client.redeem
      ? await client.redeem(grant)
      : await redeemCode(issuerUrl(client), grant, fetchImpl);
    const result = tokens.result ?? {};
    const out: AuthResult = { kind: "auth", token: tokens.access_token ?? "", secure: true };
    if (tokens.expires_in !== undefined) out.expiresIn = tokens.expires_in;
    if (result.walletAddress) out.walletAddress = result.walletAddress;
    if (result.email) out.email = result.email;
    for (const key of ["sharedVehicles", "revokedVehicles", "extendedVehicles"] as const) {
      const value = result[key];
      if (value !== undefined) out[key] = value;
    }
    if (result.accountGranted) out.accountGranted = true;
    return out;
  }

  /**
   * Reads a result the login app appended to this page's URL (redirect mode), removes every result
   * parameter from the address bar, and returns the result — redeeming the code in secure mode —
   * or null when the URL carries none.
   */
  async handleRedirectResult(client: ConnectOptions): Promise<ConnectResult | null> {
    const url = new URL(this.win.location.href);
    const params = url.searchParams;
    if (!RESULT_PARAMS.some((key) => params.has(key))) return null;
    const read = (key: string) => params.get(key);
    const values = Object.fromEntries(RESULT_PARAMS.map((key) => [key, read(key)])) as Record<
      (typeof RESULT_PARAMS)[number],
      string | null
    >;
    for (const key of RESULT_PARAMS) params.delete(key);
    this.win.history.replaceState(this.win.history.state, "", url.toString());

    const pendingRaw = this.win.sessionStorage.getItem(PENDING_KEY);
    if (values.code !== null || (values.state !== null && pendingRaw !== null)) {
      this.win.sessionStorage.removeItem(PENDING_KEY);
      let pending: PendingRedirect | null = null;
      try {
        pending = pendingRaw === null ? null : (JSON.parse(pendingRaw) as PendingRedirect);
      } catch {
        pending = null;
      }
      if (pending === null || values.state === null || values.state !== pending.state)
        throw new StateMismatchError();
      if (values.iss !== null && values.iss !== pending.issuer) {
        throw new StateMismatchError(`The answer comes from another issuer (${values.iss})`);
      }
      if (values.error !== null)
        throw new RefusedError(values.error_description ?? values.error, values.error);
      if (values.code === null) throw new ServerError("The login app answered without a code");
      return this.redeem(
        { ...client, issuerUrl: pending.issuer },
        {
          code: values.code,
          codeVerifier: pending.codeVerifier,
          redirectUri: pending.redirectUri,
          clientId: pending.clientId,
          state: pending.state,
          ...(values.iss !== null ? { iss: values.iss } : {}),
        },
      );
    }
    if (values.error !== null) throw new RefusedError(values.error_description ?? values.error, values.error);
    if (values.logout === "true") return { kind: "logout" };
    if (values.transactionHash !== null && values.token !== null) {
      return { kind: "transaction", token: values.token, transactionHash: values.transactionHash };
    }
    if (values.signature !== null && values.signer !== null) {
      return {
        kind: "signature",
        token: values.token ?? "",
        signature: values.signature,
        signer: values.signer,
      };
    }
    if (values.token === null) return null;
    const result: AuthResult = { kind: "auth", token: values.token, secure: false };
    if (values.walletAddress) result.walletAddress = values.walletAddress;
    if (values.email && values.email !== "undefined") result.email = values.email;
    for (const key of ["sharedVehicles", "revokedVehicles", "extendedVehicles"] as const) {
      const value = list(values[key]);
      if (value !== undefined) result[key] = value;
    }
    if (values.accountGranted === "true") result.accountGranted = true;
    return result;
  }
}

const controllers = new WeakMap<object, ConnectController>();

/** The page's one controller (created on first use). */
export function getConnectController(
  win: ConnectWindow = window as unknown as ConnectWindow,
): ConnectController {
  let controller = controllers.get(win);
  if (controller === undefined) {
    controller = new ConnectController(win);
    controllers.set(win, controller);
  }
  return controller;
}
