import { describe, expect, it } from "vitest";
import { isCodeVerifier, s256Challenge, verifyPkce } from "./pkce.ts";

// RFC 7636 Appendix B.
const VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

describe("PKCE S256", () => {
  it("matches RFC 7636's example", () => {
    expect(s256Challenge(VERIFIER)).toBe(CHALLENGE);
    expect(verifyPkce(VERIFIER, CHALLENGE)).toBe(true);
  });

  it("a different verifier does not verify", () => {
    expect(verifyPkce(`${VERIFIER.slice(0, -1)}Y`, CHALLENGE)).toBe(false);
  });

  it("verifiers are 43–128 unreserved characters", () => {
    expect(isCodeVerifier("a".repeat(43))).toBe(true);
    expect(isCodeVerifier("a".repeat(128))).toBe(true);
    expect(isCodeVerifier("a".repeat(42))).toBe(false);
    expect(isCodeVerifier("a".repeat(129))).toBe(false);
    expect(isCodeVerifier(`${"a".repeat(42)}+`)).toBe(false);
    expect(isCodeVerifier(undefined)).toBe(false);
    // plain: the challenge itself as the verifier must not pass.
    expect(verifyPkce(CHALLENGE, CHALLENGE)).toBe(false);
  });
});
