import { createWriteStream, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { once } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { OutputBuffer } from './output-buffer.js';

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
