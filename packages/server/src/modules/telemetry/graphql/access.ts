import { GraphQLError } from "graphql";
import { type Address, checksumAddress } from "../../../domain/address.ts";
import { InvalidDidError, parseErc721Did } from "../../../domain/did.ts";
import { PRIVILEGES, privilegeIdFromName } from "../../../domain/privileges.ts";
import { type CatalogEntry, readingPrivileges, SIGNAL_PRIVILEGE_ENUM } from "../../../domain/signals.ts";
import { InvalidJwtError, type VehicleJwtClaims } from "../../auth/jwt.ts";

/**
 * Who may read what (telemetry-api.md §2): the official API's directives `@requiresVehicleToken`,
 * `@requiresAllOfPrivileges` and `@requiresOneOfPrivilege`, as checks that resolvers call, with
 * the official wording of each refusal.
 */

/** The Telemetry API's `Privilege` enum values. */
export type TelemetryPrivilege = NonNullable<(typeof PRIVILEGES)[number]["telemetry"]>;

/** The caller of a request, from its verified vehicle JWT. */
export interface VehicleCaller {
  /** The asset's contract (checksummed); for an account-level `did:ethr` asset, the account. */
  contract: Address;
  /** The asset's token id; null for an account-level asset. */
  tokenId: number | null;
  privileges: ReadonlySet<TelemetryPrivilege>;
}

/** `did:ethr:<chainId>:<address>` → the checksummed address, or undefined. */
export function parseEthrDid(value: string): { chainId: number; address: Address } | undefined {
  const match = /^did:ethr:([1-9][0-9]{0,15}):(0x[0-9a-fA-F]{40})$/.exec(value);
  if (!match) return undefined;
  return { chainId: Number(match[1]), address: checksumAddress(match[2]!) };
}

/** The caller a verified vehicle JWT stands for; an asset that is neither DID form is an invalid token (401). */
export function callerFromClaims(claims: VehicleJwtClaims): VehicleCaller {
  const privileges = new Set<TelemetryPrivilege>();
  for (const name of claims.permissions) {
    const id = typeof name === "string" ? privilegeIdFromName(name) : undefined;
    const telemetry = id === undefined ? null : PRIVILEGES[id - 1]!.telemetry;
    if (telemetry) privileges.add(telemetry);
  }
  const account = parseEthrDid(claims.asset);
  if (account) return { contract: account.address, tokenId: null, privileges };
  try {
    const asset = parseErc721Did(claims.asset);
    return { contract: asset.contract, tokenId: asset.tokenId, privileges };
  } catch (err) {
    if (err instanceof InvalidDidError) throw new InvalidJwtError(undefined, "asset");
    throw err;
  }
}

export function unauthorized(reason: string): GraphQLError {
  return new GraphQLError(`unauthorized: ${reason}`, { extensions: { code: "UNAUTHORIZED" } });
}

/** No Authorization header: the request runs, and every protected field fails with this. */
const JWT_MISSING = "jwt missing";

/** `@requiresVehicleToken`: the claim's asset is this installation's vehicle `tokenId`. */
export function requireVehicleToken(
  caller: VehicleCaller | null,
  tokenId: number,
  vehicleContract: Address,
): VehicleCaller {
  if (!caller) throw unauthorized(JWT_MISSING);
  if (caller.contract !== checksumAddress(vehicleContract))
    throw unauthorized(
      `contract in claim is ${caller.contract} instead of the required ${checksumAddress(vehicleContract)}`,
    );
  if (caller.tokenId !== tokenId) throw unauthorized("token id does not match");
  return caller;
}

/** `@requiresAllOfPrivileges`. */
export function requireAllOf(caller: VehicleCaller | null, privileges: readonly TelemetryPrivilege[]): void {
  if (!caller) throw unauthorized(JWT_MISSING);
  for (const privilege of privileges) {
    if (!caller.privileges.has(privilege)) throw unauthorized(`missing required privilege(s) ${privilege}`);
  }
}

/** `@requiresOneOfPrivilege` (the list as Go prints a slice: `[A B]`). */
export function requireOneOf(caller: VehicleCaller | null, privileges: readonly TelemetryPrivilege[]): void {
  if (!caller) throw unauthorized(JWT_MISSING);
  if (!privileges.some((privilege) => caller.privileges.has(privilege)))
    throw unauthorized(`requires at least one of the following privileges [${privileges.join(" ")}]`);
}

/** The privileges that read a catalog entry, as Telemetry enum values. */
function entryPrivileges(entry: CatalogEntry): TelemetryPrivilege[] {
  return readingPrivileges(entry).map((privilege) => SIGNAL_PRIVILEGE_ENUM[privilege]);
}

/** The privilege directive of a signal field: all-of for stored signals, one-of for the derived one. */
export function requireSignal(caller: VehicleCaller | null, entry: CatalogEntry): void {
  if (entry.derived) requireOneOf(caller, entryPrivileges(entry));
  else requireAllOf(caller, entryPrivileges(entry));
}

/** Whether the caller may read the signal (for the lists that filter silently). */
export function canReadSignal(caller: VehicleCaller | null, entry: CatalogEntry): boolean {
  if (!caller) return false;
  const privileges = entryPrivileges(entry);
  return entry.derived
    ? privileges.some((privilege) => caller.privileges.has(privilege))
    : privileges.every((privilege) => caller.privileges.has(privilege));
}

/** `events` needs both history privileges. */
export const EVENT_PRIVILEGES: readonly TelemetryPrivilege[] = [
  "VEHICLE_NON_LOCATION_DATA",
  "VEHICLE_ALL_TIME_LOCATION",
];

export const VIN_PRIVILEGES: readonly TelemetryPrivilege[] = ["VEHICLE_VIN_CREDENTIAL"];
