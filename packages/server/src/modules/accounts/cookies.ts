import type { CookieSerializeOptions } from "@fastify/cookie";
import { isLoopbackHost } from "../../domain/redirect-uri.ts";
import { SESSION_ABSOLUTE_MS } from "./sessions.ts";

/**
 * The login origin's cookies (security.md §6, docs/login-api.md): `__Host-kf_session` (the session
 * id) and `__Host-kf_csrf` (the double-submit token), HttpOnly, Secure, SameSite=Lax, Path=/, no
 * Domain. An https login URL or a loopback http one (`http://localhost` is a secure context for
 * browsers) keeps these attributes; any other plain-http URL (development only) gets `kf_session`
 * and `kf_csrf` without Secure. Embed flows run in a third-party frame, where only
 * `SameSite=None; Secure; Partitioned` cookies are sent.
 */
export interface CookiePolicy {
  session: string;
  csrf: string;
  secure: boolean;
}

export function cookiePolicy(loginUrl: string): CookiePolicy {
  const url = new URL(loginUrl);
  const secure = url.protocol === "https:" || isLoopbackHost(url.hostname);
  return secure
    ? { session: "__Host-kf_session", csrf: "__Host-kf_csrf", secure }
    : { session: "kf_session", csrf: "kf_csrf", secure };
}

export function cookieOptions(
  policy: CookiePolicy,
  embed: boolean,
  maxAgeMs = SESSION_ABSOLUTE_MS,
): CookieSerializeOptions {
  const thirdParty = embed && policy.secure;
  return {
    path: "/",
    httpOnly: true,
    secure: policy.secure,
    sameSite: thirdParty ? "none" : "lax",
    ...(thirdParty ? { partitioned: true } : {}),
    maxAge: Math.floor(maxAgeMs / 1000),
  };
}
