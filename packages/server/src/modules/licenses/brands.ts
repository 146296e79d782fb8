import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { invalidArgument, notFoundError } from "../../errors.ts";
import type { BrandsTable, Database } from "../../store/schema.ts";
import type { LicenseService } from "./service.ts";

/** A brand of a license (connect-protocol.md §9): name, logo, icon and colour of the login page. */
export interface Brand {
  id: string;
  clientId: string;
  name: string;
  logoUrl: string | null;
  iconUrl: string | null;
  logoCid: string | null;
  iconCid: string | null;
  /** `#RRGGBB`. */
  primaryColor: string | null;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface BrandInput {
  name: string;
  logoUrl?: string | null;
  iconUrl?: string | null;
  primaryColor?: string | null;
  isDefault?: boolean;
}

/** `GET /api/brand`'s body (the console's shape). */
export interface PublicBrand {
  name: string;
  logoCid: string | null;
  iconCid: string | null;
  logoUrl: string | null;
  iconUrl: string | null;
  primaryColor: string | null;
  updatedAt: string;
}

const MAX_NAME = 100;
const MAX_BRANDS = 50;

export class BrandService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly licenses: LicenseService,
    private readonly now: () => number = Date.now,
  ) {}

  async create(clientId: string, input: BrandInput): Promise<Brand> {
    const license = await this.licenses.require(clientId);
    const fields = checkInput(input);
    const existing = await this.list(license.clientId);
    if (existing.length >= MAX_BRANDS) throw invalidArgument(`At most ${MAX_BRANDS} brands per license.`);
    if (existing.some((b) => b.name.toLowerCase() === fields.name.toLowerCase()))
      throw invalidArgument(`The license already has a brand named "${fields.name}".`);
    const now = this.now();
    const isDefault = input.isDefault ?? existing.length === 0;
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      if (isDefault)
        await trx
          .updateTable("brands")
          .set({ is_default: 0 })
          .where("client_id", "=", license.clientId)
          .execute();
      await trx
        .insertInto("brands")
        .values({
          id,
          client_id: license.clientId,
          name: fields.name,
          name_key: fields.name.toLowerCase(),
          logo_url: fields.logoUrl ?? null,
          icon_url: fields.iconUrl ?? null,
          logo_cid: null,
          icon_cid: null,
          primary_color: fields.primaryColor ?? null,
          is_default: isDefault ? 1 : 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
    });
    return (await this.get(id))!;
  }

  async update(id: string, patch: Partial<BrandInput>): Promise<Brand> {
    const brand = await this.get(id);
    if (!brand) throw notFoundError(`No brand ${id}.`);
    // Only URLs given now are checked: a stored one may be an uploaded image on this server (setImage).
    const checked = checkInput({
      name: patch.name ?? brand.name,
      logoUrl: patch.logoUrl,
      iconUrl: patch.iconUrl,
      primaryColor: patch.primaryColor === undefined ? brand.primaryColor : patch.primaryColor,
    });
    const merged = {
      ...checked,
      logoUrl: patch.logoUrl === undefined ? brand.logoUrl : patch.logoUrl,
      iconUrl: patch.iconUrl === undefined ? brand.iconUrl : patch.iconUrl,
    };
    if (merged.name.toLowerCase() !== brand.name.toLowerCase()) {
      const clash = (await this.list(brand.clientId)).some(
        (b) => b.id !== id && b.name.toLowerCase() === merged.name.toLowerCase(),
      );
      if (clash) throw invalidArgument(`The license already has a brand named "${merged.name}".`);
    }
    await this.db.transaction().execute(async (trx) => {
      if (patch.isDefault === true)
        await trx
          .updateTable("brands")
          .set({ is_default: 0 })
          .where("client_id", "=", brand.clientId)
          .execute();
      await trx
        .updateTable("brands")
        .set({
          name: merged.name,
          name_key: merged.name.toLowerCase(),
          logo_url: merged.logoUrl ?? null,
          icon_url: merged.iconUrl ?? null,
          // A URL set by hand replaces an uploaded image.
          ...(patch.logoUrl === undefined ? {} : { logo_cid: null }),
          ...(patch.iconUrl === undefined ? {} : { icon_cid: null }),
          primary_color: merged.primaryColor ?? null,
          ...(patch.isDefault === undefined ? {} : { is_default: patch.isDefault ? 1 : 0 }),
          updated_at: this.now(),
        })
        .where("id", "=", id)
        .execute();
    });
    return (await this.get(id))!;
  }

  /**
   * Sets (or with null clears) an uploaded logo or icon: its content id and the URL this server
   * serves it at (`/brand-images/:cid`, which may be plain http on a development installation).
   */
  async setImage(
    id: string,
    kind: "logo" | "icon",
    image: { cid: string; url: string } | null,
  ): Promise<Brand> {
    const brand = await this.get(id);
    if (!brand) throw notFoundError(`No brand ${id}.`);
    const values =
      kind === "logo"
        ? { logo_cid: image?.cid ?? null, logo_url: image?.url ?? null }
        : { icon_cid: image?.cid ?? null, icon_url: image?.url ?? null };
    await this.db
      .updateTable("brands")
      .set({ ...values, updated_at: this.now() })
      .where("id", "=", id)
      .execute();
    return (await this.get(id))!;
  }

  async delete(id: string): Promise<void> {
    const result = await this.db.deleteFrom("brands").where("id", "=", id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFoundError(`No brand ${id}.`);
  }

  async get(id: string): Promise<Brand | undefined> {
    const row = await this.db.selectFrom("brands").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toBrand(row);
  }

  /** The license's brands, the default first, then by name. */
  async list(clientId: string): Promise<Brand[]> {
    const license = await this.licenses.find(clientId);
    if (!license) return [];
    const rows = await this.db
      .selectFrom("brands")
      .selectAll()
      .where("client_id", "=", license.clientId)
      .orderBy("is_default", "desc")
      .orderBy("name_key", "asc")
      .execute();
    return rows.map(toBrand);
  }

  /**
   * The brand the login page shows: the one named `brandName` (case-insensitive), else the
   * license's default brand; undefined when there is none (or the name is unknown).
   */
  async resolve(clientId: string, brandName?: string | null): Promise<Brand | undefined> {
    const license = await this.licenses.find(clientId);
    if (!license) return undefined;
    let q = this.db.selectFrom("brands").selectAll().where("client_id", "=", license.clientId);
    q = brandName ? q.where("name_key", "=", brandName.trim().toLowerCase()) : q.where("is_default", "=", 1);
    const row = await q.executeTakeFirst();
    return row && toBrand(row);
  }
}

export function publicBrand(brand: Brand): PublicBrand {
  return {
    name: brand.name,
    logoCid: brand.logoCid,
    iconCid: brand.iconCid,
    logoUrl: brand.logoUrl,
    iconUrl: brand.iconUrl,
    primaryColor: brand.primaryColor,
    updatedAt: brand.updatedAt.toISOString(),
  };
}

function checkInput(input: BrandInput): BrandInput {
  const name = input.name?.trim() ?? "";
  if (!name || name.length > MAX_NAME)
    throw invalidArgument(`The brand name must be 1–${MAX_NAME} characters.`);
  if (/\p{Cc}/u.test(name)) throw invalidArgument("The brand name must not contain control characters.");
  for (const [key, value] of [
    ["logoUrl", input.logoUrl],
    ["iconUrl", input.iconUrl],
  ] as const) {
    if (value === undefined || value === null) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== "https:" || value.length > 2048)
      throw invalidArgument(`${key} must be an https URL.`);
  }
  const color = input.primaryColor;
  if (color !== undefined && color !== null && !/^#[0-9a-fA-F]{6}$/.test(color))
    throw invalidArgument("primaryColor must be #RRGGBB.");
  return { ...input, name, primaryColor: color ? color.toUpperCase() : color };
}

function toBrand(row: Selectable<BrandsTable>): Brand {
  return {
    id: row.id,
    clientId: row.client_id,
    name: row.name,
    logoUrl: row.logo_url,
    iconUrl: row.icon_url,
    logoCid: row.logo_cid,
    iconCid: row.icon_cid,
    primaryColor: row.primary_color,
    isDefault: row.is_default === 1,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}
