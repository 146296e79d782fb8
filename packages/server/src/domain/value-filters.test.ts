import { describe, expect, it } from "vitest";
import {
  isEmptyFloatFilter,
  matchesFloatFilter,
  matchesLocationFilter,
  matchesStringFilter,
} from "./value-filters.ts";

const values = [0, 1, 5, 10, 50, 100];
const pass = (filter: Parameters<typeof matchesFloatFilter>[1]) =>
  values.filter((v) => matchesFloatFilter(v, filter));

describe("matchesFloatFilter", () => {
  it.each([
    [{ eq: 5 }, [5]],
    [{ neq: 5 }, [0, 1, 10, 50, 100]],
    [{ gt: 10 }, [50, 100]],
    [{ gte: 10 }, [10, 50, 100]],
    [{ lt: 5 }, [0, 1]],
    [{ lte: 5 }, [0, 1, 5]],
    [{ in: [1, 50, 7] }, [1, 50]],
    [{ notIn: [1, 50] }, [0, 5, 10, 100]],
    [{ in: [] }, []],
    [{ gt: 1, lt: 50 }, [5, 10]], // AND within one object
    [{ or: [{ eq: 0 }, { gte: 100 }] }, [0, 100]], // only alternatives
    [{ gt: 1, lt: 50, or: [{ eq: 0 }] }, [0, 5, 10]], // own conditions OR alternatives
    [{ or: [{ gt: 1, lt: 10 }, { or: [{ eq: 100 }] }] }, [5, 100]], // nested
    [{}, values],
    [{ eq: null, gt: 10 }, [50, 100]], // null is unset
  ])("%j keeps %j", (filter, expected) => {
    expect(pass(filter)).toEqual(expected);
  });

  it("isEmptyFloatFilter: nothing to exclude", () => {
    expect(isEmptyFloatFilter(undefined)).toBe(true);
    expect(isEmptyFloatFilter({})).toBe(true);
    expect(isEmptyFloatFilter({ eq: null, or: [] })).toBe(true);
    expect(isEmptyFloatFilter({ gt: 0 })).toBe(false);
    expect(isEmptyFloatFilter({ or: [{ eq: 1 }] })).toBe(false);
  });
});

describe("matchesStringFilter", () => {
  const names = ["behavior.harshBraking", "behavior.harshCornering", "safety.collision"];
  const keep = (filter: Parameters<typeof matchesStringFilter>[1]) =>
    names.filter((n) => matchesStringFilter(n, filter));

  it.each([
    [{ eq: "safety.collision" }, ["safety.collision"]],
    [{ neq: "safety.collision" }, ["behavior.harshBraking", "behavior.harshCornering"]],
    [{ startsWith: "behavior." }, ["behavior.harshBraking", "behavior.harshCornering"]],
    [{ in: ["safety.collision", "x"] }, ["safety.collision"]],
    [{ notIn: ["safety.collision"] }, ["behavior.harshBraking", "behavior.harshCornering"]],
    [{ startsWith: "behavior.", neq: "behavior.harshBraking" }, ["behavior.harshCornering"]],
    [
      { or: [{ eq: "safety.collision" }, { eq: "behavior.harshBraking" }] },
      ["behavior.harshBraking", "safety.collision"],
    ],
  ])("%j keeps %j", (filter, expected) => {
    expect(keep(filter)).toEqual(expected);
  });
});

describe("matchesLocationFilter", () => {
  const square = [
    { latitude: 52, longitude: 13 },
    { latitude: 52, longitude: 14 },
    { latitude: 53, longitude: 14 },
    { latitude: 53, longitude: 13 },
  ];
  const berlin = { latitude: 52.52, longitude: 13.405, hdop: 1 };
  const hamburg = { latitude: 53.55, longitude: 9.99, hdop: 1 };

  it("inPolygon, inCircle, and both together", () => {
    expect(matchesLocationFilter(berlin, { inPolygon: square })).toBe(true);
    expect(matchesLocationFilter(hamburg, { inPolygon: square })).toBe(false);
    const circle = { center: { latitude: 52.5, longitude: 13.4 }, radius: 10 };
    expect(matchesLocationFilter(berlin, { inCircle: circle })).toBe(true);
    expect(matchesLocationFilter(hamburg, { inCircle: circle })).toBe(false);
    expect(matchesLocationFilter(berlin, { inPolygon: square, inCircle: { ...circle, radius: 1 } })).toBe(
      false,
    );
    expect(matchesLocationFilter(hamburg, {})).toBe(true);
  });
});
