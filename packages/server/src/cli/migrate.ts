import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { migrate, openStore } from "../store/index.ts";

export function registerMigrateCommand(program: Command): void {
  program
    .command("migrate")
    .description("Apply pending database migrations and exit")
    .action(async () => {
      const config = loadConfig();
      const store = openStore(config.databaseUrl);
      try {
        const applied = await migrate(store);
        process.stdout.write(
          applied.length ? `Applied: ${applied.join(", ")}\n` : "The database is up to date.\n",
        );
      } finally {
        await store.close();
      }
    });
}
