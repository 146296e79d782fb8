// The screens of the login app as a state machine (connect-protocol.md §4). The reducer is pure:
// it decides which screen comes next; the calls to the server and to the peer window are made by
// useConnect (src/useConnect.ts), which feeds their outcomes back in as events.

import type { ActionResult, Mode, ReadyFlow, SessionUser, Vehicle, VehicleList } from "./api.ts";

export type Task = "start" | "authorize" | "logout";

export type SharedKind = "shared" | "revoked" | "extended";

export type Screen =
  | { name: "LOADING"; task: Task }
  | { name: "ERROR"; code: string }
  | { name: "EMAIL_INPUT"; notice: "sessionExpired" | "consentRequired" | null }
  | { name: "OTP_INPUT"; email: string; resendAt: number }
  | { name: "PASSKEY_LOGIN"; reason: "cancelled" | "failed" }
  | { name: "PASSKEY_GENERATOR" }
  | { name: "SUCCESS" }
  | { name: "VEHICLE_MANAGER" }
  | { name: "MANAGE_VEHICLE"; vehicle: Vehicle; requested: VehicleList["requested"] }
  | { name: "VEHICLES_SHARED_SUCCESS"; kind: SharedKind; tokenIds: string[]; expiresAt: string | null }
  | { name: "LOGOUT" }
  | { name: "DONE" };

export type ScreenName = Screen["name"];

/** A screen on the history stack; `id` changes whenever a screen is shown anew. */
export type Entry = Screen & { id: number };

export interface FlowState {
  mode: Mode;
  stack: Entry[];
  nextId: number;
  user: SessionUser | null;
  flow: ReadyFlow | null;
  /** The "I agree to share my email" box. */
  shareEmail: boolean;
  /** The email typed on EMAIL_INPUT, kept when going back. */
  email: string;
  /** A completed action's result, waiting for "Back to {name}" (success screens). */
  result: ActionResult | null;
}

export type FlowEvent =
  | { type: "started"; user: SessionUser | null; flow: ReadyFlow }
  | { type: "failed"; code: string }
  | { type: "emailChanged"; email: string }
  | { type: "shareEmailChanged"; shareEmail: boolean }
  | { type: "codeSent"; email: string; resendAfterSeconds: number; now: number }
  | { type: "signedIn"; user: SessionUser; newAccount: boolean }
  | { type: "passkeyFailed"; reason: "cancelled" | "failed" }
  | { type: "passkeyDone" }
  | { type: "continueAs" }
  | { type: "signedOut" }
  | { type: "sessionExpired" }
  | { type: "useEmailCode" }
  | { type: "back" }
  | { type: "manageVehicle"; vehicle: Vehicle; requested: VehicleList["requested"] }
  | {
      type: "completed";
      kind: SharedKind;
      tokenIds: string[];
      expiresAt: string | null;
      result: ActionResult;
    }
  | { type: "consentRequired" }
  | { type: "authorizeRequested" }
  | { type: "finished" };

/** Entry states this app runs after sign-in (others are refused by the server already). */
const AUTHORIZE_AT_ONCE = new Set(["EMAIL_INPUT", "OTP_INPUT"]);
const SUPPORTED_ENTRY_STATES = new Set([...AUTHORIZE_AT_ONCE, "SUCCESS", "VEHICLE_MANAGER", "LOGOUT"]);

export function initialState(mode: Mode): FlowState {
  return {
    mode,
    stack: [{ name: "LOADING", task: "start", id: 0 }],
    nextId: 1,
    user: null,
    flow: null,
    shareEmail: false,
    email: "",
    result: null,
  };
}

export function currentScreen(state: FlowState): Entry {
  return state.stack[state.stack.length - 1]!;
}

/** Replace the whole history with one screen. */
function reset(state: FlowState, screen: Screen, extra: Partial<FlowState> = {}): FlowState {
  return { ...state, ...extra, stack: [{ ...screen, id: state.nextId }], nextId: state.nextId + 1 };
}

function push(state: FlowState, screen: Screen): FlowState {
  return { ...state, stack: [...state.stack, { ...screen, id: state.nextId }], nextId: state.nextId + 1 };
}

function replaceTop(state: FlowState, screen: Screen): FlowState {
  return {
    ...state,
    stack: [...state.stack.slice(0, -1), { ...screen, id: state.nextId }],
    nextId: state.nextId + 1,
  };
}

/** DISPATCH of §4: where a signed-in user goes, by the request's entry state. */
export function afterSignIn(state: FlowState): FlowState {
  const flow = state.flow;
  if (flow === null) return reset(state, { name: "ERROR", code: "unknown" });
  if (flow.request.forceEmail && !state.shareEmail) {
    return reset(state, { name: "EMAIL_INPUT", notice: "consentRequired" });
  }
  const entryState = flow.request.entryState;
  if (AUTHORIZE_AT_ONCE.has(entryState)) return reset(state, { name: "LOADING", task: "authorize" });
  switch (entryState) {
    case "SUCCESS":
      return reset(state, { name: "SUCCESS" });
    case "VEHICLE_MANAGER":
      return reset(state, { name: "VEHICLE_MANAGER" });
    case "LOGOUT":
      return reset(state, { name: "LOGOUT" });
    default:
      return reset(state, { name: "ERROR", code: "unsupportedEntryState" });
  }
}

export function reducer(state: FlowState, event: FlowEvent): FlowState {
  const screen = currentScreen(state);
  switch (event.type) {
    case "started": {
      const next = { ...state, user: event.user, flow: event.flow };
      const entryState = event.flow.request.entryState;
      if (!SUPPORTED_ENTRY_STATES.has(entryState)) {
        return reset(next, { name: "ERROR", code: "unsupportedEntryState" });
      }
      if (entryState === "LOGOUT") return reset(next, { name: "LOGOUT" });
      return reset(next, { name: "EMAIL_INPUT", notice: null });
    }
    case "failed":
      return reset(state, { name: "ERROR", code: event.code }, { result: null });
    case "emailChanged":
      return { ...state, email: event.email };
    case "shareEmailChanged":
      return { ...state, shareEmail: event.shareEmail };
    case "codeSent": {
      const otp: Screen = {
        name: "OTP_INPUT",
        email: event.email,
        resendAt: event.now + event.resendAfterSeconds * 1000,
      };
      // A resent code updates the screen in place: Back still leads to the email screen.
      if (screen.name === "OTP_INPUT") {
        return { ...state, stack: [...state.stack.slice(0, -1), { ...otp, id: screen.id }] };
      }
      return push(state, otp);
    }
    case "signedIn": {
      const next = { ...state, user: event.user };
      return event.newAccount ? reset(next, { name: "PASSKEY_GENERATOR" }) : afterSignIn(next);
    }
    case "passkeyFailed":
      if (screen.name === "PASSKEY_LOGIN")
        return replaceTop(state, { name: "PASSKEY_LOGIN", reason: event.reason });
      return push(state, { name: "PASSKEY_LOGIN", reason: event.reason });
    case "passkeyDone":
    case "continueAs":
      if (state.user === null) return reset(state, { name: "EMAIL_INPUT", notice: null });
      return afterSignIn(state);
    case "signedOut":
      return reset(state, { name: "EMAIL_INPUT", notice: null }, { user: null, email: "" });
    case "sessionExpired":
      return reset(state, { name: "EMAIL_INPUT", notice: "sessionExpired" }, { user: null });
    case "useEmailCode": {
      // Back to the email screen that is already on the stack, else a fresh one.
      const index = state.stack.findLastIndex((entry) => entry.name === "EMAIL_INPUT");
      if (index >= 0) return { ...state, stack: state.stack.slice(0, index + 1) };
      return reset(state, { name: "EMAIL_INPUT", notice: null });
    }
    case "back":
      if (state.stack.length <= 1) return state;
      return { ...state, stack: state.stack.slice(0, -1) };
    case "manageVehicle":
      if (screen.name !== "VEHICLE_MANAGER") return state;
      return push(state, { name: "MANAGE_VEHICLE", vehicle: event.vehicle, requested: event.requested });
    case "completed":
      // The result is already delivered to a popup/embed peer; "Back to {name}" finishes the flow.
      return reset(
        state,
        {
          name: "VEHICLES_SHARED_SUCCESS",
          kind: event.kind,
          tokenIds: event.tokenIds,
          expiresAt: event.expiresAt,
        },
        { result: event.result },
      );
    case "consentRequired":
      return reset(state, { name: "EMAIL_INPUT", notice: "consentRequired" }, { shareEmail: false });
    case "authorizeRequested":
      return reset(state, { name: "LOADING", task: "authorize" });
    case "finished":
      return reset(state, { name: "DONE" });
  }
}

/** Mode of the page (docs/login-api.md, "Flows"). */
export function detectMode(env: { search: string; framed: boolean; hasOpener: boolean }): Mode {
  const params = new URLSearchParams(env.search);
  if (params.has("configurationId") || params.has("redirectUri") || params.has("redirect_uri"))
    return "redirect";
  if (params.get("mode") === "embed" || env.framed) return "embed";
  if (env.hasOpener) return "popup";
  return "redirect";
}
