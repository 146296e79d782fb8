// Form rules of the console, the same as the server's (which checks everything again): a message
// for the person filling the form, or undefined when the value is fine.

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** License alias: optional, at most 32 bytes of UTF-8, no control characters. */
export function aliasProblem(alias: string): string | undefined {
  const value = alias.trim();
  if (value === "") return undefined;
  if (new TextEncoder().encode(value).length > 32) return "Use at most 32 bytes (about 32 letters).";
  if (/\p{Cc}/u.test(value)) return "Remove line breaks and other control characters.";
  return undefined;
}

/** Redirect URI (auth-and-tokens.md §2): https, or http on localhost / 127.0.0.1 / [::1]; no fragment, no wildcard. */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri === "") return "Enter the address your app receives the user at.";
  if (uri.length > 2048) return "Use at most 2048 characters.";
  if (uri.includes("*")) return "Wildcards are not allowed: register each address exactly.";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\s\x00-\x1f\x7f]/.test(uri)) return "Remove spaces and line breaks.";
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "Enter a full address, starting with https://.";
  }
  if (uri.includes("#")) return "Remove the fragment (the part after #).";
  if (url.username || url.password) return "Remove the user name and password from the address.";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:")
    return LOOPBACK.has(url.hostname)
      ? undefined
      : "Use https. Plain http is allowed only on localhost, 127.0.0.1 or [::1].";
  return "Use an https:// address.";
}

/** A web origin: scheme, host and port only, https (or http on a loopback host). */
export function webOriginProblem(origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return "Enter an origin such as https://app.example.com.";
  }
  if (url.origin !== origin || origin.includes("*"))
    return "Enter only the scheme, host and port, such as https://app.example.com (no path, no trailing slash).";
  if (url.protocol === "http:" && !LOOPBACK.has(url.hostname))
    return "Use https. Plain http is allowed only on localhost, 127.0.0.1 or [::1].";
  if (url.protocol !== "https:" && url.protocol !== "http:") return "Use an https:// origin.";
  return undefined;
}

/** Primary colour: `#RRGGBB`. */
export function colorProblem(color: string): string | undefined {
  return /^#[0-9a-fA-F]{6}$/.test(color) ? undefined : "Use a colour in the form #RRGGBB, such as #1A73E8.";
}

export function brandNameProblem(name: string): string | undefined {
  const value = name.trim();
  if (value === "") return "Enter the brand's name.";
  if (value.length > 100) return "Use at most 100 characters.";
  return undefined;
}

export const MAX_IMAGE_BYTES = 256 * 1024;
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"];

/** A logo or icon file before upload: PNG, JPEG or WebP, at most 256 KB. SVG is refused (it can carry script). */
export function imageFileProblem(file: { type: string; size: number }): string | undefined {
  if (file.type === "image/svg+xml")
    return "SVG files are not accepted (they can carry script). Use PNG, JPEG or WebP.";
  if (!IMAGE_TYPES.includes(file.type)) return "Use a PNG, JPEG or WebP image.";
  if (file.size === 0) return "The file is empty.";
  if (file.size > MAX_IMAGE_BYTES) return `The file is too large: at most ${MAX_IMAGE_BYTES / 1024} KB.`;
  return undefined;
}

/** An optional https link (terms of service, privacy policy). */
export function httpsLinkProblem(value: string): string | undefined {
  if (value === "") return undefined;
  try {
    if (new URL(value).protocol === "https:") return undefined;
  } catch {
    // falls through
  }
  return "Enter a full https:// address.";
}

/** Vehicle token ids: whole numbers separated by commas. */
export function tokenIdsProblem(value: string): string | undefined {
  if (value.trim() === "") return undefined;
  return splitList(value).every((id) => /^\d{1,15}$/.test(id))
    ? undefined
    : "Enter vehicle token ids as whole numbers separated by commas, such as 12, 345.";
}

/** UTM: a query string such as `utm_source=console&utm_campaign=spring`, or a single value. */
export function utmProblem(value: string): string | undefined {
  if (value.length > 2048) return "Use at most 2048 characters.";
  if (value.startsWith("?")) return "Leave out the leading ?.";
  if (/\s/.test(value)) return "Remove spaces (encode them as %20).";
  return undefined;
}

/** Expiration date from a date field (`YYYY-MM-DD`): optional, and after today. */
export function expirationProblem(value: string, today: Date = new Date()): string | undefined {
  if (value === "") return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    return "Enter a date.";
  const day = today.toISOString().slice(0, 10);
  if (value <= day) return "Choose a date after today.";
  return undefined;
}

export function configurationNameProblem(name: string): string | undefined {
  const value = name.trim();
  if (value === "") return "Give the configuration a name, such as “Share for the app”.";
  if (value.length > 100) return "Use at most 100 characters.";
  return undefined;
}

/** Comma-separated list, trimmed, without empty entries. */
export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
}
