import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Webhook } from "standardwebhooks";
import { freePort } from "../../support/server-process.ts";

/**
 * The test side of the HTTPS receiver process (receiver-process.mjs): a self-signed certificate for
 * `localhost` and 127.0.0.1 made with the machine's openssl (node:crypto cannot write X.509), the
 * process, started and stopped on a fixed port, and what it logged.
 */

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "receiver-process.mjs");

export interface Certificate {
  dir: string;
  cert: string;
  key: string;
  remove(): void;
}

/** A self-signed P-256 certificate for localhost (DNS) and 127.0.0.1 (IP), valid for a day. */
export function selfSignedCertificate(): Certificate {
  const dir = mkdtempSync(path.join(tmpdir(), "keyfob-receiver-"));
  const cert = path.join(dir, "cert.pem");
  const key = path.join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  return { dir, cert, key, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface LoggedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface HttpsReceiver {
  port: number;
  /** `https://localhost:<port>` */
  origin: string;
  running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Every request logged so far, the ones from before a restart included. */
  requests(): LoggedRequest[];
  /** Deliveries (not handshakes) whose CloudEvent names this webhook, in arrival order. */
  deliveries(webhookId: string): LoggedRequest[];
}

export async function httpsReceiver(cert: Certificate, token = "verify-me"): Promise<HttpsReceiver> {
  const port = await freePort();
  const log = path.join(cert.dir, `requests-${port}.jsonl`);
  writeFileSync(log, "");
  let child: ReturnType<typeof spawn> | undefined;
  const receiver: HttpsReceiver = {
    port,
    origin: `https://localhost:${port}`,
    running: false,
    async start() {
      const proc = spawn(process.execPath, [script], {
        env: {
          ...process.env,
          RECEIVER_PORT: String(port),
          RECEIVER_CERT: cert.cert,
          RECEIVER_KEY: cert.key,
          RECEIVER_TOKEN: token,
          RECEIVER_LOG: log,
        },
        stdio: ["ignore", "pipe", "inherit"],
      });
      child = proc;
      await new Promise<void>((resolve, reject) => {
        let out = "";
        proc.stdout!.on("data", (chunk: Buffer) => {
          out += chunk.toString("utf8");
          if (out.includes("listening")) resolve();
        });
        proc.once("exit", (code) => reject(new Error(`the receiver exited (${code}) before listening`)));
      });
      receiver.running = true;
    },
    async stop() {
      const proc = child;
      child = undefined;
      receiver.running = false;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGTERM");
      await exited;
    },
    requests() {
      if (!existsSync(log)) return [];
      return readFileSync(log, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LoggedRequest);
    },
    deliveries(webhookId) {
      return receiver.requests().filter((r) => {
        if (r.body === '{"verification":"test"}') return false;
        try {
          return JSON.parse(r.body).data?.webhookId === webhookId;
        } catch {
          return false;
        }
      });
    },
  };
  await receiver.start();
  return receiver;
}

/** Verifies a logged delivery with the standardwebhooks package; returns the parsed CloudEvent. */
// biome-ignore lint/suspicious/noExplicitAny: a CloudEvent of any shape
export function verifyDelivery(secret: string, request: LoggedRequest): any {
  return new Webhook(secret).verify(request.body, request.headers);
}

export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
