import { randomBytes } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { privateKeyToAccount } from "viem/accounts";
import { type Address, checksumAddress, isHexAddress } from "../../domain/address.ts";
import { formatErc721Did } from "../../domain/did.ts";
import { redirectUriProblem } from "../../domain/redirect-uri.ts";
import { conflictError, invalidArgument, notFoundError } from "../../errors.ts";
import type { Database, LicensesTable } from "../../store/schema.ts";

export interface License {
  tokenId: number;
  tokenDID: string;
  clientId: Address;
  alias: string | null;
  owner: Address;
  mintedAt: Date;
}

export interface Signer {
  address: Address;
  enabledAt: Date;
  disabledAt: Date | null;
  expiresAt: Date | null;
}

export interface RedirectUri {
  uri: string;
  enabledAt: Date;
}

export interface ApiKey {
  address: Address;
  /** 64 hex characters without 0x, as the data SDK expects; shown once, never stored. */
  privateKey: string;
}

const MAX_ALIAS_BYTES = 32;

/** Developer licenses (the OAuth clients), their signers (API keys) and redirect URIs. */
export class LicenseService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly settings: { chainId: number; licenseContract: Address },
    private readonly now: () => number = Date.now,
  ) {}

  async create(input: { owner: string; alias?: string | null }): Promise<License> {
    const owner = parseAddressInput(input.owner, "owner");
    const alias = input.alias?.trim() || null;
    if (alias !== null) this.checkAlias(alias);
    if (alias !== null && (await this.findByAlias(alias)))
      throw conflictError(`The alias "${alias}" is already taken.`);
    const clientId = checksumAddress(`0x${randomBytes(20).toString("hex")}`);
    const row = await this.db
      .insertInto("licenses")
      .values({ client_id: clientId, alias, owner, minted_at: this.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
    return this.toLicense(row);
  }

  async setAlias(clientId: string, alias: string | null): Promise<License> {
    const license = await this.require(clientId);
    const value = alias?.trim() || null;
    if (value !== null) {
      this.checkAlias(value);
      const other = await this.findByAlias(value);
      if (other && other.clientId !== license.clientId)
        throw conflictError(`The alias "${value}" is already taken.`);
    }
    await this.db
      .updateTable("licenses")
      .set({ alias: value })
      .where("client_id", "=", license.clientId)
      .execute();
    return { ...license, alias: value };
  }

  private checkAlias(alias: string): void {
    if (Buffer.byteLength(alias, "utf8") > MAX_ALIAS_BYTES)
      throw invalidArgument(`The alias must be at most ${MAX_ALIAS_BYTES} bytes.`);
    if (/\p{Cc}/u.test(alias)) throw invalidArgument("The alias must not contain control characters.");
  }

  async find(clientId: string): Promise<License | undefined> {
    if (!isHexAddress(clientId)) return undefined;
    const row = await this.db
      .selectFrom("licenses")
      .selectAll()
      .where("client_id", "=", checksumAddress(clientId))
      .executeTakeFirst();
    return row && this.toLicense(row);
  }

  async require(clientId: string): Promise<License> {
    const license = await this.find(clientId);
    if (!license)
      throw notFoundError(
        `No developer license with client id ${isHexAddress(clientId) ? checksumAddress(clientId) : clientId}.`,
      );
    return license;
  }

  async findByAlias(alias: string): Promise<License | undefined> {
    const row = await this.db
      .selectFrom("licenses")
      .selectAll()
      .where("alias", "=", alias)
      .executeTakeFirst();
    return row && this.toLicense(row);
  }

  async findByTokenId(tokenId: number): Promise<License | undefined> {
    const row = await this.db
      .selectFrom("licenses")
      .selectAll()
      .where("token_id", "=", tokenId)
      .executeTakeFirst();
    return row && this.toLicense(row);
  }

  /** Licenses by tokenId descending, optionally filtered; keyset pagination by tokenId. */
  async page(args: {
    owner?: Address;
    signer?: Address;
    /** Only tokenIds strictly below / above these bounds. */
    below?: number;
    above?: number;
    limit: number;
    order: "desc" | "asc";
  }): Promise<License[]> {
    let q = this.db.selectFrom("licenses").selectAll("licenses");
    if (args.owner) q = q.where("owner", "=", args.owner);
    if (args.signer) {
      const signer = args.signer;
      const now = this.now();
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom("license_signers")
            .select("license_signers.address")
            .whereRef("license_signers.client_id", "=", "licenses.client_id")
            .where("license_signers.address", "=", signer)
            .where("license_signers.disabled_at", "is", null)
            .where((e) =>
              e.or([e("license_signers.expires_at", "is", null), e("license_signers.expires_at", ">", now)]),
            ),
        ),
      );
    }
    if (args.below !== undefined) q = q.where("token_id", "<", args.below);
    if (args.above !== undefined) q = q.where("token_id", ">", args.above);
    const rows = await q.orderBy("token_id", args.order).limit(args.limit).execute();
    return rows.map((r) => this.toLicense(r));
  }

  async count(args: { owner?: Address; signer?: Address } = {}): Promise<number> {
    let q = this.db.selectFrom("licenses").select((eb) => eb.fn.countAll<number>().as("n"));
    if (args.owner) q = q.where("owner", "=", args.owner);
    if (args.signer) {
      const signer = args.signer;
      const now = this.now();
      q = q.where("client_id", "in", (eb) =>
        eb
          .selectFrom("license_signers")
          .select("client_id")
          .where("address", "=", signer)
          .where("disabled_at", "is", null)
          .where((e) => e.or([e("expires_at", "is", null), e("expires_at", ">", now)])),
      );
    }
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  /** Generates an API key: a fresh secp256k1 key pair whose address becomes an enabled signer. */
  async createApiKey(clientId: string): Promise<ApiKey> {
    const privateKey = randomBytes(32).toString("hex");
    const address = privateKeyToAccount(`0x${privateKey}`).address;
    await this.addSigner(clientId, address);
    return { address, privateKey };
  }

  /** Enables a signer address (new, or previously disabled). */
  async addSigner(clientId: string, signerAddress: string, expiresAt?: Date): Promise<Signer> {
    const license = await this.require(clientId);
    const address = parseAddressInput(signerAddress, "signer");
    const now = this.now();
    const existing = await this.db
      .selectFrom("license_signers")
      .selectAll()
      .where("client_id", "=", license.clientId)
      .where("address", "=", address)
      .executeTakeFirst();
    const expires = expiresAt ? expiresAt.getTime() : null;
    if (existing) {
      if (existing.disabled_at === null && existing.expires_at === expires) return this.toSigner(existing);
      await this.db
        .updateTable("license_signers")
        .set({
          enabled_at: existing.disabled_at === null ? existing.enabled_at : now,
          disabled_at: null,
          expires_at: expires,
        })
        .where("client_id", "=", license.clientId)
        .where("address", "=", address)
        .execute();
    } else {
      await this.db
        .insertInto("license_signers")
        .values({
          client_id: license.clientId,
          address,
          enabled_at: now,
          disabled_at: null,
          expires_at: expires,
        })
        .execute();
    }
    return (await this.listSigners(license.clientId, { includeDisabled: true })).find(
      (s) => s.address === address,
    )!;
  }

  async disableSigner(clientId: string, signerAddress: string): Promise<void> {
    const license = await this.require(clientId);
    if (!isHexAddress(signerAddress)) throw invalidArgument("Invalid Ethereum address.");
    const result = await this.db
      .updateTable("license_signers")
      .set({ disabled_at: this.now() })
      .where("client_id", "=", license.clientId)
      .where("address", "=", checksumAddress(signerAddress))
      .where("disabled_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0)
      throw notFoundError(`No enabled signer ${checksumAddress(signerAddress)} on this license.`);
  }

  /** Enabled, unexpired signers by default; `includeDisabled` lists every signer ever added. */
  async listSigners(clientId: string, opts: { includeDisabled?: boolean } = {}): Promise<Signer[]> {
    const rows = await this.db
      .selectFrom("license_signers")
      .selectAll()
      .where("client_id", "=", checksumAddress(clientId))
      .orderBy("enabled_at", "asc")
      .orderBy("address", "asc")
      .execute();
    const now = this.now();
    return rows
      .filter(
        (r) =>
          opts.includeDisabled || (r.disabled_at === null && (r.expires_at === null || r.expires_at > now)),
      )
      .map((r) => this.toSigner(r));
  }

  async isEnabledSigner(clientId: string, signerAddress: string): Promise<boolean> {
    if (!isHexAddress(clientId) || !isHexAddress(signerAddress)) return false;
    const row = await this.db
      .selectFrom("license_signers")
      .select(["disabled_at", "expires_at"])
      .where("client_id", "=", checksumAddress(clientId))
      .where("address", "=", checksumAddress(signerAddress))
      .executeTakeFirst();
    return !!row && row.disabled_at === null && (row.expires_at === null || row.expires_at > this.now());
  }

  async addRedirectUri(clientId: string, uri: string): Promise<RedirectUri> {
    const license = await this.require(clientId);
    const problem = redirectUriProblem(uri);
    if (problem) throw invalidArgument(`The redirect URI ${problem}.`);
    const existing = await this.db
      .selectFrom("license_redirect_uris")
      .selectAll()
      .where("client_id", "=", license.clientId)
      .where("uri", "=", uri)
      .executeTakeFirst();
    if (existing) return { uri: existing.uri, enabledAt: new Date(existing.enabled_at) };
    const enabledAt = this.now();
    await this.db
      .insertInto("license_redirect_uris")
      .values({ client_id: license.clientId, uri, enabled_at: enabledAt })
      .execute();
    return { uri, enabledAt: new Date(enabledAt) };
  }

  async removeRedirectUri(clientId: string, uri: string): Promise<void> {
    const license = await this.require(clientId);
    const result = await this.db
      .deleteFrom("license_redirect_uris")
      .where("client_id", "=", license.clientId)
      .where("uri", "=", uri)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0)
      throw notFoundError(`The redirect URI "${uri}" is not registered on this license.`);
  }

  async listRedirectUris(clientId: string): Promise<RedirectUri[]> {
    const rows = await this.db
      .selectFrom("license_redirect_uris")
      .selectAll()
      .where("client_id", "=", checksumAddress(clientId))
      .orderBy("enabled_at", "asc")
      .orderBy("uri", "asc")
      .execute();
    return rows.map((r) => ({ uri: r.uri, enabledAt: new Date(r.enabled_at) }));
  }

  /** Exact string equality with a registered redirect URI (RFC 9700 §4.1.3). */
  async hasRedirectUri(clientId: string, uri: string): Promise<boolean> {
    if (!isHexAddress(clientId)) return false;
    const row = await this.db
      .selectFrom("license_redirect_uris")
      .select("uri")
      .where("client_id", "=", checksumAddress(clientId))
      .where("uri", "=", uri)
      .executeTakeFirst();
    return row?.uri === uri;
  }

  private toLicense(row: Selectable<LicensesTable>): License {
    return {
      tokenId: row.token_id,
      tokenDID: formatErc721Did({
        chainId: this.settings.chainId,
        contract: this.settings.licenseContract,
        tokenId: row.token_id,
      }),
      clientId: row.client_id as Address,
      alias: row.alias,
      owner: row.owner as Address,
      mintedAt: new Date(row.minted_at),
    };
  }

  private toSigner(row: {
    address: string;
    enabled_at: number;
    disabled_at: number | null;
    expires_at: number | null;
  }): Signer {
    return {
      address: row.address as Address,
      enabledAt: new Date(row.enabled_at),
      disabledAt: row.disabled_at === null ? null : new Date(row.disabled_at),
      expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    };
  }
}

/** A checksummed address from caller input; a malformed one is INVALID_ARGUMENT (400), not a server fault. */
function parseAddressInput(value: string, what: string): Address {
  if (!isHexAddress(value)) throw invalidArgument(`Invalid ${what} address "${value}".`);
  return checksumAddress(value);
}
