import { type Address, checksumAddress, isHexAddress } from "./address.ts";

/** `did:erc721:<chainId>:<contract>:<tokenId>` — the DID of an NFT such as a vehicle or a license. */
export interface Erc721Did {
  chainId: number;
  contract: Address;
  tokenId: number;
}

export function formatErc721Did(did: Erc721Did): string {
  return `did:erc721:${did.chainId}:${checksumAddress(did.contract)}:${did.tokenId}`;
}

export class InvalidDidError extends Error {
  constructor(
    readonly value: string,
    readonly reason: string,
  ) {
    super(`Invalid asset DID "${value}": ${reason}.`);
  }
}

const MAX_TOKEN_ID = 2 ** 31 - 1;

/** Parses an erc721 DID, accepting any-case contract addresses; throws InvalidDidError with a reason. */
export function parseErc721Did(value: string): Erc721Did {
  const parts = value.split(":");
  if (parts.length !== 5 || parts[0] !== "did")
    throw new InvalidDidError(value, "expected did:erc721:<chainId>:<contract>:<tokenId>");
  const [, method, chain, contract, token] = parts as [string, string, string, string, string];
  if (method !== "erc721") throw new InvalidDidError(value, `unsupported DID method "${method}"`);
  if (!/^[1-9][0-9]{0,15}$/.test(chain) || !Number.isSafeInteger(Number(chain))) {
    throw new InvalidDidError(value, "invalid chain id");
  }
  if (!isHexAddress(contract)) throw new InvalidDidError(value, "invalid contract address");
  if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) > MAX_TOKEN_ID)
    throw new InvalidDidError(value, "invalid token id");
  return { chainId: Number(chain), contract: checksumAddress(contract), tokenId: Number(token) };
}
