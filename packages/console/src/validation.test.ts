import { describe, expect, it } from "vitest";
import {
  aliasProblem,
  brandNameProblem,
  colorProblem,
  expirationProblem,
  httpsLinkProblem,
  imageFileProblem,
  redirectUriProblem,
  tokenIdsProblem,
  utmProblem,
  webOriginProblem,
} from "./validation.ts";

describe("redirect URIs", () => {
  it("accepts https anywhere and plain http only on loopback hosts", () => {
    for (const ok of [
      "https://app.example.com/callback",
      "https://app.example.com:8443/cb?x=1",
      "http://localhost:5173/",
      "http://127.0.0.1:8080/cb",
      "http://[::1]:3000/",
    ])
      expect(redirectUriProblem(ok), ok).toBeUndefined();
  });

  it("says what is wrong with everything else", () => {
    expect(redirectUriProblem("http://app.example.com/")).toMatch(/Use https/);
    expect(redirectUriProblem("https://app.example.com/#done")).toMatch(/fragment/);
    expect(redirectUriProblem("https://*.example.com/")).toMatch(/Wildcards/);
    expect(redirectUriProblem("app.example.com/callback")).toMatch(/full address/);
    expect(redirectUriProblem("javascript:alert(1)")).toMatch(/https/);
    expect(redirectUriProblem(" https://app.example.com/")).toMatch(/spaces/);
    expect(redirectUriProblem("https://user:pw@app.example.com/")).toMatch(/password/);
    expect(redirectUriProblem("")).toMatch(/Enter/);
  });
});

describe("aliases", () => {
  it("are optional and at most 32 bytes of UTF-8", () => {
    expect(aliasProblem("")).toBeUndefined();
    expect(aliasProblem("My fleet app")).toBeUndefined();
    expect(aliasProblem("a".repeat(32))).toBeUndefined();
    expect(aliasProblem("a".repeat(33))).toMatch(/32 bytes/);
    // 11 three-byte characters are 33 bytes.
    expect(aliasProblem("€".repeat(11))).toMatch(/32 bytes/);
    expect(aliasProblem("two\nlines")).toMatch(/control/);
  });
});

describe("brands", () => {
  it("need a name and a #RRGGBB colour", () => {
    expect(brandNameProblem("Acme")).toBeUndefined();
    expect(brandNameProblem("  ")).toMatch(/name/);
    expect(brandNameProblem("x".repeat(101))).toMatch(/100/);
    expect(colorProblem("#1a73E8")).toBeUndefined();
    for (const bad of ["1A73E8", "#FFF", "#GGGGGG", "red"]) expect(colorProblem(bad), bad).toMatch(/#RRGGBB/);
  });

  it("accept PNG, JPEG and WebP up to 256 KB, and refuse SVG", () => {
    expect(imageFileProblem({ type: "image/png", size: 10_000 })).toBeUndefined();
    expect(imageFileProblem({ type: "image/jpeg", size: 256 * 1024 })).toBeUndefined();
    expect(imageFileProblem({ type: "image/webp", size: 1 })).toBeUndefined();
    expect(imageFileProblem({ type: "image/svg+xml", size: 100 })).toMatch(/SVG/);
    expect(imageFileProblem({ type: "image/gif", size: 100 })).toMatch(/PNG, JPEG or WebP/);
    expect(imageFileProblem({ type: "image/png", size: 256 * 1024 + 1 })).toMatch(/too large/);
    expect(imageFileProblem({ type: "image/png", size: 0 })).toMatch(/empty/);
  });
});

describe("login settings and configuration fields", () => {
  it("web origins are scheme, host and port only", () => {
    expect(webOriginProblem("https://app.example.com")).toBeUndefined();
    expect(webOriginProblem("http://localhost:5173")).toBeUndefined();
    expect(webOriginProblem("https://app.example.com/")).toMatch(/no path/);
    expect(webOriginProblem("http://app.example.com")).toMatch(/https/);
  });

  it("links are https, token ids are numbers, UTM has no leading ? or spaces", () => {
    expect(httpsLinkProblem("")).toBeUndefined();
    expect(httpsLinkProblem("https://example.com/terms")).toBeUndefined();
    expect(httpsLinkProblem("http://example.com/terms")).toMatch(/https/);
    expect(tokenIdsProblem("12, 345")).toBeUndefined();
    expect(tokenIdsProblem("12, abc")).toMatch(/whole numbers/);
    expect(utmProblem("utm_source=news&utm_campaign=spring")).toBeUndefined();
    expect(utmProblem("?utm_source=x")).toMatch(/\?/);
    expect(utmProblem("utm source")).toMatch(/spaces/);
  });

  it("an expiration date must be after today", () => {
    const today = new Date("2030-06-15T12:00:00Z");
    expect(expirationProblem("", today)).toBeUndefined();
    expect(expirationProblem("2030-06-16", today)).toBeUndefined();
    expect(expirationProblem("2030-06-15", today)).toMatch(/after today/);
    expect(expirationProblem("15/06/2031", today)).toMatch(/date/);
  });
});
