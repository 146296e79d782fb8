import { describe, expect, it } from "vitest";
import { checksumAddress, InvalidAddressError, isHexAddress, parseAddress, sameAddress } from "./address.ts";

// EIP-55 test vectors (https://eips.ethereum.org/EIPS/eip-55) plus addresses used in the specs.
const CHECKSUMMED = [
  "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
  "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
  "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
  "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
  // all caps / all lower per EIP-55
  "0x52908400098527886E0F7030069857D2E4169EE7",
  "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
  "0xde709f2102306220921060314715629080e2fb77",
  "0x27b1fdb04752bbc536007a920d24acb045561c26",
  // spec addresses
  "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF",
  "0x45fbCD3ef7361d156e8b16F5538AE36DEdf61Da8",
  "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
] as const;

const MALFORMED: unknown[] = [
  "",
  "0x",
  "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", // no 0x
  "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", // upper-case X
  "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", // 39 digits
  "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd", // 41 digits
  "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", // non-hex digit
  " 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", // leading space
  "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed ", // trailing space
  "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n", // trailing newline
  "vitalik.eth",
];

describe("checksumAddress", () => {
  for (const addr of CHECKSUMMED) {
    it(`checksums ${addr} from lower case, upper case and itself`, () => {
      expect(checksumAddress(addr.toLowerCase())).toBe(addr);
      expect(checksumAddress(`0x${addr.slice(2).toUpperCase()}`)).toBe(addr);
      expect(checksumAddress(addr)).toBe(addr);
    });
  }

  it("accepts mixed case with a wrong checksum and returns the correct one", () => {
    // Flip the case of one letter: no longer a valid EIP-55 checksum, still a hex address.
    expect(checksumAddress("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")).toBe(
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    );
  });

  it("checksums the zero address", () => {
    expect(checksumAddress(`0x${"0".repeat(40)}`)).toBe(`0x${"0".repeat(40)}`);
  });

  for (const bad of MALFORMED) {
    it(`rejects ${JSON.stringify(bad)} with InvalidAddressError`, () => {
      expect(() => checksumAddress(bad as string)).toThrow(InvalidAddressError);
    });
  }

  it("names the offending value in the error", () => {
    try {
      checksumAddress("0x123");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidAddressError);
      expect((e as InvalidAddressError).value).toBe("0x123");
      expect((e as Error).message).toContain('"0x123"');
    }
  });
});

describe("parseAddress", () => {
  it("returns the checksummed address for any case", () => {
    expect(parseAddress("0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359")).toBe(
      "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    );
    expect(parseAddress("0xFB6916095CA1DF60BB79CE92CE3EA74C37C5D359")).toBe(
      "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    );
  });

  it("returns undefined for malformed input and non-strings instead of throwing", () => {
    for (const bad of [
      ...MALFORMED,
      undefined,
      null,
      42,
      {},
      ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"],
    ]) {
      expect(parseAddress(bad)).toBeUndefined();
    }
  });
});

describe("isHexAddress", () => {
  it("accepts 0x + 40 hex digits in any case", () => {
    for (const addr of CHECKSUMMED) {
      expect(isHexAddress(addr)).toBe(true);
      expect(isHexAddress(addr.toLowerCase())).toBe(true);
    }
  });

  it("rejects everything else", () => {
    for (const bad of [...MALFORMED, undefined, null, 0x1234, {}]) expect(isHexAddress(bad)).toBe(false);
  });
});

describe("sameAddress", () => {
  it("compares case-insensitively", () => {
    expect(
      sameAddress("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
    ).toBe(true);
  });

  it("distinguishes different addresses", () => {
    expect(
      sameAddress("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"),
    ).toBe(false);
  });
});
