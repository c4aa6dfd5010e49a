import { createWriteStream, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { OutputBuffer } from './output-buffer.js';
import { randomBytes, xorshift32 } from '../../test/helpers/prng.js';

/** Several megabytes of text and raw bytes (so chunks fill, are retired and reused). */
async function writeMany(out: OutputBuffer): Promise<Buffer> {
  const expected: Buffer[] = [];
  for (let i = 0; i < 40_000; i++) {
    const text = `line ${i} → ${'x'.repeat(i % 97)}\n`;
    out.write(text);
    expected.push(Buffer.from(text, 'utf8'));
    const raw = Buffer.from(`{"n":${i},"pad":"${'y'.repeat((i * 7) % 131)}"}\n`);
    out.writeRaw(new Uint8Array(raw));
    expected.push(raw);
    if (i % 50 === 0) await out.flush();
  }
  // One piece larger than a chunk.
  const big = Buffer.alloc(3 << 20, 0x61);
  out.writeRaw(big);
  expected.push(big);
  await out.flush(true);
  return Buffer.concat(expected);
}

describe('OutputBuffer', () => {
  it('writes everything in order to a file stream (chunks reused)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nfscope-ob-')), 'out');
    const stream = createWriteStream(path, { fd: openSync(path, 'w') });
    const alloc = vi.spyOn(Buffer, 'allocUnsafe');
    const want = await writeMany(new OutputBuffer(stream));
    const chunks = alloc.mock.calls.filter(([n]) => n === 1 << 20).length;
    alloc.mockRestore();
    stream.end();
    await once(stream, 'finish');
    expect(readFileSync(path).equals(want)).toBe(true);
    // About 6 MB went through 1 MB chunks: most of them reused.
    expect(want.length).toBeGreaterThan(8 << 20);
    expect(chunks).toBeLessThan(4);
  });

  it('never reuses a chunk a stream without a descriptor may still hold', async () => {
    const kept: Buffer[] = [];
    // Keeps the buffers it is given, as an in-memory stream would.
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        kept.push(chunk);
        cb();
      },
    });
    const want = await writeMany(new OutputBuffer(sink));
    expect(Buffer.concat(kept).equals(want)).toBe(true);
  });
});

/**
 * Messages written in place (message()/endMessage()), of sizes that make them cross chunk
 * boundaries, one larger than a chunk, one that takes back what it wrote (mark/rewind),
 * between text and raw writes; returns the bytes expected.
 */
async function writeMessages(out: OutputBuffer): Promise<Buffer> {
  const next = xorshift32(7);
  const expected: Buffer[] = [];
  for (let i = 0; i < 6000; i++) {
    const w = out.message();
    w.ascii(`{"n":${i},"s":`);
    const s = `é→${'z'.repeat(next() % 3000)}"\n`;
    w.str(s);
    const mark = w.mark();
    w.ascii(',"dropped":"');
    w.hex(randomBytes(next() % 2000, i));
    w.rewind(mark);
    w.ascii('}\n');
    out.endMessage();
    expected.push(Buffer.from(`{"n":${i},"s":${JSON.stringify(s)}}\n`, 'utf8'));
    if (i % 7 === 0) {
      out.write(`text ${i}\n`);
      expected.push(Buffer.from(`text ${i}\n`));
    }
    if (i % 50 === 0) await out.flush();
    if (i === 3000) {
      // Larger than a chunk: written into a buffer of its own, growing as it goes.
      const big = randomBytes(1_500_000, 99);
      const m = out.message();
      m.byte(0x5b);
      for (let j = 0; j < big.length; j += 1000) m.hex(big, j, Math.min(j + 1000, big.length));
      m.byte(0x5d);
      out.endMessage();
      expected.push(Buffer.from(`[${big.toString('hex')}]`));
    }
  }
  await out.flush(true);
  return Buffer.concat(expected);
}

describe('OutputBuffer messages written in place', () => {
  it('writes them in order to a file stream, reusing chunks', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nfscope-ob-')), 'out');
    const stream = createWriteStream(path, { fd: openSync(path, 'w') });
    const alloc = vi.spyOn(Buffer, 'allocUnsafe');
    const want = await writeMessages(new OutputBuffer(stream));
    const chunks = alloc.mock.calls.filter(([n]) => n === 1 << 20).length;
    alloc.mockRestore();
    stream.end();
    await once(stream, 'finish');
    expect(readFileSync(path).equals(want)).toBe(true);
    expect(want.length).toBeGreaterThan(10 << 20);
    expect(chunks).toBeLessThan(4);
  });

  it('writes them in order to a stream that keeps its buffers', async () => {
    const kept: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        kept.push(chunk);
        cb();
      },
    });
    const want = await writeMessages(new OutputBuffer(sink));
    expect(Buffer.concat(kept).equals(want)).toBe(true);
  });

  it('waits for a slow stream: what it has queued stays bounded', async () => {
    let queuedMost = 0;
    let received = 0;
    const slow = new Writable({
      highWaterMark: 1 << 14,
      write(chunk: Buffer, _enc, cb) {
        received += chunk.length;
        setTimeout(cb, 1);
      },
    });
    const out = new OutputBuffer(slow);
    let sent = 0;
    for (let batch = 0; batch < 60; batch++) {
      // About 200 KB per batch, as a batch of frames gives.
      for (let i = 0; i < 100; i++) {
        const w = out.message();
        w.ascii('x'.repeat(2000));
        out.endMessage();
        sent += 2000;
      }
      queuedMost = Math.max(queuedMost, slow.writableLength);
      await out.flush();
    }
    await out.flush(true);
    await new Promise<void>((resolve) => slow.end(resolve));
    expect(received).toBe(sent);
    expect(queuedMost).toBeLessThan(1 << 20);
  });

  it('stops quietly when the reader of a pipe goes away', async () => {
    const child = spawn('head', ['-c', '10'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const out = new OutputBuffer(child.stdin);
    const exited = once(child, 'exit');
    let batches = 0;
    while (!out.closed && batches < 100_000) {
      for (let i = 0; i < 50; i++) {
        const w = out.message();
        w.ascii(`{"batch":${batches},"i":${i},"pad":"${'p'.repeat(1000)}"}\n`);
        out.endMessage();
      }
      await out.flush();
      batches++;
      if (batches === 5) await exited;
    }
    expect(out.closed).toBe(true);
    // Closed: nothing more is written, and a final flush returns.
    out.message().ascii('after');
    out.endMessage();
    out.write('after\n');
    await out.flush(true);
  });

  it('refuses writes in the middle of a message', () => {
    const out = new OutputBuffer(new Writable({ write: (_c, _e, cb) => cb() }));
    out.message();
    expect(() => out.write('x')).toThrow();
    out.endMessage();
    out.write('x');
  });
});
