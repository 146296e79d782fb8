import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encryption at rest for private keys (wallets, JWT signing keys): AES-256-GCM under a key derived
 * with HKDF-SHA256 from the installation secret and a purpose label, so one leaked ciphertext
 * domain says nothing about another. Sealed text: `v1.<iv>.<tag>.<ciphertext>` in base64url.
 */
export class Sealer {
  private readonly key: Buffer;

  constructor(
    private readonly secret: string,
    purpose: string,
  ) {
    this.key = Buffer.from(hkdfSync("sha256", secret, "keyfob", `seal:${purpose}`, 32));
  }

  /** A sealer for another purpose, from the same installation secret. */
  forPurpose(purpose: string): Sealer {
    return new Sealer(this.secret, purpose);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv, { authTagLength: TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [
      "v1",
      iv.toString("base64url"),
      cipher.getAuthTag().toString("base64url"),
      ciphertext.toString("base64url"),
    ].join(".");
  }

  open(sealed: string): string {
    const parts = sealed.split(".");
    const [version, iv, tag, ciphertext] = parts;
    if (parts.length !== 4 || version !== "v1" || !iv || !tag || ciphertext === undefined) {
      throw new Error("unrecognised sealed value");
    }
    const ivBytes = Buffer.from(iv, "base64url");
    const tagBytes = Buffer.from(tag, "base64url");
    // Node accepts GCM tags as short as 4 bytes unless told the length: a truncated tag must not verify.
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
      throw new Error("unrecognised sealed value");
    }
    const decipher = createDecipheriv("aes-256-gcm", this.key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  }
}

/** A deterministic 32-byte value derived from the installation secret (e.g. the demo API key). */
export function deriveSecretBytes(secret: string, label: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "keyfob", `derive:${label}`, 32));
}
