// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { applyLanguage, createI18n, pickLanguage } from "./i18n.ts";
import de from "./locales/de.json";
import en from "./locales/en.json";

/** Every leaf of a resource file as [dotted key, text]. */
function leaves(value: unknown, prefix = ""): [string, string][] {
  if (value === null || typeof value !== "object") return [[prefix, String(value)]];
  return Object.entries(value).flatMap(([key, inner]) => leaves(inner, prefix ? `${prefix}.${key}` : key));
}

const keys = (value: unknown): string[] => leaves(value).map(([key]) => key);

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{(\w+)\}\}|<(\w+)>/g)].map((m) => m[1] ?? `<${m[2]}>`).sort();
}

describe("language choice", () => {
  it("takes the lang parameter first", () => {
    expect(pickLanguage("?lang=de", ["en-US"])).toBe("de");
    expect(pickLanguage("?clientId=0x1&lang=de-AT", ["en"])).toBe("de");
    expect(pickLanguage("?lang=EN", ["de-DE"])).toBe("en");
  });

  it("falls back to the browser's languages, in order, then English", () => {
    expect(pickLanguage("", ["de-CH", "en"])).toBe("de");
    expect(pickLanguage("?lang=fr", ["fr-FR", "de", "en"])).toBe("de");
    expect(pickLanguage("", ["fr", "es"])).toBe("en");
    expect(pickLanguage("", [])).toBe("en");
  });

  it("sets <html lang>", () => {
    applyLanguage(document, "de");
    expect(document.documentElement.lang).toBe("de");
    applyLanguage(document, "en");
    expect(document.documentElement.lang).toBe("en");
  });

  it("translates with the chosen language", () => {
    const t = createI18n("de").t;
    expect(t("otp.verify")).toBe("E-Mail bestätigen");
    expect(t("common.backTo", { name: "Demo" })).toBe("Zurück zu Demo");
    expect(createI18n("en").t("vehicles.share", { count: 2 })).toBe("Share 2 vehicles");
    expect(createI18n("de").t("vehicles.share", { count: 1 })).toBe("1 Fahrzeug teilen");
  });
});

describe("resource files", () => {
  it("German has every English key and no other", () => {
    expect(keys(de).sort()).toEqual(keys(en).sort());
  });

  it("German uses the same placeholders and tags as English", () => {
    const german = new Map(leaves(de));
    for (const [key, text] of leaves(en)) {
      expect(placeholders(german.get(key) ?? ""), key).toEqual(placeholders(text));
    }
  });

  it("has plain words for each privilege and each error code of the API", () => {
    for (let id = 1; id <= 8; id++) expect(en.privilege).toHaveProperty(String(id));
    for (const code of [
      "missingClientId",
      "missingRedirectUri",
      "unknownClient",
      "invalidRedirectUri",
      "invalidPermissions",
      "configurationNotFound",
      "configurationMismatch",
      "expirationInPast",
      "invalidParameters",
      "secureModeRequired",
      "invalidSecureRequest",
      "originNotAllowed",
      "advancedTransactionsUnavailable",
    ]) {
      expect(en.error.reason).toHaveProperty(code);
    }
  });
});
