import {
  DimoAuthProvider,
  DimoSDKModes,
  initializeDimoSDK,
  LoginWithDimo,
  LogoutWithDimo,
  Permissions,
  ShareVehiclesWithDimo,
  useDimoAuthState,
} from "@dimo-network/login-with-dimo";
import { useState } from "react";

export interface AppConfig {
  clientId: string;
  redirectUri: string;
  forceEmail?: boolean;
  /** Token ids the redirect-mode share may offer (vehicle filter). */
  vehicles?: string[];
  vehicleMakes?: string[];
}

/**
 * The SDK's set-up and provider, here beside the components so the app names the SDK in one import
 * line: switching to another implementation of the same API (@keyfob/react) changes only that line.
 */
export function initializeSdk(config: AppConfig): void {
  initializeDimoSDK({
    clientId: config.clientId,
    redirectUri: config.redirectUri,
    // Not exported as an enum by 0.0.27; "local" means http://localhost:3000.
    environment: "local" as never,
    options: { forceEmail: config.forceEmail ?? false },
  });
}

export function Root({ config }: { config: AppConfig }) {
  return (
    <DimoAuthProvider>
      <App config={config} />
    </DimoAuthProvider>
  );
}

interface Outcome {
  source: string;
  kind: "success" | "error";
  data: unknown;
}

/**
 * Every official component in the modes the end-to-end tests drive. Each section has a name so a
 * test (or a person) can tell the buttons apart; the last outcome of any callback is shown as JSON.
 */
export function App({ config }: { config: AppConfig }) {
  const { isAuthenticated, walletAddress, email } = useDimoAuthState();
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const record = (source: string, kind: Outcome["kind"]) => (data: unknown) => {
    const value = data instanceof Error ? { message: data.message } : data;
    setOutcomes((previous) => [...previous, { source, kind, data: value }]);
  };
  const callbacks = (source: string) => ({
    onSuccess: record(source, "success"),
    onError: record(source, "error"),
  });

  return (
    <main>
      <h1>Official SDK example app</h1>
      <p data-testid="auth-state">
        {isAuthenticated ? `Signed in as ${walletAddress ?? "?"}` : "Signed out"}
        {email ? ` (${email})` : ""}
      </p>

      <section aria-label="Login popup">
        <h2>Login (popup)</h2>
        <LoginWithDimo mode={DimoSDKModes.POPUP} {...callbacks("login-popup")} />
      </section>

      <section aria-label="Share template popup">
        <h2>Share vehicles, template 1 (popup)</h2>
        <ShareVehiclesWithDimo
          mode={DimoSDKModes.POPUP}
          permissionTemplateId="1"
          {...callbacks("share-template-popup")}
        />
      </section>

      <section aria-label="Share custom popup">
        <h2>Share vehicles, custom permissions until 2030 (popup)</h2>
        <ShareVehiclesWithDimo
          mode={DimoSDKModes.POPUP}
          permissions={[Permissions.GetNonLocationHistory, Permissions.GetLocationHistory]}
          expirationDate="2030-12-31"
          {...callbacks("share-custom-popup")}
        />
      </section>

      <section aria-label="Share redirect">
        <h2>Share vehicles, filtered (redirect)</h2>
        <ShareVehiclesWithDimo
          mode={DimoSDKModes.REDIRECT}
          permissionTemplateId="1"
          vehicles={config.vehicles}
          vehicleMakes={config.vehicleMakes}
          utm="utm_source=keyfob-e2e&utm_campaign=redirect"
          {...callbacks("share-redirect")}
        />
      </section>

      <section aria-label="Logout popup">
        <h2>Logout (popup)</h2>
        <LogoutWithDimo mode={DimoSDKModes.POPUP} {...callbacks("logout-popup")} />
      </section>

      <h2>Callbacks</h2>
      <pre data-testid="outcomes">{JSON.stringify(outcomes, null, 2)}</pre>
      <h2>This page's query</h2>
      <pre data-testid="location-search">{window.location.search}</pre>
    </main>
  );
}
