export {
  IdentityApi,
  KeyfobClient,
  type KeyfobClientOptions,
  PRIVILEGES,
  TelemetryApi,
  TriggersApi,
} from "./client.ts";
export { DEFAULT_RETRY, GraphQLError, KeyfobApiError, type RetryPolicy } from "./http.ts";
export type * from "./types.ts";
