/** Why a Connect attempt ended without a result. */
export type ConnectErrorCode =
  | "popup_blocked"
  | "closed_by_user"
  | "timed_out"
  | "refused"
  | "server_error"
  | "state_mismatch"
  | "busy"
  | "cancelled";

/** Base class of every error an attempt rejects with; `code` tells them apart. */
export class ConnectError extends Error {
  override readonly name: string = "ConnectError";
  constructor(
    readonly code: ConnectErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** `window.open` returned null (a popup blocker, or no user gesture). Message as the official SDK's. */
export class PopupBlockedError extends ConnectError {
  override readonly name = "PopupBlockedError";
  constructor() {
    super("popup_blocked", "Popup failed to open");
  }
}

/** The user closed the popup before the flow finished. */
export class ClosedByUserError extends ConnectError {
  override readonly name = "ClosedByUserError";
  constructor() {
    super("closed_by_user", "The sign-in window was closed before it finished");
  }
}

export class TimeoutError extends ConnectError {
  override readonly name = "TimeoutError";
  constructor(ms: number) {
    super("timed_out", `The sign-in did not finish within ${Math.round(ms / 1000)} s`);
  }
}

/** The owner refused or cancelled (`DIMO_ERROR`, `error=` / `error=access_denied`). */
export class RefusedError extends ConnectError {
  override readonly name = "RefusedError";
  constructor(
    message: string,
    readonly error?: string,
  ) {
    super("refused", message);
  }
}

/** The login app or the token endpoint failed, or answered something unusable. */
export class ServerError extends ConnectError {
  override readonly name = "ServerError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super("server_error", message);
  }
}

/** A secure-mode answer whose `state` (or `iss`) is not the one this attempt sent. */
export class StateMismatchError extends ConnectError {
  override readonly name = "StateMismatchError";
  constructor(message = "The sign-in answer does not belong to this attempt") {
    super("state_mismatch", message);
  }
}
