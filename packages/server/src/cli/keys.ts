import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { JWT_ISSUERS, type JwtIssuer } from "../modules/auth/signing-keys.ts";

function issuersOf(value: string): JwtIssuer[] {
  if (value === "all") return [...JWT_ISSUERS];
  if ((JWT_ISSUERS as readonly string[]).includes(value)) return [value as JwtIssuer];
  throw new Error(`--issuer must be one of ${JWT_ISSUERS.join(", ")}, all`);
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command("keys").description("JWT signing keys");
  keys
    .command("list")
    .description("Print the published keys (JWKS) of each issuer, the active one first")
    .action(async () => {
      const { createServices } = await import("../services.ts");
      const services = await createServices({ ...loadConfig(), logLevel: "silent" });
      try {
        const out: Record<string, unknown> = {};
        for (const issuer of JWT_ISSUERS) out[issuer] = (await services.keys.jwks(issuer)).keys;
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } finally {
        await services.close();
      }
    });
  keys
    .command("rotate")
    .description(
      "Publish a new signing key and retire the current one; tokens it signed verify until they expire",
    )
    .option("--issuer <issuer>", "developer, vehicle or all", "all")
    .action(async (opts: { issuer: string }) => {
      const issuers = issuersOf(opts.issuer);
      const { createServices } = await import("../services.ts");
      const services = await createServices({ ...loadConfig(), logLevel: "silent" });
      try {
        for (const issuer of issuers) {
          const { kid, retired } = await services.keys.rotate(issuer);
          process.stdout.write(`${issuer}: active key ${kid}; retired ${retired.join(", ") || "none"}\n`);
        }
        process.stdout.write(
          "Running servers pick the new key up within a minute (at once on an unknown kid).\n",
        );
      } finally {
        await services.close();
      }
    });
}
