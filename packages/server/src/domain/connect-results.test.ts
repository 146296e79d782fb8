import { describe, expect, it } from "vitest";
import { buildConnectResult, mergeUtm, type ResultRequest } from "./connect-results.ts";

const WALLET = "0x3333333333333333333333333333333333333333";
const base: ResultRequest = {
  redirectUri: "https://app.example.com/cb",
  utm: null,
  state: null,
  mode: "redirect",
};
const legacy = (token = "jwt") => ({ secure: false as const, token });

describe("redirect results (connect-protocol §7.2)", () => {
  it("sign-in: token, walletAddress, email only when shared", () => {
    const withEmail = buildConnectResult({
      request: base,
      replyOrigin: null,
      outcome: { kind: "auth", walletAddress: WALLET, email: "a@example.com" },
      delivery: legacy(),
    });
    expect(withEmail.redirectUrl).toBe(
      `https://app.example.com/cb?token=jwt&walletAddress=${WALLET}&email=a%40example.com`,
    );
    expect(withEmail.targetOrigin).toBeNull();
    const without = buildConnectResult({
      request: base,
      replyOrigin: null,
      outcome: { kind: "auth", walletAddress: WALLET },
      delivery: legacy(),
    });
    expect(new URL(without.redirectUrl!).searchParams.has("email")).toBe(false);
  });

  it("shared, cancelled, revoked and extended vehicles are comma-joined", () => {
    const url = (outcome: Record<string, string[]>) =>
      new URL(
        buildConnectResult({
          request: base,
          replyOrigin: null,
          outcome: { kind: "auth", walletAddress: WALLET, ...outcome },
          delivery: legacy(),
        }).redirectUrl!,
      ).searchParams;
    expect(url({ sharedVehicles: ["12", "34"] }).get("sharedVehicles")).toBe("12,34");
    expect(url({ sharedVehicles: [] }).get("sharedVehicles")).toBe("");
    expect(url({ revokedVehicles: ["7"] }).get("revokedVehicles")).toBe("7");
    expect(url({ extendedVehicles: ["7", "8"] }).get("extendedVehicles")).toBe("7,8");
  });

  it("errors are error=<message>; logout is logout=true", () => {
    const error = buildConnectResult({
      request: base,
      replyOrigin: null,
      outcome: { kind: "error", message: "User cancelled document sharing" },
      delivery: legacy(),
    });
    expect(error.redirectUrl).toBe("https://app.example.com/cb?error=User+cancelled+document+sharing");
    const logout = buildConnectResult({
      request: base,
      replyOrigin: null,
      outcome: { kind: "logout" },
      delivery: legacy(),
    });
    expect(logout.redirectUrl).toBe("https://app.example.com/cb?logout=true");
  });

  it("a legacy state is echoed", () => {
    const r = buildConnectResult({
      request: { ...base, state: "xyz" },
      replyOrigin: null,
      outcome: { kind: "logout" },
      delivery: legacy(),
    });
    expect(new URL(r.redirectUrl!).searchParams.get("state")).toBe("xyz");
  });

  it("parameters already in the redirect URI stay; result keys replace theirs", () => {
    const r = buildConnectResult({
      request: { ...base, redirectUri: "https://app.example.com/cb?tab=cars&token=old" },
      replyOrigin: null,
      outcome: { kind: "auth", walletAddress: WALLET },
      delivery: legacy("new"),
    });
    const params = new URL(r.redirectUrl!).searchParams;
    expect(params.get("tab")).toBe("cars");
    expect(params.getAll("token")).toEqual(["new"]);
  });
});

describe("UTM (connect-protocol §8)", () => {
  it("a value without = is set as utm", () => {
    const url = new URL("https://app.example.com/");
    mergeUtm(url, "newsletter");
    expect(url.search).toBe("?utm=newsletter");
  });

  it("a query string sets its keys; keys colliding with result keys are dropped", () => {
    const url = new URL("https://app.example.com/?utm_source=old");
    mergeUtm(url, "utm_source=mail&utm_campaign=spring&token=evil&email=x&code=c&state=s&iss=i&logout=true");
    expect(url.search).toBe("?utm_source=mail&utm_campaign=spring");
  });

  it("merged before the result, so the result wins", () => {
    const r = buildConnectResult({
      request: { ...base, utm: "utm_source=x&walletAddress=0xevil" },
      replyOrigin: null,
      outcome: { kind: "auth", walletAddress: WALLET, sharedVehicles: ["1"] },
      delivery: legacy(),
    });
    const params = new URL(r.redirectUrl!).searchParams;
    expect(params.get("utm_source")).toBe("x");
    expect(params.getAll("walletAddress")).toEqual([WALLET]);
  });

  it("has no effect on messages", () => {
    const r = buildConnectResult({
      request: { ...base, utm: "utm_source=x", mode: "popup" },
      replyOrigin: "https://app.example.com",
      outcome: { kind: "auth", walletAddress: WALLET },
      delivery: legacy(),
    });
    expect(r.message).not.toHaveProperty("utm_source");
    expect(r.redirectUrl).toBeNull();
  });
});

describe("messages (connect-protocol §7.1)", () => {
  it("authResponse in the official shape: eventType, mode, authType, token, walletAddress, sharedVehicles as strings", () => {
    const r = buildConnectResult({
      request: { ...base, mode: "popup" },
      replyOrigin: "https://app.example.com",
      outcome: { kind: "auth", walletAddress: WALLET, sharedVehicles: ["1", "2"] },
      delivery: legacy(),
    });
    expect(r.message).toEqual({
      eventType: "authResponse",
      mode: "popup",
      authType: "popup",
      token: "jwt",
      walletAddress: WALLET,
      sharedVehicles: ["1", "2"],
    });
    expect(r.targetOrigin).toBe("https://app.example.com");
  });

  it("embed: mode and authType embed; email only when shared; Keyfob's revoked/extended lists", () => {
    const r = buildConnectResult({
      request: { ...base, mode: "embed" },
      replyOrigin: "https://app.example.com",
      outcome: { kind: "auth", walletAddress: WALLET, email: "a@example.com", revokedVehicles: ["3"] },
      delivery: legacy(),
    });
    expect(r.message).toEqual({
      eventType: "authResponse",
      mode: "embed",
      authType: "embed",
      token: "jwt",
      walletAddress: WALLET,
      email: "a@example.com",
      revokedVehicles: ["3"],
    });
  });

  it("DIMO_ERROR and logout", () => {
    const popup = { ...base, mode: "popup" as const };
    expect(
      buildConnectResult({
        request: popup,
        replyOrigin: "https://app.example.com",
        outcome: { kind: "error", message: "User Rejected the Transaction" },
        delivery: legacy(),
      }).message,
    ).toEqual({ eventType: "DIMO_ERROR", mode: "popup", message: "User Rejected the Transaction" });
    expect(
      buildConnectResult({
        request: popup,
        replyOrigin: "https://app.example.com",
        outcome: { kind: "logout" },
        delivery: legacy(),
      }).message,
    ).toEqual({ eventType: "logout", mode: "popup", logout: true });
  });
});

describe("secure mode (security.md §3)", () => {
  const secure = { secure: true as const, code: "the-code", iss: "http://localhost:3000" };

  it("redirect: only code, state and iss — no token, no wallet", () => {
    const r = buildConnectResult({
      request: { ...base, state: "s".repeat(22), utm: "utm_source=x" },
      replyOrigin: null,
      outcome: { kind: "auth", walletAddress: WALLET, email: "a@example.com", sharedVehicles: ["1"] },
      delivery: secure,
    });
    expect(r.redirectUrl).toBe(
      `https://app.example.com/cb?utm_source=x&code=the-code&state=${"s".repeat(22)}&iss=http%3A%2F%2Flocalhost%3A3000`,
    );
  });

  it("popup: {eventType: authResponse, mode, code, state, iss}", () => {
    const r = buildConnectResult({
      request: { ...base, state: "st", mode: "popup" },
      replyOrigin: "https://app.example.com",
      outcome: { kind: "auth", walletAddress: WALLET },
      delivery: secure,
    });
    expect(r.message).toEqual({
      eventType: "authResponse",
      mode: "popup",
      code: "the-code",
      state: "st",
      iss: secure.iss,
    });
  });

  it("errors: error=access_denied with a description, state and iss", () => {
    const r = buildConnectResult({
      request: { ...base, state: "st" },
      replyOrigin: null,
      outcome: { kind: "error", message: "User cancelled document sharing" },
      delivery: { secure: true, iss: secure.iss },
    });
    const params = new URL(r.redirectUrl!).searchParams;
    expect(Object.fromEntries(params)).toEqual({
      error: "access_denied",
      error_description: "User cancelled document sharing",
      state: "st",
      iss: secure.iss,
    });
  });
});
