/**
 * Builds a large benchmark capture by replaying the real captures many times. Each replay
 * moves every IPv4 address to its own 127.x.y.z address (both ends of a connection get the
 * same new address, so connections stay distinct across replays and keep their roles) and
 * shifts timestamps past the previous replay. IP/TCP checksums are left as they were:
 * neither nfscope nor tshark (by default) checks them.
 */
import { createWriteStream } from 'node:fs';
import { openCapture } from '../src/sources/index.js';
import type { Frame } from '../src/sources/types.js';

const ETHERTYPE_IPV4 = 0x0800;

/** Frames of one capture that can be replayed (Ethernet II + IPv4). */
async function loadFrames(path: string): Promise<Frame[]> {
  const src = await openCapture(path);
  const out: Frame[] = [];
  for await (const batch of src.batches()) {
    for (const f of batch) {
      if (f.linktype !== 1 || f.data.length < 34) continue;
      if (((f.data[12] << 8) | f.data[13]) !== ETHERTYPE_IPV4) continue;
      out.push({ ...f, data: Buffer.from(f.data) });
    }
  }
  return out;
}

function pcapHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(1, 20);
  return h;
}

export interface BuildResult {
  path: string;
  bytes: number;
  packets: number;
}

/** Writes at least `targetBytes` of replayed traffic to `outPath` (classic pcap, µs). */
export async function buildLargeCapture(inputs: string[], outPath: string, targetBytes: number): Promise<BuildResult> {
  const sets = await Promise.all(inputs.map(loadFrames));
  const frames = sets.flat();
  if (frames.length === 0) throw new Error('no replayable frames in the inputs');
  const out = createWriteStream(outPath, { highWaterMark: 4 << 20 });
  const write = (b: Buffer): Promise<void> | undefined =>
    out.write(b) ? undefined : new Promise((resolve) => out.once('drain', () => resolve()));
  let bytes = 24;
  let packets = 0;
  await write(pcapHeader());
  // Each capture of each replay starts where the previous one ended (+1 s).
  const durations = sets.map((s) => (s.length === 0 ? 0 : s[s.length - 1].sec - s[0].sec + 2));
  let baseSec = 1_700_000_000;
  let copy = 0;
  for (let replay = 0; bytes < targetBytes; replay++) {
    const chunk: Buffer[] = [];
    let chunkBytes = 0;
    for (let set = 0; set < sets.length; set++, copy++) {
      // 127.a.b.c with c odd: a distinct address pair per copy of each capture.
      const addr = [127, (copy >> 15) & 0xff, (copy >> 7) & 0xff, ((copy & 0x7f) << 1) | 1];
      const first = sets[set][0];
      for (const f of sets[set]) {
        const rec = Buffer.allocUnsafe(16 + f.data.length);
        const rel = f.sec - (first?.sec ?? 0) + (f.nsec - (first?.nsec ?? 0)) / 1e9;
        const t = baseSec + Math.max(0, rel);
        const sec = Math.floor(t);
        rec.writeUInt32LE(sec, 0);
        rec.writeUInt32LE(Math.min(999_999, Math.floor((t - sec) * 1e6)), 4);
        rec.writeUInt32LE(f.data.length, 8);
        rec.writeUInt32LE(f.origLen, 12);
        (f.data as Buffer).copy(rec, 16);
        // IPv4 source and destination at Ethernet offset 14 + 12 / 14 + 16.
        rec[16 + 26] = rec[16 + 30] = addr[0];
        rec[16 + 27] = rec[16 + 31] = addr[1];
        rec[16 + 28] = rec[16 + 32] = addr[2];
        rec[16 + 29] = rec[16 + 33] = addr[3];
        chunk.push(rec);
        chunkBytes += rec.length;
        packets++;
      }
      baseSec += durations[set];
    }
    bytes += chunkBytes;
    const pending = write(Buffer.concat(chunk, chunkBytes));
    if (pending) await pending;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { path: outPath, bytes, packets };
}
