import { timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { apiError } from "./api-error.ts";
import { sendError } from "./errors.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF protection of the login app's and the console's private API (docs/login-api.md): every
 * state-changing request (`POST`, `PUT`, `PATCH`, `DELETE` under `/api/...`) needs
 * the header `x-csrf-token` equal to the CSRF cookie (double submit), and, when the browser sends
 * `Origin`, that origin must be the login origin. Otherwise 403 `{code: "csrf"}`.
 * Needs @fastify/cookie on the same instance (the cookie is read from `request.cookies`).
 */
export function csrfGuard(options: { loginOrigin: string; cookieName: string }) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (SAFE_METHODS.has(request.method) || !request.url.startsWith("/api/")) {
      done();
      return;
    }
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== options.loginOrigin) {
      sendError(reply, apiError(403, "csrf", "This request did not come from the sign-in page."));
      return;
    }
    const header = request.headers["x-csrf-token"];
    const cookie = request.cookies?.[options.cookieName];
    if (typeof header !== "string" || !cookie || !sameToken(header, cookie)) {
      sendError(
        reply,
        apiError(403, "csrf", "The page's security token is missing or stale. Reload the page."),
      );
      return;
    }
    done();
  };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
