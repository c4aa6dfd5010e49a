/**
 * Hex text of small byte strings (filehandles, session ids, stateid `other`s), memoised in a
 * direct-mapped table keyed by an FNV-1a hash of the bytes. Traffic names the same few
 * objects over and over: a hit returns the very same string (no building, and its hash is
 * already computed for the Map lookups that follow). Bounded: TABLE_SIZE entries of at most
 * MAX_CACHED_BYTES bytes each; longer inputs are converted every time.
 */
const TABLE_SIZE = 4096;
const MAX_CACHED_BYTES = 128;

const keys: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(TABLE_SIZE).fill(undefined);
const hexes: string[] = new Array<string>(TABLE_SIZE).fill('');

function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

/** FNV-1a 32-bit of bytes. */
export function fnv32(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

/** Lowercase hex of `b` (same text as bytesToHex). */
export function hexOf(b: Uint8Array): string {
  return b.length > MAX_CACHED_BYTES ? toHex(b) : hexOfHashed(b, fnv32(b));
}

/** hexOf() for a caller that already has fnv32(b). */
export function hexOfHashed(b: Uint8Array, hash: number): string {
  const n = b.length;
  if (n > MAX_CACHED_BYTES) return toHex(b);
  const slot = hash & (TABLE_SIZE - 1);
  const k = keys[slot];
  if (k !== undefined && k.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (k[i] !== b[i]) {
        same = false;
        break;
      }
    }
    if (same) return hexes[slot];
  }
  const hex = toHex(b);
  // A copy: the bytes are a view of a capture read buffer, reused or pinned otherwise.
  keys[slot] = Uint8Array.from(b);
  hexes[slot] = hex;
  return hex;
}
