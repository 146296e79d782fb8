export {
  ClosedByUserError,
  ConnectError,
  type ConnectErrorCode,
  type ConnectEvent,
  EntryState,
  Permissions,
  PopupBlockedError,
  RefusedError,
  ServerError,
  StateMismatchError,
  TimeoutError,
  type TransactionData,
  type TransactionReceipt,
} from "@keyfob/connect";
export {
  type BaseButtonProps,
  type ButtonLabels,
  contrastText,
  type DimoActionParams,
  DimoSDKModes,
  ExecuteAdvancedTransactionWithDimo,
  type ExecuteAdvancedTransactionWithDimoProps,
  LoginWithDimo,
  type LoginWithDimoProps,
  LogoutWithDimo,
  type LogoutWithDimoProps,
  ShareVehiclesWithDimo,
  type ShareVehiclesWithDimoProps,
  type TransactionParams,
} from "./components.tsx";
export {
  type DimoSDKConfig,
  Environment,
  getDimoConfig,
  initializeDimoSDK,
  initializeKeyfob,
} from "./config.ts";
export {
  DimoAuthProvider,
  type DimoAuthProviderProps,
  type DimoAuthState,
  KeyfobProvider,
  useDimoAuthState,
} from "./context.tsx";
export type { AuthData } from "./types.ts";
