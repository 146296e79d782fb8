import type { Address } from "../../domain/address.ts";
import { PRIVILEGES, type PrivilegeId } from "../../domain/privileges.ts";
import type { GrantEvent, GrantService } from "../grants/service.ts";
import { vehicleName } from "../identity/vehicle-name.ts";
import type { SignalStore } from "../telemetry/store.ts";
import type { VehicleService } from "../vehicles/service.ts";

/** A vehicle shared with a license, as the console lists it. */
export interface SharedVehicle {
  tokenId: number;
  name: string;
  make: string;
  model: string;
  year: number;
  powertrainType: string;
  owner: string;
  privileges: PrivilegeId[];
  /** The privileges in words, in privilege order. */
  privilegeNames: string[];
  sharedAt: string;
  expiresAt: string;
  /** The newest signal's time, or null when the vehicle has sent none. */
  lastSignalAt: string | null;
}

export interface SharedVehicleFilter {
  /** Matches the token id, name, make, model or owner address (case-insensitive). */
  search?: string;
  make?: string;
  privilege?: PrivilegeId;
}

const LIMIT = 5000;

/**
 * The vehicles shared with a license: the Identity API's `privileged` filter (the vehicles service
 * matched against the grants module's active grants of the clientId), with each one's active grant
 * and its latest signal time from the telemetry store.
 */
export class SharedVehicles {
  constructor(
    private readonly deps: { vehicles: VehicleService; grants: GrantService; signals: SignalStore },
  ) {}

  async list(clientId: Address, filter: SharedVehicleFilter = {}): Promise<SharedVehicle[]> {
    const { vehicles, grants, signals } = this.deps;
    const page = await vehicles.page({
      ownerOrGranted: { owner: clientId, granted: grants.grantedPairsQuery(clientId) },
      ...(filter.make ? { make: filter.make } : {}),
      limit: LIMIT,
      order: "desc",
    });
    const active = await grants.activeForVehicles(page);
    const out: SharedVehicle[] = [];
    for (const vehicle of page) {
      const grant = active.get(vehicle.tokenId)?.find((g) => g.grantee === clientId);
      if (!grant) continue;
      if (filter.privilege && !grant.privileges.includes(filter.privilege)) continue;
      const name = vehicleName(vehicle.tokenId);
      const d = vehicle.definition;
      if (filter.search) {
        const needle = filter.search.trim().toLowerCase();
        const haystack = [String(vehicle.tokenId), name, d.make, d.model, String(d.year), vehicle.owner]
          .join(" ")
          .toLowerCase();
        if (!haystack.includes(needle)) continue;
      }
      const latest = await signals.latest(vehicle.tokenId);
      const last = latest.reduce((max, p) => Math.max(max, p.timestamp), 0);
      out.push({
        tokenId: vehicle.tokenId,
        name,
        make: d.make,
        model: d.model,
        year: d.year,
        powertrainType: d.powertrainType,
        owner: vehicle.owner,
        privileges: grant.privileges,
        privilegeNames: grant.privileges.map(privilegeWords),
        sharedAt: grant.createdAt.toISOString(),
        expiresAt: new Date(grant.expiresAt * 1000).toISOString(),
        lastSignalAt: last > 0 ? new Date(last).toISOString() : null,
      });
    }
    return out;
  }

  /** Every grant event of the license on one vehicle, oldest first (the audit trail). */
  async history(clientId: Address, tokenId: number): Promise<HistoryEntry[]> {
    const events = await this.deps.grants.history(tokenId, clientId);
    return events.map(historyEntry);
  }
}

export interface HistoryEntry {
  action: GrantEvent["action"];
  at: string;
  grantor: string;
  privilegeNames: string[];
  expiresAt: string | null;
}

function historyEntry(e: GrantEvent): HistoryEntry {
  return {
    action: e.action,
    at: e.createdAt.toISOString(),
    grantor: e.grantor,
    privilegeNames: e.privileges.map(privilegeWords),
    expiresAt: e.expiresAt > 0 ? new Date(e.expiresAt * 1000).toISOString() : null,
  };
}

export function privilegeWords(id: PrivilegeId): string {
  return PRIVILEGES.find((p) => p.id === id)?.description ?? `Privilege ${id}`;
}
