import { EventEmitter } from "node:events";
import type { Kysely, Selectable, SelectQueryBuilder } from "kysely";
import { type Address, checksumAddress, isHexAddress } from "../../domain/address.ts";
import { formatErc721Did } from "../../domain/did.ts";
import { invalidArgument, notFoundError } from "../../errors.ts";
import type { Database, VehicleDefinitionsTable, VehiclesTable } from "../../store/schema.ts";

export const POWERTRAIN_TYPES = ["BEV", "PHEV", "HEV", "ICE", "FCEV"] as const;
export type PowertrainType = (typeof POWERTRAIN_TYPES)[number];

export interface VehicleDefinition {
  id: string;
  make: string;
  model: string;
  year: number;
  powertrainType: PowertrainType;
  manufacturerTokenId: number;
}

export interface Vehicle {
  tokenId: number;
  tokenDID: string;
  owner: Address;
  mintedAt: Date;
  /** Bumped on every transfer; grants written under an older version are no longer active. */
  transferVersion: number;
  definition: VehicleDefinition;
}

export interface Manufacturer {
  tokenId: number;
  name: string;
  owner: Address;
  mintedAt: Date;
}

export interface VehicleSpec {
  make: string;
  model: string;
  year: number;
  powertrainType: PowertrainType;
}

export interface TransferEvent {
  tokenId: number;
  from: Address;
  to: Address;
  version: number;
}

/** `tesla_model-3_2020`: the slug form of device-definition ids. */
export function definitionId(spec: { make: string; model: string; year: number }): string {
  const slug = (s: string) =>
    s
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "");
  return `${slug(spec.make)}_${slug(spec.model)}_${spec.year}`;
}

// The registry's own address: it "mints" manufacturers, as DIMO's foundation does on chain.
const REGISTRY_OWNER = "0x0000000000000000000000000000000000000000" as Address;

/** Vehicle registry: vehicles, their definitions and manufacturers, and ownership transfers. */
export class VehicleService {
  private readonly events = new EventEmitter();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly settings: { chainId: number; vehicleContract: Address },
    private readonly now: () => number = Date.now,
  ) {}

  did(tokenId: number): string {
    return formatErc721Did({
      chainId: this.settings.chainId,
      contract: this.settings.vehicleContract,
      tokenId,
    });
  }

  get vehicleContract(): Address {
    return this.settings.vehicleContract;
  }

  get chainId(): number {
    return this.settings.chainId;
  }

  /** Called after a transfer has committed (the grants module ends grants and clears caches). */
  onTransfer(listener: (event: TransferEvent) => void | Promise<void>): void {
    this.events.on("transfer", listener);
  }

  async ensureDefinition(spec: VehicleSpec): Promise<VehicleDefinition> {
    const make = spec.make.trim();
    const model = spec.model.trim();
    if (!make || make.length > 64) throw invalidArgument("The make must be 1–64 characters.");
    if (!model || model.length > 64) throw invalidArgument("The model must be 1–64 characters.");
    if (!Number.isInteger(spec.year) || spec.year < 1886 || spec.year > 2100)
      throw invalidArgument("The year must be between 1886 and 2100.");
    if (!POWERTRAIN_TYPES.includes(spec.powertrainType)) {
      throw invalidArgument(`The powertrain type must be one of ${POWERTRAIN_TYPES.join(", ")}.`);
    }
    const id = definitionId({ make, model, year: spec.year });
    const existing = await this.findDefinition(id);
    if (existing) return existing;
    const manufacturer = await this.ensureManufacturer(make);
    await this.db
      .insertInto("vehicle_definitions")
      .values({
        id,
        make,
        model,
        year: spec.year,
        powertrain_type: spec.powertrainType,
        manufacturer_token_id: manufacturer.tokenId,
      })
      .onConflict((oc) => oc.column("id").doNothing())
      .execute();
    return (await this.findDefinition(id))!;
  }

  async findDefinition(id: string): Promise<VehicleDefinition | undefined> {
    const row = await this.db
      .selectFrom("vehicle_definitions")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toDefinition(row);
  }

  /**
   * The manufacturer for a make, minted on first use. Makes match case-insensitively (definition ids
   * and the make filters do too), so "tesla" finds the "Tesla" minted earlier instead of a twin.
   */
  async ensureManufacturer(name: string): Promise<Manufacturer> {
    const byName = () =>
      this.db
        .selectFrom("manufacturers")
        .selectAll()
        .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()))
        .orderBy("token_id", "asc")
        .executeTakeFirst();
    const existing = await byName();
    if (existing) return toManufacturer(existing);
    await this.db
      .insertInto("manufacturers")
      .values({ name, owner: REGISTRY_OWNER, minted_at: this.now() })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
    return toManufacturer((await byName())!);
  }

  async findManufacturer(tokenId: number): Promise<Manufacturer | undefined> {
    const row = await this.db
      .selectFrom("manufacturers")
      .selectAll()
      .where("token_id", "=", tokenId)
      .executeTakeFirst();
    return row && toManufacturer(row);
  }

  /** The manufacturer named so (case-insensitive, as makes match), or undefined. */
  async findManufacturerByName(name: string): Promise<Manufacturer | undefined> {
    const row = await this.db
      .selectFrom("manufacturers")
      .selectAll()
      .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.trim().toLowerCase()))
      .orderBy("token_id", "asc")
      .executeTakeFirst();
    return row && toManufacturer(row);
  }

  async mint(input: { owner: string } & VehicleSpec): Promise<Vehicle> {
    const owner = parseOwner(input.owner);
    const definition = await this.ensureDefinition(input);
    const row = await this.db
      .insertInto("vehicles")
      .values({ owner, definition_id: definition.id, minted_at: this.now(), transfer_version: 0 })
      .returningAll()
      .executeTakeFirstOrThrow();
    return this.toVehicle(row, definition);
  }

  async find(tokenId: number): Promise<Vehicle | undefined> {
    if (!Number.isSafeInteger(tokenId) || tokenId < 0) return undefined;
    const row = await this.db
      .selectFrom("vehicles")
      .selectAll()
      .where("token_id", "=", tokenId)
      .executeTakeFirst();
    if (!row) return undefined;
    return this.toVehicle(row, (await this.findDefinition(row.definition_id))!);
  }

  async require(tokenId: number): Promise<Vehicle> {
    const vehicle = await this.find(tokenId);
    if (!vehicle) throw notFoundError(`No vehicle with token id ${tokenId}.`);
    return vehicle;
  }

  /**
   * Vehicles by tokenId (keyset pagination), filtered. `tokenIdsIn` narrows to a given set (the
   * caller's list of vehicles granted to someone); with `orOwner` the set is "owned by X or in the list".
   */
  async page(
    args: VehicleQuery & { below?: number; above?: number; limit: number; order: "asc" | "desc" },
  ): Promise<Vehicle[]> {
    let q = this.filtered(args);
    if (args.below !== undefined) q = q.where("vehicles.token_id", "<", args.below);
    if (args.above !== undefined) q = q.where("vehicles.token_id", ">", args.above);
    const rows = await q
      .selectAll(["vehicles", "vehicle_definitions"])
      .orderBy("vehicles.token_id", args.order)
      .limit(args.limit)
      .execute();
    return rows.map((r) => this.toVehicle(r, toDefinition(r)));
  }

  async count(args: VehicleQuery): Promise<number> {
    const row = await this.filtered(args)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private filtered(args: VehicleQuery) {
    let q = this.db
      .selectFrom("vehicles")
      .innerJoin("vehicle_definitions", "vehicle_definitions.id", "vehicles.definition_id");
    if (args.owner) q = q.where("vehicles.owner", "=", args.owner);
    if (args.ownerOrGranted) {
      const { owner, granted } = args.ownerOrGranted;
      q = q.where((eb) =>
        eb.or([
          eb("vehicles.owner", "=", owner),
          eb(
            eb.refTuple("vehicles.token_id", "vehicles.transfer_version"),
            "in",
            granted.$asTuple("token_id", "version"),
          ),
        ]),
      );
    }
    if (args.make)
      q = q.where((eb) => eb(eb.fn("lower", ["vehicle_definitions.make"]), "=", args.make!.toLowerCase()));
    if (args.model)
      q = q.where((eb) => eb(eb.fn("lower", ["vehicle_definitions.model"]), "=", args.model!.toLowerCase()));
    if (args.year !== undefined) q = q.where("vehicle_definitions.year", "=", args.year);
    if (args.manufacturerTokenId !== undefined)
      q = q.where("vehicle_definitions.manufacturer_token_id", "=", args.manufacturerTokenId);
    if (args.definitionId !== undefined) q = q.where("vehicle_definitions.id", "=", args.definitionId);
    return q;
  }

  /** Moves a vehicle to a new owner and bumps its transfer version, which ends every grant on it. */
  async transfer(tokenId: number, newOwner: string): Promise<Vehicle> {
    const to = parseOwner(newOwner);
    const vehicle = await this.require(tokenId);
    if (vehicle.owner === to) throw invalidArgument("The vehicle already belongs to this address.");
    const version = vehicle.transferVersion + 1;
    await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("vehicles")
        .set({ owner: to, transfer_version: version })
        .where("token_id", "=", tokenId)
        .where("transfer_version", "=", vehicle.transferVersion)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1)
        throw invalidArgument("The vehicle changed meanwhile; try again.");
      await trx
        .insertInto("vehicle_transfers")
        .values({
          token_id: tokenId,
          from_owner: vehicle.owner,
          to_owner: to,
          version,
          transferred_at: this.now(),
        })
        .execute();
    });
    const event: TransferEvent = { tokenId, from: vehicle.owner, to, version };
    for (const listener of this.events.listeners("transfer"))
      await (listener as (e: TransferEvent) => unknown)(event);
    return { ...vehicle, owner: to, transferVersion: version };
  }

  private toVehicle(row: Selectable<VehiclesTable>, definition: VehicleDefinition): Vehicle {
    return {
      tokenId: row.token_id,
      tokenDID: this.did(row.token_id),
      owner: row.owner as Address,
      mintedAt: new Date(row.minted_at),
      transferVersion: row.transfer_version,
      definition,
    };
  }
}

/** A subquery of (token_id, version) rows, such as the grants module's `grantedPairsQuery`. */
// biome-ignore lint/suspicious/noExplicitAny: an opaque subquery from another module.
export type GrantedPairs = SelectQueryBuilder<any, any, { token_id: number; version: number }>;

export interface VehicleQuery {
  owner?: Address;
  /** Owned by `owner`, or matching one of `granted`'s (token_id, version) rows at its current transfer version. */
  ownerOrGranted?: { owner: Address; granted: GrantedPairs };
  make?: string;
  model?: string;
  year?: number;
  manufacturerTokenId?: number;
  definitionId?: string;
}

/** A checksummed owner address; a malformed one is the caller's mistake (400), not a server fault. */
function parseOwner(value: string): Address {
  if (!isHexAddress(value)) throw invalidArgument(`Invalid owner address "${value}".`);
  return checksumAddress(value);
}

function toDefinition(row: Selectable<VehicleDefinitionsTable>): VehicleDefinition {
  return {
    id: row.id,
    make: row.make,
    model: row.model,
    year: row.year,
    powertrainType: row.powertrain_type as PowertrainType,
    manufacturerTokenId: row.manufacturer_token_id,
  };
}

function toManufacturer(row: {
  token_id: number;
  name: string;
  owner: string;
  minted_at: number;
}): Manufacturer {
  return {
    tokenId: row.token_id,
    name: row.name,
    owner: row.owner as Address,
    mintedAt: new Date(row.minted_at),
  };
}
