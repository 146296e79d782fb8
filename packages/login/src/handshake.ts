// The popup/embed handshake (connect-protocol.md §7.1, security.md §4):
//
//   login → peer   {eventType: 'READY', mode}            ~500 ms, then every 2 s, at most 5 retries
//   peer  → login  {eventType: 'AUTH_INIT', clientId, …}  accepted once, from the peer window only
//   login → peer   {eventType: payloadEvent, mode}        to the validated origin (replyOrigin)
//   peer  → login  {eventType: payloadEvent, …payload}    same window, same origin as AUTH_INIT
//
// Inbound messages are reduced to the parameter allow-list and bounded in size; anything else is
// ignored. The server checks the AUTH_INIT origin against the license. This module touches no
// globals: the window's message events, the peer and the timers are passed in.

import { REQUEST_KEYS } from "@keyfob/server/domain/connect-keys.ts";

export type HandshakeMode = "popup" | "embed";

/** The parts of a MessageEvent the handshake looks at. */
export interface InboundEvent {
  source: unknown;
  origin: string;
  data: unknown;
}

export interface MessagePeer {
  postMessage(message: unknown, targetOrigin: string): void;
}

/** Parameter keys an inbound message may carry: the server's allow-list (connect-protocol.md §1.2), plus `eventType`. */
export const MESSAGE_KEYS: readonly string[] = ["eventType", ...REQUEST_KEYS];

/** Upper bounds of a reduced message, as JSON characters. */
export const MAX_AUTH_INIT_CHARS = 16 * 1024;
export const MAX_PAYLOAD_CHARS = 64 * 1024;
const MAX_DEPTH = 8;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

class TooLarge extends Error {}

/** JSON-like copy of a value: absent for null/undefined and for anything not plain data. */
function sanitizeValue(value: unknown, depth: number, maxChars: number): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") {
    if (value.length > maxChars) throw new TooLarge();
    return value;
  }
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (depth >= MAX_DEPTH) throw new TooLarge();
  if (Array.isArray(value)) {
    if (value.length > maxChars) throw new TooLarge();
    const out: unknown[] = [];
    for (const item of value) {
      const clean = sanitizeValue(item, depth + 1, maxChars);
      if (clean !== undefined) out.push(clean);
    }
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    if (keys.length > maxChars) throw new TooLarge();
    for (const key of keys) {
      const clean = sanitizeValue(value[key], depth + 1, maxChars);
      if (clean !== undefined) out[key] = clean;
    }
    return out;
  }
  return undefined;
}

/**
 * The message reduced to the allow-list, or null when it is not a plain object with the expected
 * `eventType`, or larger than `maxChars` as JSON.
 */
export function reduceMessage(
  data: unknown,
  eventType: string,
  maxChars: number,
): Record<string, unknown> | null {
  if (!isPlainObject(data) || data.eventType !== eventType) return null;
  const out: Record<string, unknown> = {};
  try {
    for (const key of MESSAGE_KEYS) {
      if (!Object.hasOwn(data, key)) continue;
      const clean = sanitizeValue(data[key], 0, maxChars);
      if (clean !== undefined) out[key] = clean;
    }
    if (JSON.stringify(out).length > maxChars) return null;
  } catch {
    return null;
  }
  return out;
}

/** A serialized http(s) origin such as `https://app.example:8443` (never `null`). */
export function isHttpOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === origin;
  } catch {
    return false;
  }
}

export interface Expectation {
  /** The only window messages are accepted from (window.opener or window.parent). */
  source: unknown;
  /** When set, the exact origin the message must come from. */
  origin?: string;
  eventType: string;
  maxChars: number;
}

/** The reduced message and its origin, or null when the event must be ignored. */
export function acceptEvent(
  event: InboundEvent,
  expected: Expectation,
): { message: Record<string, unknown>; origin: string } | null {
  if (expected.source === null || expected.source === undefined || event.source !== expected.source) {
    return null;
  }
  if (typeof event.origin !== "string" || !isHttpOrigin(event.origin)) return null;
  if (expected.origin !== undefined && event.origin !== expected.origin) return null;
  const message = reduceMessage(event.data, expected.eventType, expected.maxChars);
  return message === null ? null : { message, origin: event.origin };
}

/** Where READY goes: the referrer's origin when there is one, else `*` (READY carries no data). */
export function readyTargetOrigin(referrer: string): string {
  if (referrer === "") return "*";
  try {
    const origin = new URL(referrer).origin;
    return isHttpOrigin(origin) ? origin : "*";
  } catch {
    return "*";
  }
}

export class HandshakeTimeout extends Error {
  override readonly name = "HandshakeTimeout";
  constructor(readonly waitingFor: string) {
    super(`No valid ${waitingFor} message arrived`);
  }
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface HandshakeOptions {
  mode: HandshakeMode;
  /** window.opener (popup) or window.parent (embed). */
  peer: MessagePeer;
  /** Subscribes to the window's message events; returns the unsubscribe function. */
  listen: (handler: (event: InboundEvent) => void) => () => void;
  /** document.referrer */
  referrer: string;
  timers?: Timers;
  /** Delay of the first READY (ms). */
  firstDelayMs?: number;
  /** Delay between two requests (ms). */
  intervalMs?: number;
  /** Requests sent again at most this often after the first. */
  maxRetries?: number;
  /** Waiting time after the last request before giving up (ms). */
  giveUpAfterMs?: number;
}

export interface Handshake {
  /** Sends READY until an AUTH_INIT from the peer is accepted. */
  waitForAuthInit(): Promise<{ message: Record<string, unknown>; origin: string }>;
  /** Asks for the action payload and waits for it from the AUTH_INIT's window and origin. */
  waitForPayload(payloadEvent: string, replyOrigin: string): Promise<Record<string, unknown>>;
  dispose(): void;
}

const defaultTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function createHandshake(options: HandshakeOptions): Handshake {
  const timers = options.timers ?? defaultTimers;
  const intervalMs = options.intervalMs ?? 2000;
  const maxRetries = options.maxRetries ?? 5;
  const giveUpAfterMs = options.giveUpAfterMs ?? 15_000;
  const cleanups = new Set<() => void>();
  let authInitOrigin: string | null = null;

  function exchange<T>(
    request: { eventType: string; mode: HandshakeMode },
    targetOrigin: string,
    firstDelayMs: number,
    accept: (event: InboundEvent) => T | null,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let sent = 0;
      let timer: unknown = null;
      const cleanup = (): void => {
        if (timer !== null) timers.clearTimeout(timer);
        timer = null;
        unlisten();
        cleanups.delete(cleanup);
      };
      const unlisten = options.listen((event) => {
        const accepted = accept(event);
        if (accepted === null) return;
        cleanup();
        resolve(accepted);
      });
      const send = (): void => {
        try {
          options.peer.postMessage({ ...request }, targetOrigin);
        } catch {
          // A peer that went away: the timeout below reports it.
        }
        sent += 1;
        timer =
          sent <= maxRetries
            ? timers.setTimeout(send, intervalMs)
            : timers.setTimeout(() => {
                cleanup();
                reject(new HandshakeTimeout(request.eventType === "READY" ? "AUTH_INIT" : request.eventType));
              }, giveUpAfterMs);
      };
      cleanups.add(cleanup);
      timer = timers.setTimeout(send, firstDelayMs);
    });
  }

  return {
    async waitForAuthInit() {
      const accepted = await exchange(
        { eventType: "READY", mode: options.mode },
        readyTargetOrigin(options.referrer),
        options.firstDelayMs ?? 500,
        (event) =>
          acceptEvent(event, {
            source: options.peer,
            eventType: "AUTH_INIT",
            maxChars: MAX_AUTH_INIT_CHARS,
          }),
      );
      authInitOrigin = accepted.origin;
      return accepted;
    },

    async waitForPayload(payloadEvent, replyOrigin) {
      const origin = authInitOrigin;
      if (origin === null) throw new Error("No AUTH_INIT was accepted");
      // Outbound messages go only to the origin the AUTH_INIT came from (security.md §4).
      if (replyOrigin !== origin) throw new Error("The reply origin is not the AUTH_INIT origin");
      const accepted = await exchange(
        { eventType: payloadEvent, mode: options.mode },
        replyOrigin,
        0,
        (event) =>
          acceptEvent(event, {
            source: options.peer,
            origin,
            eventType: payloadEvent,
            maxChars: MAX_PAYLOAD_CHARS,
          }),
      );
      return accepted.message;
    },

    dispose() {
      for (const cleanup of [...cleanups]) cleanup();
    },
  };
}
