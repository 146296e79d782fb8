import { createHash } from "node:crypto";
import { english } from "viem/accounts";

/**
 * The official vehicle name: three BIP-39 words for the token id after multiplying it by a prime
 * modulo 2^31 (DIMO-Network/mnemonic `FromInt32WithObfuscation`), so neighbouring ids read unalike.
 * Vector: token 1 → "learn island zoo".
 */
const OBFUSCATION_PRIME = 2127482879n;
const INT32_MASK = 0x7fffffffn;
const WORDS = english as readonly string[];

export function vehicleName(tokenId: number): string {
  const obfuscated = (BigInt(tokenId) * OBFUSCATION_PRIME) & INT32_MASK;
  return mnemonicWords(obfuscated).join(" ");
}

/** BIP-39 for a 32-bit entropy: the value, one checksum bit (SHA-256's first bit), 3 × 11 bits. */
export function mnemonicWords(value: bigint): string[] {
  const entropy = Buffer.alloc(4);
  entropy.writeUInt32BE(Number(value));
  const checksum = BigInt(createHash("sha256").update(entropy).digest()[0]! >> 7);
  const bits = (value << 1n) | checksum;
  return [2n, 1n, 0n].map((i) => WORDS[Number((bits >> (11n * i)) & 2047n)]!);
}
