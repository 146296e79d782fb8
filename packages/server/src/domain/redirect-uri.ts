/**
 * Registration rule for redirect URIs (auth-and-tokens.md §2): an absolute https URL, or http on a
 * loopback host; no fragment, no wildcards, no credentials. Matching elsewhere is exact string equality.
 */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length > 2048) return "is longer than 2048 characters";
  if (uri.includes("*")) return "must not contain wildcards";
  // The URL parser silently strips surrounding spaces and drops tabs and newlines anywhere, so
  // such a string would pass while the stored (exact-match) value is not the URL that was checked.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\s\x00-\x1f\x7f]/.test(uri)) return "must not contain whitespace or control characters";
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "is not an absolute URL";
  }
  if (url.hash || uri.includes("#")) return "must not contain a fragment";
  if (url.username || url.password) return "must not contain credentials";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:") {
    return isLoopbackHost(url.hostname)
      ? undefined
      : "must use https (http is allowed only on localhost, 127.0.0.1 or [::1])";
  }
  return "must use https";
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
}
