import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConnectController, type ConnectWindow } from "./controller.ts";
import {
  ClosedByUserError,
  PopupBlockedError,
  RefusedError,
  StateMismatchError,
  TimeoutError,
} from "./errors.ts";
import { codeChallenge } from "./pkce.ts";

const LOGIN = "https://login.example";
const client = {
  clientId: "0x1111111111111111111111111111111111111111",
  redirectUri: "https://app.example/cb",
  loginUrl: LOGIN,
};

interface FakePopup {
  closed: boolean;
  close: ReturnType<typeof vi.fn>;
  focus: ReturnType<typeof vi.fn>;
  postMessage: ReturnType<typeof vi.fn>;
}

function fakePopup(): FakePopup {
  const popup: FakePopup = {
    closed: false,
    close: vi.fn(() => {
      popup.closed = true;
    }),
    focus: vi.fn(),
    postMessage: vi.fn(),
  };
  return popup;
}

function fakeWindow(opts: { popup?: FakePopup | null; href?: string } = {}) {
  const listeners = new Set<(event: MessageEvent) => void>();
  const storage = new Map<string, string>();
  const popup = opts.popup === undefined ? fakePopup() : opts.popup;
  const win = {
    open: vi.fn(() => popup as unknown as Window | null),
    addEventListener: (_t: string, l: (event: MessageEvent) => void) => listeners.add(l),
    removeEventListener: (_t: string, l: (event: MessageEvent) => void) => listeners.delete(l),
    setTimeout: (cb: () => void, ms: number) => setTimeout(cb, ms) as unknown as number,
    clearTimeout: (h: number) => clearTimeout(h),
    setInterval: (cb: () => void, ms: number) => setInterval(cb, ms) as unknown as number,
    clearInterval: (h: number) => clearInterval(h),
    location: { href: opts.href ?? "https://app.example/cb", assign: vi.fn() },
    history: {
      state: null,
      replaceState: vi.fn((_d: unknown, _u: string, url?: string) => {
        if (url) win.location.href = url;
      }),
    },
    sessionStorage: {
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
      removeItem: (k: string) => void storage.delete(k),
    },
    document: { createElement: vi.fn() },
    fetch: vi.fn(),
  };
  const send = (data: unknown, over: Partial<{ origin: string; source: unknown }> = {}) => {
    for (const l of [...listeners]) l({ origin: LOGIN, source: popup, data, ...over } as MessageEvent);
  };
  return { win: win as unknown as ConnectWindow & typeof win, popup, listeners, storage, send };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("popup attempts", () => {
  it("answers READY with AUTH_INIT to the exact origin, sends the payload when asked, and resolves once", async () => {
    const { win, popup, send, listeners } = fakeWindow();
    const controller = new ConnectController(win);
    const result = controller.start(
      { ...client, secure: false },
      { permissionTemplateId: "1" },
      { mode: "popup" },
    );
    expect(win.open).toHaveBeenCalledWith(LOGIN, "_blank", "width=500,height=600");
    send({ eventType: "READY", mode: "popup" });
    await vi.waitFor(() => expect(popup?.postMessage).toHaveBeenCalledTimes(1));
    expect(popup?.postMessage.mock.calls[0]).toEqual([
      expect.objectContaining({
        eventType: "AUTH_INIT",
        clientId: client.clientId,
        entryState: "VEHICLE_MANAGER",
      }),
      LOGIN,
    ]);
    send({ eventType: "SHARE_VEHICLES_DATA", mode: "popup" });
    await vi.waitFor(() => expect(popup?.postMessage).toHaveBeenCalledTimes(2));
    expect(popup?.postMessage.mock.calls[1]).toEqual([
      { eventType: "SHARE_VEHICLES_DATA", permissionTemplateId: "1", permissions: "11111100" },
      LOGIN,
    ]);
    // A forged answer from another origin or window changes nothing.
    send({ eventType: "authResponse", mode: "popup", token: "forged" }, { origin: "https://evil.test" });
    send({ eventType: "authResponse", mode: "popup", token: "forged" }, { source: {} });
    send({
      eventType: "authResponse",
      mode: "popup",
      token: "jwt",
      walletAddress: "0xw",
      sharedVehicles: ["7"],
    });
    await expect(result).resolves.toEqual({
      kind: "auth",
      token: "jwt",
      walletAddress: "0xw",
      sharedVehicles: ["7"],
      secure: false,
    });
    expect(listeners.size).toBe(0);
    expect(controller.busy).toBe(false);
  });

  it("rejects a blocked popup, or falls back to redirect when asked", async () => {
    const blocked = fakeWindow({ popup: null });
    const controller = new ConnectController(blocked.win);
    await expect(controller.start(client, {}, { mode: "popup" })).rejects.toBeInstanceOf(PopupBlockedError);
    expect(controller.busy).toBe(false);

    const result = await controller.start(client, {}, { mode: "popup", popupBlocked: "redirect" });
    expect(result.kind).toBe("redirecting");
    const url = new URL(blocked.win.location.assign.mock.calls[0]?.[0] as string);
    expect(url.origin).toBe(LOGIN);
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(blocked.storage.size).toBe(1);
  });

  it("reports a popup closed by the user, and cleans up", async () => {
    const { win, popup, listeners } = fakeWindow();
    const controller = new ConnectController(win);
    const result = controller.start(client, {}, { mode: "popup" });
    const caught = result.catch((e: unknown) => e);
    if (popup) popup.closed = true;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await caught).toBeInstanceOf(ClosedByUserError);
    expect(listeners.size).toBe(0);
  });

  it("times out and closes the popup", async () => {
    const { win, popup } = fakeWindow();
    const controller = new ConnectController(win);
    const caught = controller
      .start(client, {}, { mode: "popup", timeoutMs: 60_000 })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(await caught).toBeInstanceOf(TimeoutError);
    expect(popup?.close).toHaveBeenCalled();
  });

  it("turns DIMO_ERROR into a refusal", async () => {
    const { win, send } = fakeWindow();
    const controller = new ConnectController(win);
    const caught = controller
      .start({ ...client, secure: false }, {}, { mode: "popup" })
      .catch((e: unknown) => e);
    send({ eventType: "DIMO_ERROR", mode: "popup", message: "User cancelled document sharing" });
    const error = await caught;
    expect(error).toBeInstanceOf(RefusedError);
    expect((error as Error).message).toBe("User cancelled document sharing");
  });

  it("is idempotent: a second start joins the running attempt", async () => {
    const { win, popup, send } = fakeWindow();
    const controller = new ConnectController(win);
    const first = controller.start({ ...client, secure: false }, {}, { mode: "popup" });
    const second = controller.start({ ...client, secure: false }, {}, { mode: "popup" });
    expect(second).toBe(first);
    expect(win.open).toHaveBeenCalledTimes(1);
    expect(popup?.focus).toHaveBeenCalled();
    send({ eventType: "logout", mode: "popup" });
    await expect(first).resolves.toEqual({ kind: "logout" });
  });
});

describe("configuration links in a popup", () => {
  it("fetches the stored configuration and sends its values by message, the request's own winning", async () => {
    const { win, popup, send } = fakeWindow();
    win.fetch.mockResolvedValue(
      new Response(
        JSON.stringify({
          configuration: {
            id: "cfg",
            configuration: {
              redirectUri: "https://app.example/cb",
              entryState: "VEHICLE_MANAGER",
              permissionTemplateId: "1",
              vehicleMakes: "Toyota, Honda",
              powerTrainTypes: "BEV",
              utm: "utm_source=config",
            },
          },
        }),
        { status: 200 },
      ),
    );
    const controller = new ConnectController(win);
    const result = controller.start(
      { clientId: client.clientId, loginUrl: LOGIN, secure: false },
      { configurationId: "cfg", utm: "utm_source=button" },
      { mode: "popup" },
    );
    expect(win.open).toHaveBeenCalledWith(LOGIN, "_blank", "width=500,height=600");
    expect(String(win.fetch.mock.calls[0]?.[0])).toBe(`${LOGIN}/api/configurations/cfg`);
    send({ eventType: "READY", mode: "popup" });
    await vi.waitFor(() => expect(popup?.postMessage).toHaveBeenCalledTimes(1));
    expect(popup?.postMessage.mock.calls[0]?.[0]).toMatchObject({
      eventType: "AUTH_INIT",
      redirectUri: "https://app.example/cb",
      entryState: "VEHICLE_MANAGER",
    });
    send({ eventType: "SHARE_VEHICLES_DATA", mode: "popup" });
    await vi.waitFor(() => expect(popup?.postMessage).toHaveBeenCalledTimes(2));
    expect(popup?.postMessage.mock.calls[1]?.[0]).toEqual({
      eventType: "SHARE_VEHICLES_DATA",
      permissionTemplateId: "1",
      permissions: "11111100",
      vehicleMakes: ["Toyota", "Honda"],
      powertrainTypes: ["BEV"],
      utm: "utm_source=button",
    });
    send({ eventType: "authResponse", mode: "popup", token: "jwt" });
    await expect(result).resolves.toMatchObject({ token: "jwt" });
  });

  it("reports an unknown configuration as a server error", async () => {
    const { win } = fakeWindow();
    win.fetch.mockResolvedValue(
      new Response(JSON.stringify({ error: "Configuration not found" }), { status: 404 }),
    );
    const controller = new ConnectController(win);
    const error = await controller
      .start({ ...client, secure: false }, { configurationId: "nope" }, { mode: "popup" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "server_error" });
    expect(win.open.mock.results[0]?.value.closed).toBe(true);
  });
});

describe("secure mode", () => {
  it("sends state and an S256 challenge, checks the state, and redeems the code with the verifier", async () => {
    const { win, popup, send } = fakeWindow();
    const redeem = vi.fn(async () => ({
      access_token: "user-jwt",
      expires_in: 3600,
      result: { walletAddress: "0xw", sharedVehicles: ["1"] },
    }));
    const controller = new ConnectController(win);
    const result = controller.start({ ...client, redeem }, {}, { mode: "popup" });
    send({ eventType: "READY", mode: "popup" });
    await vi.waitFor(() => expect(popup?.postMessage).toHaveBeenCalled());
    const init = popup?.postMessage.mock.calls[0]?.[0] as {
      state: string;
      response_type: string;
      code_challenge_method: string;
      code_challenge: string;
    };
    expect(init.response_type).toBe("code");
    expect(init.code_challenge_method).toBe("S256");
    expect(init.state.length).toBeGreaterThanOrEqual(43);

    send({ eventType: "authResponse", mode: "popup", code: "c1", state: init.state, iss: LOGIN });
    await expect(result).resolves.toEqual({
      kind: "auth",
      token: "user-jwt",
      walletAddress: "0xw",
      sharedVehicles: ["1"],
      expiresIn: 3600,
      secure: true,
    });
    const grant = (redeem.mock.calls as unknown as Array<[{ codeVerifier: string; code: string }]>)[0]?.[0];
    if (!grant) throw new Error("not redeemed");
    expect(grant.code).toBe("c1");
    expect(await codeChallenge(grant.codeVerifier)).toBe(init.code_challenge);
  });

  it("refuses an answer with another state", async () => {
    const { win, popup, send } = fakeWindow();
    const redeem = vi.fn();
    const controller = new ConnectController(win);
    const caught = controller.start({ ...client, redeem }, {}, { mode: "popup" }).catch((e: unknown) => e);
    send({ eventType: "READY", mode: "popup" });
    await vi.waitFor(() => expect(popup?.postMessage).toHaveBeenCalled());
    send({ eventType: "authResponse", mode: "popup", code: "c1", state: "someone-elses" });
    expect(await caught).toBeInstanceOf(StateMismatchError);
    expect(redeem).not.toHaveBeenCalled();
  });
});

describe("redirect results", () => {
  it("reads a legacy result and removes it from the address bar, keeping the app's own parameters", async () => {
    const { win } = fakeWindow({
      href: "https://app.example/cb?tab=2&token=jwt&walletAddress=0xw&email=a%40b.c&sharedVehicles=1,2&utm_source=x",
    });
    const result = await new ConnectController(win).handleRedirectResult({ ...client, secure: false });
    expect(result).toEqual({
      kind: "auth",
      token: "jwt",
      walletAddress: "0xw",
      email: "a@b.c",
      sharedVehicles: ["1", "2"],
      secure: false,
    });
    expect(win.location.href).toBe("https://app.example/cb?tab=2&utm_source=x");
  });

  it("returns null when the URL carries no result", async () => {
    const { win } = fakeWindow({ href: "https://app.example/cb?tab=2" });
    expect(await new ConnectController(win).handleRedirectResult(client)).toBeNull();
    expect(win.history.replaceState).not.toHaveBeenCalled();
  });

  it("redeems a secure-mode code once, with the verifier kept for it", async () => {
    const { win, storage } = fakeWindow();
    const controller = new ConnectController(win);
    await controller.start(client, { entryState: "VEHICLE_MANAGER" }, { mode: "redirect" });
    const sent = new URL(win.location.assign.mock.calls[0]?.[0] as string);
    const state = sent.searchParams.get("state") ?? "";
    win.location.href = `https://app.example/cb?code=c9&state=${state}&iss=${encodeURIComponent(LOGIN)}`;
    const redeem = vi.fn(async () => ({ access_token: "jwt", result: { walletAddress: "0xw" } }));
    const result = await controller.handleRedirectResult({ ...client, redeem });
    expect(result).toMatchObject({ kind: "auth", token: "jwt", secure: true });
    expect(win.location.href).toBe("https://app.example/cb");
    expect(storage.size).toBe(0);
    const grant = (redeem.mock.calls as unknown as Array<[{ codeVerifier: string }]>)[0]?.[0];
    if (!grant) throw new Error("not redeemed");
    expect(await codeChallenge(grant.codeVerifier)).toBe(sent.searchParams.get("code_challenge"));
    // The same URL again (a replayed link) has no verifier left: refused.
    win.location.href = `https://app.example/cb?code=c9&state=${state}`;
    await expect(controller.handleRedirectResult({ ...client, redeem })).rejects.toBeInstanceOf(
      StateMismatchError,
    );
  });

  it("refuses a code with a forged state and reports a refusal", async () => {
    const { win } = fakeWindow();
    const controller = new ConnectController(win);
    await controller.start(client, {}, { mode: "redirect" });
    win.location.href = "https://app.example/cb?code=c9&state=forged";
    await expect(controller.handleRedirectResult(client)).rejects.toBeInstanceOf(StateMismatchError);

    await controller.start(client, {}, { mode: "redirect" });
    const state = new URL(win.location.assign.mock.calls[1]?.[0] as string).searchParams.get("state");
    win.location.href = `https://app.example/cb?error=access_denied&error_description=User+cancelled&state=${state}`;
    await expect(controller.handleRedirectResult(client)).rejects.toThrow("User cancelled");
  });
});

describe("embed attempts", () => {
  it("mounts the login app in an iframe, talks to its window only, and removes it afterwards", async () => {
    const frameWindow = { postMessage: vi.fn() };
    const iframe = {
      src: "",
      title: "",
      style: {} as Record<string, string>,
      setAttribute: vi.fn(),
      remove: vi.fn(),
      contentWindow: frameWindow,
    };
    const { win, send } = fakeWindow();
    win.document.createElement.mockReturnValue(iframe);
    const container = { appendChild: vi.fn() };
    const controller = new ConnectController(win);
    const result = controller.start(
      { ...client, secure: false },
      {},
      { mode: "embed", container: container as unknown as HTMLElement },
    );
    expect(container.appendChild).toHaveBeenCalledWith(iframe);
    expect(new URL(iframe.src).searchParams.get("mode")).toBe("embed");
    send({ eventType: "READY", mode: "embed" }, { source: frameWindow });
    await vi.waitFor(() => expect(frameWindow.postMessage).toHaveBeenCalled());
    send({ eventType: "authResponse", mode: "popup", token: "wrong-mode" }, { source: frameWindow });
    send({ eventType: "authResponse", mode: "embed", token: "jwt" }, { source: frameWindow });
    await expect(result).resolves.toMatchObject({ token: "jwt" });
    expect(iframe.remove).toHaveBeenCalled();
  });
});
