import type { FastifyInstance } from "fastify";

/**
 * Security headers on every response (security.md §9), as one precomputed set per case.
 *
 * Not through @fastify/helmet: it rebuilds helmet's middleware and writes each header on the raw
 * response for every request, which costs ~25 µs of CPU per request (measured on the token
 * exchange; about a quarter of its whole cost), for headers that never change. The values are
 * helmet's for the options security.md asks for; helmet's IE/Flash-era extras (X-Download-Options,
 * X-Permitted-Cross-Domain-Policies, X-DNS-Prefetch-Control, X-XSS-Protection: 0) are left out.
 */
const BASE: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  // Public resources (`/ipfs/*`, JWKS, ...) are read from other origins: never `same-origin`.
  "cross-origin-resource-policy": "cross-origin",
  // Deliberately absent: Cross-Origin-Opener-Policy (anything but `unsafe-none` severs
  // `window.opener` and breaks the official login popup) and Cross-Origin-Embedder-Policy.
};

/** JSON APIs: nothing may load from a response, nothing may frame it. The login pages will need their own. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Routes served without a Content-Security-Policy. `GET /identity/query` renders graphql-yoga's
 * GraphiQL page (yoga sends no CSP itself): megabytes of inline script and style, web workers
 * started from `blob:` URLs. A policy allowing all that would protect next to nothing and break on
 * the next yoga upgrade; the page sets no cookies, shows only public data, and
 * `X-Frame-Options: DENY` still keeps it out of frames.
 */
const WITHOUT_CSP = new Set(["/identity/query"]);

export function securityHeaders(publicUrl: string): {
  api: Record<string, string>;
  withoutCsp: Record<string, string>;
} {
  // HSTS only over https; without includeSubDomains, which would bind sibling hosts of a self-hosted domain.
  const hsts: Record<string, string> =
    new URL(publicUrl).protocol === "https:" ? { "strict-transport-security": "max-age=31536000" } : {};
  const withoutCsp = { ...BASE, ...hsts };
  return { api: { ...withoutCsp, "content-security-policy": API_CSP }, withoutCsp };
}

/** On the root instance, so it covers every route, 404s and early answers (preflights, 429s) included. */
export function registerSecurityHeaders(app: FastifyInstance, publicUrl: string): void {
  const headers = securityHeaders(publicUrl);
  app.addHook("onRequest", (request, reply, done) => {
    const route = request.routeOptions.url;
    reply.headers(route !== undefined && WITHOUT_CSP.has(route) ? headers.withoutCsp : headers.api);
    done();
  });
}
