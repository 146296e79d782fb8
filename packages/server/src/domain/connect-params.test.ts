import { describe, expect, it } from "vitest";
import {
  bool,
  ConnectParamError,
  defaultExpiry,
  list,
  mergeParams,
  normalizeRequest,
  paramsFromConfiguration,
  paramsFromMessage,
  paramsFromPayload,
  paramsFromQuery,
  parseBitstring,
  parseDate,
  parseEntryState,
  parseJsonParam,
  parsePrivileges,
  requestParamsFromQuery,
} from "./connect-params.ts";

const NOW = Date.parse("2030-06-01T12:00:00Z");
const CLIENT = "0x1111111111111111111111111111111111111111";
const REDIRECT = "https://app.example.com/cb";
const ctx = { now: NOW, mode: "redirect" as const };

function errorOf(fn: () => unknown): ConnectParamError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectParamError);
    return err as ConnectParamError;
  }
  throw new Error("expected a ConnectParamError");
}

function request(params: Record<string, unknown>, over: Partial<typeof ctx & { maxGrantDays: number }> = {}) {
  return normalizeRequest({ clientId: CLIENT, redirectUri: REDIRECT, ...params }, { ...ctx, ...over });
}

describe("the SDK bitstring (connect-protocol §5.2)", () => {
  it.each([
    ["11111111", [1, 2, 3, 4, 5, 6, 7, 8]],
    ["11111100", [1, 2, 3, 4, 5, 6]],
    ["10111100", [1, 3, 4, 5, 6]],
    ["10010000", [1, 4]],
    ["1", [1]],
    ["0001", [4]],
    ["1111111100000000", [1, 2, 3, 4, 5, 6, 7, 8]],
    ["00000000", []],
  ])("%s → %j", (bits, ids) => {
    expect(parseBitstring(bits)).toEqual(ids);
  });

  it("a 1 beyond the eighth character is an unknown privilege", () => {
    expect(parseBitstring("111111110")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(errorOf(() => parseBitstring("000000001")).code).toBe("invalidPermissions");
    expect(errorOf(() => parseBitstring("000000001")).message).toContain("unknown privilege 9");
  });

  it.each(["11111111000000001", "10a", "2", "1 0"])("%j is not a bitstring", (bits) => {
    expect(errorOf(() => parseBitstring(bits)).code).toBe("invalidPermissions");
  });

  it("absent or empty means none was given", () => {
    expect(parseBitstring(undefined)).toBeNull();
    expect(parseBitstring("")).toBeNull();
  });
});

describe("permission templates", () => {
  it('template "1" is privileges 1–6; any other non-empty id is 1,3,4,5,6', () => {
    expect(parsePrivileges("1", undefined)).toEqual({ privileges: [1, 2, 3, 4, 5, 6], templateId: "1" });
    expect(parsePrivileges("2", undefined)).toEqual({ privileges: [1, 3, 4, 5, 6], templateId: "2" });
    expect(parsePrivileges("abc", undefined).privileges).toEqual([1, 3, 4, 5, 6]);
  });

  it("the template wins over a bitstring that disagrees (ShareVehiclesWithDimo sends both)", () => {
    expect(parsePrivileges("1", "10010000").privileges).toEqual([1, 2, 3, 4, 5, 6]);
    expect(parsePrivileges("", "10010000")).toEqual({ privileges: [1, 4], templateId: null });
  });

  it("a malformed bitstring is refused even next to a template", () => {
    expect(errorOf(() => parsePrivileges("1", "000000001")).code).toBe("invalidPermissions");
  });

  it("0.0.27 with permissions [] and no template sends 10111100: VEHICLE_MANAGER with 1,3,4,5,6", () => {
    const r = request({ entryState: "VEHICLE_MANAGER", permissions: "10111100" });
    expect(r.privileges).toEqual([1, 3, 4, 5, 6]);
    expect(r.permissionTemplateId).toBeNull();
  });

  it("VEHICLE_MANAGER without permissions, or with none set, is refused", () => {
    expect(errorOf(() => request({ entryState: "VEHICLE_MANAGER" })).code).toBe("invalidPermissions");
    expect(errorOf(() => request({ entryState: "VEHICLE_MANAGER", permissions: "0000" })).code).toBe(
      "invalidPermissions",
    );
    expect(request({ entryState: "EMAIL_INPUT" }).privileges).toBeNull();
  });
});

describe("booleans", () => {
  it.each([true, "true", "TRUE", "1", "yes", "on", " On ", 1])("%j is true", (v) => {
    expect(bool("forceEmail", v)).toBe(true);
  });
  it.each([false, "false", "0", "no", "off", "", undefined, null, 0])(
    "%j is false (official: Boolean('false') is true)",
    (v) => {
      expect(bool("forceEmail", v)).toBe(false);
    },
  );
  it("anything else is refused with the parameter's name", () => {
    const err = errorOf(() => bool("altTitle", "maybe"));
    expect(err).toMatchObject({ code: "invalidParameters", message: "altTitle must be true or false." });
  });
  it("the first of repeated keys counts", () => {
    expect(bool("forceEmail", ["true", "false"])).toBe(true);
  });
});

describe("arrays", () => {
  it("repeated keys, arrays and comma-joined strings; trimmed, empties and duplicates dropped", () => {
    expect(list("vehicles", ["1", "2"])).toEqual(["1", "2"]);
    expect(list("vehicles", "1, 2,,3 ")).toEqual(["1", "2", "3"]);
    expect(list("vehicles", ["1,2", "3", "2"])).toEqual(["1", "2", "3"]);
    expect(list("vehicles", [12, 34])).toEqual(["12", "34"]);
    expect(list("vehicles", undefined)).toEqual([]);
    expect(list("vehicles", "")).toEqual([]);
  });

  it("objects are not lists", () => {
    expect(errorOf(() => list("vehicleMakes", [{ make: "Tesla" }])).code).toBe("invalidParameters");
  });

  it("from a query: repeated keys", () => {
    const r = request(
      requestParamsFromQuery(paramsFromQuery("vehicles=1&vehicles=2&vehicleMakes=Tesla,Ford")),
    );
    expect(r.vehicles).toEqual(["1", "2"]);
    expect(r.vehicleMakes).toEqual(["Tesla", "Ford"]);
  });
});

describe("JSON parameters", () => {
  const data = { address: "0xabc", value: "0", abi: [], functionName: "f", args: ["1"] };

  it("an object as it is", () => {
    expect(parseJsonParam("transactionData", data)).toEqual(data);
  });
  it("a JSON string", () => {
    expect(parseJsonParam("transactionData", JSON.stringify(data))).toEqual(data);
  });
  it("double-encoded, as the SDK puts it in the query (encodeURIComponent, then URLSearchParams)", () => {
    const query = new URLSearchParams({
      transactionData: encodeURIComponent(JSON.stringify(data)),
    }).toString();
    const raw = paramsFromQuery(query);
    expect(parseJsonParam("transactionData", raw.transactionData)).toEqual(data);
  });
  it("invalid JSON is an error for the flow", () => {
    expect(errorOf(() => parseJsonParam("cloudEvent", "{nope")).code).toBe("invalidParameters");
    expect(errorOf(() => parseJsonParam("cloudEvent", "[1]")).message).toBe(
      "cloudEvent must be a JSON object.",
    );
  });

  it("cloudEvent: the console's JSON string becomes the agreement request", () => {
    const r = request({
      cloudEvent: '{"eventType":"dimo.attestation","source":"*","ids":["*"],"tags":["DriversLicense"]}',
    });
    expect(r.cloudEvent).toEqual({
      eventType: "dimo.attestation",
      source: "*",
      ids: ["*"],
      tags: ["DriversLicense"],
    });
    expect(request({ cloudEvent: { source: "*", ids: [], tags: ["Insurance"] } }).cloudEvent?.eventType).toBe(
      "dimo.attestation",
    );
    expect(errorOf(() => request({ cloudEvent: { source: "me", ids: [], tags: [] } })).code).toBe(
      "invalidParameters",
    );
  });

  it("messageData: isHex needs 0x and 64 hex digits", () => {
    expect(request({ messageData: { message: "hello" } }).messageData).toEqual({
      message: "hello",
      isHex: false,
    });
    expect(errorOf(() => request({ messageData: { message: "0x12", isHex: true } })).code).toBe(
      "invalidParameters",
    );
  });
});

describe("dates", () => {
  it.each([
    ["2031-02-03", "2031-02-03T00:00:00.000Z"],
    ["02-03-2031", "2031-02-03T00:00:00.000Z"],
    ["2031-02-03T04:05:06Z", "2031-02-03T04:05:06.000Z"],
    ["2031-02-03T04:05:06.789Z", "2031-02-03T04:05:06.789Z"],
    ["2031-02-03T04:05", "2031-02-03T04:05:00.000Z"],
    ["2031-02-03T04:05:06+02:00", "2031-02-03T02:05:06.000Z"],
    ["2031-02-03T04:05:06-0130", "2031-02-03T05:35:06.000Z"],
  ])("%s → %s", (input, iso) => {
    expect(new Date(parseDate(input)!).toISOString()).toBe(iso);
  });

  it.each(["2031-02-30", "13-01-2031", "31/12/2031", "tomorrow", "2031-02-03T25:00", ""])(
    "%j is unparseable",
    (s) => {
      expect(parseDate(s)).toBeUndefined();
    },
  );

  it("missing or unparseable → now + 100 years, marked as defaulted", () => {
    for (const expirationDate of [undefined, "soon", "2031/01/01"]) {
      const r = request({ expirationDate });
      expect(r.expiresAt).toBe(new Date(NOW + 100 * 365 * 86_400_000).toISOString());
      expect(r.expirationDefaulted).toBe(true);
    }
  });

  it("a configuration's MM-DD-YYYY date is 00:00 UTC of that day", () => {
    const r = request({ expirationDate: "12-31-2031" });
    expect(r).toMatchObject({ expiresAt: "2031-12-31T00:00:00.000Z", expirationDefaulted: false });
  });

  it("a date in the past is refused (official: silently creates an expired grant)", () => {
    const err = errorOf(() => request({ expirationDate: "2030-06-01" }));
    expect(err.code).toBe("expirationInPast");
  });

  it("the license's maxGrantDays caps the default and later dates", () => {
    const cap = new Date(NOW + 30 * 86_400_000).toISOString();
    expect(request({}, { maxGrantDays: 30 }).expiresAt).toBe(cap);
    expect(request({ expirationDate: "2099-01-01" }, { maxGrantDays: 30 }).expiresAt).toBe(cap);
    expect(request({ expirationDate: "2030-06-10" }, { maxGrantDays: 30 }).expiresAt).toBe(
      "2030-06-10T00:00:00.000Z",
    );
    expect(defaultExpiry(NOW, null)).toBe(NOW + 100 * 365 * 86_400_000);
  });

  it("dates beyond 100 years are capped at 100 years", () => {
    expect(request({ expirationDate: "2200-01-01" }).expiresAt).toBe(
      new Date(NOW + 100 * 365 * 86_400_000).toISOString(),
    );
  });
});

describe("entry states", () => {
  it.each([
    ["VEHICLE_MANAGER", "VEHICLE_MANAGER"],
    ["LOGOUT", "LOGOUT"],
    ["SUCCESS", "SUCCESS"],
    ["OTP_INPUT", "EMAIL_INPUT"],
    ["ERROR", "EMAIL_INPUT"],
    ["LOADING", "EMAIL_INPUT"],
    ["vehicle_manager", "EMAIL_INPUT"],
    [undefined, "EMAIL_INPUT"],
  ])("%s → %s", (given, expected) => {
    expect(parseEntryState(given)).toBe(expected);
  });
});

describe("required parameters", () => {
  it("clientId and redirectUri", () => {
    expect(errorOf(() => normalizeRequest({ redirectUri: REDIRECT }, ctx)).code).toBe("missingClientId");
    expect(errorOf(() => normalizeRequest({ clientId: CLIENT }, ctx)).code).toBe("missingRedirectUri");
    expect(errorOf(() => normalizeRequest({ clientId: "", redirectUri: REDIRECT }, ctx)).code).toBe(
      "missingClientId",
    );
    expect(errorOf(() => normalizeRequest({ clientId: "demo", redirectUri: REDIRECT }, ctx)).code).toBe(
      "unknownClient",
    );
  });
});

describe("absent values and the allow-list", () => {
  it("0.0.27's AUTH_INIT and payload: undefined props and utm: null are absent; apiKey and eventType ignored", () => {
    const init = paramsFromMessage({
      clientId: CLIENT,
      redirectUri: REDIRECT,
      apiKey: "some_api_key",
      entryState: "VEHICLE_MANAGER",
      forceEmail: false,
      eventType: "AUTH_INIT",
      altTitle: undefined,
    });
    const payload = paramsFromPayload({
      permissionTemplateId: "1",
      permissions: "11111100",
      vehicles: undefined,
      vehicleMakes: undefined,
      onboarding: undefined,
      expirationDate: undefined,
      utm: null,
      powertrainTypes: undefined,
      transactionData: undefined,
      eventType: "SHARE_VEHICLES_DATA",
      // Never from a payload: the client, the redirect, internal flags.
      clientId: "0x2222222222222222222222222222222222222222",
      redirectUri: "https://evil.example/",
      isInternal: true,
    });
    expect(payload).toEqual({ permissionTemplateId: "1", permissions: "11111100" });
    const r = normalizeRequest(mergeParams(init, payload), { now: NOW, mode: "popup" });
    expect(r).toMatchObject({
      clientId: CLIENT,
      redirectUri: REDIRECT,
      entryState: "VEHICLE_MANAGER",
      forceEmail: false,
      altTitle: false,
      privileges: [1, 2, 3, 4, 5, 6],
      utm: null,
      vehicles: [],
      mode: "popup",
      secure: false,
    });
  });

  it("unknown keys are dropped from messages", () => {
    expect(paramsFromMessage({ clientId: CLIENT, hack: 1, __proto__x: 2 })).toEqual({ clientId: CLIENT });
  });

  it("null values in a query-like source are absent too", () => {
    expect(request({ utm: null, brandName: undefined })).toMatchObject({ utm: null, brandName: null });
  });
});

describe("stored configurations (connect-protocol §2)", () => {
  it("comma-joined arrays, powerTrainTypes with a capital T, all values strings", () => {
    const raw = paramsFromConfiguration(
      {
        redirectUri: REDIRECT,
        utm: "utm_source=console",
        entryState: "LoginWithDimo",
        vehicles: "1,2",
        vehicleMakes: "Tesla, Ford",
        powerTrainTypes: "BEV,PHEV",
      },
      CLIENT,
    );
    const r = normalizeRequest(raw, ctx);
    expect(r).toMatchObject({
      clientId: CLIENT,
      vehicles: ["1", "2"],
      vehicleMakes: ["Tesla", "Ford"],
      powertrainTypes: ["BEV", "PHEV"],
      entryState: "EMAIL_INPUT",
    });
  });

  it("both spellings of powertrain types: union", () => {
    const raw = paramsFromConfiguration({ powertrainTypes: ["ICE"], powerTrainTypes: "BEV,ICE" }, CLIENT);
    expect(raw.powertrainTypes).toEqual(["ICE", "BEV"]);
  });

  it("the row's clientId wins over one in the object", () => {
    const raw = paramsFromConfiguration({ clientId: "0x2222222222222222222222222222222222222222" }, CLIENT);
    expect(raw.clientId).toBe(CLIENT);
  });

  it("URL parameters override the configuration; the URL's powertrainTypes replaces the stored powerTrainTypes", () => {
    const stored = paramsFromConfiguration(
      { redirectUri: REDIRECT, permissionTemplateId: "1", powerTrainTypes: "BEV", utm: "a=1" },
      CLIENT,
    );
    const url = requestParamsFromQuery(
      paramsFromQuery("powertrainTypes=ICE&utm=b%3D2&configurationId=x&lang=de"),
    );
    const r = normalizeRequest(mergeParams(stored, url), ctx);
    expect(r.powertrainTypes).toEqual(["ICE"]);
    expect(r.utm).toBe("b=2");
    expect(r.privileges).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("the console's advanced-transaction fields are assembled into transactionData", () => {
    const raw = paramsFromConfiguration(
      {
        value: "0",
        abi: '[{"name":"f"}]',
        functionName: "f",
        args: "1,2",
        entryState: "ADVANCED_TRANSACTION",
      },
      CLIENT,
    );
    expect(raw.transactionData).toEqual({
      value: "0",
      abi: [{ name: "f" }],
      functionName: "f",
      args: ["1", "2"],
    });
  });
});

describe("aliases", () => {
  it("client_id and redirect_uri stand for clientId and redirectUri", () => {
    const r = normalizeRequest(requestParamsFromQuery({ client_id: CLIENT, redirect_uri: REDIRECT }), ctx);
    expect(r).toMatchObject({ clientId: CLIENT, redirectUri: REDIRECT });
  });
  it("two different values are refused", () => {
    expect(
      errorOf(() =>
        requestParamsFromQuery({ clientId: CLIENT, client_id: "0x2222222222222222222222222222222222222222" }),
      ).code,
    ).toBe("invalidParameters");
  });
  it("powerTrainTypes in a URL", () => {
    expect(request(requestParamsFromQuery({ powerTrainTypes: "BEV" })).powertrainTypes).toEqual(["BEV"]);
  });
});

describe("secure mode (security.md §3)", () => {
  const STATE = "0123456789abcdefghijklmnopqrstuv";
  const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  const secure = {
    response_type: "code",
    state: STATE,
    code_challenge: CHALLENGE,
    code_challenge_method: "S256",
  };

  it("response_type=code with state and an S256 challenge", () => {
    expect(request(secure)).toMatchObject({ secure: true, state: STATE, codeChallenge: CHALLENGE });
  });

  it.each([
    [{ response_type: "token" }, "response_type"],
    [{ code_challenge_method: "plain" }, "S256"],
    [{ code_challenge_method: undefined }, "S256"],
    [{ state: "short" }, "128 bits"],
    [{ state: undefined }, "state"],
    [{ code_challenge: "abc" }, "code_challenge"],
  ])("%j is refused", (over, words) => {
    const err = errorOf(() => request({ ...secure, ...over }));
    expect(err.code).toBe("invalidSecureRequest");
    expect(err.message).toContain(words);
  });

  it("a challenge without response_type=code is refused (no silent downgrade)", () => {
    expect(errorOf(() => request({ code_challenge: CHALLENGE, code_challenge_method: "S256" })).code).toBe(
      "invalidSecureRequest",
    );
  });

  it("legacy mode echoes a state when one is sent", () => {
    expect(request({ state: "abc" })).toMatchObject({ secure: false, state: "abc", codeChallenge: null });
  });
});

describe("other parameters", () => {
  it("tosUrl and privacyPolicyUrl must be https", () => {
    expect(request({ tosUrl: "https://app.example.com/tos" }).tosUrl).toBe("https://app.example.com/tos");
    expect(errorOf(() => request({ privacyPolicyUrl: "http://app.example.com/p" })).code).toBe(
      "invalidParameters",
    );
    expect(errorOf(() => request({ tosUrl: "javascript:alert(1)" })).code).toBe("invalidParameters");
  });

  it("region is upper-cased; descriptions and brandName are kept", () => {
    expect(
      request({
        region: "eu",
        brandName: "Acme",
        newVehicleSectionDescription: "Add it",
        shareVehiclesSectionDescription: "Pick",
      }),
    ).toMatchObject({
      region: "EU",
      brandName: "Acme",
      newVehicleSectionDescription: "Add it",
      shareVehiclesSectionDescription: "Pick",
    });
  });

  it("overlong values are refused, never truncated", () => {
    expect(errorOf(() => request({ brandName: "x".repeat(101) })).code).toBe("invalidParameters");
    expect(errorOf(() => request({ vehicles: Array.from({ length: 101 }, (_, i) => `${i}`) })).code).toBe(
      "invalidParameters",
    );
  });

  it("configCID and apiKey are ignored", () => {
    expect(request({ configCID: "bafy", apiKey: "some_api_key" })).not.toHaveProperty("configCID");
  });
});
