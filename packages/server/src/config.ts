import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { parseDurationMs } from "./domain/interval.ts";
import { DEFAULT_RETRY_SCHEDULE_MS, validateRetrySchedule } from "./domain/webhook-delivery.ts";

/** Every setting Keyfob reads, with its env name and a default that works on a laptop. */
const onOff = z
  .enum(["on", "off", "true", "false", "1", "0"])
  .transform((v) => v === "on" || v === "true" || v === "1");

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address");

// Requests per minute; 0 turns the limit off.
const perMinute = z.coerce.number().int().min(0).max(1_000_000);

const origin = z
  .string()
  .url()
  .refine((u) => !u.endsWith("/"), "must not end with a slash")
  .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL");

const settingsSchema = z.object({
  KEYFOB_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  KEYFOB_HOST: z.string().min(1).default("localhost"),
  KEYFOB_PUBLIC_URL: origin.optional(),
  KEYFOB_LOGIN_URL: origin.optional(),
  KEYFOB_DATA_DIR: z.string().min(1).default("./data"),
  KEYFOB_DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, "must start with sqlite: or postgres://")
    .optional(),
  KEYFOB_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  KEYFOB_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  // The From of sign-in emails; default `"<platform name>" <no-reply@<public URL host>>`.
  KEYFOB_MAIL_FROM: z.string().min(3).max(320).optional(),
  // The product name the login pages and emails show (connect-protocol.md §9 `{platform}`).
  KEYFOB_PLATFORM_NAME: z.string().trim().min(1).max(40).default("Keyfob"),
  // Development and tests only: `off` lifts the email-code send limits (security.md §6).
  KEYFOB_RATE_LIMIT_EMAIL_CODES: onOff.default(true),
  KEYFOB_SIMULATOR: onOff.optional(),
  KEYFOB_CHAIN_ID: z.coerce.number().int().positive().default(137),
  KEYFOB_CHAIN_RPC_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), "must be an http(s) JSON-RPC URL")
    .optional(),
  KEYFOB_VEHICLE_CONTRACT: address.default("0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF"),
  KEYFOB_LICENSE_CONTRACT: address.default("0x9A9D2E717bB005B240094ba761Ff074d392C7C85"),
  KEYFOB_JWT_ALG: z.enum(["ES256", "RS256"]).default("ES256"),
  KEYFOB_DEVELOPER_JWT_TTL: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86400)
    .default(86400),
  KEYFOB_WEBHOOK_ALLOW_LOOPBACK: onOff.default(false),
  // Offsets of the delivery attempts from the first, as Go durations (docs/webhooks.md).
  KEYFOB_WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .transform((text, ctx) => {
      try {
        return validateRetrySchedule(text.split(",").map((part) => parseDurationMs(part.trim())));
      } catch (err) {
        ctx.addIssue({
          code: "custom",
          message: `expected offsets such as 0s,30s,2m,10m,1h: ${(err as Error).message}`,
        });
        return z.NEVER;
      }
    })
    .optional(),
  // Consecutive failed deliveries after which a webhook turns `failed`.
  KEYFOB_WEBHOOK_MAX_FAILURES: z.coerce.number().int().min(1).max(1_000_000).default(10),
  KEYFOB_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  KEYFOB_TRUST_PROXY: onOff.default(false),
  KEYFOB_RATE_LIMIT_AUTH_PER_IP: perMinute.default(60),
  KEYFOB_RATE_LIMIT_AUTH_PER_CLIENT: perMinute.default(300),
  KEYFOB_RATE_LIMIT_EXCHANGE_PER_LICENSE: perMinute.default(6000),
  // Days of signal history and events to keep; 0 keeps everything. Latest values are always kept.
  KEYFOB_TELEMETRY_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
});

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  loginUrl: string;
  dataDir: string;
  databaseUrl: string;
  /** True when the store is the embedded SQLite file: dev conveniences (generated secret, outbox, simulator) apply. */
  embedded: boolean;
  secret: string | undefined;
  smtpUrl: string | undefined;
  /** From address of sign-in emails. */
  mailFrom: string;
  /** The product name on the login pages and in emails. */
  platformName: string;
  /** Email-code send limits per email and per IP (security.md §6); off only in development and tests. */
  emailCodeLimits: boolean;
  simulator: boolean;
  chainId: number;
  chainRpcUrl: string | undefined;
  vehicleContract: `0x${string}`;
  licenseContract: `0x${string}`;
  jwtAlg: "ES256" | "RS256";
  developerJwtTtlSeconds: number;
  webhookAllowLoopback: boolean;
  /** Offsets of a delivery's attempts from its first, ms (the last one failing makes it dead). */
  webhookRetryScheduleMs: readonly number[];
  webhookMaxFailures: number;
  logLevel: string;
  trustProxy: boolean;
  rateLimits: RateLimitSettings;
  /** Days of telemetry history to keep; 0 = forever. */
  telemetryRetentionDays: number;
}

/** Requests per minute (security.md §9); 0 turns a limit off. */
export interface RateLimitSettings {
  /** `generate_challenge` and `submit_challenge`, each, per client IP. */
  authPerIp: number;
  /** `generate_challenge` and `submit_challenge`, each, per `client_id`. */
  authPerClient: number;
  /** `POST /v1/tokens/exchange` per license (the developer JWT's `sub`). */
  exchangePerLicense: number;
}

export class ConfigError extends Error {}

/** Reads and validates the settings; a bad value fails with the name of the setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith("KEYFOB_") && v !== undefined && v !== ""),
  );
  const parsed = settingsSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid settings:\n  ${lines.join("\n  ")}`);
  }
  const s = parsed.data;
  const dataDir = path.resolve(s.KEYFOB_DATA_DIR);
  const databaseUrl = s.KEYFOB_DATABASE_URL ?? `sqlite:${path.join(dataDir, "keyfob.db")}`;
  const embedded = databaseUrl.startsWith("sqlite:");
  const publicUrl = s.KEYFOB_PUBLIC_URL ?? `http://localhost:${s.KEYFOB_PORT}`;
  return {
    port: s.KEYFOB_PORT,
    host: s.KEYFOB_HOST,
    publicUrl,
    loginUrl: s.KEYFOB_LOGIN_URL ?? publicUrl,
    dataDir,
    databaseUrl,
    embedded,
    secret: s.KEYFOB_SECRET,
    smtpUrl: s.KEYFOB_SMTP_URL,
    mailFrom: s.KEYFOB_MAIL_FROM ?? `"${s.KEYFOB_PLATFORM_NAME}" <no-reply@${new URL(publicUrl).hostname}>`,
    platformName: s.KEYFOB_PLATFORM_NAME,
    emailCodeLimits: s.KEYFOB_RATE_LIMIT_EMAIL_CODES,
    simulator: s.KEYFOB_SIMULATOR ?? embedded,
    chainId: s.KEYFOB_CHAIN_ID,
    chainRpcUrl: s.KEYFOB_CHAIN_RPC_URL,
    vehicleContract: s.KEYFOB_VEHICLE_CONTRACT as `0x${string}`,
    licenseContract: s.KEYFOB_LICENSE_CONTRACT as `0x${string}`,
    jwtAlg: s.KEYFOB_JWT_ALG,
    developerJwtTtlSeconds: s.KEYFOB_DEVELOPER_JWT_TTL,
    webhookAllowLoopback: s.KEYFOB_WEBHOOK_ALLOW_LOOPBACK,
    webhookRetryScheduleMs: s.KEYFOB_WEBHOOK_RETRY_SCHEDULE ?? DEFAULT_RETRY_SCHEDULE_MS,
    webhookMaxFailures: s.KEYFOB_WEBHOOK_MAX_FAILURES,
    logLevel: s.KEYFOB_LOG_LEVEL,
    trustProxy: s.KEYFOB_TRUST_PROXY,
    rateLimits: {
      authPerIp: s.KEYFOB_RATE_LIMIT_AUTH_PER_IP,
      authPerClient: s.KEYFOB_RATE_LIMIT_AUTH_PER_CLIENT,
      exchangePerLicense: s.KEYFOB_RATE_LIMIT_EXCHANGE_PER_LICENSE,
    },
    telemetryRetentionDays: s.KEYFOB_TELEMETRY_RETENTION_DAYS,
  };
}

/**
 * The installation secret that encrypts private keys at rest. KEYFOB_SECRET wins; the embedded
 * mode generates one into KEYFOB_DATA_DIR on first start; a PostgreSQL deployment must set it,
 * because replicas have to share it.
 */
export function resolveSecret(config: Config): string {
  if (config.secret) return config.secret;
  if (!config.embedded) {
    throw new ConfigError(
      "KEYFOB_SECRET: required when KEYFOB_DATABASE_URL is PostgreSQL (at least 32 characters)",
    );
  }
  const file = path.join(config.dataDir, "secret");
  if (existsSync(file)) {
    const value = readFileSync(file, "utf8").trim();
    if (value.length < 32)
      throw new ConfigError(`${file}: the generated secret is shorter than 32 characters`);
    return value;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const value = randomBytes(32).toString("base64url");
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: "wx" });
  return value;
}
