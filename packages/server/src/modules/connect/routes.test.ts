import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createLoginLicense,
  LOGIN_ORIGIN,
  LoginBrowser,
  latestCode,
  SoftAuthenticator,
} from "../../../test/support/login.ts";
import { testConfig } from "../../../test/support/services.ts";
import { createTestStore, emptyStore, type TestStore, testEngine } from "../../../test/support/store.ts";
import { buildApp } from "../../app.ts";
import { s256Challenge } from "../../domain/pkce.ts";
import { createServices, type Services } from "../../services.ts";

const START = Date.parse("2030-01-01T00:00:00Z");
const YEAR_100_MS = 100 * 365 * 86_400_000;
const OWNER = "owner@example.com";
const VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const STATE = "state-0123456789abcdefghij";

describe(`the login app's API (${testEngine()})`, () => {
  let test: TestStore;
  let services: Services;
  let app: FastifyInstance;
  const clock = { now: START };

  beforeAll(async () => {
    test = await createTestStore();
  });
  afterAll(async () => {
    await test?.cleanup();
  });

  async function start(env: Record<string, string> = { KEYFOB_RATE_LIMIT_EMAIL_CODES: "off" }) {
    await app?.close();
    await services?.close();
    services = await createServices(testConfig(env), { store: test.store, now: () => clock.now });
    app = await buildApp(services);
    await app.ready();
  }

  beforeEach(async () => {
    clock.now = START;
    await emptyStore(test.store);
    await start();
  });
  afterEach(async () => {
    await app?.close();
    await services?.close();
    app = undefined as unknown as FastifyInstance;
    services = undefined as unknown as Services;
  });

  const query = (params: Record<string, string | string[]>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) search.append(key, v);
    return search.toString();
  };

  async function browser() {
    const b = new LoginBrowser(app);
    await b.session();
    return b;
  }

  /** The owner's account with three vehicles (Tesla BEV, Ford ICE, Toyota PHEV). */
  async function ownerWithVehicles() {
    const owner = await services.accounts.ensure(OWNER);
    const mint = (make: string, model: string, powertrainType: "BEV" | "ICE" | "PHEV") =>
      services.vehicles.mint({ owner: owner.walletAddress, make, model, year: 2022, powertrainType });
    const tesla = await mint("Tesla", "Model 3", "BEV");
    const ford = await mint("Ford", "Mustang", "ICE");
    const toyota = await mint("Toyota", "Prius Prime", "PHEV");
    return { owner, tesla, ford, toyota };
  }

  describe("sessions and sign-in with an emailed code", () => {
    it("GET /api/session sets the CSRF cookie once and reports no user", async () => {
      const b = new LoginBrowser(app);
      const res = await b.request({ method: "GET", url: "/api/session" });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toEqual({ csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), user: null });
      expect(res.headers["set-cookie"]).toMatch(
        /^__Host-kf_csrf=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
      );
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(res.headers["access-control-allow-origin"]).toBeUndefined();
      const again = await b.request({ method: "GET", url: "/api/session" });
      expect(again.json().csrfToken).toBe(body.csrfToken);
      expect(again.headers["set-cookie"]).toBeUndefined();
    });

    it("a new account exists only once its email is proven; the session cookie is HttpOnly, Secure, Lax, __Host-", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services, { alias: "Demo App" });
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri }));
      expect(flow.app).toMatchObject({
        clientId,
        name: "Demo App",
        alias: "Demo App",
        hostname: "app.example.com",
        platformName: "Keyfob",
        brand: null,
      });
      expect(flow.request).toMatchObject({
        clientId,
        redirectUri,
        entryState: "EMAIL_INPUT",
        secure: false,
        mode: "redirect",
      });
      expect(flow.replyOrigin).toBeNull();

      const startRes = await b.post("/api/auth/email/start", {
        flowId: flow.flowId,
        email: "New@Example.com",
      });
      expect(startRes.statusCode).toBe(202);
      expect(startRes.json()).toEqual({ sent: true, resendAfterSeconds: 60 });
      expect(await services.accounts.findByEmail("new@example.com")).toBeUndefined();

      const wrong = await b.post("/api/auth/email/verify", {
        flowId: flow.flowId,
        email: "new@example.com",
        code: "abcdef",
      });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json()).toMatchObject({ code: "invalid_code" });
      expect(await services.accounts.findByEmail("new@example.com")).toBeUndefined();

      const code = latestCode(services, "new@example.com");
      const verify = await b.post("/api/auth/email/verify", {
        flowId: flow.flowId,
        email: "new@example.com",
        code,
      });
      expect(verify.statusCode, verify.body).toBe(200);
      const account = await services.accounts.findByEmail("new@example.com");
      expect(verify.json()).toEqual({
        user: { email: "new@example.com", walletAddress: account!.walletAddress, hasPasskey: false },
        newAccount: true,
      });
      expect(verify.headers["set-cookie"]).toMatch(
        /^__Host-kf_session=[A-Za-z0-9_-]{43}; Max-Age=2592000; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
      );
      expect((await b.session()).user).toEqual({
        email: "new@example.com",
        walletAddress: account!.walletAddress,
        hasPasskey: false,
      });

      // A known account signs in with the same steps and the same answers.
      const again = await b.signInWithCode(services, flow.flowId, "new@example.com");
      expect(again.newAccount).toBe(false);
    });

    it("the sign-in result (EMAIL_INPUT): a user JWT for the app, the wallet, the email only when agreed", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const owner = await services.accounts.ensure(OWNER);
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri, utm: "utm_source=mail&token=evil" }));
      await b.signInWithCode(services, flow.flowId, OWNER);

      const res = await b.post(`/api/connect/flows/${flow.flowId}/authorize`, { shareEmail: true });
      expect(res.statusCode, res.body).toBe(200);
      const { result } = res.json();
      expect(result.targetOrigin).toBeNull();
      const url = new URL(result.redirectUrl);
      expect(url.origin + url.pathname).toBe(redirectUri);
      expect([...url.searchParams.keys()]).toEqual(["utm_source", "token", "walletAddress", "email"]);
      expect(url.searchParams.get("walletAddress")).toBe(owner.walletAddress);
      expect(url.searchParams.get("email")).toBe(OWNER);
      const claims = await services.jwt.verify("developer", url.searchParams.get("token")!);
      expect(claims).toMatchObject({
        aud: clientId,
        ethereum_address: owner.walletAddress,
        iss: "http://localhost:3000",
      });
      expect(claims).not.toHaveProperty("email");

      const withoutEmail = await b.post(`/api/connect/flows/${flow.flowId}/authorize`, { shareEmail: false });
      expect(new URL(withoutEmail.json().result.redirectUrl).searchParams.has("email")).toBe(false);
    });

    it("forceEmail: the result needs the agreement to share the email", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri, forceEmail: "true" }));
      await b.signInWithCode(services, flow.flowId, OWNER);
      const refused = await b.post(`/api/connect/flows/${flow.flowId}/authorize`, { shareEmail: false });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().code).toBe("emailConsentRequired");
    });

    it("actions need a session: 401 unauthenticated", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri }));
      const res = await b.post(`/api/connect/flows/${flow.flowId}/authorize`, { shareEmail: false });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: "unauthenticated", message: "Sign in first." });
    });

    it("sign-in rotates the session id; the old one stops working", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri }));
      await b.signInWithCode(services, flow.flowId, OWNER);
      const first = b.cookies.get("__Host-kf_session")!;
      await b.signInWithCode(services, flow.flowId, OWNER);
      const second = b.cookies.get("__Host-kf_session")!;
      expect(second).not.toBe(first);
      const stale = new LoginBrowser(app);
      stale.cookies.set("__Host-kf_session", first);
      expect((await stale.session()).user).toBeNull();
      // Only a hash of the session id is stored.
      const rows = await test.store.db.selectFrom("sessions").selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(second);
    });

    it("sessions end after 24 hours idle, and after 30 days however active", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri }));
      await b.signInWithCode(services, flow.flowId, OWNER);
      clock.now += 23 * 3600_000;
      expect((await b.session()).user?.email).toBe(OWNER);
      clock.now += 23 * 3600_000;
      expect((await b.session()).user?.email).toBe(OWNER);
      clock.now += 24 * 3600_000;
      expect((await b.session()).user).toBeNull();

      await b.signInWithCode(services, (await b.flow(query({ clientId, redirectUri }))).flowId, OWNER);
      for (let day = 1; day < 30; day++) {
        clock.now += 86_400_000 - 60_000;
        expect((await b.session()).user?.email, `day ${day}`).toBe(OWNER);
      }
      clock.now += 86_400_000;
      expect((await b.session()).user).toBeNull();
    });

    it("POST /api/auth/logout ends the session", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const b = await browser();
      await b.signInWithCode(services, (await b.flow(query({ clientId, redirectUri }))).flowId, OWNER);
      const res = await b.post("/api/auth/logout", {});
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({});
      expect((await b.session()).user).toBeNull();
    });

    it("send limits over HTTP: 429 rate_limited with Retry-After", async () => {
      await start({});
      const { clientId, redirectUri } = await createLoginLicense(services);
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri }));
      expect((await b.post("/api/auth/email/start", { flowId: flow.flowId, email: OWNER })).statusCode).toBe(
        202,
      );
      const res = await b.post("/api/auth/email/start", { flowId: flow.flowId, email: OWNER });
      expect(res.statusCode).toBe(429);
      expect(res.json()).toMatchObject({ code: "rate_limited", retryAfterSeconds: expect.any(Number) });
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    });

    it("unknown and known emails get the same answer", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      await services.accounts.ensure("known@example.com");
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri }));
      const known = await b.post("/api/auth/email/start", {
        flowId: flow.flowId,
        email: "known@example.com",
      });
      const unknown = await b.post("/api/auth/email/start", {
        flowId: flow.flowId,
        email: "unknown@example.com",
      });
      expect([unknown.statusCode, unknown.body]).toEqual([known.statusCode, known.body]);
    });

    it("bad input: unknown fields, bad emails and expired flows", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri }));
      const extra = await b.post("/api/auth/email/start", { flowId: flow.flowId, email: OWNER, admin: true });
      expect(extra.statusCode).toBe(400);
      expect(extra.json()).toEqual({ code: "invalid_request", message: "Unknown field admin." });
      const bad = await b.post("/api/auth/email/start", { flowId: flow.flowId, email: "nope" });
      expect(bad.json()).toMatchObject({ code: "invalid_email" });
      clock.now += 3600_000;
      const expired = await b.post("/api/auth/email/start", { flowId: flow.flowId, email: OWNER });
      expect(expired.statusCode).toBe(404);
      expect(expired.json().code).toBe("flowNotFound");
    });

    it("the dev outbox lists the mail (embedded mode without SMTP)", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri }));
      await b.post("/api/auth/email/start", { flowId: flow.flowId, email: OWNER });
      const json = await app.inject({ method: "GET", url: "/dev/outbox.json" });
      expect(json.json().messages).toEqual([
        expect.objectContaining({
          to: OWNER,
          subject: "Your Keyfob sign-in code",
          text: expect.stringMatching(/\b\d{6}\b/),
        }),
      ]);
      const html = await app.inject({ method: "GET", url: "/dev/outbox" });
      expect(html.statusCode).toBe(200);
      expect(html.headers["content-type"]).toMatch(/^text\/html/);
      expect(html.body).toContain(latestCode(services, OWNER));
    });
  });

  describe("CSRF", () => {
    it("POST /api/* needs the token and, when sent, the login Origin: else 403 csrf", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const b = await browser();
      const body = { query: query({ clientId, redirectUri }), mode: "redirect" };
      const noToken = await b.post("/api/connect/flows", body, { csrf: false });
      expect(noToken.statusCode).toBe(403);
      expect(noToken.json().code).toBe("csrf");
      const wrongOrigin = await b.post("/api/connect/flows", body, { origin: "https://evil.example.com" });
      expect(wrongOrigin.statusCode).toBe(403);
      expect(wrongOrigin.json().code).toBe("csrf");
      const wrongToken = new LoginBrowser(app);
      wrongToken.cookies.set("__Host-kf_csrf", "a".repeat(43));
      wrongToken.csrfToken = "b".repeat(43);
      expect((await wrongToken.post("/api/connect/flows", body)).statusCode).toBe(403);
      // Without Origin (some same-origin requests), the token alone passes.
      expect((await b.post("/api/connect/flows", body, { origin: null })).statusCode).toBe(200);
      expect((await b.post("/api/connect/flows", body)).statusCode).toBe(200);
    });
  });

  describe("flow creation", () => {
    async function flowError(q: string, mode = "redirect") {
      const b = await browser();
      const res = await b.post("/api/connect/flows", { query: q, mode });
      expect(res.statusCode, res.body).toBe(400);
      return res.json();
    }

    it("refuses bad requests with a code the page can show, never a redirect", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      expect((await flowError(query({ redirectUri }))).code).toBe("missingClientId");
      expect((await flowError(query({ clientId }))).code).toBe("missingRedirectUri");
      expect(
        (await flowError(query({ clientId: "0x2222222222222222222222222222222222222222", redirectUri })))
          .code,
      ).toBe("unknownClient");
      expect((await flowError(query({ clientId, redirectUri: `${redirectUri}/` }))).code).toBe(
        "invalidRedirectUri",
      );
      expect((await flowError(query({ clientId, redirectUri, permissions: "000000001" }))).code).toBe(
        "invalidPermissions",
      );
      expect((await flowError(query({ clientId, redirectUri, expirationDate: "2029-12-31" }))).code).toBe(
        "expirationInPast",
      );
      expect((await flowError(query({ clientId, redirectUri, forceEmail: "maybe" }))).code).toBe(
        "invalidParameters",
      );
      expect(
        (
          await flowError(
            query({
              clientId,
              redirectUri,
              response_type: "code",
              state: STATE,
              code_challenge: s256Challenge(VERIFIER),
              code_challenge_method: "plain",
            }),
          )
        ).code,
      ).toBe("invalidSecureRequest");
    });

    it("ADVANCED_TRANSACTION: refused, with a DIMO_ERROR result for the app", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const error = await flowError(query({ clientId, redirectUri, entryState: "ADVANCED_TRANSACTION" }));
      expect(error).toMatchObject({
        code: "advancedTransactionsUnavailable",
        message: "Advanced transactions are not available on this server",
        result: {
          message: {
            eventType: "DIMO_ERROR",
            mode: "redirect",
            message: "Advanced transactions are not available on this server",
          },
          targetOrigin: null,
          redirectUrl: `${redirectUri}?error=Advanced+transactions+are+not+available+on+this+server`,
        },
      });
    });

    it("a license with legacy tokens off, or secure-only, refuses official-SDK requests", async () => {
      const a = await createLoginLicense(services, { settings: { secureOnly: true } });
      expect((await flowError(query({ clientId: a.clientId, redirectUri: a.redirectUri }))).code).toBe(
        "secureModeRequired",
      );
      const b = await createLoginLicense(services, { settings: { legacyTokenResponse: false } });
      expect((await flowError(query({ clientId: b.clientId, redirectUri: b.redirectUri }))).message).toBe(
        "This app requires a secure sign-in request.",
      );
    });

    it("SUCCESS and LOGOUT entry states; unknown ones fall back to EMAIL_INPUT", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const b = await browser();
      expect((await b.flow(query({ clientId, redirectUri, entryState: "SUCCESS" }))).request.entryState).toBe(
        "SUCCESS",
      );
      expect((await b.flow(query({ clientId, redirectUri, entryState: "NOPE" }))).request.entryState).toBe(
        "EMAIL_INPUT",
      );
    });
  });

  describe("popup and embed: AUTH_INIT, the action payload and exact origins", () => {
    it("a bare URL waits for AUTH_INIT; the payload completes the request; the result goes to the exact origin", async () => {
      const { clientId, redirectUri, origin } = await createLoginLicense(services);
      const { tesla } = await ownerWithVehicles();
      const b = await browser();
      const waiting = await b.post("/api/connect/flows", { query: "", mode: "popup" });
      expect(waiting.json()).toEqual({ status: "awaitingMessage" });

      const authInit = {
        clientId,
        redirectUri,
        apiKey: "some_api_key",
        entryState: "VEHICLE_MANAGER",
        forceEmail: false,
        eventType: "AUTH_INIT",
      };
      const evil = await b.post("/api/connect/flows", {
        query: "",
        mode: "popup",
        message: authInit,
        origin: "https://evil.example.com",
      });
      expect(evil.json()).toMatchObject({ code: "originNotAllowed" });

      const init = await b.post("/api/connect/flows", {
        query: "",
        mode: "popup",
        message: authInit,
        origin,
      });
      expect(init.json()).toEqual({
        status: "awaitingPayload",
        flowId: expect.any(String),
        payloadEvent: "SHARE_VEHICLES_DATA",
        replyOrigin: origin,
      });
      const flowId = init.json().flowId;

      const payload = {
        permissionTemplateId: "1",
        permissions: "11111100",
        vehicles: undefined,
        utm: null,
        eventType: "SHARE_VEHICLES_DATA",
        clientId: "0x2222222222222222222222222222222222222222",
      };
      const wrongOrigin = await b.post(`/api/connect/flows/${flowId}/payload`, {
        payload,
        origin: "https://other.example.com",
      });
      expect(wrongOrigin.json().code).toBe("originNotAllowed");
      const ready = await b.post(`/api/connect/flows/${flowId}/payload`, { payload, origin });
      expect(ready.json()).toMatchObject({
        status: "ready",
        flowId,
        replyOrigin: origin,
        request: { clientId, entryState: "VEHICLE_MANAGER", privileges: [1, 2, 3, 4, 5, 6], mode: "popup" },
      });
      const repeated = await b.post(`/api/connect/flows/${flowId}/payload`, { payload, origin });
      expect(repeated.json().code).toBe("invalidParameters");

      await b.signInWithCode(services, flowId, OWNER);
      const share = await b.post(`/api/connect/flows/${flowId}/share`, {
        tokenIds: [tesla.tokenId],
        shareEmail: false,
      });
      expect(share.statusCode, share.body).toBe(200);
      const { result } = share.json();
      expect(result.targetOrigin).toBe(origin);
      expect(result.redirectUrl).toBeNull();
      expect(result.message).toEqual({
        eventType: "authResponse",
        mode: "popup",
        authType: "popup",
        token: expect.any(String),
        walletAddress: (await services.accounts.findByEmail(OWNER))!.walletAddress,
        sharedVehicles: [String(tesla.tokenId)],
      });
    });

    it("an embed URL names the license; the AUTH_INIT must name the same; registered web origins are allowed", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services, {
        settings: { webOrigins: ["http://localhost:5173"], embedEnabled: true },
      });
      const b = await browser();
      const waiting = await b.post("/api/connect/flows", {
        query: `clientId=${clientId}&mode=embed`,
        mode: "embed",
      });
      expect(waiting.json()).toEqual({ status: "awaitingMessage", clientId });
      const other = await createLoginLicense(services, { redirectUri: "https://other.example.com/cb" });
      const mismatch = await b.post("/api/connect/flows", {
        query: `clientId=${clientId}&mode=embed`,
        mode: "embed",
        message: { clientId: other.clientId, redirectUri: other.redirectUri, eventType: "AUTH_INIT" },
        origin: "https://other.example.com",
      });
      expect(mismatch.json().code).toBe("invalidParameters");
      const ready = await b.post("/api/connect/flows", {
        query: `clientId=${clientId}&mode=embed`,
        mode: "embed",
        message: { clientId, redirectUri, eventType: "AUTH_INIT", entryState: "EMAIL_INPUT" },
        origin: "http://localhost:5173",
      });
      expect(ready.json()).toMatchObject({
        status: "ready",
        replyOrigin: "http://localhost:5173",
        request: { mode: "embed" },
      });
      const flowId = ready.json().flowId;
      const start = await b.post("/api/auth/email/start", { flowId, email: OWNER });
      expect(start.statusCode).toBe(202);
      const verify = await b.post("/api/auth/email/verify", {
        flowId,
        email: OWNER,
        code: latestCode(services, OWNER),
      });
      // In a third-party frame only SameSite=None; Secure; Partitioned cookies are sent.
      expect(verify.headers["set-cookie"]).toMatch(/; HttpOnly; Secure; Partitioned; SameSite=None$/);
      const authorize = await b.post(`/api/connect/flows/${flowId}/authorize`, { shareEmail: false });
      expect(authorize.json().result.message).toMatchObject({
        eventType: "authResponse",
        mode: "embed",
        authType: "embed",
      });
      expect(authorize.json().result.targetOrigin).toBe("http://localhost:5173");
    });

    it("a URL that carries the request refuses an AUTH_INIT", async () => {
      const { clientId, redirectUri, origin } = await createLoginLicense(services);
      const b = await browser();
      const res = await b.post("/api/connect/flows", {
        query: query({ clientId, redirectUri }),
        mode: "popup",
        message: { clientId, redirectUri, eventType: "AUTH_INIT" },
        origin,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe("invalidParameters");
    });
  });

  describe("vehicles: list, share, revoke, extend", () => {
    it("lists the owner's vehicles with the filters and share status; shares only compatible, unshared, own vehicles", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services, { alias: "Demo" });
      const { owner, tesla, ford, toyota } = await ownerWithVehicles();
      // A grant to this app with other privileges, written with a lower-case grantee.
      await services.grants.grant({
        tokenId: toyota.tokenId,
        grantee: clientId.toLowerCase(),
        grantor: owner.walletAddress,
        privileges: [1],
      });
      const stranger = await services.accounts.ensure("stranger@example.com");
      const theirs = await services.vehicles.mint({
        owner: stranger.walletAddress,
        make: "Tesla",
        model: "Model Y",
        year: 2024,
        powertrainType: "BEV",
      });

      const b = await browser();
      const flow = await b.flow(
        query({
          clientId,
          redirectUri,
          entryState: "VEHICLE_MANAGER",
          permissionTemplateId: "1",
          vehicleMakes: ["tesla", "TOYOTA"],
          powertrainTypes: "BEV,PHEV",
          utm: "utm_source=test",
        }),
      );
      await b.signInWithCode(services, flow.flowId, OWNER);
      const list = await b.get(`/api/connect/flows/${flow.flowId}/vehicles`);
      expect(list.statusCode, list.body).toBe(200);
      const body = list.json();
      expect(body.requested).toEqual({
        privileges: [1, 2, 3, 4, 5, 6],
        expiresAt: new Date(START + YEAR_100_MS).toISOString(),
      });
      expect(body.vehicles.map((v: { tokenId: number }) => v.tokenId)).toEqual([
        toyota.tokenId,
        tesla.tokenId,
        ford.tokenId,
      ]);
      expect(body.vehicles[0]).toMatchObject({
        tokenId: toyota.tokenId,
        make: "Toyota",
        compatible: true,
        grant: { privileges: [1], differsFromRequested: true },
      });
      expect(body.vehicles[1]).toMatchObject({
        tokenId: tesla.tokenId,
        name: expect.stringMatching(/^\w+ \w+ \w+$/),
        compatible: true,
        incompatibleReasons: [],
        grant: null,
      });
      expect(body.vehicles[2]).toMatchObject({
        tokenId: ford.tokenId,
        powertrainType: "ICE",
        compatible: false,
        incompatibleReasons: ["vehicleMakes", "powertrainTypes"],
      });

      const fail = async (tokenIds: unknown[], code: string) => {
        const res = await b.post(`/api/connect/flows/${flow.flowId}/share`, { tokenIds, shareEmail: false });
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().code).toBe(code);
      };
      await fail([ford.tokenId], "vehicleIncompatible");
      await fail([toyota.tokenId], "alreadyShared");
      await fail([theirs.tokenId], "vehicleNotOwned");
      await fail([999], "vehicleNotOwned");
      await fail([], "invalid_request");

      const share = await b.post(`/api/connect/flows/${flow.flowId}/share`, {
        tokenIds: [String(tesla.tokenId)],
        shareEmail: true,
      });
      expect(share.statusCode, share.body).toBe(200);
      expect(share.json().sharedVehicles).toEqual([String(tesla.tokenId)]);
      const url = new URL(share.json().result.redirectUrl);
      expect(url.searchParams.get("utm_source")).toBe("test");
      expect(url.searchParams.get("sharedVehicles")).toBe(String(tesla.tokenId));
      expect(url.searchParams.get("email")).toBe(OWNER);
      const grant = await services.grants.active(tesla, clientId);
      expect(grant).toMatchObject({
        privileges: [1, 2, 3, 4, 5, 6],
        templateId: "0",
        grantor: owner.walletAddress,
        expiresAt: Math.floor((START + YEAR_100_MS) / 1000),
      });
      // The consent document is signed by the owner's wallet.
      const doc = JSON.parse((await services.grants.document(grant!.source.slice("ipfs://".length)))!);
      expect(doc).toMatchObject({
        type: "dimo.sacd",
        source: owner.walletAddress,
        signature: expect.stringMatching(/^0x/),
      });
      await fail([tesla.tokenId], "alreadyShared");
    });

    it("extend adds one calendar year and keeps the privileges; revoke ends the grant at once", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const { tesla } = await ownerWithVehicles();
      const b = await browser();
      const flow = await b.flow(
        query({
          clientId,
          redirectUri,
          entryState: "VEHICLE_MANAGER",
          permissions: "10010000",
          expirationDate: "2031-02-28",
        }),
      );
      await b.signInWithCode(services, flow.flowId, OWNER);
      await b.post(`/api/connect/flows/${flow.flowId}/share`, { tokenIds: [tesla.tokenId] });
      expect(await services.grants.active(tesla, clientId)).toMatchObject({
        privileges: [1, 4],
        expiresAt: Date.parse("2031-02-28T00:00:00Z") / 1000,
      });

      const extend = await b.post(`/api/connect/flows/${flow.flowId}/extend`, {
        tokenIds: [tesla.tokenId],
        shareEmail: false,
      });
      expect(extend.statusCode, extend.body).toBe(200);
      expect(extend.json()).toMatchObject({
        extendedVehicles: [String(tesla.tokenId)],
        expiresAt: "2032-02-28T00:00:00.000Z",
      });
      expect(new URL(extend.json().result.redirectUrl).searchParams.get("extendedVehicles")).toBe(
        String(tesla.tokenId),
      );
      expect(await services.grants.active(tesla, clientId)).toMatchObject({
        privileges: [1, 4],
        expiresAt: Date.parse("2032-02-28T00:00:00Z") / 1000,
      });

      const revoke = await b.post(`/api/connect/flows/${flow.flowId}/revoke`, {
        tokenIds: [tesla.tokenId],
        shareEmail: false,
      });
      expect(revoke.statusCode, revoke.body).toBe(200);
      expect(revoke.json().revokedVehicles).toEqual([String(tesla.tokenId)]);
      expect(new URL(revoke.json().result.redirectUrl).searchParams.get("revokedVehicles")).toBe(
        String(tesla.tokenId),
      );
      expect(await services.grants.active(tesla, clientId)).toBeUndefined();
      expect((await services.grants.evaluate(tesla.tokenId, clientId, [1])).allowed).toBe(false);
      const again = await b.post(`/api/connect/flows/${flow.flowId}/revoke`, { tokenIds: [tesla.tokenId] });
      expect(again.json().code).toBe("notShared");
      const list = await b.get(`/api/connect/flows/${flow.flowId}/vehicles`);
      expect(
        list.json().vehicles.find((v: { tokenId: number }) => v.tokenId === tesla.tokenId).grant,
      ).toBeNull();
    });

    it("the license's maxGrantDays caps shares, and a grant at the cap is not extended", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services, {
        settings: { maxGrantDays: 30 },
      });
      const { tesla } = await ownerWithVehicles();
      const b = await browser();
      const flow = await b.flow(
        query({ clientId, redirectUri, entryState: "VEHICLE_MANAGER", permissionTemplateId: "1" }),
      );
      await b.signInWithCode(services, flow.flowId, OWNER);
      await b.post(`/api/connect/flows/${flow.flowId}/share`, { tokenIds: [tesla.tokenId] });
      const cap = (START + 30 * 86_400_000) / 1000;
      expect((await services.grants.active(tesla, clientId))?.expiresAt).toBe(cap);
      // At the cap: not offered, and refused rather than reported as extended.
      const listed = await b.get(`/api/connect/flows/${flow.flowId}/vehicles`);
      const view = listed.json().vehicles.find((v: { tokenId: number }) => v.tokenId === tesla.tokenId);
      expect(view.grant.extendable).toBe(false);
      const extend = await b.post(`/api/connect/flows/${flow.flowId}/extend`, {
        tokenIds: [tesla.tokenId],
        shareEmail: false,
      });
      expect(extend.statusCode).toBe(409);
      expect(extend.json().code).toBe("notExtendable");
      expect((await services.grants.active(tesla, clientId))?.expiresAt).toBe(cap);
    });

    it("cloudEvent: the files requested go into the signed consent document", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const { tesla } = await ownerWithVehicles();
      const b = await browser();
      const cloudEvent = JSON.stringify({
        eventType: "dimo.attestation",
        source: "*",
        ids: ["*"],
        tags: ["DriversLicense"],
      });
      const flow = await b.flow(
        query({
          clientId,
          redirectUri,
          entryState: "VEHICLE_MANAGER",
          permissionTemplateId: "1",
          cloudEvent,
        }),
      );
      await b.signInWithCode(services, flow.flowId, OWNER);
      await b.post(`/api/connect/flows/${flow.flowId}/share`, { tokenIds: [tesla.tokenId] });
      const grant = await services.grants.active(tesla, clientId);
      const doc = JSON.parse((await services.grants.document(grant!.source.slice(7)))!);
      expect(doc.data.agreements[1]).toMatchObject({
        type: "cloudevent",
        eventType: "dimo.attestation",
        source: "*",
        ids: ["*"],
        tags: ["DriversLicense"],
      });
    });

    it("cancel returns sharedVehicles empty; reject a DIMO_ERROR; logout ends the session", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      await ownerWithVehicles();
      const b = await browser();
      const flow = await b.flow(
        query({ clientId, redirectUri, entryState: "VEHICLE_MANAGER", permissionTemplateId: "2" }),
      );
      expect(flow.request.privileges).toEqual([1, 3, 4, 5, 6]);
      await b.signInWithCode(services, flow.flowId, OWNER);
      const cancel = await b.post(`/api/connect/flows/${flow.flowId}/cancel`, { shareEmail: false });
      const url = new URL(cancel.json().result.redirectUrl);
      expect(url.searchParams.get("sharedVehicles")).toBe("");
      expect(url.searchParams.get("token")).toBeTruthy();

      const reject = await b.post(`/api/connect/flows/${flow.flowId}/reject`, {
        message: "User cancelled document sharing",
      });
      expect(reject.json().result.redirectUrl).toBe(`${redirectUri}?error=User+cancelled+document+sharing`);

      const logout = await b.post(`/api/connect/flows/${flow.flowId}/logout`, {});
      expect(logout.statusCode).toBe(200);
      expect(logout.json().result).toEqual({
        message: { eventType: "logout", mode: "redirect", logout: true },
        targetOrigin: null,
        redirectUrl: `${redirectUri}?logout=true`,
      });
      expect((await b.session()).user).toBeNull();
    });

    it("share needs a VEHICLE_MANAGER flow", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const { tesla } = await ownerWithVehicles();
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri }));
      await b.signInWithCode(services, flow.flowId, OWNER);
      const res = await b.post(`/api/connect/flows/${flow.flowId}/share`, { tokenIds: [tesla.tokenId] });
      expect(res.json().code).toBe("wrongEntryState");
    });
  });

  describe("secure mode (security.md §3)", () => {
    async function secureFlow(mode: "redirect" | "popup" = "redirect") {
      const license = await createLoginLicense(services, { settings: { secureOnly: true } });
      const owner = await services.accounts.ensure(OWNER);
      const b = await browser();
      const params = {
        client_id: license.clientId,
        redirect_uri: license.redirectUri,
        response_type: "code",
        state: STATE,
        code_challenge: s256Challenge(VERIFIER),
        code_challenge_method: "S256",
      };
      const flow = await b.flow(query(params), mode);
      expect(flow.request).toMatchObject({ secure: true, clientId: license.clientId });
      expect(flow.request).not.toHaveProperty("codeChallenge");
      await b.signInWithCode(services, flow.flowId, OWNER);
      const code = async () => {
        const res = await b.post(`/api/connect/flows/${flow.flowId}/authorize`, { shareEmail: true });
        expect(res.statusCode, res.body).toBe(200);
        return res.json().result;
      };
      return { ...license, owner, b, flow, code };
    }

    const exchange = (form: Record<string, string>) =>
      app.inject({
        method: "POST",
        url: "/oauth/token",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://app.example.com" },
        payload: new URLSearchParams(form).toString(),
      });

    it("the result carries only code, state and iss; the code redeems once for the JWT and the result", async () => {
      const { clientId, redirectUri, owner, code } = await secureFlow();
      const result = await code();
      const url = new URL(result.redirectUrl);
      expect([...url.searchParams.keys()]).toEqual(["code", "state", "iss"]);
      expect(url.searchParams.get("state")).toBe(STATE);
      expect(url.searchParams.get("iss")).toBe("http://localhost:3000");
      const form = {
        grant_type: "authorization_code",
        code: url.searchParams.get("code")!,
        redirect_uri: redirectUri,
        client_id: clientId,
        code_verifier: VERIFIER,
      };
      const res = await exchange(form);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers["access-control-allow-origin"]).toBe("*");
      expect(res.headers["cache-control"]).toBe("no-store");
      const body = res.json();
      expect(body).toEqual({
        access_token: expect.any(String),
        token_type: "bearer",
        expires_in: 86400,
        id_token: body.access_token,
        result: { walletAddress: owner.walletAddress, email: OWNER },
      });
      expect(await services.jwt.verify("developer", body.access_token)).toMatchObject({
        aud: clientId,
        ethereum_address: owner.walletAddress,
      });

      const reuse = await exchange(form);
      expect(reuse.statusCode).toBe(400);
      expect(reuse.json()).toEqual({
        error: "invalid_grant",
        error_description: "The authorization code was already used.",
      });
    });

    it("a wrong verifier, a wrong redirect_uri, another client or a late code: invalid_grant, and the code is used up", async () => {
      const { clientId, redirectUri, code } = await secureFlow();
      const codeOf = async () => new URL((await code()).redirectUrl).searchParams.get("code")!;
      const base = {
        grant_type: "authorization_code",
        redirect_uri: redirectUri,
        client_id: clientId,
        code_verifier: VERIFIER,
      };

      const first = await codeOf();
      const wrongVerifier = await exchange({
        ...base,
        code: first,
        code_verifier: `${VERIFIER.slice(0, -1)}A`,
      });
      expect(wrongVerifier.json()).toEqual({
        error: "invalid_grant",
        error_description: "code_verifier does not match the code_challenge.",
      });
      expect((await exchange({ ...base, code: first })).json().error).toBe("invalid_grant");

      const second = await codeOf();
      const wrongRedirect = await exchange({ ...base, code: second, redirect_uri: `${redirectUri}?x=1` });
      expect(wrongRedirect.json()).toMatchObject({
        error: "invalid_grant",
        error_description: expect.stringContaining("redirect_uri"),
      });

      const other = await createLoginLicense(services, { redirectUri });
      const third = await codeOf();
      expect((await exchange({ ...base, code: third, client_id: other.clientId })).json()).toMatchObject({
        error: "invalid_grant",
      });

      const late = await codeOf();
      clock.now += 61_000;
      expect((await exchange({ ...base, code: late })).json()).toEqual({
        error: "invalid_grant",
        error_description: "The authorization code has expired.",
      });
    });

    it("RFC 6749 errors for malformed requests", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const base = {
        grant_type: "authorization_code",
        code: "x",
        redirect_uri: redirectUri,
        client_id: clientId,
        code_verifier: VERIFIER,
      };
      expect((await exchange({ ...base, grant_type: "password" })).json()).toMatchObject({
        error: "unsupported_grant_type",
      });
      const missing = await exchange({ grant_type: "authorization_code", code: "x" });
      expect([missing.statusCode, missing.json().error]).toEqual([400, "invalid_request"]);
      const unknownClient = await exchange({
        ...base,
        client_id: "0x2222222222222222222222222222222222222222",
      });
      expect([unknownClient.statusCode, unknownClient.json().error]).toEqual([401, "invalid_client"]);
      expect((await exchange(base)).json()).toEqual({
        error: "invalid_grant",
        error_description: "Unknown authorization code.",
      });
    });

    it("popup: {eventType: authResponse, mode, code, state, iss} to the exact origin", async () => {
      const { code, origin } = await secureFlow("popup");
      const result = await code();
      expect(result.message).toEqual({
        eventType: "authResponse",
        mode: "popup",
        code: expect.any(String),
        state: STATE,
        iss: "http://localhost:3000",
      });
      expect(result.targetOrigin).toBe(origin);
    });
  });

  describe("configurations and brands", () => {
    it("a configurationId link: the stored values are defaults, URL values override, the row's clientId rules", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const configuration = await services.configurations.create({
        clientId,
        name: "Share",
        configuration: {
          redirectUri,
          utm: "utm_campaign=spring",
          entryState: "VEHICLE_MANAGER",
          permissionTemplateId: "1",
          expirationDate: "12-31-2031",
          vehicleMakes: "Tesla,Ford",
          powerTrainTypes: "BEV",
        },
      });
      const b = await browser();
      const flow = await b.flow(`configurationId=${configuration.id}&powertrainTypes=ICE`);
      expect(flow.request).toMatchObject({
        clientId,
        redirectUri,
        entryState: "VEHICLE_MANAGER",
        privileges: [1, 2, 3, 4, 5, 6],
        expiresAt: "2031-12-31T00:00:00.000Z",
        vehicleMakes: ["Tesla", "Ford"],
        powertrainTypes: ["ICE"],
        utm: "utm_campaign=spring",
      });

      const unknown = await b.post("/api/connect/flows", {
        query: "configurationId=de70de70-0000-4000-8000-000000000099",
        mode: "redirect",
      });
      expect(unknown.json()).toEqual({ code: "configurationNotFound", message: "Configuration not found" });
      const mismatch = await b.post("/api/connect/flows", {
        query: `configurationId=${configuration.id}&clientId=0x2222222222222222222222222222222222222222`,
        mode: "redirect",
      });
      expect(mismatch.json().code).toBe("configurationMismatch");

      // The redirect URI is checked again at use: it may have been removed since.
      await services.licenses.removeRedirectUri(clientId, redirectUri);
      const removed = await b.post("/api/connect/flows", {
        query: `configurationId=${configuration.id}`,
        mode: "redirect",
      });
      expect(removed.json().code).toBe("invalidRedirectUri");
    });

    it("GET /api/configurations/:id: the row, any origin; 404 {error}", async () => {
      const { clientId, redirectUri, license } = await createLoginLicense(services);
      const configuration = await services.configurations.create({
        clientId,
        name: "Login",
        configuration: { redirectUri, entryState: "EMAIL_INPUT" },
      });
      const res = await app.inject({
        method: "GET",
        url: `/api/configurations/${configuration.id}`,
        headers: { origin: "https://anywhere.example" },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers["access-control-allow-origin"]).toBe("*");
      expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
      expect(res.json()).toEqual({
        configuration: {
          id: configuration.id,
          client_id: clientId,
          owner_id: license.owner,
          configuration_name: "Login",
          configuration: { redirectUri, entryState: "EMAIL_INPUT" },
          created_at: new Date(START).toISOString(),
          updated_at: new Date(START).toISOString(),
        },
      });
      const missing = await app.inject({ method: "GET", url: "/api/configurations/nope" });
      expect([missing.statusCode, missing.json()]).toEqual([404, { error: "Configuration not found" }]);
    });

    it("GET /api/brand and the flow's app: brand name first, WCAG text colour", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services, { alias: "Alias" });
      const none = await app.inject({ method: "GET", url: `/api/brand?clientId=${clientId}` });
      expect([none.statusCode, none.json()]).toEqual([404, { error: "not_found" }]);
      await services.brands.create(clientId, {
        name: "Acme Cars",
        logoUrl: "https://cdn.example.com/logo.svg",
        primaryColor: "#FFD700",
      });
      const res = await app.inject({
        method: "GET",
        url: `/api/brand?clientId=${clientId.toLowerCase()}`,
        headers: { origin: "https://x.example" },
      });
      expect(res.headers["access-control-allow-origin"]).toBe("*");
      expect(res.json()).toEqual({
        name: "Acme Cars",
        logoCid: null,
        iconCid: null,
        logoUrl: "https://cdn.example.com/logo.svg",
        iconUrl: null,
        primaryColor: "#FFD700",
        updatedAt: new Date(START).toISOString(),
      });
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri }));
      expect(flow.app).toMatchObject({
        name: "Acme Cars",
        alias: "Alias",
        brand: {
          name: "Acme Cars",
          logoUrl: "https://cdn.example.com/logo.svg",
          primaryColor: "#FFD700",
          textColor: "#000000",
        },
      });
    });
  });

  describe("passkeys", () => {
    it("register after signing in, then sign in with it; counter regression and replayed challenges are refused", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const authenticator = new SoftAuthenticator();
      const b = await browser();
      const flow = await b.flow(query({ clientId, redirectUri }));
      expect((await b.post("/api/auth/passkey/register/options", {})).statusCode).toBe(401);
      await b.signInWithCode(services, flow.flowId, OWNER);

      const options = await b.post("/api/auth/passkey/register/options", {});
      expect(options.statusCode, options.body).toBe(200);
      const { ceremonyId, options: creation } = options.json();
      expect(creation).toMatchObject({
        rp: { id: "localhost", name: "Keyfob" },
        user: { name: OWNER },
        authenticatorSelection: { residentKey: "required", userVerification: "required" },
      });
      const registered = await b.post("/api/auth/passkey/register/verify", {
        ceremonyId,
        response: authenticator.create(creation),
      });
      expect(registered.statusCode, registered.body).toBe(200);
      expect(registered.json()).toEqual({
        passkey: { id: expect.any(String), createdAt: new Date(START).toISOString() },
      });
      expect((await b.session()).user?.hasPasskey).toBe(true);
      const replay = await b.post("/api/auth/passkey/register/verify", {
        ceremonyId,
        response: authenticator.create(creation),
      });
      expect(replay.json().code).toBe("passkey_failed");

      // A new browser, no session: a discoverable-credential sign-in.
      const other = await browser();
      const login = await other.post("/api/auth/passkey/login/options", {});
      const { ceremonyId: loginId, options: request } = login.json();
      expect(request.allowCredentials ?? []).toEqual([]);
      expect(request.userVerification).toBe("required");
      const verified = await other.post("/api/auth/passkey/login/verify", {
        ceremonyId: loginId,
        response: authenticator.get(request),
        flowId: flow.flowId,
      });
      expect(verified.statusCode, verified.body).toBe(200);
      expect(verified.json().user).toMatchObject({ email: OWNER, hasPasskey: true });
      expect((await other.session()).user?.email).toBe(OWNER);

      const again = (await other.post("/api/auth/passkey/login/options", {})).json();
      const regressed = await other.post("/api/auth/passkey/login/verify", {
        ceremonyId: again.ceremonyId,
        response: authenticator.get(again.options, { counter: 1 }),
      });
      expect(regressed.json()).toMatchObject({
        code: "passkey_failed",
        message: expect.stringContaining("counter"),
      });

      const wrongOrigin = (await other.post("/api/auth/passkey/login/options", {})).json();
      const refused = await other.post("/api/auth/passkey/login/verify", {
        ceremonyId: wrongOrigin.ceremonyId,
        response: authenticator.get(wrongOrigin.options, { origin: "https://evil.example.com" }),
      });
      expect(refused.json().code).toBe("passkey_failed");

      const expired = (await other.post("/api/auth/passkey/login/options", {})).json();
      clock.now += 5 * 60_000;
      const late = await other.post("/api/auth/passkey/login/verify", {
        ceremonyId: expired.ceremonyId,
        response: authenticator.get(expired.options),
      });
      expect(late.json().code).toBe("passkey_failed");
    });

    it("registration needs user verification", async () => {
      const { clientId, redirectUri } = await createLoginLicense(services);
      const b = await browser();
      await b.signInWithCode(services, (await b.flow(query({ clientId, redirectUri }))).flowId, OWNER);
      const { ceremonyId, options } = (await b.post("/api/auth/passkey/register/options", {})).json();
      const res = await b.post("/api/auth/passkey/register/verify", {
        ceremonyId,
        response: new SoftAuthenticator().create(options, { userVerified: false }),
      });
      expect(res.json().code).toBe("passkey_failed");
    });
  });

  describe("pages", () => {
    const pageCsp = (ancestors: string) =>
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; " +
      `base-uri 'none'; form-action 'self'; frame-ancestors ${ancestors}`;

    it("GET / and /oauth/authorize: strict CSP, unframeable, no-referrer, no-store, no COOP, no CORS", async () => {
      for (const url of ["/", "/oauth/authorize", "/?clientId=0x2222222222222222222222222222222222222222"]) {
        const res = await app.inject({ method: "GET", url, headers: { origin: "https://app.example.com" } });
        // 200 with the built login app, 503 (a page saying to build it) without.
        expect([200, 503], url).toContain(res.statusCode);
        expect(res.headers["content-type"]).toMatch(/^text\/html/);
        expect(res.headers["content-security-policy"], url).toBe(pageCsp("'none'"));
        expect(res.headers["x-frame-options"]).toBe("DENY");
        expect(res.headers["referrer-policy"]).toBe("no-referrer");
        expect(res.headers["cache-control"]).toBe("no-store");
        expect(res.headers["x-content-type-options"]).toBe("nosniff");
        expect(res.headers["cross-origin-opener-policy"]).toBeUndefined();
        expect(res.headers["access-control-allow-origin"]).toBeUndefined();
      }
    });

    it("a license with embed enabled may be framed by its allowed origins only", async () => {
      const embed = await createLoginLicense(services, {
        settings: { webOrigins: ["http://localhost:5173"], embedEnabled: true },
      });
      const noEmbed = await createLoginLicense(services, { redirectUri: "https://other.example.com/cb" });
      const configuration = await services.configurations.create({
        clientId: embed.clientId,
        name: "c",
        configuration: {},
      });
      for (const url of [
        `/?clientId=${embed.clientId}&mode=embed`,
        `/oauth/authorize?client_id=${embed.clientId}`,
        `/?configurationId=${configuration.id}`,
      ]) {
        const res = await app.inject({ method: "GET", url });
        expect(res.headers["content-security-policy"], url).toBe(
          pageCsp("https://app.example.com http://localhost:5173"),
        );
        expect(res.headers["x-frame-options"], url).toBeUndefined();
        expect(res.headers["cross-origin-opener-policy"]).toBeUndefined();
      }
      const res = await app.inject({ method: "GET", url: `/?clientId=${noEmbed.clientId}&mode=embed` });
      expect(res.headers["content-security-policy"]).toBe(pageCsp("'none'"));
      expect(res.headers["x-frame-options"]).toBe("DENY");
    });

    it("the private API sends no CORS headers, not even to a preflight", async () => {
      const preflight = await app.inject({
        method: "OPTIONS",
        url: "/api/connect/flows",
        headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" },
      });
      expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
      const b = await browser();
      const res = await b.post("/api/connect/flows", { query: "", mode: "popup" });
      expect(res.headers["access-control-allow-origin"]).toBeUndefined();
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(LOGIN_ORIGIN).toBe("http://localhost:3000");
    });
  });
});
