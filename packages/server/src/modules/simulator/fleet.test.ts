import { describe, expect, it } from "vitest";
import { DEMO_VEHICLES } from "../../demo.ts";
import { createVehicleSimulation } from "../../domain/simulation/simulation.ts";
import { DEMO_SIMULATION, demoFleet } from "./fleet.ts";
import { simulatedVin, vinCheckDigit } from "./vin.ts";

const demoVehicles = DEMO_VEHICLES.map((v, i) => ({ ...v, tokenId: i + 1, sharedWithDemo: v.shared }));

describe("demoFleet", () => {
  it("gives the shared BEV and ICE the ride-hailing and taxi shifts; the others commute", () => {
    expect(demoFleet(demoVehicles).map((v) => [v.tokenId, v.powertrainType, v.profile])).toEqual([
      [1, "BEV", "rideshare"],
      [2, "ICE", "taxi"],
      [3, "PHEV", "commuter"],
      [4, "HEV", "commuter"],
    ]);
  });

  it("keeps a shared demo vehicle on the move at any hour (no pause of both longer than 8 minutes in two weeks)", () => {
    const start = Date.UTC(2026, 9, 5);
    const days = 14;
    const moving: number[] = [];
    for (const v of demoFleet(demoVehicles).filter((v) => v.profile !== "commuter")) {
      const sim = createVehicleSimulation({ ...v, ...DEMO_SIMULATION, start });
      for (let t = start; t < start + days * 86_400_000; ) {
        t += 6 * 3_600_000;
        for (const s of sim.step(t).signals)
          if (s.name === "speed" && (s.value as number) > 0) moving.push(s.timestamp);
      }
    }
    moving.sort((a, b) => a - b);
    let longest = moving[0]! - start;
    for (let i = 1; i < moving.length; i++) longest = Math.max(longest, moving[i]! - moving[i - 1]!);
    expect(longest).toBeLessThan(8 * 60_000);
  }, 60_000);
});

describe("simulatedVin", () => {
  it("computes the standard check digit", () => {
    // The textbook example of 49 CFR 565.
    expect(vinCheckDigit("1M8GDM9AXKP042788")).toBe("X");
    expect(vinCheckDigit("11111111111111111")).toBe("1");
  });

  it("makes valid, stable VINs with the make's manufacturer code", () => {
    const vin = simulatedVin(1, 42, "Tesla");
    expect(vin).toMatch(/^5YJ[A-HJ-NPR-Z0-9]{14}$/);
    expect(vin[8]).toBe(vinCheckDigit(vin));
    expect(simulatedVin(1, 42, "Tesla")).toBe(vin);
    expect(simulatedVin(2, 42, "Tesla")).not.toBe(vin);
    expect(simulatedVin(3, 42)).toMatch(/^5KF/);
  });
});
