import { describe, expect, it } from 'vitest';
import { concatBytes, encodeAuthSys, encodeRpcCall, encodeRpcReply, recordMark } from '../../dissectors/rpc/encode.js';
import type { ConnectionKey, StreamEvent } from '../tcp/types.js';
import { CallbackPrograms } from './programs.js';
import { RecordAssembler, RecordBudget, RecordProblem, RecordStreams, plausibleRecordStart } from './records.js';
import type { RpcRecord } from './types.js';
import { xorshift32 } from '../../test/helpers/prng.js';

const conn: ConnectionKey = { id: 1, a: '10.0.0.1:731', b: '10.0.0.2:2049', transport: 'tcp' };

function xidOf(r: RpcRecord): number {
  return ((r.bytes[0] << 24) | (r.bytes[1] << 16) | (r.bytes[2] << 8) | r.bytes[3]) >>> 0;
}

function nfsCall(xid: number, bodyLen = 16): Uint8Array {
  const body = new Uint8Array(bodyLen);
  for (let i = 0; i < bodyLen; i++) body[i] = (xid + i) & 0xff;
  return encodeRpcCall({
    xid,
    prog: 100003,
    vers: 4,
    proc: 1,
    cred: { flavor: 1, body: encodeAuthSys({ stamp: 1, machinename: 'client', uid: 0, gid: 0, gids: [] }) },
    body,
  });
}

interface Run {
  records: RpcRecord[];
  problems: Array<{ reason: string; frame: number; bytes: number; detail?: string }>;
  asm: RecordAssembler;
  feed: (chunk: Uint8Array, frame: number) => void;
}

function run(opts: { maxRecordBytes?: number } = {}): Run {
  const records: RpcRecord[] = [];
  const problems: Run['problems'] = [];
  const asm = new RecordAssembler(conn, 'ab', {
    ...opts,
    onProblem: (reason, frame, bytes, detail) => problems.push({ reason, frame, bytes, detail }),
  });
  const out = (r: RpcRecord) => records.push(r);
  return { records, problems, asm, feed: (chunk, frame) => asm.push(chunk, frame, frame, 0, out) };
}

function split(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let o = 0;
  for (const s of sizes) {
    parts.push(bytes.subarray(o, o + s));
    o += s;
  }
  if (o < bytes.length) parts.push(bytes.subarray(o));
  return parts;
}

describe('RecordAssembler: record marking', () => {
  it('several records in one segment, each a zero-copy view of it', () => {
    const recs = [nfsCall(1), nfsCall(2, 40), encodeRpcReply({ xid: 3, accept: 0 })];
    const seg = concatBytes(recs.map((r) => recordMark(r)));
    const t = run();
    t.feed(seg, 7);
    expect(t.records.map(xidOf)).toEqual([1, 2, 3]);
    expect(t.records.map((r) => [r.frame, r.firstFrame, r.fragments])).toEqual([
      [7, 7, 1],
      [7, 7, 1],
      [7, 7, 1],
    ]);
    expect(Array.from(t.records[1].bytes)).toEqual(Array.from(recs[1]));
    expect(t.records[0].bytes.buffer).toBe(seg.buffer);
    expect(t.problems).toEqual([]);
  });

  it('a record spread over 50 segments completes at the last one', () => {
    const rec = nfsCall(0xabc, 50 * 40);
    const wire = recordMark(rec);
    const size = Math.ceil(wire.length / 50);
    const chunks = split(wire, Array.from({ length: 49 }, () => size));
    expect(chunks.length).toBe(50);
    const t = run();
    chunks.forEach((c, i) => t.feed(c, 100 + i));
    expect(t.records.length).toBe(1);
    expect(t.records[0].frame).toBe(149);
    expect(t.records[0].firstFrame).toBe(100);
    expect(Array.from(t.records[0].bytes)).toEqual(Array.from(rec));
    expect(t.records[0].bytes.length).toBe(rec.length);
  });

  for (const cut of [1, 2, 3]) {
    it(`a marker split ${cut}+${4 - cut} across segments`, () => {
      const a = recordMark(nfsCall(10));
      const b = recordMark(nfsCall(11));
      const wire = concatBytes([a, b]);
      const t = run();
      t.feed(wire.subarray(0, a.length + cut), 1);
      t.feed(wire.subarray(a.length + cut), 2);
      expect(t.records.map((r) => [xidOf(r), r.frame, r.firstFrame])).toEqual([
        [10, 1, 1],
        [11, 2, 1],
      ]);
      expect(Array.from(t.records[1].bytes)).toEqual(Array.from(nfsCall(11)));
    });
  }

  it('joins a multi-fragment record and counts fragments', () => {
    const rec = nfsCall(0x55, 100);
    const wire = concatBytes([recordMark(rec, [30, 41]), recordMark(nfsCall(0x56))]);
    const t = run();
    t.feed(wire, 3);
    expect(t.records.map((r) => [xidOf(r), r.fragments])).toEqual([
      [0x55, 3],
      [0x56, 1],
    ]);
    expect(Array.from(t.records[0].bytes)).toEqual(Array.from(rec));
    expect(t.asm.stats.multiFragment).toBe(1);
  });

  it('zero-length fragments: allowed before the last, an empty record is malformed', () => {
    const rec = nfsCall(0x77);
    const withEmpty = recordMark(rec, [0]); // empty non-last fragment then the whole record
    const emptyRecord = new Uint8Array([0x80, 0, 0, 0]);
    const t = run();
    t.feed(concatBytes([withEmpty, emptyRecord, recordMark(nfsCall(0x78))]), 4);
    expect(t.records.map((r) => [xidOf(r), r.fragments])).toEqual([
      [0x77, 2],
      [0x78, 1],
    ]);
    expect(t.problems).toEqual([{ reason: RecordProblem.emptyRecord, frame: 4, bytes: 4, detail: undefined }]);
  });

  it('a marker claiming 2 GiB is malformed without allocating, later records are found', () => {
    const bogus = new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const t = run();
    t.feed(concatBytes([recordMark(nfsCall(1)), bogus, recordMark(nfsCall(2)), recordMark(nfsCall(3))]), 9);
    expect(t.records.map(xidOf)).toEqual([1, 2, 3]);
    expect(t.problems[0]).toEqual({
      reason: RecordProblem.markerTooLarge,
      frame: 9,
      bytes: 4,
      detail: 'record marker claims 2147483647 bytes (limit 16777216)',
    });
    const skipped = t.problems.filter((p) => p.reason === RecordProblem.skipped).reduce((s, p) => s + p.bytes, 0);
    expect(skipped).toBe(bogus.length - 1); // everything after the marker's first byte up to the next record
    expect(t.asm.stats.resyncs).toBe(1);
  });

  it('a gap of lost segments, then the following records are found by resync', () => {
    const recs = [1, 2, 3, 4, 5].map((x) => recordMark(nfsCall(x, 64)));
    const t = run();
    t.feed(recs[0], 1);
    t.feed(recs[1].subarray(0, 20), 2);
    // The rest of record 2 and the first half of record 3 are lost.
    const lost = recs[1].length - 20 + 30;
    t.asm.gap(lost, 3);
    t.feed(recs[2].subarray(30), 3);
    t.feed(concatBytes([recs[3], recs[4]]), 4);
    expect(t.records.map(xidOf)).toEqual([1, 4, 5]);
    expect(t.problems[0]).toEqual({ reason: RecordProblem.gapInRecord, frame: 3, bytes: 16, detail: undefined });
    expect(t.problems.filter((p) => p.reason === RecordProblem.skipped).reduce((s, p) => s + p.bytes, 0)).toBe(recs[2].length - 30);
  });

  it('a gap inside one fragment keeps the framing: only that record is lost', () => {
    const recs = [1, 2, 3].map((x) => recordMark(nfsCall(x, 64)));
    const t = run();
    t.feed(recs[0].subarray(0, 50), 1);
    t.asm.gap(10, 2);
    t.feed(recs[0].subarray(60), 2);
    t.feed(concatBytes([recs[1], recs[2]]), 3);
    expect(t.records.map(xidOf)).toEqual([2, 3]);
    expect(t.asm.stats.resyncs).toBe(0);
    expect(t.problems).toEqual([{ reason: RecordProblem.gapInRecord, frame: 2, bytes: 46, detail: undefined }]);
  });

  it('a stream captured from the middle of a record resynchronises on the next record', () => {
    const first = recordMark(nfsCall(0x100, 200));
    const wire = concatBytes([first.subarray(77), recordMark(encodeRpcReply({ xid: 0x200, accept: 0 })), recordMark(nfsCall(0x300))]);
    const t = run();
    t.asm.gap(-1, 1);
    // Deliver in small pieces so candidates straddle chunk boundaries.
    split(wire, Array.from({ length: Math.ceil(wire.length / 13) }, () => 13)).forEach((c, i) => t.feed(c, 1 + i));
    expect(t.records.map(xidOf)).toEqual([0x200, 0x300]);
    expect(t.asm.stats.bytesSkipped).toBe(first.length - 77);
  });

  it('finish() with a partial record counts it', () => {
    const t = run();
    t.feed(recordMark(nfsCall(1)).subarray(0, 30), 5);
    t.asm.finish(6);
    expect(t.problems).toEqual([{ reason: RecordProblem.endInRecord, frame: 6, bytes: 26, detail: undefined }]);
  });

  it('a multi-fragment record growing past the limit is discarded, framing kept', () => {
    const t = run({ maxRecordBytes: 100 });
    const big = nfsCall(9, 120);
    t.feed(concatBytes([recordMark(big, [60, 60]), recordMark(nfsCall(10))]), 1);
    expect(t.records.map(xidOf)).toEqual([10]);
    expect(t.problems[0].reason).toBe(RecordProblem.recordTooLarge);
  });
});

describe('plausibleRecordStart', () => {
  it('accepts calls of known and learned programs, replies, and rejects noise', () => {
    const cb = new CallbackPrograms();
    const mk = (prog: number) => recordMark(encodeRpcCall({ xid: 1, prog, vers: 1, proc: 1 }));
    expect(plausibleRecordStart(mk(100003), 0, 1 << 24, cb)).toBe(1);
    expect(plausibleRecordStart(mk(0x40000000), 0, 1 << 24, cb)).toBe(1);
    expect(plausibleRecordStart(mk(0x7777), 0, 1 << 24, cb)).toBe(0);
    cb.learn(0x7777);
    expect(plausibleRecordStart(mk(0x7777), 0, 1 << 24, cb)).toBe(1);
    expect(plausibleRecordStart(recordMark(encodeRpcReply({ xid: 1, accept: 0 })), 0, 1 << 24, cb)).toBe(1);
    expect(plausibleRecordStart(recordMark(encodeRpcReply({ xid: 1, denied: 'AUTH_ERROR', authStat: 1 })), 0, 1 << 24, cb)).toBe(1);
    expect(plausibleRecordStart(mk(100003).subarray(0, 20), 0, 1 << 24, cb)).toBe(-1);
    expect(plausibleRecordStart(new Uint8Array(64), 0, 1 << 24, cb)).toBe(0);
  });
});

describe('RecordAssembler: hostile input', () => {
  /** A pseudo-random byte per call. */
  function prng(seed: number): () => number {
    const next = xorshift32(seed);
    return () => next() & 0xff;
  }

  it('1 MB of random bytes: no throw, nothing retained beyond the lookahead, linear time', () => {
    for (const seed of [1, 2, 3]) {
      const next = prng(seed);
      const data = new Uint8Array(1 << 20);
      for (let i = 0; i < data.length; i++) data[i] = next();
      // Start synced (as on a fresh connection): the first "marker" is random too.
      const t = run();
      const t0 = performance.now();
      let maxBuffered = 0;
      for (let o = 0, f = 1; o < data.length; f++) {
        const len = 1 + (next() * 7) % 1460;
        t.feed(data.subarray(o, o + len), f);
        o += len;
        maxBuffered = Math.max(maxBuffered, t.asm.bufferedBytes);
      }
      // Random markers can claim up to the record limit, but a buffer only grows with bytes that arrived.
      expect(maxBuffered).toBeLessThanOrEqual(2 * data.length);
      t.asm.finish(99999);
      const ms = performance.now() - t0;
      expect(ms).toBeLessThan(2000);
      const s = t.asm.stats;
      // Every byte is either in an emitted record, skipped, or in the record cut off at the end.
      const inRecords = t.records.reduce((n, r) => n + r.bytes.length, 0);
      expect(inRecords + s.bytesSkipped).toBeLessThanOrEqual(data.length);
      expect(s.bytesSkipped).toBeGreaterThan(data.length / 2);
    }
  });

  it('while resynchronising, at most the lookahead (under 512 bytes) is held', () => {
    const next = prng(7);
    const t = run();
    t.asm.gap(-1, 1);
    let maxBuffered = 0;
    for (let f = 2; f < 3000; f++) {
      const chunk = new Uint8Array(1 + (next() % 700));
      for (let i = 0; i < chunk.length; i++) chunk[i] = next();
      t.feed(chunk, f);
      maxBuffered = Math.max(maxBuffered, t.asm.bufferedBytes);
    }
    expect(t.records.length).toBe(0);
    expect(maxBuffered).toBeLessThan(512);
  });

  it('random bytes with real records mixed in: the records after the noise are found', () => {
    const next = prng(42);
    const noise = new Uint8Array(100_000);
    for (let i = 0; i < noise.length; i++) noise[i] = next();
    const recs = [0x11, 0x12, 0x13].map((x) => recordMark(nfsCall(x, 100)));
    const t = run();
    t.asm.gap(-1, 1);
    t.feed(concatBytes([noise, ...recs]), 2);
    expect(t.records.map(xidOf)).toEqual([0x11, 0x12, 0x13]);
  });
});

describe('RecordAssembler on many small fragments', () => {
  it('a record of 400,000 one-byte fragments: assembled whole, in linear time', () => {
    const call = nfsCall(77, 400_000 - 40);
    const head = call.subarray(0, 40);
    // The 40-byte call header as a first (not last) fragment, then one byte per fragment.
    const parts: Uint8Array[] = [concatBytes([new Uint8Array([0, 0, 0, head.length]), head])];
    for (let i = 40; i < call.length; i++) {
      const last = i === call.length - 1;
      parts.push(new Uint8Array([last ? 0x80 : 0, 0, 0, 1, call[i]]));
    }
    const r = run();
    const started = performance.now();
    r.feed(concatBytes(parts), 1);
    expect(r.records).toHaveLength(1);
    expect(Buffer.from(r.records[0].bytes).equals(Buffer.from(call))).toBe(true);
    expect(r.records[0].fragments).toBe(1 + call.length - 40);
    // Quadratic before (each fragment copied the record so far): 400,000 took 7 s.
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('RecordStreams', () => {
  it('keeps directions and connections apart, frees on close, passes UDP datagrams through', () => {
    const streams = new RecordStreams();
    const got: RpcRecord[] = [];
    const out = (r: RpcRecord) => got.push(r);
    const c2: ConnectionKey = { id: 2, a: 'x:1', b: 'y:2', transport: 'tcp' };
    const udp: ConnectionKey = { id: 3, a: 'x:9', b: 'y:111', transport: 'udp' };
    const call = recordMark(nfsCall(1));
    const ev = (c: ConnectionKey, dir: 'ab' | 'ba', bytes: Uint8Array, frame: number): StreamEvent => ({ kind: 'data', conn: c, dir, bytes, frame, sec: 0, nsec: 0 });
    streams.push(ev(conn, 'ab', call.subarray(0, 10), 1), out);
    // Only a direction holding a partial record keeps state.
    expect(streams.size).toBe(1);
    streams.push(ev(conn, 'ba', recordMark(encodeRpcReply({ xid: 5, accept: 0 })), 2), out);
    expect(streams.size).toBe(1);
    streams.push(ev(c2, 'ab', call.subarray(10), 3), out); // other connection: must not complete conn 1's record
    expect(streams.size).toBe(2);
    streams.push(ev(conn, 'ab', call.subarray(10), 4), out);
    // conn 1 'ab' completed its record: idle again, its state is dropped.
    expect(streams.size).toBe(1);
    streams.push(ev(udp, 'ab', nfsCall(7), 5), out);
    // A dropped direction starts again between records: a record split anew is still joined.
    streams.push(ev(conn, 'ab', call.subarray(0, 3), 6), out);
    streams.push(ev(conn, 'ab', call.subarray(3), 7), out);
    expect(got.map((r) => [r.conn.id, r.dir, xidOf(r), r.frame, r.fragments])).toEqual([
      [1, 'ba', 5, 2, 1],
      [1, 'ab', 1, 4, 1],
      [3, 'ab', 7, 5, 0],
      [1, 'ab', 1, 7, 1],
    ]);
    expect(got[3].firstFrame).toBe(6);
    streams.push(ev(conn, 'ab', call.subarray(0, 10), 8), out);
    expect(streams.size).toBe(2);
    streams.push({ kind: 'closed', conn, frame: 9 }, out);
    expect(streams.size).toBe(1);
    // conn 1's partial record was lost at close (counted); c2 still holds what it was given.
    expect(streams.stats.malformed).toBe(1);
    streams.push({ kind: 'closed', conn: c2, frame: 10 }, out);
    expect(streams.size).toBe(0);
  });

  it('bounds the bytes of partial records over all connections: the oldest holder drops its record', () => {
    const problems: Array<[string, number]> = [];
    const budget = new RecordBudget(1_000_000);
    const streams = new RecordStreams({ budget, onProblem: (reason, _frame, bytes) => problems.push([reason, bytes]) });
    const records: RpcRecord[] = [];
    const out = (r: RpcRecord) => records.push(r);
    const conns: ConnectionKey[] = Array.from({ length: 20 }, (_v, i) => ({ id: 100 + i, a: `10.0.0.1:${700 + i}`, b: '10.0.0.2:2049', transport: 'tcp' }));
    // Each connection starts a 400 kB call and sends 200 kB of it: 4 MB in all, 1 MB allowed.
    const big = conns.map((_c, i) => recordMark(nfsCall(i + 1, 400_000)));
    let frame = 0;
    let maxUsed = 0;
    for (let i = 0; i < conns.length; i++) {
      for (let k = 0; k < 4; k++) {
        streams.push({ kind: 'data', conn: conns[i], dir: 'ab', bytes: big[i].subarray(k * 50_000, (k + 1) * 50_000), frame: ++frame, sec: 0, nsec: 0 }, out);
        maxUsed = Math.max(maxUsed, budget.used);
      }
    }
    expect(maxUsed).toBeLessThanOrEqual(1_000_000 + 400_100);
    expect(budget.used).toBeLessThanOrEqual(1_000_000);
    const dropped = problems.filter(([reason]) => reason === RecordProblem.overMemoryBound);
    expect(dropped.length).toBeGreaterThanOrEqual(15);
    // The first connection's record was dropped; the rest of it is skipped, and its next record is found.
    streams.push({ kind: 'data', conn: conns[0], dir: 'ab', bytes: big[0].subarray(200_000), frame: ++frame, sec: 0, nsec: 0 }, out);
    const next = recordMark(nfsCall(999));
    streams.push({ kind: 'data', conn: conns[0], dir: 'ab', bytes: next, frame: ++frame, sec: 0, nsec: 0 }, out);
    expect(records.map(xidOf)).toEqual([999]);
    // The last connection still holds its record: it completes.
    const last = conns.length - 1;
    streams.push({ kind: 'data', conn: conns[last], dir: 'ab', bytes: big[last].subarray(200_000), frame: ++frame, sec: 0, nsec: 0 }, out);
    expect(records.map(xidOf)).toEqual([999, conns.length]);
    expect(records[1].bytes.length).toBe(big[last].length - 4);
  });
});
