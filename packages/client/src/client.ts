import { privateKeyToAccount } from "viem/accounts";
import {
  DEFAULT_RETRY,
  GraphQLError,
  type HttpOptions,
  type RequestSpec,
  type RetryPolicy,
  request,
} from "./http.ts";
import type {
  FailedSubscriptions,
  IdentityVehicle,
  LatestSignals,
  Privilege,
  RegisterWebhookRequest,
  SignalDefinition,
  UpdateWebhookRequest,
  WebhookVehicle,
  WebhookView,
} from "./types.ts";

export interface KeyfobClientOptions {
  /** Keyfob's public URL (one origin), e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** The license's clientId. */
  clientId: string;
  /** One of the license's API keys: 64 hex characters, with or without `0x`. Server-side only. */
  apiKey: string;
  /** A redirect URI of the license (the challenge's `domain`). */
  domain: string;
  /** Override single services (DIMO's split hosts, or a proxy). */
  urls?: Partial<{
    auth: string;
    identity: string;
    telemetry: string;
    tokenExchange: string;
    triggers: string;
  }>;
  /** Vehicle NFT contract and chain of the deployment (defaults: Polygon's). */
  vehicleContract?: string;
  chainId?: number;
  retry?: Partial<RetryPolicy>;
  /** Renew cached JWTs this long before they expire (default 60 s). */
  refreshMarginSeconds?: number;
  fetch?: typeof fetch;
  /** For tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface CachedJwt {
  token: string;
  /** Unix ms after which it is renewed. */
  renewAt: number;
}

/** Privilege names and ids (connect-protocol.md §5.1). */
export const PRIVILEGES: Readonly<Record<Privilege, number>> = {
  "privilege:GetNonLocationHistory": 1,
  "privilege:ExecuteCommands": 2,
  "privilege:GetCurrentLocation": 3,
  "privilege:GetLocationHistory": 4,
  "privilege:GetVINCredential": 5,
  "privilege:GetLiveData": 6,
  "privilege:GetRawData": 7,
  "privilege:GetApproximateLocation": 8,
};

const SIGNAL_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

function jwtExpiry(token: string): number | null {
  try {
    const part = token.split(".")[1];
    if (part === undefined) return null;
    const claims = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * A typed client for a developer's back end: developer JWT (challenge signed with the API key),
 * token exchange (vehicle JWTs, cached until shortly before expiry), Identity and Telemetry GraphQL,
 * and vehicle triggers. Retries with back-off on 429 and 5xx.
 */
export class KeyfobClient {
  private readonly http: HttpOptions;
  private readonly base: string;
  private readonly now: () => number;
  private readonly margin: number;
  private developer: CachedJwt | null = null;
  private developerPending: Promise<string> | null = null;
  private readonly vehicles = new Map<string, CachedJwt>();
  private readonly vehiclePending = new Map<string, Promise<string>>();

  readonly identity: IdentityApi;
  readonly telemetry: TelemetryApi;
  readonly triggers: TriggersApi;

  constructor(private readonly options: KeyfobClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.http = {
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      retry: { ...DEFAULT_RETRY, ...options.retry },
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: Math.random,
    };
    this.now = options.now ?? Date.now;
    this.margin = (options.refreshMarginSeconds ?? 60) * 1000;
    this.identity = new IdentityApi(this);
    this.telemetry = new TelemetryApi(this);
    this.triggers = new TriggersApi(this);
  }

  /** @internal */
  url(service: "auth" | "identity" | "telemetry" | "tokenExchange" | "triggers", path: string): string {
    const override = this.options.urls?.[service];
    if (override !== undefined) return `${override.replace(/\/+$/, "")}${path}`;
    const defaults = {
      auth: "",
      identity: "/identity/query",
      telemetry: "/telemetry/query",
      tokenExchange: "",
      triggers: "",
    };
    return `${this.base}${defaults[service]}${path}`;
  }

  /** @internal */
  call<T>(spec: RequestSpec): Promise<T> {
    return request<T>(this.http, spec);
  }

  get clientId(): string {
    return this.options.clientId;
  }

  /** The vehicle's DID on this deployment. */
  vehicleDid(tokenId: number): string {
    const chain = this.options.chainId ?? 137;
    const contract = this.options.vehicleContract ?? "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF";
    return `did:erc721:${chain}:${contract}:${tokenId}`;
  }

  /** A developer JWT: generate_challenge → sign (EIP-191, viem) → submit_challenge; cached. */
  async developerJwt(): Promise<string> {
    if (this.developer !== null && this.now() < this.developer.renewAt) return this.developer.token;
    this.developerPending ??= this.fetchDeveloperJwt().finally(() => {
      this.developerPending = null;
    });
    return this.developerPending;
  }

  private async fetchDeveloperJwt(): Promise<string> {
    const { clientId, domain } = this.options;
    const query = new URLSearchParams({
      client_id: clientId,
      domain,
      scope: "openid email",
      response_type: "code",
      address: clientId,
    });
    const challenge = await this.call<{ state: string; challenge: string }>({
      method: "POST",
      url: this.url("auth", `/auth/web3/generate_challenge?${query}`),
      idempotent: true,
    });
    const key = this.options.apiKey.startsWith("0x") ? this.options.apiKey : `0x${this.options.apiKey}`;
    const signature = await privateKeyToAccount(key as `0x${string}`).signMessage({
      message: challenge.challenge,
    });
    const tokens = await this.call<{ access_token: string; expires_in?: number }>({
      method: "POST",
      url: this.url("auth", "/auth/web3/submit_challenge"),
      form: {
        client_id: clientId,
        domain,
        grant_type: "authorization_code",
        state: challenge.state,
        signature,
      },
      // A state is single-use: a retry after a 5xx would be refused anyway.
      idempotent: false,
    });
    this.developer = this.cacheEntry(tokens.access_token, tokens.expires_in);
    return tokens.access_token;
  }

  private cacheEntry(token: string, expiresIn?: number): CachedJwt {
    const exp = jwtExpiry(token) ?? (expiresIn !== undefined ? this.now() + expiresIn * 1000 : this.now());
    return { token, renewAt: exp - this.margin };
  }

  /**
   * A vehicle JWT for `tokenId` with these privileges (ids or names; default GetNonLocationHistory),
   * from token exchange; cached until shortly before it expires.
   */
  async vehicleJwt(tokenId: number, privileges: Array<number | Privilege> = [1]): Promise<string> {
    const ids = [...new Set(privileges.map((p) => (typeof p === "number" ? p : PRIVILEGES[p])))].sort(
      (a, b) => a - b,
    );
    const key = `${tokenId}:${ids.join(",")}`;
    const cached = this.vehicles.get(key);
    if (cached !== undefined && this.now() < cached.renewAt) return cached.token;
    let pending = this.vehiclePending.get(key);
    if (pending === undefined) {
      pending = (async () => {
        const developer = await this.developerJwt();
        const answer = await this.call<{ token: string }>({
          method: "POST",
          url: this.url("tokenExchange", "/v1/tokens/exchange"),
          headers: { authorization: `Bearer ${developer}` },
          json: {
            nftContractAddress: this.options.vehicleContract ?? "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF",
            privileges: ids,
            tokenId,
          },
          idempotent: true,
        });
        this.vehicles.set(key, this.cacheEntry(answer.token));
        return answer.token;
      })().finally(() => this.vehiclePending.delete(key));
      this.vehiclePending.set(key, pending);
    }
    return pending;
  }

  /** @internal */
  async graphql<T>(
    url: string,
    query: string,
    variables?: Record<string, unknown>,
    bearer?: string,
  ): Promise<T> {
    const body = await this.call<{ data?: T; errors?: ConstructorParameters<typeof GraphQLError>[0] }>({
      method: "POST",
      url,
      json: { query, ...(variables ? { variables } : {}) },
      ...(bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {}),
      idempotent: true,
    });
    if (body.errors && body.errors.length > 0) throw new GraphQLError(body.errors, body.data ?? null);
    return body.data as T;
  }
}

const VEHICLE_FIELDS = "tokenId tokenDID owner name mintedAt definition { id make model year }";

export class IdentityApi {
  constructor(private readonly client: KeyfobClient) {}

  /** Any Identity query (no authentication needed). */
  query<T = unknown>(query: string, variables?: Record<string, unknown>): Promise<T> {
    return this.client.graphql<T>(this.client.url("identity", ""), query, variables);
  }

  /** Vehicles this license may read (shared with it), optionally only those of one owner. */
  async sharedVehicles(options: { owner?: string; first?: number } = {}): Promise<IdentityVehicle[]> {
    const data = await this.query<{ vehicles: { nodes: IdentityVehicle[] } }>(
      `query($privileged: Address!, $owner: Address, $first: Int) {
        vehicles(first: $first, filterBy: { privileged: $privileged, owner: $owner }) { nodes { ${VEHICLE_FIELDS} } }
      }`,
      { privileged: this.client.clientId, owner: options.owner ?? null, first: options.first ?? 100 },
    );
    return data.vehicles.nodes;
  }

  async vehicle(tokenId: number): Promise<IdentityVehicle> {
    const data = await this.query<{ vehicle: IdentityVehicle }>(
      `query($tokenId: Int!) { vehicle(tokenId: $tokenId) { ${VEHICLE_FIELDS} } }`,
      { tokenId },
    );
    return data.vehicle;
  }
}

export class TelemetryApi {
  constructor(private readonly client: KeyfobClient) {}

  /** Any Telemetry query for one vehicle, with a vehicle JWT of these privileges. */
  async query<T = unknown>(
    tokenId: number,
    query: string,
    variables?: Record<string, unknown>,
    privileges: Array<number | Privilege> = [1],
  ): Promise<T> {
    const jwt = await this.client.vehicleJwt(tokenId, privileges);
    return this.client.graphql<T>(this.client.url("telemetry", ""), query, variables, jwt);
  }

  /** The newest value of each named signal (e.g. `speed`, `powertrainTransmissionTravelledDistance`). */
  async latestSignals(
    tokenId: number,
    signals: string[],
    privileges: Array<number | Privilege> = [1],
  ): Promise<LatestSignals> {
    for (const name of signals)
      if (!SIGNAL_NAME.test(name)) throw new TypeError(`Not a signal name: ${name}`);
    const fields = signals.map((name) => `${name} { timestamp value }`).join(" ");
    const data = await this.query<{ signalsLatest: LatestSignals | null }>(
      tokenId,
      `query($tokenId: Int!) { signalsLatest(tokenId: $tokenId) { lastSeen ${fields} } }`,
      { tokenId },
      privileges,
    );
    return data.signalsLatest ?? { lastSeen: null };
  }
}

export class TriggersApi {
  constructor(private readonly client: KeyfobClient) {}

  private async call<T>(
    method: RequestSpec["method"],
    path: string,
    json?: unknown,
    idempotent = method !== "POST",
  ): Promise<T> {
    const developer = await this.client.developerJwt();
    return this.client.call<T>({
      method,
      url: this.client.url("triggers", `/v1/webhooks${path}`),
      headers: { authorization: `Bearer ${developer}` },
      ...(json !== undefined ? { json } : {}),
      idempotent,
    });
  }

  list(): Promise<WebhookView[]> {
    return this.call("GET", "");
  }
  create(webhook: RegisterWebhookRequest): Promise<{ id: string; message: string }> {
    return this.call("POST", "", webhook);
  }
  signals(): Promise<SignalDefinition[]> {
    return this.call("GET", "/signals");
  }
  /** The DIDs of the vehicles subscribed to a webhook. */
  subscriptions(webhookId: string): Promise<string[]> {
    return this.call("GET", `/${encodeURIComponent(webhookId)}`);
  }
  update(webhookId: string, changes: UpdateWebhookRequest): Promise<{ id: string; message: string }> {
    return this.call("PUT", `/${encodeURIComponent(webhookId)}`, changes);
  }
  delete(webhookId: string): Promise<{ message: string }> {
    return this.call("DELETE", `/${encodeURIComponent(webhookId)}`);
  }
  /** Subscribes a vehicle (a token id or a DID); re-subscribing is harmless. */
  subscribe(webhookId: string, vehicle: number | string): Promise<{ message: string }> {
    const did = typeof vehicle === "number" ? this.client.vehicleDid(vehicle) : vehicle;
    return this.call(
      "POST",
      `/${encodeURIComponent(webhookId)}/subscribe/${encodeURIComponent(did)}`,
      undefined,
      true,
    );
  }
  subscribeList(
    webhookId: string,
    vehicles: Array<number | string>,
  ): Promise<{ message: string } | FailedSubscriptions> {
    const assetDIDs = vehicles.map((v) => (typeof v === "number" ? this.client.vehicleDid(v) : v));
    return this.call("POST", `/${encodeURIComponent(webhookId)}/subscribe/list`, { assetDIDs }, true);
  }
  subscribeAll(webhookId: string): Promise<{ message: string } | FailedSubscriptions> {
    return this.call("POST", `/${encodeURIComponent(webhookId)}/subscribe/all`, undefined, true);
  }
  unsubscribe(webhookId: string, vehicle: number | string): Promise<{ message: string }> {
    const did = typeof vehicle === "number" ? this.client.vehicleDid(vehicle) : vehicle;
    return this.call("DELETE", `/${encodeURIComponent(webhookId)}/unsubscribe/${encodeURIComponent(did)}`);
  }
  unsubscribeList(
    webhookId: string,
    vehicles: Array<number | string>,
  ): Promise<{ message: string } | FailedSubscriptions> {
    const assetDIDs = vehicles.map((v) => (typeof v === "number" ? this.client.vehicleDid(v) : v));
    return this.call("DELETE", `/${encodeURIComponent(webhookId)}/unsubscribe/list`, { assetDIDs });
  }
  unsubscribeAll(webhookId: string): Promise<{ message: string }> {
    return this.call("DELETE", `/${encodeURIComponent(webhookId)}/unsubscribe/all`);
  }
  /** This license's webhooks for one vehicle. */
  forVehicle(vehicle: number | string): Promise<WebhookVehicle[]> {
    const did = typeof vehicle === "number" ? this.client.vehicleDid(vehicle) : vehicle;
    return this.call("GET", `/vehicles/${encodeURIComponent(did)}`);
  }
}
