import type { FastifyInstance } from "fastify";

/**
 * CORS by path (security.md §2.6: on the one origin this is decided per path). The developer-facing
 * APIs and public documents allow any origin, without credentials; every other path sends no CORS
 * headers at all. Deliberately absent:
 * - `/identity/query`, `/telemetry/query`: graphql-yoga answers its own CORS, preflight included
 *   (modules/identity/server.ts, modules/telemetry/graphql/server.ts);
 * - `/healthz`, `/readyz`: not for browsers;
 * - the login app (`/`, `/oauth/authorize`) and its private `/api/...`: no CORS, ever.
 * The public look-ups of the login app (`/api/configurations/:id`, `/api/brand`) and secure mode's
 * token endpoint (`/oauth/token`) allow any origin; the rest of `/api/` sends nothing.
 * New public paths go in these two lists.
 */
const ANY_ORIGIN_PATHS = new Set([
  "/keys",
  "/.well-known/openid-configuration",
  "/v1/tokens/exchange",
  "/oauth/token",
  "/api/brand",
]);
const ANY_ORIGIN_PREFIXES = ["/auth/web3/", "/roles-rights/", "/ipfs/", "/api/configurations/"];

export function allowsAnyOrigin(path: string): boolean {
  return ANY_ORIGIN_PATHS.has(path) || ANY_ORIGIN_PREFIXES.some((prefix) => path.startsWith(prefix));
}

// Never Access-Control-Allow-Credentials: these APIs take bearer tokens, not cookies.
const ANY_ORIGIN = { "access-control-allow-origin": "*" };
const PREFLIGHT = {
  ...ANY_ORIGIN,
  "access-control-allow-methods": "GET, HEAD, POST",
  "access-control-allow-headers": "authorization, content-type",
  "access-control-max-age": "86400",
};

/**
 * A root onRequest hook rather than @fastify/cors: the decision is by path (a preflight has no route
 * of its own), the headers are constants, and the plugin's per-request delegator cost ~18 µs of CPU
 * per request on the token exchange. Preflights on these paths are answered here, 204; elsewhere an
 * OPTIONS request meets its route (yoga's) or the 404.
 */
export function registerCors(app: FastifyInstance): void {
  app.addHook("onRequest", (request, reply, done) => {
    if (!allowsAnyOrigin(pathOf(request.url))) return done();
    if (request.method === "OPTIONS") {
      reply.code(204).headers(PREFLIGHT).send();
      return;
    }
    reply.headers(ANY_ORIGIN);
    done();
  });
}

function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}
