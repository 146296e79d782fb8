import { describe, expect, it } from "vitest";
import { contrastRatio, readableTextColor } from "./color.ts";

describe("brand text colour", () => {
  it.each([
    ["#000000", "#FFFFFF"],
    ["#FFFFFF", "#000000"],
    ["#0A66C2", "#FFFFFF"],
    ["#FFD700", "#000000"],
    ["#777777", "#000000"],
  ])("on %s: %s", (bg, text) => {
    expect(readableTextColor(bg)).toBe(text);
  });

  it("the chosen colour always reaches at least 4.5:1 against a mid grey or stronger", () => {
    for (const bg of ["#767676", "#1E88E5", "#E53935", "#43A047"]) {
      expect(contrastRatio(bg, readableTextColor(bg))).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("black on white is 21:1", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
  });
});
