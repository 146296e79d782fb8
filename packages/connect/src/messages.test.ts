import { describe, expect, it } from "vitest";
import { MAX_MESSAGE_CHARS, parseLoginMessage } from "./messages.ts";

const popup = { name: "the popup" };
const expected = { origin: "https://login.example", source: popup, mode: "popup" as const };
const event = (data: unknown, over: Partial<{ origin: string; source: unknown }> = {}) => ({
  origin: "https://login.example",
  source: popup,
  data,
  ...over,
});

describe("messages from the login app", () => {
  it("accepts a result from the exact origin and the opened window, typed", () => {
    expect(
      parseLoginMessage(
        event({
          eventType: "authResponse",
          mode: "popup",
          token: "t",
          walletAddress: "0xw",
          sharedVehicles: ["1", 2],
          extra: "x",
        }),
        expected,
      ),
    ).toEqual({ eventType: "authResponse", token: "t", walletAddress: "0xw", sharedVehicles: ["1", "2"] });
    expect(parseLoginMessage(event({ eventType: "READY", mode: "popup" }), expected)).toEqual({
      eventType: "READY",
    });
  });

  it("ignores hostile origins, including look-alikes and other ports or schemes", () => {
    for (const origin of [
      "https://login.example.evil.test",
      "https://evil.test",
      "http://login.example",
      "https://login.example:8443",
      "https://xlogin.example",
      "null",
      "",
    ]) {
      expect(
        parseLoginMessage(
          event({ eventType: "authResponse", mode: "popup", token: "t" }, { origin }),
          expected,
        ),
      ).toBeNull();
    }
  });

  it("ignores messages from any window but the one it opened", () => {
    expect(
      parseLoginMessage(event({ eventType: "READY", mode: "popup" }, { source: {} }), expected),
    ).toBeNull();
    expect(
      parseLoginMessage(event({ eventType: "READY", mode: "popup" }, { source: null }), expected),
    ).toBeNull();
    expect(
      parseLoginMessage(event({ eventType: "READY", mode: "popup" }), { ...expected, source: null }),
    ).toBeNull();
  });

  it("ignores malformed messages", () => {
    for (const data of [
      null,
      "authResponse",
      42,
      [],
      { mode: "popup" },
      { eventType: 7, mode: "popup" },
      { eventType: "authResponse" },
      { eventType: "authResponse", mode: "embed" },
      { eventType: "somethingElse", mode: "popup" },
      new Date(),
      Object.assign(Object.create({ polluted: true }), { eventType: "READY", mode: "popup" }),
    ]) {
      expect(parseLoginMessage(event(data), expected)).toBeNull();
    }
  });

  it("drops fields of the wrong type", () => {
    expect(
      parseLoginMessage(
        event({
          eventType: "authResponse",
          mode: "popup",
          token: { a: 1 },
          email: "undefined",
          accountGranted: "yes",
        }),
        expected,
      ),
    ).toEqual({ eventType: "authResponse" });
  });

  it("ignores oversize messages", () => {
    const big = { eventType: "authResponse", mode: "popup", token: "x".repeat(MAX_MESSAGE_CHARS) };
    expect(parseLoginMessage(event(big), expected)).toBeNull();
    const cyclic: Record<string, unknown> = { eventType: "authResponse", mode: "popup" };
    cyclic.self = cyclic;
    expect(parseLoginMessage(event(cyclic), expected)).toBeNull();
  });

  it("reads the refusal reason of secure and legacy errors", () => {
    expect(
      parseLoginMessage(
        event({ eventType: "DIMO_ERROR", mode: "popup", message: "User cancelled" }),
        expected,
      ),
    ).toEqual({
      eventType: "DIMO_ERROR",
      message: "User cancelled",
    });
    expect(
      parseLoginMessage(
        event({
          eventType: "DIMO_ERROR",
          mode: "popup",
          error: "access_denied",
          error_description: "No",
          message: "No",
          state: "s",
        }),
        expected,
      ),
    ).toEqual({ eventType: "DIMO_ERROR", message: "No", error: "access_denied", state: "s" });
  });
});
