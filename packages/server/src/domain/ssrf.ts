import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * The SSRF rules for webhook targets (vehicle-triggers.md §3, §9.4). A target is an absolute
 * `https:` URL without credentials; after DNS resolution every address must be a public unicast
 * one. Refused: loopback, private (RFC 1918, fc00::/7), link-local (169.254.0.0/16 with the cloud
 * metadata address, fe80::/10), CGNAT, multicast, broadcast, unspecified, reserved and
 * documentation ranges, IPv4-mapped IPv6 and the IPv6 transition ranges that embed an IPv4 address
 * (NAT64, 6to4, Teredo). With `allowLoopback` (development and tests only) loopback addresses are
 * admitted, over `http:` as well as `https:`; every other rule stays.
 */

export interface TargetPolicy {
  allowLoopback: boolean;
}

export type AddressVerdict = { allowed: true; loopback: boolean } | { allowed: false; reason: string };

const REASONS: Record<string, string> = {
  loopback: "a loopback address",
  private: "a private address",
  uniqueLocal: "a private address",
  linkLocal: "a link-local address",
  carrierGradeNat: "a carrier-grade NAT address",
  multicast: "a multicast address",
  broadcast: "a broadcast address",
  unspecified: "an unspecified address",
  ipv4Mapped: "an IPv4-mapped IPv6 address",
  rfc6052: "a NAT64 address",
  rfc6145: "an IPv4-translated address",
  "6to4": "a 6to4 address",
  teredo: "a Teredo address",
};

/** Whether a webhook may connect to this IP address (a literal, v4 or v6). */
export function classifyAddress(ip: string, policy: TargetPolicy): AddressVerdict {
  const literal = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  if (isIP(literal) === 0) return { allowed: false, reason: "not an IP address" };
  let addr = ipaddr.parse(literal);
  let range = addr.range();
  let mapped = false;
  if (addr.kind() === "ipv6" && range === "ipv4Mapped") {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
    range = addr.range();
    mapped = true;
  }
  if (range === "loopback") {
    return policy.allowLoopback
      ? { allowed: true, loopback: true }
      : { allowed: false, reason: REASONS.loopback! };
  }
  if (mapped) return { allowed: false, reason: REASONS.ipv4Mapped! };
  if (range === "unicast") return { allowed: true, loopback: false };
  return { allowed: false, reason: REASONS[range] ?? `a reserved address (${range})` };
}

/** Every address must pass; the first refusal explains why. */
export function classifyAddresses(ips: readonly string[], policy: TargetPolicy): AddressVerdict {
  if (ips.length === 0) return { allowed: false, reason: "no address" };
  let loopback = true;
  for (const ip of ips) {
    const verdict = classifyAddress(ip, policy);
    if (!verdict.allowed) return verdict;
    loopback &&= verdict.loopback;
  }
  return { allowed: true, loopback };
}

export type TargetUrlCheck =
  | { ok: true; url: URL; hostname: string; literal: boolean }
  | { ok: false; problem: "invalid" | "scheme" };

/**
 * The URL part of §3's validation: absolute, parseable, http(s), no credentials. The scheme rule
 * that depends on the resolved address (`http:` only to loopback, and only with allowLoopback) is
 * `schemeAllowed`.
 */
export function parseTargetUrl(raw: unknown): TargetUrlCheck {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2048)
    return { ok: false, problem: "invalid" };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: "invalid" };
  }
  if (url.hostname === "" || url.username !== "" || url.password !== "")
    return { ok: false, problem: "invalid" };
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, problem: "scheme" };
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { ok: true, url, hostname, literal: isIP(hostname) !== 0 };
}

/** `https:` always; `http:` only when loopback targets are allowed and every address is loopback. */
export function schemeAllowed(url: URL, verdict: AddressVerdict, policy: TargetPolicy): boolean {
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && policy.allowLoopback && verdict.allowed && verdict.loopback;
}

/** `localhost` and its subdomains resolve to loopback by definition (RFC 6761). */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}
