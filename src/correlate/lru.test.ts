import { describe, expect, it } from 'vitest';
import { LruMap } from './lru.js';
import { Histogram, MAX_STATS_ROWS, OpStatsTable, OTHER_ROW, otherRowName, StatsBudget } from './histogram.js';

describe('LruMap', () => {
  it('evicts the least recently set or touched entry, reporting each eviction', () => {
    const ev: string[] = [];
    const m = new LruMap<string, number>(3, (k) => ev.push(k));
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    m.set('d', 4);
    expect(ev).toEqual(['a']);
    m.set('b', 20); // re-set refreshes b
    m.set('e', 5);
    expect(ev).toEqual(['a', 'c']);
    expect([...m.entries()].sort()).toEqual([['b', 20], ['d', 4], ['e', 5]]);
    expect(m.evicted).toBe(2);
  });

  it('touch keeps an entry that aged by half the capacity', () => {
    const m = new LruMap<number, number>(4);
    m.set(0, 0);
    m.set(1, 1);
    m.set(2, 2);
    m.set(3, 3);
    m.touch(0); // aged 3 > 2: refreshed
    m.set(4, 4);
    expect(m.has(0)).toBe(true);
    expect(m.has(1)).toBe(false);
  });

  it('stays bounded (map and queue) through a million set/delete cycles', () => {
    const m = new LruMap<string, number>(100);
    for (let i = 0; i < 1_000_000; i++) {
      m.set(`k${i}`, i);
      if (i % 2 === 0) m.delete(`k${i}`);
    }
    expect(m.size).toBe(100);
    const inner = (m as unknown as { qIds: Int32Array; qLen: number; qHead: number; keys: unknown[] });
    expect(inner.qLen - inner.qHead).toBeLessThanOrEqual(2 * 100 + 1024 + 1);
    expect(inner.qIds.length).toBeLessThanOrEqual(4 * 1024);
    // ids of removed entries are reused: the columns stay within the cap (+1 while trimming)
    expect(inner.keys.length).toBeLessThanOrEqual(101);
  });
});

describe('Histogram', () => {
  it('exact count/min/max/mean, percentiles within 2%', () => {
    const h = new Histogram();
    for (let i = 1; i <= 10_000; i++) h.add(i / 10_000); // 0.0001 .. 1 s
    const s = h.summary();
    expect(s.count).toBe(10_000);
    expect(s.min).toBeCloseTo(0.0001, 10);
    expect(s.max).toBe(1);
    expect(s.mean).toBeCloseTo(0.50005, 6);
    expect(Math.abs(s.p50 - 0.5) / 0.5).toBeLessThan(0.02);
    expect(Math.abs(s.p99 - 0.99) / 0.99).toBeLessThan(0.02);
  });

  it('zeros and negative values (clock steps) count as zero; NaN is ignored', () => {
    const h = new Histogram();
    h.add(0);
    h.add(-1);
    h.add(Number.NaN);
    expect(h.summary()).toEqual({ count: 2, min: 0, mean: 0, p50: 0, p99: 0, max: 0 });
  });
});

describe('OpStatsTable', () => {
  it('keeps at most MAX_STATS_ROWS names; later new names share one row', () => {
    const t = new OpStatsTable();
    t.get('COMPOUND').calls++;
    for (let i = 0; i < 5000; i++) t.get(`prog ${i} v1 proc 0`).calls++;
    expect(t.size).toBe(MAX_STATS_ROWS + 1);
    expect(t.get('COMPOUND').calls).toBe(1);
    expect(t.get(OTHER_ROW).calls).toBe(5000 - (MAX_STATS_ROWS - 1));
    expect(t.get('prog 4999 v1 proc 0')).toBe(t.get(OTHER_ROW));
  });

  it('tables sharing a budget: rows beyond it go to each table\'s other row, free of charge', () => {
    const budget = new StatsBudget(3, 1 << 20);
    const a = new OpStatsTable(2, budget);
    const b = new OpStatsTable(2, budget);
    for (const n of ['A1', 'A2', 'A3']) a.get(n).calls++;
    for (const n of ['B1', 'B2']) b.get(n).calls++;
    // a: two rows (its own cap), then other; b: one row left in the budget, then other
    expect([...a.entries()].map(([n, r]) => [n, r.calls])).toEqual([['A1', 1], ['A2', 1], [otherRowName(2), 1]]);
    expect([...b.entries()].map(([n, r]) => [n, r.calls])).toEqual([['B1', 1], [otherRowName(2), 1]]);
    expect(budget.rows).toBe(0);
  });

  it('a histogram the counter budget cannot widen gives no percentiles; counts, min, max, mean stay exact', () => {
    const budget = new StatsBudget(10, 64);
    const t = new OpStatsTable(10, budget);
    const r = t.get('READ');
    r.add(0.001);
    r.add(0.0011); // within the first 64 counters
    expect(r.summary().p50).toBeCloseTo(0.001, 4);
    expect(budget.counters).toBe(0);
    r.add(100); // far outside the first 64 counters
    const s = r.summary();
    expect([s.count, s.min, s.max]).toEqual([3, 0.001, 100]);
    expect(s.mean).toBeCloseTo((0.001 + 0.0011 + 100) / 3, 9);
    expect(Number.isNaN(s.p50) && Number.isNaN(s.p99)).toBe(true);
    // another row gets no counters at all
    const w = t.get('WRITE');
    w.add(0.5);
    expect(Number.isNaN(w.summary().p50)).toBe(true);
    expect(w.summary().count).toBe(1);
  });
});
