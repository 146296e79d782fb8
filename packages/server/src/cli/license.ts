import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { DEMO_DEVELOPER_EMAIL } from "../demo.ts";
import { redirectUriProblem } from "../domain/redirect-uri.ts";
import { invalidArgument, ServiceError } from "../errors.ts";

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
      const { createServices } = await import("../app.ts");
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
}
