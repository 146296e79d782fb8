import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { recoverMessageAddress } from "viem/utils";
import { type Address, checksumAddress, isHexAddress } from "./address.ts";
import { type PrivilegeId, privilegeName } from "./privileges.ts";

/**
 * Signed SACD consent documents (auth-and-tokens.md §6.3): a `dimo.sacd` CloudEvent whose `data`
 * is serialized once, signed with EIP-191 by the grantor, and embedded verbatim, so verifiers cut
 * the exact signed text out of the stored bytes instead of re-serializing.
 */
export interface CloudEventAgreementInput {
  eventType: string;
  source: string;
  ids: string[];
  tags: string[];
}

export interface SacdDataInput {
  grantor: Address;
  grantee: Address;
  assetDid: string;
  privileges: PrivilegeId[];
  effectiveAt: Date;
  expiresAt: Date;
  templateId: string;
  cloudEvents?: CloudEventAgreementInput[];
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function buildSacdData(input: SacdDataInput): Record<string, unknown> {
  const effectiveAt = iso(input.effectiveAt);
  const expiresAt = iso(input.expiresAt);
  const agreements: Record<string, unknown>[] = [
    {
      type: "permission",
      asset: input.assetDid,
      permissions: input.privileges.map((id) => ({ name: privilegeName(id) })),
      effectiveAt,
      expiresAt,
      attachments: [],
      extensions: {},
    },
  ];
  for (const ce of input.cloudEvents ?? []) {
    agreements.push({
      type: "cloudevent",
      asset: input.assetDid,
      eventType: ce.eventType,
      source: ce.source === "*" ? "*" : checksumAddress(ce.source),
      ids: ce.ids,
      tags: ce.tags,
      effectiveAt,
      expiresAt,
    });
  }
  return {
    grantor: { address: checksumAddress(input.grantor) },
    grantee: { address: checksumAddress(input.grantee) },
    effectiveAt,
    expiresAt,
    asset: input.assetDid,
    permissionTemplateId: input.templateId,
    additionalDates: {},
    agreements,
  };
}

export interface SignedDocument {
  /** The exact stored bytes, as UTF-8 text. */
  text: string;
  cid: string;
}

export type MessageSigner = (message: string) => Promise<`0x${string}`>;

export async function createSignedDocument(args: {
  type: "dimo.sacd" | "dimo.sacd.template";
  id: string;
  source: string;
  time: Date;
  data: Record<string, unknown>;
  sign: MessageSigner;
}): Promise<SignedDocument> {
  const dataText = JSON.stringify(args.data);
  const signature = await args.sign(dataText);
  const head = JSON.stringify({
    specversion: "1.0",
    id: args.id,
    source: args.source,
    type: args.type,
    dataversion: args.type === "dimo.sacd" ? "sacd/v1.0" : "sacd-template/v1.0",
    time: iso(args.time),
  });
  const text = `${head.slice(0, -1)},"data":${dataText},"signature":${JSON.stringify(signature)}}`;
  return { text, cid: await cidOf(text) };
}

/** CIDv1, codec raw, sha2-256 over the bytes: what an IPFS node gives the same bytes as one raw block. */
export async function cidOf(text: string | Uint8Array): Promise<string> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return CID.create(1, raw.code, await sha256.digest(bytes)).toString();
}

/** True for a string that parses as a CIDv1 raw/sha2-256 (the only kind Keyfob stores). */
export function isDocumentCid(value: string): boolean {
  try {
    const cid = CID.parse(value);
    return (
      cid.version === 1 &&
      cid.code === raw.code &&
      cid.multihash.code === sha256.code &&
      cid.toString() === value
    );
  } catch {
    return false;
  }
}

/**
 * The raw text of the top-level `data` member of a JSON object, or undefined. A small scanner
 * rather than JSON.parse + stringify, because the signature covers the bytes as stored.
 * A document with two top-level `data` members is ambiguous (JSON.parse keeps the last one, a
 * scanner stopping early would verify the first), so it yields undefined.
 */
export function extractDataText(text: string): string | undefined {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && /\s/.test(text[i]!)) i++;
  };
  const skipString = () => {
    i++; // opening quote
    while (i < n) {
      const c = text[i]!;
      if (c === "\\") i += 2;
      else if (c === '"') {
        i++;
        return;
      } else i++;
    }
    throw new Error("unterminated string");
  };
  const skipValue = () => {
    ws();
    const c = text[i];
    if (c === '"') return skipString();
    if (c === "{" || c === "[") {
      let depth = 0;
      while (i < n) {
        const d = text[i]!;
        if (d === '"') {
          skipString();
          continue;
        }
        if (d === "{" || d === "[") depth++;
        else if (d === "}" || d === "]") {
          depth--;
          if (depth === 0) {
            i++;
            return;
          }
        }
        i++;
      }
      throw new Error("unterminated value");
    }
    while (i < n && !/[,}\]\s]/.test(text[i]!)) i++;
  };
  try {
    let found: string | undefined;
    ws();
    if (text[i] !== "{") return undefined;
    i++;
    for (;;) {
      ws();
      if (text[i] === "}") return found;
      if (text[i] !== '"') return undefined;
      const keyStart = i;
      skipString();
      const key = JSON.parse(text.slice(keyStart, i)) as string;
      ws();
      if (text[i] !== ":") return undefined;
      i++;
      ws();
      const valueStart = i;
      skipValue();
      if (key === "data") {
        if (found !== undefined) return undefined;
        found = text.slice(valueStart, i);
      }
      ws();
      if (text[i] === ",") i++;
      else if (text[i] === "}") return found;
      else return undefined;
    }
  } catch {
    return undefined;
  }
}

export interface VerifiedDocument {
  type: string;
  grantor: Address;
  grantee?: Address;
  data: Record<string, unknown>;
}

export class DocumentVerificationError extends Error {}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks type, structure and that `signature` recovers to data.grantor.address (or data.owner.address). */
export async function verifySignedDocument(text: string): Promise<VerifiedDocument> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DocumentVerificationError("document is not JSON");
  }
  if (!isPlainObject(parsed)) throw new DocumentVerificationError("document is not a JSON object");
  const doc = parsed;
  const type = doc.type;
  if (type !== "dimo.sacd" && type !== "dimo.sacd.template")
    throw new DocumentVerificationError("unexpected document type");
  const dataText = extractDataText(text);
  if (!dataText) throw new DocumentVerificationError("document has no data");
  const data: unknown = JSON.parse(dataText);
  if (!isPlainObject(data)) throw new DocumentVerificationError("document has no data");
  const signerField = (type === "dimo.sacd" ? data.grantor : data.owner) as { address?: unknown } | undefined;
  if (!signerField || !isHexAddress(signerField.address))
    throw new DocumentVerificationError("document names no signer");
  const signature = doc.signature;
  if (typeof signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new DocumentVerificationError("invalid grant signature");
  }
  let recovered: string;
  try {
    recovered = await recoverMessageAddress({ message: dataText, signature: signature as `0x${string}` });
  } catch {
    throw new DocumentVerificationError("invalid grant signature");
  }
  if (recovered.toLowerCase() !== signerField.address.toLowerCase())
    throw new DocumentVerificationError("invalid grant signature");
  const grantee = (data.grantee as { address?: unknown } | undefined)?.address;
  return {
    type,
    grantor: checksumAddress(signerField.address),
    grantee: isHexAddress(grantee) ? checksumAddress(grantee) : undefined,
    data,
  };
}
