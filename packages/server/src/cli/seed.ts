import { type Command, InvalidArgumentError } from "commander";
import { loadConfig } from "../config.ts";
import { formatDemo, seedDemo } from "../demo.ts";

function daysOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 365)
    throw new InvalidArgumentError("expected a whole number of days, 0 to 365");
  return n;
}

export function registerSeedCommand(program: Command): void {
  program
    .command("seed")
    .description("Create sample data")
    .requiredOption("--demo", "the demo license, API key, owner and four vehicles (idempotent)")
    .option(
      "--history-days <days>",
      "days of simulated telemetry history for the demo vehicles, posted through the ingestion API " +
        "(default: 7 when the simulator is on, as in the embedded mode unless KEYFOB_SIMULATOR=off; else 0)",
      daysOption,
    )
    .option("--json", "print the demo data as JSON and nothing else")
    .action(async (opts: { demo: boolean; json?: boolean; historyDays?: number }) => {
      const config = loadConfig();
      const historyDays = opts.historyDays ?? (config.simulator ? 7 : 0);
      // Keep stdout clean for --json: logs go nowhere.
      const { createServices } = await import("../services.ts");
      const services = await createServices({ ...config, logLevel: "silent" });
      try {
        const demo = await seedDemo(services);
        let history = "";
        if (historyDays > 0) {
          // The history goes in as any connection's data would: over HTTP, through ingestion (here
          // an in-process server on a loopback port). Deterministic points at fixed timestamps make a
          // re-run add nothing twice.
          const [{ buildApp }, { backfillDemo }] = await Promise.all([
            import("../app.ts"),
            import("../modules/simulator/local.ts"),
          ]);
          const app = await buildApp(services);
          try {
            const url = await app.listen({ host: "127.0.0.1", port: 0 });
            const result = await backfillDemo(services, demo, { url, days: historyDays });
            history =
              `Telemetry history: ${historyDays} days for ${result.vehicles} vehicles, ` +
              `${result.signals} new signals and ${result.events} new events ` +
              `(${result.duplicates} already stored) in ${(result.ms / 1000).toFixed(1)} s\n`;
          } finally {
            await app.close();
          }
        }
        process.stdout.write(opts.json ? `${JSON.stringify(demo, null, 2)}\n` : formatDemo(demo) + history);
      } finally {
        await services.close();
      }
    });
}
