import type { z } from "zod";
import { HttpError } from "./errors.ts";

/**
 * Errors of the login app's private API (docs/login-api.md): `{code, message}` with a string code
 * the app switches on, plus any extra fields (`retryAfterSeconds`, ...).
 */
export function apiError(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return new HttpError(status, message, { code, ...extra });
}

/** Parses a body or query with a zod schema; any problem is 400 `invalid_request` naming the field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
  const message =
    issue.code === "unrecognized_keys"
      ? `Unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}.`
      : `${where}${issue.message}`;
  throw apiError(400, "invalid_request", message);
}
