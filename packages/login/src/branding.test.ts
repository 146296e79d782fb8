// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import {
  applyBrandColors,
  brandColors,
  contrastRatio,
  documentTitle,
  httpsUrl,
  pageTitle,
  readableTextColor,
} from "./branding.ts";
import { createI18n } from "./i18n.ts";
import { readyFlow } from "./testing/fixtures.ts";

const t = createI18n("en").t;
const brand = { name: "Acme", logoUrl: null, iconUrl: null, primaryColor: "#ffcc00", textColor: "#ffffff" };

describe("branding", () => {
  it("uses only https URLs", () => {
    expect(httpsUrl("https://acme.example/tos")).toBe("https://acme.example/tos");
    expect(httpsUrl("http://acme.example/tos")).toBeNull();
    expect(httpsUrl("javascript:alert(1)")).toBeNull();
    expect(httpsUrl("/relative")).toBeNull();
    expect(httpsUrl(null)).toBeNull();
  });

  it("titles the page per brand, altTitle or default (§9)", () => {
    const { app, request } = readyFlow("EMAIL_INPUT");
    expect(pageTitle(t, app, request)).toBe("Demo App uses Keyfob to connect to your cars");
    expect(pageTitle(t, app, { ...request, altTitle: true })).toBe("Login to Demo App using Keyfob");
    expect(pageTitle(t, { ...app, brand }, request)).toBe("Sign in with Acme");
    expect(documentTitle(t, app)).toBe("Login with Keyfob");
    expect(documentTitle(t, { ...app, brand })).toBe("Sign in with Acme");
    expect(documentTitle(t, null)).toBe("Sign in");
  });

  it("keeps a readable text colour on the brand colour", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 0);
    expect(readableTextColor("#ffcc00")).toBe("#000000");
    expect(readableTextColor("#1d4ed8")).toBe("#ffffff");
    // The server's white on yellow is unreadable: black replaces it.
    expect(brandColors(brand)).toEqual({ primary: "#ffcc00", onPrimary: "#000000" });
    expect(brandColors({ ...brand, primaryColor: "#123456", textColor: "#ffffff" })).toEqual({
      primary: "#123456",
      onPrimary: "#ffffff",
    });
    expect(brandColors({ ...brand, primaryColor: "red" })).toBeNull();
    expect(brandColors(null)).toBeNull();
  });

  it("sets the colours as CSS custom properties through the CSSOM", () => {
    const root = document.createElement("div");
    applyBrandColors(root, { primary: "#123456", onPrimary: "#ffffff" });
    expect(root.style.getPropertyValue("--kf-primary")).toBe("#123456");
    expect(root.style.getPropertyValue("--kf-on-primary")).toBe("#ffffff");
    applyBrandColors(root, null);
    expect(root.style.getPropertyValue("--kf-primary")).toBe("");
  });
});
