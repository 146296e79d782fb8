import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, resolveSecret } from "./config.ts";
import { createServices } from "./services.ts";

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "keyfob-config-"));
  tempDirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe("loadConfig defaults", () => {
  it("works on a laptop with nothing set", () => {
    const config = loadConfig({});
    expect(config).toEqual({
      port: 3000,
      host: "localhost",
      publicUrl: "http://localhost:3000",
      loginUrl: "http://localhost:3000",
      dataDir: path.resolve("./data"),
      databaseUrl: `sqlite:${path.resolve("./data/keyfob.db")}`,
      embedded: true,
      secret: undefined,
      smtpUrl: undefined,
      mailFrom: '"Keyfob" <no-reply@localhost>',
      platformName: "Keyfob",
      emailCodeLimits: true,
      simulator: true,
      chainId: 137,
      chainRpcUrl: undefined,
      vehicleContract: "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF",
      licenseContract: "0x9A9D2E717bB005B240094ba761Ff074d392C7C85",
      jwtAlg: "ES256",
      developerJwtTtlSeconds: 86400,
      webhookAllowLoopback: false,
      webhookRetryScheduleMs: [0, 30_000, 120_000, 600_000, 3_600_000, 21_600_000, 86_400_000],
      webhookMaxFailures: 10,
      logLevel: "info",
      trustProxy: false,
      rateLimits: { authPerIp: 60, authPerClient: 300, exchangePerLicense: 6000 },
      telemetryRetentionDays: 0,
    });
  });

  it("ignores unrelated variables and treats empty values as unset", () => {
    const config = loadConfig({
      PATH: "/bin",
      PORT: "1",
      KEYFOB_PORT: "",
      KEYFOB_SECRET: "",
      KEYFOB_JWT_ALG: "",
    });
    expect(config.port).toBe(3000);
    expect(config.secret).toBeUndefined();
    expect(config.jwtAlg).toBe("ES256");
  });

  it("derives the public URL from the port, and the login URL from the public URL", () => {
    expect(loadConfig({ KEYFOB_PORT: "8080" }).publicUrl).toBe("http://localhost:8080");
    const split = loadConfig({ KEYFOB_PUBLIC_URL: "https://keyfob.example.com" });
    expect(split.publicUrl).toBe("https://keyfob.example.com");
    expect(split.loginUrl).toBe("https://keyfob.example.com");
    expect(loadConfig({ KEYFOB_LOGIN_URL: "https://login.example.com" }).loginUrl).toBe(
      "https://login.example.com",
    );
  });

  it("puts the embedded database in KEYFOB_DATA_DIR, resolved to an absolute path", () => {
    const config = loadConfig({ KEYFOB_DATA_DIR: "var/kf" });
    expect(config.dataDir).toBe(path.resolve("var/kf"));
    expect(config.databaseUrl).toBe(`sqlite:${path.resolve("var/kf/keyfob.db")}`);
  });

  it("PostgreSQL is not the embedded mode: no simulator unless asked for", () => {
    const pg = loadConfig({ KEYFOB_DATABASE_URL: "postgres://kf@db.internal/keyfob" });
    expect(pg.embedded).toBe(false);
    expect(pg.simulator).toBe(false);
    expect(pg.databaseUrl).toBe("postgres://kf@db.internal/keyfob");
    expect(
      loadConfig({ KEYFOB_DATABASE_URL: "postgresql://kf@db/keyfob", KEYFOB_SIMULATOR: "on" }).simulator,
    ).toBe(true);
    expect(loadConfig({ KEYFOB_SIMULATOR: "off" }).simulator).toBe(false);
  });

  it.each([
    ["on", true],
    ["true", true],
    ["1", true],
    ["off", false],
    ["false", false],
    ["0", false],
  ])("reads the switch value %s as %s", (value, expected) => {
    const config = loadConfig({ KEYFOB_TRUST_PROXY: value, KEYFOB_WEBHOOK_ALLOW_LOOPBACK: value });
    expect(config.trustProxy).toBe(expected);
    expect(config.webhookAllowLoopback).toBe(expected);
  });

  it("reads the webhook retry schedule as Go durations and refuses one that does not ascend from 0", () => {
    const config = loadConfig({
      KEYFOB_WEBHOOK_RETRY_SCHEDULE: "0s, 200ms,1s,5m",
      KEYFOB_WEBHOOK_MAX_FAILURES: "3",
    });
    expect(config.webhookRetryScheduleMs).toEqual([0, 200, 1000, 300_000]);
    expect(config.webhookMaxFailures).toBe(3);
    expect(configError({ KEYFOB_WEBHOOK_RETRY_SCHEDULE: "1s,2s" }).message).toContain(
      "KEYFOB_WEBHOOK_RETRY_SCHEDULE: expected offsets such as 0s,30s,2m,10m,1h: the first attempt is at 0",
    );
    expect(configError({ KEYFOB_WEBHOOK_RETRY_SCHEDULE: "0s,2s,1s" }).message).toContain(
      "KEYFOB_WEBHOOK_RETRY_SCHEDULE: expected offsets such as 0s,30s,2m,10m,1h: offsets must ascend",
    );
    expect(configError({ KEYFOB_WEBHOOK_RETRY_SCHEDULE: "0s,1d" }).message).toContain("unknown unit");
  });

  it("reads numbers, addresses and enums", () => {
    const config = loadConfig({
      KEYFOB_CHAIN_ID: "80002",
      KEYFOB_VEHICLE_CONTRACT: "0x45fbcd3ef7361d156e8b16f5538ae36dedf61da8",
      KEYFOB_JWT_ALG: "RS256",
      KEYFOB_DEVELOPER_JWT_TTL: "3600",
      KEYFOB_LOG_LEVEL: "silent",
      KEYFOB_SMTP_URL: "smtp://mail.local:25",
      KEYFOB_CHAIN_RPC_URL: "http://127.0.0.1:8545",
      KEYFOB_TELEMETRY_RETENTION_DAYS: "30",
    });
    expect(config.telemetryRetentionDays).toBe(30);
    expect(config.chainRpcUrl).toBe("http://127.0.0.1:8545");
    expect(config.chainId).toBe(80002);
    expect(config.vehicleContract).toBe("0x45fbcd3ef7361d156e8b16f5538ae36dedf61da8");
    expect(config.jwtAlg).toBe("RS256");
    expect(config.developerJwtTtlSeconds).toBe(3600);
    expect(config.logLevel).toBe("silent");
    expect(config.smtpUrl).toBe("smtp://mail.local:25");
  });

  it("reads the login app's mail and naming settings", () => {
    const config = loadConfig({
      KEYFOB_PUBLIC_URL: "https://keyfob.example.com",
      KEYFOB_PLATFORM_NAME: "Fleet Connect",
      KEYFOB_RATE_LIMIT_EMAIL_CODES: "off",
    });
    expect(config.platformName).toBe("Fleet Connect");
    expect(config.mailFrom).toBe('"Fleet Connect" <no-reply@keyfob.example.com>');
    expect(config.emailCodeLimits).toBe(false);
    expect(loadConfig({ KEYFOB_MAIL_FROM: "Sign-in <login@example.com>" }).mailFrom).toBe(
      "Sign-in <login@example.com>",
    );
  });
});

describe("loadConfig validation names the bad setting", () => {
  it.each([
    ["KEYFOB_PORT", "abc"],
    ["KEYFOB_PORT", "70000"],
    ["KEYFOB_PORT", "80.5"],
    ["KEYFOB_PUBLIC_URL", "http://localhost:3000/"],
    ["KEYFOB_PUBLIC_URL", "ftp://files.example.com"],
    ["KEYFOB_PUBLIC_URL", "not a url"],
    ["KEYFOB_LOGIN_URL", "https://login.example.com/"],
    ["KEYFOB_DATABASE_URL", "mysql://root@localhost/keyfob"],
    ["KEYFOB_DATABASE_URL", "./keyfob.db"],
    ["KEYFOB_SECRET", "too-short"],
    ["KEYFOB_SMTP_URL", "http://mail.example.com"],
    ["KEYFOB_SIMULATOR", "maybe"],
    ["KEYFOB_CHAIN_ID", "0"],
    ["KEYFOB_CHAIN_ID", "-137"],
    ["KEYFOB_CHAIN_RPC_URL", "localhost:8545"],
    ["KEYFOB_VEHICLE_CONTRACT", "0x1234"],
    ["KEYFOB_LICENSE_CONTRACT", "9A9D2E717bB005B240094ba761Ff074d392C7C85"],
    ["KEYFOB_JWT_ALG", "HS256"],
    ["KEYFOB_DEVELOPER_JWT_TTL", "10"],
    ["KEYFOB_WEBHOOK_ALLOW_LOOPBACK", "yes"],
    ["KEYFOB_LOG_LEVEL", "loud"],
    ["KEYFOB_TRUST_PROXY", "2"],
    ["KEYFOB_TELEMETRY_RETENTION_DAYS", "-1"],
    ["KEYFOB_TELEMETRY_RETENTION_DAYS", "1.5"],
    ["KEYFOB_TELEMETRY_RETENTION_DAYS", "forever"],
  ])("%s=%s", (name, value) => {
    const err = configError({ [name]: value });
    expect(err.message).toContain(`${name}:`);
  });

  it("lists every bad setting at once", () => {
    const err = configError({ KEYFOB_PORT: "abc", KEYFOB_JWT_ALG: "HS256", KEYFOB_CHAIN_ID: "137" });
    expect(err.message).toContain("KEYFOB_PORT:");
    expect(err.message).toContain("KEYFOB_JWT_ALG:");
    expect(err.message).not.toContain("KEYFOB_CHAIN_ID");
  });

  it("does not echo a rejected secret", () => {
    const err = configError({ KEYFOB_SECRET: "hunter2-hunter2" });
    expect(err.message).toContain("KEYFOB_SECRET:");
    expect(err.message).not.toContain("hunter2");
  });
});

describe("resolveSecret", () => {
  const goodSecret = "k".repeat(40);

  it("KEYFOB_SECRET wins and nothing is written", () => {
    const dir = tempDir();
    const config = loadConfig({ KEYFOB_SECRET: goodSecret, KEYFOB_DATA_DIR: dir });
    expect(resolveSecret(config)).toBe(goodSecret);
    expect(() => statSync(path.join(dir, "secret"))).toThrow();
  });

  it("PostgreSQL without KEYFOB_SECRET fails with a ConfigError that names the setting", () => {
    const dir = tempDir();
    const config = loadConfig({
      KEYFOB_DATABASE_URL: "postgres://kf@127.0.0.1:1/keyfob",
      KEYFOB_DATA_DIR: dir,
    });
    expect(() => resolveSecret(config)).toThrow(ConfigError);
    expect(() => resolveSecret(config)).toThrow(/KEYFOB_SECRET.*PostgreSQL/);
    // Replicas must share the secret: none may be generated locally.
    expect(() => statSync(path.join(dir, "secret"))).toThrow();
  });

  it("createServices refuses to start on PostgreSQL without KEYFOB_SECRET, before touching the database", async () => {
    const config = loadConfig({
      KEYFOB_DATABASE_URL: "postgres://kf@127.0.0.1:1/keyfob",
      KEYFOB_LOG_LEVEL: "silent",
    });
    await expect(createServices(config)).rejects.toBeInstanceOf(ConfigError);
    await expect(createServices(config)).rejects.toThrow(/KEYFOB_SECRET/);
  });

  it("PostgreSQL with KEYFOB_SECRET uses it", () => {
    const config = loadConfig({
      KEYFOB_DATABASE_URL: "postgres://kf@127.0.0.1:1/keyfob",
      KEYFOB_SECRET: goodSecret,
    });
    expect(resolveSecret(config)).toBe(goodSecret);
  });

  it("the embedded mode generates a secret file once (mode 0600) and reuses it", () => {
    const dir = path.join(tempDir(), "nested", "data");
    const config = loadConfig({ KEYFOB_DATA_DIR: dir });
    const first = resolveSecret(config);
    expect(first.length).toBeGreaterThanOrEqual(32);

    const file = path.join(dir, "secret");
    const stat = statSync(file);
    expect(stat.mode & 0o777).toBe(0o600);
    const stored = readFileSync(file, "utf8");
    expect(stored.trim()).toBe(first);

    // A second start (a new config object, as after a restart) reads the same secret back.
    expect(resolveSecret(loadConfig({ KEYFOB_DATA_DIR: dir }))).toBe(first);
    expect(readFileSync(file, "utf8")).toBe(stored);
    expect(statSync(file).mtimeMs).toBe(stat.mtimeMs);
  });

  it("two data directories get two different secrets", () => {
    const a = resolveSecret(loadConfig({ KEYFOB_DATA_DIR: tempDir() }));
    const b = resolveSecret(loadConfig({ KEYFOB_DATA_DIR: tempDir() }));
    expect(a).not.toBe(b);
  });

  it("reuses a secret file written by an operator, ignoring surrounding whitespace", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "secret"), `  ${"o".repeat(48)}\n\n`, { mode: 0o600 });
    expect(resolveSecret(loadConfig({ KEYFOB_DATA_DIR: dir }))).toBe("o".repeat(48));
  });

  it("a secret file that is too short fails with a ConfigError naming the file", () => {
    const dir = tempDir();
    const file = path.join(dir, "secret");
    writeFileSync(file, "short\n", { mode: 0o600 });
    expect(() => resolveSecret(loadConfig({ KEYFOB_DATA_DIR: dir }))).toThrow(ConfigError);
    expect(() => resolveSecret(loadConfig({ KEYFOB_DATA_DIR: dir }))).toThrow(file);
  });
});
