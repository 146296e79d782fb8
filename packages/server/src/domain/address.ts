import { getAddress, isAddress } from "viem/utils";

export type Address = `0x${string}`;

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** True for 0x + 40 hex digits in any case (mixed case is not required to carry a valid checksum). */
export function isHexAddress(value: unknown): value is string {
  return typeof value === "string" && HEX_ADDRESS.test(value);
}

/** EIP-55 checksummed form of any-case hex address; throws on anything else. */
export function checksumAddress(value: string): Address {
  if (!isHexAddress(value)) throw new InvalidAddressError(value);
  return getAddress(value.toLowerCase());
}

/** Checksummed address or undefined, for inputs that may be malformed. */
export function parseAddress(value: unknown): Address | undefined {
  return isHexAddress(value) && isAddress(value.toLowerCase()) ? getAddress(value.toLowerCase()) : undefined;
}

export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export class InvalidAddressError extends Error {
  constructor(readonly value: string) {
    super(`Invalid Ethereum address "${value}".`);
  }
}
