import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { type Address, checksumAddress } from "../../domain/address.ts";
import { invalidArgument, notFoundError } from "../../errors.ts";
import type { Database, TelemetryConnectionsTable } from "../../store/schema.ts";

/**
 * Connections: the data sources that post to `POST /v1/ingest` (the simulator, devices, cloud
 * integrations). Each has an address, hence a source DID that every point it posts carries, its
 * own credential, and the list of vehicles it may post for.
 *
 * A credential is `kfc_<connection id>_<secret>`; only sha256(secret) is stored. The id part finds
 * the row, the hashes are compared in constant time, and the credential is shown once, at creation
 * or rotation.
 */

export interface Connection {
  id: string;
  name: string;
  address: Address;
  /** `did:ethr:<chainId>:<address>`: the `source` of everything this connection posts. */
  source: string;
  createdAt: Date;
  disabledAt: Date | null;
}

export interface CreatedConnection extends Connection {
  /** The bearer credential; shown once. */
  credential: string;
  tokenIds: number[];
}

export const CREDENTIAL_PREFIX = "kfc_";
const CREDENTIAL = /^kfc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const MAX_NAME_LENGTH = 100;

function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

function newCredential(id: string): { credential: string; hash: string } {
  const secret = randomBytes(32).toString("base64url");
  return { credential: `${CREDENTIAL_PREFIX}${id}_${secret}`, hash: hashSecret(secret).toString("hex") };
}

export class ConnectionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly vehicles: { find(tokenId: number): Promise<unknown> },
    private readonly settings: { chainId: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** A new connection with a random address, allowed to post for `tokenIds` (which must exist). */
  async create(input: { name: string; tokenIds?: number[] }): Promise<CreatedConnection> {
    const name = input.name?.trim() ?? "";
    if (!name || name.length > MAX_NAME_LENGTH)
      throw invalidArgument(`A connection name has 1 to ${MAX_NAME_LENGTH} characters.`);
    const tokenIds = await this.existingVehicles(input.tokenIds ?? []);
    const id = randomBytes(8).toString("hex");
    const address = checksumAddress(`0x${randomBytes(20).toString("hex")}`);
    const { credential, hash } = newCredential(id);
    const createdAt = this.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("telemetry_connections")
        .values({ id, name, address, credential_hash: hash, created_at: createdAt, disabled_at: null })
        .execute();
      if (tokenIds.length > 0)
        await trx
          .insertInto("telemetry_connection_vehicles")
          .values(tokenIds.map((token_id) => ({ connection_id: id, token_id })))
          .execute();
    });
    return {
      ...this.toConnection({
        id,
        name,
        address,
        credential_hash: hash,
        created_at: createdAt,
        disabled_at: null,
      }),
      credential,
      tokenIds,
    };
  }

  /** The enabled connection a bearer credential belongs to, or undefined. */
  async authenticate(credential: string | undefined): Promise<Connection | undefined> {
    const match = CREDENTIAL.exec(credential ?? "");
    if (!match) return undefined;
    const row = await this.db
      .selectFrom("telemetry_connections")
      .selectAll()
      .where("id", "=", match[1]!)
      .executeTakeFirst();
    if (!row || row.disabled_at !== null) return undefined;
    const stored = Buffer.from(row.credential_hash, "hex");
    const given = hashSecret(match[2]!);
    return stored.length === given.length && timingSafeEqual(stored, given)
      ? this.toConnection(row)
      : undefined;
  }

  async find(id: string): Promise<Connection | undefined> {
    const row = await this.db
      .selectFrom("telemetry_connections")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && this.toConnection(row);
  }

  async require(id: string): Promise<Connection> {
    const connection = await this.find(id);
    if (!connection) throw notFoundError(`No connection "${id}".`);
    return connection;
  }

  /** Every connection, oldest first. */
  async list(): Promise<Connection[]> {
    const rows = await this.db
      .selectFrom("telemetry_connections")
      .selectAll()
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map((row) => this.toConnection(row));
  }

  /** The vehicles a connection may post for, ascending. */
  async vehicleIds(id: string): Promise<number[]> {
    const rows = await this.db
      .selectFrom("telemetry_connection_vehicles")
      .select("token_id")
      .where("connection_id", "=", id)
      .orderBy("token_id")
      .execute();
    return rows.map((r) => r.token_id);
  }

  async mayPostFor(id: string, tokenId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom("telemetry_connection_vehicles")
      .select("token_id")
      .where("connection_id", "=", id)
      .where("token_id", "=", tokenId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async allowVehicles(id: string, tokenIds: number[]): Promise<void> {
    await this.require(id);
    const ids = await this.existingVehicles(tokenIds);
    if (ids.length === 0) return;
    await this.db
      .insertInto("telemetry_connection_vehicles")
      .values(ids.map((token_id) => ({ connection_id: id, token_id })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async denyVehicles(id: string, tokenIds: number[]): Promise<void> {
    await this.require(id);
    if (tokenIds.length === 0) return;
    await this.db
      .deleteFrom("telemetry_connection_vehicles")
      .where("connection_id", "=", id)
      .where("token_id", "in", tokenIds)
      .execute();
  }

  /** Stops the connection's credential from working; its data stays. Idempotent. */
  async disable(id: string): Promise<Connection> {
    await this.require(id);
    await this.db
      .updateTable("telemetry_connections")
      .set({ disabled_at: this.now() })
      .where("id", "=", id)
      .where("disabled_at", "is", null)
      .execute();
    return this.require(id);
  }

  /** A new credential for the connection (the old one stops working at once); shown once. */
  async rotateCredential(id: string): Promise<string> {
    await this.require(id);
    const { credential, hash } = newCredential(id);
    await this.db
      .updateTable("telemetry_connections")
      .set({ credential_hash: hash })
      .where("id", "=", id)
      .execute();
    return credential;
  }

  private async existingVehicles(tokenIds: number[]): Promise<number[]> {
    const unique = [...new Set(tokenIds)].sort((a, b) => a - b);
    for (const tokenId of unique) {
      if (!Number.isInteger(tokenId) || tokenId < 1)
        throw invalidArgument(`Invalid vehicle token id ${tokenId}.`);
      if (!(await this.vehicles.find(tokenId))) throw notFoundError(`No vehicle with token id ${tokenId}.`);
    }
    return unique;
  }

  private toConnection(row: Selectable<TelemetryConnectionsTable>): Connection {
    const address = checksumAddress(row.address);
    return {
      id: row.id,
      name: row.name,
      address,
      source: `did:ethr:${this.settings.chainId}:${address}`,
      createdAt: new Date(row.created_at),
      disabledAt: row.disabled_at === null ? null : new Date(row.disabled_at),
    };
  }
}
