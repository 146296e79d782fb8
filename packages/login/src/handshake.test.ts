import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  acceptEvent,
  createHandshake,
  HandshakeTimeout,
  type InboundEvent,
  MAX_AUTH_INIT_CHARS,
  readyTargetOrigin,
  reduceMessage,
} from "./handshake.ts";

const APP = "https://app.example";

function authInit(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventType: "AUTH_INIT",
    clientId: "0x1111111111111111111111111111111111111111",
    redirectUri: `${APP}/callback`,
    apiKey: "some_api_key",
    entryState: "EMAIL_INPUT",
    forceEmail: false,
    altTitle: false,
    ...extra,
  };
}

/** A peer window that records what it was sent, and a fake message channel into the login page. */
function setup(mode: "popup" | "embed" = "popup", referrer = `${APP}/page`) {
  const posted: { message: unknown; targetOrigin: string }[] = [];
  const peer = {
    postMessage: (message: unknown, targetOrigin: string) => posted.push({ message, targetOrigin }),
  };
  const handlers = new Set<(event: InboundEvent) => void>();
  const handshake = createHandshake({
    mode,
    peer,
    referrer,
    listen: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  });
  const deliver = (data: unknown, origin = APP, source: unknown = peer) => {
    for (const handler of [...handlers]) handler({ data, origin, source });
  };
  return { posted, peer, handshake, deliver, handlers };
}

describe("reduceMessage", () => {
  it("keeps only allow-listed keys and drops null/undefined values", () => {
    const message = reduceMessage(
      authInit({ utm: null, tosUrl: undefined, internalFlag: true, __proto__x: 1, configurationId: "x" }),
      "AUTH_INIT",
      MAX_AUTH_INIT_CHARS,
    );
    expect(message).toEqual({
      eventType: "AUTH_INIT",
      clientId: "0x1111111111111111111111111111111111111111",
      redirectUri: `${APP}/callback`,
      apiKey: "some_api_key",
      entryState: "EMAIL_INPUT",
      forceEmail: false,
      altTitle: false,
    });
  });

  it("refuses non-objects, other event types and class instances", () => {
    expect(reduceMessage("AUTH_INIT", "AUTH_INIT", 1000)).toBeNull();
    expect(reduceMessage(null, "AUTH_INIT", 1000)).toBeNull();
    expect(reduceMessage([authInit()], "AUTH_INIT", 1000)).toBeNull();
    expect(reduceMessage(authInit({ eventType: "READY" }), "AUTH_INIT", 1000)).toBeNull();
    expect(reduceMessage(new Map([["eventType", "AUTH_INIT"]]), "AUTH_INIT", 1000)).toBeNull();
  });

  it("refuses a message larger than the limit", () => {
    expect(reduceMessage(authInit({ brandName: "x".repeat(2000) }), "AUTH_INIT", 1000)).toBeNull();
    expect(reduceMessage(authInit({ vehicles: Array(600).fill("12") }), "AUTH_INIT", 1000)).toBeNull();
  });

  it("ignores a large value under an unknown key", () => {
    expect(reduceMessage(authInit({ junk: "x".repeat(5000) }), "AUTH_INIT", 1000)).not.toBeNull();
  });

  it("refuses deeply nested data", () => {
    let nested: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i++) nested = { nested };
    expect(reduceMessage(authInit({ cloudEvent: nested }), "AUTH_INIT", 100_000)).toBeNull();
  });

  it("keeps nested plain data of JSON parameters", () => {
    const transactionData = {
      address: "0xabc",
      value: 0,
      abi: [{ name: "f" }],
      functionName: "f",
      args: ["1"],
    };
    const message = reduceMessage(
      { eventType: "SHARE_VEHICLES_DATA", transactionData, permissions: "11111100" },
      "SHARE_VEHICLES_DATA",
      10_000,
    );
    expect(message).toEqual({ eventType: "SHARE_VEHICLES_DATA", transactionData, permissions: "11111100" });
  });
});

describe("acceptEvent", () => {
  const source = {};
  const expected = { source, eventType: "AUTH_INIT", maxChars: MAX_AUTH_INIT_CHARS };

  it("accepts a valid message from the expected window", () => {
    expect(acceptEvent({ source, origin: APP, data: authInit() }, expected)?.origin).toBe(APP);
  });

  it("ignores messages from another window", () => {
    expect(acceptEvent({ source: {}, origin: APP, data: authInit() }, expected)).toBeNull();
    expect(
      acceptEvent({ source: null, origin: APP, data: authInit() }, { ...expected, source: null }),
    ).toBeNull();
  });

  it("ignores opaque and non-http origins", () => {
    expect(acceptEvent({ source, origin: "null", data: authInit() }, expected)).toBeNull();
    expect(acceptEvent({ source, origin: "file://", data: authInit() }, expected)).toBeNull();
    expect(acceptEvent({ source, origin: "chrome-extension://abc", data: authInit() }, expected)).toBeNull();
  });

  it("ignores messages from another origin when one is expected", () => {
    expect(
      acceptEvent({ source, origin: "https://evil.example", data: authInit() }, { ...expected, origin: APP }),
    ).toBeNull();
  });
});

describe("readyTargetOrigin", () => {
  it("uses the referrer's origin, else *", () => {
    expect(readyTargetOrigin("https://app.example:8443/a/b?c=d")).toBe("https://app.example:8443");
    expect(readyTargetOrigin("")).toBe("*");
    expect(readyTargetOrigin("not a url")).toBe("*");
  });
});

describe("createHandshake", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends READY after ~500 ms, then every 2 s, five retries at most", async () => {
    const { posted, handshake } = setup();
    const result = handshake.waitForAuthInit().catch((error: unknown) => error);
    vi.advanceTimersByTime(499);
    expect(posted).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(posted).toEqual([{ message: { eventType: "READY", mode: "popup" }, targetOrigin: APP }]);
    vi.advanceTimersByTime(2000 * 10);
    expect(posted).toHaveLength(6);
    vi.advanceTimersByTime(15_000);
    expect(await result).toBeInstanceOf(HandshakeTimeout);
  });

  it("sends READY to * without a referrer, with mode embed in a frame", () => {
    const { posted, handshake } = setup("embed", "");
    void handshake.waitForAuthInit();
    vi.advanceTimersByTime(500);
    expect(posted[0]).toEqual({ message: { eventType: "READY", mode: "embed" }, targetOrigin: "*" });
    handshake.dispose();
  });

  it("accepts the first valid AUTH_INIT from the peer and stops sending READY", async () => {
    const { posted, handshake, deliver, handlers } = setup();
    const result = handshake.waitForAuthInit();
    vi.advanceTimersByTime(500);
    deliver(authInit(), APP, {}); // another window
    deliver({
      eventType: "AUTH_INIT",
      junk: "x".repeat(MAX_AUTH_INIT_CHARS + 1),
      brandName: "y".repeat(20_000),
    });
    deliver("AUTH_INIT");
    deliver({ eventType: "SOMETHING_ELSE" });
    expect(handlers.size).toBe(1);
    deliver(authInit({ secret: "dropped" }));
    const accepted = await result;
    expect(accepted.origin).toBe(APP);
    expect(accepted.message).not.toHaveProperty("secret");
    expect(handlers.size).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(posted).toHaveLength(1);
  });

  it("ignores a repeated AUTH_INIT while waiting for the payload, which must come from the same origin", async () => {
    const { posted, handshake, deliver, peer } = setup();
    const init = handshake.waitForAuthInit();
    vi.advanceTimersByTime(500);
    deliver(authInit({ entryState: "VEHICLE_MANAGER" }));
    await init;
    const payload = handshake.waitForPayload("SHARE_VEHICLES_DATA", APP);
    vi.advanceTimersByTime(0);
    expect(posted.at(-1)).toEqual({
      message: { eventType: "SHARE_VEHICLES_DATA", mode: "popup" },
      targetOrigin: APP,
    });
    deliver(authInit());
    deliver({ eventType: "SHARE_VEHICLES_DATA", permissions: "1" }, "https://evil.example");
    deliver({ eventType: "SHARE_VEHICLES_DATA", permissions: "1" }, APP, {});
    deliver(
      { eventType: "SHARE_VEHICLES_DATA", permissions: "11111100", utm: null, vehicles: ["1", "2"] },
      APP,
      peer,
    );
    expect(await payload).toEqual({
      eventType: "SHARE_VEHICLES_DATA",
      permissions: "11111100",
      vehicles: ["1", "2"],
    });
  });

  it("refuses to send the payload request to another origin than the AUTH_INIT's", async () => {
    const { handshake, deliver } = setup();
    const init = handshake.waitForAuthInit();
    vi.advanceTimersByTime(500);
    deliver(authInit());
    await init;
    await expect(handshake.waitForPayload("SHARE_VEHICLES_DATA", "https://other.example")).rejects.toThrow();
  });

  it("gives up on the payload 15 s after the last request", async () => {
    const { handshake, deliver } = setup();
    const init = handshake.waitForAuthInit();
    vi.advanceTimersByTime(500);
    deliver(authInit());
    await init;
    const payload = handshake.waitForPayload("SHARE_VEHICLES_DATA", APP).catch((error: unknown) => error);
    vi.advanceTimersByTime(10_000 + 15_000);
    const error = await payload;
    expect(error).toBeInstanceOf(HandshakeTimeout);
    expect((error as HandshakeTimeout).waitingFor).toBe("SHARE_VEHICLES_DATA");
  });
});
