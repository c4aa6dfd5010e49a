/** pcapng files built byte by byte: interfaces, resolutions, block kinds, byte orders, errors. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openCaptureStream } from './open.js';
import { collectFrames } from './collect.js';
import { MAX_INTERFACES } from './pcapng.js';
import type { Frame, SourceProblem } from './types.js';
import { tsharkAvailable, tsharkLines } from '../../test/helpers/tshark.js';

/** Writes pcapng blocks in one byte order. */
class NgWriter {
  constructor(readonly le: boolean) {}

  u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  }

  u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  }

  i64(v: bigint): Buffer {
    const b = Buffer.alloc(8);
    if (this.le) b.writeBigInt64LE(v);
    else b.writeBigInt64BE(v);
    return b;
  }

  pad(b: Buffer): Buffer {
    return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  }

  block(type: number, body: Buffer): Buffer {
    const padded = this.pad(body);
    const len = padded.length + 12;
    return Buffer.concat([this.u32(type), this.u32(len), padded, this.u32(len)]);
  }

  shb(): Buffer {
    return this.block(0x0a0d0d0a, Buffer.concat([this.u32(0x1a2b3c4d), this.u16(1), this.u16(0), this.i64(-1n)]));
  }

  option(code: number, value: Buffer): Buffer {
    return Buffer.concat([this.u16(code), this.u16(value.length), this.pad(value)]);
  }

  idb(linktype: number, snaplen: number, opts: { tsresol?: number; tsoffset?: bigint } = {}): Buffer {
    const parts = [this.u16(linktype), this.u16(0), this.u32(snaplen)];
    if (opts.tsresol !== undefined) parts.push(this.option(9, Buffer.from([opts.tsresol])));
    if (opts.tsoffset !== undefined) parts.push(this.option(14, this.i64(opts.tsoffset)));
    if (parts.length > 3) parts.push(this.u32(0)); // opt_endofopt
    return this.block(1, Buffer.concat(parts));
  }

  ts(units: bigint): Buffer[] {
    return [this.u32(Number(units >> 32n)), this.u32(Number(units & 0xffffffffn))];
  }

  epb(ifId: number, units: bigint, data: Buffer, origLen = data.length): Buffer {
    return this.block(6, Buffer.concat([this.u32(ifId), ...this.ts(units), this.u32(data.length), this.u32(origLen), this.pad(data)]));
  }

  pb(ifId: number, units: bigint, data: Buffer): Buffer {
    return this.block(2, Buffer.concat([this.u16(ifId), this.u16(0), ...this.ts(units), this.u32(data.length), this.u32(data.length), this.pad(data)]));
  }

  spb(origLen: number, data: Buffer): Buffer {
    return this.block(3, Buffer.concat([this.u32(origLen), this.pad(data)]));
  }
}

const payload = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

async function read(bytes: Buffer, chunk = 1 << 20): Promise<{ frames: Frame[]; problems: SourceProblem[] }> {
  const problems: SourceProblem[] = [];
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  const src = await openCaptureStream(Readable.from(pieces), { onProblem: (p) => problems.push(p) });
  expect(src.format).toBe('pcapng');
  return { frames: await collectFrames(src), problems };
}

function multiInterfaceFile(): Buffer {
  const le = new NgWriter(true);
  const be = new NgWriter(false);
  return Buffer.concat([
    le.shb(),
    le.idb(1, 64), // Ethernet, default microseconds, snaplen 64
    le.idb(101, 0, { tsresol: 9 }), // raw IP, nanoseconds
    le.idb(113, 0, { tsresol: 0x80 | 20 }), // Linux SLL, 2^-20 s
    le.idb(1, 0, { tsresol: 3, tsoffset: 100n }), // milliseconds, +100 s
    le.epb(0, 1_700_000_000_123_456n, payload(60, 1)),
    le.block(0x12345678, payload(10, 9)), // unknown block: skipped
    le.epb(1, 1_700_000_000_123_456_789n, payload(40, 2), 1500),
    le.block(4, Buffer.alloc(4)), // name resolution block: skipped
    le.epb(2, 5n * 1048576n + 524288n, payload(44, 3)),
    le.epb(3, 1234n, payload(61, 4)),
    le.spb(100, payload(64, 5)), // interface 0 with snaplen 64: 64 of 100 bytes
    le.pb(1, 1_600_000_000_000_000_001n, payload(33, 6)),
    le.block(5, Buffer.alloc(20)), // interface statistics: skipped
    // A second section, big-endian: interfaces start again.
    be.shb(),
    be.idb(276, 0, { tsresol: 6 }),
    be.epb(0, 1_700_000_001_000_001n, payload(57, 7)),
  ]);
}

describe('pcapng reader', () => {
  it('handles several interfaces, resolutions, SPB, PB, unknown blocks and a big-endian section', async () => {
    const file = multiInterfaceFile();
    for (const chunk of [1 << 20, 5, 64]) {
      const { frames, problems } = await read(file, chunk);
      expect(problems).toEqual([]);
      const summary = frames.map((f) => [f.no, f.linktype, f.sec, f.nsec, f.data.length, f.origLen]);
      expect(summary).toEqual([
        [1, 1, 1_700_000_000, 123_456_000, 60, 60],
        [2, 101, 1_700_000_000, 123_456_789, 40, 1500],
        [3, 113, 5, 500_000_000, 44, 44],
        [4, 1, 101, 234_000_000, 61, 61],
        [5, 1, 0, 0, 64, 100],
        [6, 101, 1_600_000_000, 1, 33, 33],
        [7, 276, 1_700_000_001, 1000, 57, 57],
      ]);
      expect(Buffer.from(frames[0].data).equals(payload(60, 1))).toBe(true);
      expect(Buffer.from(frames[4].data).equals(payload(64, 5))).toBe(true);
      expect(Buffer.from(frames[6].data).equals(payload(57, 7))).toBe(true);
    }
  });

  it.skipIf(!tsharkAvailable)('agrees with tshark on the crafted file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfscope-ng-'));
    try {
      const path = join(dir, 'multi.pcapng');
      writeFileSync(path, multiInterfaceFile());
      const rows = tsharkLines(['-r', path, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.time_epoch']);
      const got = rows.map((r) => r.split('\t'));
      // tshark prints epoch times with 9 decimals; SPB (frame 5) has no time.
      return read(multiInterfaceFile()).then(({ frames }) => {
        expect(got.length).toBe(frames.length);
        frames.forEach((f, i) => {
          expect(Number(got[i][0])).toBe(f.no);
          expect(Number(got[i][1])).toBe(f.origLen);
          expect(Number(got[i][2])).toBe(f.data.length);
          if (f.no !== 5) expect(got[i][3]).toBe(`${f.sec}.${String(f.nsec).padStart(9, '0')}`);
        });
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a packet block for an undeclared interface and goes on', async () => {
    const w = new NgWriter(true);
    const { frames, problems } = await read(Buffer.concat([w.shb(), w.idb(1, 0), w.epb(3, 1n, payload(20, 1)), w.epb(0, 2n, payload(20, 2))]));
    expect(frames.map((f) => f.no)).toEqual([1]);
    expect(frames[0].nsec).toBe(2000);
    expect(problems).toEqual([{ offset: 48, reason: 'packet block refers to undeclared interface 3' }]);
  });

  it('keeps at most MAX_INTERFACES interfaces per section; packets naming one beyond are reported', async () => {
    const le = new NgWriter(true);
    const idb = le.idb(1, 0);
    const file = Buffer.concat([
      le.shb(),
      ...Array.from({ length: MAX_INTERFACES + 10 }, () => idb),
      le.epb(5, 1n, payload(60, 1)),
      le.epb(MAX_INTERFACES + 5, 2n, payload(60, 2)),
    ]);
    const { frames, problems } = await read(file);
    expect(frames.map((f) => f.data.length)).toEqual([60]);
    const reasons = problems.map((p) => p.reason);
    expect(reasons.filter((r) => r.startsWith('interface description beyond'))).toHaveLength(10);
    expect(reasons.at(-1)).toBe(`packet block refers to undeclared interface ${MAX_INTERFACES + 5}`);
  });

  it('stops at a bad block length or a mismatched trailing length', async () => {
    const w = new NgWriter(true);
    const good = Buffer.concat([w.shb(), w.idb(1, 0), w.epb(0, 1n, payload(20, 1))]);
    const odd = Buffer.concat([good, w.u32(6), w.u32(13), Buffer.alloc(40)]);
    let r = await read(odd);
    expect(r.frames.length).toBe(1);
    expect(r.problems).toEqual([{ offset: good.length, reason: 'bad block length 13 (block type 0x6)' }]);

    const mismatch = Buffer.from(Buffer.concat([good, w.epb(0, 2n, payload(20, 2))]));
    mismatch.writeUInt32LE(999, mismatch.length - 4);
    r = await read(mismatch);
    expect(r.frames.length).toBe(1);
    expect(r.problems.length).toBe(1);
    expect(r.problems[0].reason).toMatch(/does not match the trailing length/);

    const huge = Buffer.concat([good, w.u32(6), w.u32(0x80000000), Buffer.alloc(40)]);
    r = await read(huge);
    expect(r.frames.length).toBe(1);
    expect(r.problems[0].reason).toBe('bad block length 2147483648 (block type 0x6)');
  });

  it('reports a file cut inside a block', async () => {
    const file = multiInterfaceFile();
    const { frames, problems } = await read(file.subarray(0, file.length - 10));
    expect(frames.length).toBe(6);
    expect(problems.length).toBe(1);
    expect(problems[0].reason).toMatch(/^file ends inside a block/);
  });
});
