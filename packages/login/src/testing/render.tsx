// Rendering helpers for the login app's component tests (not part of the build).

import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { I18nextProvider } from "react-i18next";
import { createI18n, type Language } from "../i18n.ts";

export function renderWithI18n(ui: ReactElement, language: Language = "en") {
  const i18n = createI18n(language);
  return { i18n, ...render(<I18nextProvider i18n={i18n}>{ui}</I18nextProvider>) };
}
