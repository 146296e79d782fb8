import { describe, expect, it } from "vitest";
import { ApiError } from "./api.ts";
import { attempt } from "./components.tsx";

describe("a page action (attempt)", () => {
  function notices() {
    const said: Array<[string, string | undefined]> = [];
    return { said, say: (message: string, kind?: "ok" | "error") => said.push([message, kind]) };
  }

  it("answers the result and says the success message", async () => {
    const { said, say } = notices();
    expect(await attempt(say, async () => 42, "Saved.")).toBe(42);
    expect(said).toEqual([["Saved.", undefined]]);
  });

  it("says nothing on success without a message", async () => {
    const { said, say } = notices();
    await attempt(say, async () => "x");
    expect(said).toEqual([]);
  });

  it("shows the server's message as an error and answers undefined", async () => {
    const { said, say } = notices();
    const failing = async () => {
      throw new ApiError(409, "conflict", "That alias is taken.");
    };
    expect(await attempt(say, failing, "Saved.")).toBeUndefined();
    expect(said).toEqual([["That alias is taken.", "error"]]);
  });

  it("never shows an unexpected error's text", async () => {
    const { said, say } = notices();
    await attempt(say, async () => {
      throw new TypeError("Failed to fetch at internal.js:12");
    });
    expect(said).toEqual([["Something went wrong. Try again.", "error"]]);
  });
});
