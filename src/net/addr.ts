/** Printable IP addresses, formatted as Wireshark prints them. */

/**
 * Recently formatted IPv4 addresses, direct-mapped by a hash of the address: captures hold
 * few hosts, and building a string per packet (or a Map lookup) costs more than this probe.
 * Keys are the address as a signed 32-bit integer (a small integer for V8, never a heap number).
 */
const V4_CACHE_BITS = 12;
const V4_CACHE_MASK = (1 << V4_CACHE_BITS) - 1;
const v4Keys = new Int32Array(1 << V4_CACHE_BITS);
const v4Strings: Array<string | undefined> = new Array<string | undefined>(1 << V4_CACHE_BITS).fill(undefined);

/** Dotted quad of the 4 bytes at `off`. */
export function ipv4String(b: Uint8Array, off: number): string {
  const key = (b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
  const slot = (Math.imul(key, 0x9e3779b1) >>> (32 - V4_CACHE_BITS)) & V4_CACHE_MASK;
  const cached = v4Strings[slot];
  if (cached !== undefined && v4Keys[slot] === key) return cached;
  const s = `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
  v4Keys[slot] = key;
  v4Strings[slot] = s;
  return s;
}

/**
 * RFC 5952 text of the 16 bytes at `off`, as glibc's inet_ntop (which Wireshark uses) writes
 * it: lowercase, no leading zeros, the longest run (first on ties) of two or more zero groups
 * as '::', and a trailing dotted quad for IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible
 * (::a.b.c.d) addresses.
 */
export function ipv6String(b: Uint8Array, off: number): string {
  const w: number[] = new Array<number>(8);
  for (let i = 0; i < 8; i++) w[i] = (b[off + 2 * i] << 8) | b[off + 2 * i + 1];
  let bestStart = -1;
  let bestLen = 0;
  let curStart = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curStart < 0) {
        curStart = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestStart = curStart;
        bestLen = curLen;
      }
    } else curStart = -1;
  }
  if (bestLen < 2) bestStart = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s.length > 0 && !s.endsWith(':')) s += ':';
    if (i === 6 && bestStart === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      s += `${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
      break;
    }
    s += w[i].toString(16);
  }
  return s;
}
