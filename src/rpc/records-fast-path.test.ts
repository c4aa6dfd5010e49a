/**
 * RecordAssembler takes whole single-fragment records straight out of a chunk; everything
 * else goes through the general state machine. Fed the same stream in random chunks or one
 * byte at a time (never a whole record in one push), it must give the same records, problems
 * and statistics.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes, encodeAuthSys, encodeRpcCall, recordMark } from '../../dissectors/rpc/encode.js';
import type { ConnectionKey } from '../tcp/types.js';
import { RecordAssembler } from './records.js';
import { xorshift32 } from '../../test/helpers/prng.js';

const conn: ConnectionKey = { id: 7, a: '10.0.0.1:731', b: '10.0.0.2:2049', transport: 'tcp' };

function call(xid: number, bodyLen: number): Uint8Array {
  const body = new Uint8Array(bodyLen);
  for (let i = 0; i < bodyLen; i++) body[i] = (xid * 7 + i) & 0xff;
  const cred = { flavor: 1, body: encodeAuthSys({ stamp: xid, machinename: 'c', uid: 0, gid: 0, gids: [] }) };
  return encodeRpcCall({ xid, prog: 100003, vers: 4, proc: 1, cred, body });
}

interface Layout {
  bytes: Uint8Array;
  /** xid -> offsets of the record's first marker byte and its last byte + 1. */
  spans: Map<number, [number, number]>;
}

/** Records back to back: mostly single fragments, some multi-fragment, an empty record now and then. */
function stream(next: () => number): Layout {
  const parts: Uint8Array[] = [];
  const spans = new Map<number, [number, number]>();
  let at = 0;
  for (let i = 0; i < 60; i++) {
    const k = next() % 20;
    let p: Uint8Array;
    if (k === 0) p = Uint8Array.of(0x80, 0, 0, 0); // empty record: a problem, not a record
    else {
      const rec = call(i + 1, next() % 300);
      p = k < 5 ? recordMark(rec, [1 + (next() % 40), 1 + (next() % 40)]) : recordMark(rec);
      spans.set(i + 1, [at, at + p.length]);
    }
    parts.push(p);
    at += p.length;
  }
  return { bytes: concatBytes(parts), spans };
}

interface Fed {
  records: Array<{ xid: number; bytes: number[]; fragments: number; frame: number; firstFrame: number; sec: number; nsec: number }>;
  problems: Array<{ reason: string; n: number }>;
  stats: unknown;
  /** Chunk (= frame number) holding each byte offset. */
  frameOf: (offset: number) => number;
}

function feed(bytes: Uint8Array, sizes: () => number): Fed {
  const records: Fed['records'] = [];
  const problems: Fed['problems'] = [];
  const asm = new RecordAssembler(conn, 'ba', { onProblem: (reason, _frame, n) => problems.push({ reason, n }) });
  const chunkEnds: number[] = [];
  let frame = 1;
  for (let o = 0; o < bytes.length; frame++) {
    const take = Math.min(bytes.length - o, sizes());
    asm.push(bytes.subarray(o, o + take), frame, frame * 10, frame, (r) => {
      const b = r.bytes;
      const xid = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
      records.push({ xid, bytes: Array.from(b), fragments: r.fragments, frame: r.frame, firstFrame: r.firstFrame, sec: r.sec, nsec: r.nsec });
    });
    o += take;
    chunkEnds.push(o);
  }
  asm.finish(frame);
  const frameOf = (offset: number): number => chunkEnds.findIndex((end) => offset < end) + 1;
  return { records, problems, stats: { ...asm.stats }, frameOf };
}

function content(f: Fed): unknown {
  return { records: f.records.map((r) => ({ xid: r.xid, bytes: r.bytes, fragments: r.fragments })), problems: f.problems, stats: f.stats };
}

describe('RecordAssembler whole-record fast path', () => {
  it('gives what byte-at-a-time feeding gives, for random streams and chunkings', () => {
    let records = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const next = xorshift32(seed);
      const { bytes, spans } = stream(next);
      const slow = feed(bytes, () => 1);
      const chunked = feed(bytes, () => 1 + (next() % 2000));
      expect(content(chunked)).toEqual(content(slow));
      expect(chunked.records.length).toBe(spans.size);
      for (const r of chunked.records) {
        const [start, end] = spans.get(r.xid)!;
        expect([r.firstFrame, r.frame, r.sec, r.nsec]).toEqual([chunked.frameOf(start), chunked.frameOf(end - 1), r.frame * 10, r.frame]);
      }
      records += chunked.records.length;
    }
    expect(records).toBeGreaterThan(2000);
  });
});
