import { checksumAddress } from "./address.ts";

/**
 * The SIWE (EIP-4361) challenge text of the developer web3 login (auth-and-tokens.md §3.1).
 * It is stored verbatim; this builder makes it reproducible from its parts.
 */
export interface ChallengeParts {
  issuerUrl: string;
  address: string;
  domain: string;
  nonce: string;
  issuedAt: Date;
}

/** The challenge text; `address` may be in any case (it is rendered EIP-55 checksummed, throws if not an address). */
export function buildChallenge(parts: ChallengeParts): string {
  const issuerHost = new URL(parts.issuerUrl).host;
  let domainHost: string;
  try {
    domainHost = new URL(parts.domain).hostname;
  } catch {
    domainHost = parts.domain;
  }
  return [
    `${issuerHost} wants you to sign in with your Ethereum account:`,
    checksumAddress(parts.address),
    "",
    `${domainHost} is asking you sign in.`,
    "",
    `URI: ${parts.issuerUrl}`,
    "Version: 1",
    "Chain ID: 1",
    `Nonce: ${parts.nonce}`,
    `Issued At: ${parts.issuedAt.toISOString().replace(/\.\d{3}Z$/, "Z")}`,
  ].join("\n");
}
