// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App.tsx";
import { ApiClient } from "./api.ts";
import { APP_ORIGIN, fakeEnvironment, fakeServer } from "./testing/fakes.ts";
import { readyFlow, vehicle } from "./testing/fixtures.ts";
import { renderWithI18n } from "./testing/render.tsx";

afterEach(cleanup);

const CLIENT_ID = "0x1111111111111111111111111111111111111111";
const user = { email: "ada@example.com", walletAddress: "0xabc", hasPasskey: false };

const authInit = (entryState: string) => ({
  eventType: "AUTH_INIT",
  clientId: CLIENT_ID,
  redirectUri: `${APP_ORIGIN}/callback`,
  apiKey: "some_api_key",
  entryState,
  forceEmail: false,
  altTitle: false,
  internal: "dropped",
});

function result(message: Record<string, unknown>, redirectUrl: string | null = null) {
  return {
    message,
    targetOrigin: redirectUrl ? null : APP_ORIGIN,
    redirectUrl,
  };
}

const flowsPath = "/api/connect/flows";

describe("App in a popup", () => {
  it("READY → AUTH_INIT → email code → authorize: posts one authResponse and closes", async () => {
    const server = fakeServer({
      "GET /api/session": () => ({ body: { csrfToken: "csrf-1", user: null } }),
      [`POST ${flowsPath}`]: (call) =>
        (call.body as { message?: unknown }).message
          ? { body: readyFlow("EMAIL_INPUT") }
          : { body: { status: "awaitingMessage" } },
      "POST /api/auth/email/start": () => ({ status: 202, body: { sent: true, resendAfterSeconds: 60 } }),
      "POST /api/auth/email/verify": (call) =>
        (call.body as { code: string }).code === "123456"
          ? { body: { user, newAccount: false } }
          : { status: 400, body: { code: "invalid_code", message: "wrong" } },
      "POST /api/connect/flows/flow-1/authorize": () => ({
        body: {
          result: result({ eventType: "authResponse", mode: "popup", token: "jwt", authType: "popup" }),
        },
      }),
    });
    const { env, posted } = fakeEnvironment({
      peer: "opener",
      onPost: (message, _origin, reply) => {
        if (message.eventType === "READY") reply(authInit("EMAIL_INPUT"));
      },
    });
    renderWithI18n(<App api={new ApiClient(server.fetchFn)} env={env} />);

    const email = await screen.findByRole("textbox", { name: "Email address" }, { timeout: 3000 });
    expect(posted[0]).toEqual({ message: { eventType: "READY", mode: "popup" }, targetOrigin: APP_ORIGIN });
    const second = server.posts(flowsPath)[1]!.body as { message: Record<string, unknown>; origin: string };
    expect(second.origin).toBe(APP_ORIGIN);
    expect(second.message).not.toHaveProperty("internal");
    expect(second.message).toMatchObject({ clientId: CLIENT_ID, entryState: "EMAIL_INPUT" });
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe(
      "Demo App uses Keyfob to connect to your cars",
    );
    await waitFor(() => expect(document.title).toBe("Login with Keyfob"));

    fireEvent.change(email, { target: { value: "ada@example.com" } });
    fireEvent.click(screen.getByRole("checkbox", { name: "I agree to share my email with Demo App" }));
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    await screen.findByRole("heading", { name: "Check your email" });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("heading", { level: 1 })));
    expect(screen.getByRole("button", { name: "Resend code in 60 s" })).toHaveProperty("disabled", true);
    expect(screen.getByRole("button", { name: "Back" })).toBeTruthy();

    fireEvent.paste(screen.getByRole("textbox", { name: "Digit 1 of 6" }), {
      clipboardData: { getData: () => "654321" },
    });
    fireEvent.click(screen.getByRole("button", { name: "Verify email" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "That code is not right. Check it and try again.",
    );

    fireEvent.paste(screen.getByRole("textbox", { name: "Digit 1 of 6" }), {
      clipboardData: { getData: () => "123456" },
    });
    fireEvent.click(screen.getByRole("button", { name: "Verify email" }));
    await waitFor(() => expect(env.close).toHaveBeenCalled());

    const results = posted.filter((p) => p.message.eventType === "authResponse");
    expect(results).toEqual([
      {
        message: { eventType: "authResponse", mode: "popup", token: "jwt", authType: "popup" },
        targetOrigin: APP_ORIGIN,
      },
    ]);
    expect(server.posts("/api/connect/flows/flow-1/authorize")[0]!.body).toEqual({ shareEmail: true });
    for (const call of server.calls.filter((c) => c.method === "POST")) {
      expect(call.headers["x-csrf-token"]).toBe("csrf-1");
    }
  });

  it("shares vehicles: payload handshake, result posted before the success screen, Back closes", async () => {
    const server = fakeServer({
      "GET /api/session": () => ({ body: { csrfToken: "c", user } }),
      [`POST ${flowsPath}`]: (call) =>
        (call.body as { message?: unknown }).message
          ? {
              body: {
                status: "awaitingPayload",
                flowId: "flow-1",
                payloadEvent: "SHARE_VEHICLES_DATA",
                replyOrigin: APP_ORIGIN,
              },
            }
          : { body: { status: "awaitingMessage" } },
      "POST /api/connect/flows/flow-1/payload": () => ({ body: readyFlow("VEHICLE_MANAGER") }),
      "GET /api/connect/flows/flow-1/vehicles": () => ({
        body: {
          requested: { privileges: [1, 2, 3, 4, 5, 6], expiresAt: "2126-01-01T00:00:00Z" },
          vehicles: [vehicle("12"), vehicle("34")],
        },
      }),
      "POST /api/connect/flows/flow-1/share": () => ({
        body: {
          result: result({ eventType: "authResponse", mode: "popup", token: "jwt", sharedVehicles: ["12"] }),
          sharedVehicles: ["12"],
        },
      }),
    });
    const { env, posted } = fakeEnvironment({
      peer: "opener",
      onPost: (message, _origin, reply) => {
        if (message.eventType === "READY") reply(authInit("VEHICLE_MANAGER"));
        if (message.eventType === "SHARE_VEHICLES_DATA") {
          reply({ eventType: "SHARE_VEHICLES_DATA", permissionTemplateId: "1", utm: null });
        }
      },
    });
    renderWithI18n(<App api={new ApiClient(server.fetchFn)} env={env} />);

    fireEvent.click(
      await screen.findByRole("button", { name: "Continue as ada@example.com" }, { timeout: 3000 }),
    );
    expect(server.posts("/api/connect/flows/flow-1/payload")[0]!.body).toEqual({
      payload: { eventType: "SHARE_VEHICLES_DATA", permissionTemplateId: "1" },
      origin: APP_ORIGIN,
    });
    fireEvent.click(await screen.findByRole("checkbox", { name: /Car 12/ }));
    fireEvent.click(screen.getByRole("button", { name: "Share 1 vehicle" }));
    await screen.findByText("You have successfully shared 1 vehicle with Demo App.");
    const shared = posted.filter((p) => p.message.eventType === "authResponse");
    expect(shared).toHaveLength(1);
    expect(shared[0]!.message.sharedVehicles).toEqual(["12"]);
    expect(env.close).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole("button", { name: "Back to Demo App" }));
    await waitFor(() => expect(env.close).toHaveBeenCalled());
    expect(posted.filter((p) => p.message.eventType === "authResponse")).toHaveLength(1);
  });

  it("LOGOUT: ends the session, posts the logout result and closes", async () => {
    const server = fakeServer({
      "GET /api/session": () => ({ body: { csrfToken: "c", user } }),
      [`POST ${flowsPath}`]: (call) =>
        (call.body as { message?: unknown }).message
          ? { body: readyFlow("LOGOUT") }
          : { body: { status: "awaitingMessage" } },
      "POST /api/connect/flows/flow-1/logout": () => ({
        body: { result: result({ eventType: "logout", mode: "popup" }) },
      }),
    });
    const { env, posted } = fakeEnvironment({
      peer: "opener",
      onPost: (message, _origin, reply) => {
        if (message.eventType === "READY") reply(authInit("LOGOUT"));
      },
    });
    renderWithI18n(<App api={new ApiClient(server.fetchFn)} env={env} />);
    await waitFor(() => expect(env.close).toHaveBeenCalled(), { timeout: 3000 });
    expect(posted.at(-1)).toEqual({
      message: { eventType: "logout", mode: "popup" },
      targetOrigin: APP_ORIGIN,
    });
  });

  it("shows the error screen when the server refuses the AUTH_INIT origin", async () => {
    const server = fakeServer({
      "GET /api/session": () => ({ body: { csrfToken: "c", user: null } }),
      [`POST ${flowsPath}`]: (call) =>
        (call.body as { message?: unknown }).message
          ? { status: 400, body: { code: "originNotAllowed", message: "origin" } }
          : { body: { status: "awaitingMessage" } },
    });
    const { env } = fakeEnvironment({
      peer: "opener",
      onPost: (message, _origin, reply) => {
        if (message.eventType === "READY") reply(authInit("EMAIL_INPUT"));
      },
    });
    renderWithI18n(<App api={new ApiClient(server.fetchFn)} env={env} />);
    expect(await screen.findByText(/not registered for this app/, {}, { timeout: 3000 })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Close this window" })).toBeTruthy();
  });
});

describe("App in a frame (embed)", () => {
  it("asks for third-party cookies, says READY with mode embed, and posts a DIMO_ERROR for an unavailable entry state", async () => {
    const dimoError = {
      eventType: "DIMO_ERROR",
      mode: "embed",
      message: "Advanced transactions are not available on this server",
    };
    const server = fakeServer({
      "GET /api/session?mode=embed": () => ({ body: { csrfToken: "c", user: null } }),
      [`POST ${flowsPath}`]: (call) =>
        (call.body as { message?: unknown }).message
          ? {
              status: 400,
              body: { code: "advancedTransactionsUnavailable", message: "nope", result: result(dimoError) },
            }
          : { body: { status: "awaitingMessage", clientId: CLIENT_ID } },
    });
    const { env, posted } = fakeEnvironment({
      search: `?clientId=${CLIENT_ID}&mode=embed`,
      peer: "parent",
      onPost: (message, _origin, reply) => {
        if (message.eventType === "READY") reply(authInit("ADVANCED_TRANSACTION"));
      },
    });
    renderWithI18n(<App api={new ApiClient(server.fetchFn)} env={env} />);
    expect(
      await screen.findByText(
        "Advanced transactions are not available on this server.",
        {},
        { timeout: 3000 },
      ),
    ).toBeTruthy();
    expect(posted.map((p) => p.message)).toEqual([{ eventType: "READY", mode: "embed" }, dimoError]);
    expect(posted[1]!.targetOrigin).toBe(APP_ORIGIN);
    expect(server.posts(flowsPath)[0]!.body).toMatchObject({ mode: "embed" });
    // No close button in a frame: the page that embeds it removes it.
    expect(screen.queryByRole("button", { name: "Close this window" })).toBeNull();
  });
});

describe("App in redirect mode", () => {
  it("shows the error in plain words and never navigates", async () => {
    const server = fakeServer({
      "GET /api/session": () => ({ body: { csrfToken: "c", user: null } }),
      [`POST ${flowsPath}`]: () => ({ status: 400, body: { code: "invalidRedirectUri", message: "nope" } }),
    });
    const { env } = fakeEnvironment({
      search: `?clientId=${CLIENT_ID}&redirectUri=https%3A%2F%2Fevil.example`,
    });
    renderWithI18n(<App api={new ApiClient(server.fetchFn)} env={env} />);
    expect(await screen.findByRole("heading", { name: "Sign-in is not possible" })).toBeTruthy();
    expect(screen.getByText(/has not registered/)).toBeTruthy();
    expect(env.assign).not.toHaveBeenCalled();
    expect(server.posts(flowsPath)[0]!.body).toEqual({
      query: `clientId=${CLIENT_ID}&redirectUri=https%3A%2F%2Fevil.example`,
      mode: "redirect",
    });
  });

  it("a bare URL without an opener cannot run", async () => {
    const server = fakeServer({
      "GET /api/session": () => ({ body: { csrfToken: "c", user: null } }),
      [`POST ${flowsPath}`]: () => ({ body: { status: "awaitingMessage" } }),
    });
    const { env } = fakeEnvironment({});
    renderWithI18n(<App api={new ApiClient(server.fetchFn)} env={env} />);
    expect(await screen.findByText(/needs to be opened from an app/)).toBeTruthy();
  });

  it("navigates to the redirect URL on 'Back to {name}' after a revoke", async () => {
    const redirectUrl = `${APP_ORIGIN}/callback?token=jwt&revokedVehicles=7`;
    const grant = { privileges: [1], expiresAt: "2030-01-01T00:00:00Z", differsFromRequested: true };
    const server = fakeServer({
      "GET /api/session": () => ({ body: { csrfToken: "c", user } }),
      [`POST ${flowsPath}`]: () => ({ body: { ...readyFlow("VEHICLE_MANAGER"), replyOrigin: null } }),
      "GET /api/connect/flows/flow-1/vehicles": () => ({
        body: {
          requested: { privileges: [1, 4], expiresAt: "2126-01-01T00:00:00Z" },
          vehicles: [vehicle("7", { grant })],
        },
      }),
      "POST /api/connect/flows/flow-1/revoke": () => ({
        body: { result: result({ eventType: "authResponse" }, redirectUrl), revokedVehicles: ["7"] },
      }),
    });
    const { env } = fakeEnvironment({ search: `?clientId=${CLIENT_ID}&redirectUri=${APP_ORIGIN}/callback` });
    renderWithI18n(<App api={new ApiClient(server.fetchFn)} env={env} />);
    fireEvent.click(await screen.findByRole("button", { name: "Continue as ada@example.com" }));
    fireEvent.click(await screen.findByRole("button", { name: "Manage sharing of 2021 Tesla Model 7" }));
    expect(await screen.findByText(/Shared with old permissions/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    fireEvent.click(await screen.findByRole("button", { name: "Manage sharing of 2021 Tesla Model 7" }));
    fireEvent.click(await screen.findByRole("button", { name: "Stop sharing" }));
    await screen.findByText("You have successfully revoked access to 1 vehicle for Demo App.");
    expect(env.assign).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Back to Demo App" }));
    await waitFor(() => expect(env.assign).toHaveBeenCalledWith(redirectUrl));
  });

  it("passkeys: a cancelled ceremony offers retry, email code or another account; a retry signs in", async () => {
    const redirectUrl = `${APP_ORIGIN}/callback?token=jwt`;
    const server = fakeServer({
      "GET /api/session": () => ({ body: { csrfToken: "c", user: null } }),
      [`POST ${flowsPath}`]: () => ({ body: { ...readyFlow("EMAIL_INPUT"), replyOrigin: null } }),
      "POST /api/auth/passkey/login/options": () => ({
        body: { ceremonyId: "cer-1", options: { challenge: "AAAA", allowCredentials: [] } },
      }),
      "POST /api/auth/passkey/login/verify": () => ({ body: { user } }),
      "POST /api/connect/flows/flow-1/authorize": () => ({ body: { result: result({}, redirectUrl) } }),
    });
    const { env } = fakeEnvironment({ search: `?clientId=${CLIENT_ID}&redirectUri=${APP_ORIGIN}/callback` });
    const cancelled = Object.assign(new Error("cancelled"), { name: "NotAllowedError" });
    const startAuthentication = vi
      .fn()
      .mockRejectedValueOnce(cancelled)
      .mockResolvedValueOnce({ id: "cred", rawId: "cred", type: "public-key", response: {} });
    env.webauthn = { ...env.webauthn, supported: () => true, startAuthentication };
    renderWithI18n(<App api={new ApiClient(server.fetchFn)} env={env} />);

    fireEvent.click(await screen.findByRole("button", { name: "Sign in with a passkey" }));
    expect(await screen.findByRole("heading", { name: "Passkey sign-in was cancelled" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Use an email code" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Use another account" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Try passkey again" }));
    await waitFor(() => expect(env.assign).toHaveBeenCalledWith(redirectUrl));
    expect(server.posts("/api/auth/passkey/login/verify")[0]!.body).toMatchObject({
      ceremonyId: "cer-1",
      flowId: "flow-1",
    });
  });
});
