import { type Command, InvalidArgumentError } from "commander";
import { loadConfig } from "../config.ts";
import { isHexAddress } from "../domain/address.ts";
import { notFoundError, ServiceError } from "../errors.ts";
import type { Services } from "../services.ts";

/** A license by clientId (any case) or alias. */
export async function resolveLicense(services: Services, idOrAlias: string) {
  const license = isHexAddress(idOrAlias)
    ? await services.licenses.find(idOrAlias)
    : await services.licenses.findByAlias(idOrAlias);
  if (!license) throw notFoundError(`No developer license with client id or alias "${idOrAlias}".`);
  return license;
}

/** Opens the services, runs `fn`, prints a ServiceError as `keyfob <command>: <message>` with exit code 2. */
export async function withServices(
  command: string,
  fn: (services: Services) => Promise<void>,
): Promise<void> {
  const { createServices } = await import("../services.ts");
  const services = await createServices({ ...loadConfig(), logLevel: "silent" });
  try {
    await fn(services);
  } catch (err) {
    if (err instanceof ServiceError) {
      process.stderr.write(`keyfob ${command}: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  } finally {
    await services.close();
  }
}

function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(
      'expected a JSON object, e.g. \'{"redirectUri":"https://app.example.com/"}\'',
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError("expected a JSON object");
  return parsed as Record<string, unknown>;
}

function format(value: string): "text" | "json" {
  if (value !== "text" && value !== "json") throw new InvalidArgumentError("expected text or json");
  return value;
}

export function registerConfigurationCommands(program: Command): void {
  const configuration = program
    .command("configuration")
    .description("Stored login configurations: a link needs only ?configurationId=<id>");

  configuration
    .command("create")
    .description("Store a login configuration; prints its id and the login link")
    .requiredOption("--client-id <clientId|alias>", "the license (0x… client id or alias)")
    .requiredOption("--name <name>", "a name for it (1–100 characters)")
    .requiredOption(
      "--json <object>",
      "the configuration, as the console writes it: redirectUri, entryState, permissionTemplateId, …",
      jsonObject,
    )
    .option("--id <uuid>", "use this id instead of a random one")
    .option("--format <format>", "text or json", format, "text")
    .action(
      async (opts: {
        clientId: string;
        name: string;
        json: Record<string, unknown>;
        id?: string;
        format: "text" | "json";
      }) =>
        withServices("configuration create", async (services) => {
          const license = await resolveLicense(services, opts.clientId);
          const created = await services.configurations.create({
            clientId: license.clientId,
            name: opts.name,
            configuration: opts.json,
            id: opts.id,
          });
          const link = `${services.config.loginUrl}/?configurationId=${created.id}`;
          process.stdout.write(
            opts.format === "json"
              ? `${JSON.stringify({ id: created.id, clientId: created.clientId, name: created.name, link }, null, 2)}\n`
              : `id     ${created.id}\nlink   ${link}\n`,
          );
        }),
    );

  configuration
    .command("list")
    .description("List a license's configurations")
    .requiredOption("--client-id <clientId|alias>", "the license (0x… client id or alias)")
    .action(async (opts: { clientId: string }) =>
      withServices("configuration list", async (services) => {
        const license = await resolveLicense(services, opts.clientId);
        const rows = await services.configurations.list(license.clientId);
        process.stdout.write(
          `${JSON.stringify(
            rows.map((c) => ({
              id: c.id,
              name: c.name,
              configuration: c.configuration,
              link: `${services.config.loginUrl}/?configurationId=${c.id}`,
            })),
            null,
            2,
          )}\n`,
        );
      }),
    );

  configuration
    .command("delete <id>")
    .description("Delete a configuration (its links stop working)")
    .action(async (id: string) =>
      withServices("configuration delete", async (services) => {
        await services.configurations.delete(id);
        process.stdout.write(`Deleted configuration ${id}.\n`);
      }),
    );
}
