/**
 * Deterministic randomness for the simulator: a seeded generator (sfc32) for sequential choices,
 * and a stateless hash for values keyed by position or time (so that a value at time t is the same
 * however the simulation was stepped to t). No Math.random anywhere.
 */

const TWO_32 = 4294967296;

/** The murmur3 finalizer: a well-mixed uint32 from a uint32. */
function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function step(h: number, k: number): number {
  let x = Math.imul(k >>> 0, 0xcc9e2d51);
  x = (x << 15) | (x >>> 17);
  x = Math.imul(x, 0x1b873593);
  let y = (h ^ x) >>> 0;
  y = (y << 13) | (y >>> 19);
  return (Math.imul(y, 5) + 0xe6546b64) >>> 0;
}

/** A uint32 from a string (cyrb53's mixing, folded to 32 bits). */
export function hashString(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  return h1 >>> 0;
}

/** Mixes a number (any integer up to ±2^53, or a finite float by its integer part) into a hash. */
export function mix(h: number, value: number): number {
  const v = Math.trunc(value);
  const hi = Math.floor(v / TWO_32);
  const lo = v - hi * TWO_32;
  return fmix32(step(step(h, lo), hi));
}

/** A uint32 hash of a key sequence. */
export function hash(a: number, b = 0, c = 0, d = 0): number {
  return mix(mix(mix(mix(0x9747b28c, a), b), c), d);
}

/** A number in [0, 1) from a key sequence. */
export function unit(a: number, b = 0, c = 0, d = 0): number {
  return hash(a, b, c, d) / TWO_32;
}

/**
 * Smooth value noise in [0, 1): random values at the integers of x, eased between them. A pure
 * function of (key, x).
 */
export function smoothNoise(key: number, x: number): number {
  const i = Math.floor(x);
  const f = x - i;
  const e = f * f * (3 - 2 * f);
  const a = unit(key, i);
  const b = unit(key, i + 1);
  return a + (b - a) * e;
}

/** A seed given as a number or any string, as a uint32. */
export function seedOf(seed: number | string): number {
  if (typeof seed === "number" && Number.isInteger(seed) && seed >= 0 && seed < TWO_32) return seed;
  return hashString(String(seed));
}

/** sfc32: a small, fast generator with a 128-bit state; seeded through the hash above. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = hash(seed, 1);
    this.b = hash(seed, 2);
    this.c = hash(seed, 3);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** [0, 1). */
  next(): number {
    return this.nextUint32() / TWO_32;
  }

  /** [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[Math.floor(this.next() * items.length)]!;
  }
}
