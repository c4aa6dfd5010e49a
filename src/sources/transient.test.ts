/** Transient batches: the same frames as ordinary ones, in reused objects. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openCapture, openCaptureStream } from './open.js';
import { MAX_BATCH_FRAMES } from './record-reader.js';
import type { CaptureSource, Frame } from './types.js';

const CAPTURES = join(import.meta.dirname, '..', '..', 'captures');

/** Everything about a frame, copied at once (a transient frame changes later). */
function snapshot(f: Frame): string {
  return `${f.no} ${f.sec}.${f.nsec} ${f.linktype} ${f.origLen} ${Buffer.from(f.data).toString('hex')}`;
}

async function read(source: CaptureSource, transient: boolean): Promise<{ frames: string[]; objects: Set<Frame>; batches: Set<Frame[]> }> {
  const frames: string[] = [];
  const objects = new Set<Frame>();
  const batches = new Set<Frame[]>();
  for await (const batch of source.batches({ transient })) {
    batches.add(batch);
    for (const f of batch) {
      frames.push(snapshot(f));
      objects.add(f);
    }
  }
  return { frames, objects, batches };
}

describe('transient batches', () => {
  it('give the same frames as ordinary batches, reusing the frame objects and the array', async () => {
    // A classic pcap of several batches: one capture's records repeated after its file header.
    const one = readFileSync(join(CAPTURES, 'pynfs-v41-deleg-suite.pcap'));
    const bytes = Buffer.concat([one, ...Array.from({ length: 7 }, () => one.subarray(24))]);
    const whole = () => openCaptureStream((async function* () { yield bytes; })());
    const ordinary = await read(await whole(), false);
    // Small chunks: records span chunks, so the copied-record path is exercised too.
    const small = await openCaptureStream((async function* () {
      for (let i = 0; i < bytes.length; i += 1000) yield bytes.subarray(i, i + 1000);
    })());
    const transient = await read(await whole(), true);
    const transientSmall = await read(small, true);
    expect(ordinary.frames.length).toBeGreaterThan(3 * MAX_BATCH_FRAMES);
    expect(transient.frames).toEqual(ordinary.frames);
    expect(transientSmall.frames).toEqual(ordinary.frames);
    expect(ordinary.objects.size).toBe(ordinary.frames.length);
    expect(transient.objects.size).toBeLessThanOrEqual(MAX_BATCH_FRAMES);
    expect(transient.batches.size).toBe(1);
  });

  it('are the same through gzip', async () => {
    const file = join(CAPTURES, 'crafted-dirdeleg-notify-1.pcap');
    const gz = gzipSync(readFileSync(file));
    const ordinary = await read(await openCapture(file), false);
    const transient = await read(await openCaptureStream((async function* () { yield gz; })()), true);
    expect(transient.frames).toEqual(ordinary.frames);
  });
});
