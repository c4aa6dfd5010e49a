/**
 * The same captures converted by editcap (pcapng, nanosecond pcap), byte-swapped to big-endian,
 * gzipped, or given as a stream / on standard input must give the same frames.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { openCapture, openCaptureStream } from './open.js';
import { collectFrames } from './collect.js';
import type { Frame, SourceProblem } from './types.js';

const editcapAvailable = spawnSync('editcap', ['-h']).status === 0;

function captureFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['captures', 'captures/public']) {
    for (const name of readdirSync(dir)) if (name.endsWith('.pcap')) out.push(join(dir, name));
  }
  return out;
}

/** Rewrites a little-endian classic pcap with every header field in big-endian order. */
function toBigEndian(le: Buffer): Buffer {
  const b = Buffer.from(le);
  const swap32 = (o: number): void => void b.writeUInt32BE(le.readUInt32LE(o), o);
  const swap16 = (o: number): void => void b.writeUInt16BE(le.readUInt16LE(o), o);
  swap32(0);
  swap16(4);
  swap16(6);
  for (const o of [8, 12, 16, 20]) swap32(o);
  let pos = 24;
  while (pos + 16 <= le.length) {
    const caplen = le.readUInt32LE(pos + 8);
    for (const o of [0, 4, 8, 12]) swap32(pos + o);
    pos += 16 + caplen;
  }
  return b;
}

function expectSameFrames(got: Frame[], want: Frame[]): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    expect(g.no).toBe(i + 1);
    expect(g.sec).toBe(w.sec);
    expect(Math.floor(g.nsec / 1000)).toBe(Math.floor(w.nsec / 1000));
    expect(g.linktype).toBe(w.linktype);
    expect(g.origLen).toBe(w.origLen);
    expect(Buffer.compare(Buffer.from(g.data), Buffer.from(w.data))).toBe(0);
  }
}

async function readClean(path: string): Promise<{ frames: Frame[]; format: string; gzipped: boolean }> {
  const problems: SourceProblem[] = [];
  const src = await openCapture(path, { onProblem: (p) => problems.push(p) });
  const frames = await collectFrames(src);
  expect(problems).toEqual([]);
  return { frames, format: src.format, gzipped: src.gzipped };
}

describe.skipIf(!editcapAvailable)('converted captures give identical frames', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nfscope-sources-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const file of captureFiles()) {
    it(file, async () => {
      const base = await readClean(file);
      expect(base.frames.length).toBeGreaterThan(0);
      const stem = join(dir, file.replace(/[/.]/g, '_'));

      execFileSync('editcap', ['-F', 'pcapng', file, `${stem}.pcapng`]);
      const ng = await readClean(`${stem}.pcapng`);
      expect(ng.format).toBe('pcapng');
      expectSameFrames(ng.frames, base.frames);

      execFileSync('editcap', ['-F', 'nsecpcap', file, `${stem}.ns.pcap`]);
      const ns = await readClean(`${stem}.ns.pcap`);
      expect(ns.format).toBe('pcap');
      expectSameFrames(ns.frames, base.frames);

      writeFileSync(`${stem}.pcap.gz`, gzipSync(readFileSync(file)));
      const gz = await readClean(`${stem}.pcap.gz`);
      expect(gz.gzipped).toBe(true);
      expectSameFrames(gz.frames, base.frames);

      writeFileSync(`${stem}.pcapng.gz`, gzipSync(readFileSync(`${stem}.pcapng`)));
      const nggz = await readClean(`${stem}.pcapng.gz`);
      expect(nggz.format).toBe('pcapng');
      expectSameFrames(nggz.frames, base.frames);

      if (base.format === 'pcap') {
        writeFileSync(`${stem}.be.pcap`, toBigEndian(readFileSync(`${stem}.ns.pcap`)));
        expectSameFrames((await readClean(`${stem}.be.pcap`)).frames, base.frames);
      }
    });
  }
});

describe('streams', () => {
  const file = 'captures/linux-6.1-nfsd-v41-deleg-recall.pcap';

  it('reads from a Readable in small pieces, plain and gzipped', async () => {
    const bytes = readFileSync(file);
    const base = await readClean(file);
    const pieces = (b: Buffer): Buffer[] => {
      const out: Buffer[] = [];
      for (let i = 0; i < b.length; i += 333) out.push(b.subarray(i, i + 333));
      return out;
    };
    const plain = await openCaptureStream(Readable.from(pieces(bytes)));
    expectSameFrames(await collectFrames(plain), base.frames);
    const gz = await openCaptureStream(Readable.from(pieces(gzipSync(bytes))));
    expect(gz.gzipped).toBe(true);
    expectSameFrames(await collectFrames(gz), base.frames);
  });

  it('reads a named pipe given as a path (no positional reads)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfscope-fifo-'));
    try {
      const fifo = join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', file, fifo], { stdio: 'ignore' });
      const writerDone = new Promise((r) => writer.on('close', r));
      const src = await openCapture(fifo, { chunkSize: 1000 });
      expectSameFrames(await collectFrames(src), (await readClean(file)).frames);
      await writerDone;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads standard input for path '-' (child process)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfscope-stdin-'));
    try {
      const script = join(dir, 'count.mts');
      const openTs = resolve('src/sources/open.ts');
      writeFileSync(
        script,
        `import { openCapture } from ${JSON.stringify(openTs)};
const src = await openCapture('-', { onProblem: (p) => console.log('problem', p.reason) });
let n = 0, bytes = 0;
for await (const b of src.batches()) for (const f of b) { n++; bytes += f.data.length; }
console.log(src.format, src.gzipped, n, bytes);
`,
      );
      const tsx = resolve('node_modules/.bin/tsx');
      const input = gzipSync(readFileSync(file));
      const r = spawnSync(tsx, [script], { input, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const count = (await readClean(file)).frames.length;
      expect(r.stdout.trim()).toBe(`pcap true ${count} ${readFileSync(file).length - 24 - 16 * count}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stopping early', () => {
  it('a consumer may break out of batches() (plain and gzipped) without hanging', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfscope-early-'));
    try {
      const file = 'captures/linux-6.1-nfsd-v41-deleg-recall.pcap';
      const gz = join(dir, 'x.pcap.gz');
      writeFileSync(gz, gzipSync(readFileSync(file)));
      for (const path of [file, gz]) {
        const src = await openCapture(path, { chunkSize: 4096 });
        let batches = 0;
        for await (const batch of src.batches()) {
          expect(batch.length).toBeGreaterThan(0);
          batches++;
          break;
        }
        expect(batches).toBe(1);
        expect(() => src.batches()).toThrow(/only be iterated once/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
