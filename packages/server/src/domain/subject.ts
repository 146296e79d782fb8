/**
 * The dex-style JWT `sub`: base64url (no padding) of the protobuf message
 * `IDTokenSubject { string user_id = 1; string conn_id = 2; }` (auth-and-tokens.md §3.4).
 */
export interface TokenSubject {
  userId: string;
  connId: string;
}

function encodeVarint(n: number, out: number[]): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

function encodeStringField(field: number, value: string, out: number[]): void {
  const bytes = Buffer.from(value, "utf8");
  out.push((field << 3) | 2);
  encodeVarint(bytes.length, out);
  out.push(...bytes);
}

export function encodeSubject(subject: TokenSubject): string {
  const out: number[] = [];
  encodeStringField(1, subject.userId, out);
  encodeStringField(2, subject.connId, out);
  return Buffer.from(out).toString("base64url");
}

export class SubjectDecodeError extends Error {}

/** General decoder: varint lengths, any field order, unknown fields skipped. */
export function decodeSubject(sub: string): TokenSubject {
  // A single base64 character left over (length ≡ 1 mod 4) encodes no byte: not valid base64.
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(sub) || sub.replace(/=+$/, "").length % 4 === 1) {
    throw new SubjectDecodeError("failed to decode subject");
  }
  const bytes = Buffer.from(sub, "base64url");
  let pos = 0;
  // Protobuf varints are up to 10 bytes (64 bits). Computed with float arithmetic, exact up to
  // 2^53 — far beyond any length that fits in the buffer — so a huge length is never truncated
  // into a small one, and 64-bit unknown varint fields can be skipped.
  const readVarint = (): number => {
    let result = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) break;
      const b = bytes[pos++]!;
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    throw new SubjectDecodeError("failed to parse subject");
  };
  const subject: TokenSubject = { userId: "", connId: "" };
  while (pos < bytes.length) {
    const key = readVarint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) throw new SubjectDecodeError("failed to parse subject"); // 0 is not a field number
    if (wire === 2) {
      const len = readVarint();
      if (pos + len > bytes.length) throw new SubjectDecodeError("failed to parse subject");
      const value = bytes.subarray(pos, pos + len).toString("utf8");
      pos += len;
      if (field === 1) subject.userId = value;
      else if (field === 2) subject.connId = value;
    } else if (wire === 0) {
      readVarint();
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new SubjectDecodeError("failed to parse subject");
    }
    if (pos > bytes.length) throw new SubjectDecodeError("failed to parse subject");
  }
  return subject;
}
