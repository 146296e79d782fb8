import { type Command, InvalidArgumentError } from "commander";
import { loadConfig } from "../config.ts";
import { ServiceError } from "../errors.ts";
import type { Services } from "../services.ts";

function tokenIdOption(value: string, previous: number[]): number[] {
  if (!/^[1-9][0-9]{0,9}$/.test(value)) throw new InvalidArgumentError("expected a vehicle token id");
  return [...previous, Number(value)];
}

/** Runs `action` over the services, closing them after; a ServiceError exits 2 with its message. */
async function withServices(command: string, action: (services: Services) => Promise<void>): Promise<void> {
  const { createServices } = await import("../services.ts");
  const services = await createServices({ ...loadConfig(), logLevel: "silent" });
  try {
    await action(services);
  } catch (err) {
    if (err instanceof ServiceError) {
      process.stderr.write(`keyfob connection ${command}: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  } finally {
    await services.close();
  }
}

export function registerConnectionCommands(program: Command): void {
  const connection = program
    .command("connection")
    .description("Manage telemetry connections (the data sources that post to /v1/ingest)");

  connection
    .command("create")
    .description(
      "Create a connection allowed to post for the given vehicles; prints its credential (shown once)",
    )
    .requiredOption("--name <name>", "a name to recognise it by")
    .option("--vehicle <tokenId>", "a vehicle it may post for (repeat for several)", tokenIdOption, [])
    .option("--json", "print JSON")
    .action(async (opts: { name: string; vehicle: number[]; json?: boolean }) => {
      await withServices("create", async (services) => {
        const created = await services.connections.create({ name: opts.name, tokenIds: opts.vehicle });
        const out = {
          id: created.id,
          name: created.name,
          address: created.address,
          source: created.source,
          vehicles: created.tokenIds,
          credential: created.credential,
        };
        if (opts.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        else
          process.stdout.write(
            [
              `id          ${out.id}`,
              `name        ${out.name}`,
              `source      ${out.source}`,
              `vehicles    ${out.vehicles.join(", ") || "none"}`,
              `credential  ${out.credential}`,
              "",
              "The credential is shown only once: store it now.",
              `Post with: curl -H 'authorization: Bearer ${out.credential}' -H 'content-type: application/json' \\`,
              `  -d '{"tokenId": ${out.vehicles[0] ?? 1}, "signals": [{"name": "speed", "timestamp": ${Date.now()}, "value": 42}]}' \\`,
              `  ${services.config.publicUrl}/v1/ingest`,
              "",
            ].join("\n"),
          );
      });
    });

  connection
    .command("list")
    .description("List the connections and the vehicles each may post for")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withServices("list", async (services) => {
        const rows = [];
        for (const c of await services.connections.list())
          rows.push({
            id: c.id,
            name: c.name,
            source: c.source,
            vehicles: await services.connections.vehicleIds(c.id),
            disabledAt: c.disabledAt?.toISOString() ?? null,
          });
        if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        else
          for (const r of rows)
            process.stdout.write(
              `${r.id}  ${r.name}  ${r.source}  vehicles: ${r.vehicles.join(", ") || "none"}${r.disabledAt ? `  disabled ${r.disabledAt}` : ""}\n`,
            );
      });
    });

  connection
    .command("disable")
    .description("Disable a connection: its credential stops working at once; its data stays")
    .argument("<id>", "the connection id")
    .action(async (id: string) => {
      await withServices("disable", async (services) => {
        await services.connections.disable(id);
        process.stdout.write(`Connection ${id} is disabled.\n`);
      });
    });
}
