// @vitest-environment jsdom
// axe-core over every screen (in jsdom, so without colour contrast, which needs a real layout;
// the end-to-end tests scan the screens in Chromium too).
import { cleanup, screen } from "@testing-library/react";
import axe from "axe-core";
import type { ReactElement } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { Layout } from "./components/Layout.tsx";
import { EmailInputScreen } from "./screens/EmailInputScreen.tsx";
import { ManageVehicleScreen } from "./screens/ManageVehicleScreen.tsx";
import { OtpInputScreen } from "./screens/OtpInputScreen.tsx";
import { PasskeyGeneratorScreen } from "./screens/PasskeyGeneratorScreen.tsx";
import { PasskeyLoginScreen } from "./screens/PasskeyLoginScreen.tsx";
import { DoneScreen, ErrorScreen, LoadingScreen, LogoutScreen } from "./screens/StatusScreens.tsx";
import { SuccessScreen } from "./screens/SuccessScreen.tsx";
import { VehicleManagerScreen } from "./screens/VehicleManagerScreen.tsx";
import { VehiclesSharedSuccessScreen } from "./screens/VehiclesSharedSuccessScreen.tsx";
import { readyFlow, vehicle } from "./testing/fixtures.ts";
import { renderWithI18n } from "./testing/render.tsx";

afterEach(cleanup);

const flow = readyFlow("VEHICLE_MANAGER", {
  tosUrl: "https://app.example/tos",
  privacyPolicyUrl: "https://app.example/privacy",
  cloudEvent: { tags: ["Insurance"] },
  onboarding: ["x"],
});
const user = { email: "ada@example.com", walletAddress: "0xabc", hasPasskey: false };
const noop = async () => {};
const grant = { privileges: [1, 3], expiresAt: "2030-01-01T00:00:00Z", differsFromRequested: true };
const actions = {
  setEmail: () => {},
  setShareEmail: () => {},
  sendCode: noop,
  verifyCode: noop,
  passkeyLogin: noop,
  startConditionalPasskey: () => () => {},
  continueAs: () => {},
  useAnotherAccount: noop,
  useEmailCode: () => {},
  createPasskey: noop,
  skipPasskey: () => {},
};

async function seriousViolations(): Promise<string[]> {
  const result = await axe.run(document.body, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    rules: { "color-contrast": { enabled: false } },
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

const screens: [string, ReactElement][] = [
  ["LOADING", <LoadingScreen key="x" />],
  ["ERROR", <ErrorScreen key="x" code="unknownClient" mode="popup" onRetry={() => {}} onClose={() => {}} />],
  [
    "EMAIL_INPUT",
    <EmailInputScreen
      key="x"
      app={flow.app}
      request={{ ...flow.request, forceEmail: true }}
      user={null}
      email=""
      shareEmail={false}
      notice="consentRequired"
      passkeysSupported
      actions={actions}
    />,
  ],
  [
    "EMAIL_INPUT signed in",
    <EmailInputScreen
      key="x"
      app={flow.app}
      request={flow.request}
      user={user}
      email=""
      shareEmail
      notice={null}
      passkeysSupported
      actions={actions}
    />,
  ],
  [
    "OTP_INPUT",
    <OtpInputScreen key="x" email="ada@example.com" resendAt={Date.now() + 30_000} actions={actions} />,
  ],
  ["PASSKEY_LOGIN", <PasskeyLoginScreen key="x" reason="failed" actions={actions} />],
  ["PASSKEY_GENERATOR", <PasskeyGeneratorScreen key="x" actions={actions} />],
  ["SUCCESS", <SuccessScreen key="x" app={flow.app} user={user} onBackToApp={noop} />],
  [
    "VEHICLE_MANAGER",
    <VehicleManagerScreen
      key="x"
      app={flow.app}
      request={flow.request}
      user={user}
      loadVehicles={async () => ({
        requested: { privileges: [1, 4], expiresAt: "2126-01-01T00:00:00Z" },
        vehicles: [
          vehicle("1", { grant }),
          vehicle("2"),
          vehicle("3", { compatible: false, incompatibleReasons: ["vehicleMakes"] }),
        ],
      })}
      onShare={noop}
      onCancel={noop}
      onManage={() => {}}
    />,
  ],
  [
    "MANAGE_VEHICLE",
    <ManageVehicleScreen
      key="x"
      app={flow.app}
      vehicle={vehicle("1", { grant })}
      onRevoke={noop}
      onExtend={noop}
    />,
  ],
  [
    "VEHICLES_SHARED_SUCCESS",
    <VehiclesSharedSuccessScreen
      key="x"
      app={flow.app}
      kind="extended"
      tokenIds={["1"]}
      expiresAt="2031-01-01T00:00:00Z"
      onBackToApp={noop}
    />,
  ],
  ["LOGOUT", <LogoutScreen key="x" />],
  ["DONE", <DoneScreen key="x" app={flow.app} mode="popup" />],
];

describe("accessibility", () => {
  it.each(screens)("%s: one h1 in <main>, no serious or critical axe violations", async (_name, element) => {
    renderWithI18n(
      <Layout app={flow.app} canGoBack onBack={() => {}}>
        {element}
      </Layout>,
    );
    // Let screens that load data settle.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const main = screen.getByRole("main");
    expect(main.querySelectorAll("h1")).toHaveLength(1);
    expect(screen.getByRole("banner")).toBeTruthy();
    expect(await seriousViolations()).toEqual([]);
  });
});
