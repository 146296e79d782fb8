import { describe, expect, it } from "vitest";
// The login server's allow-lists: what it accepts in AUTH_INIT and in an action payload.
import { PAYLOAD_KEYS, REQUEST_KEYS } from "../../server/src/domain/connect-keys.ts";
import { EntryState, Permissions } from "./types.ts";
import {
  buildEmbedUrl,
  buildLoginUrl,
  handshakeMessages,
  loginOrigin,
  permissionsParam,
  resolveLoginUrl,
} from "./url.ts";

const client = {
  clientId: "0x1111111111111111111111111111111111111111",
  redirectUri: "https://app.example/cb",
};

describe("login URLs", () => {
  it("resolves the official environments and any deployment's loginUrl", () => {
    expect(resolveLoginUrl({})).toBe("https://login.dimo.org");
    expect(resolveLoginUrl({ environment: "local" })).toBe("http://localhost:3000");
    expect(resolveLoginUrl({ environment: "development" })).toBe("https://login.dev.dimo.org");
    expect(resolveLoginUrl({ environment: "nonsense" })).toBe("https://login.dimo.org");
    expect(resolveLoginUrl({ loginUrl: "https://keyfob.example/", environment: "local" })).toBe(
      "https://keyfob.example",
    );
    expect(loginOrigin({ loginUrl: "https://keyfob.example:8443/login/" })).toBe(
      "https://keyfob.example:8443",
    );
    expect(() => resolveLoginUrl({ loginUrl: "javascript:alert(1)" })).toThrow(TypeError);
  });

  it("puts every parameter in the query: arrays repeated, booleans only when true, JSON serialized", () => {
    const url = new URL(
      buildLoginUrl(client, {
        permissionTemplateId: "1",
        vehicles: [12, "34"],
        vehicleMakes: ["Toyota", "Honda"],
        powertrainTypes: ["BEV"],
        onboarding: ["yes"],
        expirationDate: "2030-12-31",
        utm: "utm_source=x",
        forceEmail: true,
        altTitle: false,
        brandName: "Acme",
        tosUrl: "https://acme.example/tos",
        privacyPolicyUrl: "https://acme.example/privacy",
        newVehicleSectionDescription: "Add it",
        shareVehiclesSectionDescription: "Share it",
        region: "eu",
        messageData: { message: "hi" },
        cloudEvent: { source: "*", ids: ["*"], tags: ["DriversLicense"] },
      }),
    );
    const q = url.searchParams;
    expect(url.origin + url.pathname).toBe("https://login.dimo.org/");
    expect(q.get("clientId")).toBe(client.clientId);
    expect(q.get("redirectUri")).toBe(client.redirectUri);
    expect(q.get("entryState")).toBe("VEHICLE_MANAGER");
    expect(q.get("permissions")).toBe("11111100");
    expect(q.getAll("vehicles")).toEqual(["12", "34"]);
    expect(q.getAll("vehicleMakes")).toEqual(["Toyota", "Honda"]);
    expect(q.getAll("powertrainTypes")).toEqual(["BEV"]);
    expect(q.get("forceEmail")).toBe("true");
    expect(q.has("altTitle")).toBe(false);
    expect(q.get("utm")).toBe("utm_source=x");
    expect(JSON.parse(q.get("messageData") ?? "")).toEqual({ message: "hi" });
    expect(JSON.parse(q.get("cloudEvent") ?? "").tags).toEqual(["DriversLicense"]);
    for (const key of [
      "brandName",
      "tosUrl",
      "privacyPolicyUrl",
      "newVehicleSectionDescription",
      "shareVehiclesSectionDescription",
      "region",
    ])
      expect(q.has(key)).toBe(true);
  });

  it("encodes transactionData as the official SDK does", () => {
    const tx = {
      address: "0xabc",
      value: "",
      abi: [{ type: "function", name: "f" }],
      functionName: "f",
      args: ["1"],
    };
    const q = new URL(
      buildLoginUrl(client, { entryState: EntryState.ADVANCED_TRANSACTION, transactionData: tx }),
    ).searchParams;
    expect(JSON.parse(decodeURIComponent(q.get("transactionData") ?? ""))).toEqual(tx);
  });

  it("computes the permissions bitstring like login-with-dimo 0.0.27", () => {
    expect(permissionsParam(undefined, undefined)).toBeUndefined();
    expect(permissionsParam(undefined, "1")).toBe("11111100");
    expect(permissionsParam(undefined, "2")).toBe("10111100");
    expect(permissionsParam([], undefined)).toBe("10111100");
    expect(permissionsParam([Permissions.GetNonLocationHistory, Permissions.GetLocationHistory], "1")).toBe(
      "10010000",
    );
    expect(permissionsParam("11111111", undefined)).toBe("11111111");
    expect(() => permissionsParam("12", undefined)).toThrow(TypeError);
  });

  it("builds a configuration link from its id alone, with overrides", () => {
    const q = new URL(buildLoginUrl({ clientId: client.clientId }, { configurationId: "cfg-1" }))
      .searchParams;
    expect(q.get("configurationId")).toBe("cfg-1");
    expect(q.has("entryState")).toBe(false);
    expect(q.has("redirectUri")).toBe(false);
    const overridden = new URL(buildLoginUrl(client, { configurationId: "cfg-1", utm: "a" })).searchParams;
    expect(overridden.get("redirectUri")).toBe(client.redirectUri);
    expect(overridden.get("utm")).toBe("a");
    expect(() => buildLoginUrl({ clientId: client.clientId }, {})).toThrow(/redirectUri/);
  });

  it("adds secure mode's parameters", () => {
    const q = new URL(buildLoginUrl(client, {}, { state: "s".repeat(43), codeChallenge: "c".repeat(43) }))
      .searchParams;
    expect(q.get("response_type")).toBe("code");
    expect(q.get("state")).toBe("s".repeat(43));
    expect(q.get("code_challenge")).toBe("c".repeat(43));
    expect(q.get("code_challenge_method")).toBe("S256");
  });

  it("names only the license in an embed URL", () => {
    const url = new URL(buildEmbedUrl({ ...client, loginUrl: "http://localhost:3000" }));
    expect([...url.searchParams.keys()].sort()).toEqual(["clientId", "mode"]);
    expect(url.searchParams.get("mode")).toBe("embed");
  });

  it("splits a popup request into AUTH_INIT and the action payload", () => {
    const { authInit, payload } = handshakeMessages(
      client,
      { permissionTemplateId: "1", vehicles: ["7"], utm: null, altTitle: true },
      { state: "st", codeChallenge: "ch" },
    );
    expect(authInit).toEqual({
      clientId: client.clientId,
      redirectUri: client.redirectUri,
      entryState: "VEHICLE_MANAGER",
      forceEmail: false,
      altTitle: true,
      response_type: "code",
      state: "st",
      code_challenge: "ch",
      code_challenge_method: "S256",
      eventType: "AUTH_INIT",
    });
    expect(payload).toEqual({ permissionTemplateId: "1", permissions: "11111100", vehicles: ["7"] });
    expect(authInit).not.toHaveProperty("apiKey");
  });

  it("sends every parameter where the login app accepts it: texts and branding in AUTH_INIT, the action in the payload", () => {
    const { authInit, payload } = handshakeMessages(client, {
      permissionTemplateId: "1",
      vehicles: ["7"],
      vehicleMakes: ["Ford"],
      powertrainTypes: ["BEV"],
      expirationDate: "2030-12-31",
      onboarding: ["tesla"],
      utm: "utm_source=app",
      brandName: "Fleet",
      tosUrl: "https://app.example/tos",
      privacyPolicyUrl: "https://app.example/privacy",
      newVehicleSectionDescription: "New cars",
      shareVehiclesSectionDescription: "Your cars",
      region: "EU",
      altTitle: true,
    });
    const requestKeys = new Set<string>([...REQUEST_KEYS, "eventType"]);
    const payloadKeys = new Set<string>([...PAYLOAD_KEYS, "eventType"]);
    for (const key of Object.keys(authInit)) expect(requestKeys, `AUTH_INIT key ${key}`).toContain(key);
    for (const key of Object.keys(payload)) expect(payloadKeys, `payload key ${key}`).toContain(key);
    expect(authInit).toMatchObject({
      newVehicleSectionDescription: "New cars",
      shareVehiclesSectionDescription: "Your cars",
      region: "EU",
      brandName: "Fleet",
    });
    expect(Object.keys(payload).sort()).toEqual(
      [
        "expirationDate",
        "onboarding",
        "permissionTemplateId",
        "permissions",
        "powertrainTypes",
        "utm",
        "vehicleMakes",
        "vehicles",
      ].sort(),
    );
  });
});
