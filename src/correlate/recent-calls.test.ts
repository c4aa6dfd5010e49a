import { describe, expect, it } from 'vitest';
import { RecentCalls } from './recent-calls.js';

const NONE: string[] = [];

function putCall(r: RecentCalls<{ n: number }>, n: number, key: number | string = n): number {
  return r.put({ n }, key, n, `c${n}`, 's', 'OPEN', n, n / 10, n % 2 === 0 ? 'sess' : undefined, n, n + 1, `fh${n}`, n % 3 === 0 ? ['x', `y${n}`] : NONE);
}

describe('RecentCalls', () => {
  it('keeps the newest `capacity` calls, newest first by at(k), past the initial column length', () => {
    const r = new RecentCalls<{ n: number }>(1000);
    for (let n = 0; n < 2500; n++) putCall(r, n);
    expect(r.count).toBe(1000);
    for (let k = 0; k < 1000; k++) {
      const i = r.at(k);
      const n = 2499 - k;
      expect(r.obj[i]?.n).toBe(n);
      expect(r.callTime[i]).toBe(n / 10);
      expect(r.callFrame[i]).toBe(n);
      expect(r.xid[i]).toBe(n);
      expect(r.slot[i]).toBe(n);
      expect(r.seq[i]).toBe(n + 1);
      expect(r.client[i]).toBe(`c${n}`);
      expect(r.sid[i]).toBe(n % 2 === 0 ? 'sess' : undefined);
      expect(Number.isNaN(r.replyTime[i])).toBe(true);
      expect(Number.isNaN(r.replyFrame[i])).toBe(true);
      expect(r.key(i)).toBe(n);
      expect(r.touches(i, `fh${n}`)).toBe(true);
      expect(r.touches(i, `y${n}`)).toBe(n % 3 === 0);
      expect(r.touches(i, 'nothing')).toBe(false);
    }
  });

  it('tells whether a position still holds the call that was put there', () => {
    const r = new RecentCalls<{ n: number }>(4);
    const i = putCall(r, 1);
    const ticket = r.ticket();
    expect(r.holds(i, ticket)).toBe(true);
    for (let n = 2; n <= 4; n++) putCall(r, n);
    expect(r.holds(i, ticket)).toBe(true);
    putCall(r, 5); // takes position i
    expect(r.holds(i, ticket)).toBe(false);
    expect(r.holds(-1, ticket)).toBe(false);
  });

  it('keeps string keys and unsigned 32-bit slot numbers exactly', () => {
    const r = new RecentCalls<{ n: number }>(8);
    const i = putCall(r, 3, '123456789:ab:7');
    expect(r.key(i)).toBe('123456789:ab:7');
    const j = r.put(undefined, 2 ** 40 + 5, -5, '', '', 'COMPOUND', 0, 0, undefined, 0xfffffff0, 0xffffffff, undefined, NONE);
    expect(r.key(j)).toBe(2 ** 40 + 5);
    expect(r.slot[j]).toBe(0xfffffff0);
    expect(r.seq[j]).toBe(0xffffffff);
    expect(r.xid[j]).toBe(-5);
  });

  it('holds nothing with a capacity of 0', () => {
    const r = new RecentCalls<{ n: number }>(0);
    const i = putCall(r, 1);
    expect(i).toBe(-1);
    expect(r.count).toBe(0);
    expect(r.holds(i, r.ticket())).toBe(false);
  });
});
