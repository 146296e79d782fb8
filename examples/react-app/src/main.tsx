import { initializeKeyfob, KeyfobProvider } from "@keyfob/react";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, describeError } from "./App.tsx";

interface AppConfig {
  clientId: string;
  redirectUri: string;
  keyfobUrl: string;
}

// The back end answers /app-config.json (see server/app.ts), so one build serves any installation.
async function start(): Promise<void> {
  const response = await fetch("/app-config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`GET /app-config.json answered ${response.status}`);
  const config = (await response.json()) as AppConfig;
  initializeKeyfob({
    clientId: config.clientId,
    redirectUri: config.redirectUri,
    baseUrl: config.keyfobUrl,
    // Secure mode (the default): the code and its PKCE verifier go to our back end, which redeems
    // them and keeps the user's token; the browser never holds it.
    async redeem(grant) {
      const answer = await fetch("/api/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: grant.code, codeVerifier: grant.codeVerifier }),
      });
      const body = await answer.json();
      if (!answer.ok) throw new Error(body.error_description ?? body.error ?? "Sign-in failed");
      return body;
    },
  });
  const root = document.getElementById("root");
  if (!root) throw new Error("no #root element");
  const listeners = new Set<(text: string) => void>();
  const notify = (text: string): void => {
    for (const listener of listeners) listener(text);
  };
  createRoot(root).render(
    <StrictMode>
      {/* Redirect results (the redirect buttons, or a blocked popup's fallback) arrive here. */}
      <KeyfobProvider
        onSuccess={() => notify("Signed in.")}
        onError={(error) => notify(describeError(error))}
      >
        <App
          subscribe={(listener) => {
            listeners.add(listener);
            return () => listeners.delete(listener);
          }}
        />
      </KeyfobProvider>
    </StrictMode>,
  );
}

start().catch((err: unknown) => {
  document.body.textContent = `The example app could not start: ${String(err)}`;
});
