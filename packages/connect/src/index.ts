export {
  ConnectController,
  type ConnectEvent,
  type ConnectOptions,
  type ConnectWindow,
  getConnectController,
  RESULT_PARAMS,
  type StartOptions,
} from "./controller.ts";
export {
  ClosedByUserError,
  ConnectError,
  type ConnectErrorCode,
  PopupBlockedError,
  RefusedError,
  ServerError,
  StateMismatchError,
  TimeoutError,
} from "./errors.ts";
export {
  type LoginEvent,
  MAX_MESSAGE_CHARS,
  type MessageExpectation,
  parseLoginMessage,
} from "./messages.ts";
export { codeChallenge, createPkce, type PkcePair, randomToken, redeemCode } from "./pkce.ts";
export * from "./types.ts";
export {
  applyConfiguration,
  buildEmbedUrl,
  buildLoginUrl,
  defaultEntryState,
  handshakeMessages,
  issuerUrl,
  loginOrigin,
  permissionsParam,
  permissionsToBitstring,
  requestParams,
  resolveLoginUrl,
  templatePermissions,
} from "./url.ts";
