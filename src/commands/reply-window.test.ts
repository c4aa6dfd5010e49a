import { describe, expect, it } from 'vitest';
import type { NfsCompound } from '../../dissectors/nfs4/types.js';
import type { AnalyzedMessage } from '../engine.js';
import type { RpcMessage } from '../rpc/types.js';
import { ReplyWindow } from './reply-window.js';
import { markedNfsCall, pcapFileHeader, rawTcpRecord } from '../../test/helpers/raw-pcap.js';

/** A call or reply on connection `conn` (calls travel 'ab'), as the matcher would give it. */
function message(type: 'call' | 'reply', conn: number, xid: number, frame: number, callFrame?: number, bytes = new Uint8Array(0)): AnalyzedMessage {
  const rpc = {
    record: { conn: { id: conn, a: `10.0.0.${conn}:700`, b: '10.0.0.1:2049' }, dir: type === 'call' ? 'ab' : 'ba', bytes, frame, sec: 1000, nsec: frame * 1000, firstFrame: frame, fragments: 1 },
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

  it('lets calls go without their replies once the buffers held messages keep alive pass maxPinnedBytes', () => {
    const printed: Array<[number, number | undefined]> = [];
    const w = new ReplyWindow((m, replyFrame) => printed.push([m.rpc.record.frame, replyFrame]), 20_000, 30, 10_000);
    // Twenty calls in one 4000-byte read buffer count it once: all wait for their replies.
    const shared = new Uint8Array(4000);
    for (let f = 1; f <= 20; f++) w.push(message('call', 1, f, f, undefined, shared.subarray(f * 100, f * 100 + 50)));
    expect(printed).toEqual([]);
    expect(w.pinnedBytes).toBe(4000);
    // Big calls in buffers of their own (3000 bytes each): the oldest go once more than 10000 bytes are held.
    w.push(message('call', 1, 21, 21, undefined, new Uint8Array(3000)));
    w.push(message('call', 1, 22, 22, undefined, new Uint8Array(3000)));
    expect(w.pinnedBytes).toBe(10_000);
    expect(printed).toEqual([]);
    // 13000 held: the twenty calls of the shared buffer go (without replies), which frees it.
    w.push(message('call', 1, 23, 23, undefined, new Uint8Array(3000)));
    expect(printed.map(([f]) => f)).toEqual(Array.from({ length: 20 }, (_v, i) => i + 1));
    expect(printed.every(([, reply]) => reply === undefined)).toBe(true);
    expect(w.pinnedBytes).toBe(9000);
    w.push(message('call', 1, 24, 24, undefined, new Uint8Array(3000)));
    expect(printed.map(([f]) => f)).toEqual(Array.from({ length: 21 }, (_v, i) => i + 1));
    expect(w.pinnedBytes).toBe(9000);
    // Calls still held get their replies' frames.
    w.push(message('reply', 1, 22, 25, 22));
    w.flush();
    expect(printed.slice(21)).toEqual([[22, 25], [23, undefined], [24, undefined], [25, undefined]]);
    expect(w.pinnedBytes).toBe(0);
  });

  it('lets calls go without their replies once the decoded weight of held messages passes maxHeldWeight', () => {
    const printed: Array<[number, number | undefined]> = [];
    const w = new ReplyWindow((m, replyFrame) => printed.push([m.rpc.record.frame, replyFrame]), 20_000, 30, 1 << 30, 10_000);
    /** A decoded call of `size` record bytes, `viewed` of them opaque data, with `spans` recorded spans. */
    const decoded = (frame: number, size: number, viewed: number, spans?: number): AnalyzedMessage => {
      const m = message('call', 1, frame, frame, undefined, new Uint8Array(size));
      const spanTable = spans === undefined ? undefined : { count: spans };
      return { ...m, nfs: { program: 'NFS', type: 'call', procedure: 1, procName: 'COMPOUND', ops: [], spanTable } as unknown as NfsCompound, viewBytes: viewed };
    };
    // Not decoded: 256 each. Decoded: 256 + record bytes not viewed + 40 per span.
    w.push(message('call', 1, 1, 1));
    for (let f = 2; f <= 11; f++) w.push(decoded(f, 1000, 900));
    expect(printed).toEqual([]);
    // 256 + 10 * 356 = 3816 held; a WRITE-like call of 1 MB, all of it viewed, weighs 256 more.
    w.push(decoded(12, 1 << 20, 1 << 20));
    expect(printed).toEqual([]);
    // 4072 + (256 + 5000 + 50 * 40) = 11328: the oldest go until 10,000 or less is held
    // (256, then 356 each: 11072, 10716, 10360, 10004, 9648).
    w.push(decoded(13, 5000, 0, 50));
    expect(printed).toEqual([1, 2, 3, 4, 5].map((f) => [f, undefined]));
    // Still held calls get their replies' frames.
    w.push(message('reply', 1, 6, 14, 6));
    w.flush();
    expect(printed.slice(5, 7)).toEqual([[6, 14], [7, undefined]]);
  });

  it('read on a capture of 1 MB calls that are never answered stays within bounded memory', async () => {
    // One call without a reply holds back everything after it; 150 calls of 1 MB follow.
    const { runRead } = await import('./read.js');
    const { PassThrough } = await import('node:stream');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const path = join(mkdtempSync(join(tmpdir(), 'nfscope-rw-')), 'big-calls.pcap');
    writeFileSync(path, bigCallsCapture(150, 1 << 20));
    const out = new PassThrough();
    let lines = 0;
    out.on('data', (b: Buffer) => {
      for (const c of b) if (c === 0x0a) lines++;
    });
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - before)), 1);
    const err = new PassThrough();
    err.resume();
    await runRead(path, { format: 'text' }, out, err);
    clearInterval(timer);
    expect(lines).toBe(151);
    // 32 MiB of held buffers, plus what the garbage collector has not freed yet; without
    // the bound, every call stays (150 MB and more).
    expect(peak).toBeLessThan(100 * 1024 * 1024);
  });
});

/** Raw-IPv4 pcap: `n` + 1 NFS NULL calls, the first empty, the others with `size` bytes of body, none answered. */
function bigCallsCapture(n: number, size: number): Buffer {
  const parts: Buffer[] = [pcapFileHeader()];
  let seq = 1000;
  let usec = 0;
  for (let x = 0; x <= n; x++) {
    const rec = markedNfsCall(x + 1, 0, x === 0 ? 0 : size);
    for (let i = 0; i < rec.length; i += 60000) {
      const payload = rec.subarray(i, i + 60000);
      parts.push(rawTcpRecord({ usec: usec++, src: [10, 0, 0, 1], srcPort: 800, dst: [10, 0, 0, 2], dstPort: 2049, seq, payload }));
      seq += payload.length;
    }
  }
  return Buffer.concat(parts);
}
