import { randomBytes } from "node:crypto";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { z } from "zod";
import { apiError, parseInput } from "../../http/api-error.ts";
import { HttpError } from "../../http/errors.ts";
import { cookieOptions } from "./cookies.ts";
import type { EmailCodeService } from "./email-codes.ts";
import type { LoginSessions } from "./http-session.ts";
import { type DevOutbox, escapeHtml } from "./mail.ts";
import type { PasskeyService } from "./passkeys.ts";
import type { AccountService } from "./service.ts";

/** What sign-in needs to know about a flow; the connect module provides it (accounts does not import it). */
export interface FlowHooks {
  describe(flowId: string): Promise<{ clientId: string; mode: string; appName: string } | undefined>;
  attachUser(flowId: string, userId: string): Promise<void>;
}

export interface AccountRoutesOptions {
  accounts: AccountService;
  emailCodes: EmailCodeService;
  passkeys: PasskeyService;
  login: LoginSessions;
  flows: FlowHooks;
  /** Served at /dev/outbox when given (embedded mode without SMTP). */
  outbox?: DevOutbox;
}

/**
 * The developer console signs in with the same accounts and email codes, outside any Connect flow:
 * it names this reserved `flowId`, and the code is bound to it (a code sent for the console works
 * only there, and one sent for a flow never works in the console).
 */
export const CONSOLE_SIGN_IN = "console";
const CONSOLE_FLOW = {
  clientId: "console",
  mode: "redirect",
  appName: "the developer console",
} as const;

const flowId = z.string().min(1).max(64);
const email = z.string().max(320);
const sessionQuery = z.object({ mode: z.string().max(16).optional() }).loose();
const emailStart = z.strictObject({ flowId, email });
const emailVerify = z.strictObject({ flowId, email, code: z.string().max(16) });
const passkeyOptions = z.strictObject({ flowId: flowId.optional() });
const credential = z.looseObject({
  id: z.string().min(1).max(1024),
  rawId: z.string().min(1).max(1024),
  type: z.literal("public-key"),
  response: z.looseObject({}),
  clientExtensionResults: z.looseObject({}).optional(),
});
const passkeyLoginVerify = z.strictObject({
  ceremonyId: z.string().max(64),
  response: credential,
  flowId: flowId.optional(),
});
const passkeyRegisterVerify = z.strictObject({ ceremonyId: z.string().max(64), response: credential });

/**
 * Sign-in for the login app (docs/login-api.md "Session" and "Sign-in"): email codes, passkeys,
 * the session, and the dev outbox. Registered inside the login plugin (cookies and CSRF there).
 */
export const accountRoutes: FastifyPluginAsync<AccountRoutesOptions> = async (app, options) => {
  const { accounts, emailCodes, passkeys, login, flows } = options;

  const requireFlow = async (id: string) => {
    if (id === CONSOLE_SIGN_IN) return CONSOLE_FLOW;
    const flow = await flows.describe(id);
    if (!flow) throw apiError(404, "flowNotFound", "This sign-in has expired. Start again from the app.");
    return flow;
  };

  app.get("/api/session", async (request, reply) => {
    const { mode } = parseInput(sessionQuery, request.query);
    let csrfToken = request.cookies[login.cookies.csrf];
    if (!csrfToken || !/^[A-Za-z0-9_-]{43}$/.test(csrfToken)) {
      csrfToken = randomBytes(32).toString("base64url");
      reply.setCookie(login.cookies.csrf, csrfToken, cookieOptions(login.cookies, mode === "embed"));
    }
    const user = await login.user(request);
    return { csrfToken, user: user ? await login.view(user) : null };
  });

  app.post("/api/auth/logout", async (request, reply) => {
    const body = parseInput(z.strictObject({ mode: z.string().max(16).optional() }), request.body);
    await login.signOut(request, reply, body.mode === "embed");
    return {};
  });

  app.post("/api/auth/email/start", async (request, reply) => {
    const body = parseInput(emailStart, request.body);
    const flow = await requireFlow(body.flowId);
    try {
      const sent = await emailCodes.start({
        email: body.email,
        flowId: body.flowId,
        clientId: flow.clientId,
        ip: request.ip,
        appName: flow.appName,
      });
      return reply.status(202).send({ sent: true, resendAfterSeconds: sent.resendAfterSeconds });
    } catch (err) {
      return rateLimitedOrRethrow(reply, err, (cause) =>
        request.log.error({ err: cause }, "sign-in email failed"),
      );
    }
  });

  app.post("/api/auth/email/verify", async (request, reply) => {
    const body = parseInput(emailVerify, request.body);
    const flow = await requireFlow(body.flowId);
    const proven = await emailCodes.verify({
      email: body.email,
      code: body.code,
      flowId: body.flowId,
      clientId: flow.clientId,
    });
    // The account is created only now that the email is proven (security.md §6).
    const existing = await accounts.findByEmail(proven.email);
    const user = existing ?? (await accounts.ensure(proven.email));
    await login.signIn(request, reply, user, flow.mode === "embed");
    if (body.flowId !== CONSOLE_SIGN_IN) await flows.attachUser(body.flowId, user.id);
    return { user: await login.view(user), newAccount: !existing };
  });

  app.post("/api/auth/passkey/login/options", async (request) => {
    parseInput(passkeyOptions, request.body);
    return passkeys.authenticationOptions();
  });

  app.post("/api/auth/passkey/login/verify", async (request, reply) => {
    const body = parseInput(passkeyLoginVerify, request.body);
    const flow = body.flowId ? await flows.describe(body.flowId) : undefined;
    const userId = await passkeys.verifyAuthentication(
      body.ceremonyId,
      body.response as unknown as AuthenticationResponseJSON,
    );
    const user = await accounts.findById(userId);
    if (!user) throw apiError(400, "passkey_failed", "This passkey's account no longer exists.");
    await login.signIn(request, reply, user, flow?.mode === "embed");
    if (flow && body.flowId) await flows.attachUser(body.flowId, user.id);
    return { user: await login.view(user) };
  });

  app.post("/api/auth/passkey/register/options", async (request) => {
    parseInput(z.strictObject({}), request.body);
    const user = await login.require(request);
    return passkeys.registrationOptions(user);
  });

  app.post("/api/auth/passkey/register/verify", async (request) => {
    const body = parseInput(passkeyRegisterVerify, request.body);
    const user = await login.require(request);
    const passkey = await passkeys.verifyRegistration(
      user,
      body.ceremonyId,
      body.response as unknown as RegistrationResponseJSON,
    );
    return { passkey: { id: passkey.id, createdAt: passkey.createdAt.toISOString() } };
  });

  const outbox = options.outbox;
  if (outbox) {
    app.get("/dev/outbox.json", async (_request, reply) => {
      reply.header("cache-control", "no-store");
      return {
        messages: outbox.list().map((m) => ({
          to: m.to,
          subject: m.subject,
          text: m.text,
          html: m.html,
          sentAt: m.sentAt.toISOString(),
        })),
      };
    });
    app.get("/dev/outbox", async (_request, reply) => {
      const items = outbox
        .list()
        .map(
          (m) => `<article>
<h2>${escapeHtml(m.subject)}</h2>
<p class="meta">To ${escapeHtml(m.to)} · ${escapeHtml(m.sentAt.toISOString())}</p>
<pre>${escapeHtml(m.text)}</pre>
</article>`,
        )
        .join("\n");
      return reply
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .header(
          "content-security-policy",
          "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        )
        .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keyfob dev outbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:720px;margin:2rem auto;padding:0 1rem;color:#111}
article{border:1px solid #ccc;border-radius:8px;padding:0 1rem;margin:1rem 0}.meta{color:#444}
pre{white-space:pre-wrap;font-size:1rem}</style></head>
<body><h1>Dev outbox</h1>
<p>Emails this server would have sent, newest first (kept in memory; set KEYFOB_SMTP_URL to send real mail). Reload for new ones.</p>
${items || "<p>No emails yet.</p>"}
</body></html>
`);
    });
  }
};

/** 429 carries `Retry-After`; a mail failure is logged with its cause; anything else goes on. */
function rateLimitedOrRethrow(reply: FastifyReply, err: unknown, logMailError: (cause: unknown) => void) {
  if (err instanceof HttpError && err.statusCode === 429) {
    reply.header("retry-after", String(err.extra.retryAfterSeconds ?? 60));
  }
  if (err instanceof HttpError && err.statusCode === 503)
    logMailError((err as Error & { cause?: unknown }).cause);
  throw err;
}
