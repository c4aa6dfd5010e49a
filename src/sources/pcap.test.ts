import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCapture } from './open.js';
import { collectFrames } from './collect.js';
import type { SourceProblem } from './types.js';

const require = createRequire(import.meta.url);

interface OraclePacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
interface OracleParser {
  on(ev: 'packet', cb: (p: OraclePacket) => void): void;
  on(ev: 'end', cb: () => void): void;
  on(ev: 'error', cb: (e: Error) => void): void;
}
const pcapParser = require('pcap-parser') as { parse(path: string): OracleParser };

function oracle(path: string): Promise<OraclePacket[]> {
  return new Promise((resolve, reject) => {
    const out: OraclePacket[] = [];
    const p = pcapParser.parse(path);
    p.on('packet', (pkt) => out.push(pkt));
    p.on('error', reject);
    p.on('end', () => resolve(out));
  });
}

function classicPcaps(): string[] {
  const files: string[] = [];
  for (const dir of ['captures', 'captures/public']) {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.pcap')) continue;
      const path = join(dir, name);
      const magic = readFileSync(path).subarray(0, 4).toString('hex');
      if (magic === 'd4c3b2a1' || magic === 'a1b2c3d4') files.push(path);
    }
  }
  return files;
}

describe('classic pcap reader against pcap-parser', () => {
  const files = classicPcaps();
  it('finds the test captures', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });
  for (const file of files) {
    it(file, async () => {
      const problems: SourceProblem[] = [];
      const src = await openCapture(file, { onProblem: (p) => problems.push(p) });
      expect(src.format).toBe('pcap');
      const frames = await collectFrames(src);
      const expected = await oracle(file);
      expect(problems).toEqual([]);
      expect(frames.length).toBe(expected.length);
      frames.forEach((f, i) => {
        const e = expected[i];
        expect(f.no).toBe(i + 1);
        expect(f.sec).toBe(e.header.timestampSeconds);
        expect(f.nsec).toBe(e.header.timestampMicroseconds * 1000);
        expect(f.origLen).toBe(e.header.originalLength);
        expect(f.linktype).toBe(1);
        expect(Buffer.from(f.data).equals(e.data)).toBe(true);
      });
    });
  }

  it('reads the same frames with tiny chunks (records spanning many chunks)', async () => {
    for (const file of files.slice(0, 3)) {
      const big = await collectFrames(await openCapture(file));
      const small = await collectFrames(await openCapture(file, { chunkSize: 7 }));
      expect(small.length).toBe(big.length);
      small.forEach((f, i) => {
        expect(f.sec).toBe(big[i].sec);
        expect(f.nsec).toBe(big[i].nsec);
        expect(Buffer.from(f.data).equals(Buffer.from(big[i].data))).toBe(true);
      });
    }
  });

  it('rejects a missing file and a non-capture file with one-line errors', async () => {
    await expect(openCapture('captures/does-not-exist.pcap')).rejects.toThrow(/^captures\/does-not-exist.pcap: no such file$/);
    await expect(openCapture('captures/public/SOURCES.md')).rejects.toThrow(/not a pcap or pcapng file/);
    await expect(openCapture('captures')).rejects.toThrow(/is a directory/);
  });
});

describe('classic pcap details', () => {
  /** A big-endian microsecond pcap with link type field 0x10000001 (FCS bits set) and given records. */
  function bePcap(records: Array<{ sec: number; frac: number; data: Buffer; origLen?: number }>): Buffer {
    const h = Buffer.alloc(24);
    h.writeUInt32BE(0xa1b2c3d4, 0);
    h.writeUInt16BE(2, 4);
    h.writeUInt16BE(4, 6);
    h.writeUInt32BE(65535, 16);
    h.writeUInt32BE(0x10000001, 20);
    const parts: Buffer[] = [h];
    for (const r of records) {
      const rh = Buffer.alloc(16);
      rh.writeUInt32BE(r.sec, 0);
      rh.writeUInt32BE(r.frac, 4);
      rh.writeUInt32BE(r.data.length, 8);
      rh.writeUInt32BE(r.origLen ?? r.data.length, 12);
      parts.push(rh, r.data);
    }
    return Buffer.concat(parts);
  }

  it('reads big-endian microsecond files, masks FCS bits off the link type, carries an oversized fraction', async () => {
    const { Readable } = await import('node:stream');
    const { openCaptureStream } = await import('./open.js');
    const bytes = bePcap([
      { sec: 10, frac: 999_999, data: Buffer.from('abc'), origLen: 1000 },
      { sec: 11, frac: 1_500_000, data: Buffer.alloc(0) },
    ]);
    const problems: SourceProblem[] = [];
    const frames = await collectFrames(await openCaptureStream(Readable.from([bytes]), { onProblem: (p) => problems.push(p) }));
    expect(problems).toEqual([]);
    expect(frames.map((f) => [f.no, f.linktype, f.sec, f.nsec, f.data.length, f.origLen])).toEqual([
      [1, 1, 10, 999_999_000, 3, 1000],
      [2, 1, 12, 500_000_000, 0, 0],
    ]);
    expect(Buffer.from(frames[0].data).toString()).toBe('abc');
  });
});
