// English and German texts through i18next. The language comes from the `lang` URL parameter, else
// from the browser's preferred languages, else English; <html lang> follows it.

import { createInstance, type i18n as I18n } from "i18next";
import { initReactI18next } from "react-i18next";
import de from "./locales/de.json";
import en from "./locales/en.json";

export const LANGUAGES = ["en", "de"] as const;
export type Language = (typeof LANGUAGES)[number];

export const resources = { en: { translation: en }, de: { translation: de } } as const;

function supported(tag: string | null | undefined): Language | null {
  if (!tag) return null;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(primary ?? "") ? (primary as Language) : null;
}

/** `lang` parameter → first supported of the browser's languages → English. */
export function pickLanguage(search: string, browserLanguages: readonly string[]): Language {
  const fromParam = supported(new URLSearchParams(search).get("lang"));
  if (fromParam) return fromParam;
  for (const tag of browserLanguages) {
    const language = supported(tag);
    if (language) return language;
  }
  return "en";
}

export function createI18n(language: Language): I18n {
  const instance = createInstance();
  void instance.use(initReactI18next).init({
    resources,
    lng: language,
    fallbackLng: "en",
    supportedLngs: [...LANGUAGES],
    // React escapes what it renders.
    interpolation: { escapeValue: false },
    initAsync: false,
    returnNull: false,
  });
  return instance;
}

/** Sets <html lang> to the chosen language. */
export function applyLanguage(document: Document, language: Language): void {
  document.documentElement.lang = language;
}
