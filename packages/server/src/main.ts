#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { registerConfigurationCommands } from "./cli/configuration.ts";
import { registerConnectionCommands } from "./cli/connection.ts";
import { registerKeyCommands } from "./cli/keys.ts";
import { registerLicenseCommands } from "./cli/license.ts";
import { registerMigrateCommand } from "./cli/migrate.ts";
import { registerSeedCommand } from "./cli/seed.ts";
import { registerSimulateCommand } from "./cli/simulate.ts";
import { registerStartCommand } from "./cli/start.ts";
import { ConfigError } from "./config.ts";

const program = new Command()
  .name("keyfob")
  .description("Keyfob: a self-hostable vehicle-data consent platform, wire-compatible with DIMO Connect.")
  .showHelpAfterError()
  .exitOverride();

registerStartCommand(program);
registerMigrateCommand(program);
registerSeedCommand(program);
registerLicenseCommands(program);
registerConfigurationCommands(program);
registerKeyCommands(program);
registerConnectionCommands(program);
registerSimulateCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`keyfob: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
