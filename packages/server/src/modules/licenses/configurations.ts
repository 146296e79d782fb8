import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { ConnectParamError, normalizeRequest, paramsFromConfiguration } from "../../domain/connect-params.ts";
import { conflictError, invalidArgument, notFoundError } from "../../errors.ts";
import type { ConfigurationsTable, Database } from "../../store/schema.ts";
import type { LicenseService } from "./service.ts";

/**
 * Stored login configurations (connect-protocol.md §2): a named set of login parameters per
 * license, so a link needs only `?configurationId=<id>`. The object is kept as written (the official
 * console writes every value as a string); the flow service resolves it.
 */
export interface Configuration {
  id: string;
  clientId: string;
  ownerId: string;
  name: string;
  configuration: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** The compatibility endpoint's row (`GET /api/configurations/:id`). */
export interface ConfigurationRow {
  id: string;
  client_id: string;
  owner_id: string;
  configuration_name: string;
  configuration: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_NAME = 100;
const MAX_JSON = 16 * 1024;

export function isConfigurationId(value: string): boolean {
  return UUID.test(value);
}

export class ConfigurationService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly licenses: LicenseService,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a configuration; `id` (a UUID) makes it deterministic, e.g. for demo data. */
  async create(input: {
    clientId: string;
    name: string;
    configuration: unknown;
    id?: string;
  }): Promise<Configuration> {
    const license = await this.licenses.require(input.clientId);
    const name = checkName(input.name);
    const configuration = await this.check(license.clientId, input.configuration);
    const id = input.id === undefined ? randomUUID() : input.id.toLowerCase();
    if (!isConfigurationId(id)) throw invalidArgument("A configuration id must be a UUID.");
    if (await this.get(id)) throw conflictError(`A configuration with id ${id} already exists.`);
    const now = this.now();
    await this.db
      .insertInto("configurations")
      .values({
        id,
        client_id: license.clientId,
        owner_id: license.owner,
        configuration_name: name,
        configuration: JSON.stringify(configuration),
        created_at: now,
        updated_at: now,
      })
      .execute();
    return (await this.get(id))!;
  }

  async get(id: string): Promise<Configuration | undefined> {
    if (!isConfigurationId(id)) return undefined;
    const row = await this.db
      .selectFrom("configurations")
      .selectAll()
      .where("id", "=", id.toLowerCase())
      .executeTakeFirst();
    return row && toConfiguration(row);
  }

  async require(id: string): Promise<Configuration> {
    const found = await this.get(id);
    if (!found) throw notFoundError("Configuration not found");
    return found;
  }

  /** A license's configurations, oldest first. */
  async list(clientId: string): Promise<Configuration[]> {
    const license = await this.licenses.require(clientId);
    const rows = await this.db
      .selectFrom("configurations")
      .selectAll()
      .where("client_id", "=", license.clientId)
      .orderBy("created_at", "asc")
      .orderBy("id", "asc")
      .execute();
    return rows.map(toConfiguration);
  }

  async update(id: string, patch: { name?: string; configuration?: unknown }): Promise<Configuration> {
    const current = await this.require(id);
    const name = patch.name === undefined ? current.name : checkName(patch.name);
    const configuration =
      patch.configuration === undefined
        ? current.configuration
        : await this.check(current.clientId, patch.configuration);
    await this.db
      .updateTable("configurations")
      .set({ configuration_name: name, configuration: JSON.stringify(configuration), updated_at: this.now() })
      .where("id", "=", current.id)
      .execute();
    return (await this.get(current.id))!;
  }

  async delete(id: string): Promise<void> {
    const result = isConfigurationId(id)
      ? await this.db.deleteFrom("configurations").where("id", "=", id.toLowerCase()).executeTakeFirst()
      : undefined;
    if (!result || Number(result.numDeletedRows) === 0) throw notFoundError("Configuration not found");
  }

  /**
   * A configuration must be a JSON object whose values the login app accepts, and its
   * `redirectUri`, when given, must be registered on the license (it is checked again at use).
   */
  private async check(clientId: string, value: unknown): Promise<Record<string, unknown>> {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw invalidArgument("A configuration must be a JSON object.");
    const configuration = value as Record<string, unknown>;
    if (JSON.stringify(configuration).length > MAX_JSON)
      throw invalidArgument(`A configuration must be at most ${MAX_JSON} bytes of JSON.`);
    try {
      const params = paramsFromConfiguration(configuration, clientId);
      // The redirect URI may come from the link instead; a stand-in lets everything else be checked.
      normalizeRequest(
        { redirectUri: "https://configuration.invalid/", ...params },
        { now: this.now(), mode: "redirect" },
      );
    } catch (err) {
      if (err instanceof ConnectParamError) throw invalidArgument(err.message);
      throw err;
    }
    const redirectUri = configuration.redirectUri;
    if (typeof redirectUri === "string" && redirectUri !== "") {
      if (!(await this.licenses.hasRedirectUri(clientId, redirectUri)))
        throw invalidArgument(`The redirect URI "${redirectUri}" is not registered on this license.`);
    }
    return configuration;
  }
}

export function configurationRow(c: Configuration): ConfigurationRow {
  return {
    id: c.id,
    client_id: c.clientId,
    owner_id: c.ownerId,
    configuration_name: c.name,
    configuration: c.configuration,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

function checkName(value: string): string {
  const name = value?.trim() ?? "";
  if (!name || name.length > MAX_NAME)
    throw invalidArgument(`The configuration name must be 1–${MAX_NAME} characters.`);
  return name;
}

function toConfiguration(row: Selectable<ConfigurationsTable>): Configuration {
  return {
    id: row.id,
    clientId: row.client_id,
    ownerId: row.owner_id,
    name: row.configuration_name,
    configuration: JSON.parse(row.configuration) as Record<string, unknown>,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}
