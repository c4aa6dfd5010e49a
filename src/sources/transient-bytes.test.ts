/**
 * Transient bytes: read buffers handed out again once the consumer moved on. The frames must
 * be the same, buffers must really be reused, and no stage of the engine may keep a view into
 * a buffer that is later overwritten (small buffers, so every capture spans many of them).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, type AnalyzedMessage } from '../engine.js';
import { openCapture } from './open.js';
import { ChunkPool } from './chunks.js';
import { markedNfsCall, pcapFileHeader, rawTcpRecord } from '../../test/helpers/raw-pcap.js';

const CAPTURES = join(import.meta.dirname, '..', '..', 'captures');
const SMALL_CHUNKS = 4096;

/**
 * Two client connections to one server. On the first, the first of 80 calls comes last: the
 * other 79 wait behind it (held) across many small read buffers. The second starts
 * mid-connection inside a record: the resync scan finds the next call's start, whose header
 * is cut by the segment's end, and the rest comes 100 filler frames later (the scan's carry).
 */
function heldAndResyncCapture(): Buffer {
  const client: [number, number, number, number] = [10, 0, 0, 1];
  const server: [number, number, number, number] = [10, 0, 0, 2];
  const recs: Buffer[] = [];
  let usec = 0;
  const send = (srcPort: number, seq: number, payload: Uint8Array, flags?: number): void => {
    recs.push(rawTcpRecord({ usec: usec++, src: client, srcPort, dst: server, dstPort: 2049, seq, ack: 1, flags, payload }));
  };
  const calls = Array.from({ length: 80 }, (_v, i) => markedNfsCall(0x1000 + i, 0));
  const seqOf = (i: number): number => 5000 + 44 * i;
  send(800, seqOf(0) - 1, new Uint8Array(0), 0x02); // SYN
  for (let i = 1; i < 80; i++) send(800, seqOf(i), calls[i]);
  send(800, seqOf(0), calls[0]);
  const a = markedNfsCall(0x2000, 0);
  const b = markedNfsCall(0x2001, 0);
  send(801, 9000, Buffer.concat([Buffer.alloc(15, 0xee), a.subarray(0, 12)]));
  for (let i = 0; i < 100; i++) send(802, 1, new Uint8Array(0));
  send(801, 9027, Buffer.concat([a.subarray(12), b]));
  return Buffer.concat([pcapFileHeader(), ...recs]);
}

/** Everything the engine said about a message, taken at once (before the next batch). */
function digest(m: AnalyzedMessage): string {
  const r = m.rpc;
  const ops = m.nfs?.ops.map((o) => `${o.op}/${o.status ?? ''}/${o.malformed?.reason ?? ''}/${JSON.stringify(o.args ?? o.res, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? v.toString() : v))}`);
  return `${r.record.frame} ${r.type} ${r.xid} ${r.program} ${r.procedure} ${r.callFrame ?? ''} ${Buffer.from(r.record.bytes).toString('hex')} ${m.undecoded ?? ''} ${ops?.join(' ') ?? ''}`;
}

/** Messages, the engine's summary, and how many distinct read buffers (chunk-sized) frames lay in. */
async function run(path: string, transientBytes: boolean, chunkSize = SMALL_CHUNKS): Promise<{ messages: string[]; summary: unknown; buffers: number }> {
  const messages: string[] = [];
  const engine = new Engine({ onMessage: (m) => messages.push(digest(m)) });
  const source = await openCapture(path, { chunkSize });
  const buffers = new Set<ArrayBufferLike>();
  for await (const batch of source.batches({ transient: true, transientBytes })) {
    for (const f of batch) {
      // Records that span two chunks are copied into buffers of their own size: not counted.
      if (f.data.buffer.byteLength === chunkSize) buffers.add(f.data.buffer);
      engine.feed(f);
    }
  }
  engine.finish();
  return { messages, summary: engine.summary(), buffers: buffers.size };
}

describe('transient bytes', () => {
  const files = readdirSync(CAPTURES).filter((f) => f.endsWith('.pcap'));

  it.each(files)('%s: the engine sees the same messages with reused read buffers', async (name) => {
    const path = join(CAPTURES, name);
    const fresh = await run(path, false);
    const reused = await run(path, true);
    expect(reused.messages).toEqual(fresh.messages);
    expect(reused.summary).toEqual(fresh.summary);
    const chunks = Math.floor(readFileSync(path).length / SMALL_CHUNKS);
    // The pool keeps up to 8 free buffers, plus the ones being read and parsed.
    expect(reused.buffers).toBeLessThanOrEqual(Math.min(chunks + 1, 11));
    if (chunks > 20) expect(fresh.buffers).toBeGreaterThan(chunks / 2);
  });

  it('segments held out of order and a resync carry keep their bytes across many buffers', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nfscope-tb-')), 'held.pcap');
    writeFileSync(path, heldAndResyncCapture());
    const fresh = await run(path, false, 512);
    const reused = await run(path, true, 512);
    expect(fresh.messages.length).toBe(82);
    expect(reused.messages).toEqual(fresh.messages);
    expect(reused.summary).toEqual(fresh.summary);
    expect(reused.buffers).toBeLessThanOrEqual(11);
    expect(fresh.buffers).toBeGreaterThan(20);
    expect(JSON.stringify(fresh.summary)).toContain('out-of-order');
    expect(JSON.stringify(fresh.summary)).toContain('resynchronising');
  });

  const editcapAvailable = spawnSync('editcap', ['-h']).status === 0;
  if (process.env.CI === 'true' && !editcapAvailable) throw new Error('CI=true but editcap (wireshark-common) is missing');
  it.skipIf(!editcapAvailable)('pcapng too: the same messages, buffers reused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfscope-tb-'));
    // Many copies of one capture's records, so that the file spans many buffers.
    const one = readFileSync(join(CAPTURES, 'linux-6.1-nfsd-v41-deleg-recall.pcap'));
    const pcap = join(dir, 'many.pcap');
    writeFileSync(pcap, Buffer.concat([one, ...Array.from({ length: 5 }, () => one.subarray(24))]));
    const ng = join(dir, 'many.pcapng');
    expect(spawnSync('editcap', ['-F', 'pcapng', pcap, ng]).status).toBe(0);
    const fresh = await run(ng, false);
    const reused = await run(ng, true);
    expect(reused.messages).toEqual(fresh.messages);
    expect(fresh.buffers).toBeGreaterThan(40);
    expect(reused.buffers).toBeLessThanOrEqual(11);
  });

  it('the pool hands back only its own buffers, at most maxFree of them', () => {
    const pool = new ChunkPool(8192, 2);
    const a = pool.take();
    const b = pool.take();
    const c = pool.take();
    pool.give(Buffer.alloc(8192)); // not the pool's
    pool.give(a.subarray(10, 20)); // a view of a's memory gives a back
    pool.give(a);
    pool.give(b);
    pool.give(c); // over maxFree
    const again = [pool.take(), pool.take(), pool.take()];
    const memories = again.map((x) => x.buffer);
    expect(memories).toContain(a.buffer);
    expect(memories).toContain(b.buffer);
    expect(memories).not.toContain(c.buffer);
    expect(again.every((x) => x.length === 8192)).toBe(true);
  });
});
