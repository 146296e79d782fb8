// The vocabulary of the Connect protocol (docs: spec connect-protocol.md §1–§3, §5, §7).

/** Flows the login app runs after sign-in. */
export enum EntryState {
  EMAIL_INPUT = "EMAIL_INPUT",
  OTP_INPUT = "OTP_INPUT",
  SUCCESS = "SUCCESS",
  VEHICLE_MANAGER = "VEHICLE_MANAGER",
  ADVANCED_TRANSACTION = "ADVANCED_TRANSACTION",
  ERROR = "ERROR",
  LOADING = "LOADING",
  LOGOUT = "LOGOUT",
  SIGN_MESSAGE = "SIGN_MESSAGE",
}

/** Privileges in the SDK bitstring order (character i = privilege i + 1). Values as in login-with-dimo. */
export enum Permissions {
  GetNonLocationHistory = "NONLOCATION_TELEMETRY",
  ExecuteCommands = "COMMANDS",
  GetCurrentLocation = "CURRENT_LOCATION",
  GetLocationHistory = "ALLTIME_LOCATION",
  GetVINCredential = "CREDENTIALS",
  GetLiveData = "STREAMS",
  GetRawData = "RAW_DATA",
  GetApproximateLocation = "APPROXIMATE_LOCATION",
}

/** How the login app is shown. */
export type ConnectMode = "popup" | "redirect" | "embed";

/** The official environments and their login URLs (connect-protocol.md §7.4). */
export type Environment = "production" | "development" | "local";

export const LOGIN_URLS: Readonly<Record<Environment, string>> = {
  production: "https://login.dimo.org",
  development: "https://login.dev.dimo.org",
  local: "http://localhost:3000",
};

export interface AbiItem {
  inputs?: Array<{ name: string; type: string; indexed?: boolean }>;
  outputs?: Array<{ name: string; type: string }>;
  name?: string;
  type: string;
  stateMutability?: string;
  anonymous?: boolean;
}

export interface TransactionData {
  address: string;
  value: string;
  abi: AbiItem[];
  functionName: string;
  args: string[];
}

export interface LogEntry {
  address: string;
  topics: string[];
  data: string;
  blockNumber: number | null;
  transactionHash: string | null;
  transactionIndex: number | null;
  blockHash: string | null;
  logIndex: number | null;
  removed: boolean;
  id?: string;
}

export interface TransactionReceipt {
  transactionHash: string;
  transactionIndex: number;
  blockHash: string;
  blockNumber: number;
  from: string;
  to: string | null;
  contractAddress: string | null;
  cumulativeGasUsed: number;
  gasUsed: number;
  effectiveGasPrice: string;
  status?: boolean;
  logs: LogEntry[];
  logsBloom: string;
  type: string;
  confirmations?: number;
}

/** Who the app is: a license (clientId) and one of its registered redirect URIs. */
export interface ConnectClient {
  clientId: string;
  /** Must equal a redirect URI of the license exactly. Optional with a `configurationId` that holds one. */
  redirectUri?: string;
  /** The login app's URL, e.g. `https://login.example.com` or Keyfob's public URL. Wins over `environment`. */
  loginUrl?: string;
  /** Official environments; `production` when neither this nor `loginUrl` is given. */
  environment?: Environment | string;
  /**
   * Where `/oauth/token` lives (secure mode): Keyfob's public URL. Defaults to the login URL (Keyfob's
   * one-origin layout).
   */
  issuerUrl?: string;
}

/** Everything a Connect request can carry (connect-protocol.md §1.2), by name. */
export interface ConnectRequest {
  entryState?: EntryState | `${EntryState}`;
  /** A stored configuration: its values are defaults the other fields override. */
  configurationId?: string;
  permissionTemplateId?: string;
  /** Privileges as the SDK enum values, or a ready bitstring such as `"11111100"`. */
  permissions?: Permissions[] | string;
  vehicles?: Array<string | number>;
  vehicleMakes?: string[];
  powertrainTypes?: string[];
  onboarding?: string[];
  expirationDate?: string;
  utm?: string | null;
  transactionData?: TransactionData | string;
  messageData?: { message: string; isHex?: boolean };
  forceEmail?: boolean;
  altTitle?: boolean;
  brandName?: string;
  tosUrl?: string;
  privacyPolicyUrl?: string;
  newVehicleSectionDescription?: string;
  shareVehiclesSectionDescription?: string;
  region?: string;
  cloudEvent?: Record<string, unknown> | string;
}

/** Secure mode's request parameters (security.md §3). */
export interface SecureParams {
  state: string;
  codeChallenge: string;
}

/** A signed-in user and what the flow did, in legacy or secure mode. */
export interface AuthResult {
  kind: "auth";
  /** The user JWT. Empty when the app's back end redeemed the code and kept the token. */
  token: string;
  walletAddress?: string;
  email?: string;
  sharedVehicles?: string[];
  revokedVehicles?: string[];
  extendedVehicles?: string[];
  accountGranted?: boolean;
  /** Seconds the token is valid (secure mode). */
  expiresIn?: number;
  /** True when the result came through the authorization code (secure mode). */
  secure: boolean;
}

export interface TransactionResult {
  kind: "transaction";
  token: string;
  transactionHash?: string;
  transactionReceipt?: TransactionReceipt;
}

export interface SignatureResult {
  kind: "signature";
  token: string;
  signature: string;
  signer: string;
}

export interface LogoutResult {
  kind: "logout";
}

/** The popup was blocked and the page is navigating to the login app instead. */
export interface RedirectingResult {
  kind: "redirecting";
  url: string;
}

export type ConnectResult =
  | AuthResult
  | TransactionResult
  | SignatureResult
  | LogoutResult
  | RedirectingResult;

/** What `/oauth/token` answers (security.md §3); `access_token` may be withheld by an app back end. */
export interface TokenResponse {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  id_token?: string;
  result?: {
    walletAddress?: string;
    email?: string;
    sharedVehicles?: string[];
    revokedVehicles?: string[];
    extendedVehicles?: string[];
    accountGranted?: boolean;
    transactionHash?: string;
    transactionReceipt?: TransactionReceipt;
    signature?: string;
    signer?: string;
  };
}

/** What a secure-mode flow hands over for redemption. */
export interface AuthorizationGrant {
  code: string;
  codeVerifier: string;
  redirectUri: string;
  clientId: string;
  state: string;
  iss?: string;
}
