/**
 * tree.ts helpers with a fast path that must equal the plain formula everywhere.
 */
import { describe, expect, it } from 'vitest';
import { arrivalDate } from './tree.js';

/** The plain formula arrivalDate must equal. */
function reference(sec: number): string {
  const d = new Date(sec * 1000);
  return Number.isNaN(d.getTime()) ? String(sec) : d.toISOString().slice(0, 19).replace('T', ' ');
}

describe('arrivalDate', () => {
  it('equals the Date formula at day, leap-year and range edges', () => {
    const edges = [
      0, 1, 59, 60, 3599, 3600, 86399, 86400, 951782399, 951782400, 951868799, 951868800, 1700000000, 1795787760,
      4102444799, 253402300799, 253402300800, 253402300801, -1, -86400, -86401, 1.5, 1700000000.999, NaN, Infinity,
      -Infinity, 8.64e12, 8.64e12 + 1, Number.MAX_SAFE_INTEGER,
    ];
    for (const sec of edges) expect(arrivalDate(sec), String(sec)).toBe(reference(sec));
  });

  it('equals the Date formula on seconds spread over 1970..9999, in and out of order', () => {
    // A fixed linear congruential sequence: reproducible, and it jumps between days.
    let x = 12345;
    for (let i = 0; i < 20000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const sec = Math.floor((x / 2147483648) * 253402300800);
      expect(arrivalDate(sec)).toBe(reference(sec));
      // The next second (same day mostly) after it.
      expect(arrivalDate(sec + 1)).toBe(reference(sec + 1));
    }
  });
});
