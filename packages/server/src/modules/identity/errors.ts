import { GraphQLError } from "graphql";
import { ServiceError } from "../../errors.ts";

/**
 * GraphQL errors of the Identity API. Each carries `extensions.code`; callers such as the token
 * exchange match on `NOT_FOUND` and the error's `path` (identity-api.md §4.5).
 */
export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "NOT_FOUND" } });
}

export function invalidArgumentError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "INVALID_ARGUMENT" } });
}

export function timeoutError(seconds: number): GraphQLError {
  return new GraphQLError(`The query did not finish within ${seconds} s.`, {
    extensions: { code: "TIMEOUT" },
  });
}

/** The official API answers 422 to an unparseable or invalid document, whatever the Accept header. */
export const DOCUMENT_ERROR_STATUS = 422;

/**
 * What a client sees of an error. Request errors (no `path`: the document or its variables were
 * rejected) pass as graphql-js worded them; an unparseable document gets DOCUMENT_ERROR_STATUS.
 * Resolver errors pass when they are ours, a service's named error keeps its message and kind,
 * anything else becomes a generic message (logged, never a stack).
 */
export function publicError(error: unknown, log: (error: unknown) => void): GraphQLError {
  const located = isGraphQLError(error) ? error : undefined;
  const original = located ? located.originalError : error;
  if (located && !located.path)
    return located.extensions.code === "GRAPHQL_PARSE_FAILED" ? withDocumentStatus(located) : located;
  if (located && (!original || isGraphQLError(original))) return located;
  if (original instanceof ServiceError) return relocate(located, original.message, { code: original.kind });
  log(original);
  return relocate(located, "Internal server error.", { code: "INTERNAL_SERVER_ERROR" });
}

/**
 * By name, not `instanceof`: graphql ships CommonJS and ESM builds, and a bundler or test runner
 * may load both, so errors made by the executor and by our resolvers can come from different copies.
 */
function isGraphQLError(value: unknown): value is GraphQLError {
  return value instanceof Error && value.name === "GraphQLError";
}

function withDocumentStatus(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error.originalError,
    extensions: { ...error.extensions, http: { status: DOCUMENT_ERROR_STATUS } },
  });
}

function relocate(
  located: GraphQLError | undefined,
  message: string,
  extensions: Record<string, unknown>,
): GraphQLError {
  return new GraphQLError(message, {
    ...(located
      ? { nodes: located.nodes, source: located.source, positions: located.positions, path: located.path }
      : {}),
    extensions,
  });
}
