import { describe, expect, it } from "vitest";
import { isLoopbackHost, redirectUriProblem } from "./redirect-uri.ts";

function accepted(uri: string) {
  expect(redirectUriProblem(uri), uri).toBeUndefined();
}
function rejected(uri: string, problem: RegExp) {
  const got = redirectUriProblem(uri);
  expect(got, uri).toBeTypeOf("string");
  expect(got, uri).toMatch(problem);
}

describe("redirectUriProblem", () => {
  describe("accepts", () => {
    it("https URLs, with paths, ports and queries", () => {
      accepted("https://example.com");
      accepted("https://example.com/");
      accepted("https://app.example.com/callback");
      accepted("https://app.example.com:8443/oauth/callback?tenant=a&x=1");
      accepted("https://1.2.3.4/cb");
    });

    it("http on localhost", () => {
      accepted("http://localhost:5173/");
      accepted("http://localhost/");
      accepted("http://localhost:3000/auth/callback");
    });

    it("http on 127.0.0.1", () => {
      accepted("http://127.0.0.1:8080/cb");
    });

    it("http on [::1]", () => {
      accepted("http://[::1]:3000/");
    });

    it("upper-case scheme and host", () => {
      accepted("HTTPS://EXAMPLE.COM/cb");
      accepted("HTTP://LOCALHOST:5173/");
    });

    it("a URI of exactly 2048 characters", () => {
      const base = "https://example.com/";
      accepted(base + "a".repeat(2048 - base.length));
    });
  });

  describe("rejects", () => {
    it("http on a non-loopback host", () => {
      rejected("http://example.com", /must use https/);
      rejected("http://example.com/cb", /must use https/);
      rejected("http://192.168.1.10:8080/cb", /must use https/);
      rejected("http://127.0.0.2/", /must use https/);
      rejected("http://localhost.example.com/", /must use https/);
      rejected("http://evil-localhost/", /must use https/);
      rejected("http://[::2]/", /must use https/);
    });

    it("fragments, including an empty one", () => {
      rejected("https://example.com/cb#frag", /fragment/);
      rejected("https://example.com/cb#", /fragment/);
      rejected("http://localhost:5173/#/callback", /fragment/);
    });

    it("wildcards anywhere", () => {
      rejected("https://*.example.com/cb", /wildcards/);
      rejected("https://example.com/*", /wildcards/);
      rejected("https://example.com/cb?x=*", /wildcards/);
      rejected("http://localhost:*/", /wildcards/);
    });

    it("credentials", () => {
      rejected("https://user:pass@example.com/cb", /credentials/);
      rejected("https://user@example.com/cb", /credentials/);
      rejected("https://:pass@example.com/cb", /credentials/);
      rejected("http://user:pass@localhost:5173/", /credentials/);
    });

    it("strings that are not absolute URLs", () => {
      rejected("", /absolute URL/);
      rejected("not a url", /whitespace|absolute URL/);
      rejected("example.com/cb", /absolute URL/);
      rejected("/callback", /absolute URL/);
      rejected("//example.com/cb", /absolute URL/);
      rejected("https://", /absolute URL/);
      rejected("https://exa mple.com/", /whitespace|absolute URL/);
    });

    it("javascript: and other non-http schemes", () => {
      rejected("javascript:alert(1)", /must use https/);
      rejected("JavaScript:alert(document.cookie)", /must use https/);
      rejected("data:text/html,<script>alert(1)</script>", /must use https/);
      rejected("file:///etc/passwd", /must use https/);
      rejected("ftp://example.com/", /must use https/);
      rejected("myapp://callback", /must use https/);
    });

    it("whitespace and control characters the URL parser would silently drop", () => {
      rejected(" https://example.com/cb", /whitespace/);
      rejected("https://example.com/cb ", /whitespace/);
      rejected("https://exa\tmple.com/cb", /whitespace/);
      rejected("https://example.com/c\nb", /whitespace/);
      rejected("https://example.com/cb\r\nSet-Cookie: x=1", /whitespace/);
      rejected("https://example.com/cb\u0000", /control/);
      rejected(" javascript:alert(1)", /whitespace/);
    });

    it("URIs longer than 2048 characters", () => {
      const base = "https://example.com/";
      rejected(base + "a".repeat(2049 - base.length), /2048/);
    });
  });
});

describe("isLoopbackHost", () => {
  it("is true for the three loopback names, as URL.hostname renders them", () => {
    for (const uri of ["http://localhost:5173/", "http://127.0.0.1:8080/cb", "http://[::1]:3000/"]) {
      expect(isLoopbackHost(new URL(uri).hostname)).toBe(true);
    }
  });

  it("is false for anything else", () => {
    for (const host of [
      "example.com",
      "127.0.0.2",
      "::1",
      "0.0.0.0",
      "localhost.example.com",
      "",
      "LOCALHOST ",
    ]) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});
