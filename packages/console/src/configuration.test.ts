import { describe, expect, it } from "vitest";
import {
  bitstring,
  configurationLink,
  emptyForm,
  formProblems,
  fromConfiguration,
  keyfobReactSnippet,
  officialSdkSnippet,
  plainUrl,
  previewModel,
  toConfiguration,
} from "./configuration.ts";

const CLIENT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const TODAY = new Date("2030-01-01T00:00:00Z");

describe("the configurator's stored format (connect-protocol.md §2)", () => {
  it("writes only strings, the component's entry state, MM-DD-YYYY dates and a template id", () => {
    const form = {
      ...emptyForm("https://app.example.com/cb"),
      name: "Share",
      expirationDate: "2031-12-31",
      utm: "utm_source=console",
      vehicleMakes: "Tesla, Ford",
      powertrainTypes: ["BEV", "PHEV"],
    };
    expect(formProblems(form, TODAY)).toEqual({});
    expect(toConfiguration(form)).toEqual({
      redirectUri: "https://app.example.com/cb",
      utm: "utm_source=console",
      entryState: "VEHICLE_MANAGER",
      vehicleMakes: "Tesla,Ford",
      powerTrainTypes: "BEV,PHEV",
      expirationDate: "12-31-2031",
      permissionTemplateId: "1",
      mode: "redirect",
    });
  });

  it("a custom set of privileges becomes the SDK bitstring", () => {
    expect(bitstring([1, 4])).toBe("10010000");
    expect(bitstring([1, 2, 3, 4, 5, 6, 7, 8])).toBe("11111111");
    const form = {
      ...emptyForm("https://a.example/"),
      name: "x",
      permissionMode: "custom" as const,
      privileges: [1, 4],
    };
    expect(toConfiguration(form)).toMatchObject({ permissions: "10010000" });
    expect(toConfiguration(form).permissionTemplateId).toBeUndefined();
  });

  it("sign-in only writes no permissions or expiry", () => {
    const form = {
      ...emptyForm("https://a.example/"),
      name: "x",
      component: "LoginWithDimo" as const,
      expirationDate: "2031-01-01",
    };
    const c = toConfiguration(form);
    expect(c.entryState).toBe("EMAIL_INPUT");
    expect(c.expirationDate).toBeUndefined();
    expect(c.permissionTemplateId).toBeUndefined();
  });

  it("reads back what it wrote, and what the official console writes", () => {
    const form = {
      ...emptyForm("https://a.example/"),
      name: "Mine",
      permissionMode: "custom" as const,
      privileges: [2, 8],
      expirationDate: "2032-02-29",
      vehicles: "1,2",
      onboarding: true,
    };
    expect(fromConfiguration("Mine", toConfiguration(form))).toEqual(form);
    const official = fromConfiguration("Official", {
      redirectUri: "https://a.example/",
      utm: "",
      entryState: "VEHICLE_MANAGER",
      permissionTemplateId: "2",
      expirationDate: "03-01-2031",
      powerTrainTypes: "ICE",
    });
    expect(official).toMatchObject({
      templateId: "2",
      expirationDate: "2031-03-01",
      powertrainTypes: ["ICE"],
    });
  });

  it("names what must be fixed before saving", () => {
    const problems = formProblems(
      {
        ...emptyForm(""),
        permissionMode: "custom",
        privileges: [],
        expirationDate: "2029-01-01",
        tosUrl: "http://x.example",
        vehicles: "one",
      },
      TODAY,
    );
    expect(Object.keys(problems).sort()).toEqual(
      ["expirationDate", "name", "privileges", "redirectUri", "tosUrl", "vehicles"].sort(),
    );
  });
});

describe("links, snippets and the preview", () => {
  const configuration = toConfiguration({
    ...emptyForm("http://localhost:5173/"),
    name: "x",
    utm: "utm_source=a",
  });

  it("the configurationId link and the equivalent plain URL", () => {
    expect(configurationLink("https://login.example", "abc")).toBe(
      "https://login.example/?configurationId=abc",
    );
    const url = new URL(plainUrl("https://login.example", CLIENT, configuration));
    expect(Object.fromEntries(url.searchParams)).toEqual({
      clientId: CLIENT,
      redirectUri: "http://localhost:5173/",
      utm: "utm_source=a",
      entryState: "VEHICLE_MANAGER",
      permissionTemplateId: "1",
    });
  });

  it("snippets carry the client id, the configuration id and the server", () => {
    const react = keyfobReactSnippet("https://keyfob.example", CLIENT, configuration, "cfg-1");
    expect(react).toContain('import { initializeKeyfob, ShareVehiclesWithDimo } from "@keyfob/react"');
    expect(react).toContain('configurationId="cfg-1"');
    expect(react).toContain('baseUrl: "https://keyfob.example"');
    const official = officialSdkSnippet(CLIENT, configuration);
    expect(official).toContain("@dimo-network/login-with-dimo");
    expect(official).toContain('permissionTemplateId="1"');
    expect(official).toContain(CLIENT);
  });

  it("the preview says what the consent screen will say", () => {
    const app = { alias: "Fleet", clientId: CLIENT, platformName: "Keyfob", brand: null };
    const share = previewModel({ ...emptyForm("https://app.example.com/cb"), name: "x" }, app);
    expect(share.title).toBe("Fleet uses Keyfob to connect to your cars");
    expect(share.consent).toBe("Fleet wants to use Keyfob to connect to your vehicles data");
    expect(share.hostname).toBe("app.example.com");
    expect(share.privileges.map((p) => p.id)).toEqual([1, 2, 3, 4, 5, 6]);
    const branded = previewModel({ ...emptyForm("https://a.example/"), name: "x", brandName: "Acme" }, app);
    expect(branded.title).toBe("Sign in with Acme");
  });
});
