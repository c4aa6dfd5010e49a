/**
 * tree.ts helpers with a fast path that must equal the plain formula everywhere.
 */
import { describe, expect, it } from 'vitest';
import { arrivalDate, bitmapText } from './tree.js';

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

describe('bitmapText', () => {
  it('names the bits of real bitmaps', () => {
    expect(bitmapText('GET_DIR_DELEGATION', 'gdda_notification_types', [0x18])).toBe('0x00000018 (NOTIFY4_ADD_ENTRY, NOTIFY4_RENAME_ENTRY)');
    expect(bitmapText('GETATTR', 'attr_request', [1048594, 2097154])).toBe('0x00100012 0x00200002 (type, size, fileid, mode, time_modify)');
  });
  it('bounds the text of a hostile one: eight words and 128 names shown, the rest counted', () => {
    const text = bitmapText('GET_DIR_DELEGATION', 'gdda_notification_types', new Array<number>(262_144).fill(0xffffffff))!;
    expect(text.length).toBeLessThan(4000);
    expect(text).toMatch(/^(0xffffffff ){7}0xffffffff… \(262144 words\) \(NOTIFY4_CHANGE_CHILD_ATTRS, /);
    expect(text).toContain(', NOTIFY4_127, … 8388480 more)');
  });
});
