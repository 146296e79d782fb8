import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import type { GraphQLError, ValidationContext } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { createIdentityContext, type IdentityContext, type IdentityDeps } from "./context.ts";
import { DOCUMENT_ERROR_STATUS, publicError, timeoutError } from "./errors.ts";
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

// Armor's rules throw out of validation by default; reported instead, they are validation errors.
const reportAsValidationError = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/** Invalid documents answer DOCUMENT_ERROR_STATUS even to `Accept: application/json` clients. */
function useDocumentErrorStatus(): Plugin {
  return {
    onValidate() {
      return ({ valid, result }) => {
        if (valid) return;
        for (const error of result) {
          // Yoga's own HTTP plugin marks these errors the same way, in place.
          const extensions = error.extensions as Record<string, unknown>;
          extensions.code ??= "GRAPHQL_VALIDATION_FAILED";
          extensions.http = {
            ...(extensions.http as object | undefined),
            spec: false,
            status: DOCUMENT_ERROR_STATUS,
          };
        }
      };
    },
  };
}

/**
 * Aborts an execution that runs longer than `ms` (the executor stops between resolvers) and
 * answers a TIMEOUT error instead of a result.
 */
function useExecutionTimeout(ms: number): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args) => {
        const timeout = AbortSignal.timeout(ms);
        const outer = (args as { signal?: AbortSignal }).signal;
        const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
        try {
          return await executeFn({ ...args, signal } as typeof args);
        } catch (error) {
          // `data: null`: execution had started, so this is an execution error (HTTP 200).
          if (timeout.aborted) return { data: null, errors: [timeoutError(ms / 1000)] };
          throw error;
        }
      });
    },
  };
}
