import { describe, expect, it } from 'vitest';
import { PendingTable } from './pending-table.js';

describe('PendingTable', () => {
  it('behaves like an insertion-ordered Map under random set/delete/oldest (numeric and string keys)', () => {
    const t = new PendingTable<number>();
    const model = new Map<number | string, number>();
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const keyOf = (i: number): number | string => (i % 50 === 0 ? `s${i}` : i * 0x200000000 + (i % 7) * 0x100000000 + ((i * 2654435761) >>> 0));
    for (let step = 0; step < 200_000; step++) {
      const r = rnd(10);
      const k = keyOf(rnd(3000));
      if (r < 5) {
        if (!model.has(k)) {
          model.set(k, step);
          t.set(k, step);
        }
      } else if (r < 9) {
        expect(t.delete(k)).toBe(model.delete(k));
      } else {
        const o = t.oldest();
        const first = model.entries().next();
        if (first.done === true) expect(o).toBeUndefined();
        else {
          expect(o?.key).toBe(first.value[0]);
          expect(o?.value).toBe(first.value[1]);
        }
      }
      expect(t.size).toBe(model.size);
      expect(t.get(k)).toBe(model.get(k));
      expect(t.has(k)).toBe(model.has(k));
    }
    expect([...t.values()]).toEqual([...model.values()]);
  });

  it('setting a waiting key again replaces its value', () => {
    const t = new PendingTable<string>();
    t.set(5, 'a');
    t.set(6, 'b');
    t.set(5, 'c');
    expect(t.size).toBe(2);
    expect(t.get(5)).toBe('c');
    expect([...t.values()]).toEqual(['b', 'c']);
  });

  it('keeps its queue bounded while one call stays unanswered and many come and go', () => {
    const t = new PendingTable<number>();
    t.set(1, 1);
    for (let i = 2; i < 100_000; i++) {
      t.set(i, i);
      t.delete(i);
    }
    expect(t.size).toBe(1);
    const q = (t as unknown as { queue: unknown[] }).queue;
    expect(q.length).toBeLessThan(5000);
    expect(t.oldest()?.key).toBe(1);
  });
});
