import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { formatDemo, seedDemo } from "../demo.ts";

export function registerSeedCommand(program: Command): void {
  program
    .command("seed")
    .description("Create sample data")
    .requiredOption("--demo", "the demo license, API key, owner and four vehicles (idempotent)")
    .option("--json", "print the demo data as JSON and nothing else")
    .action(async (opts: { demo: boolean; json?: boolean }) => {
      const config = loadConfig();
      // Keep stdout clean for --json: logs go nowhere.
      const { createServices } = await import("../app.ts");
      const services = await createServices({ ...config, logLevel: "silent" });
      try {
        const demo = await seedDemo(services);
        process.stdout.write(opts.json ? `${JSON.stringify(demo, null, 2)}\n` : formatDemo(demo));
      } finally {
        await services.close();
      }
    });
}
