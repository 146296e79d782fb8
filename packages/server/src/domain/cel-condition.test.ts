import { describe, expect, it } from "vitest";
import {
  ConditionError,
  type ConditionKind,
  compileCondition,
  eventVariables,
  MAX_CONDITION_LENGTH,
  signalVariables,
} from "./cel-condition.ts";

const FLOAT: ConditionKind = { service: "signals", valueType: "float64" };
const STRING: ConditionKind = { service: "signals", valueType: "string" };
const LOCATION: ConditionKind = { service: "signals", valueType: "vss.Location" };
const EVENTS: ConditionKind = { service: "events" };
const SOURCE = "did:ethr:137:0x5FbDB2315678afecb367f032d93F642f64180aa3";

function compileError(source: string, kind: ConditionKind = FLOAT): string {
  try {
    compileCondition(source, kind);
  } catch (err) {
    expect(err).toBeInstanceOf(ConditionError);
    return (err as Error).message;
  }
  throw new Error(`compiled: ${source}`);
}

const speed = (value: number, previous?: number) =>
  signalVariables(
    "float64",
    { value, source: SOURCE },
    previous === undefined ? undefined : { value: previous, source: SOURCE },
  );

describe("compileCondition: errors at registration", () => {
  it.each([
    ["", "the condition is empty"],
    ["   ", "the condition is empty"],
    ["valueNumber >", "Unexpected token: EOF (at column 14)"],
    ["speed > 100", "Unknown variable: speed (at column 1)"],
    ["valueNumber + valueString", "no such overload: double + string (at column 1)"],
    ["valueNumber", "the condition must yield a bool, not double"],
    ['valueString + "x"', "the condition must yield a bool, not string"],
    ['value == "ELECTRIC"', "no such overload: double == string (at column 1)"],
    ["name == 'x'", "Unknown variable: name (at column 1)"],
    ['valueString.matches("(a+)+$")', "matches() is not supported"],
    ["[1, 2].all(x, [3].exists(y, y > x))", "nested comprehensions are not supported (exists)"],
  ])("%j → %s", (source, message) => {
    expect(compileError(source)).toBe(message);
  });

  it("refuses conditions longer than the limit and ASTs past the structural limit", () => {
    expect(compileError(`valueNumber > 1${" ".repeat(MAX_CONDITION_LENGTH)}`)).toMatch(
      /^at most 2048 characters/,
    );
    const wide = Array.from({ length: 300 }, (_, i) => `valueNumber > ${i}`).join(" || ");
    expect(() => compileCondition(wide.slice(0, MAX_CONDITION_LENGTH - 20), FLOAT)).toThrow(ConditionError);
  });

  it("refuses a condition that cannot be evaluated with zero values (as the official service checks)", () => {
    expect(compileError("durationNs / previousDurationNs > 1", EVENTS)).toBe(
      "division by zero (at column 1)",
    );
  });

  it("uses the metric's variables: value is a string for string signals, a location for locations", () => {
    expect(() => compileCondition('value == "ELECTRIC"', STRING)).not.toThrow();
    expect(compileError("value > 3", STRING)).toMatch(/^no such overload: string > int/);
    expect(() => compileCondition("value.latitude > 48.0 && value.hdop < 5.0", LOCATION)).not.toThrow();
    expect(compileError("value.altitude > 1.0", LOCATION)).toMatch(/^No such key: altitude/);
    expect(compileError("valueNumber > 1.0", EVENTS)).toMatch(/^Unknown variable: valueNumber/);
  });
});

describe("compileCondition: evaluation", () => {
  it("compares doubles with int literals in both directions and for equality", () => {
    expect(compileCondition("valueNumber > 55", FLOAT).matches(speed(55.5))).toBe(true);
    expect(compileCondition("valueNumber > 55", FLOAT).matches(speed(55))).toBe(false);
    expect(compileCondition("100 < value", FLOAT).matches(speed(100.1))).toBe(true);
    expect(compileCondition("valueNumber == 1", FLOAT).matches(speed(1))).toBe(true);
    expect(compileCondition("valueNumber != 1", FLOAT).matches(speed(1))).toBe(false);
    expect(compileCondition("valueNumber >= 20.5", FLOAT).matches(speed(20.5))).toBe(true);
  });

  it("sees the previous fired value, zeros when there is none", () => {
    const crossing = compileCondition("valueNumber < 20 && previousValueNumber >= 20", FLOAT);
    expect(crossing.matches(speed(19, 25))).toBe(true);
    expect(crossing.matches(speed(19, 19.5))).toBe(false);
    expect(crossing.matches(speed(19))).toBe(false);
    const first = compileCondition('previousSource == "" && previousValue == 0', FLOAT);
    expect(first.matches(speed(5))).toBe(true);
    expect(compileCondition("source.startsWith('did:ethr:137:')", FLOAT).matches(speed(1))).toBe(true);
  });

  it("evaluates string signals", () => {
    const electric = compileCondition('value == "ELECTRIC" && valueString != previousValueString', STRING);
    const vars = (value: string, previous?: string) =>
      signalVariables(
        "string",
        { value, source: SOURCE },
        previous === undefined ? undefined : { value: previous, source: SOURCE },
      );
    expect(electric.matches(vars("ELECTRIC", "COMBUSTION"))).toBe(true);
    expect(electric.matches(vars("ELECTRIC", "ELECTRIC"))).toBe(false);
    expect(electric.matches(vars("HYBRID"))).toBe(false);
  });

  it("computes geoDistance in kilometres (haversine), with int or double arguments", () => {
    const away = compileCondition(
      "geoDistance(value.latitude, value.longitude, 40.7128, -74.0060) > 10",
      LOCATION,
    );
    const at = (latitude: number, longitude: number) =>
      signalVariables("vss.Location", { value: { latitude, longitude, hdop: 1 }, source: SOURCE }, undefined);
    expect(away.matches(at(40.7128, -74.006))).toBe(false);
    expect(away.matches(at(40.8, -74.006))).toBe(false); // 9.7 km north
    expect(away.matches(at(40.85, -74.006))).toBe(true);
    // Munich to Berlin is about 504 km.
    const far = compileCondition("geoDistance(48.1374, 11.5755, 52.52, 13.405) > 500", LOCATION);
    expect(far.matches(at(0, 0))).toBe(true);
    expect(compileCondition("geoDistance(0, 0, 0, 1) > 111", LOCATION).matches(at(0, 0))).toBe(true);
  });

  it("evaluates events: name, durationNs as an int, metadata, previous fields", () => {
    const hard = compileCondition(
      'name == "behavior.harshBraking" && durationNs > 1000000 && metadata.contains("wet")',
      EVENTS,
    );
    const event = (durationNs: number, metadata: string | null) =>
      eventVariables({ name: "behavior.harshBraking", source: SOURCE, durationNs, metadata }, undefined);
    expect(hard.matches(event(2_000_000, '{"road":"wet"}'))).toBe(true);
    expect(hard.matches(event(2_000_000, null))).toBe(false);
    expect(hard.matches(event(10, '{"road":"wet"}'))).toBe(false);
    const repeat = compileCondition("previousName == name && durationNs > 1.5", EVENTS);
    expect(
      repeat.matches(
        eventVariables(
          { name: "safety.collision", source: SOURCE, durationNs: 2, metadata: null },
          { name: "safety.collision", source: SOURCE, durationNs: 1, metadata: null },
        ),
      ),
    ).toBe(true);
  });

  it("treats a runtime error as not matching", () => {
    const ratio = compileCondition("int(valueNumber) / (int(previousValueNumber) - 5) > 1", FLOAT);
    expect(ratio.matches(speed(10, 7))).toBe(true);
    expect(ratio.matches(speed(10, 5))).toBe(false);
  });
});
