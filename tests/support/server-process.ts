import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type FreshDatabase,
  freshDatabaseUrl,
  testEngine,
} from "../../packages/server/test/support/store.ts";

/**
 * Runs the real `keyfob` CLI (`node --import tsx packages/server/src/main.ts ...`) for integration
 * and end-to-end tests.
 */

/** The repository root (this file lives in tests/support). */
export const repoRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const mainTs = path.join(repoRoot, "packages/server/src/main.ts");

/** A fixed 43-character (32 bytes, base64url) installation secret for test servers on PostgreSQL. */
export const TEST_SECRET = "a2V5Zm9iLXRlc3Qtc2VjcmV0LW5vdC1mb3ItcHJvZA";

// Generous: on a loaded two-core machine (two workers, browsers, PostgreSQL) a cold start can take long.
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;
const MAX_LOG_CHARS = 2_000_000;

export interface StartServerOptions {
  /** Extra settings, applied last (they win over the defaults below). */
  env?: Record<string, string>;
  /**
   * Database to use. Omitted: a fresh PostgreSQL database when the test engine is postgres (dropped by
   * `stop`), else the SQLite file in the data dir. A given URL is never dropped by `stop`.
   */
  databaseUrl?: string;
  /**
   * Listen on this port instead of a free one, and use `http://localhost:<port>` as the public URL
   * (end-to-end tests: the official login SDK's `local` environment is http://localhost:3000).
   */
  port?: number;
}

export interface ServerProcess {
  /** Base URL, e.g. `http://127.0.0.1:41234` (also KEYFOB_PUBLIC_URL). */
  url: string;
  port: number;
  /** KEYFOB_DATA_DIR. A temporary dir created here is removed by `stop`; one given in `env` is kept. */
  dataDir: string;
  /** The KEYFOB_* settings the server runs with; pass them to `runCli` to act on the same installation. */
  env: Record<string, string>;
  /** Signals the process (default SIGTERM; SIGKILL after 10 s), waits for it to exit, then cleans up. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** The child process (exit code, pid) for tests of start-up and shutdown behaviour. */
  readonly process: ChildProcess;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Server processes that are still running: killed if the test worker exits without stopping them.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** The inherited environment without any KEYFOB_* setting of the machine running the tests. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("KEYFOB_")) env[key] = value;
  }
  return env;
}

/** An installation for CLI commands without a server: a data dir and a fresh database of the test engine. */
export interface CliInstallation {
  /** The KEYFOB_* settings to pass to `runCli`. */
  env: Record<string, string>;
  /** Drops the database and deletes the data dir. */
  remove(): Promise<void>;
}

/**
 * A data dir and a fresh database (a SQLite file in the dir, or a new PostgreSQL database when the
 * tests run on PostgreSQL, with the secret it requires). The simulator is off: CLI tests are about
 * the commands' own output (tests/simulator covers the history backfill).
 */
export async function cliInstallation(prefix = "keyfob-cli-"): Promise<CliInstallation> {
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  const db = await freshDatabaseUrl();
  return {
    env: {
      KEYFOB_DATA_DIR: dataDir,
      KEYFOB_DATABASE_URL: db.url,
      KEYFOB_SIMULATOR: "off",
      ...(testEngine() === "postgres" ? { KEYFOB_SECRET: TEST_SECRET } : {}),
    },
    async remove() {
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A port that was free a moment ago (listen on 0, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not determine a free port"));
        return;
      }
      server.close((err) => (err ? reject(err) : resolve(address.port)));
    });
  });
}

function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts `keyfob start` on a free port and waits until `GET /readyz` answers 200. */
export async function startServer(opts: StartServerOptions = {}): Promise<ServerProcess> {
  const port = opts.port ?? (await freePort());
  const url = opts.port === undefined ? `http://127.0.0.1:${port}` : `http://localhost:${port}`;

  const givenDataDir = opts.env?.KEYFOB_DATA_DIR;
  const dataDir = givenDataDir ?? mkdtempSync(path.join(tmpdir(), "keyfob-server-"));
  const ownsDataDir = givenDataDir === undefined;

  let fresh: FreshDatabase | undefined;
  let databaseUrl = opts.databaseUrl ?? opts.env?.KEYFOB_DATABASE_URL;
  if (databaseUrl === undefined) {
    if (testEngine() === "postgres") {
      fresh = await freshDatabaseUrl();
      databaseUrl = fresh.url;
    } else {
      databaseUrl = `sqlite:${path.join(dataDir, "keyfob.db")}`;
    }
  }

  const env: Record<string, string> = {
    KEYFOB_PORT: String(port),
    KEYFOB_HOST: "127.0.0.1",
    KEYFOB_PUBLIC_URL: url,
    KEYFOB_DATA_DIR: dataDir,
    KEYFOB_DATABASE_URL: databaseUrl,
    ...(isPostgresUrl(databaseUrl) ? { KEYFOB_SECRET: TEST_SECRET } : {}),
    KEYFOB_SIMULATOR: "off",
    KEYFOB_LOG_LEVEL: "warn",
    ...opts.env,
  };

  const cleanupResources = async (): Promise<void> => {
    const drop = fresh;
    fresh = undefined;
    try {
      await drop?.drop();
    } finally {
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  };

  let output = "";
  const append = (chunk: Buffer): void => {
    output += chunk.toString("utf8");
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS);
  };

  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ["--import", "tsx", mainTs, "start"], {
      cwd: repoRoot,
      env: { ...baseEnv(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    await cleanupResources();
    throw err;
  }
  live.add(child);
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  let spawnError: Error | undefined;
  child.once("error", (err) => {
    spawnError = err;
  });
  child.once("exit", () => live.delete(child));

  let stopped: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
    stopped ??= (async () => {
      const exited = waitForExit(child);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await cleanupResources();
    })();
    return stopped;
  };

  const describeExit = (): string =>
    child.signalCode !== null ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`;

  // Poll /readyz until it answers 200, the process dies, or the time is up.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastProblem = "no answer yet";
  for (;;) {
    if (spawnError) {
      // No process to wait for.
      live.delete(child);
      await cleanupResources();
      throw new Error(`keyfob start could not be spawned: ${spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`keyfob start exited before it was ready (${describeExit()}). Output:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 200) break;
      lastProblem = `GET /readyz answered ${res.status}`;
    } catch (err) {
      lastProblem = `GET /readyz failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() > deadline) {
      await stop("SIGKILL");
      throw new Error(
        `keyfob start was not ready within ${READY_TIMEOUT_MS / 1000} s (${lastProblem}). Output:\n${output}`,
      );
    }
    await delay(100);
  }

  return {
    url,
    port,
    dataDir,
    env,
    stop,
    logs: () => output,
    process: child,
  };
}

export interface RunCliOptions {
  /** Kill the CLI after this long (default 60 s); the result then has code null. */
  timeoutMs?: number;
  /** Written to the CLI's stdin (then closed). */
  input?: string;
}

/**
 * Runs `keyfob <args>` (`node --import tsx packages/server/src/main.ts ...args`) from the repository
 * root and collects its output. `env` is applied over the inherited environment without its KEYFOB_*
 * settings; pass a started server's `env` to work on the same installation.
 */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  options: RunCliOptions = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, ["--import", "tsx", mainTs, ...args], {
    cwd: repoRoot,
    env: { ...baseEnv(), ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  child.stdin.on("error", () => {});
  child.stdin.end(options.input ?? "");

  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      // "close" (not "exit"): all output has been read.
      child.once("close", (exitCode) => resolve(exitCode));
    });
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}
