import { describe, expect, it } from "vitest";
import { formatErc721Did, InvalidDidError, parseErc721Did } from "./did.ts";

const CONTRACT = "0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF";
const DID = `did:erc721:137:${CONTRACT}:7`;

function reasonFor(value: string): string {
  try {
    parseErc721Did(value);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidDidError);
    const err = e as InvalidDidError;
    expect(err.value).toBe(value);
    expect(err.message).toContain(value);
    expect(err.message).toContain(err.reason);
    return err.reason;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

describe("erc721 DIDs", () => {
  it("parses the spec's vehicle DID", () => {
    expect(parseErc721Did(DID)).toEqual({ chainId: 137, contract: CONTRACT, tokenId: 7 });
  });

  it("formats the spec's vehicle DID", () => {
    expect(formatErc721Did({ chainId: 137, contract: CONTRACT, tokenId: 7 })).toBe(DID);
  });

  it("round-trips parse → format and format → parse", () => {
    expect(formatErc721Did(parseErc721Did(DID))).toBe(DID);
    const did = {
      chainId: 80002,
      contract: "0x45fbCD3ef7361d156e8b16F5538AE36DEdf61Da8" as const,
      tokenId: 0,
    };
    expect(parseErc721Did(formatErc721Did(did))).toEqual(did);
  });

  it("accepts a lower-case contract and returns it checksummed", () => {
    expect(parseErc721Did(`did:erc721:137:${CONTRACT.toLowerCase()}:7`).contract).toBe(CONTRACT);
    expect(formatErc721Did(parseErc721Did(`did:erc721:137:${CONTRACT.toLowerCase()}:7`))).toBe(DID);
  });

  it("accepts an upper-case contract and returns it checksummed", () => {
    expect(parseErc721Did(`did:erc721:137:0x${CONTRACT.slice(2).toUpperCase()}:7`).contract).toBe(CONTRACT);
  });

  it("formats a lower-case contract checksummed", () => {
    expect(
      formatErc721Did({ chainId: 137, contract: CONTRACT.toLowerCase() as `0x${string}`, tokenId: 7 }),
    ).toBe(DID);
  });

  it("accepts token id 0 and the largest 32-bit signed token id", () => {
    expect(parseErc721Did(`did:erc721:137:${CONTRACT}:0`).tokenId).toBe(0);
    expect(parseErc721Did(`did:erc721:137:${CONTRACT}:2147483647`).tokenId).toBe(2147483647);
  });

  it("accepts other chain ids, e.g. Amoy 80002", () => {
    expect(parseErc721Did(`did:erc721:80002:${CONTRACT}:1`).chainId).toBe(80002);
  });

  it("accepts the largest safe-integer chain id", () => {
    expect(parseErc721Did(`did:erc721:${Number.MAX_SAFE_INTEGER}:${CONTRACT}:1`).chainId).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  describe("rejects with InvalidDidError and a reason", () => {
    it("a different DID method", () => {
      expect(reasonFor(`did:ethr:137:${CONTRACT}:7`)).toMatch(/unsupported DID method "ethr"/);
      expect(reasonFor(`did:ERC721:137:${CONTRACT}:7`)).toMatch(/unsupported DID method/);
    });

    it("the wrong number of parts", () => {
      expect(reasonFor(`did:ethr:137:${CONTRACT}`)).toMatch(/expected did:erc721/);
      expect(reasonFor(`did:erc721:137:${CONTRACT}`)).toMatch(/expected did:erc721/);
      expect(reasonFor(`did:erc721:137:${CONTRACT}:7:8`)).toMatch(/expected did:erc721/);
      expect(reasonFor("did:")).toMatch(/expected did:erc721/);
      expect(reasonFor("")).toMatch(/expected did:erc721/);
    });

    it("a scheme other than did", () => {
      expect(reasonFor(`DID:erc721:137:${CONTRACT}:7`)).toMatch(/expected did:erc721/);
      expect(reasonFor(`urn:erc721:137:${CONTRACT}:7`)).toMatch(/expected did:erc721/);
    });

    it("a bad chain id", () => {
      for (const chain of [
        "",
        "0",
        "-137",
        "0137",
        "abc",
        "1.5",
        " 137",
        "1e3",
        "99999999999999999",
        "9007199254740993",
      ]) {
        expect(reasonFor(`did:erc721:${chain}:${CONTRACT}:7`)).toBe("invalid chain id");
      }
    });

    it("a bad contract", () => {
      for (const contract of [
        "",
        "0x",
        CONTRACT.slice(0, -1),
        `${CONTRACT}0`,
        CONTRACT.slice(2),
        `${CONTRACT.slice(0, -1)}g`,
        "vehicles.eth",
      ]) {
        expect(reasonFor(`did:erc721:137:${contract}:7`)).toBe("invalid contract address");
      }
    });

    it("a bad token id", () => {
      for (const token of [
        "",
        "-1",
        "07",
        "1.0",
        "abc",
        "0x7",
        " 7",
        "7 ",
        "2147483648",
        "99999999999999999999",
      ]) {
        expect(reasonFor(`did:erc721:137:${CONTRACT}:${token}`)).toBe("invalid token id");
      }
    });
  });
});
