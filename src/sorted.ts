/**
 * Binary search in a list sorted by a numeric key: the index of the first element whose key
 * is greater than `key` (the list's length if none), i.e. where an element with `key` goes
 * after those equal to it. `keyAt(i)` gives element i's key.
 */
export function insertionPoint(length: number, keyAt: (i: number) => number, key: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyAt(mid) > key) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
