import cookie from "@fastify/cookie";
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import { parseInput } from "../../http/api-error.ts";
import { csrfGuard } from "../../http/csrf.ts";
import type { EmailCodeService } from "../accounts/email-codes.ts";
import type { LoginSessions } from "../accounts/http-session.ts";
import type { DevOutbox } from "../accounts/mail.ts";
import type { PasskeyService } from "../accounts/passkeys.ts";
import { accountRoutes } from "../accounts/routes.ts";
import type { AccountService } from "../accounts/service.ts";
import { type AuthorizationCodes, OAuthError, type TokenRequest } from "./codes.ts";
import { loginPages } from "./pages.ts";
import type { ConnectService } from "./service.ts";

export interface LoginAppOptions {
  connect: ConnectService;
  accounts: AccountService;
  emailCodes: EmailCodeService;
  passkeys: PasskeyService;
  login: LoginSessions;
  loginOrigin: string;
  outbox?: DevOutbox;
  /** The login app's build (`packages/login/dist`); tests point it elsewhere. */
  loginDist?: string;
}

const flowIdParam = z.object({ flowId: z.string().min(1).max(64) });
const createFlow = z.strictObject({
  query: z.string().max(16 * 1024),
  mode: z.enum(["redirect", "popup", "embed"]),
  message: z.record(z.string(), z.unknown()).optional(),
  origin: z.string().max(512).optional(),
});
const payloadBody = z.strictObject({
  payload: z.record(z.string(), z.unknown()),
  origin: z.string().max(512),
});
const tokenIds = z
  .array(z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,15}$/)]))
  .min(1)
  .max(100)
  .transform((ids) => ids.map(Number));
const shareEmail = z.boolean().default(false);
const selection = z.strictObject({ tokenIds, shareEmail });
const consent = z.strictObject({ shareEmail });
const empty = z.strictObject({});
const reject = z.strictObject({ message: z.string().min(1).max(200) });

/**
 * The login app on the login origin: its pages, its private JSON API (sign-in from the accounts
 * module, flows and consent here) behind the session cookie and CSRF protection, and the dev
 * outbox. Cookies are parsed only inside this plugin, so the developer APIs never pay for it.
 * Private responses are never cached.
 */
export const loginApp: FastifyPluginAsync<LoginAppOptions> = async (app, options) => {
  const { connect, login } = options;
  await app.register(cookie);
  app.addHook("onRequest", csrfGuard({ loginOrigin: options.loginOrigin, cookieName: login.cookies.csrf }));
  app.addHook("onSend", async (request, reply) => {
    if (request.url.startsWith("/api/") && !reply.hasHeader("cache-control"))
      reply.header("cache-control", "no-store");
  });

  await app.register(accountRoutes, {
    accounts: options.accounts,
    emailCodes: options.emailCodes,
    passkeys: options.passkeys,
    login,
    flows: {
      describe: (id) => connect.describe(id),
      attachUser: (id, userId) => connect.attachUser(id, userId),
    },
    outbox: options.outbox,
  });
  await app.register(loginPages, { connect, distDir: options.loginDist });

  app.post("/api/connect/flows", async (request) => {
    const body = parseInput(createFlow, request.body);
    return connect.createFlow(body);
  });

  app.post("/api/connect/flows/:flowId/payload", async (request) => {
    const { flowId } = parseInput(flowIdParam, request.params);
    return connect.submitPayload(flowId, parseInput(payloadBody, request.body));
  });

  app.post("/api/connect/flows/:flowId/authorize", async (request) => {
    const { flowId } = parseInput(flowIdParam, request.params);
    const body = parseInput(consent, request.body);
    return connect.authorize(flowId, await login.require(request), body);
  });

  app.get("/api/connect/flows/:flowId/vehicles", async (request) => {
    const { flowId } = parseInput(flowIdParam, request.params);
    return connect.listVehicles(flowId, await login.require(request));
  });

  app.post("/api/connect/flows/:flowId/share", async (request) => {
    const { flowId } = parseInput(flowIdParam, request.params);
    const body = parseInput(selection, request.body);
    return connect.share(flowId, await login.require(request), body);
  });

  app.post("/api/connect/flows/:flowId/revoke", async (request) => {
    const { flowId } = parseInput(flowIdParam, request.params);
    const body = parseInput(selection, request.body);
    return connect.revoke(flowId, await login.require(request), body);
  });

  app.post("/api/connect/flows/:flowId/extend", async (request) => {
    const { flowId } = parseInput(flowIdParam, request.params);
    const body = parseInput(selection, request.body);
    return connect.extend(flowId, await login.require(request), body);
  });

  app.post("/api/connect/flows/:flowId/cancel", async (request) => {
    const { flowId } = parseInput(flowIdParam, request.params);
    const body = parseInput(consent, request.body);
    return connect.cancel(flowId, await login.require(request), body);
  });

  app.post("/api/connect/flows/:flowId/logout", async (request, reply) => {
    const { flowId } = parseInput(flowIdParam, request.params);
    parseInput(empty, request.body);
    const answer = await connect.logout(flowId);
    await login.signOut(request, reply, (await connect.modeOf(flowId)) === "embed");
    return answer;
  });

  app.post("/api/connect/flows/:flowId/reject", async (request) => {
    const { flowId } = parseInput(flowIdParam, request.params);
    const body = parseInput(reject, request.body);
    return connect.reject(flowId, body.message);
  });
};

export interface TokenEndpointOptions {
  codes: AuthorizationCodes;
  issueUserJwt(input: {
    clientId: string;
    walletAddress: string;
  }): Promise<{ token: string; expiresIn: number }>;
}

/**
 * `POST /oauth/token` (security.md §3): secure mode's code exchange. Form body (JSON accepted too),
 * any origin, no cookies; errors in RFC 6749's `{error, error_description}` shape.
 */
export const tokenEndpoint: FastifyPluginAsync<TokenEndpointOptions> = async (
  app,
  { codes, issueUserJwt },
) => {
  app.post("/oauth/token", async (request, reply) => {
    reply.header("cache-control", "no-store").header("pragma", "no-cache");
    const body = (typeof request.body === "object" && request.body !== null ? request.body : {}) as Record<
      string,
      unknown
    >;
    const params: TokenRequest = {};
    for (const key of ["grant_type", "code", "redirect_uri", "client_id", "code_verifier"] as const) {
      const value = Array.isArray(body[key]) ? (body[key] as unknown[])[0] : body[key];
      if (typeof value === "string" && value.length <= 2048) params[key] = value;
    }
    try {
      const grant = await codes.redeem(params);
      const jwt = await issueUserJwt({ clientId: grant.clientId, walletAddress: grant.walletAddress });
      return {
        access_token: jwt.token,
        token_type: "bearer",
        expires_in: jwt.expiresIn,
        id_token: jwt.token,
        result: grant.result,
      };
    } catch (err) {
      if (err instanceof OAuthError) {
        if (err.status === 401) reply.header("www-authenticate", 'Basic realm="keyfob"');
        return reply.status(err.status).send({ error: err.error, error_description: err.description });
      }
      throw err;
    }
  });
};
