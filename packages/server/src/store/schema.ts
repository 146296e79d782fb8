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
