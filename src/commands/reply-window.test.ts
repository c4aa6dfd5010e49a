import { describe, expect, it } from 'vitest';
import type { AnalyzedMessage } from '../engine.js';
import type { RpcMessage } from '../rpc/types.js';
import { ReplyWindow } from './reply-window.js';

/** A call or reply on connection `conn` (calls travel 'ab'), as the matcher would give it. */
function message(type: 'call' | 'reply', conn: number, xid: number, frame: number, callFrame?: number): AnalyzedMessage {
  const rpc = {
    record: { conn: { id: conn, a: `10.0.0.${conn}:700`, b: '10.0.0.1:2049' }, dir: type === 'call' ? 'ab' : 'ba', bytes: new Uint8Array(0), frame, sec: 1000, nsec: frame * 1000, firstFrame: frame, fragments: 1 },
    src: '', dst: '', xid, type, callFrame,
  } as unknown as RpcMessage;
  return { rpc };
}

describe('ReplyWindow', () => {
  it('gives each call the frame of its own reply when many connections reuse the same xids', () => {
    const printed: Array<[number, number | undefined]> = [];
    const w = new ReplyWindow((m, replyFrame) => printed.push([m.rpc.record.frame, replyFrame]));
    let frame = 0;
    const calls: number[] = [];
    // 300 connections, each with calls of xids 1..3, then all replies in reverse order.
    for (let conn = 1; conn <= 300; conn++) for (let xid = 1; xid <= 3; xid++) w.push(message('call', conn, xid, ++frame));
    const replyOf = new Map<number, number>();
    for (let conn = 300; conn >= 1; conn--) {
      for (let xid = 3; xid >= 1; xid--) {
        const callFrame = (conn - 1) * 3 + xid;
        calls.push(callFrame);
        replyOf.set(callFrame, ++frame);
        w.push(message('reply', conn, xid, frame, callFrame));
      }
    }
    w.flush();
    const callLines = printed.filter(([f]) => f <= 900);
    expect(callLines).toHaveLength(900);
    for (const [f, reply] of callLines) expect(reply).toBe(replyOf.get(f));
    // Output stays in arrival order.
    expect(printed.map(([f]) => f)).toEqual([...printed.map(([f]) => f)].sort((x, y) => x - y));
  });

  it('keeps calls of the same xid on different directions apart', () => {
    const printed: Array<[number, number | undefined]> = [];
    const w = new ReplyWindow((m, replyFrame) => printed.push([m.rpc.record.frame, replyFrame]));
    w.push(message('call', 1, 9, 1));
    // A reply travelling 'ab' answers a call that travelled 'ba' (none here): no match.
    const stray = message('call', 1, 9, 2);
    (stray.rpc.record as { dir: string }).dir = 'ba';
    w.push(stray);
    w.push(message('reply', 1, 9, 3, 1));
    w.flush();
    expect(printed).toEqual([[1, 3], [2, undefined], [3, undefined]]);
  });
});

describe('ReplyWindow ring', () => {
  it('keeps arrival order and reply frames when it grows past its first size with replies out of order', () => {
    const printed: Array<[number, number | undefined]> = [];
    const w = new ReplyWindow((m, replyFrame) => printed.push([m.rpc.record.frame, replyFrame]));
    // 1000 calls on 10 connections, then their replies newest first (the window must hold all calls).
    for (let f = 1; f <= 1000; f++) w.push(message('call', f % 10, f, f));
    expect(printed).toHaveLength(0);
    for (let f = 1000; f >= 1; f--) w.push(message('reply', f % 10, f, 2001 - f, f));
    w.flush();
    expect(printed.map(([f]) => f)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    for (const [f, reply] of printed) expect(reply).toBe(f <= 1000 ? 2001 - f : undefined);
  });

  it('still matches calls when frames arrive out of order (records completed at the end of a capture)', () => {
    const printed: Array<[number, number | undefined]> = [];
    const w = new ReplyWindow((m, replyFrame) => printed.push([m.rpc.record.frame, replyFrame]));
    w.push(message('call', 1, 7, 50));
    w.push(message('call', 2, 8, 20));
    w.push(message('call', 3, 9, 30));
    w.push(message('reply', 3, 9, 60, 30));
    w.push(message('reply', 2, 8, 61, 20));
    w.push(message('reply', 1, 7, 62, 50));
    w.flush();
    expect(printed).toEqual([[50, 62], [20, 61], [30, 60], [60, undefined], [61, undefined], [62, undefined]]);
  });

  it('lets a call go without its reply once maxHeld messages wait or it is maxAgeSec old', () => {
    const printed: Array<[number, number | undefined]> = [];
    const w = new ReplyWindow((m, replyFrame) => printed.push([m.rpc.record.frame, replyFrame]), 3, 30);
    for (let f = 1; f <= 4; f++) w.push(message('call', 1, f, f));
    expect(printed).toEqual([[1, undefined]]);
    const late = message('call', 1, 99, 5);
    (late.rpc.record as { sec: number }).sec = 1031;
    w.push(late);
    expect(printed.map(([f]) => f)).toEqual([1, 2, 3, 4]);
    w.push(message('reply', 1, 99, 6, 5));
    expect(printed).toEqual([[1, undefined], [2, undefined], [3, undefined], [4, undefined], [5, 6], [6, undefined]]);
  });
});
