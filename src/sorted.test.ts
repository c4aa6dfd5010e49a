import { describe, expect, it } from 'vitest';
import { insertionPoint } from './sorted.js';

describe('insertionPoint', () => {
  it('is where an element goes after the equal ones, for every key and list length', () => {
    for (let n = 0; n < 12; n++) {
      const keys = Array.from({ length: n }, (_v, i) => Math.floor(i / 2) * 10);
      for (let key = -5; key <= 65; key += 5) {
        let expected = 0;
        while (expected < n && keys[expected] <= key) expected++;
        expect(insertionPoint(n, (i) => keys[i], key)).toBe(expected);
      }
    }
  });
});
