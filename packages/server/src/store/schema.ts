import type { Generated } from "kysely";

/**
 * Table types. Times are unix milliseconds (BIGINT) unless the name says `_s` (unix seconds, as
 * SACD records count them); flags are 0/1 integers so both engines read them the same way.
 * Each module owns its tables: the owner is named above each group.
 */
export interface Database {
  // accounts
  users: UsersTable;
  sessions: SessionsTable;
  otp_codes: OtpCodesTable;
  otp_email_states: OtpEmailStatesTable;
  otp_send_limits: OtpSendLimitsTable;
  passkeys: PasskeysTable;
  webauthn_ceremonies: WebauthnCeremoniesTable;
  // licenses
  licenses: LicensesTable;
  license_signers: LicenseSignersTable;
  license_redirect_uris: LicenseRedirectUrisTable;
  configurations: ConfigurationsTable;
  brands: BrandsTable;
  license_settings: LicenseSettingsTable;
  brand_images: BrandImagesTable;
  // connect
  connect_flows: ConnectFlowsTable;
  authorization_codes: AuthorizationCodesTable;
  // vehicles
  manufacturers: ManufacturersTable;
  vehicle_definitions: VehicleDefinitionsTable;
  vehicles: VehiclesTable;
  vehicle_transfers: VehicleTransfersTable;
  // grants
  sacd_templates: SacdTemplatesTable;
  grants: GrantsTable;
  grant_events: GrantEventsTable;
  sacd_documents: SacdDocumentsTable;
  // auth
  auth_challenges: AuthChallengesTable;
  signing_keys: SigningKeysTable;
  // telemetry
  telemetry_connections: TelemetryConnectionsTable;
  telemetry_connection_vehicles: TelemetryConnectionVehiclesTable;
  signal_history: SignalHistoryTable;
  signal_latest: SignalLatestTable;
  vehicle_events: VehicleEventsTable;
  vin_credentials: VinCredentialsTable;
  // triggers
  webhooks: WebhooksTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  trigger_state: TriggerStateTable;
  trigger_last_values: TriggerLastValuesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
}

export interface UsersTable {
  id: string;
  email: string;
  wallet_address: string;
  wallet_key_enc: string;
  created_at: number;
}

/** A signed-in browser; the cookie holds the id, the row only its sha256 (hex). */
export interface SessionsTable {
  id_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  /** Absolute end (created_at + 30 days); idle sessions end earlier. */
  expires_at: number;
}

/** The live email code of an address (one at most: a new one replaces it). */
export interface OtpCodesTable {
  email: string;
  flow_id: string;
  client_id: string;
  /** HMAC-SHA256 (hex) over flow, client, email and code under a pepper derived from the secret. */
  code_hash: string;
  attempts: number;
  created_at: number;
  expires_at: number;
}

/** Consecutive wrong codes per email (any email, with or without an account) and the lock they cause. */
export interface OtpEmailStatesTable {
  email: string;
  consecutive_failures: number;
  locked_until: number | null;
  updated_at: number;
}

/** rate-limiter-flexible's counter rows (see migration 0006). */
export interface OtpSendLimitsTable {
  key: string;
  points: number;
  expire: number | null;
}

export interface PasskeysTable {
  /** The credential id, base64url. */
  id: string;
  user_id: string;
  /** COSE public key, base64url. */
  public_key: string;
  counter: number;
  /** JSON array of transports. */
  transports: string;
  device_type: string;
  backed_up: number;
  aaguid: string;
  created_at: number;
  last_used_at: number | null;
}

/** A pending WebAuthn challenge: single use, 5 minutes. */
export interface WebauthnCeremoniesTable {
  id: string;
  kind: "registration" | "authentication";
  challenge: string;
  /** Registration: the signed-in user it was issued to. */
  user_id: string | null;
  expires_at: number;
}

export interface LicensesTable {
  token_id: Generated<number>;
  client_id: string;
  alias: string | null;
  owner: string;
  minted_at: number;
}

export interface LicenseSignersTable {
  client_id: string;
  address: string;
  enabled_at: number;
  disabled_at: number | null;
  expires_at: number | null;
}

export interface LicenseRedirectUrisTable {
  client_id: string;
  uri: string;
  enabled_at: number;
}

/** A stored login configuration (connect-protocol.md §2); `configuration` is the JSON object as written. */
export interface ConfigurationsTable {
  id: string;
  client_id: string;
  owner_id: string;
  configuration_name: string;
  configuration: string;
  created_at: number;
  updated_at: number;
}

/** A brand of a license (connect-protocol.md §9). */
export interface BrandsTable {
  id: string;
  client_id: string;
  name: string;
  /** lower(name), unique per license. */
  name_key: string;
  logo_url: string | null;
  icon_url: string | null;
  logo_cid: string | null;
  icon_cid: string | null;
  primary_color: string | null;
  is_default: number;
  created_at: number;
  updated_at: number;
}

/** A logo or icon uploaded in the console, by content id (base64 bytes, sniffed type). */
export interface BrandImagesTable {
  cid: string;
  content_type: string;
  size: number;
  body_base64: string;
  created_at: number;
}

/** Per-license login settings (security.md §2); no row = the defaults. */
export interface LicenseSettingsTable {
  client_id: string;
  /** JSON array of origins. */
  web_origins: string;
  embed_enabled: number;
  legacy_token_response: number;
  secure_only: number;
  max_grant_days: number | null;
  updated_at: number;
}

/** One sign-in/consent transaction of the login app (1 hour). */
export interface ConnectFlowsTable {
  id: string;
  client_id: string;
  status: "awaitingPayload" | "ready";
  mode: "redirect" | "popup" | "embed";
  /** Popup/embed: the exact origin results are posted to. */
  reply_origin: string | null;
  /** The raw parameters gathered so far (JSON); the payload's are merged in when it arrives. */
  params: string;
  /** The validated request (JSON), once ready. */
  request: string | null;
  user_id: string | null;
  created_at: number;
  expires_at: number;
}

/** Secure mode's authorization codes (60 s, single use); only a hash of the code is stored. */
export interface AuthorizationCodesTable {
  code_hash: string;
  client_id: string;
  redirect_uri: string;
  code_challenge: string;
  flow_id: string;
  user_id: string;
  wallet_address: string;
  /** The flow's result (JSON) handed out with the token. */
  result: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface ManufacturersTable {
  token_id: Generated<number>;
  name: string;
  owner: string;
  minted_at: number;
}

export interface VehicleDefinitionsTable {
  id: string;
  make: string;
  model: string;
  year: number;
  powertrain_type: string;
  manufacturer_token_id: number;
}

export interface VehiclesTable {
  token_id: Generated<number>;
  owner: string;
  definition_id: string;
  minted_at: number;
  transfer_version: number;
}

export interface VehicleTransfersTable {
  id: Generated<number>;
  token_id: number;
  from_owner: string;
  to_owner: string;
  version: number;
  transferred_at: number;
}

export interface SacdTemplatesTable {
  token_id: number;
  creator: string;
  asset: string;
  permissions: number;
  cid: string;
  active: number;
  created_at: number;
}

/** The current SACD record per (vehicle, grantee); every write also appends to grant_events. */
export interface GrantsTable {
  token_id: number;
  grantee: string;
  grantor: string;
  permissions: number;
  expires_at_s: number;
  template_id: string;
  source: string;
  version: number;
  created_at: number;
}

export interface GrantEventsTable {
  id: Generated<number>;
  token_id: number;
  grantee: string;
  grantor: string;
  action: string;
  permissions: number;
  expires_at_s: number;
  template_id: string;
  source: string;
  version: number;
  created_at: number;
}

export interface SacdDocumentsTable {
  cid: string;
  body: string;
  created_at: number;
}

export interface AuthChallengesTable {
  state: string;
  client_id: string;
  domain: string;
  address: string;
  challenge: string;
  expires_at: number;
}

export interface SigningKeysTable {
  kid: string;
  issuer: string;
  alg: string;
  public_jwk: string;
  private_jwk_enc: string;
  created_at: number;
  activated_at: number;
  retired_at: number | null;
}

/** A data source that posts to ingestion with its own credential (only its hash is stored). */
export interface TelemetryConnectionsTable {
  id: string;
  name: string;
  /** Checksummed; the connection's DID is `did:ethr:<chainId>:<address>`. */
  address: string;
  /** sha256 hex of the secret part of the credential. */
  credential_hash: string;
  created_at: number;
  disabled_at: number | null;
}

/** The vehicles a connection may post for. */
export interface TelemetryConnectionVehiclesTable {
  connection_id: string;
  token_id: number;
}

/**
 * One point of a signal; the value sits in the column of its type (value_number for floats,
 * value_string for strings, latitude/longitude/hdop for locations).
 */
export interface SignalHistoryTable {
  token_id: number;
  name: string;
  ts: number;
  source: string;
  value_number: number | null;
  value_string: string | null;
  latitude: number | null;
  longitude: number | null;
  hdop: number | null;
}

/** The newest point per (vehicle, signal, source). */
export type SignalLatestTable = SignalHistoryTable;

export interface VehicleEventsTable {
  token_id: number;
  name: string;
  ts: number;
  source: string;
  duration_ns: number;
  metadata: string | null;
}

export interface VinCredentialsTable {
  token_id: number;
  recorded_by: string;
  recorded_at: number;
  vin: string;
  country_code: string | null;
  valid_from: number;
  valid_to: number;
  raw_vc: string;
}

/** A webhook of a license (vehicle-triggers.md). Status: enabled, disabled, failed or deleted (soft). */
export interface WebhooksTable {
  id: string;
  client_id: string;
  service: string;
  metric_name: string;
  condition: string;
  cooldown_s: number;
  target_url: string;
  status: string;
  description: string;
  display_name: string;
  /** lower(display_name) while not deleted, else NULL: unique per license. */
  display_name_key: string | null;
  verification_token: string;
  /** The sealed `whsec_…` signing secret. */
  secret_enc: string;
  /** After a rotation: the previous secret, which still signs until previous_secret_until. */
  previous_secret_enc: string | null;
  previous_secret_until: number | null;
  failure_count: number;
  created_at: number;
  updated_at: number;
}

export interface WebhookSubscriptionsTable {
  webhook_id: string;
  token_id: number;
  created_at: number;
}

/** When a webhook last fired for a vehicle (cooldown). */
export interface TriggerStateTable {
  webhook_id: string;
  token_id: number;
  last_triggered_at: number;
}

/** The value (JSON) that last fired any webhook on a vehicle's metric: a condition's `previous*`. */
export interface TriggerLastValuesTable {
  token_id: number;
  metric_name: string;
  snapshot: string;
  triggered_at: number;
}

/**
 * The outbox and delivery log: one row per firing or test event, with the exact signed body.
 * Status: pending, succeeded, failed, dead, cancelled. token_id 0 = a test event.
 */
export interface WebhookDeliveriesTable {
  seq: Generated<number>;
  id: string;
  webhook_id: string;
  token_id: number;
  kind: string;
  payload: string;
  status: string;
  /** 1 for the oldest pending row of its (webhook, vehicle) pair: the one a worker may take. */
  is_head: number;
  attempts: number;
  next_attempt_at: number | null;
  first_attempt_at: number | null;
  /** A worker holds the row until then (its attempt is in flight). */
  lease_until: number | null;
  lease_owner: string | null;
  response_status: number | null;
  latency_ms: number | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookDeliveryAttemptsTable {
  delivery_seq: number;
  attempt: number;
  started_at: number;
  /** succeeded, retry or failed (attemptVerdict). */
  verdict: string;
  response_status: number | null;
  latency_ms: number | null;
  error: string | null;
}
