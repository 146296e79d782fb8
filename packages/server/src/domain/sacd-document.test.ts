import { createECDH, createHash } from "node:crypto";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { identity } from "multiformats/hashes/identity";
import { sha256 } from "multiformats/hashes/sha2";
import { keccak256, verifyMessage } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  buildSacdData,
  cidOf,
  createSignedDocument,
  DocumentVerificationError,
  extractDataText,
  isDocumentCid,
  type SacdDataInput,
  verifySignedDocument,
} from "./sacd-document.ts";

// Fixed, public test keys (never hold value). Note: this key is NOT anvil's account #0 (that
// would be 0xf39F…2266); its address, checked independently with node:crypto secp256k1 +
// keccak-256, is 0x3bFe…DF34.
const TEST_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcb5d48ff65df8f2b6";
const account = privateKeyToAccount(TEST_KEY);
const other = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const sign = (m: string) => account.signMessage({ message: m });

const GRANTOR = "0x3bFef137E5Eb999B92706168f48b56b0CafEDF34";
const GRANTEE = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const VEHICLE_DID = "did:erc721:137:0xbA5738a18d83D41847dfFbDC6101d37C69c9B0cF:7";

const INPUT: SacdDataInput = {
  grantor: GRANTOR.toLowerCase() as `0x${string}`,
  grantee: GRANTEE.toLowerCase() as `0x${string}`,
  assetDid: VEHICLE_DID,
  privileges: [1, 4],
  effectiveAt: new Date("2025-01-01T00:00:00.000Z"),
  expiresAt: new Date("2026-01-01T12:30:45.678Z"),
  templateId: "0",
};

async function signedSacd(data: Record<string, unknown> = buildSacdData(INPUT), signer = sign) {
  return createSignedDocument({
    type: "dimo.sacd",
    id: "grant-1",
    source: GRANTOR,
    time: new Date("2025-01-01T00:00:00.123Z"),
    data,
    sign: signer,
  });
}

async function verifyError(text: string): Promise<string> {
  try {
    await verifySignedDocument(text);
  } catch (e) {
    expect(e).toBeInstanceOf(DocumentVerificationError);
    return (e as Error).message;
  }
  throw new Error("expected the document to be rejected");
}

/** Replaces one character at `index` (keeping the JSON valid is the caller's job). */
function replaceAt(text: string, index: number, ch: string): string {
  expect(index).toBeGreaterThanOrEqual(0);
  expect(text[index]).not.toBe(ch);
  return text.slice(0, index) + ch + text.slice(index + 1);
}

describe("test keys", () => {
  it("derive the expected addresses", () => {
    expect(account.address).toBe(GRANTOR);
    expect(other.address).not.toBe(GRANTOR);
    // private key 1 ↔ 0x7E5F…5Bdf is a widely published secp256k1/Ethereum vector
    expect(privateKeyToAccount(`0x${"0".repeat(63)}1`).address).toBe(
      "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
    );
  });

  it("agree with an independent derivation (node:crypto secp256k1 + keccak-256)", () => {
    const ecdh = createECDH("secp256k1");
    ecdh.setPrivateKey(Buffer.from(TEST_KEY.slice(2), "hex"));
    const pub = ecdh.getPublicKey().subarray(1); // drop the 0x04 prefix
    expect(keccak256(pub).slice(-40)).toBe(GRANTOR.slice(2).toLowerCase());
  });
});

describe("buildSacdData", () => {
  it("builds the §6.3 data shape with checksummed addresses and privilege names", () => {
    expect(buildSacdData(INPUT)).toEqual({
      grantor: { address: GRANTOR },
      grantee: { address: GRANTEE },
      effectiveAt: "2025-01-01T00:00:00Z",
      expiresAt: "2026-01-01T12:30:45Z",
      asset: VEHICLE_DID,
      permissionTemplateId: "0",
      additionalDates: {},
      agreements: [
        {
          type: "permission",
          asset: VEHICLE_DID,
          permissions: [
            { name: "privilege:GetNonLocationHistory" },
            { name: "privilege:GetLocationHistory" },
          ],
          effectiveAt: "2025-01-01T00:00:00Z",
          expiresAt: "2026-01-01T12:30:45Z",
          attachments: [],
          extensions: {},
        },
      ],
    });
  });

  it("serializes keys in the documented order", () => {
    expect(Object.keys(buildSacdData(INPUT))).toEqual([
      "grantor",
      "grantee",
      "effectiveAt",
      "expiresAt",
      "asset",
      "permissionTemplateId",
      "additionalDates",
      "agreements",
    ]);
  });

  it("adds a cloudevent agreement per requested cloud event, checksumming the source and keeping *", () => {
    const data = buildSacdData({
      ...INPUT,
      cloudEvents: [
        { eventType: "dimo.attestation", source: "*", ids: ["*"], tags: ["*"] },
        { eventType: "dimo.attestation", source: GRANTEE.toLowerCase(), ids: ["a"], tags: ["t"] },
      ],
    });
    const agreements = data.agreements as Array<Record<string, unknown>>;
    expect(agreements).toHaveLength(3);
    expect(agreements[1]).toEqual({
      type: "cloudevent",
      asset: VEHICLE_DID,
      eventType: "dimo.attestation",
      source: "*",
      ids: ["*"],
      tags: ["*"],
      effectiveAt: "2025-01-01T00:00:00Z",
      expiresAt: "2026-01-01T12:30:45Z",
    });
    expect(agreements[2]?.source).toBe(GRANTEE);
  });

  it("rejects a malformed grantor, grantee or cloud-event source", () => {
    expect(() => buildSacdData({ ...INPUT, grantor: "0x1234" })).toThrow();
    expect(() => buildSacdData({ ...INPUT, grantee: "0x1234" })).toThrow();
    expect(() =>
      buildSacdData({ ...INPUT, cloudEvents: [{ eventType: "e", source: "nope", ids: ["*"], tags: ["*"] }] }),
    ).toThrow();
  });
});

describe("createSignedDocument", () => {
  it("writes a CloudEvent with the data embedded verbatim and the signature last", async () => {
    const data = buildSacdData(INPUT);
    const doc = await signedSacd(data);
    const dataText = JSON.stringify(data);
    const signature = await sign(dataText);
    expect(doc.text).toBe(
      `{"specversion":"1.0","id":"grant-1","source":"${GRANTOR}","type":"dimo.sacd","dataversion":"sacd/v1.0",` +
        `"time":"2025-01-01T00:00:00Z","data":${dataText},"signature":"${signature}"}`,
    );
    const parsed = JSON.parse(doc.text);
    expect(parsed.data).toEqual(data);
    expect(parsed.signature).toMatch(/^0x[0-9a-f]{130}$/);
  });

  it("signs the exact data text with EIP-191 by the grantor (checked with viem independently)", async () => {
    const doc = await signedSacd();
    const { signature } = JSON.parse(doc.text);
    expect(await verifyMessage({ address: GRANTOR, message: extractDataText(doc.text)!, signature })).toBe(
      true,
    );
  });

  it("uses the template dataversion for dimo.sacd.template", async () => {
    const doc = await createSignedDocument({
      type: "dimo.sacd.template",
      id: "t-1",
      source: GRANTOR,
      time: new Date("2025-01-01T00:00:00Z"),
      data: { owner: { address: GRANTOR }, agreements: [] },
      sign,
    });
    expect(JSON.parse(doc.text)).toMatchObject({
      type: "dimo.sacd.template",
      dataversion: "sacd-template/v1.0",
    });
  });

  it("gives the CID of the exact stored bytes", async () => {
    const doc = await signedSacd();
    expect(doc.cid).toBe(await cidOf(doc.text));
    expect(doc.cid).toBe(await cidOf(new TextEncoder().encode(doc.text)));
    expect(isDocumentCid(doc.cid)).toBe(true);
  });

  it("is deterministic: identical inputs give identical bytes and CID", async () => {
    const [a, b] = await Promise.all([signedSacd(), signedSacd()]);
    expect(a.text).toBe(b.text);
    expect(a.cid).toBe(b.cid);
  });
});

describe("verifySignedDocument", () => {
  it("verifies a freshly signed SACD document and reports grantor, grantee and data", async () => {
    const doc = await signedSacd();
    const verified = await verifySignedDocument(doc.text);
    expect(verified).toEqual({
      type: "dimo.sacd",
      grantor: GRANTOR,
      grantee: GRANTEE,
      data: buildSacdData(INPUT),
    });
  });

  it("verifies a template document against data.owner, with no grantee", async () => {
    const doc = await createSignedDocument({
      type: "dimo.sacd.template",
      id: "t-1",
      source: GRANTOR,
      time: new Date("2025-01-01T00:00:00Z"),
      data: {
        owner: { address: GRANTOR.toLowerCase() },
        agreements: [{ type: "permission", asset: "0x00" }],
      },
      sign,
    });
    const verified = await verifySignedDocument(doc.text);
    expect(verified.type).toBe("dimo.sacd.template");
    expect(verified.grantor).toBe(GRANTOR);
    expect(verified.grantee).toBeUndefined();
  });

  it("verifies data containing braces, brackets and escaped quotes inside strings", async () => {
    const data = { ...buildSacdData(INPUT), note: 'he said "}" and {"data": 1} \\ ]' };
    const doc = await signedSacd(data);
    expect((await verifySignedDocument(doc.text)).data).toEqual(data);
  });

  it("is not affected by changes outside data (only data is signed), though the CID changes", async () => {
    const doc = await signedSacd();
    const changed = doc.text.replace('"id":"grant-1"', '"id":"grant-2"');
    expect(changed).not.toBe(doc.text);
    await expect(verifySignedDocument(changed)).resolves.toMatchObject({ grantor: GRANTOR });
    expect(await cidOf(changed)).not.toBe(doc.cid);
  });

  describe("rejects tampering", () => {
    it("one byte of data changed (a privilege name)", async () => {
      const doc = await signedSacd();
      const i = doc.text.indexOf("GetLocationHistory");
      const tampered = replaceAt(doc.text, i, "X");
      expect(await verifyError(tampered)).toBe("invalid grant signature");
    });

    it("one byte of data changed (a digit of expiresAt)", async () => {
      const doc = await signedSacd();
      const i = doc.text.indexOf('"expiresAt":"2026') + '"expiresAt":"202'.length;
      expect(await verifyError(replaceAt(doc.text, i, "7"))).toBe("invalid grant signature");
    });

    it("the grantee swapped for another address", async () => {
      const doc = await signedSacd();
      const tampered = doc.text.replace(GRANTEE, other.address);
      expect(tampered).not.toBe(doc.text);
      expect(await verifyError(tampered)).toBe("invalid grant signature");
    });

    it("the data re-serialized with different whitespace (same JSON value)", async () => {
      const doc = await signedSacd();
      const pretty = JSON.stringify(JSON.parse(doc.text), null, 2);
      expect(JSON.parse(pretty)).toEqual(JSON.parse(doc.text));
      expect(await verifyError(pretty)).toBe("invalid grant signature");
    });

    it("one hex digit of the signature changed", async () => {
      const doc = await signedSacd();
      const { signature } = JSON.parse(doc.text) as { signature: string };
      for (const pos of [2, 40, 66, 100, 129]) {
        const c = signature[pos]!;
        const bad = signature.slice(0, pos) + (c === "0" ? "1" : "0") + signature.slice(pos + 1);
        expect(await verifyError(doc.text.replace(signature, bad))).toBe("invalid grant signature");
      }
    });

    it("the recovery byte (v) flipped", async () => {
      const doc = await signedSacd();
      const { signature } = JSON.parse(doc.text) as { signature: string };
      const v = signature.slice(-2);
      const bad = signature.slice(0, -2) + (v === "1b" ? "1c" : "1b");
      expect(await verifyError(doc.text.replace(signature, bad))).toBe("invalid grant signature");
    });

    it("signed by someone other than the named grantor", async () => {
      const doc = await signedSacd(buildSacdData(INPUT), (m) => other.signMessage({ message: m }));
      expect(await verifyError(doc.text)).toBe("invalid grant signature");
    });

    it("the grantor changed to the real signer of a document the grantor did not sign", async () => {
      // Signed by `other` while naming GRANTOR; rewriting the grantor breaks the signed bytes.
      const doc = await signedSacd(buildSacdData(INPUT), (m) => other.signMessage({ message: m }));
      expect(await verifyError(doc.text.replace(GRANTOR, other.address))).toBe("invalid grant signature");
    });
  });

  describe("rejects malformed documents", () => {
    it("non-JSON", async () => {
      expect(await verifyError("not json")).toBe("document is not JSON");
      expect(await verifyError("")).toBe("document is not JSON");
    });

    it("JSON that is not an object", async () => {
      for (const text of ["null", "[]", "42", '"dimo.sacd"', "true"]) {
        expect(await verifyError(text)).toMatch(/not a JSON object/);
      }
    });

    it("an unexpected type", async () => {
      const doc = await signedSacd();
      expect(await verifyError(doc.text.replace('"type":"dimo.sacd"', '"type":"dimo.other"'))).toBe(
        "unexpected document type",
      );
      expect(await verifyError('{"data":{}}')).toBe("unexpected document type");
    });

    it("no data, or data that is not an object", async () => {
      expect(await verifyError('{"type":"dimo.sacd","signature":"0x"}')).toBe("document has no data");
      for (const data of ["null", "[]", "1", '"x"']) {
        expect(await verifyError(`{"type":"dimo.sacd","data":${data},"signature":"0x"}`)).toBe(
          "document has no data",
        );
      }
    });

    it("two top-level data members (ambiguous: which one was signed?)", async () => {
      const doc = await signedSacd();
      const forged = JSON.stringify({ ...buildSacdData(INPUT), grantee: { address: other.address } });
      const ambiguous = doc.text.replace(/}$/, `,"data":${forged}}`);
      expect(JSON.parse(ambiguous).data.grantee.address).toBe(other.address); // what a naive reader sees
      expect(await verifyError(ambiguous)).toBe("document has no data");
    });

    it("data naming no signer", async () => {
      const doc = await signedSacd({ ...buildSacdData(INPUT), grantor: { address: "nobody" } });
      expect(await verifyError(doc.text)).toBe("document names no signer");
      const noGrantor = await signedSacd({ grantee: { address: GRANTEE } });
      expect(await verifyError(noGrantor.text)).toBe("document names no signer");
    });

    it("a template checked against owner, not grantor", async () => {
      const doc = await createSignedDocument({
        type: "dimo.sacd.template",
        id: "t",
        source: GRANTOR,
        time: new Date(0),
        data: { grantor: { address: GRANTOR } },
        sign,
      });
      expect(await verifyError(doc.text)).toBe("document names no signer");
    });

    it("a missing or malformed signature", async () => {
      const doc = await signedSacd();
      const { signature } = JSON.parse(doc.text) as { signature: string };
      expect(await verifyError(doc.text.replace(`,"signature":"${signature}"`, ""))).toBe(
        "invalid grant signature",
      );
      for (const bad of [
        "0x",
        signature.slice(0, -2),
        `${signature}00`,
        signature.slice(2),
        `0x${"z".repeat(130)}`,
      ]) {
        expect(await verifyError(doc.text.replace(signature, bad))).toBe("invalid grant signature");
      }
      expect(await verifyError(doc.text.replace(`"${signature}"`, "42"))).toBe("invalid grant signature");
    });
  });
});

describe("extractDataText", () => {
  it("returns exactly the embedded data text of a signed document", async () => {
    const data = buildSacdData(INPUT);
    const doc = await signedSacd(data);
    expect(extractDataText(doc.text)).toBe(JSON.stringify(data));
  });

  it("returns exactly the text for nested objects and strings with braces and escaped quotes", async () => {
    const data = {
      a: { b: { c: [1, { d: "}" }, "]", "{", "[[["] } },
      quote: 'say "hi" and \\"escaped\\"',
      tricky: '\\", "data": {"x":1}, "y": "',
      backslashEnd: "ends with a backslash \\",
      unicode: "é 😀 \u2028 \u0000",
      empty: {},
      list: [],
      nums: [0, -1.5e10, true, false, null],
    };
    const doc = await signedSacd(data);
    const text = extractDataText(doc.text);
    expect(text).toBe(JSON.stringify(data));
    expect(JSON.parse(text!)).toEqual(data);
  });

  it("cuts the raw bytes out without normalizing whitespace", () => {
    expect(extractDataText('{ "type" : "x" ,\n  "data" :  { "a" : [ 1 , 2 ] }  ,\n "z": 1 }')).toBe(
      '{ "a" : [ 1 , 2 ] }',
    );
  });

  it("finds the top-level data member, not a nested one or a string value", () => {
    expect(extractDataText('{"meta":{"data":"nested"},"x":"data","data":[1,2]}')).toBe("[1,2]");
    expect(extractDataText('{"x":"\\"data\\":{}","data":{"ok":true}}')).toBe('{"ok":true}');
  });

  it("handles strings ending in an escaped backslash before the data member", () => {
    expect(extractDataText('{"s":"\\\\","data":{"a":"\\\\"}}')).toBe('{"a":"\\\\"}');
  });

  it("returns scalar data text as written", () => {
    expect(extractDataText('{"data":42}')).toBe("42");
    expect(extractDataText('{"data":"str}"}')).toBe('"str}"');
    expect(extractDataText('{"data":null,"x":1}')).toBe("null");
    expect(extractDataText('{"data":-1.5e3 }')).toBe("-1.5e3");
  });

  it("matches a key spelled with escapes, as JSON.parse would", () => {
    expect(extractDataText('{"d\\u0061ta":{"a":1}}')).toBe('{"a":1}');
  });

  it("returns undefined when there is no top-level data member", () => {
    expect(extractDataText("{}")).toBeUndefined();
    expect(extractDataText('{"type":"dimo.sacd"}')).toBeUndefined();
    expect(extractDataText('{"meta":{"data":1}}')).toBeUndefined();
  });

  it("returns undefined for non-objects and malformed text", () => {
    for (const text of [
      "",
      "   ",
      "[]",
      '["data",{}]',
      '"data"',
      "null",
      '{"data"',
      '{"data":',
      '{"data":{"a":1}',
      '{"data":{"a":"unterminated}}',
      '{data:{"a":1}}',
      '{"a" 1,"data":{}}',
      '{"a":1 "data":{}}',
    ]) {
      expect(extractDataText(text), text).toBeUndefined();
    }
  });

  it("returns undefined when data appears twice at the top level", () => {
    expect(extractDataText('{"data":{"a":1},"data":{"a":2}}')).toBeUndefined();
  });
});

describe("CIDs", () => {
  const HELLO_CID = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq";

  it("gives the known CIDv1 raw sha2-256 of 'hello'", async () => {
    expect(await cidOf("hello")).toBe(HELLO_CID);
    expect(await cidOf(new TextEncoder().encode("hello"))).toBe(HELLO_CID);
  });

  it("matches an independent computation: 'b' + base32(0x01 0x55 0x12 0x20 ‖ sha256)", async () => {
    const base32 = (bytes: Uint8Array) => {
      const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
      let out = "";
      let bits = 0;
      let value = 0;
      for (const byte of bytes) {
        value = (value << 8) | byte;
        bits += 8;
        while (bits >= 5) {
          out += alphabet[(value >>> (bits - 5)) & 31];
          bits -= 5;
        }
      }
      if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
      return out;
    };
    for (const text of ["hello", "", '{"specversion":"1.0"}', "é😀".repeat(100)]) {
      const digest = createHash("sha256").update(text, "utf8").digest();
      const expected = `b${base32(Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), digest]))}`;
      expect(await cidOf(text)).toBe(expected);
    }
    expect(
      `b${base32(Buffer.concat([Buffer.from([1, 0x55, 0x12, 0x20]), createHash("sha256").update("hello").digest()]))}`,
    ).toBe(HELLO_CID);
  });

  it("is stable for identical bytes and differs for different bytes", async () => {
    expect(await cidOf("same bytes")).toBe(await cidOf("same bytes"));
    expect(await cidOf("hello")).not.toBe(await cidOf("hello "));
    expect(await cidOf("hello")).not.toBe(await cidOf("Hello"));
  });

  it("starts with bafkrei and is 59 characters", async () => {
    for (const text of ["", "hello", "x".repeat(10_000)]) {
      const cid = await cidOf(text);
      expect(cid.startsWith("bafkrei")).toBe(true);
      expect(cid).toHaveLength(59);
    }
  });

  it("isDocumentCid accepts what cidOf produces", async () => {
    expect(isDocumentCid(HELLO_CID)).toBe(true);
    expect(isDocumentCid(await cidOf("anything"))).toBe(true);
  });

  it("isDocumentCid rejects CIDv0", async () => {
    const v0 = CID.createV0(await sha256.digest(new TextEncoder().encode("hello"))).toString();
    expect(v0.startsWith("Qm")).toBe(true);
    expect(isDocumentCid(v0)).toBe(false);
  });

  it("isDocumentCid rejects other codecs, hashes and encodings of a CIDv1", async () => {
    const bytes = new TextEncoder().encode("hello");
    const dagPb = CID.create(1, 0x70, await sha256.digest(bytes)).toString();
    expect(dagPb.startsWith("bafybei")).toBe(true);
    expect(isDocumentCid(dagPb)).toBe(false);
    expect(isDocumentCid(CID.create(1, 0x0129, await sha256.digest(bytes)).toString())).toBe(false); // dag-json
    expect(isDocumentCid(CID.create(1, raw.code, identity.digest(bytes)).toString())).toBe(false);
    const cid = CID.parse(HELLO_CID);
    expect(
      isDocumentCid(cid.toString(await import("multiformats/bases/base58").then((m) => m.base58btc))),
    ).toBe(false);
    expect(isDocumentCid(HELLO_CID.toUpperCase())).toBe(false);
  });

  it("isDocumentCid rejects garbage", () => {
    for (const value of [
      "",
      "hello",
      "bafkrei",
      HELLO_CID.slice(0, -1),
      `${HELLO_CID}a`,
      ` ${HELLO_CID}`,
      `${HELLO_CID} `,
      `ipfs://${HELLO_CID}`,
      `/ipfs/${HELLO_CID}`,
      "0x1234",
      "b!!!!",
    ]) {
      expect(isDocumentCid(value), value).toBe(false);
    }
  });
});
