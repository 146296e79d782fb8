// The side of the state machine that talks to the world: the server (api.ts), the peer window
// (handshake.ts, result messages) and WebAuthn. Screens call the actions returned here; outcomes
// are fed to the reducer of flow.ts.

import type { AuthenticationResponseJSON } from "@simplewebauthn/browser";
import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import { type ActionResult, type ApiClient, ApiError, type Vehicle, type VehicleList } from "./api.ts";
import type { Environment } from "./environment.ts";
import { currentScreen, detectMode, type FlowState, initialState, reducer } from "./flow.ts";
import {
  createHandshake,
  type Handshake,
  HandshakeTimeout,
  isHttpOrigin,
  type MessagePeer,
} from "./handshake.ts";

/** Thrown by an action after it has already changed the screen (e.g. the session ended). */
export class Handled extends Error {
  override readonly name = "Handled";
}

export interface ConnectActions {
  setEmail(email: string): void;
  setShareEmail(shareEmail: boolean): void;
  sendCode(email: string): Promise<void>;
  verifyCode(email: string, code: string): Promise<void>;
  passkeyLogin(): Promise<void>;
  /** Starts WebAuthn conditional mediation; returns the function that stops it. */
  startConditionalPasskey(): () => void;
  continueAs(): void;
  useAnotherAccount(): Promise<void>;
  useEmailCode(): void;
  createPasskey(): Promise<void>;
  skipPasskey(): void;
  back(): void;
  loadVehicles(): Promise<VehicleList>;
  manageVehicle(vehicle: Vehicle, requested: VehicleList["requested"]): void;
  share(tokenIds: string[]): Promise<void>;
  revoke(tokenId: string): Promise<void>;
  extend(tokenId: string): Promise<void>;
  cancelSharing(): Promise<void>;
  /** "Back to {name}" on SUCCESS and VEHICLES_SHARED_SUCCESS. */
  backToApp(): Promise<void>;
  closeWindow(): void;
  reload(): void;
}

function errorCode(error: unknown): string {
  if (error instanceof ApiError) return error.code;
  if (error instanceof HandshakeTimeout) return "handshakeTimeout";
  if (error instanceof LocalError) return error.code;
  return "unknown";
}

class LocalError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** A cancelled or timed-out ceremony (the user closed the dialog) rather than a failure. */
function isCancellation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return error.name === "NotAllowedError" || error.name === "AbortError" || code === "ERROR_CEREMONY_ABORTED";
}

function isAbort(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === "AbortError" || (error as { code?: unknown }).code === "ERROR_CEREMONY_ABORTED";
}

export function useConnect(api: ApiClient, env: Environment): { state: FlowState; actions: ConnectActions } {
  const mode = useMemo(
    () => detectMode({ search: env.search, framed: env.parent !== null, hasOpener: env.opener !== null }),
    [env],
  );
  const [state, dispatch] = useReducer(reducer, mode, initialState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const peer: MessagePeer | null = mode === "embed" ? env.parent : mode === "popup" ? env.opener : null;
  const handshakeRef = useRef<Handshake | null>(null);
  const peerOriginRef = useRef<string | null>(null);
  const deliveredRef = useRef(new WeakSet<ActionResult>());
  const tasksRunRef = useRef(new Set<number>());

  const flowId = useCallback((): string => {
    const flow = stateRef.current.flow;
    if (flow === null) throw new LocalError("unknown");
    return flow.flowId;
  }, []);

  /** Runs a server call; an ended session sends the user back to sign in. */
  const guarded = useCallback(async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ApiError && error.code === "unauthenticated") {
        dispatch({ type: "sessionExpired" });
        throw new Handled();
      }
      throw error;
    }
  }, []);

  /** Posts a result message to the peer, once per result (popup/embed). */
  const deliver = useCallback(
    (result: ActionResult): void => {
      if (mode === "redirect" || deliveredRef.current.has(result)) return;
      const target = result.targetOrigin;
      // Result messages go only to the origin of the accepted AUTH_INIT (security.md §4).
      if (peer === null || target === null || !isHttpOrigin(target) || target !== peerOriginRef.current) {
        throw new LocalError("server");
      }
      deliveredRef.current.add(result);
      peer.postMessage(result.message, target);
    },
    [mode, peer],
  );

  /** Hands the flow back to the app: closes the popup, or navigates to the redirect URL. */
  const finish = useCallback(
    (result: ActionResult): void => {
      deliver(result);
      if (mode === "redirect") {
        if (!result.redirectUrl) throw new LocalError("server");
        env.assign(result.redirectUrl);
      } else if (mode === "popup") {
        env.close();
      }
      dispatch({ type: "finished" });
    },
    [deliver, env, mode],
  );

  const signIn = useCallback(
    async (response: AuthenticationResponseJSON, ceremonyId: string): Promise<void> => {
      const { user } = await api.passkeyLoginVerify(ceremonyId, response, stateRef.current.flow?.flowId);
      dispatch({ type: "signedIn", user, newAccount: false });
    },
    [api],
  );

  const start = useCallback(async (): Promise<void> => {
    const query = env.search.replace(/^\?/, "");
    api.mode = mode;
    const session = await api.session();
    let answer = await api.createFlow({ query, mode });
    if (answer.status === "awaitingMessage") {
      if (mode === "redirect" || peer === null) throw new LocalError("noParameters");
      const handshake = createHandshake({
        mode,
        peer,
        listen: env.listen,
        referrer: env.referrer,
      });
      handshakeRef.current = handshake;
      const init = await handshake.waitForAuthInit();
      peerOriginRef.current = init.origin;
      answer = await api.createFlow({ query, mode, message: init.message, origin: init.origin });
    }
    if (answer.status === "awaitingPayload") {
      const handshake = handshakeRef.current;
      const origin = peerOriginRef.current;
      if (handshake === null || origin === null) throw new LocalError("unknown");
      const payload = await handshake.waitForPayload(answer.payloadEvent, answer.replyOrigin);
      answer = await api.sendPayload(answer.flowId, payload, origin);
    }
    if (answer.status !== "ready") throw new LocalError("unknown");
    dispatch({ type: "started", user: session.user, flow: answer });
  }, [api, env, mode, peer]);

  const authorize = useCallback(async (): Promise<void> => {
    const { result } = await guarded(() => api.authorize(flowId(), stateRef.current.shareEmail));
    finish(result);
  }, [api, finish, flowId, guarded]);

  const logout = useCallback(async (): Promise<void> => {
    const { result } = await api.flowLogout(flowId());
    finish(result);
  }, [api, finish, flowId]);

  // Screens that stand for work (LOADING with a task, LOGOUT) run it once per appearance.
  const screen = currentScreen(state);
  useEffect(() => {
    const task =
      screen.name === "LOADING" ? screen.task : screen.name === "LOGOUT" ? ("logout" as const) : null;
    if (task === null || tasksRunRef.current.has(screen.id)) return;
    tasksRunRef.current.add(screen.id);
    const run = task === "start" ? start : task === "authorize" ? authorize : logout;
    run().catch((error: unknown) => {
      if (error instanceof Handled) return;
      // An otherwise valid request for an entry state this server lacks: the app hears a
      // DIMO_ERROR (popup/embed); the page shows the error and, in redirect mode, stays.
      if (task === "start" && error instanceof ApiError && error.result !== null && mode !== "redirect") {
        try {
          deliver(error.result);
        } catch {
          // Not for the AUTH_INIT's origin: nothing is sent.
        }
      }
      if (task === "authorize" && error instanceof ApiError && error.code === "emailConsentRequired") {
        dispatch({ type: "consentRequired" });
        return;
      }
      dispatch({ type: "failed", code: errorCode(error) });
    });
  }, [screen, start, authorize, logout, deliver, mode]);

  useEffect(() => () => handshakeRef.current?.dispose(), []);

  const actions = useMemo<ConnectActions>(
    () => ({
      setEmail: (email) => dispatch({ type: "emailChanged", email }),
      setShareEmail: (shareEmail) => dispatch({ type: "shareEmailChanged", shareEmail }),

      async sendCode(email) {
        const answer = await api.startEmail(flowId(), email);
        const wait = Number.isFinite(answer.resendAfterSeconds) ? answer.resendAfterSeconds : 60;
        dispatch({ type: "codeSent", email, resendAfterSeconds: wait, now: env.now() });
      },

      async verifyCode(email, code) {
        const { user, newAccount } = await api.verifyEmail(flowId(), email, code);
        dispatch({ type: "signedIn", user, newAccount });
      },

      async passkeyLogin() {
        let options: Awaited<ReturnType<ApiClient["passkeyLoginOptions"]>>;
        let response: AuthenticationResponseJSON;
        try {
          options = await api.passkeyLoginOptions();
          response = await env.webauthn.startAuthentication({ optionsJSON: options.options });
        } catch (error) {
          if (error instanceof ApiError) throw error;
          dispatch({ type: "passkeyFailed", reason: isCancellation(error) ? "cancelled" : "failed" });
          return;
        }
        try {
          await signIn(response, options.ceremonyId);
        } catch (error) {
          if (error instanceof ApiError && error.code !== "passkey_failed") throw error;
          dispatch({ type: "passkeyFailed", reason: "failed" });
        }
      },

      startConditionalPasskey() {
        let stopped = false;
        void (async () => {
          if (!env.webauthn.supported() || !(await env.webauthn.supportsAutofill()) || stopped) return;
          const options = await api.passkeyLoginOptions();
          if (stopped) return;
          const response = await env.webauthn.startAuthentication({
            optionsJSON: options.options,
            useBrowserAutofill: true,
          });
          if (stopped) return;
          try {
            await signIn(response, options.ceremonyId);
          } catch {
            dispatch({ type: "passkeyFailed", reason: "failed" });
          }
        })().catch((error: unknown) => {
          // Aborted when the screen goes away or the passkey button starts its own ceremony.
          if (stopped || isAbort(error)) return;
          if (error instanceof ApiError) return; // No conditional UI then; the button still works.
          if (!isCancellation(error)) dispatch({ type: "passkeyFailed", reason: "failed" });
        });
        return () => {
          if (stopped) return;
          stopped = true;
          env.webauthn.cancel();
        };
      },

      continueAs: () => dispatch({ type: "continueAs" }),

      async useAnotherAccount() {
        if (stateRef.current.user !== null) {
          await api.logout();
          await api.session();
        }
        dispatch({ type: "signedOut" });
      },

      useEmailCode: () => dispatch({ type: "useEmailCode" }),

      async createPasskey() {
        const { ceremonyId, options } = await guarded(() => api.passkeyRegisterOptions());
        const response = await env.webauthn.startRegistration({ optionsJSON: options });
        await guarded(() => api.passkeyRegisterVerify(ceremonyId, response));
        dispatch({ type: "passkeyDone" });
      },

      skipPasskey: () => dispatch({ type: "passkeyDone" }),

      back: () => dispatch({ type: "back" }),

      loadVehicles: () => guarded(() => api.vehicles(flowId())),

      manageVehicle: (vehicle, requested) => dispatch({ type: "manageVehicle", vehicle, requested }),

      async share(tokenIds) {
        const answer = await guarded(() => api.share(flowId(), tokenIds, stateRef.current.shareEmail));
        deliver(answer.result);
        dispatch({
          type: "completed",
          kind: "shared",
          tokenIds: answer.sharedVehicles ?? tokenIds,
          expiresAt: null,
          result: answer.result,
        });
      },

      async revoke(tokenId) {
        const answer = await guarded(() => api.revoke(flowId(), [tokenId], stateRef.current.shareEmail));
        deliver(answer.result);
        dispatch({
          type: "completed",
          kind: "revoked",
          tokenIds: answer.revokedVehicles ?? [tokenId],
          expiresAt: null,
          result: answer.result,
        });
      },

      async extend(tokenId) {
        const answer = await guarded(() => api.extend(flowId(), [tokenId], stateRef.current.shareEmail));
        deliver(answer.result);
        dispatch({
          type: "completed",
          kind: "extended",
          tokenIds: answer.extendedVehicles ?? [tokenId],
          expiresAt: answer.expiresAt ?? null,
          result: answer.result,
        });
      },

      async cancelSharing() {
        const { result } = await guarded(() => api.cancel(flowId(), stateRef.current.shareEmail));
        finish(result);
      },

      async backToApp() {
        const current = stateRef.current;
        const top = currentScreen(current);
        if (top.name === "VEHICLES_SHARED_SUCCESS" && current.result !== null) {
          finish(current.result);
        } else {
          dispatch({ type: "authorizeRequested" });
        }
      },

      closeWindow: () => env.close(),
      reload: () => env.reload(),
    }),
    [api, env, flowId, guarded, deliver, finish, signIn],
  );

  return { state, actions };
}
