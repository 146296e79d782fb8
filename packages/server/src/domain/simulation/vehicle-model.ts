/**
 * What a simulated vehicle is made of, per powertrain: battery, tank, consumption, tyres. Figures are
 * typical of the demo vehicles (a Model 3 Long Range, a Mustang GT, a Prius Prime, an Accord Hybrid).
 */

export type PowertrainType = "BEV" | "PHEV" | "HEV" | "ICE" | "FCEV";
export const SIMULATED_POWERTRAINS: readonly PowertrainType[] = ["BEV", "PHEV", "HEV", "ICE", "FCEV"];

export interface BatterySpec {
  grossKWh: number;
  usableKWh: number;
  /** Consumption on city streets and on fast roads, kWh/km (BEV and PHEV in EV mode). */
  kWhPerKm: { city: number; fast: number };
  /** Largest AC charging power, kW; 0 = not a plug-in. */
  acMaxKw: number;
  nominalVoltage: number;
  /** PHEV: below this state of charge the engine takes over (charge-sustaining). */
  sustainPct: number;
  stateOfHealthPct: number;
}

export interface FuelSpec {
  /** Litres (kg of hydrogen for FCEV). */
  tank: number;
  /** Consumption on city streets and on fast roads, per km. */
  perKm: { city: number; fast: number };
  idlePerHour: number;
  fuelType: string;
}

export interface VehicleModel {
  powertrain: PowertrainType;
  /** The `powertrainType` signal value. */
  powertrainTypeValue: "ELECTRIC" | "COMBUSTION" | "HYBRID";
  massKg: number;
  battery?: BatterySpec;
  fuel?: FuelSpec;
  /** Combustion engine (ICE and the hybrids). */
  engine: boolean;
  /** A gearbox with gears worth reporting (ICE). */
  gears: boolean;
  /** Cold tyre pressures front and rear, kPa. */
  tyreKpa: { front: number; rear: number };
}

export function vehicleModel(powertrain: PowertrainType): VehicleModel {
  switch (powertrain) {
    case "BEV":
      return {
        powertrain,
        powertrainTypeValue: "ELECTRIC",
        massKg: 1850,
        battery: {
          grossKWh: 82,
          usableKWh: 75,
          kWhPerKm: { city: 0.145, fast: 0.18 },
          acMaxKw: 11,
          nominalVoltage: 360,
          sustainPct: 0,
          stateOfHealthPct: 96.5,
        },
        engine: false,
        gears: false,
        tyreKpa: { front: 290, rear: 290 },
      };
    case "ICE":
      return {
        powertrain,
        powertrainTypeValue: "COMBUSTION",
        massKg: 1750,
        fuel: { tank: 61, perKm: { city: 0.125, fast: 0.085 }, idlePerHour: 0.9, fuelType: "GASOLINE" },
        engine: true,
        gears: true,
        tyreKpa: { front: 240, rear: 240 },
      };
    case "PHEV":
      return {
        powertrain,
        powertrainTypeValue: "HYBRID",
        massKg: 1550,
        battery: {
          grossKWh: 13.6,
          usableKWh: 10.9,
          kWhPerKm: { city: 0.125, fast: 0.16 },
          acMaxKw: 3.5,
          nominalVoltage: 351,
          sustainPct: 15,
          stateOfHealthPct: 98,
        },
        fuel: { tank: 43, perKm: { city: 0.042, fast: 0.05 }, idlePerHour: 0.6, fuelType: "GASOLINE" },
        engine: true,
        gears: false,
        tyreKpa: { front: 250, rear: 240 },
      };
    case "HEV":
      return {
        powertrain,
        powertrainTypeValue: "HYBRID",
        massKg: 1560,
        battery: {
          grossKWh: 1.3,
          usableKWh: 1.0,
          kWhPerKm: { city: 0, fast: 0 },
          acMaxKw: 0,
          nominalVoltage: 259,
          sustainPct: 0,
          stateOfHealthPct: 97,
        },
        fuel: { tank: 48.5, perKm: { city: 0.047, fast: 0.055 }, idlePerHour: 0.5, fuelType: "GASOLINE" },
        engine: true,
        gears: false,
        tyreKpa: { front: 230, rear: 230 },
      };
    case "FCEV":
      return {
        powertrain,
        powertrainTypeValue: "ELECTRIC",
        massKg: 1930,
        battery: {
          grossKWh: 1.6,
          usableKWh: 1.2,
          kWhPerKm: { city: 0, fast: 0 },
          acMaxKw: 0,
          nominalVoltage: 310,
          sustainPct: 0,
          stateOfHealthPct: 97,
        },
        fuel: { tank: 5.6, perKm: { city: 0.0085, fast: 0.0095 }, idlePerHour: 0.05, fuelType: "HYDROGEN" },
        engine: false,
        gears: false,
        tyreKpa: { front: 250, rear: 250 },
      };
  }
}

/** Consumption over a route: city metres at the city rate, fast metres at the fast rate. */
export function perMetre(rate: { city: number; fast: number }, length: number, fastMetres: number): number {
  if (length <= 0) return rate.city / 1000;
  return (rate.city * (length - fastMetres) + rate.fast * fastMetres) / 1000 / length;
}
