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
