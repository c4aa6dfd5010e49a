/** decodeFrame with a reusable result gives exactly what the allocating form gives. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFrame, newReusableSegmentResult } from './decode.js';
import { Ipv4Reassembler } from './ipv4-reassembler.js';
import type { LinkDecodeResult } from './types.js';
import { openCapture } from '../sources/open.js';
import { collectFrames } from '../sources/collect.js';
import type { Frame } from '../sources/types.js';
import { xorshift32 } from '../../test/helpers/prng.js';

const CAPTURES = join(import.meta.dirname, '..', '..', 'captures');

/**
 * A plain copy of a result, with the payload as a number array (Buffer vs Uint8Array views)
 * and without the buffer it lies in (the whole frame; the payload's bytes are compared).
 */
function plain(r: LinkDecodeResult): unknown {
  if (r.ok !== true) return r;
  const { payloadBuf, ...rest } = r.segment;
  expect(payloadBuf === undefined || payloadBuf.length >= (rest.payloadStart ?? 0) + (rest.payloadLength ?? 0)).toBe(true);
  return { ...rest, payload: Array.from(r.segment.payload) };
}

function compareAll(frames: Frame[]): number {
  const a = new Ipv4Reassembler();
  const b = new Ipv4Reassembler();
  const reuse = newReusableSegmentResult();
  let segments = 0;
  for (const f of frames) {
    const fresh = decodeFrame(f, a);
    const reused = decodeFrame(f, b, reuse);
    expect(plain(reused)).toEqual(plain(fresh));
    if (reused.ok === true) {
      expect(reused).toBe(reuse);
      segments++;
    }
  }
  return segments;
}

describe('decodeFrame with a reusable result', () => {
  it('matches the allocating form on every frame of the bundled captures', async () => {
    let segments = 0;
    for (const name of readdirSync(CAPTURES).filter((n) => n.endsWith('.pcap'))) {
      segments += compareAll(await collectFrames(await openCapture(join(CAPTURES, name))));
    }
    expect(segments).toBeGreaterThan(1000);
  });

  it('matches it on mutated frames (UDP, IPv6, truncations, fragments)', async () => {
    const base = await collectFrames(await openCapture(join(CAPTURES, 'pynfs-v41-deleg-recall.pcap')));
    const next = xorshift32(7);
    const mutated: Frame[] = [];
    for (let round = 0; round < 20; round++) {
      for (const f of base) {
        const data = Uint8Array.from(f.data);
        const cut = next() % 4 === 0 ? data.subarray(0, next() % (data.length + 1)) : data;
        // Flip a byte in the link, IP or transport headers (protocol, lengths, flags, ports).
        if (cut.length > 0) cut[next() % Math.min(cut.length, 60)] = next() & 0xff;
        if (cut.length > 23 && next() % 3 === 0) cut[23] = 17; // IPv4 protocol -> UDP
        mutated.push({ ...f, data: cut });
      }
    }
    expect(compareAll(mutated)).toBeGreaterThan(100);
  });
});
