/** Truncated, corrupt and random input: never a throw, never a hang, memory bounded. */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { openCaptureStream } from './open.js';
import { collectFrames } from './collect.js';
import type { Frame, SourceProblem } from './types.js';
import { randomBytes } from '../../test/helpers/prng.js';

function captureFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['captures', 'captures/public']) {
    for (const name of readdirSync(dir)) if (name.endsWith('.pcap')) out.push(join(dir, name));
  }
  return out;
}

async function readBytes(bytes: Buffer, chunk = 4096): Promise<{ frames: Frame[]; problems: SourceProblem[] }> {
  const problems: SourceProblem[] = [];
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  const src = await openCaptureStream(Readable.from(pieces), { onProblem: (p) => problems.push(p) });
  return { frames: await collectFrames(src), problems };
}

/** File offsets where packet records end (classic pcap records or pcapng packet blocks). */
function packetEnds(b: Buffer): number[] {
  const ends: number[] = [];
  if (b.readUInt32BE(0) === 0x0a0d0d0a) {
    let le = true;
    for (let pos = 0; pos + 12 <= b.length; ) {
      if (b.readUInt32BE(pos) === 0x0a0d0d0a) le = b.readUInt32LE(pos + 8) === 0x1a2b3c4d;
      const type = le ? b.readUInt32LE(pos) : b.readUInt32BE(pos);
      const len = le ? b.readUInt32LE(pos + 4) : b.readUInt32BE(pos + 4);
      pos += len;
      if (type === 2 || type === 3 || type === 6) ends.push(pos);
    }
  } else {
    const le = b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
    for (let pos = 24; pos + 16 <= b.length; ) {
      pos += 16 + (le ? b.readUInt32LE(pos + 8) : b.readUInt32BE(pos + 8));
      ends.push(pos);
    }
  }
  return ends;
}

/** Deterministic pseudo-random bytes (xorshift32). */

describe('truncated captures', () => {
  for (const file of captureFiles()) {
    it(`${file} cut at every 97th byte`, async () => {
      const bytes = readFileSync(file);
      const ends = packetEnds(bytes);
      for (let cut = 97; cut < bytes.length; cut += 97) {
        const { frames, problems } = await readBytes(bytes.subarray(0, cut));
        const complete = ends.filter((e) => e <= cut).length;
        expect(frames.length).toBe(complete);
        frames.forEach((f, i) => expect(f.no).toBe(i + 1));
        const atBoundary = ends.includes(cut);
        expect(problems.length).toBe(atBoundary ? 0 : 1);
        if (!atBoundary) expect(problems[0].offset).toBeLessThanOrEqual(cut);
      }
    });
  }

  it('a cut gzip file gives the frames it can and one gzip problem', async () => {
    const bytes = readFileSync('captures/pynfs-v41-deleg-suite.pcap');
    const gz = gzipSync(bytes);
    const whole = (await readBytes(bytes)).frames.length;
    // Too short to hold even the file's magic once decompressed: the format cannot be told.
    for (const cut of [12, 100]) {
      await expect(readBytes(gz.subarray(0, cut))).rejects.toThrow('input stream: corrupt gzip data (unexpected end of file)');
    }
    for (const cut of [300, Math.floor(gz.length / 2), gz.length - 5]) {
      const { frames, problems } = await readBytes(gz.subarray(0, cut));
      expect(frames.length).toBeLessThan(whole);
      if (cut > 300) expect(frames.length).toBeGreaterThan(0); // data before the cut is still read
      expect(problems.length).toBeGreaterThanOrEqual(1);
      expect(problems.some((p) => p.reason.startsWith('gzip:'))).toBe(true);
    }
  });
});

describe('lying lengths', () => {
  const bytes = readFileSync('captures/pynfs-v41-deleg-recall.pcap');
  const ends = packetEnds(bytes);

  it('a record header claiming 2 GiB is a problem, not an allocation', async () => {
    const b = Buffer.from(bytes);
    const third = ends[1]; // record 3 starts where record 2 ends
    b.writeUInt32LE(0x80000000, third + 8);
    const { frames, problems } = await readBytes(b);
    expect(frames.length).toBe(2);
    expect(problems).toEqual([{ offset: third, reason: 'record header claims 2147483648 captured bytes (limit 262144)' }]);
  });

  it('a big record allowed by a big snap length but cut by the end of file is reported', async () => {
    const b = Buffer.from(bytes);
    b.writeUInt32LE(0xffffffff, 16); // snaplen
    b.writeUInt32LE(200 * 1024 * 1024, ends[1] + 8);
    const { frames, problems } = await readBytes(b);
    expect(frames.length).toBe(2);
    expect(problems.length).toBe(1);
    expect(problems[0].reason).toBe(`file ends inside a record (${b.length - ends[1]} of ${16 + 200 * 1024 * 1024} bytes)`);
  });
});

describe('random bytes', () => {
  const pcapHeader = readFileSync('captures/pynfs-v41-deleg-recall.pcap').subarray(0, 24);
  const ngHeader = readFileSync('captures/ganesha-proxy-v41-scenario.pcap').subarray(0, 28);

  it('after a pcap header, a pcapng section header, or alone: no throw, bounded', async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const noise = randomBytes(1 + ((seed * 7919) % 70000), seed);
      for (const head of [pcapHeader, ngHeader]) {
        const { problems } = await readBytes(Buffer.concat([head, noise]), 1 + (seed % 5000));
        expect(problems.length).toBeGreaterThanOrEqual(1);
      }
      await expect(readBytes(noise)).rejects.toThrow(/not a pcap or pcapng file|^input stream: /);
    }
  });

  it('rejects an empty input and a corrupt gzip stream with one-line errors', async () => {
    await expect(readBytes(Buffer.alloc(0))).rejects.toThrow('input stream: not a pcap or pcapng file (empty file)');
    await expect(readBytes(Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(100, 3)]))).rejects.toThrow(/^input stream: corrupt gzip data/);
  });
});
