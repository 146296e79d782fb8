import { CITIES, type City } from "../../domain/simulation/city.ts";
import type { DrivingProfile, PowertrainType } from "../../domain/simulation/simulation.ts";

/** A vehicle the simulator drives. */
export interface SimulatedVehicle {
  tokenId: number;
  powertrainType: PowertrainType;
  profile: DrivingProfile;
  /** For the VIN's manufacturer code. */
  make?: string;
}

/** What every simulation of an installation shares: the seed and the city. */
export interface SimulationSettings {
  seed: string;
  city: City;
}

/**
 * The demo vehicles' simulation: one fixed seed, so `keyfob start`, `keyfob simulate` and
 * `keyfob seed --demo` all report the same timeline (a backfill and the live stream meet exactly).
 */
export const DEMO_SIMULATION: SimulationSettings = { seed: "keyfob-demo", city: CITIES.munich };

/**
 * Roles of the demo vehicles: the two that are shared with the demo license work shifts that
 * between them cover the whole day — the BEV as a ride-hailing car from 05:00 to 18:00 with a fast
 * charge at noon, the combustion car as a taxi in the lunch rush and through the night — so a
 * newcomer who queries them at any hour sees a vehicle on the move. The others commute.
 */
export function demoFleet(
  vehicles: ReadonlyArray<{ tokenId: number; powertrainType: string; make: string; sharedWithDemo: boolean }>,
): SimulatedVehicle[] {
  let rideshare = false;
  let taxi = false;
  return vehicles.map((v) => {
    const powertrainType = simulatedPowertrain(v.powertrainType);
    let profile: DrivingProfile = "commuter";
    if (v.sharedWithDemo && powertrainType === "BEV" && !rideshare) {
      profile = "rideshare";
      rideshare = true;
    } else if (v.sharedWithDemo && powertrainType === "ICE" && !taxi) {
      profile = "taxi";
      taxi = true;
    }
    return { tokenId: v.tokenId, powertrainType, profile, make: v.make };
  });
}

/** The registry's powertrain names are the simulator's; anything unknown drives as a combustion car. */
export function simulatedPowertrain(value: string): PowertrainType {
  return (["BEV", "PHEV", "HEV", "ICE", "FCEV"] as const).find((p) => p === value) ?? "ICE";
}
