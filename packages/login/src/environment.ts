// What the app needs from the browser, behind an interface so that tests can stand in for the
// window, its opener/parent and WebAuthn.

import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
} from "@simplewebauthn/browser";
import type { InboundEvent, MessagePeer } from "./handshake.ts";

export interface WebAuthn {
  supported(): boolean;
  supportsAutofill(): Promise<boolean>;
  startAuthentication: typeof startAuthentication;
  startRegistration: typeof startRegistration;
  /** Aborts a pending ceremony (the conditional one when the email screen goes away). */
  cancel(): void;
}

export interface Environment {
  /** location.search */
  search: string;
  /** document.referrer */
  referrer: string;
  /** window.opener, when there is one. */
  opener: MessagePeer | null;
  /** window.parent, when the page runs in a frame. */
  parent: MessagePeer | null;
  listen(handler: (event: InboundEvent) => void): () => void;
  close(): void;
  assign(url: string): void;
  reload(): void;
  now(): number;
  webauthn: WebAuthn;
}

export const browserWebAuthn: WebAuthn = {
  supported: () => browserSupportsWebAuthn(),
  supportsAutofill: () => browserSupportsWebAuthnAutofill(),
  startAuthentication,
  startRegistration,
  cancel: () => WebAuthnAbortService.cancelCeremony(),
};

export function browserEnvironment(win: Window = window): Environment {
  let framed = false;
  try {
    framed = win.parent !== win;
  } catch {
    framed = true;
  }
  return {
    search: win.location.search,
    referrer: win.document.referrer,
    opener: (win.opener as Window | null) ?? null,
    parent: framed ? win.parent : null,
    listen(handler) {
      const listener = (event: MessageEvent): void => handler(event);
      win.addEventListener("message", listener);
      return () => win.removeEventListener("message", listener);
    },
    close: () => win.close(),
    assign: (url) => win.location.assign(url),
    reload: () => win.location.reload(),
    now: () => Date.now(),
    webauthn: browserWebAuthn,
  };
}
