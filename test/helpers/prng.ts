/** Deterministic pseudo-random numbers for hostile-input tests, so a failure reproduces. */

/** xorshift32: the next unsigned 32-bit value each call. A seed of 0 is taken as 1. */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** `n` pseudo-random bytes from xorshift32(seed). */
export function randomBytes(n: number, seed: number): Buffer {
  const next = xorshift32(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = next() & 0xff;
  return b;
}
