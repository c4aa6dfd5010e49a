import { describe, expect, it } from 'vitest';
import { DropCounter, MAX_REASONS, OTHER_REASONS } from './stats.js';

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

  it('keeps at most MAX_REASONS reasons; later new ones are counted together', () => {
    const d = new DropCounter();
    d.add('TCP segment without payload', 5);
    for (let i = 0; i < 100_000; i++) d.add(`msg_type ${i + 2} is neither CALL (0) nor REPLY (1)`);
    d.add('TCP segment without payload');
    expect(d.entries()).toHaveLength(MAX_REASONS + 1);
    expect(d.get('TCP segment without payload')).toBe(6);
    expect(d.get(OTHER_REASONS)).toBe(100_000 - (MAX_REASONS - 1));
    expect(d.total()).toBe(100_006);
  });
});
