import { createRoot } from "react-dom/client";
import { I18nextProvider } from "react-i18next";
import { App } from "./App.tsx";
import { ApiClient } from "./api.ts";
import { browserEnvironment } from "./environment.ts";
import { applyLanguage, createI18n, pickLanguage } from "./i18n.ts";
import "./styles.css";

const language = pickLanguage(window.location.search, navigator.languages ?? [navigator.language]);
applyLanguage(document, language);
const i18n = createI18n(language);

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <I18nextProvider i18n={i18n}>
      <App api={new ApiClient()} env={browserEnvironment()} />
    </I18nextProvider>,
  );
}
