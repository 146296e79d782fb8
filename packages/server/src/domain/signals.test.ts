import { describe, expect, it } from "vitest";
import {
  APPROXIMATE_LOCATION,
  catalogEntry,
  EVENT_NAMES,
  isBooleanSignal,
  isKnownEvent,
  isKnownSignal,
  readingPrivileges,
  SIGNAL_CATALOG,
  SIGNALS,
  signalByName,
  valueMatchesType,
} from "./signals.ts";

describe("signal catalog (telemetry-api.md §9)", () => {
  it("holds all 116 generated signals plus the approximate location, each name once", () => {
    expect(SIGNALS.length).toBeGreaterThanOrEqual(116);
    expect(SIGNALS).toHaveLength(116);
    expect(SIGNAL_CATALOG).toHaveLength(117);
    expect(new Set(SIGNAL_CATALOG.map((s) => s.name)).size).toBe(SIGNAL_CATALOG.length);
    for (const s of SIGNAL_CATALOG) {
      expect(s.name).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(s.description.length, s.name).toBeGreaterThan(5);
    }
  });

  it.each([
    ["speed", "float", "km/h", "NLD"],
    ["angularVelocityYaw", "float", "degrees/s", "NLD"],
    ["currentLocationCoordinates", "location", "", "ATL"],
    ["currentLocationAltitude", "float", "m", "ATL"],
    ["currentLocationHeading", "float", "degrees", "ATL"],
    ["obdDTCList", "string", "", "NLD"],
    ["powertrainType", "string", "", "NLD"],
    ["powertrainTransmissionTravelledDistance", "float", "km", "NLD"],
    ["powertrainTractionBatteryStateOfChargeCurrent", "float", "percent", "NLD"],
    ["powertrainTractionBatteryCurrentPower", "float", "W", "NLD"],
    ["powertrainTractionBatteryChargingPower", "float", "kW", "NLD"],
    ["chassisAxleRow2WheelRightTirePressure", "float", "kPa", "NLD"],
    ["powertrainCombustionEngineTorque", "float", "Nm", "NLD"],
    ["obdFuelRate", "float", "l/h", "NLD"],
    ["serviceTimeToService", "float", "s", "NLD"],
    ["lowVoltageBatteryCurrentVoltage", "float", "V", "NLD"],
  ])("%s is %s in %s, read with %s", (name, type, unit, privilege) => {
    expect(signalByName(name)).toMatchObject({ name, type, unit, privilege, derived: false });
  });

  it("has exactly three location-privileged signals, one of them a location", () => {
    const atl = SIGNALS.filter((s) => s.privilege === "ATL").map((s) => s.name);
    expect(atl.sort()).toEqual([
      "currentLocationAltitude",
      "currentLocationCoordinates",
      "currentLocationHeading",
    ]);
    expect(SIGNALS.filter((s) => s.type === "location").map((s) => s.name)).toEqual([
      "currentLocationCoordinates",
    ]);
  });

  it("has the spec's six string signals", () => {
    expect(
      SIGNALS.filter((s) => s.type === "string")
        .map((s) => s.name)
        .sort(),
    ).toEqual([
      "obdDTCList",
      "obdFuelTypeName",
      "powertrainCombustionEngineEngineOilLevel",
      "powertrainFuelSystemSupportedFuelTypes",
      "powertrainTransmissionRetarderTorqueMode",
      "powertrainType",
    ]);
  });

  it("stores booleans as floats 0/1 (31 of them)", () => {
    const booleans = SIGNALS.filter(isBooleanSignal);
    expect(booleans).toHaveLength(31);
    for (const s of booleans) expect(s.type).toBe("float");
    const ignition = signalByName("isIgnitionOn")!;
    expect(isBooleanSignal(ignition)).toBe(true);
    expect(valueMatchesType(ignition, 0)).toBe(true);
    expect(valueMatchesType(ignition, 1)).toBe(true);
    expect(valueMatchesType(ignition, 0.5)).toBe(false);
    expect(valueMatchesType(ignition, true)).toBe(false);
  });

  it("marks the approximate location as derived, readable with APPROX or ATL", () => {
    expect(catalogEntry("currentLocationApproximateCoordinates")).toBe(APPROXIMATE_LOCATION);
    expect(APPROXIMATE_LOCATION).toMatchObject({
      type: "location",
      derived: true,
      from: "currentLocationCoordinates",
      h3Resolution: 6,
    });
    expect(readingPrivileges(APPROXIMATE_LOCATION)).toEqual(["APPROX", "ATL"]);
    expect(readingPrivileges(signalByName("speed")!)).toEqual(["NLD"]);
    // Computed at read time: never ingested.
    expect(isKnownSignal("currentLocationApproximateCoordinates")).toBe(false);
    expect(signalByName("currentLocationApproximateCoordinates")).toBeUndefined();
  });

  it("knows its names only", () => {
    expect(isKnownSignal("speed")).toBe(true);
    expect(isKnownSignal("Speed")).toBe(false);
    expect(isKnownSignal("vss.speed")).toBe(false);
    expect(isKnownSignal("toString")).toBe(false);
    expect(catalogEntry("__proto__")).toBeUndefined();
  });
});

describe("valueMatchesType", () => {
  const speed = signalByName("speed")!;
  const dtc = signalByName("obdDTCList")!;
  const location = signalByName("currentLocationCoordinates")!;

  it.each([
    [speed, 42.5, true],
    [speed, -3, true],
    [speed, Number.NaN, false],
    [speed, Number.POSITIVE_INFINITY, false],
    [speed, "42", false],
    [speed, null, false],
    [dtc, "P0300,P0171", true],
    [dtc, "", true],
    [dtc, 1, false],
    [location, { latitude: 52.52, longitude: 13.405, hdop: 0.9 }, true],
    [location, { latitude: -90, longitude: 180, hdop: 0 }, true],
    [location, { latitude: 90.01, longitude: 0, hdop: 1 }, false],
    [location, { latitude: 0, longitude: -180.5, hdop: 1 }, false],
    [location, { latitude: 0, longitude: 0, hdop: -1 }, false],
    [location, { latitude: 0, longitude: 0 }, false],
    [location, { latitude: "0", longitude: 0, hdop: 1 }, false],
    [location, [0, 0, 1], false],
  ])("%#: %j", (signal, value, ok) => {
    expect(valueMatchesType(signal, value)).toBe(ok);
  });
});

describe("event names (telemetry-api.md §7)", () => {
  it("lists the seven default event names", () => {
    expect([...EVENT_NAMES]).toEqual([
      "behavior.harshBraking",
      "behavior.harshAcceleration",
      "behavior.harshCornering",
      "behavior.extremeBraking",
      "safety.collision",
      "security.engineBlock",
      "security.engineUnblock",
    ]);
    expect(isKnownEvent("safety.collision")).toBe(true);
    expect(isKnownEvent("behavior.harshbraking")).toBe(false);
  });
});
