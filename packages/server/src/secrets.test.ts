import { describe, expect, it } from "vitest";
import { deriveSecretBytes, Sealer } from "./secrets.ts";

const SECRET = "s".repeat(40);

/** Rewrites one base64url part of a sealed value at the byte level (a flipped character may only touch padding bits). */
function tamperPart(sealed: string, index: 1 | 2 | 3, edit: (bytes: Buffer) => Buffer): string {
  const parts = sealed.split(".");
  parts[index] = edit(Buffer.from(parts[index]!, "base64url")).toString("base64url");
  return parts.join(".");
}

const flipFirstByte = (bytes: Buffer) => {
  const copy = Buffer.from(bytes);
  copy[0] = copy[0]! ^ 0x01;
  return copy;
};

describe("Sealer", () => {
  it.each([
    ["a hex private key", `0x${"ab".repeat(32)}`],
    ["unicode text", "Grüße, 車 🚗"],
    ["the empty string", ""],
    ["a long value", "x".repeat(100_000)],
  ])("opens what it sealed: %s", (_name, plaintext) => {
    const sealer = new Sealer(SECRET, "wallets");
    expect(sealer.open(sealer.seal(plaintext))).toBe(plaintext);
  });

  it("seals as v1.<iv>.<tag>.<ciphertext> without the plaintext in it", () => {
    const plaintext = `0x${"cd".repeat(32)}`;
    const sealed = new Sealer(SECRET, "wallets").seal(plaintext);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("cd".repeat(32));
    expect(sealed).not.toContain(Buffer.from(plaintext).toString("base64url"));
  });

  it("uses a fresh IV every time: sealing the same value twice gives different texts that both open", () => {
    const sealer = new Sealer(SECRET, "wallets");
    const a = sealer.seal("same");
    const b = sealer.seal("same");
    expect(a).not.toBe(b);
    expect(a.split(".")[1]).not.toBe(b.split(".")[1]);
    expect(sealer.open(a)).toBe("same");
    expect(sealer.open(b)).toBe("same");
  });

  it("a new Sealer with the same secret and purpose opens older values (survives restarts)", () => {
    const sealed = new Sealer(SECRET, "wallets").seal("persisted");
    expect(new Sealer(SECRET, "wallets").open(sealed)).toBe("persisted");
  });

  describe("tamper detection", () => {
    const sealer = new Sealer(SECRET, "wallets");
    const sealed = sealer.seal("the wallet key");

    it("rejects a changed ciphertext byte", () => {
      expect(() => sealer.open(tamperPart(sealed, 3, flipFirstByte))).toThrow();
    });

    it("rejects a changed IV", () => {
      expect(() => sealer.open(tamperPart(sealed, 1, flipFirstByte))).toThrow();
    });

    it("rejects a changed authentication tag", () => {
      expect(() => sealer.open(tamperPart(sealed, 2, flipFirstByte))).toThrow();
    });

    it("rejects a truncated authentication tag (GCM would otherwise accept 4-byte tags)", () => {
      for (const length of [4, 8, 12, 15]) {
        expect(() => sealer.open(tamperPart(sealed, 2, (tag) => tag.subarray(0, length)))).toThrow();
      }
    });

    it("rejects a truncated or extended ciphertext", () => {
      expect(() => sealer.open(tamperPart(sealed, 3, (ct) => ct.subarray(0, ct.length - 1)))).toThrow();
      expect(() =>
        sealer.open(tamperPart(sealed, 3, (ct) => Buffer.concat([ct, Buffer.from([0])]))),
      ).toThrow();
    });

    it("rejects ciphertext moved between two sealed values", () => {
      const other = sealer.seal("another key!!!");
      const spliced = [...sealed.split(".").slice(0, 3), other.split(".")[3]].join(".");
      expect(() => sealer.open(spliced)).toThrow();
    });

    it.each([
      ["an unknown version", sealed.replace(/^v1\./, "v2.")],
      ["an extra trailing part", `${sealed}.extra`],
      ["a missing part", sealed.split(".").slice(0, 3).join(".")],
      ["an empty IV", sealed.replace(/^v1\.[^.]+\./, "v1..")],
      ["the empty string", ""],
      ["plain text", "not sealed at all"],
    ])("rejects %s", (_name, value) => {
      expect(() => sealer.open(value)).toThrow();
    });
  });

  describe("separation", () => {
    it("a value sealed for one purpose cannot be opened under another purpose", () => {
      const wallets = new Sealer(SECRET, "wallets");
      const sealed = wallets.seal("wallet key");
      expect(() => new Sealer(SECRET, "signing-keys").open(sealed)).toThrow();
      expect(() => wallets.forPurpose("signing-keys").open(sealed)).toThrow();
    });

    it("forPurpose keeps the installation secret", () => {
      const signingKeys = new Sealer(SECRET, "wallets").forPurpose("signing-keys");
      expect(new Sealer(SECRET, "signing-keys").open(signingKeys.seal("jwk"))).toBe("jwk");
      expect(signingKeys.forPurpose("wallets").open(new Sealer(SECRET, "wallets").seal("key"))).toBe("key");
    });

    it("another installation secret cannot open the value", () => {
      const sealed = new Sealer(SECRET, "wallets").seal("wallet key");
      expect(() => new Sealer("t".repeat(40), "wallets").open(sealed)).toThrow();
    });
  });
});

describe("deriveSecretBytes", () => {
  it("is deterministic and 32 bytes long", () => {
    const a = deriveSecretBytes(SECRET, "platform-wallet");
    expect(a).toHaveLength(32);
    expect(deriveSecretBytes(SECRET, "platform-wallet").equals(a)).toBe(true);
  });

  it("differs by label and by secret, and is not the secret itself", () => {
    const a = deriveSecretBytes(SECRET, "platform-wallet");
    expect(deriveSecretBytes(SECRET, "demo-api-key").equals(a)).toBe(false);
    expect(deriveSecretBytes("t".repeat(40), "platform-wallet").equals(a)).toBe(false);
    expect(a.toString("utf8")).not.toContain("ssss");
  });
});
