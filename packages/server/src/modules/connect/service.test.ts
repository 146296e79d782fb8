import { describe, expect, it } from "vitest";
import type { Vehicle } from "../vehicles/service.ts";
import { addOneYear, incompatibility } from "./service.ts";

const vehicle = (tokenId: number, make: string, powertrainType: string) =>
  ({ tokenId, definition: { make, powertrainType } }) as unknown as Vehicle;
const none = { vehicles: [], vehicleMakes: [], powertrainTypes: [] };

describe("vehicle filters (connect-protocol §6)", () => {
  it("an absent filter does not restrict", () => {
    expect(incompatibility(vehicle(1, "Tesla", "BEV"), none)).toEqual([]);
  });

  it("token ids compare as decimal strings; makes and powertrains case-insensitively; all reasons are named", () => {
    const request = { vehicles: ["1", "12"], vehicleMakes: ["tesla"], powertrainTypes: ["bev", "PHEV"] };
    expect(incompatibility(vehicle(12, "TESLA", "BEV"), request)).toEqual([]);
    expect(incompatibility(vehicle(2, "Ford", "ICE"), request)).toEqual([
      "vehicles",
      "vehicleMakes",
      "powertrainTypes",
    ]);
    expect(incompatibility(vehicle(1, "Tesla", "ICE"), request)).toEqual(["powertrainTypes"]);
  });
});

describe("extend (+1 calendar year)", () => {
  it.each([
    ["2031-02-28T00:00:00.000Z", "2032-02-28T00:00:00.000Z"],
    ["2032-02-29T12:00:00.000Z", "2033-03-01T12:00:00.000Z"],
    ["2030-12-31T23:59:59.000Z", "2031-12-31T23:59:59.000Z"],
  ])("%s → %s", (from, to) => {
    expect(new Date(addOneYear(Date.parse(from))).toISOString()).toBe(to);
  });
});
