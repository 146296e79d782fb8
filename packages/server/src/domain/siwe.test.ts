import { describe, expect, it } from "vitest";
import { InvalidAddressError } from "./address.ts";
import { buildChallenge, type ChallengeParts } from "./siwe.ts";

const ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const NONCE = "aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1"; // 30 chars from [0-9A-Za-z]

const PARTS: ChallengeParts = {
  issuerUrl: "http://localhost:3000",
  address: ADDRESS,
  domain: "http://localhost:5173/",
  nonce: NONCE,
  issuedAt: new Date("2025-03-04T05:06:07.890Z"),
};

// auth-and-tokens.md §3.1
const EXPECTED = `localhost:3000 wants you to sign in with your Ethereum account:
0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266

localhost is asking you sign in.

URI: http://localhost:3000
Version: 1
Chain ID: 1
Nonce: aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1
Issued At: 2025-03-04T05:06:07Z`;

describe("buildChallenge", () => {
  it("produces the exact §3.1 challenge text for fixed inputs", () => {
    expect(buildChallenge(PARTS)).toBe(EXPECTED);
  });

  it("has ten lines, LF-separated, with no trailing newline", () => {
    const text = buildChallenge(PARTS);
    expect(text.split("\n")).toHaveLength(10);
    expect(text).not.toContain("\r");
    expect(text.endsWith("\n")).toBe(false);
  });

  it("is reproducible: the same parts always give the same text", () => {
    expect(buildChallenge({ ...PARTS })).toBe(buildChallenge(PARTS));
  });

  it("renders Issued At as RFC 3339 UTC without fractional seconds", () => {
    const text = buildChallenge({ ...PARTS, issuedAt: new Date(Date.UTC(2030, 11, 31, 23, 59, 59, 999)) });
    expect(text.split("\n")[9]).toBe("Issued At: 2030-12-31T23:59:59Z");
    const whole = buildChallenge({ ...PARTS, issuedAt: new Date("2025-01-01T00:00:00Z") });
    expect(whole.split("\n")[9]).toBe("Issued At: 2025-01-01T00:00:00Z");
  });

  it("renders the address EIP-55 checksummed whatever case it arrives in", () => {
    expect(buildChallenge({ ...PARTS, address: ADDRESS.toLowerCase() })).toBe(EXPECTED);
    expect(buildChallenge({ ...PARTS, address: `0x${ADDRESS.slice(2).toUpperCase()}` })).toBe(EXPECTED);
  });

  it("rejects an address that is not one", () => {
    expect(() => buildChallenge({ ...PARTS, address: "0x1234" })).toThrow(InvalidAddressError);
  });

  it("uses the issuer's host (without port for a default port) and the domain's hostname", () => {
    const lines = buildChallenge({
      ...PARTS,
      issuerUrl: "https://auth.example.com",
      domain: "https://app.example.org:8443/callback?x=1",
    }).split("\n");
    expect(lines[0]).toBe("auth.example.com wants you to sign in with your Ethereum account:");
    expect(lines[3]).toBe("app.example.org is asking you sign in.");
    expect(lines[5]).toBe("URI: https://auth.example.com");
  });

  it("keeps a non-default issuer port in the first line", () => {
    const first = buildChallenge({ ...PARTS, issuerUrl: "https://keyfob.example.com:8443" }).split("\n")[0];
    expect(first).toBe("keyfob.example.com:8443 wants you to sign in with your Ethereum account:");
  });

  it("renders loopback domains by hostname", () => {
    expect(buildChallenge({ ...PARTS, domain: "http://127.0.0.1:8080/cb" }).split("\n")[3]).toBe(
      "127.0.0.1 is asking you sign in.",
    );
    expect(buildChallenge({ ...PARTS, domain: "http://[::1]:3000/" }).split("\n")[3]).toBe(
      "[::1] is asking you sign in.",
    );
  });

  it("uses a domain that is not a URL verbatim", () => {
    expect(buildChallenge({ ...PARTS, domain: "example.com" }).split("\n")[3]).toBe(
      "example.com is asking you sign in.",
    );
  });

  it("carries the nonce verbatim", () => {
    expect(buildChallenge({ ...PARTS, nonce: "0123456789abcdefghijABCDEFGHIJ" }).split("\n")[8]).toBe(
      "Nonce: 0123456789abcdefghijABCDEFGHIJ",
    );
  });

  it("throws for an issuer URL that is not a URL", () => {
    expect(() => buildChallenge({ ...PARTS, issuerUrl: "localhost" })).toThrow();
  });
});
