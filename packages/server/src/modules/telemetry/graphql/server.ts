import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import type { ValidationRule } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import {
  publicError,
  reportAsValidationError,
  useDocumentErrorStatus,
  useExecutionTimeout,
} from "../../../http/graphql.ts";
import type { VehicleCaller } from "./access.ts";
import { complexityLimitRule } from "./complexity.ts";
import type { TelemetryContext, TelemetryDeps } from "./context.ts";
import { telemetrySchema } from "./schema/index.ts";

export const TELEMETRY_ENDPOINT = "/telemetry/query";

/** Limits (telemetry-api.md §1): complexity ≤ 100 (1 per selected field), 30 s per request. */
export const LIMITS = {
  maxComplexity: 100,
  maxDepth: 10,
  maxTokens: 5_000,
  timeoutMs: 30_000,
} as const;

/** What the route hands to each request: the caller its verified vehicle JWT stands for. */
export interface TelemetryServerContext {
  caller: VehicleCaller | null;
}

export type TelemetryServer = YogaServerInstance<TelemetryServerContext, TelemetryContext>;

/** The GraphQL-over-HTTP server of the Telemetry API (framework-free; routes.ts mounts it). */
export function createTelemetryServer(
  deps: TelemetryDeps,
  logError: (error: unknown) => void,
  limits: { timeoutMs: number } = LIMITS,
): TelemetryServer {
  return createYoga<TelemetryServerContext, TelemetryContext>({
    schema: telemetrySchema,
    graphqlEndpoint: TELEMETRY_ENDPOINT,
    context: ({ caller }) => ({ deps, caller: caller ?? null, random: Math.random }),
    graphiql: { title: "Keyfob Telemetry API" },
    // GraphiQL's assets come from this package, not a CDN: the page works on an offline machine.
    renderGraphiQL,
    landingPage: false,
    multipart: false,
    batching: false,
    logging: false,
    // Bearer tokens, no cookies: any origin may call it from a browser.
    cors: { origin: "*", credentials: false, methods: ["GET", "POST", "OPTIONS"], maxAge: 86_400 },
    maskedErrors: { maskError: (error) => publicError(error, logError), isDev: false },
    plugins: [
      // Aliases are how clients ask for several aggregations, and the complexity limit bounds
      // them with every other field: armor's own alias and cost limits stay off.
      EnvelopArmorPlugin({
        maxDepth: { n: LIMITS.maxDepth, ...reportAsValidationError },
        maxTokens: { n: LIMITS.maxTokens, ...reportAsValidationError },
        maxAliases: { enabled: false },
        costLimit: { enabled: false },
      }),
      useValidationRule(complexityLimitRule(LIMITS.maxComplexity)),
      useDocumentErrorStatus(),
      useExecutionTimeout(limits.timeoutMs),
    ],
  });
}

function useValidationRule(rule: ValidationRule): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}
