import { randomBytes, randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { privateKeyToAccount } from "viem/accounts";
import { type Address, checksumAddress, isHexAddress } from "../../domain/address.ts";
import type { MessageSigner } from "../../domain/sacd-document.ts";
import { conflictError, invalidArgument, notFoundError } from "../../errors.ts";
import type { Sealer } from "../../secrets.ts";
import type { Database, UsersTable } from "../../store/schema.ts";

export interface User {
  id: string;
  email: string;
  walletAddress: Address;
  createdAt: Date;
}

// Pragmatic address check: one @, no spaces, a dot in the domain. Real proof is the emailed code.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

export function normalizeEmail(email: string): string {
  const value = email.trim().toLowerCase();
  if (value.length > 254 || !EMAIL.test(value)) throw invalidArgument("Enter a valid email address.");
  return value;
}

/**
 * Owner accounts. Each has one stable wallet: a secp256k1 key made by the server, sealed at rest
 * with the installation secret; its address owns vehicles and its key signs consent documents.
 */
export class AccountService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly walletSealer: Sealer,
    private readonly now: () => number = Date.now,
  ) {}

  async create(email: string): Promise<User> {
    const normalized = normalizeEmail(email);
    if (await this.findByEmail(normalized)) throw conflictError("An account with this email already exists.");
    const key = `0x${randomBytes(32).toString("hex")}` as const;
    const walletAddress = privateKeyToAccount(key).address;
    const row = await this.db
      .insertInto("users")
      .values({
        id: randomUUID(),
        email: normalized,
        wallet_address: walletAddress,
        wallet_key_enc: this.walletSealer.seal(key),
        created_at: this.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUser(row);
  }

  /** The account for this email, created if missing (idempotent; used by seeding and sign-up). */
  async ensure(email: string): Promise<User> {
    const existing = await this.findByEmail(email);
    if (existing) return existing;
    try {
      return await this.create(email);
    } catch (err) {
      const raced = await this.findByEmail(email);
      if (raced) return raced;
      throw err;
    }
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const row = await this.db
      .selectFrom("users")
      .selectAll()
      .where("email", "=", normalizeEmail(email))
      .executeTakeFirst();
    return row && toUser(row);
  }

  async findById(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toUser(row);
  }

  async findByWallet(address: string): Promise<User | undefined> {
    if (!isHexAddress(address)) return undefined;
    const row = await this.db
      .selectFrom("users")
      .selectAll()
      .where("wallet_address", "=", checksumAddress(address))
      .executeTakeFirst();
    return row && toUser(row);
  }

  /** Signs EIP-191 messages with the wallet of the account that owns `address`. */
  async walletSigner(address: string): Promise<MessageSigner> {
    if (!isHexAddress(address)) throw invalidArgument("Invalid Ethereum address.");
    const row = await this.db
      .selectFrom("users")
      .select("wallet_key_enc")
      .where("wallet_address", "=", checksumAddress(address))
      .executeTakeFirst();
    if (!row) throw notFoundError(`No account holds the wallet ${checksumAddress(address)}.`);
    const account = privateKeyToAccount(this.walletSealer.open(row.wallet_key_enc) as `0x${string}`);
    return (message) => account.signMessage({ message });
  }
}

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    email: row.email,
    walletAddress: row.wallet_address as Address,
    createdAt: new Date(row.created_at),
  };
}
