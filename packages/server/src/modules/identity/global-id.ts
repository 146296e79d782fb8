/**
 * Node ids as the official API builds them: `<prefix>_` + base64(msgpack([tokenId])) with compact
 * integers, e.g. vehicle 2 → `V_kQI=`. Clients treat them as opaque.
 */
export function globalTokenId(prefix: string, tokenId: number): string {
  return `${prefix}_${Buffer.from([0x91, ...msgpackUint(tokenId)]).toString("base64")}`;
}

function msgpackUint(n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`token id out of range: ${n}`);
  if (n < 0x80) return [n];
  if (n <= 0xff) return [0xcc, n];
  if (n <= 0xffff) return [0xcd, n >> 8, n & 0xff];
  if (n <= 0xffffffff) return [0xce, ...bytes(n, 4)];
  return [0xcf, ...bytes(n, 8)];
}

function bytes(n: number, width: number): number[] {
  const out: number[] = [];
  let rest = BigInt(n);
  for (let i = 0; i < width; i++) {
    out.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  }
  return out;
}
