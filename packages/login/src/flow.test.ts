import { describe, expect, it } from "vitest";
import type { ActionResult, SessionUser, Vehicle } from "./api.ts";
import { currentScreen, detectMode, type FlowEvent, type FlowState, initialState, reducer } from "./flow.ts";
import { readyFlow } from "./testing/fixtures.ts";

const user: SessionUser = { email: "ada@example.com", walletAddress: "0xabc", hasPasskey: false };

function run(state: FlowState, ...events: FlowEvent[]): FlowState {
  return events.reduce(reducer, state);
}

const names = (state: FlowState) => state.stack.map((entry) => entry.name);
const started = (entryState: string, sessionUser: SessionUser | null = null, extra = {}) =>
  run(initialState("popup"), { type: "started", user: sessionUser, flow: readyFlow(entryState, extra) });

const result: ActionResult = {
  message: { eventType: "authResponse" },
  targetOrigin: "https://app.example",
  redirectUrl: null,
};
const vehicle: Vehicle = {
  tokenId: "7",
  name: "2021 Tesla Model 3",
  make: "Tesla",
  model: "Model 3",
  year: 2021,
  powertrainType: "BEV",
  compatible: true,
  incompatibleReasons: [],
  grant: { privileges: [1], expiresAt: "2030-01-01T00:00:00Z", differsFromRequested: true },
};

describe("detectMode", () => {
  it("is redirect with configurationId or redirectUri in the URL, even in a popup", () => {
    expect(detectMode({ search: "?configurationId=abc", framed: false, hasOpener: true })).toBe("redirect");
    expect(
      detectMode({ search: "?clientId=0x1&redirectUri=https%3A%2F%2Fa", framed: true, hasOpener: false }),
    ).toBe("redirect");
    expect(detectMode({ search: "?redirect_uri=https%3A%2F%2Fa", framed: false, hasOpener: false })).toBe(
      "redirect",
    );
  });
  it("is embed with mode=embed or in a frame, popup with an opener", () => {
    expect(detectMode({ search: "?clientId=0x1&mode=embed", framed: false, hasOpener: false })).toBe("embed");
    expect(detectMode({ search: "", framed: true, hasOpener: false })).toBe("embed");
    expect(detectMode({ search: "", framed: false, hasOpener: true })).toBe("popup");
    expect(detectMode({ search: "", framed: false, hasOpener: false })).toBe("redirect");
  });
});

describe("flow state machine", () => {
  it("starts on LOADING with the start task, then shows EMAIL_INPUT", () => {
    const state = initialState("redirect");
    expect(currentScreen(state)).toMatchObject({ name: "LOADING", task: "start" });
    expect(currentScreen(started("EMAIL_INPUT")).name).toBe("EMAIL_INPUT");
  });

  it("shows the error screen for a failed start, and for entry states it does not run", () => {
    expect(
      currentScreen(run(initialState("redirect"), { type: "failed", code: "unknownClient" })),
    ).toMatchObject({
      name: "ERROR",
      code: "unknownClient",
    });
    expect(currentScreen(started("SIGN_MESSAGE"))).toMatchObject({
      name: "ERROR",
      code: "unsupportedEntryState",
    });
  });

  it("EMAIL_INPUT → OTP_INPUT → (known account) authorize at once", () => {
    let state = started("EMAIL_INPUT");
    state = run(state, { type: "codeSent", email: "ada@example.com", resendAfterSeconds: 60, now: 1000 });
    expect(names(state)).toEqual(["EMAIL_INPUT", "OTP_INPUT"]);
    expect(currentScreen(state)).toMatchObject({ email: "ada@example.com", resendAt: 61_000 });
    state = run(state, { type: "signedIn", user, newAccount: false });
    expect(names(state)).toEqual(["LOADING"]);
    expect(currentScreen(state)).toMatchObject({ task: "authorize" });
  });

  it("treats OTP_INPUT as EMAIL_INPUT", () => {
    const state = run(started("OTP_INPUT"), { type: "signedIn", user, newAccount: false });
    expect(currentScreen(state)).toMatchObject({ name: "LOADING", task: "authorize" });
  });

  it("a resent code keeps the OTP screen (same id) and the history", () => {
    let state = run(started("EMAIL_INPUT"), {
      type: "codeSent",
      email: "ada@example.com",
      resendAfterSeconds: 60,
      now: 0,
    });
    const id = currentScreen(state).id;
    state = run(state, { type: "codeSent", email: "ada@example.com", resendAfterSeconds: 60, now: 60_000 });
    expect(names(state)).toEqual(["EMAIL_INPUT", "OTP_INPUT"]);
    expect(currentScreen(state)).toMatchObject({ id, resendAt: 120_000 });
  });

  it("a new account is offered a passkey, then dispatched (skip or create)", () => {
    let state = run(started("VEHICLE_MANAGER"), { type: "signedIn", user, newAccount: true });
    expect(names(state)).toEqual(["PASSKEY_GENERATOR"]);
    state = run(state, { type: "passkeyDone" });
    expect(names(state)).toEqual(["VEHICLE_MANAGER"]);
  });

  it("SUCCESS shows the success screen; its Back authorizes", () => {
    let state = run(started("SUCCESS"), { type: "signedIn", user, newAccount: false });
    expect(names(state)).toEqual(["SUCCESS"]);
    state = run(state, { type: "authorizeRequested" });
    expect(currentScreen(state)).toMatchObject({ name: "LOADING", task: "authorize" });
  });

  it("LOGOUT goes straight to the logout screen, without sign-in", () => {
    expect(names(started("LOGOUT", user))).toEqual(["LOGOUT"]);
  });

  it("a remembered session continues as that user", () => {
    const state = run(started("VEHICLE_MANAGER", user), { type: "continueAs" });
    expect(names(state)).toEqual(["VEHICLE_MANAGER"]);
  });

  it("with forceEmail, a sign-in without the consent box goes back to the email screen", () => {
    let state = run(started("EMAIL_INPUT", null, { forceEmail: true }), {
      type: "signedIn",
      user,
      newAccount: false,
    });
    expect(currentScreen(state)).toMatchObject({ name: "EMAIL_INPUT", notice: "consentRequired" });
    state = run(state, { type: "shareEmailChanged", shareEmail: true }, { type: "continueAs" });
    expect(currentScreen(state)).toMatchObject({ name: "LOADING", task: "authorize" });
  });

  it("passkey failure → PASSKEY_LOGIN; 'use an email code' returns to the email screen; Back too", () => {
    let state = run(started("EMAIL_INPUT"), { type: "emailChanged", email: "ada@example.com" });
    state = run(state, { type: "passkeyFailed", reason: "cancelled" });
    expect(names(state)).toEqual(["EMAIL_INPUT", "PASSKEY_LOGIN"]);
    state = run(state, { type: "passkeyFailed", reason: "failed" });
    expect(names(state)).toEqual(["EMAIL_INPUT", "PASSKEY_LOGIN"]);
    expect(currentScreen(state)).toMatchObject({ reason: "failed" });
    expect(names(run(state, { type: "useEmailCode" }))).toEqual(["EMAIL_INPUT"]);
    expect(names(run(state, { type: "back" }))).toEqual(["EMAIL_INPUT"]);
    expect(run(state, { type: "back" }).email).toBe("ada@example.com");
  });

  it("'use another account' signs out and clears the email", () => {
    let state = run(started("EMAIL_INPUT", user), { type: "emailChanged", email: "x@example.com" });
    state = run(state, { type: "signedOut" });
    expect(state.user).toBeNull();
    expect(state.email).toBe("");
    expect(names(state)).toEqual(["EMAIL_INPUT"]);
  });

  it("Back does nothing on a single screen", () => {
    const state = started("EMAIL_INPUT");
    expect(run(state, { type: "back" })).toBe(state);
  });

  it("VEHICLE_MANAGER → MANAGE_VEHICLE → Back; an action resets the history to the success screen", () => {
    let state = run(started("VEHICLE_MANAGER", user), { type: "continueAs" });
    const requested = { privileges: [1, 3], expiresAt: "2126-01-01T00:00:00Z" };
    state = run(state, { type: "manageVehicle", vehicle, requested });
    expect(names(state)).toEqual(["VEHICLE_MANAGER", "MANAGE_VEHICLE"]);
    expect(names(run(state, { type: "back" }))).toEqual(["VEHICLE_MANAGER"]);
    state = run(state, { type: "completed", kind: "revoked", tokenIds: ["7"], expiresAt: null, result });
    expect(names(state)).toEqual(["VEHICLES_SHARED_SUCCESS"]);
    expect(currentScreen(state)).toMatchObject({ kind: "revoked", tokenIds: ["7"] });
    expect(state.result).toBe(result);
    expect(names(run(state, { type: "finished" }))).toEqual(["DONE"]);
  });

  it("an ended session sends the user back to sign in with a notice", () => {
    let state = run(started("VEHICLE_MANAGER", user), { type: "continueAs" });
    state = run(state, { type: "sessionExpired" });
    expect(state.user).toBeNull();
    expect(currentScreen(state)).toMatchObject({ name: "EMAIL_INPUT", notice: "sessionExpired" });
  });

  it("every new screen gets a new id", () => {
    const state = run(started("EMAIL_INPUT"), {
      type: "codeSent",
      email: "a@b.example",
      resendAfterSeconds: 1,
      now: 0,
    });
    const ids = state.stack.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
