// Secure mode's one-time values (RFC 7636, security.md §3) from WebCrypto.

import { ServerError } from "./errors.ts";
import type { AuthorizationGrant, TokenResponse } from "./types.ts";

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** 32 random bytes, base64url: a 43-character verifier or a 256-bit `state`. */
export function randomToken(): string {
  return base64url(globalThis.crypto.getRandomValues(new Uint8Array(32)));
}

/** `BASE64URL(SHA256(verifier))`. */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export interface PkcePair {
  state: string;
  codeVerifier: string;
  codeChallenge: string;
}

export async function createPkce(): Promise<PkcePair> {
  const codeVerifier = randomToken();
  return { state: randomToken(), codeVerifier, codeChallenge: await codeChallenge(codeVerifier) };
}

/** Redeems a code at `<issuer>/oauth/token` from the browser (the token endpoint allows any origin). */
export async function redeemCode(
  issuer: string,
  grant: AuthorizationGrant,
  fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<TokenResponse> {
  let response: Response;
  try {
    response = await fetchImpl(`${issuer}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: grant.code,
        redirect_uri: grant.redirectUri,
        client_id: grant.clientId,
        code_verifier: grant.codeVerifier,
      }).toString(),
    });
  } catch (error) {
    throw new ServerError(`The token endpoint could not be reached: ${String(error)}`);
  }
  const body = (await response.json().catch(() => null)) as
    | (TokenResponse & { error?: string; error_description?: string })
    | null;
  if (!response.ok || body === null || typeof body.access_token !== "string") {
    const reason = body?.error_description ?? body?.error ?? `status ${response.status}`;
    throw new ServerError(`The code could not be redeemed: ${reason}`, response.status);
  }
  return body;
}
