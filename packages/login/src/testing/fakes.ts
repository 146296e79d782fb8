// A scripted server (fetch) and browser environment for the App tests (not part of the build).

import { vi } from "vitest";
import type { Environment } from "../environment.ts";
import type { InboundEvent } from "../handshake.ts";

export interface Call {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

type Handler = (call: Call) => { status?: number; body: unknown } | undefined;

/** fetch() answering from `routes` ("METHOD /path" → handler); records every call. */
export function fakeServer(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fetchFn = async (input: string, init: RequestInit): Promise<Response> => {
    const method = init.method ?? "GET";
    const headers = (init.headers ?? {}) as Record<string, string>;
    const body = typeof init.body === "string" ? (JSON.parse(init.body) as unknown) : undefined;
    const call = { method, path: input, body, headers };
    calls.push(call);
    const handler = routes[`${method} ${input}`];
    const answer = handler?.(call) ?? { status: 404, body: { code: "not_found", message: "no route" } };
    return new Response(JSON.stringify(answer.body), {
      status: answer.status ?? 200,
      headers: { "content-type": "application/json" },
    });
  };
  return {
    calls,
    fetchFn,
    posts: (path: string) => calls.filter((c) => c.method === "POST" && c.path === path),
  };
}

export const APP_ORIGIN = "https://app.example";

/** A browser environment with a scripted opener (popup), parent (embed) or neither (redirect). */
export function fakeEnvironment(options: {
  search?: string;
  peer?: "opener" | "parent" | null;
  /** Called for each message the login page posts to its peer. */
  onPost?: (message: Record<string, unknown>, targetOrigin: string, reply: (data: unknown) => void) => void;
}) {
  const posted: { message: Record<string, unknown>; targetOrigin: string }[] = [];
  const handlers = new Set<(event: InboundEvent) => void>();
  const send = (data: unknown, origin = APP_ORIGIN, source: unknown = peer): void => {
    for (const handler of [...handlers]) handler({ data, origin, source });
  };
  const peer = {
    postMessage(message: unknown, targetOrigin: string) {
      const record = message as Record<string, unknown>;
      posted.push({ message: record, targetOrigin });
      // Answer asynchronously, as a real window would.
      if (options.onPost) setTimeout(() => options.onPost?.(record, targetOrigin, (data) => send(data)), 0);
    },
  };
  const env: Environment = {
    search: options.search ?? "",
    referrer: options.peer ? `${APP_ORIGIN}/page` : "",
    opener: options.peer === "opener" ? peer : null,
    parent: options.peer === "parent" ? peer : null,
    listen(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    close: vi.fn(),
    assign: vi.fn(),
    reload: vi.fn(),
    now: () => Date.now(),
    webauthn: {
      supported: () => false,
      supportsAutofill: async () => false,
      startAuthentication: vi.fn(),
      startRegistration: vi.fn(),
      cancel: vi.fn(),
    },
  };
  return { env, posted, send, peer };
}
