import { type ReactNode, useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { ApiClient } from "./api.ts";
import { applyBrandColors, brandColors, documentTitle } from "./branding.ts";
import { Layout } from "./components/Layout.tsx";
import type { Environment } from "./environment.ts";
import { currentScreen } from "./flow.ts";
import { EmailInputScreen } from "./screens/EmailInputScreen.tsx";
import { ManageVehicleScreen } from "./screens/ManageVehicleScreen.tsx";
import { OtpInputScreen } from "./screens/OtpInputScreen.tsx";
import { PasskeyGeneratorScreen } from "./screens/PasskeyGeneratorScreen.tsx";
import { PasskeyLoginScreen } from "./screens/PasskeyLoginScreen.tsx";
import { DoneScreen, ErrorScreen, LoadingScreen, LogoutScreen } from "./screens/StatusScreens.tsx";
import { SuccessScreen } from "./screens/SuccessScreen.tsx";
import { VehicleManagerScreen } from "./screens/VehicleManagerScreen.tsx";
import { VehiclesSharedSuccessScreen } from "./screens/VehiclesSharedSuccessScreen.tsx";
import { useConnect } from "./useConnect.ts";

export function App({ api, env }: { api: ApiClient; env: Environment }) {
  const { t } = useTranslation();
  const { state, actions } = useConnect(api, env);
  const screen = currentScreen(state);
  const app = state.flow?.app ?? null;
  const request = state.flow?.request ?? null;

  useEffect(() => {
    document.title = documentTitle(t, app);
  }, [t, app]);

  useEffect(() => {
    applyBrandColors(document.documentElement, brandColors(app?.brand ?? null));
  }, [app]);

  // Each new screen moves focus to its heading (not on the very first render).
  const firstScreen = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the screen changes
  useEffect(() => {
    if (firstScreen.current) {
      firstScreen.current = false;
      return;
    }
    document.getElementById("screen-title")?.focus();
  }, [screen.id]);

  let content: ReactNode;
  if (screen.name === "ERROR") {
    content = (
      <ErrorScreen
        code={screen.code}
        mode={state.mode}
        onRetry={actions.reload}
        onClose={actions.closeWindow}
      />
    );
  } else if (screen.name === "DONE") {
    content = <DoneScreen app={app} mode={state.mode} />;
  } else if (screen.name === "LOGOUT") {
    content = <LogoutScreen />;
  } else if (screen.name === "LOADING" || app === null || request === null) {
    content = <LoadingScreen />;
  } else {
    switch (screen.name) {
      case "EMAIL_INPUT":
        content = (
          <EmailInputScreen
            app={app}
            request={request}
            user={state.user}
            email={state.email}
            shareEmail={state.shareEmail}
            notice={screen.notice}
            passkeysSupported={env.webauthn.supported()}
            actions={actions}
          />
        );
        break;
      case "OTP_INPUT":
        content = (
          <OtpInputScreen email={screen.email} resendAt={screen.resendAt} now={env.now} actions={actions} />
        );
        break;
      case "PASSKEY_LOGIN":
        content = <PasskeyLoginScreen reason={screen.reason} actions={actions} />;
        break;
      case "PASSKEY_GENERATOR":
        content = <PasskeyGeneratorScreen actions={actions} />;
        break;
      case "SUCCESS":
        content = <SuccessScreen app={app} user={state.user} onBackToApp={actions.backToApp} />;
        break;
      case "VEHICLE_MANAGER":
        content = (
          <VehicleManagerScreen
            app={app}
            request={request}
            user={state.user}
            loadVehicles={actions.loadVehicles}
            onShare={actions.share}
            onCancel={actions.cancelSharing}
            onManage={actions.manageVehicle}
          />
        );
        break;
      case "MANAGE_VEHICLE":
        content = (
          <ManageVehicleScreen
            app={app}
            vehicle={screen.vehicle}
            onRevoke={actions.revoke}
            onExtend={actions.extend}
          />
        );
        break;
      case "VEHICLES_SHARED_SUCCESS":
        content = (
          <VehiclesSharedSuccessScreen
            app={app}
            kind={screen.kind}
            tokenIds={screen.tokenIds}
            expiresAt={screen.expiresAt}
            onBackToApp={actions.backToApp}
          />
        );
        break;
    }
  }

  return (
    <Layout app={app} canGoBack={state.stack.length > 1} onBack={actions.back}>
      <div key={screen.id} className="screen">
        {content}
      </div>
    </Layout>
  );
}
