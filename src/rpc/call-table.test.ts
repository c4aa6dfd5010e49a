import { describe, expect, it } from 'vitest';
import type { ConnectionKey } from '../tcp/types.js';
import { CallTable } from './call-table.js';
import { xorshift32 } from '../../test/helpers/prng.js';

const conn: ConnectionKey = { id: 1, a: 'a:1', b: 'b:2', transport: 'tcp' };

const prng = xorshift32;

interface Ref {
  k1: number;
  k2: number;
  prog: number;
  frame: number;
  answered: boolean;
}

describe('CallTable', () => {
  it('agrees with a Map-based reference under random churn (growth, deletion, answer order)', () => {
    const rnd = prng(99);
    const t = new CallTable();
    const ref = new Map<string, Ref>();
    const pendingOrder: Ref[] = [];
    const answeredOrder: Ref[] = [];
    const key = (k1: number, k2: number) => `${k1}/${k2}`;
    for (let step = 0; step < 30000; step++) {
      const op = rnd() % 10;
      // Small key space so that finds hit, collide and reuse keys.
      const k1 = rnd() % 16;
      const k2 = (rnd() % 3000) * 0x10001;
      const r = ref.get(key(k1, k2));
      const id = t.find(k1, k2);
      expect(id >= 0, `step ${step} find`).toBe(r !== undefined);
      if (r !== undefined) {
        expect(t.program(id)).toBe(r.prog);
        expect(t.frame(id)).toBe(r.frame);
        expect(t.isAnswered(id)).toBe(r.answered);
      }
      if (op < 5 && r === undefined) {
        const e: Ref = { k1, k2, prog: rnd() % 1000, frame: step, answered: false };
        t.addPending(k1, k2, conn, e.prog, 4, 1, e.frame, step, 0, 0);
        ref.set(key(k1, k2), e);
        pendingOrder.push(e);
      } else if (op < 8 && r !== undefined && !r.answered) {
        t.markAnswered(id);
        r.answered = true;
        answeredOrder.push(r);
      } else if (r !== undefined) {
        t.remove(id);
        ref.delete(key(k1, k2));
      }
      if (step % 997 === 0) {
        const livePending = pendingOrder.filter((e) => ref.get(key(e.k1, e.k2)) === e && !e.answered);
        const liveAnswered = answeredOrder.filter((e) => ref.get(key(e.k1, e.k2)) === e && e.answered);
        expect(t.pendingCount).toBe(livePending.length);
        expect(t.answeredCount).toBe(liveAnswered.length);
        const op1 = t.oldestPending();
        expect(op1 < 0 ? undefined : t.frame(op1)).toBe(livePending[0]?.frame);
        const oa = t.oldestAnswered();
        expect(oa < 0 ? undefined : t.frame(oa)).toBe(liveAnswered[0]?.frame);
        expect(t.pendingIds().map((i) => t.frame(i))).toEqual(livePending.map((e) => e.frame));
        // Keep the reference queues short.
        pendingOrder.splice(0, pendingOrder.length, ...livePending);
        answeredOrder.splice(0, answeredOrder.length, ...liveAnswered);
      }
    }
    expect(ref.size).toBeGreaterThan(1000);
  });

  it('clear() empties everything and ids are reused', () => {
    const t = new CallTable();
    for (let i = 0; i < 5000; i++) t.addPending(1, i, conn, 100003, 4, 1, i, 0, 0, 0);
    expect(t.pendingCount).toBe(5000);
    t.clear();
    expect(t.pendingCount).toBe(0);
    expect(t.find(1, 10)).toBe(-1);
    const id = t.addPending(1, 10, conn, 7, 1, 0, 42, 0, 0, 2);
    expect(t.find(1, 10)).toBe(id);
    expect([t.program(id), t.frame(id), t.tagOf(id)]).toEqual([7, 42, 2]);
  });
});
