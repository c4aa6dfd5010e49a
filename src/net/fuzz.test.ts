/** Random and mutated frames never make the decoder throw, and the reassembler stays bounded. */
import { describe, expect, it } from 'vitest';
import { decodeFrame } from './decode.js';
import { Ipv4Reassembler } from './ipv4-reassembler.js';
import { openCapture } from '../sources/open.js';
import { collectFrames } from '../sources/collect.js';
import { xorshift32 } from '../../test/helpers/prng.js';

const rng = xorshift32;

const LINKTYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 105];

describe('decoder robustness', () => {
  it('random frames of every link type', () => {
    const next = rng(42);
    let dropped = 0;
    const r = new Ipv4Reassembler({ maxDatagrams: 16, onDrop: (_reason, n) => (dropped += n) });
    const seen = new Set<string>();
    let pendingFrames = 0;
    for (let i = 0; i < 30000; i++) {
      const data = new Uint8Array(next() % 200);
      for (let j = 0; j < data.length; j++) data[j] = next() & 0xff;
      // Steer half of them towards IP so the deeper layers are exercised too.
      if (i % 2 === 0 && data.length > 20) {
        data[0] = next() & 1 ? 0x45 : 0x60;
        if (data[0] === 0x45) {
          data[9] = next() & 1 ? 6 : 17;
          if (next() & 1) {
            data[2] = data.length >> 8;
            data[3] = data.length & 0xff;
            data[6] &= 0x20; // MF set or not, small fragment offsets
            data[4] = data[5] = 0; // few identifications so that fragments meet
            data[12] = data[16] = 10;
          }
        }
      }
      const linktype = LINKTYPES[next() % LINKTYPES.length];
      const res = decodeFrame({ no: i + 1, sec: i, nsec: 0, linktype: i % 2 === 0 ? 101 : linktype, data, origLen: data.length }, r);
      if (res.ok === 'pending') pendingFrames++;
      if (res.ok === false) {
        expect(res.reason.length).toBeGreaterThan(0);
        seen.add(res.reason.replace(/\d+/g, 'N'));
      }
      expect(r.pending).toBeLessThanOrEqual(16);
    }
    r.flush();
    expect(r.pending).toBe(0);
    expect(seen.size).toBeGreaterThan(8);
    // Every frame answered 'pending' is later reassembled or counted as dropped, never more.
    expect(dropped).toBeLessThanOrEqual(pendingFrames);
    expect(pendingFrames).toBeGreaterThan(0);
    expect(dropped + r.stats.reassembled).toBeGreaterThan(0);
  });

  it('real frames with one byte changed at random', async () => {
    const frames = await collectFrames(await openCapture('captures/linux-6.1-nfsd-v41-deleg-recall.pcap'));
    const next = rng(7);
    const r = new Ipv4Reassembler();
    for (let round = 0; round < 20; round++) {
      for (const f of frames) {
        const data = Uint8Array.from(f.data);
        data[next() % data.length] = next() & 0xff;
        const cut = next() % 4 === 0 ? data.subarray(0, next() % (data.length + 1)) : data;
        const res = decodeFrame({ ...f, data: cut }, r);
        expect(res.ok === true || res.ok === false || res.ok === 'pending').toBe(true);
      }
    }
    r.flush();
    expect(r.pending).toBe(0);
  });
});
