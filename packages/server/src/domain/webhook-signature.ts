import { createHmac, randomBytes } from "node:crypto";

/**
 * Standard Webhooks signatures (vehicle-triggers.md §9.1): `webhook-signature` is
 * `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, where the key is the base64-decoded
 * part of the `whsec_…` secret; during a rotation both secrets sign, space-separated. Receivers
 * verify with the `standardwebhooks` package (or the same few lines).
 */

export const WEBHOOK_SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;

/** A new `whsec_<base64 of 32 random bytes>`. */
export function generateWebhookSecret(bytes: Uint8Array = randomBytes(SECRET_BYTES)): string {
  return `${WEBHOOK_SECRET_PREFIX}${Buffer.from(bytes).toString("base64")}`;
}

export function isWebhookSecret(value: string): boolean {
  if (!value.startsWith(WEBHOOK_SECRET_PREFIX)) return false;
  const key = value.slice(WEBHOOK_SECRET_PREFIX.length);
  return /^[A-Za-z0-9+/]+={0,2}$/.test(key) && Buffer.from(key, "base64").length >= 24;
}

/** One `v1,<signature>` for a secret. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), "base64");
  const mac = createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`, "utf8").digest("base64");
  return `v1,${mac}`;
}

/** The three headers of a signed request; `secrets` newest first. */
export function signatureHeaders(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): { "webhook-id": string; "webhook-timestamp": string; "webhook-signature": string } {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": secrets.map((s) => signWebhook(s, id, timestampSeconds, body)).join(" "),
  };
}
