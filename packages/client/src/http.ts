/** A non-2xx answer (after retries), with the server's JSON message when it sent one. */
export class KeyfobApiError extends Error {
  override readonly name = "KeyfobApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
    readonly url: string,
  ) {
    super(message);
  }
}

/** GraphQL answered with `errors` (HTTP 200 or not). */
export class GraphQLError extends Error {
  override readonly name = "GraphQLError";
  constructor(
    readonly errors: Array<{ message: string; extensions?: Record<string, unknown>; path?: unknown[] }>,
    readonly data: unknown,
  ) {
    super(errors.map((e) => e.message).join("; ") || "GraphQL error");
  }
}

export interface RetryPolicy {
  /** Retries after the first try (default 3). */
  retries: number;
  /** First back-off in ms, doubled each time, with jitter (default 250). */
  baseDelayMs: number;
  /** Upper bound of one back-off, also for `Retry-After` (default 10 000). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 10_000 };

export interface HttpOptions {
  fetch: typeof fetch;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export interface RequestSpec {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  /** Retry 5xx and network errors too (safe to repeat). 429 is always retried. */
  idempotent: boolean;
}

function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function messageOf(body: unknown, status: number): string {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    for (const key of ["message", "error_description", "error"])
      if (typeof b[key] === "string") return b[key] as string;
  }
  if (typeof body === "string" && body !== "") return body.slice(0, 300);
  return `HTTP ${status}`;
}

/** One HTTP call with retries and exponential back-off on 429 (and 5xx / network errors when idempotent). */
export async function request<T>(http: HttpOptions, spec: RequestSpec): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...spec.headers };
  let body: string | undefined;
  if (spec.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(spec.json);
  } else if (spec.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(spec.form).toString();
  }
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= http.retry.retries;
    const backoff = () =>
      Math.min(http.retry.maxDelayMs, http.retry.baseDelayMs * 2 ** attempt * (0.5 + http.random() / 2));
    let response: Response;
    try {
      response = await http.fetch(spec.url, {
        method: spec.method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
    } catch (error) {
      if (last || !spec.idempotent) throw error;
      await http.sleep(backoff());
      continue;
    }
    const retryable = response.status === 429 || (response.status >= 500 && spec.idempotent);
    if (retryable && !last) {
      const hinted = retryAfterMs(response.headers.get("retry-after"));
      await response.body?.cancel().catch(() => undefined);
      await http.sleep(hinted === null ? backoff() : Math.min(hinted, http.retry.maxDelayMs));
      continue;
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      // Not JSON: keep the text.
    }
    if (!response.ok)
      throw new KeyfobApiError(response.status, messageOf(parsed, response.status), parsed, spec.url);
    return parsed as T;
  }
}
