import { type Command, InvalidArgumentError } from "commander";
import { loadConfig } from "../config.ts";
import { DEMO_DEVELOPER_EMAIL } from "../demo.ts";
import { redirectUriProblem } from "../domain/redirect-uri.ts";
import { invalidArgument, ServiceError } from "../errors.ts";
import type { LicenseSettings } from "../modules/licenses/settings.ts";
import { resolveLicense, withServices } from "./configuration.ts";

function onOff(value: string): boolean {
  if (value === "on" || value === "off") return value === "on";
  throw new InvalidArgumentError("expected on or off");
}

/** Days, or "none" (commander does not keep a null from a parser). */
function days(value: string): number | "none" {
  if (value === "none") return "none";
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError("expected a whole number of days, or none");
  return n;
}

export function registerLicenseCommands(program: Command): void {
  const license = program.command("license").description("Manage developer licenses");
  license
    .command("create")
    .description("Create a license with one API key; prints the clientId and the API key (shown once)")
    .option("--alias <alias>", "unique alias (at most 32 bytes)")
    .option("--redirect-uri <uri...>", "redirect URI(s): https, or http on localhost/127.0.0.1/[::1]")
    .option(
      "--owner <email>",
      "email of the owning developer account (created if missing)",
      DEMO_DEVELOPER_EMAIL,
    )
    .option("--json", "print JSON")
    .action(async (opts: { alias?: string; redirectUri?: string[]; owner: string; json?: boolean }) => {
      const { createServices } = await import("../services.ts");
      const services = await createServices({ ...loadConfig(), logLevel: "silent" });
      try {
        // Check every URI before creating anything, so a typo leaves no half-made license.
        for (const uri of opts.redirectUri ?? []) {
          const problem = redirectUriProblem(uri);
          if (problem) throw invalidArgument(`The redirect URI "${uri}" ${problem}.`);
        }
        const owner = await services.accounts.ensure(opts.owner);
        const created = await services.licenses.create({
          owner: owner.walletAddress,
          alias: opts.alias ?? null,
        });
        for (const uri of opts.redirectUri ?? [])
          await services.licenses.addRedirectUri(created.clientId, uri);
        const apiKey = await services.licenses.createApiKey(created.clientId);
        const out = {
          clientId: created.clientId,
          alias: created.alias,
          apiKey: apiKey.privateKey,
          signer: apiKey.address,
          redirectUris: opts.redirectUri ?? [],
        };
        if (opts.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        else
          process.stdout.write(
            [
              `clientId   ${out.clientId}`,
              `apiKey     ${out.apiKey}`,
              `signer     ${out.signer}`,
              ...out.redirectUris.map((u) => `redirect   ${u}`),
              "",
              "The API key is shown only once: store it now.",
              "",
            ].join("\n"),
          );
      } catch (err) {
        if (err instanceof ServiceError) {
          process.stderr.write(`keyfob license create: ${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      } finally {
        await services.close();
      }
    });

  license
    .command("settings <clientId>")
    .description(
      "Show or change a license's login settings (web origins, embedding, legacy tokens, secure-only, grant cap)",
    )
    .option(
      "--web-origin <origin...>",
      "origins that may open, frame and message the login app besides those of the redirect URIs (replaces the list)",
    )
    .option("--no-web-origins", "remove every web origin")
    .option("--embed <on|off>", "allow framing by the allowed origins (CSP frame-ancestors)", onOff)
    .option("--secure-only <on|off>", "refuse requests without response_type=code and PKCE", onOff)
    .option("--legacy-token <on|off>", "hand the user JWT out directly to official-SDK requests", onOff)
    .option("--max-grant-days <days|none>", "cap on grant lifetimes", days)
    .action(
      async (
        clientId: string,
        opts: {
          webOrigin?: string[];
          webOrigins?: boolean;
          embed?: boolean;
          secureOnly?: boolean;
          legacyToken?: boolean;
          maxGrantDays?: number | "none";
        },
      ) =>
        withServices("license settings", async (services) => {
          const license = await resolveLicense(services, clientId);
          const patch: Partial<LicenseSettings> = {
            embedEnabled: opts.embed,
            secureOnly: opts.secureOnly,
            legacyTokenResponse: opts.legacyToken,
            maxGrantDays: opts.maxGrantDays === "none" ? null : opts.maxGrantDays,
            webOrigins: opts.webOrigins === false ? [] : opts.webOrigin,
          };
          const settings = await services.licenseSettings.update(license.clientId, patch);
          const allowedOrigins = await services.licenseSettings.allowedOrigins(license.clientId, settings);
          process.stdout.write(
            `${JSON.stringify({ clientId: license.clientId, ...settings, allowedOrigins }, null, 2)}\n`,
          );
        }),
    );

  license
    .command("brand <clientId>")
    .description("Create or change a brand of a license (matched by name); the first brand is the default")
    .requiredOption("--name <name>", "the brand name (1–100 characters)")
    .option("--logo-url <url>", "wide logo, https")
    .option("--icon-url <url>", "square icon, https")
    .option("--primary-color <#RRGGBB>", "the brand colour")
    .option("--default", "make it the license's default brand")
    .action(
      async (
        clientId: string,
        opts: { name: string; logoUrl?: string; iconUrl?: string; primaryColor?: string; default?: boolean },
      ) =>
        withServices("license brand", async (services) => {
          const license = await resolveLicense(services, clientId);
          const input = {
            name: opts.name,
            logoUrl: opts.logoUrl,
            iconUrl: opts.iconUrl,
            primaryColor: opts.primaryColor,
            isDefault: opts.default,
          };
          const existing = (await services.brands.list(license.clientId)).find(
            (b) => b.name.toLowerCase() === opts.name.trim().toLowerCase(),
          );
          const brand = existing
            ? await services.brands.update(existing.id, input)
            : await services.brands.create(license.clientId, input);
          process.stdout.write(`${JSON.stringify(brand, null, 2)}\n`);
        }),
    );
}
