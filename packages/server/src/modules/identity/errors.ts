import { GraphQLError } from "graphql";

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
