import type { Migration, MigrationProvider } from "kysely";
import * as m0001 from "./0001_platform_core.ts";
import * as m0002 from "./0002_telemetry.ts";
import * as m0003 from "./0003_login.ts";
import * as m0004 from "./0004_triggers.ts";
import * as m0005 from "./0005_brand_images.ts";
import * as m0006 from "./0006_otp_send_limits.ts";

/** Every migration, in order. Listed statically so the compiled build and tsx both find them. */
export const migrations: Record<string, Migration> = {
  "0001_platform_core": m0001,
  "0002_telemetry": m0002,
  "0003_login": m0003,
  "0004_triggers": m0004,
  "0005_brand_images": m0005,
  "0006_otp_send_limits": m0006,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
