import { describe, expect, it } from 'vitest';
import { DropCounter } from './stats.js';

describe('DropCounter', () => {
  it('counts per reason through runs and alternations, corrections included', () => {
    const d = new DropCounter();
    const expected = new Map<string, number>();
    const reasons = ['TCP segment without payload', 'TCP retransmission', 'not IP', 'b', 'a'];
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const r = reasons[x % reasons.length];
      const n = x % 7 === 0 ? -1 : 1 + (x % 3);
      d.add(r, n);
      expected.set(r, (expected.get(r) ?? 0) + n);
    }
    for (const r of reasons) expect(d.get(r)).toBe(expected.get(r));
    expect(d.get('never seen')).toBe(0);
    expect(d.total()).toBe([...expected.values()].reduce((s, v) => s + v, 0));
    const sorted = [...expected.entries()].sort((p, q) => q[1] - p[1] || p[0].localeCompare(q[0]));
    expect(d.entries()).toEqual(sorted);
  });

  it('orders equal counts by reason', () => {
    const d = new DropCounter();
    d.add('z');
    d.add('a');
    d.add('m', 2);
    expect(d.entries()).toEqual([['m', 2], ['a', 1], ['z', 1]]);
  });
});
