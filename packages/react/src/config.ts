import type { AuthorizationGrant, ConnectOptions, TokenResponse } from "@keyfob/connect";

/** The official environments (login-with-dimo's `Environment`, not exported by 0.0.27). */
export enum Environment {
  DEVELOPMENT = "development",
  PRODUCTION = "production",
  LOCAL = "local",
}

export interface DimoSDKConfig {
  clientId: string;
  redirectUri: string;
  /** Accepted for compatibility and never sent (Keyfob ignores it; it is never a secret). */
  apiKey?: string;
  environment?: Environment | `${Environment}`;
  options?: {
    forceEmail?: boolean;
    brandName?: string;
    tosUrl?: string;
    privacyPolicyUrl?: string;
  };
  /** The login app's URL (any deployment); wins over `environment`. */
  loginUrl?: string;
  /** Keyfob's public URL: the login app and `/oauth/token` on one origin. Sets both when given. */
  baseUrl?: string;
  /** Where `/oauth/token` lives, when it is not the login URL. */
  issuerUrl?: string;
  /**
   * Secure mode: authorization code + PKCE + state; the user JWT never travels in a URL. Default
   * `true` with `initializeKeyfob`, `false` with `initializeDimoSDK` (the official behaviour).
   */
  secure?: boolean;
  /** Secure mode: redeem the code on your back end (recommended) instead of from the browser. */
  redeem?: (grant: AuthorizationGrant) => Promise<TokenResponse>;
}

let sdkConfig: (DimoSDKConfig & { secure: boolean }) | null = null;
const listeners = new Set<() => void>();

/** The official initializer: legacy mode unless `secure: true` is passed. */
export function initializeDimoSDK(config: DimoSDKConfig): void {
  sdkConfig = {
    apiKey: "some_api_key",
    environment: Environment.PRODUCTION,
    options: {},
    ...config,
    secure: config.secure ?? false,
  };
  for (const listener of listeners) listener();
}

/** The initializer for new integrations: secure mode unless `secure: false` is passed. */
export function initializeKeyfob(config: DimoSDKConfig): void {
  initializeDimoSDK({ ...config, secure: config.secure ?? true });
}

/** The configuration; throws the official message before initialization. */
export function getDimoConfig(): DimoSDKConfig & { secure: boolean } {
  if (!sdkConfig?.clientId || !sdkConfig.redirectUri) {
    throw new Error("Dimo SDK has not been initialized. Call `initializeDimoSDK` first.");
  }
  return sdkConfig;
}

export function subscribeConfig(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The configuration as @keyfob/connect options. */
export function connectOptions(config: DimoSDKConfig & { secure: boolean }): ConnectOptions {
  const options: ConnectOptions = {
    clientId: config.clientId,
    redirectUri: config.redirectUri,
    secure: config.secure,
  };
  const loginUrl = config.loginUrl ?? config.baseUrl;
  if (loginUrl !== undefined) options.loginUrl = loginUrl;
  else if (config.environment !== undefined) options.environment = config.environment;
  const issuer = config.issuerUrl ?? config.baseUrl;
  if (issuer !== undefined) options.issuerUrl = issuer;
  if (config.redeem !== undefined) options.redeem = config.redeem;
  return options;
}

/** For tests: forget the configuration. */
export function resetDimoSDK(): void {
  sdkConfig = null;
}
