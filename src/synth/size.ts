/** Sizes given on the command line (kept apart so that the command line loads it alone). */

/**
 * Parses a count or size for --packets / --bytes: a non-negative integer with an optional
 * k/M/G suffix (powers of 1024 for bytes-like use: "1G" = 1073741824) or an exponent
 * ("1e6"). Returns null for anything else.
 */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kKmMgG]?)i?[bB]?\s*$/.exec(text);
  if (!m) return null;
  const base = Number(m[1]);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  const v = Math.round(base * mult);
  return Number.isSafeInteger(v) && v >= 0 ? v : null;
}
