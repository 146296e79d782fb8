import type { Address } from "../../domain/address.ts";
import type { Grant, GrantService, Template } from "../grants/service.ts";
import type { LicenseService } from "../licenses/service.ts";
import type { Manufacturer, Vehicle, VehicleService } from "../vehicles/service.ts";

/** What the Identity API reads from: other modules' services, never their tables. */
export interface IdentityDeps {
  vehicles: VehicleService;
  grants: GrantService;
  licenses: LicenseService;
  config: { publicUrl: string; chainId: number; licenseContract: Address };
}

/** Per-request context: the services and the request's look-up memo. */
export interface IdentityContext {
  deps: IdentityDeps;
  loaders: IdentityLoaders;
}

export function createIdentityContext(deps: IdentityDeps): IdentityContext {
  return { deps, loaders: new IdentityLoaders(deps) };
}

/**
 * Look-ups a request repeats across list items, memoized for the request only (data may change
 * between requests). Grants are batched: every vehicle of a page asks in the same tick, and one
 * query answers them all.
 */
export class IdentityLoaders {
  private readonly manufacturers = new Map<number, Promise<Manufacturer | undefined>>();
  private readonly templates = new Map<number, Promise<Template | undefined>>();
  private readonly grants: BatchLoader<Vehicle, number, Grant[]>;

  constructor(private readonly deps: IdentityDeps) {
    this.grants = new BatchLoader(
      (vehicle) => vehicle.tokenId,
      (vehicles) => deps.grants.activeForVehicles(vehicles),
      [],
    );
  }

  manufacturer(tokenId: number): Promise<Manufacturer | undefined> {
    return memo(this.manufacturers, tokenId, () => this.deps.vehicles.findManufacturer(tokenId));
  }

  template(tokenId: number): Promise<Template | undefined> {
    return memo(this.templates, tokenId, () => this.deps.grants.template(tokenId));
  }

  /** Active grants on the vehicle, createdAt DESC then grantee ASC. */
  activeGrants(vehicle: Vehicle): Promise<Grant[]> {
    return this.grants.load(vehicle);
  }
}

function memo<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  let hit = cache.get(key);
  if (!hit) {
    hit = load();
    cache.set(key, hit);
  }
  return hit;
}

/** Collects the loads of one tick and answers them with one batch call; memoizes by key. */
export class BatchLoader<I, K, V> {
  private readonly cache = new Map<K, Promise<V>>();
  private queue: { item: I; resolve: (value: V) => void; reject: (error: unknown) => void }[] = [];

  constructor(
    private readonly keyOf: (item: I) => K,
    private readonly loadMany: (items: I[]) => Promise<Map<K, V>>,
    private readonly missing: V,
  ) {}

  load(item: I): Promise<V> {
    const key = this.keyOf(item);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const promise = new Promise<V>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // After the promise jobs queued so far: sibling resolvers of a list have all asked by then.
      if (this.queue.length === 1)
        void Promise.resolve().then(() => process.nextTick(() => void this.dispatch()));
    });
    this.cache.set(key, promise);
    return promise;
  }

  private async dispatch(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    try {
      const values = await this.loadMany(batch.map((entry) => entry.item));
      for (const entry of batch) entry.resolve(values.get(this.keyOf(entry.item)) ?? this.missing);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
