import { type Command, InvalidArgumentError } from "commander";
import { loadConfig } from "../config.ts";

interface SimulateOptions {
  vehicle: Array<{ tokenId: number; powertrainType?: string }>;
  seed?: string;
  city?: string;
  profile?: string;
  backfillDays?: number;
  url?: string;
  credential?: string;
}

const POWERTRAINS = ["BEV", "PHEV", "HEV", "ICE", "FCEV"];

function vehicleOption(value: string, previous: SimulateOptions["vehicle"]): SimulateOptions["vehicle"] {
  const match = /^([1-9][0-9]{0,9})(?::([A-Za-z]+))?$/.exec(value);
  const powertrain = match?.[2]?.toUpperCase();
  if (!match || (powertrain && !POWERTRAINS.includes(powertrain)))
    throw new InvalidArgumentError(
      `expected a token id, optionally with a powertrain (${POWERTRAINS.join(", ")}): 7 or 7:BEV`,
    );
  return [...previous, { tokenId: Number(match[1]), ...(powertrain ? { powertrainType: powertrain } : {}) }];
}

function daysOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 365)
    throw new InvalidArgumentError("expected a whole number of days, 0 to 365");
  return n;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command("simulate")
    .description(
      "Drive simulated vehicles and post what they report to a server's ingestion API, live until Ctrl-C " +
        "(the demo vehicles unless --vehicle is given)",
    )
    .option(
      "--vehicle <tokenId[:powertrain]>",
      "a vehicle to simulate (repeat for several)",
      vehicleOption,
      [],
    )
    .option("--seed <seed>", "the same seed gives the same trips, at the same times")
    .option("--city <city>", "munich, san-francisco, or lat,lng[,radiusKm]")
    .option(
      "--profile <profile>",
      "how the --vehicle vehicles are used: commuter, rideshare or taxi",
      "commuter",
    )
    .option("--backfill-days <days>", "first post this many days of history", daysOption)
    .option("--url <url>", "the server to post to (default: KEYFOB_PUBLIC_URL)")
    .option(
      "--credential <credential>",
      "post with this connection credential instead of the local installation's `simulator` connection",
    )
    .action(async (opts: SimulateOptions) => {
      const config = loadConfig();
      const { parseCity } = await import("../domain/simulation/city.ts");
      const { DEMO_SIMULATION, simulatedPowertrain } = await import("../modules/simulator/fleet.ts");
      const { isDrivingProfile, localSimulation, registeredVehicles } = await import(
        "../modules/simulator/local.ts"
      );
      const { IngestClient } = await import("../modules/simulator/ingest-client.ts");
      const { SimulatorRunner } = await import("../modules/simulator/runner.ts");
      const settings = {
        seed: opts.seed ?? DEMO_SIMULATION.seed,
        city: opts.city ? parseCity(opts.city) : DEMO_SIMULATION.city,
      };
      if (!opts.profile || !isDrivingProfile(opts.profile))
        throw new Error("--profile must be commuter, rideshare or taxi");
      const profile = opts.profile;
      const url = (opts.url ?? config.publicUrl).replace(/\/+$/, "");
      await checkServer(url);
      const logger = {
        info: (_: object, msg: string) => process.stdout.write(`${msg}\n`),
        warn: (o: object, msg: string) => process.stderr.write(`${msg} ${JSON.stringify(o)}\n`),
        error: (o: object, msg: string) => process.stderr.write(`${msg} ${JSON.stringify(o)}\n`),
      };

      let runner: InstanceType<typeof SimulatorRunner>;
      let close = async () => {};
      if (opts.credential) {
        // A remote server: nothing local to look up; the powertrain comes with the token id.
        if (opts.vehicle.length === 0) throw new Error("--credential needs at least one --vehicle");
        const vehicles = opts.vehicle.map((v) => ({
          tokenId: v.tokenId,
          powertrainType: simulatedPowertrain(v.powertrainType ?? "ICE"),
          profile,
        }));
        runner = new SimulatorRunner({
          ...settings,
          client: new IngestClient({ url, credential: opts.credential }),
          vehicles,
          logger,
        });
      } else {
        const { createServices } = await import("../services.ts");
        const services = await createServices({ ...config, logLevel: "silent" });
        close = () => services.close();
        try {
          let vehicles: Awaited<ReturnType<typeof registeredVehicles>>;
          if (opts.vehicle.length === 0) {
            const { seedDemo } = await import("../demo.ts");
            const { demoFleet } = await import("../modules/simulator/fleet.ts");
            vehicles = demoFleet((await seedDemo(services)).vehicles);
          } else {
            vehicles = await registeredVehicles(
              services,
              opts.vehicle.map((v) => v.tokenId),
              profile,
            );
            vehicles = vehicles.map((v, i) => {
              const given = opts.vehicle[i]?.powertrainType;
              return given ? { ...v, powertrainType: simulatedPowertrain(given) } : v;
            });
          }
          runner = (await localSimulation(services, { url, vehicles, settings, logger })).runner;
        } catch (err) {
          await close();
          throw err;
        }
      }

      const names = runner.vehicles.map((v) => `#${v.tokenId} ${v.powertrainType} ${v.profile}`).join(", ");
      process.stdout.write(
        `Simulating ${names} in ${settings.city.name} (seed ${settings.seed}), posting to ${url}/v1/ingest\n`,
      );

      const stopping = new AbortController();
      let stopped = false;
      const stop = async (signal: string) => {
        if (stopped) return;
        stopped = true;
        stopping.abort();
        await runner.stop();
        await close();
        const s = runner.stats;
        process.stdout.write(
          `\n${signal}: stopped after posting ${s.signals} signals and ${s.events} events.\n`,
        );
        process.exit(0);
      };
      process.on("SIGINT", () => void stop("SIGINT"));
      process.on("SIGTERM", () => void stop("SIGTERM"));

      if (opts.backfillDays) {
        const days = opts.backfillDays;
        process.stdout.write(`Backfilling ${days} day${days === 1 ? "" : "s"} of history…\n`);
        const result = await runner.backfill({ days: opts.backfillDays, signal: stopping.signal });
        process.stdout.write(
          `Backfilled ${result.signals} signals and ${result.events} events (${result.duplicates} already there) in ${(result.ms / 1000).toFixed(1)} s.\n`,
        );
        if (stopped) return;
      }
      runner.start();
      process.stdout.write("Live. Ctrl-C stops.\n");
      // Keep the process alive (the runner's timer does not), with a line a minute.
      let last = 0;
      setInterval(() => {
        const s = runner.stats;
        process.stdout.write(`posted ${s.signals - last} signals in the last minute (${s.signals} in all)\n`);
        last = s.signals;
      }, 60_000);
    });
}

async function checkServer(url: string): Promise<void> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    if (res.ok) return;
  } catch {}
  throw new Error(`no Keyfob server answers at ${url} (start one with \`keyfob start\`, or pass --url)`);
}
