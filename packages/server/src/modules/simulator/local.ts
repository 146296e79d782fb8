import type { DemoData } from "../../demo.ts";
import { DRIVING_PROFILES, type DrivingProfile } from "../../domain/simulation/simulation.ts";
import type { Services } from "../../services.ts";
import { credentialRefresher, simulatorConnection } from "./connection.ts";
import {
  DEMO_SIMULATION,
  demoFleet,
  type SimulatedVehicle,
  type SimulationSettings,
  simulatedPowertrain,
} from "./fleet.ts";
import { IngestClient } from "./ingest-client.ts";
import { type BackfillResult, type RunnerLogger, SimulatorRunner } from "./runner.ts";

/**
 * The simulator on a local installation: the `simulator` connection through the connections
 * service, then posts over HTTP to the server's ingestion endpoint like any other connection.
 */

export type LocalServices = Pick<Services, "connections" | "vehicles" | "signals" | "secret" | "config">;

export interface LocalSimulation {
  runner: SimulatorRunner;
  vehicles: SimulatedVehicle[];
  /** The connection's DID: the `source` of every point. */
  source: string;
}

/** Runner for these vehicles, posting to `url` as the `simulator` connection of this installation. */
export async function localSimulation(
  services: LocalServices,
  options: {
    url: string;
    vehicles: SimulatedVehicle[];
    settings?: SimulationSettings;
    logger?: RunnerLogger;
  },
): Promise<LocalSimulation> {
  const deps = {
    connections: services.connections,
    secret: services.secret,
    dataDir: services.config.dataDir,
  };
  const tokenIds = options.vehicles.map((v) => v.tokenId);
  const { connection, credential } = await simulatorConnection(deps, tokenIds);
  const client = new IngestClient({
    url: options.url,
    credential,
    refreshCredential: credentialRefresher(deps, connection.id),
  });
  const runner = new SimulatorRunner({
    ...(options.settings ?? DEMO_SIMULATION),
    client,
    vehicles: options.vehicles,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { runner, vehicles: options.vehicles, source: connection.source };
}

/** The registered vehicles with these token ids, as simulated vehicles (their registered powertrain). */
export async function registeredVehicles(
  services: Pick<Services, "vehicles">,
  tokenIds: number[],
  profile: DrivingProfile = "commuter",
): Promise<SimulatedVehicle[]> {
  const out: SimulatedVehicle[] = [];
  for (const tokenId of tokenIds) {
    const vehicle = await services.vehicles.find(tokenId);
    if (!vehicle) throw new Error(`No vehicle with token id ${tokenId}.`);
    out.push({
      tokenId,
      powertrainType: simulatedPowertrain(vehicle.definition.powertrainType),
      profile,
      make: vehicle.definition.make,
    });
  }
  return out;
}

export function isDrivingProfile(value: string): value is DrivingProfile {
  return (DRIVING_PROFILES as readonly string[]).includes(value);
}

export interface DemoSimulator {
  runner: SimulatorRunner;
  /** The background backfill of the days the simulator has not posted yet (up to `backfillDays`). */
  backfill: Promise<BackfillResult | undefined>;
  stop(): Promise<void>;
}

/**
 * `keyfob start` in the embedded mode: the demo vehicles drive live from now on; in the background,
 * the history since the simulator last posted (on a first start, `backfillDays` days) is filled in.
 */
export async function startDemoSimulator(
  services: LocalServices,
  demo: DemoData,
  options: { url: string; logger: RunnerLogger; backfillDays: number },
): Promise<DemoSimulator> {
  const vehicles = demoFleet(demo.vehicles);
  const { runner, source } = await localSimulation(services, {
    url: options.url,
    vehicles,
    logger: options.logger,
  });
  // Where each vehicle's posted data ends, read before the live stream adds to it.
  const lastSeen = new Map<number, number>();
  for (const v of vehicles) {
    const [latest] = await services.signals.latest(v.tokenId, { source, names: ["speed"] });
    if (latest) lastSeen.set(v.tokenId, latest.timestamp);
  }
  const until = Date.now();
  runner.start();
  const aborted = new AbortController();
  const backfill =
    options.backfillDays > 0
      ? runner
          .backfill({
            days: options.backfillDays,
            until,
            from: (v) => lastSeen.get(v.tokenId) ?? until - options.backfillDays * 86_400_000,
            concurrency: 1,
            signal: aborted.signal,
          })
          .then((result) => {
            if (result.batches > 0)
              options.logger.info(
                { signals: result.signals, events: result.events, seconds: Math.round(result.ms / 1000) },
                "simulator: history backfilled",
              );
            return result;
          })
          .catch((err: Error) => {
            if (!aborted.signal.aborted)
              options.logger.error({ err: err.message }, "simulator: backfill failed");
            return undefined;
          })
      : Promise.resolve(undefined);
  return {
    runner,
    backfill,
    async stop() {
      aborted.abort();
      await runner.stop();
      await backfill;
    },
  };
}

/**
 * `keyfob seed --demo`: the demo vehicles' last `days` days, posted to an ingestion endpoint at `url`.
 * Idempotent: a re-run posts the same points, which the store ignores.
 */
export async function backfillDemo(
  services: LocalServices,
  demo: DemoData,
  options: { url: string; days: number; until?: number; onProgress?: (signals: number) => void },
): Promise<BackfillResult> {
  const { runner } = await localSimulation(services, {
    url: options.url,
    vehicles: demoFleet(demo.vehicles),
  });
  return runner.backfill({
    days: options.days,
    ...(options.until !== undefined ? { until: options.until } : {}),
    concurrency: 2,
    ...(options.onProgress ? { onProgress: (p) => options.onProgress?.(p.signals + p.duplicates) } : {}),
  });
}
