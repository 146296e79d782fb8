import { describe, expect, it } from "vitest";
import { globalTokenId } from "./global-id.ts";
import { mnemonicWords, vehicleName } from "./vehicle-name.ts";

// Vectors from DIMO-Network/mnemonic's examples and identity-api's repository tests.
describe("vehicle names", () => {
  it("encodes 32-bit values as BIP-39 words", () => {
    expect(mnemonicWords(1n)).toEqual(["abandon", "abandon", "about"]);
    expect(mnemonicWords(1234567890n)).toEqual(["end", "quote", "region"]);
  });

  it("obfuscates the token id first (FromInt32WithObfuscation)", () => {
    expect(vehicleName(1)).toBe("learn island zoo");
    expect(vehicleName(2)).not.toBe(vehicleName(3));
    expect(vehicleName(123_456)).toMatch(/^[a-z]+ [a-z]+ [a-z]+$/);
  });
});

describe("global ids", () => {
  it("matches the official V_ + base64(msgpack([tokenId]))", () => {
    expect(globalTokenId("V", 1)).toBe("V_kQE=");
    expect(globalTokenId("V", 2)).toBe("V_kQI=");
    expect(globalTokenId("M", 300)).toBe(`M_${Buffer.from([0x91, 0xcd, 0x01, 0x2c]).toString("base64")}`);
    expect(globalTokenId("V", 200)).toBe(`V_${Buffer.from([0x91, 0xcc, 200]).toString("base64")}`);
  });
});
