import { createHash, timingSafeEqual } from "node:crypto";

/**
 * PKCE (RFC 7636) with S256 only (security.md §3): the verifier is 43–128 unreserved characters,
 * the challenge BASE64URL(SHA256(verifier)) without padding.
 */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export function isCodeVerifier(value: unknown): value is string {
  return typeof value === "string" && VERIFIER.test(value);
}

export function s256Challenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** True when `verifier` is well-formed and hashes to `challenge` (compared in constant time). */
export function verifyPkce(verifier: unknown, challenge: string): boolean {
  if (!isCodeVerifier(verifier)) return false;
  const expected = Buffer.from(challenge);
  const actual = Buffer.from(s256Challenge(verifier));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
