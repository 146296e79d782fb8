import { describe, expect, it } from "vitest";
import {
  classifyAddress,
  classifyAddresses,
  isLocalhostName,
  parseTargetUrl,
  schemeAllowed,
} from "./ssrf.ts";

const STRICT = { allowLoopback: false };
const LOOPBACK_OK = { allowLoopback: true };

describe("classifyAddress", () => {
  it.each([
    ["8.8.8.8"],
    ["1.1.1.1"],
    ["93.184.216.34"],
    ["2606:4700:4700::1111"],
    ["2a00:1450:4001:80b::200e"],
    ["[2606:4700::1]"],
  ])("admits the public unicast address %s", (ip) => {
    expect(classifyAddress(ip, STRICT)).toEqual({ allowed: true, loopback: false });
  });

  it.each([
    ["127.0.0.1", "a loopback address"],
    ["127.8.9.10", "a loopback address"],
    ["::1", "a loopback address"],
    ["10.0.0.1", "a private address"],
    ["172.16.5.4", "a private address"],
    ["172.31.255.255", "a private address"],
    ["192.168.1.1", "a private address"],
    ["fc00::1", "a private address"],
    ["fd12:3456::1", "a private address"],
    ["169.254.169.254", "a link-local address"],
    ["169.254.0.1", "a link-local address"],
    ["fe80::1", "a link-local address"],
    ["100.64.0.1", "a carrier-grade NAT address"],
    ["100.127.255.254", "a carrier-grade NAT address"],
    ["224.0.0.1", "a multicast address"],
    ["ff02::1", "a multicast address"],
    ["255.255.255.255", "a broadcast address"],
    ["0.0.0.0", "an unspecified address"],
    ["::", "an unspecified address"],
    ["::ffff:10.0.0.1", "an IPv4-mapped IPv6 address"],
    ["::ffff:8.8.8.8", "an IPv4-mapped IPv6 address"],
    ["::ffff:169.254.169.254", "an IPv4-mapped IPv6 address"],
    ["::ffff:127.0.0.1", "a loopback address"],
    ["64:ff9b::a00:1", "a NAT64 address"],
    ["2002:a00:1::", "a 6to4 address"],
    ["2001::1", "a Teredo address"],
    ["192.0.2.1", "a reserved address (reserved)"],
    ["198.18.0.1", "a reserved address (reserved)"],
    ["240.0.0.1", "a reserved address (reserved)"],
    ["2001:db8::1", "a reserved address (reserved)"],
    ["example.com", "not an IP address"],
  ])("refuses %s as %s", (ip, reason) => {
    expect(classifyAddress(ip, STRICT)).toEqual({ allowed: false, reason });
  });

  it("admits loopback (v4, v6, mapped) only when loopback targets are allowed; nothing else changes", () => {
    expect(classifyAddress("127.0.0.1", LOOPBACK_OK)).toEqual({ allowed: true, loopback: true });
    expect(classifyAddress("::1", LOOPBACK_OK)).toEqual({ allowed: true, loopback: true });
    expect(classifyAddress("::ffff:127.0.0.1", LOOPBACK_OK)).toEqual({ allowed: true, loopback: true });
    expect(classifyAddress("10.0.0.1", LOOPBACK_OK).allowed).toBe(false);
    expect(classifyAddress("169.254.169.254", LOOPBACK_OK).allowed).toBe(false);
    expect(classifyAddress("::ffff:10.0.0.1", LOOPBACK_OK).allowed).toBe(false);
    expect(classifyAddress("0.0.0.0", LOOPBACK_OK).allowed).toBe(false);
  });
});

describe("classifyAddresses", () => {
  it("needs every address to pass (a name with one private address is refused)", () => {
    expect(classifyAddresses(["8.8.8.8", "1.1.1.1"], STRICT)).toEqual({ allowed: true, loopback: false });
    expect(classifyAddresses(["8.8.8.8", "10.1.2.3"], STRICT)).toEqual({
      allowed: false,
      reason: "a private address",
    });
    expect(classifyAddresses([], STRICT)).toEqual({ allowed: false, reason: "no address" });
    expect(classifyAddresses(["127.0.0.1", "::1"], LOOPBACK_OK)).toEqual({ allowed: true, loopback: true });
    expect(classifyAddresses(["127.0.0.1", "8.8.8.8"], LOOPBACK_OK)).toEqual({
      allowed: true,
      loopback: false,
    });
  });
});

describe("parseTargetUrl and schemeAllowed", () => {
  it("parses absolute http(s) URLs and normalises IPv4 forms", () => {
    const ok = parseTargetUrl("https://hooks.example.com/dimo?x=1");
    expect(ok).toMatchObject({ ok: true, hostname: "hooks.example.com", literal: false });
    expect(parseTargetUrl("https://0x7f.1/")).toMatchObject({
      ok: true,
      hostname: "127.0.0.1",
      literal: true,
    });
    expect(parseTargetUrl("https://[::1]:8443/")).toMatchObject({ ok: true, hostname: "::1", literal: true });
    expect(parseTargetUrl("https://2130706433/")).toMatchObject({ ok: true, hostname: "127.0.0.1" });
  });

  it.each([
    ["", "invalid"],
    ["/relative", "invalid"],
    ["not a url", "invalid"],
    ["https://user:pass@example.com/", "invalid"],
    ["ftp://example.com/", "scheme"],
    ["file:///etc/passwd", "invalid"],
    ["javascript:alert(1)", "invalid"],
  ])("refuses %j (%s)", (raw, problem) => {
    expect(parseTargetUrl(raw)).toEqual({ ok: false, problem });
  });

  it("allows http only to loopback, and only when loopback targets are allowed", () => {
    const http = new URL("http://localhost:8080/");
    const https = new URL("https://example.com/");
    const loopback = { allowed: true, loopback: true } as const;
    const publicAddress = { allowed: true, loopback: false } as const;
    expect(schemeAllowed(https, publicAddress, STRICT)).toBe(true);
    expect(schemeAllowed(http, loopback, STRICT)).toBe(false);
    expect(schemeAllowed(http, loopback, LOOPBACK_OK)).toBe(true);
    expect(schemeAllowed(http, publicAddress, LOOPBACK_OK)).toBe(false);
  });

  it("knows localhost names", () => {
    expect(isLocalhostName("localhost")).toBe(true);
    expect(isLocalhostName("LOCALHOST.")).toBe(true);
    expect(isLocalhostName("api.localhost")).toBe(true);
    expect(isLocalhostName("localhost.example.com")).toBe(false);
  });
});
