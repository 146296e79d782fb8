import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { type AppConfig, initializeSdk, Root } from "./App.tsx";

// The license comes from /app-config.json ({clientId, redirectUri}), so one build serves any
// Keyfob installation: the end-to-end tests serve it next to the built app, and a developer can
// put one in public/ (see README.md).
async function start(): Promise<void> {
  const response = await fetch("/app-config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`GET /app-config.json answered ${response.status}`);
  const config = (await response.json()) as AppConfig;
  initializeSdk(config);
  const root = document.getElementById("root");
  if (!root) throw new Error("no #root element");
  createRoot(root).render(
    <StrictMode>
      <Root config={config} />
    </StrictMode>,
  );
}

start().catch((err: unknown) => {
  document.body.textContent = `The example app could not start: ${String(err)}`;
});
