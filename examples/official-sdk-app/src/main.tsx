import { DimoAuthProvider, initializeDimoSDK } from "@dimo-network/login-with-dimo";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, type AppConfig } from "./App.tsx";

// The license comes from /app-config.json ({clientId, redirectUri}), so one build serves any
// Keyfob installation: the end-to-end tests serve it next to the built app, and a developer can
// put one in public/ (see README.md).
async function start(): Promise<void> {
  const response = await fetch("/app-config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`GET /app-config.json answered ${response.status}`);
  const config = (await response.json()) as AppConfig;
  initializeDimoSDK({
    clientId: config.clientId,
    redirectUri: config.redirectUri,
    // Not exported as an enum by 0.0.27; "local" means http://localhost:3000.
    environment: "local" as never,
    options: { forceEmail: config.forceEmail ?? false },
  });
  const root = document.getElementById("root");
  if (!root) throw new Error("no #root element");
  createRoot(root).render(
    <StrictMode>
      <DimoAuthProvider>
        <App config={config} />
      </DimoAuthProvider>
    </StrictMode>,
  );
}

start().catch((err: unknown) => {
  document.body.textContent = `The example app could not start: ${String(err)}`;
});
