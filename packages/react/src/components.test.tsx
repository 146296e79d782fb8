// @vitest-environment jsdom

import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { StrictMode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetDimoSDK } from "./config.ts";
import { resetRedirectResult } from "./context.tsx";
import {
  DimoAuthProvider,
  DimoSDKModes,
  EntryState,
  ExecuteAdvancedTransactionWithDimo,
  initializeDimoSDK,
  initializeKeyfob,
  LoginWithDimo,
  LogoutWithDimo,
  Permissions,
  ShareVehiclesWithDimo,
  useDimoAuthState,
} from "./index.ts";
import { resetSession } from "./session.ts";

const LOGIN = "http://localhost:3000";
const CLIENT_ID = "0x1111111111111111111111111111111111111111";
const REDIRECT = "http://localhost/";

function jwt(claims: Record<string, unknown>): string {
  const part = (v: unknown) =>
    btoa(JSON.stringify(v)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${part({ alg: "none" })}.${part(claims)}.sig`;
}
const validJwt = () => jwt({ exp: Math.floor(Date.now() / 1000) + 3600, aud: CLIENT_ID });

interface FakePopup {
  closed: boolean;
  close: () => void;
  focus: () => void;
  postMessage: ReturnType<typeof vi.fn>;
}

let popup: FakePopup | null;
let open: ReturnType<typeof vi.fn>;

function fromLogin(data: unknown, source: unknown = popup, origin = LOGIN): void {
  const event = new Event("message");
  Object.defineProperties(event, {
    data: { value: data },
    origin: { value: origin },
    source: { value: source },
  });
  act(() => {
    window.dispatchEvent(event);
  });
}

function AuthState() {
  const { isAuthenticated, walletAddress } = useDimoAuthState();
  return <p data-testid="state">{isAuthenticated ? `in ${walletAddress ?? ""}` : "out"}</p>;
}

beforeEach(() => {
  popup = {
    closed: false,
    close() {
      if (popup) popup.closed = true;
    },
    focus: vi.fn(),
    postMessage: vi.fn(),
  };
  open = vi.fn(() => popup);
  vi.spyOn(window, "open").mockImplementation(open as unknown as typeof window.open);
  initializeDimoSDK({ clientId: CLIENT_ID, redirectUri: REDIRECT, environment: "local" });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  resetDimoSDK();
  resetSession();
  resetRedirectResult();
  // biome-ignore lint/suspicious/noDocumentCookie: clears the cookie the SDK under test wrote
  document.cookie = "dimo_auth_token=; Max-Age=0; path=/";
  localStorage.clear();
  window.history.replaceState(null, "", "/");
});

describe("the official public API", () => {
  it("has the official enums and values", () => {
    expect(DimoSDKModes.POPUP).toBe("popup");
    expect(DimoSDKModes.REDIRECT).toBe("redirect");
    expect(EntryState.VEHICLE_MANAGER).toBe("VEHICLE_MANAGER");
    expect(Object.values(Permissions)).toEqual([
      "NONLOCATION_TELEMETRY",
      "COMMANDS",
      "CURRENT_LOCATION",
      "ALLTIME_LOCATION",
      "CREDENTIALS",
      "STREAMS",
      "RAW_DATA",
      "APPROXIMATE_LOCATION",
    ]);
  });

  it("shows the official default labels, signed out", () => {
    const tx = { address: "0xabc", abi: [{ type: "function" }], functionName: "f", args: [] };
    render(
      <DimoAuthProvider>
        <LoginWithDimo mode={DimoSDKModes.POPUP} onSuccess={() => {}} onError={() => {}} />
        <ShareVehiclesWithDimo mode={DimoSDKModes.POPUP} onSuccess={() => {}} onError={() => {}} />
        <ExecuteAdvancedTransactionWithDimo
          mode={DimoSDKModes.POPUP}
          onSuccess={() => {}}
          onError={() => {}}
          {...tx}
        />
        <LogoutWithDimo mode={DimoSDKModes.POPUP} onSuccess={() => {}} onError={() => {}} />
      </DimoAuthProvider>,
    );
    for (const name of [
      "Continue with DIMO",
      "Sign in to Share Vehicles with DIMO",
      "Sign in to Execute Transaction",
      "Logout",
    ])
      expect(screen.getByRole("button", { name })).toBeTruthy();
  });

  it("refuses to be used outside the provider, as the official hook does", () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => render(<AuthState />)).toThrow("useDimoAuthState must be used within a DimoAuthProvider");
  });
});

describe("custom buttons", () => {
  it("takes className, style, children, labels and a brand colour", () => {
    render(
      <DimoAuthProvider>
        <LoginWithDimo mode="popup" className="mine" style={{ width: 200 }}>
          Sign in with Acme
        </LoginWithDimo>
        <ShareVehiclesWithDimo
          mode="popup"
          labels={{ unAuthenticatedLabel: "Connect your car" }}
          brandColor="#112233"
        />
      </DimoAuthProvider>,
    );
    const custom = screen.getByRole("button", { name: "Sign in with Acme" });
    expect(custom.className).toBe("keyfob-button mine");
    expect(custom.style.width).toBe("200px");
    const branded = screen.getByRole("button", { name: "Connect your car" });
    expect(branded.style.backgroundColor).toBe("rgb(17, 34, 51)");
    expect(branded.style.color).toBe("rgb(255, 255, 255)");
  });
});

describe("popup attempts", () => {
  it("signs in: AUTH_INIT to the login origin, onSuccess exactly once, and the app is signed in", async () => {
    const onSuccess = vi.fn();
    const onError = vi.fn();
    render(
      <StrictMode>
        <DimoAuthProvider>
          <AuthState />
          <LoginWithDimo mode={DimoSDKModes.POPUP} onSuccess={onSuccess} onError={onError} />
        </DimoAuthProvider>
      </StrictMode>,
    );
    fireEvent.click(screen.getByRole("button", { name: "Continue with DIMO" }));
    fireEvent.click(screen.getByRole("button", { name: "Continue with DIMO" }));
    expect(open).toHaveBeenCalledTimes(1);
    expect(open).toHaveBeenCalledWith(LOGIN, "_blank", "width=500,height=600");
    fromLogin({ eventType: "READY", mode: "popup" });
    await waitFor(() => expect(popup?.postMessage).toHaveBeenCalled());
    expect(popup?.postMessage.mock.calls[0]?.[1]).toBe(LOGIN);
    expect(popup?.postMessage.mock.calls[0]?.[0]).toMatchObject({
      eventType: "AUTH_INIT",
      entryState: "EMAIL_INPUT",
    });
    const token = validJwt();
    fromLogin({ eventType: "authResponse", mode: "popup", token: "forged" }, {}, LOGIN);
    fromLogin({ eventType: "authResponse", mode: "popup", token: "forged" }, popup, "http://localhost:3001");
    fromLogin({ eventType: "authResponse", mode: "popup", token, walletAddress: "0xabc" });
    fromLogin({ eventType: "authResponse", mode: "popup", token, walletAddress: "0xabc" });
    await waitFor(() => expect(screen.getByTestId("state").textContent).toBe("in 0xabc"));
    expect(onSuccess).toHaveBeenCalledTimes(1);
    expect(onSuccess).toHaveBeenCalledWith({ token, walletAddress: "0xabc" });
    expect(onError).not.toHaveBeenCalled();
    expect(document.cookie).toContain(`dimo_auth_token=${token}`);
    expect(screen.getByRole("button", { name: "Manage DIMO Account" })).toBeTruthy();
  });

  it("reports a blocked popup once, with the official message", async () => {
    popup = null;
    const onError = vi.fn();
    render(
      <DimoAuthProvider>
        <ShareVehiclesWithDimo mode="popup" permissionTemplateId="1" onError={onError} />
      </DimoAuthProvider>,
    );
    fireEvent.click(screen.getByRole("button"));
    await waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
    expect(onError.mock.calls[0]?.[0]).toMatchObject({
      code: "popup_blocked",
      message: "Popup failed to open",
    });
  });

  it("reports a popup the user closed, once, to onError and onExit", async () => {
    const onError = vi.fn();
    const onExit = vi.fn();
    const onSuccess = vi.fn();
    render(
      <DimoAuthProvider>
        <LoginWithDimo mode="popup" onSuccess={onSuccess} onError={onError} onExit={onExit} />
      </DimoAuthProvider>,
    );
    fireEvent.click(screen.getByRole("button"));
    popup?.close();
    await waitFor(() => expect(onExit).toHaveBeenCalledTimes(1), { timeout: 5_000 });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: "closed_by_user" });
    expect(onSuccess).not.toHaveBeenCalled();
  });

  it("reports a refusal by the owner", async () => {
    const onError = vi.fn();
    render(
      <DimoAuthProvider>
        <ShareVehiclesWithDimo mode="popup" permissionTemplateId="1" onError={onError} />
      </DimoAuthProvider>,
    );
    fireEvent.click(screen.getByRole("button"));
    fromLogin({ eventType: "DIMO_ERROR", mode: "popup", message: "User cancelled document sharing" });
    await waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
    expect(onError.mock.calls[0]?.[0]).toMatchObject({
      code: "refused",
      message: "User cancelled document sharing",
    });
  });

  it("secure mode: redeems the code, keeps the token in memory only, and logs out", async () => {
    const redeem = vi.fn(async () => ({
      access_token: validJwt(),
      result: { walletAddress: "0xdef", sharedVehicles: ["7"] },
    }));
    initializeKeyfob({ clientId: CLIENT_ID, redirectUri: REDIRECT, baseUrl: LOGIN, redeem });
    const onSuccess = vi.fn();
    render(
      <DimoAuthProvider>
        <AuthState />
        <ShareVehiclesWithDimo mode="popup" permissionTemplateId="1" onSuccess={onSuccess} />
        <LogoutWithDimo mode="popup" onSuccess={onSuccess} />
      </DimoAuthProvider>,
    );
    fireEvent.click(screen.getByRole("button", { name: "Sign in to Share Vehicles with DIMO" }));
    fromLogin({ eventType: "READY", mode: "popup" });
    await waitFor(() => expect(popup?.postMessage).toHaveBeenCalled());
    const init = popup?.postMessage.mock.calls[0]?.[0] as {
      state: string;
      response_type: string;
      apiKey?: string;
    };
    expect(init.response_type).toBe("code");
    expect(init.apiKey).toBeUndefined();
    fromLogin({ eventType: "SHARE_VEHICLES_DATA", mode: "popup" });
    await waitFor(() => expect(popup?.postMessage).toHaveBeenCalledTimes(2));
    expect(popup?.postMessage.mock.calls[1]?.[0]).toMatchObject({
      permissionTemplateId: "1",
      permissions: "11111100",
    });
    fromLogin({ eventType: "authResponse", mode: "popup", code: "abc", state: init.state, iss: LOGIN });
    await waitFor(() => expect(screen.getByTestId("state").textContent).toBe("in 0xdef"));
    expect(onSuccess).toHaveBeenCalledTimes(1);
    expect(onSuccess.mock.calls[0]?.[0]).toMatchObject({ sharedVehicles: ["7"], walletAddress: "0xdef" });
    expect(document.cookie).not.toContain("dimo_auth_token=ey");

    popup = { ...(popup as FakePopup), closed: false, postMessage: vi.fn() };
    fireEvent.click(screen.getByRole("button", { name: "Logout" }));
    fromLogin({ eventType: "READY", mode: "popup" });
    await waitFor(() => expect(popup?.postMessage).toHaveBeenCalled());
    const logoutInit = popup?.postMessage.mock.calls[0]?.[0] as { state: string; entryState: string };
    expect(logoutInit.entryState).toBe("LOGOUT");
    fromLogin({ eventType: "logout", mode: "popup", state: logoutInit.state, logout: true });
    await waitFor(() => expect(screen.getByTestId("state").textContent).toBe("out"));
    expect(onSuccess).toHaveBeenCalledTimes(2);
  });
});

describe("redirect results", () => {
  it("reads a legacy result once (even in StrictMode), signs in, and strips the token from the address bar", async () => {
    const token = validJwt();
    window.history.replaceState(null, "", `/?page=1&token=${token}&walletAddress=0xabc&sharedVehicles=3`);
    const onSuccess = vi.fn();
    render(
      <StrictMode>
        <DimoAuthProvider onSuccess={onSuccess}>
          <AuthState />
        </DimoAuthProvider>
      </StrictMode>,
    );
    await waitFor(() => expect(screen.getByTestId("state").textContent).toBe("in 0xabc"));
    expect(onSuccess).toHaveBeenCalledTimes(1);
    expect(onSuccess).toHaveBeenCalledWith({ token, walletAddress: "0xabc", sharedVehicles: ["3"] });
    expect(window.location.search).toBe("?page=1");
  });

  it("navigates to the login app with every parameter in redirect mode", async () => {
    const assign = vi.fn();
    vi.spyOn(window, "location", "get").mockReturnValue({
      ...window.location,
      href: window.location.href,
      assign,
    } as Location);
    render(
      <DimoAuthProvider>
        <ShareVehiclesWithDimo
          mode="redirect"
          vehicles={["1", "2"]}
          permissions={[Permissions.GetNonLocationHistory]}
        />
      </DimoAuthProvider>,
    );
    fireEvent.click(screen.getByRole("button"));
    await waitFor(() => expect(assign).toHaveBeenCalled());
    const url = new URL(assign.mock.calls[0]?.[0] as string);
    expect(url.origin).toBe(LOGIN);
    expect(url.searchParams.getAll("vehicles")).toEqual(["1", "2"]);
    expect(url.searchParams.get("permissions")).toBe("10000000");
    expect(url.searchParams.get("redirectUri")).toBe(REDIRECT);
  });
});
