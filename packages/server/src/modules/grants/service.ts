import { randomUUID } from "node:crypto";
import { type Kysely, type Selectable, type SelectQueryBuilder, sql } from "kysely";
import { type Address, checksumAddress, isHexAddress } from "../../domain/address.ts";
import {
  BUILTIN_TEMPLATES,
  decodePrivileges,
  encodePrivileges,
  isPrivilegeId,
  type PrivilegeId,
  privilegeName,
} from "../../domain/privileges.ts";
import {
  buildSacdData,
  type CloudEventAgreementInput,
  createSignedDocument,
  isDocumentCid,
  type MessageSigner,
} from "../../domain/sacd-document.ts";
import { invalidArgument, notFoundError, ServiceError } from "../../errors.ts";
import type { ChangeFeed } from "../../store/change-feed.ts";
import type { Database, GrantsTable, SacdTemplatesTable } from "../../store/schema.ts";
import type { Vehicle, VehicleService } from "../vehicles/service.ts";

export interface Grant {
  tokenId: number;
  grantee: Address;
  grantor: Address;
  /** 2-bit bitmap (connect-protocol.md §5.3). */
  permissions: number;
  privileges: PrivilegeId[];
  /** Unix seconds; 0 = revoked. */
  expiresAt: number;
  templateId: string;
  /** `ipfs://<cid>` of the signed consent document. */
  source: string;
  version: number;
  createdAt: Date;
}

export type GrantAction = "grant" | "extend" | "revoke" | "transfer";

export interface GrantEvent extends Grant {
  id: number;
  action: GrantAction;
}

export interface Template {
  tokenId: number;
  creator: Address;
  asset: Address;
  permissions: number;
  cid: string;
  active: boolean;
  createdAt: Date;
}

/** Rows of `token_id` and `version`: see `GrantService.grantedPairsQuery`. */
// biome-ignore lint/suspicious/noExplicitAny: an opaque subquery handed to another module.
export type GrantedPairsQuery = SelectQueryBuilder<any, any, { token_id: number; version: number }>;

/** The outcome of evaluating a request for privileges on a vehicle (auth-and-tokens.md §6.4). */
export type GrantDecision =
  | { allowed: true; reason: "owner" | "grant"; grant?: Grant }
  | { allowed: false; reason: "no-vehicle" | "no-grant" | "missing-privileges"; missing: PrivilegeId[] };

/** Signs with the wallet that owns an address (the accounts module provides it). */
export type WalletSigners = (address: Address) => Promise<MessageSigner>;

const HUNDRED_YEARS_S = 100 * 365 * 86400;
// Bounds the cache: exchange traffic touches (vehicle, grantee) pairs, which are few per app.
const CACHE_LIMIT = 100_000;

interface CachedPair {
  vehicle: Vehicle | undefined;
  grant: Grant | undefined;
  cachedAt: number;
}

// A safety net under the change feed: even if a notification were lost (a replica's LISTEN
// connection dropping at the wrong moment), no cached decision outlives this.
const CACHE_MAX_AGE_MS = 60_000;

/**
 * SACD grants: share, revoke and extend per (vehicle, grantee), each with a signed consent document;
 * the audit trail; templates; and grant evaluation behind an in-process cache that every grant
 * change or transfer clears (on PostgreSQL in every replica, through the change feed).
 */
export class GrantService {
  private cache = new Map<string, CachedPair>();
  private cacheGeneration = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly vehicles: VehicleService,
    private readonly signers: WalletSigners,
    private readonly changes: ChangeFeed,
    private readonly settings: { publicUrl: string; platformSigner: MessageSigner; platformAddress: Address },
    private readonly now: () => number = Date.now,
  ) {
    changes.subscribe("keyfob_grants", () => this.clearCache());
    vehicles.onTransfer((e) => this.endGrantsOnTransfer(e.tokenId, e.version, e.from));
  }

  /** Changes whenever a grant change or transfer cleared the cache: a key for derived caches. */
  get generation(): number {
    return this.cacheGeneration;
  }

  clearCache(): void {
    this.cache = new Map();
    this.cacheGeneration++;
  }

  /** Creates the built-in templates (template "1" = privileges 1–6) if missing. */
  async ensureBuiltinTemplates(): Promise<void> {
    for (const t of BUILTIN_TEMPLATES) {
      const existing = await this.db
        .selectFrom("sacd_templates")
        .select("token_id")
        .where("token_id", "=", t.id)
        .executeTakeFirst();
      if (existing) continue;
      const createdAt = this.now();
      const doc = await createSignedDocument({
        type: "dimo.sacd.template",
        id: `template-${t.id}`,
        source: this.settings.platformAddress,
        time: new Date(createdAt),
        data: {
          owner: { address: this.settings.platformAddress },
          name: t.name,
          agreements: [
            {
              type: "permission",
              asset: this.vehicles.vehicleContract,
              permissions: t.privileges.map((id) => ({ name: privilegeName(id) })),
            },
          ],
        },
        sign: this.settings.platformSigner,
      });
      await this.storeDocument(doc.cid, doc.text);
      await this.db
        .insertInto("sacd_templates")
        .values({
          token_id: t.id,
          creator: this.settings.platformAddress,
          asset: this.vehicles.vehicleContract,
          permissions: encodePrivileges(t.privileges),
          cid: doc.cid,
          active: 1,
          created_at: createdAt,
        })
        .onConflict((oc) => oc.column("token_id").doNothing())
        .execute();
    }
  }

  async template(tokenId: number): Promise<Template | undefined> {
    const row = await this.db
      .selectFrom("sacd_templates")
      .selectAll()
      .where("token_id", "=", tokenId)
      .executeTakeFirst();
    return row && toTemplate(row);
  }

  async templateByCid(cid: string): Promise<Template | undefined> {
    const row = await this.db
      .selectFrom("sacd_templates")
      .selectAll()
      .where("cid", "=", cid)
      .executeTakeFirst();
    return row && toTemplate(row);
  }

  /**
   * Shares a vehicle with a grantee. Privileges come from the template when one is given (the
   * official login app's rule), otherwise from the list. Only the owner may share.
   */
  async grant(input: {
    tokenId: number;
    grantee: string;
    grantor: string;
    privileges?: PrivilegeId[];
    templateId?: string | number | null;
    expiresAt?: Date;
    cloudEvents?: CloudEventAgreementInput[];
  }): Promise<Grant> {
    const grantee = parseGrantee(input.grantee);
    const vehicle = await this.vehicles.require(input.tokenId);
    const grantor = this.requireOwner(vehicle, input.grantor);
    if (grantee === vehicle.owner)
      throw invalidArgument("The owner already holds every privilege on their vehicle.");
    let templateId = "0";
    let privileges: PrivilegeId[];
    const templateKey =
      input.templateId === null || input.templateId === undefined ? "" : String(input.templateId).trim();
    if (templateKey !== "" && templateKey !== "0") {
      if (!/^[1-9][0-9]{0,8}$/.test(templateKey))
        throw invalidArgument(`Unknown permission template "${templateKey}".`);
      const template = await this.template(Number(templateKey));
      if (!template?.active) throw invalidArgument(`Unknown permission template "${templateKey}".`);
      privileges = decodePrivileges(template.permissions);
      templateId = templateKey;
    } else {
      privileges = [...new Set(input.privileges ?? [])].sort((a, b) => a - b);
      const bad = privileges.filter((p) => !isPrivilegeId(p));
      if (bad.length) throw invalidArgument(`unknown privileges [${bad.join(",")}]`);
    }
    if (privileges.length === 0) throw invalidArgument("Choose at least one privilege to share.");
    const expiresAt = this.checkExpiry(input.expiresAt);
    return this.write({
      action: "grant",
      vehicle,
      grantee,
      grantor,
      privileges,
      templateId,
      expiresAt,
      cloudEvents: input.cloudEvents,
    });
  }

  /** Moves the expiry of an active grant (same privileges, a new signed document). */
  async extend(input: {
    tokenId: number;
    grantee: string;
    grantor: string;
    expiresAt: Date;
  }): Promise<Grant> {
    const grantee = parseGrantee(input.grantee);
    const vehicle = await this.vehicles.require(input.tokenId);
    const grantor = this.requireOwner(vehicle, input.grantor);
    const current = await this.active(vehicle, grantee);
    if (!current) throw notFoundError(`Vehicle ${vehicle.tokenId} is not shared with ${grantee}.`);
    const expiresAt = this.checkExpiry(input.expiresAt);
    return this.write({
      action: "extend",
      vehicle,
      grantee,
      grantor,
      privileges: current.privileges,
      templateId: current.templateId,
      expiresAt,
    });
  }

  /** Ends sharing: the new record has expiration 0 and no privileges. */
  async revoke(input: { tokenId: number; grantee: string; grantor: string }): Promise<Grant> {
    const grantee = parseGrantee(input.grantee);
    const vehicle = await this.vehicles.require(input.tokenId);
    const grantor = this.requireOwner(vehicle, input.grantor);
    const current = await this.active(vehicle, grantee);
    if (!current) throw notFoundError(`Vehicle ${vehicle.tokenId} is not shared with ${grantee}.`);
    return this.write({
      action: "revoke",
      vehicle,
      grantee,
      grantor,
      privileges: [],
      templateId: "0",
      expiresAt: 0,
    });
  }

  private checkExpiry(expiresAt: Date | undefined): number {
    const nowS = Math.floor(this.now() / 1000);
    if (!expiresAt) return nowS + HUNDRED_YEARS_S;
    const s = Math.floor(expiresAt.getTime() / 1000);
    if (!Number.isFinite(s)) throw invalidArgument("The expiration date is not a valid date.");
    if (s <= nowS) throw invalidArgument("The expiration date must be in the future.");
    if (s > nowS + HUNDRED_YEARS_S + 86400)
      throw invalidArgument("The expiration date must be within 100 years.");
    return s;
  }

  private requireOwner(vehicle: Vehicle, grantor: string): Address {
    if (!isHexAddress(grantor) || checksumAddress(grantor) !== vehicle.owner) {
      throw new ServiceError(
        "FORBIDDEN",
        `Only the owner of vehicle ${vehicle.tokenId} can change who it is shared with.`,
      );
    }
    return vehicle.owner;
  }

  private async write(args: {
    action: GrantAction;
    vehicle: Vehicle;
    grantee: Address;
    grantor: Address;
    privileges: PrivilegeId[];
    templateId: string;
    expiresAt: number;
    cloudEvents?: CloudEventAgreementInput[];
  }): Promise<Grant> {
    const createdAt = this.now();
    const effectiveAt = new Date(createdAt);
    const doc = await createSignedDocument({
      type: "dimo.sacd",
      id: randomUUID(),
      source: args.grantor,
      time: effectiveAt,
      data: {
        ...buildSacdData({
          grantor: args.grantor,
          grantee: args.grantee,
          assetDid: args.vehicle.tokenDID,
          privileges: args.privileges,
          effectiveAt,
          expiresAt: new Date(args.expiresAt * 1000),
          templateId: args.templateId,
          cloudEvents: args.cloudEvents,
        }),
        ...(args.action === "revoke" ? { revoked: true } : {}),
      },
      sign: await this.signers(args.grantor),
    });
    const row = {
      token_id: args.vehicle.tokenId,
      grantee: args.grantee,
      grantor: args.grantor,
      permissions: encodePrivileges(args.privileges),
      expires_at_s: args.expiresAt,
      template_id: args.templateId,
      source: `ipfs://${doc.cid}`,
      version: args.vehicle.transferVersion,
      created_at: createdAt,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("sacd_documents")
        .values({ cid: doc.cid, body: doc.text, created_at: createdAt })
        .onConflict((oc) => oc.column("cid").doNothing())
        .execute();
      await trx
        .insertInto("grants")
        .values(row)
        .onConflict((oc) =>
          oc.columns(["token_id", "grantee"]).doUpdateSet({
            grantor: row.grantor,
            permissions: row.permissions,
            expires_at_s: row.expires_at_s,
            template_id: row.template_id,
            source: row.source,
            version: row.version,
            created_at: row.created_at,
          }),
        )
        .execute();
      await trx
        .insertInto("grant_events")
        .values({ ...row, action: args.action })
        .execute();
      await this.changes.notifyWithin(trx, "keyfob_grants", `${args.vehicle.tokenId}`);
    });
    this.changes.announceLocally("keyfob_grants", `${args.vehicle.tokenId}`);
    return toGrant(row);
  }

  private async endGrantsOnTransfer(tokenId: number, version: number, previousOwner: Address): Promise<void> {
    const rows = await this.db
      .selectFrom("grants")
      .selectAll()
      .where("token_id", "=", tokenId)
      // Only grants live until this transfer: older versions were ended (and logged) by an earlier one.
      .where("version", "=", version - 1)
      .where("expires_at_s", ">", Math.floor(this.now() / 1000))
      .execute();
    const createdAt = this.now();
    if (rows.length > 0) {
      await this.db
        .insertInto("grant_events")
        .values(
          rows.map((r) => ({
            token_id: r.token_id,
            grantee: r.grantee,
            grantor: previousOwner,
            action: "transfer",
            permissions: r.permissions,
            expires_at_s: r.expires_at_s,
            template_id: r.template_id,
            source: r.source,
            version,
            created_at: createdAt,
          })),
        )
        .execute();
    }
    await this.changes.publish("keyfob_grants", `${tokenId}`);
  }

  async storeDocument(cid: string, body: string): Promise<void> {
    await this.db
      .insertInto("sacd_documents")
      .values({ cid, body, created_at: this.now() })
      .onConflict((oc) => oc.column("cid").doNothing())
      .execute();
  }

  /** The stored bytes of a signed document, as served at /ipfs/:cid. */
  async document(cid: string): Promise<string | undefined> {
    if (!isDocumentCid(cid)) return undefined;
    const row = await this.db
      .selectFrom("sacd_documents")
      .select("body")
      .where("cid", "=", cid)
      .executeTakeFirst();
    return row?.body;
  }

  /** The current record for (vehicle, grantee), active or not. */
  async current(tokenId: number, grantee: Address): Promise<Grant | undefined> {
    const row = await this.db
      .selectFrom("grants")
      .selectAll()
      .where("token_id", "=", tokenId)
      .where("grantee", "=", grantee)
      .executeTakeFirst();
    return row && toGrant(row);
  }

  /** The active grant (unexpired, current transfer version, template active) or undefined. */
  async active(vehicle: Vehicle, grantee: Address): Promise<Grant | undefined> {
    const grant = await this.current(vehicle.tokenId, grantee);
    return grant && (await this.isActive(grant, vehicle)) ? grant : undefined;
  }

  private async isActive(
    grant: Grant,
    vehicle: Vehicle,
    template: (tokenId: number) => Promise<Template | undefined> = (id) => this.template(id),
  ): Promise<boolean> {
    if (grant.expiresAt <= Math.floor(this.now() / 1000) || grant.version !== vehicle.transferVersion)
      return false;
    if (grant.templateId === "0" || grant.templateId === "") return true;
    return !!(await template(Number(grant.templateId)))?.active;
  }

  /** Active grants on a vehicle, createdAt DESC then grantee ASC (the Identity order). */
  async activeForVehicle(vehicle: Vehicle): Promise<Grant[]> {
    const rows = await this.db
      .selectFrom("grants")
      .selectAll()
      .where("token_id", "=", vehicle.tokenId)
      .where("version", "=", vehicle.transferVersion)
      .where("expires_at_s", ">", Math.floor(this.now() / 1000))
      .orderBy("created_at", "desc")
      .orderBy("grantee", "asc")
      .execute();
    const grants: Grant[] = [];
    for (const row of rows) {
      const grant = toGrant(row);
      if (await this.isActive(grant, vehicle)) grants.push(grant);
    }
    return grants;
  }

  /**
   * Active grants on several vehicles with one query (the Identity API's pages), by token id, each
   * list in the Identity order; vehicles without grants map to [].
   */
  async activeForVehicles(vehicles: readonly Vehicle[]): Promise<Map<number, Grant[]>> {
    const result = new Map<number, Grant[]>(vehicles.map((v) => [v.tokenId, []]));
    if (vehicles.length === 0) return result;
    const byTokenId = new Map(vehicles.map((v) => [v.tokenId, v]));
    const rows = await this.db
      .selectFrom("grants")
      .selectAll()
      .where("token_id", "in", [...byTokenId.keys()])
      .where("expires_at_s", ">", Math.floor(this.now() / 1000))
      .orderBy("created_at", "desc")
      .orderBy("grantee", "asc")
      .execute();
    const templates = new Map<number, Promise<Template | undefined>>();
    const template = (id: number) => {
      if (!templates.has(id)) templates.set(id, this.template(id));
      return templates.get(id)!;
    };
    for (const row of rows) {
      const grant = toGrant(row);
      const vehicle = byTokenId.get(grant.tokenId)!;
      if (await this.isActive(grant, vehicle, template)) result.get(grant.tokenId)!.push(grant);
    }
    return result;
  }

  /**
   * The (token id, transfer version) pairs of the grantee's unexpired grants whose template (if
   * any) is active, as an SQL subquery: the vehicles service matches it against each vehicle's
   * current transfer version, so the `privileged` filter stays one query however many vehicles
   * are shared, and neither module reads the other's tables.
   */
  grantedPairsQuery(grantee: Address): GrantedPairsQuery {
    return this.db
      .selectFrom("grants")
      .select(["grants.token_id", "grants.version"])
      .where("grants.grantee", "=", grantee)
      .where("grants.expires_at_s", ">", Math.floor(this.now() / 1000))
      .where((eb) =>
        eb.or([
          eb("grants.template_id", "in", ["0", ""]),
          eb.exists(
            eb
              .selectFrom("sacd_templates")
              .select("sacd_templates.token_id")
              .where("sacd_templates.active", "=", 1)
              .where(sql<string>`cast(sacd_templates.token_id as text)`, "=", eb.ref("grants.template_id")),
          ),
        ]),
      );
  }

  /** Every write on a vehicle's grants, oldest first: the audit trail. */
  async history(tokenId: number, grantee?: Address): Promise<GrantEvent[]> {
    let q = this.db.selectFrom("grant_events").selectAll().where("token_id", "=", tokenId);
    if (grantee) q = q.where("grantee", "=", grantee);
    const rows = await q.orderBy("id", "asc").execute();
    return rows.map((r) => ({ ...toGrant(r), id: r.id, action: r.action as GrantAction }));
  }

  /**
   * Decides whether `grantee` may use `requested` privileges on a vehicle: the owner holds all;
   * otherwise the active grant must hold each one. Served from the cache after the first call.
   */
  async evaluate(tokenId: number, grantee: Address, requested: PrivilegeId[]): Promise<GrantDecision> {
    const pair = await this.cachedPair(tokenId, grantee);
    if (!pair.vehicle) return { allowed: false, reason: "no-vehicle", missing: requested };
    if (pair.vehicle.owner === grantee) return { allowed: true, reason: "owner" };
    const grant = pair.grant;
    if (!grant || grant.expiresAt <= Math.floor(this.now() / 1000))
      return { allowed: false, reason: "no-grant", missing: requested };
    const missing = requested.filter((id) => !grant.privileges.includes(id));
    if (missing.length > 0) return { allowed: false, reason: "missing-privileges", missing };
    return { allowed: true, reason: "grant", grant };
  }

  private async cachedPair(tokenId: number, grantee: Address): Promise<CachedPair> {
    const key = `${tokenId}:${grantee}`;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.cachedAt < CACHE_MAX_AGE_MS) return hit;
    const generation = this.cacheGeneration;
    const cachedAt = this.now();
    const vehicle = await this.vehicles.find(tokenId);
    const grant = vehicle ? await this.active(vehicle, grantee) : undefined;
    const pair = { vehicle, grant, cachedAt };
    // A change that landed while we were reading cleared the cache; don't store stale data.
    if (generation === this.cacheGeneration) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, pair);
    }
    return pair;
  }
}

function parseGrantee(value: string): Address {
  if (!isHexAddress(value)) throw invalidArgument(`Invalid grantee address "${value}".`);
  return checksumAddress(value);
}

function toGrant(row: Omit<Selectable<GrantsTable>, never>): Grant {
  return {
    tokenId: row.token_id,
    grantee: row.grantee as Address,
    grantor: row.grantor as Address,
    permissions: row.permissions,
    privileges: decodePrivileges(row.permissions),
    expiresAt: Number(row.expires_at_s),
    templateId: row.template_id,
    source: row.source,
    version: row.version,
    createdAt: new Date(Number(row.created_at)),
  };
}

function toTemplate(row: Selectable<SacdTemplatesTable>): Template {
  return {
    tokenId: row.token_id,
    creator: row.creator as Address,
    asset: row.asset as Address,
    permissions: row.permissions,
    cid: row.cid,
    active: row.active === 1,
    createdAt: new Date(row.created_at),
  };
}
