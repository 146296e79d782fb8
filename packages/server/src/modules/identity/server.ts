import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import {
  publicError,
  reportAsValidationError,
  useDocumentErrorStatus,
  useExecutionTimeout,
} from "../../http/graphql.ts";
import { createIdentityContext, type IdentityContext, type IdentityDeps } from "./context.ts";
import { identitySchema } from "./schema/index.ts";

export const IDENTITY_ENDPOINT = "/identity/query";

/** Limits (identity-api.md): depth ≤ 10, a cost limit, 30 s per query. */
export const LIMITS = {
  maxDepth: 10,
  // Armor multiplies by literal `first`/`last`: 100 vehicles with `sacds(first: 10)` cost ~22,000;
  // 100 vehicles × `sacds(first: 100)` (~200,000) is refused.
  maxCost: 50_000,
  maxAliases: 15,
  maxTokens: 2_000,
  timeoutMs: 30_000,
} as const;

export type IdentityServer = YogaServerInstance<Record<string, unknown>, IdentityContext>;

/** The GraphQL-over-HTTP server of the Identity API (framework-free; routes.ts mounts it). */
export function createIdentityServer(
  deps: IdentityDeps,
  logError: (error: unknown) => void,
  limits: { timeoutMs: number } = LIMITS,
): IdentityServer {
  return createYoga<Record<string, unknown>, IdentityContext>({
    schema: identitySchema,
    graphqlEndpoint: IDENTITY_ENDPOINT,
    context: () => createIdentityContext(deps),
    graphiql: { title: "Keyfob Identity API" },
    // GraphiQL's assets come from this package, not a CDN: the page works on an offline machine.
    renderGraphiQL,
    landingPage: false,
    multipart: false,
    batching: false,
    logging: false,
    // Public, read-only, no cookies: any origin may call it from a browser.
    cors: { origin: "*", credentials: false, methods: ["GET", "POST", "OPTIONS"], maxAge: 86_400 },
    maskedErrors: { maskError: (error) => publicError(error, logError), isDev: false },
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: LIMITS.maxDepth, ...reportAsValidationError },
        costLimit: { maxCost: LIMITS.maxCost, ...reportAsValidationError },
        maxAliases: { n: LIMITS.maxAliases, ...reportAsValidationError },
        maxTokens: { n: LIMITS.maxTokens, ...reportAsValidationError },
      }),
      useDocumentErrorStatus(),
      useExecutionTimeout(limits.timeoutMs),
    ],
  });
}
