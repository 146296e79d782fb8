// The signed-in state the provider exposes. Legacy mode keeps the official storage (cookie
// `dimo_auth_token`, localStorage `dimo_wallet_address` / `dimo_user_email`), so users of an app that
// switches from the official SDK stay signed in; secure mode keeps everything in memory.

import type { AuthResult } from "@keyfob/connect";

export interface Session {
  authenticated: boolean;
  token: string | null;
  walletAddress: string | null;
  email: string | null;
  secure: boolean;
}

const COOKIE = "dimo_auth_token";
const WALLET = "dimo_wallet_address";
const EMAIL = "dimo_user_email";
const DEFAULT_COOKIE_DAYS = 14;

function claims(jwt: string): { exp?: number } | null {
  try {
    const part = jwt.split(".")[1];
    if (part === undefined) return null;
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(json) as { exp?: number };
  } catch {
    return null;
  }
}

export function isTokenExpired(jwt: string): boolean {
  const exp = claims(jwt)?.exp;
  return typeof exp !== "number" || exp < Date.now() / 1000;
}

function readCookie(): string | null {
  if (typeof document === "undefined") return null;
  const row = document.cookie.split("; ").find((r) => r.startsWith(`${COOKIE}=`));
  return row ? row.slice(COOKIE.length + 1) || null : null;
}

function storeCookie(jwt: string): void {
  const exp = claims(jwt)?.exp;
  const expires = exp ? new Date(exp * 1000) : new Date(Date.now() + DEFAULT_COOKIE_DAYS * 86_400_000);
  let cookie = `${COOKIE}=${jwt}; expires=${expires.toUTCString()}; path=/`;
  if (window.location.hostname !== "localhost") cookie += "; SameSite=None; Secure";
  // biome-ignore lint/suspicious/noDocumentCookie: the official SDK's cookie, kept for a drop-in switch
  document.cookie = cookie;
}

function storageGet(key: string): string | null {
  try {
    const value = window.localStorage.getItem(key);
    return value && value !== "undefined" ? value : null;
  } catch {
    return null;
  }
}

function storageSet(key: string, value: string | undefined): void {
  if (!value || value === "undefined") return;
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Storage disabled: the state stays in memory.
  }
}

function fromStorage(): Session {
  const jwt = readCookie();
  const valid = jwt !== null && !isTokenExpired(jwt);
  return {
    authenticated: valid,
    token: valid ? jwt : null,
    walletAddress: typeof window === "undefined" ? null : storageGet(WALLET),
    email: typeof window === "undefined" ? null : storageGet(EMAIL),
    secure: false,
  };
}

let session: Session | null = null;
const listeners = new Set<() => void>();

function emit(next: Session): void {
  session = next;
  for (const listener of listeners) listener();
}

export function getSession(): Session {
  session ??= fromStorage();
  return session;
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Records a sign-in result. */
export function signedIn(result: AuthResult): void {
  if (result.secure) {
    emit({
      authenticated: true,
      token: result.token || null,
      walletAddress: result.walletAddress ?? null,
      email: result.email ?? null,
      secure: true,
    });
    return;
  }
  // The official SDK stores address and email first, and signs in only with a token.
  storageSet(WALLET, result.walletAddress);
  storageSet(EMAIL, result.email);
  if (result.token && !isTokenExpired(result.token)) storeCookie(result.token);
  emit(fromStorage());
}

/** Logout: clears the cookie, the stored address and email, and the memory. */
export function signedOut(): void {
  if (typeof document !== "undefined") {
    // biome-ignore lint/suspicious/noDocumentCookie: the official SDK's cookie, kept for a drop-in switch
    document.cookie = `${COOKIE}=; Max-Age=0; path=/`;
  }
  try {
    window.localStorage.removeItem(WALLET);
    window.localStorage.removeItem(EMAIL);
  } catch {
    // Nothing stored.
  }
  emit({ authenticated: false, token: null, walletAddress: null, email: null, secure: false });
}

/** For tests: read storage again on next use. */
export function resetSession(): void {
  session = null;
}
