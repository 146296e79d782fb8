// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SessionUser } from "../api.ts";
import { readyFlow } from "../testing/fixtures.ts";
import { renderWithI18n } from "../testing/render.tsx";
import { type EmailActions, EmailInputScreen } from "./EmailInputScreen.tsx";

afterEach(cleanup);

/** The screen with its email and consent state kept as the app keeps them. */
function Harness({
  flow,
  user,
  passkeysSupported,
  actions,
}: {
  flow: ReturnType<typeof readyFlow>;
  user: SessionUser | null;
  passkeysSupported: boolean;
  actions: EmailActions;
}) {
  const [email, setEmail] = useState("");
  const [shareEmail, setShareEmail] = useState(false);
  return (
    <EmailInputScreen
      app={flow.app}
      request={flow.request}
      user={user}
      email={email}
      shareEmail={shareEmail}
      notice={null}
      passkeysSupported={passkeysSupported}
      actions={{
        ...actions,
        setEmail: (value) => {
          actions.setEmail(value);
          setEmail(value);
        },
        setShareEmail: (value) => {
          actions.setShareEmail(value);
          setShareEmail(value);
        },
      }}
    />
  );
}

function setup({
  user = null,
  forceEmail = false,
  passkeysSupported = true,
  request = {},
}: {
  user?: SessionUser | null;
  forceEmail?: boolean;
  passkeysSupported?: boolean;
  request?: Parameters<typeof readyFlow>[1];
} = {}) {
  const flow = readyFlow("EMAIL_INPUT", { forceEmail, ...request });
  const stop = vi.fn();
  const actions = {
    setEmail: vi.fn(),
    setShareEmail: vi.fn(),
    sendCode: vi.fn(async () => {}),
    passkeyLogin: vi.fn(async () => {}),
    startConditionalPasskey: vi.fn(() => stop),
    continueAs: vi.fn(),
    useAnotherAccount: vi.fn(async () => {}),
  } satisfies EmailActions;
  const view = renderWithI18n(
    <Harness flow={flow} user={user} passkeysSupported={passkeysSupported} actions={actions} />,
  );
  return { actions, stop, view };
}

describe("EmailInputScreen", () => {
  it("offers passkeys in the email field's autofill from the start, and stops when it goes away", () => {
    const { actions, stop, view } = setup();
    const email = screen.getByRole("textbox", { name: "Email address" });
    expect(email.getAttribute("autocomplete")).toBe("username webauthn");
    fireEvent.change(email, { target: { value: "a" } });
    fireEvent.change(email, { target: { value: "ad" } });
    expect(actions.startConditionalPasskey).toHaveBeenCalledTimes(1);
    expect(stop).not.toHaveBeenCalled();
    view.unmount();
    expect(stop).toHaveBeenCalled();
  });

  it("does not start WebAuthn without browser support, and hides the passkey button", () => {
    const { actions } = setup({ passkeysSupported: false });
    expect(actions.startConditionalPasskey).not.toHaveBeenCalled();
    expect(screen.queryByRole("button", { name: "Sign in with a passkey" })).toBeNull();
  });

  it("checks the email before sending a code", async () => {
    const { actions } = setup();
    fireEvent.change(screen.getByRole("textbox", { name: "Email address" }), {
      target: { value: "not-an-email" },
    });
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    expect(screen.getByRole("alert").textContent).toMatch(/valid email address/);
    expect(actions.sendCode).not.toHaveBeenCalled();
    fireEvent.change(screen.getByRole("textbox", { name: "Email address" }), {
      target: { value: " ada@example.com " },
    });
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    await waitFor(() => expect(actions.sendCode).toHaveBeenCalledWith("ada@example.com"));
  });

  it("with forceEmail, requires the consent box before a code or a passkey", async () => {
    const { actions } = setup({ forceEmail: true });
    fireEvent.change(screen.getByRole("textbox", { name: "Email address" }), {
      target: { value: "ada@example.com" },
    });
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    expect(screen.getByRole("alert").textContent).toBe(
      "Demo App needs your email. Tick the box to agree to share it.",
    );
    fireEvent.click(screen.getByRole("button", { name: "Sign in with a passkey" }));
    expect(actions.sendCode).not.toHaveBeenCalled();
    expect(actions.passkeyLogin).not.toHaveBeenCalled();
    const box = screen.getByRole("checkbox", { name: "I agree to share my email with Demo App" });
    expect(document.activeElement).toBe(box);
    fireEvent.click(box);
    expect(screen.queryByRole("alert")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Sign in with a passkey" }));
    await waitFor(() => expect(actions.passkeyLogin).toHaveBeenCalled());
  });

  it("offers 'Continue as' and 'Use another account' to a signed-in user, without autofill", async () => {
    const { actions } = setup({
      user: { email: "ada@example.com", walletAddress: "0xabc", hasPasskey: true },
    });
    expect(screen.queryByRole("textbox")).toBeNull();
    expect(actions.startConditionalPasskey).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Continue as ada@example.com" }));
    expect(actions.continueAs).toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Use another account" }));
    await waitFor(() => expect(actions.useAnotherAccount).toHaveBeenCalled());
  });

  it("links the legal texts only to https URLs", () => {
    setup({ request: { tosUrl: "https://app.example/tos", privacyPolicyUrl: "http://app.example/privacy" } });
    expect(screen.getByRole("link", { name: "Terms of Service" }).getAttribute("href")).toBe(
      "https://app.example/tos",
    );
    expect(screen.queryByRole("link", { name: "Privacy Policy" })).toBeNull();
    expect(screen.getByText(/By continuing you agree to our/)).toBeTruthy();
  });
});
