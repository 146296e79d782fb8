import type { Kysely } from "kysely";
import { checksumAddress } from "../../domain/address.ts";
import { originOf } from "../../domain/connect-params.ts";
import { isLoopbackHost } from "../../domain/redirect-uri.ts";
import { invalidArgument } from "../../errors.ts";
import type { Database } from "../../store/schema.ts";
import type { LicenseService } from "./service.ts";

/** Per-license login settings (security.md §2). */
export interface LicenseSettings {
  /** Origins allowed to open, frame and message the login app besides those of the redirect URIs. */
  webOrigins: string[];
  /** Allow framing by the allowed origins (CSP frame-ancestors). */
  embedEnabled: boolean;
  /** Accept official-SDK requests and hand out the token directly (legacy mode). */
  legacyTokenResponse: boolean;
  /** Refuse every request without `response_type=code` + PKCE. */
  secureOnly: boolean;
  /** Cap on grant lifetimes in days; null = the default 100 years. */
  maxGrantDays: number | null;
}

export const DEFAULT_LICENSE_SETTINGS: Readonly<LicenseSettings> = Object.freeze({
  webOrigins: [],
  embedEnabled: false,
  legacyTokenResponse: true,
  secureOnly: false,
  maxGrantDays: null,
});

const MAX_WEB_ORIGINS = 20;
const MAX_GRANT_DAYS = 100 * 365;

/**
 * A web origin as registered: `https://host[:port]`, or `http:` on a loopback host, exactly as
 * `URL.origin` prints it (no path, no trailing slash), so matching stays exact string equality.
 */
export function webOriginProblem(origin: string): string | undefined {
  const parsed = originOf(origin);
  if (parsed === undefined || parsed !== origin || origin.includes("*"))
    return "must be an origin such as https://app.example.com (scheme, host and port only)";
  const url = new URL(origin);
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname))
    return "must use https (http is allowed only on localhost, 127.0.0.1 or [::1])";
  return undefined;
}

export class LicenseSettingsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly licenses: LicenseService,
    private readonly now: () => number = Date.now,
  ) {}

  /** The settings of a license (the defaults when none were stored). */
  async get(clientId: string): Promise<LicenseSettings> {
    const license = await this.licenses.require(clientId);
    return this.read(license.clientId);
  }

  private async read(clientId: string): Promise<LicenseSettings> {
    const row = await this.db
      .selectFrom("license_settings")
      .selectAll()
      .where("client_id", "=", clientId)
      .executeTakeFirst();
    if (!row) return { ...DEFAULT_LICENSE_SETTINGS, webOrigins: [] };
    return {
      webOrigins: JSON.parse(row.web_origins) as string[],
      embedEnabled: row.embed_enabled === 1,
      legacyTokenResponse: row.legacy_token_response === 1,
      secureOnly: row.secure_only === 1,
      maxGrantDays: row.max_grant_days,
    };
  }

  /** Changes the given settings; the others keep their values. */
  async update(clientId: string, patch: Partial<LicenseSettings>): Promise<LicenseSettings> {
    const license = await this.licenses.require(clientId);
    const current = await this.read(license.clientId);
    const next: LicenseSettings = { ...current, ...definedOnly(patch) };
    if (patch.webOrigins !== undefined) {
      const origins = [...new Set(patch.webOrigins)];
      if (origins.length > MAX_WEB_ORIGINS)
        throw invalidArgument(`At most ${MAX_WEB_ORIGINS} web origins per license.`);
      for (const origin of origins) {
        const problem = webOriginProblem(origin);
        if (problem) throw invalidArgument(`The web origin "${origin}" ${problem}.`);
      }
      next.webOrigins = origins;
    }
    if (
      next.maxGrantDays !== null &&
      (!Number.isInteger(next.maxGrantDays) || next.maxGrantDays < 1 || next.maxGrantDays > MAX_GRANT_DAYS)
    )
      throw invalidArgument(
        `maxGrantDays must be a whole number of days from 1 to ${MAX_GRANT_DAYS}, or none.`,
      );
    const row = {
      client_id: license.clientId,
      web_origins: JSON.stringify(next.webOrigins),
      embed_enabled: next.embedEnabled ? 1 : 0,
      legacy_token_response: next.legacyTokenResponse ? 1 : 0,
      secure_only: next.secureOnly ? 1 : 0,
      max_grant_days: next.maxGrantDays,
      updated_at: this.now(),
    };
    await this.db
      .insertInto("license_settings")
      .values(row)
      .onConflict((oc) => oc.column("client_id").doUpdateSet({ ...row, client_id: undefined }))
      .execute();
    return next;
  }

  /**
   * Allowed origins of a license (security.md §4): the origins of its redirect URIs and its
   * registered web origins, each once.
   */
  async allowedOrigins(clientId: string, settings?: LicenseSettings): Promise<string[]> {
    const id = checksumAddress(clientId);
    const uris = await this.licenses.listRedirectUris(id);
    const origins = uris.map((u) => originOf(u.uri)).filter((o): o is string => o !== undefined);
    return [...new Set([...origins, ...(settings ?? (await this.read(id))).webOrigins])];
  }
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
