import type { Generated } from "kysely";

/**
 * Table types. Times are unix milliseconds (BIGINT) unless the name says `_s` (unix seconds, as
 * SACD records count them); flags are 0/1 integers so both engines read them the same way.
 * Each module owns its tables: the owner is named above each group.
 */
export interface Database {
  // accounts
  users: UsersTable;
  // licenses
  licenses: LicensesTable;
  license_signers: LicenseSignersTable;
  license_redirect_uris: LicenseRedirectUrisTable;
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
}

export interface UsersTable {
  id: string;
  email: string;
  wallet_address: string;
  wallet_key_enc: string;
  created_at: number;
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
