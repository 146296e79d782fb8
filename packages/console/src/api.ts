// The console's JSON API (docs/console.md) and the login app's sign-in API it shares
// (docs/login-api.md). Every change carries the CSRF token from GET /api/session.

import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/browser";

export interface User {
  email: string;
  walletAddress: string;
  hasPasskey: boolean;
}

export interface License {
  clientId: string;
  alias: string | null;
  owner: string;
  tokenId: number;
  tokenDID: string;
  createdAt: string;
}

export interface Signer {
  address: string;
  enabledAt: string;
  disabledAt: string | null;
  expiresAt: string | null;
}

export interface Brand {
  id: string;
  name: string;
  logoUrl: string | null;
  iconUrl: string | null;
  logoCid: string | null;
  iconCid: string | null;
  primaryColor: string | null;
  isDefault: boolean;
  updatedAt: string;
}

export interface Settings {
  webOrigins: string[];
  embedEnabled: boolean;
  legacyTokenResponse: boolean;
  secureOnly: boolean;
  maxGrantDays: number | null;
}

export interface LicenseDetails {
  license: License;
  signers: Signer[];
  redirectUris: Array<{ uri: string; enabledAt: string }>;
  brands: Brand[];
  settings: Settings;
}

export interface ConfigurationRow {
  id: string;
  client_id: string;
  owner_id: string;
  configuration_name: string;
  configuration: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export interface SharedVehicle {
  tokenId: number;
  name: string;
  make: string;
  model: string;
  year: number;
  powertrainType: string;
  owner: string;
  privileges: number[];
  privilegeNames: string[];
  sharedAt: string;
  expiresAt: string;
  lastSignalAt: string | null;
}

export interface HistoryEntry {
  action: string;
  at: string;
  grantor: string;
  privilegeNames: string[];
  expiresAt: string | null;
}

export interface ServerInfo {
  platformName: string;
  publicUrl: string;
  loginUrl: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The reserved flow id of console sign-in (docs/login-api.md). */
const CONSOLE = "console";

export class ConsoleApi {
  private csrfToken = "";

  private async call<T>(
    method: string,
    url: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (method !== "GET") headers["x-csrf-token"] = this.csrfToken;
    let payload: BodyInit | undefined;
    if (body instanceof Blob) {
      headers["content-type"] = contentType;
      payload = body;
    } else if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
    } catch {
      throw new ApiError(0, "network", "The server did not answer. Check your connection and try again.");
    }
    const text = await res.text();
    const data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok)
      throw new ApiError(
        res.status,
        typeof data.code === "string" ? data.code : String(res.status),
        typeof data.message === "string" ? data.message : `The server answered ${res.status}.`,
      );
    return data as T;
  }

  async session(): Promise<User | null> {
    const s = await this.call<{ csrfToken: string; user: User | null }>("GET", "/api/session");
    this.csrfToken = s.csrfToken;
    return s.user;
  }
  info = () => this.call<ServerInfo>("GET", "/api/console/info");
  sendCode = (email: string) => this.call("POST", "/api/auth/email/start", { flowId: CONSOLE, email });
  verifyCode = (email: string, code: string) =>
    this.call<{ user: User }>("POST", "/api/auth/email/verify", { flowId: CONSOLE, email, code });
  passkeyOptions = () =>
    this.call<{ ceremonyId: string; options: PublicKeyCredentialRequestOptionsJSON }>(
      "POST",
      "/api/auth/passkey/login/options",
      {},
    );
  passkeyVerify = (ceremonyId: string, response: AuthenticationResponseJSON) =>
    this.call<{ user: User }>("POST", "/api/auth/passkey/login/verify", { ceremonyId, response });
  logout = () => this.call("POST", "/api/auth/logout", {});

  licenses = () => this.call<{ licenses: License[] }>("GET", "/api/console/licenses");
  createLicense = (alias: string) =>
    this.call<LicenseDetails>("POST", "/api/console/licenses", { alias: alias || null });
  license = (clientId: string) => this.call<LicenseDetails>("GET", `/api/console/licenses/${clientId}`);
  setAlias = (clientId: string, alias: string) =>
    this.call<LicenseDetails>("PATCH", `/api/console/licenses/${clientId}`, { alias: alias || null });
  createApiKey = (clientId: string) =>
    this.call<{ address: string; privateKey: string }>("POST", `/api/console/licenses/${clientId}/api-keys`);
  disableApiKey = (clientId: string, address: string) =>
    this.call<LicenseDetails>("DELETE", `/api/console/licenses/${clientId}/api-keys/${address}`);
  addRedirectUri = (clientId: string, uri: string) =>
    this.call<LicenseDetails>("POST", `/api/console/licenses/${clientId}/redirect-uris`, { uri });
  removeRedirectUri = (clientId: string, uri: string) =>
    this.call<LicenseDetails>(
      "DELETE",
      `/api/console/licenses/${clientId}/redirect-uris?uri=${encodeURIComponent(uri)}`,
    );
  saveSettings = (clientId: string, settings: Partial<Settings>) =>
    this.call<LicenseDetails>("PUT", `/api/console/licenses/${clientId}/settings`, settings);
  createBrand = (
    clientId: string,
    brand: { name: string; primaryColor: string | null; isDefault: boolean },
  ) => this.call<{ brand: Brand }>("POST", `/api/console/licenses/${clientId}/brands`, brand);
  updateBrand = (
    clientId: string,
    id: string,
    patch: { name?: string; primaryColor?: string | null; isDefault?: boolean },
  ) => this.call<{ brand: Brand }>("PATCH", `/api/console/licenses/${clientId}/brands/${id}`, patch);
  deleteBrand = (clientId: string, id: string) =>
    this.call("DELETE", `/api/console/licenses/${clientId}/brands/${id}`);
  uploadImage = (clientId: string, id: string, kind: "logo" | "icon", file: File) =>
    this.call<{ brand: Brand }>(
      "PUT",
      `/api/console/licenses/${clientId}/brands/${id}/${kind}`,
      file,
      file.type,
    );
  removeImage = (clientId: string, id: string, kind: "logo" | "icon") =>
    this.call<{ brand: Brand }>("DELETE", `/api/console/licenses/${clientId}/brands/${id}/${kind}`);

  configurations = (clientId: string) =>
    this.call<{ configurations: ConfigurationRow[] }>(
      "GET",
      `/api/console/licenses/${clientId}/configurations`,
    );
  createConfiguration = (clientId: string, name: string, configuration: Record<string, string>) =>
    this.call<{ configuration: ConfigurationRow }>(
      "POST",
      `/api/console/licenses/${clientId}/configurations`,
      {
        name,
        configuration,
      },
    );
  updateConfiguration = (id: string, name: string, configuration: Record<string, string>) =>
    this.call<{ configuration: ConfigurationRow }>("PUT", `/api/console/configurations/${id}`, {
      name,
      configuration,
    });
  deleteConfiguration = (id: string) => this.call("DELETE", `/api/console/configurations/${id}`);

  vehicles = (clientId: string, query: string) =>
    this.call<{ vehicles: SharedVehicle[] }>("GET", `/api/console/licenses/${clientId}/vehicles?${query}`);
  history = (clientId: string, tokenId: number) =>
    this.call<{ events: HistoryEntry[] }>(
      "GET",
      `/api/console/licenses/${clientId}/vehicles/${tokenId}/history`,
    );
}
