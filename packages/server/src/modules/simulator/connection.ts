import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Sealer } from "../../secrets.ts";
import type { Connection, ConnectionService } from "../telemetry/connections.ts";

/**
 * The simulator posts as a connection named `simulator`, like any data source. Its credential is
 * shown only once by the connections service, so the simulator keeps it sealed (AES-GCM under the
 * installation secret) in the data directory, where `keyfob start`, `keyfob simulate` and
 * `keyfob seed --demo` find it; if the file is missing or stale the credential is rotated and
 * stored again. The connection, and so the `source` of every point, stays the same throughout:
 * that is what lets a repeated backfill land on the points it posted before.
 */

export const SIMULATOR_CONNECTION_NAME = "simulator";
const FILE = "simulator-credential";

export interface SimulatorConnection {
  connection: Connection;
  credential: string;
}

export interface SimulatorConnectionDeps {
  connections: Pick<
    ConnectionService,
    "list" | "create" | "allowVehicles" | "authenticate" | "rotateCredential"
  >;
  secret: string;
  dataDir: string;
}

function sealer(secret: string): Sealer {
  return new Sealer(secret, "simulator-credential");
}

function readStored(deps: SimulatorConnectionDeps): { connectionId: string; credential: string } | undefined {
  try {
    const text = sealer(deps.secret).open(readFileSync(path.join(deps.dataDir, FILE), "utf8").trim());
    const parsed = JSON.parse(text) as { connectionId?: unknown; credential?: unknown };
    if (typeof parsed.connectionId === "string" && typeof parsed.credential === "string")
      return { connectionId: parsed.connectionId, credential: parsed.credential };
  } catch {
    // Missing, unreadable or sealed under another secret: rotate below.
  }
  return undefined;
}

function store(deps: SimulatorConnectionDeps, connectionId: string, credential: string): void {
  const file = path.join(deps.dataDir, FILE);
  mkdirSync(deps.dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${sealer(deps.secret).seal(JSON.stringify({ connectionId, credential }))}\n`, {
    mode: 0o600,
  });
  renameSync(tmp, file);
}

/**
 * The `simulator` connection, allowed to post for `tokenIds` (added to what it had), and a working
 * credential for it. Idempotent: it creates the connection only the first time.
 */
export async function simulatorConnection(
  deps: SimulatorConnectionDeps,
  tokenIds: number[],
): Promise<SimulatorConnection> {
  const existing = (await deps.connections.list()).find(
    (c) => c.name === SIMULATOR_CONNECTION_NAME && c.disabledAt === null,
  );
  if (!existing) {
    const created = await deps.connections.create({ name: SIMULATOR_CONNECTION_NAME, tokenIds });
    store(deps, created.id, created.credential);
    return { connection: created, credential: created.credential };
  }
  await deps.connections.allowVehicles(existing.id, tokenIds);
  return { connection: existing, credential: await simulatorCredential(deps, existing.id) };
}

/** The stored credential if it still works, else a new one (stored). */
export async function simulatorCredential(
  deps: SimulatorConnectionDeps,
  connectionId: string,
): Promise<string> {
  const stored = readStored(deps);
  if (stored && stored.connectionId === connectionId) {
    const who = await deps.connections.authenticate(stored.credential);
    if (who?.id === connectionId) return stored.credential;
  }
  const credential = await deps.connections.rotateCredential(connectionId);
  store(deps, connectionId, credential);
  return credential;
}

/**
 * For a long-running poster: after a 401, the credential another process stored (it may have
 * rotated it), or a new one.
 */
export function credentialRefresher(
  deps: SimulatorConnectionDeps,
  connectionId: string,
): () => Promise<string> {
  return () => simulatorCredential(deps, connectionId);
}
