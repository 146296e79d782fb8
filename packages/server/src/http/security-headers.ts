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

/** JSON APIs: nothing may load from a response, nothing may frame it. The login pages have their own. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * The login app's pages (security.md §5, §9): scripts and styles from this origin only (no inline
 * script), images also from any https origin (brand logos) and data: URLs.
 */
const LOGIN_PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'";

/**
 * Routes whose handler sets the framing headers itself (the login pages: `frame-ancestors` depends on
 * the license the URL names). The hook gives them the base set without CSP and X-Frame-Options.
 */
export const LOGIN_PAGE_ROUTES: ReadonlySet<string> = new Set(["/", "/oauth/authorize"]);

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
  page: Record<string, string>;
} {
  // HSTS only over https; without includeSubDomains, which would bind sibling hosts of a self-hosted domain.
  const hsts: Record<string, string> =
    new URL(publicUrl).protocol === "https:" ? { "strict-transport-security": "max-age=31536000" } : {};
  const withoutCsp = { ...BASE, ...hsts };
  const { "x-frame-options": _framing, ...page } = withoutCsp;
  return { api: { ...withoutCsp, "content-security-policy": API_CSP }, withoutCsp, page };
}

/**
 * The framing and caching headers of a login page (set by its handler, on top of the base set):
 * `frame-ancestors 'none'` and `X-Frame-Options: DENY`, unless the URL names a license with embed
 * enabled — then `frame-ancestors` lists its allowed origins and X-Frame-Options is absent (it cannot
 * express an allow-list). Never cached; never a Cross-Origin-Opener-Policy (the popup handshake).
 */
export function loginPageHeaders(frameAncestors: readonly string[] | null): Record<string, string> {
  const ancestors = frameAncestors && frameAncestors.length > 0 ? frameAncestors.join(" ") : "'none'";
  return {
    "content-security-policy": `${LOGIN_PAGE_CSP}; frame-ancestors ${ancestors}`,
    "cache-control": "no-store",
    ...(ancestors === "'none'" ? { "x-frame-options": "DENY" } : {}),
  };
}

/** On the root instance, so it covers every route, 404s and early answers (preflights, 429s) included. */
export function registerSecurityHeaders(app: FastifyInstance, publicUrl: string): void {
  const headers = securityHeaders(publicUrl);
  app.addHook("onRequest", (request, reply, done) => {
    const route = request.routeOptions.url;
    reply.headers(
      route === undefined
        ? headers.api
        : WITHOUT_CSP.has(route)
          ? headers.withoutCsp
          : LOGIN_PAGE_ROUTES.has(route) && request.method !== "OPTIONS"
            ? headers.page
            : headers.api,
    );
    done();
  });
}
