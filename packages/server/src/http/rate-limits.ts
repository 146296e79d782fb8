import rateLimit, { normalizeIP } from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import type { RateLimitSettings } from "../config.ts";
import { HttpError } from "./errors.ts";

/**
 * Rate limits (security.md §9), attached by route to the routes they guard. Counters live in this
 * process's memory (@fastify/rate-limit's LRU store): behind several replicas each one counts on
 * its own. A shared store (PostgreSQL, or Redis) is the scale-out path; a later issue may add one.
 *
 * A request over a limit fails with `HttpError(429)` and `Retry-After`; the route's own error
 * handler shapes the body, so `/auth/web3/*` answers dex's `{status, code, message}` and the other
 * routes `{code, message}`.
 */

const MINUTE_MS = 60_000;

interface LimitRule {
  method: "POST";
  url: string;
  /** `onRequest` runs before the body is read; `preValidation` once it is parsed. */
  hook: "onRequest" | "preValidation";
  /** Requests per minute; 0 = off. */
  max: number;
  /** The bucket; `undefined` = not counted by this rule. */
  key(request: FastifyRequest): string | undefined | Promise<string | undefined>;
}

/**
 * Who a token exchange counts against: the license of a developer JWT that verifies (verified
 * tokens are remembered, so this costs no second signature check), or undefined.
 */
export type LicenseOfToken = (authorization: string | undefined) => Promise<string | undefined>;

/** One bucket per endpoint: a sign-in costs one `generate_challenge` and one `submit_challenge`. */
const CHALLENGE_URLS = ["/auth/web3/generate_challenge", "/auth/web3/submit_challenge"];

function rateLimitRules(limits: RateLimitSettings, licenseOf: LicenseOfToken): LimitRule[] {
  return [
    ...CHALLENGE_URLS.flatMap((url): LimitRule[] => [
      { method: "POST", url, hook: "onRequest", max: limits.authPerIp, key: ipKey },
      { method: "POST", url, hook: "preValidation", max: limits.authPerClient, key: clientIdKey },
    ]),
    {
      method: "POST",
      url: "/v1/tokens/exchange",
      hook: "onRequest",
      max: limits.exchangePerLicense,
      key: async (request) => {
        const license = await licenseOf(request.headers.authorization);
        return license ? `license:${license}` : ipKey(request);
      },
    },
  ];
}

export async function registerRateLimits(
  app: FastifyInstance,
  limits: RateLimitSettings,
  licenseOf: LicenseOfToken,
): Promise<void> {
  await app.register(rateLimit, { global: false });
  const enforced = rateLimitRules(limits, licenseOf)
    .filter((rule) => rule.max > 0)
    .map((rule) => ({ rule, hook: enforce(app, rule) }));
  app.addHook("onRoute", (route) => {
    for (const { rule, hook } of enforced) {
      if (route.url === rule.url && [route.method].flat().includes(rule.method)) {
        addRouteHook(route, rule.hook, hook);
      }
    }
  });
}

type RouteHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

function enforce(app: FastifyInstance, rule: LimitRule): RouteHook {
  const limiter = app.createRateLimit({
    max: rule.max,
    timeWindow: MINUTE_MS,
    keyGenerator: async (request) => (await rule.key(request)) ?? "",
    allowList: (_request, key) => key === "",
  });
  return async (request, reply) => {
    if (request.method !== rule.method) return;
    const result = await limiter(request);
    if (result.isAllowed || !result.isExceeded) return;
    const seconds = Math.max(1, result.ttlInSeconds);
    reply.header("retry-after", String(seconds));
    throw new HttpError(429, `Too many requests: retry in ${seconds} s.`);
  };
}

function addRouteHook(route: RouteOptions, name: LimitRule["hook"], hook: RouteHook): void {
  if (name === "onRequest") route.onRequest = [route.onRequest ?? []].flat().concat(hook);
  else route.preValidation = [route.preValidation ?? []].flat().concat(hook);
}

/** The client address (behind a proxy only with KEYFOB_TRUST_PROXY); IPv6 per /64. */
function ipKey(request: FastifyRequest): string {
  return `ip:${normalizeIP(request.ip)}`;
}

/**
 * `client_id` as `/auth/web3/*` reads it (the form body's over the query's). Without one the
 * request fails with 400 anyway and only the per-IP limit counts it.
 */
function clientIdKey(request: FastifyRequest): string | undefined {
  const clientId = firstString(request.body, "client_id") ?? firstString(request.query, "client_id");
  // Addresses are case-insensitive: 0xABC… and 0xabc… are one license, one bucket.
  return clientId ? `client:${clientId.slice(0, 64).toLowerCase()}` : undefined;
}

function firstString(source: unknown, name: string): string | undefined {
  if (typeof source !== "object" || source === null || !Object.hasOwn(source, name)) return undefined;
  const value = (source as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : undefined;
}
