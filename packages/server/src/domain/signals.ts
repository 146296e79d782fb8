/**
 * The signal catalog (telemetry-api.md §9): every signal a vehicle can report, with its value type,
 * unit and the privilege that reads it, plus the derived approximate location and the event names
 * (§7). It drives ingestion validation, the Telemetry GraphQL schema, `availableSignals` and the
 * webhook signal list. Booleans are floats 0/1, as the official API stores them.
 */

export type SignalType = "float" | "string" | "location";

/** Privilege classes: NLD = VEHICLE_NON_LOCATION_DATA, ATL = VEHICLE_ALL_TIME_LOCATION, APPROX = VEHICLE_APPROXIMATE_LOCATION. */
export type SignalPrivilege = "NLD" | "ATL" | "APPROX";

/** The Telemetry API's `Privilege` enum value of each class. */
export const SIGNAL_PRIVILEGE_ENUM = {
  NLD: "VEHICLE_NON_LOCATION_DATA",
  ATL: "VEHICLE_ALL_TIME_LOCATION",
  APPROX: "VEHICLE_APPROXIMATE_LOCATION",
} as const satisfies Record<SignalPrivilege, string>;

/** Unit of the float signals that carry a boolean as 0 or 1. */
export const BOOLEAN_UNIT = "bool";

/** A stored signal: ingested, kept in history and latest. */
export interface SignalDefinition {
  name: string;
  type: SignalType;
  /** The spec's unit; `bool` for 0/1 floats; empty where the spec has none. */
  unit: string;
  /** The privilege that reads it. */
  privilege: "NLD" | "ATL";
  description: string;
  derived: false;
}

/** A field computed from a stored signal at read time; never ingested. */
export interface DerivedSignalDefinition {
  name: string;
  type: "location";
  unit: string;
  /** Any one of these privileges reads it. */
  oneOfPrivileges: readonly SignalPrivilege[];
  description: string;
  derived: true;
  /** The stored signal it is computed from. */
  from: string;
  /** Coordinates are replaced by the centre of their H3 cell at this resolution (§5). */
  h3Resolution: number;
}

export type CatalogEntry = SignalDefinition | DerivedSignalDefinition;

type Row = [name: string, type: SignalType, unit: string, privilege: "NLD" | "ATL", description: string];

const B = BOOLEAN_UNIT;

// biome-ignore format: one signal a line reads as the spec's table.
const ROWS: Row[] = [
  ["angularVelocityYaw", "float", "degrees/s", "NLD", "Vehicle rotation rate around its vertical axis."],
  ["bodyLightsIsAirbagWarningOn", "float", B, "NLD", "Airbag warning light is on."],
  ["bodyLockIsLocked", "float", B, "NLD", "Central lock is locked."],
  ["bodyTrunkFrontIsOpen", "float", B, "NLD", "Front trunk (frunk) is open."],
  ["bodyTrunkRearIsOpen", "float", B, "NLD", "Rear trunk is open."],
  ["cabinDoorRow1DriverSideIsOpen", "float", B, "NLD", "Front driver-side door is open."],
  ["cabinDoorRow1DriverSideWindowIsOpen", "float", B, "NLD", "Front driver-side window is open."],
  ["cabinDoorRow1PassengerSideIsOpen", "float", B, "NLD", "Front passenger-side door is open."],
  ["cabinDoorRow1PassengerSideWindowIsOpen", "float", B, "NLD", "Front passenger-side window is open."],
  ["cabinDoorRow2DriverSideIsOpen", "float", B, "NLD", "Rear driver-side door is open."],
  ["cabinDoorRow2DriverSideWindowIsOpen", "float", B, "NLD", "Rear driver-side window is open."],
  ["cabinDoorRow2PassengerSideIsOpen", "float", B, "NLD", "Rear passenger-side door is open."],
  ["cabinDoorRow2PassengerSideWindowIsOpen", "float", B, "NLD", "Rear passenger-side window is open."],
  ["cabinSeatRow1DriverSideIsBelted", "float", B, "NLD", "Driver seat belt is fastened."],
  ["cabinSeatRow1PassengerSideIsBelted", "float", B, "NLD", "Front passenger seat belt is fastened."],
  ["cabinSeatRow2DriverSideIsBelted", "float", B, "NLD", "Second-row driver-side seat belt is fastened."],
  ["cabinSeatRow2MiddleIsBelted", "float", B, "NLD", "Second-row middle seat belt is fastened."],
  ["cabinSeatRow2PassengerSideIsBelted", "float", B, "NLD", "Second-row passenger-side seat belt is fastened."],
  ["cabinSeatRow3DriverSideIsBelted", "float", B, "NLD", "Third-row driver-side seat belt is fastened."],
  ["cabinSeatRow3PassengerSideIsBelted", "float", B, "NLD", "Third-row passenger-side seat belt is fastened."],
  ["chassisAxleRow1WheelLeftSpeed", "float", "km/h", "NLD", "Rotational speed of the front left wheel as road speed."],
  ["chassisAxleRow1WheelLeftTirePressure", "float", "kPa", "NLD", "Front left tire pressure."],
  ["chassisAxleRow1WheelRightSpeed", "float", "km/h", "NLD", "Rotational speed of the front right wheel as road speed."],
  ["chassisAxleRow1WheelRightTirePressure", "float", "kPa", "NLD", "Front right tire pressure."],
  ["chassisAxleRow2WheelLeftTirePressure", "float", "kPa", "NLD", "Rear left tire pressure."],
  ["chassisAxleRow2WheelRightTirePressure", "float", "kPa", "NLD", "Rear right tire pressure."],
  ["chassisAxleRow3Weight", "float", "kg", "NLD", "Load on the third axle (trucks)."],
  ["chassisAxleRow4Weight", "float", "kg", "NLD", "Load on the fourth axle (trucks)."],
  ["chassisAxleRow5Weight", "float", "kg", "NLD", "Load on the fifth axle (trucks)."],
  ["chassisBrakeABSIsWarningOn", "float", B, "NLD", "ABS warning light is on."],
  ["chassisBrakeCircuit1PressurePrimary", "float", "kPa", "NLD", "Primary pressure of brake circuit 1."],
  ["chassisBrakeCircuit2PressurePrimary", "float", "kPa", "NLD", "Primary pressure of brake circuit 2."],
  ["chassisBrakeIsPedalPressed", "float", B, "NLD", "Brake pedal is pressed."],
  ["chassisBrakePedalPosition", "float", "percent", "NLD", "Brake pedal travel, 0 = released, 100 = fully pressed."],
  ["chassisParkingBrakeIsEngaged", "float", B, "NLD", "Parking brake is engaged."],
  ["chassisTireSystemIsWarningOn", "float", B, "NLD", "Tire pressure monitoring warning is on."],
  ["connectivityCellularIsJammingDetected", "float", B, "NLD", "Cellular jamming is detected."],
  ["currentLocationAltitude", "float", "m", "ATL", "Altitude above sea level."],
  ["currentLocationCoordinates", "location", "", "ATL", "Latitude, longitude (WGS 84) and HDOP of the current location."],
  ["currentLocationHeading", "float", "degrees", "ATL", "Heading relative to true north, clockwise."],
  ["exteriorAirTemperature", "float", "celsius", "NLD", "Outside air temperature."],
  ["isIgnitionOn", "float", B, "NLD", "Ignition is on."],
  ["lowVoltageBatteryCurrentVoltage", "float", "V", "NLD", "Voltage of the low-voltage (12 V) battery."],
  ["obdBarometricPressure", "float", "kPa", "NLD", "Barometric pressure (OBD PID 33)."],
  ["obdCommandedEGR", "float", "percent", "NLD", "Commanded exhaust gas recirculation (OBD PID 2C)."],
  ["obdCommandedEVAP", "float", "percent", "NLD", "Commanded evaporative purge (OBD PID 2E)."],
  ["obdDTCList", "string", "", "NLD", "Diagnostic trouble codes currently reported, comma-separated."],
  ["obdDistanceSinceDTCClear", "float", "km", "NLD", "Distance travelled since the trouble codes were cleared (OBD PID 31)."],
  ["obdDistanceWithMIL", "float", "km", "NLD", "Distance travelled with the malfunction indicator lamp on (OBD PID 21)."],
  ["obdEngineLoad", "float", "percent", "NLD", "Calculated engine load (OBD PID 04)."],
  ["obdEthanolPercent", "float", "percent", "NLD", "Ethanol fuel share (OBD PID 52)."],
  ["obdFuelPressure", "float", "kPa", "NLD", "Fuel pressure (OBD PID 0A)."],
  ["obdFuelRailPressure", "float", "kPa", "NLD", "Fuel rail pressure (OBD PID 23)."],
  ["obdFuelRate", "float", "l/h", "NLD", "Engine fuel rate (OBD PID 5E)."],
  ["obdFuelTypeName", "string", "", "NLD", "Fuel type reported over OBD (PID 51)."],
  ["obdIntakeTemp", "float", "celsius", "NLD", "Intake air temperature (OBD PID 0F)."],
  ["obdIsEngineBlocked", "float", B, "NLD", "Engine start is blocked by the device."],
  ["obdIsPTOActive", "float", B, "NLD", "Power take-off is active."],
  ["obdIsPluggedIn", "float", B, "NLD", "The OBD device is plugged in."],
  ["obdLongTermFuelTrim1", "float", "percent", "NLD", "Long-term fuel trim, bank 1 (OBD PID 07)."],
  ["obdLongTermFuelTrim2", "float", "percent", "NLD", "Long-term fuel trim, bank 2 (OBD PID 09)."],
  ["obdMAP", "float", "kPa", "NLD", "Intake manifold absolute pressure (OBD PID 0B)."],
  ["obdMaxMAF", "float", "g/s", "NLD", "Maximum mass air flow sensor value (OBD PID 50)."],
  ["obdO2WRSensor1Voltage", "float", "V", "NLD", "Wide-range oxygen sensor 1 voltage."],
  ["obdO2WRSensor2Voltage", "float", "V", "NLD", "Wide-range oxygen sensor 2 voltage."],
  ["obdOilTemperature", "float", "celsius", "NLD", "Engine oil temperature (OBD PID 5C)."],
  ["obdRunTime", "float", "s", "NLD", "Run time since engine start (OBD PID 1F)."],
  ["obdShortTermFuelTrim1", "float", "percent", "NLD", "Short-term fuel trim, bank 1 (OBD PID 06)."],
  ["obdStatusDTCCount", "float", "count", "NLD", "Number of confirmed trouble codes (OBD PID 01)."],
  ["obdThrottlePosition", "float", "percent", "NLD", "Throttle position (OBD PID 11)."],
  ["obdWarmupsSinceDTCClear", "float", "count", "NLD", "Warm-ups since the trouble codes were cleared (OBD PID 30)."],
  ["powertrainCombustionEngineDieselExhaustFluidCapacity", "float", "l", "NLD", "Capacity of the diesel exhaust fluid tank."],
  ["powertrainCombustionEngineDieselExhaustFluidLevel", "float", "percent", "NLD", "Diesel exhaust fluid level."],
  ["powertrainCombustionEngineECT", "float", "celsius", "NLD", "Engine coolant temperature."],
  ["powertrainCombustionEngineEOP", "float", "kPa", "NLD", "Engine oil pressure."],
  ["powertrainCombustionEngineEOT", "float", "celsius", "NLD", "Engine oil temperature."],
  ["powertrainCombustionEngineEngineOilLevel", "string", "", "NLD", "Engine oil level: CRITICALLY_LOW, LOW, NORMAL, HIGH or CRITICALLY_HIGH."],
  ["powertrainCombustionEngineEngineOilRelativeLevel", "float", "percent", "NLD", "Engine oil level relative to its capacity."],
  ["powertrainCombustionEngineMAF", "float", "g/s", "NLD", "Mass air flow."],
  ["powertrainCombustionEngineSpeed", "float", "rpm", "NLD", "Engine speed."],
  ["powertrainCombustionEngineTPS", "float", "percent", "NLD", "Throttle position sensor."],
  ["powertrainCombustionEngineTorque", "float", "Nm", "NLD", "Current engine torque."],
  ["powertrainCombustionEngineTorquePercent", "float", "percent", "NLD", "Current engine torque relative to its maximum."],
  ["powertrainFuelSystemAbsoluteLevel", "float", "l", "NLD", "Fuel in the tank."],
  ["powertrainFuelSystemAccumulatedConsumption", "float", "l", "NLD", "Fuel consumed since the start of the current trip."],
  ["powertrainFuelSystemRelativeLevel", "float", "percent", "NLD", "Fuel level relative to the tank's capacity."],
  ["powertrainFuelSystemSupportedFuelTypes", "string", "", "NLD", "Fuel types the vehicle supports, such as GASOLINE, DIESEL or E85."],
  ["powertrainRange", "float", "km", "NLD", "Remaining range on all energy sources."],
  ["powertrainTractionBatteryChargingAddedEnergy", "float", "kWh", "NLD", "Energy added in the current or last charging session."],
  ["powertrainTractionBatteryChargingChargeCurrentAC", "float", "A", "NLD", "AC charging current."],
  ["powertrainTractionBatteryChargingChargeLimit", "float", "percent", "NLD", "Target state of charge of the charging session."],
  ["powertrainTractionBatteryChargingChargeVoltageUnknownType", "float", "V", "NLD", "Charging voltage, AC or DC not known."],
  ["powertrainTractionBatteryChargingIsCharging", "float", B, "NLD", "The traction battery is charging."],
  ["powertrainTractionBatteryChargingIsChargingCableConnected", "float", B, "NLD", "A charging cable is connected."],
  ["powertrainTractionBatteryChargingPower", "float", "kW", "NLD", "Charging power."],
  ["powertrainTractionBatteryCurrentPower", "float", "W", "NLD", "Power into (positive) or out of (negative) the traction battery."],
  ["powertrainTractionBatteryCurrentVoltage", "float", "V", "NLD", "Traction battery voltage."],
  ["powertrainTractionBatteryGrossCapacity", "float", "kWh", "NLD", "Gross capacity of the traction battery."],
  ["powertrainTractionBatteryRange", "float", "km", "NLD", "Remaining range on the traction battery."],
  ["powertrainTractionBatteryStateOfChargeCurrent", "float", "percent", "NLD", "State of charge of the traction battery."],
  ["powertrainTractionBatteryStateOfChargeCurrentEnergy", "float", "kWh", "NLD", "Energy stored in the traction battery."],
  ["powertrainTractionBatteryStateOfHealth", "float", "percent", "NLD", "Traction battery health relative to new."],
  ["powertrainTractionBatteryTemperatureAverage", "float", "celsius", "NLD", "Average traction battery temperature."],
  ["powertrainTransmissionActualGear", "float", "", "NLD", "Gear engaged: 0 = neutral, negative = reverse."],
  ["powertrainTransmissionActualGearRatio", "float", "ratio", "NLD", "Ratio of the gear engaged."],
  ["powertrainTransmissionCurrentGear", "float", "", "NLD", "Gear currently in use: 0 = neutral, negative = reverse."],
  ["powertrainTransmissionIsClutchSwitchOperated", "float", B, "NLD", "The clutch pedal switch is operated."],
  ["powertrainTransmissionRetarderActualTorque", "float", "percent", "NLD", "Actual retarder torque relative to its maximum."],
  ["powertrainTransmissionRetarderTorqueMode", "string", "", "NLD", "Retarder torque mode."],
  ["powertrainTransmissionSelectedGear", "float", "", "NLD", "Gear selected by the driver: 0 = neutral, negative = reverse, 126 = park, 127 = drive."],
  ["powertrainTransmissionTemperature", "float", "celsius", "NLD", "Transmission temperature."],
  ["powertrainTransmissionTravelledDistance", "float", "km", "NLD", "Odometer: total distance travelled."],
  ["powertrainType", "string", "", "NLD", "Powertrain: COMBUSTION, HYBRID or ELECTRIC."],
  ["serviceDistanceToService", "float", "km", "NLD", "Distance left until the next service."],
  ["serviceTimeToService", "float", "s", "NLD", "Time left until the next service."],
  ["speed", "float", "km/h", "NLD", "Vehicle speed."],
];

/** The stored signals, by name (telemetry-api.md §9, 116 of them). */
export const SIGNALS: readonly SignalDefinition[] = Object.freeze(
  ROWS.map(([name, type, unit, privilege, description]) =>
    Object.freeze({ name, type, unit, privilege, description, derived: false as const }),
  ),
);

/** `currentLocationApproximateCoordinates` (§5): the stored location snapped to its H3 resolution-6 cell centre. */
export const APPROXIMATE_LOCATION: DerivedSignalDefinition = Object.freeze({
  name: "currentLocationApproximateCoordinates",
  type: "location",
  unit: "",
  oneOfPrivileges: Object.freeze(["APPROX", "ATL"] as const),
  description: "Current location snapped to the centre of its H3 resolution-6 cell; HDOP unchanged.",
  derived: true,
  from: "currentLocationCoordinates",
  h3Resolution: 6,
});

/** Every field the Telemetry API exposes per signal: the stored signals, then the derived one. */
export const SIGNAL_CATALOG: readonly CatalogEntry[] = Object.freeze([...SIGNALS, APPROXIMATE_LOCATION]);

/** Event names (telemetry-api.md §7, model-garage `default-event-names.yaml`). */
export const EVENT_NAMES = Object.freeze([
  "behavior.harshBraking",
  "behavior.harshAcceleration",
  "behavior.harshCornering",
  "behavior.extremeBraking",
  "safety.collision",
  "security.engineBlock",
  "security.engineUnblock",
] as const);

export type EventName = (typeof EVENT_NAMES)[number];

const byNameIndex = new Map<string, CatalogEntry>(SIGNAL_CATALOG.map((s) => [s.name, s]));
const eventNames = new Set<string>(EVENT_NAMES);

/** The catalog entry (stored or derived) of a name. */
export function catalogEntry(name: string): CatalogEntry | undefined {
  return byNameIndex.get(name);
}

/** The stored signal of a name; undefined for unknown and derived names. */
export function signalByName(name: string): SignalDefinition | undefined {
  const entry = byNameIndex.get(name);
  return entry && !entry.derived ? entry : undefined;
}

/** True for the names a connection may ingest (stored signals; the derived field is computed). */
export function isKnownSignal(name: string): boolean {
  return signalByName(name) !== undefined;
}

export function isKnownEvent(name: string): name is EventName {
  return eventNames.has(name);
}

export function isBooleanSignal(signal: Pick<SignalDefinition, "unit">): boolean {
  return signal.unit === BOOLEAN_UNIT;
}

/** The privileges of which any one reads the entry. */
export function readingPrivileges(entry: CatalogEntry): readonly SignalPrivilege[] {
  return entry.derived ? entry.oneOfPrivileges : [entry.privilege];
}

/**
 * Whether a value has the signal's type: a finite number for floats (0 or 1 for booleans), a
 * string for strings, and `{latitude, longitude, hdop}` in range for locations.
 */
export function valueMatchesType(signal: Pick<SignalDefinition, "type" | "unit">, value: unknown): boolean {
  switch (signal.type) {
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value)) return false;
      return !isBooleanSignal(signal) || value === 0 || value === 1;
    case "string":
      return typeof value === "string";
    case "location":
      return isLocation(value);
  }
}

function isLocation(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const { latitude, longitude, hdop } = value as Record<string, unknown>;
  return (
    isFiniteIn(latitude, -90, 90) && isFiniteIn(longitude, -180, 180) && isFiniteIn(hdop, 0, Number.MAX_VALUE)
  );
}

function isFiniteIn(value: unknown, min: number, max: number): boolean {
  return typeof value === "number" && Number.isFinite(value) && value >= min && value <= max;
}
