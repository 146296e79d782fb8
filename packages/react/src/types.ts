import type { ConnectResult, TransactionReceipt } from "@keyfob/connect";

/** What `onSuccess` receives: the official fields plus Keyfob's. */
export interface AuthData {
  /** The user JWT; empty when your back end redeemed the code and kept it, or on logout. */
  token: string;
  transactionHash?: string;
  transactionReceipt?: TransactionReceipt;
  sharedVehicles?: string[];
  revokedVehicles?: string[];
  extendedVehicles?: string[];
  walletAddress?: string;
  email?: string;
  signature?: string;
  signer?: string;
  /** The logout flow finished. */
  logout?: boolean;
}

export function toAuthData(result: ConnectResult): AuthData {
  switch (result.kind) {
    case "auth": {
      const { kind: _k, secure: _s, expiresIn: _e, accountGranted: _a, ...rest } = result;
      return rest;
    }
    case "transaction": {
      const { kind: _k, ...rest } = result;
      return rest;
    }
    case "signature": {
      const { kind: _k, ...rest } = result;
      return rest;
    }
    case "logout":
      return { token: "", logout: true };
    default:
      return { token: "" };
  }
}
