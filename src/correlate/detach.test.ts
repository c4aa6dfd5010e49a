import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, runEngine, type AnalyzedMessage } from '../engine.js';
import { openCapture } from '../sources/index.js';
import { detachCompound, MAX_DETACHED_OPAQUE } from './detach.js';
import type { NfsCompound } from '../../dissectors/nfs4/types.js';
import { InvalidUtf8 } from '../../dissectors/xdr/runtime.js';
import { decodeNfsCall, encodeNfsCompound } from '../../dissectors/nfs4/compound.js';
import { encodeRpcCall, recordMark } from '../../dissectors/rpc/encode.js';
import { pcapFileHeader, rawTcpRecord } from '../../test/helpers/raw-pcap.js';
import { Correlator } from './correlator.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const CAPTURES = join(import.meta.dirname, '..', '..', 'captures');

/** Every byte array inside a value. */
function byteArrays(v: unknown, out: Uint8Array[] = []): Uint8Array[] {
  if (v instanceof Uint8Array) out.push(v);
  else if (Array.isArray(v)) for (const x of v) byteArrays(x, out);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) byteArrays(x, out);
  return out;
}

/** The value with byte arrays as hex and spans left out, for comparing. */
function plain(c: NfsCompound): string {
  return JSON.stringify({ ...c, spans: undefined, ops: c.ops.map((o) => ({ ...o, spans: undefined })) }, (_k, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'bigint' ? `${v}n` : v,
  );
}

describe('detachCompound', () => {
  it('copies every decoded call and reply of real captures: equal values, no memory shared with the record', async () => {
    const messages: AnalyzedMessage[] = [];
    for (const name of ['linux-6.1-nfsd-v41-deleg-recall.pcap', 'crafted-dirdeleg-notify-1.pcap', 'ganesha-proxy-v41-scenario.pcap']) {
      await runEngine(await openCapture(join(CAPTURES, name)), { onMessage: (m) => messages.push(m) });
    }
    const decoded = messages.filter((m) => m.nfs !== undefined);
    expect(decoded.length).toBeGreaterThan(300);
    let arrays = 0;
    for (const m of decoded) {
      const d = detachCompound(m.nfs!);
      expect(plain(d)).toBe(plain(m.nfs!));
      for (const b of byteArrays(d.ops)) {
        arrays++;
        expect(b.buffer).not.toBe(m.rpc.record.bytes.buffer);
      }
    }
    expect(arrays).toBeGreaterThan(500);
  });

  it('leaves out opaques longer than MAX_DETACHED_OPAQUE', () => {
    const record = new Uint8Array(100_000);
    const c: NfsCompound = {
      program: 'NFS', type: 'call', procedure: 1, procName: 'COMPOUND', tag: '', minorversion: 1,
      ops: [
        { opnum: 22, op: 'PUTFH', args: { object: record.subarray(0, 28) }, offset: 0, length: 36 },
        { opnum: 15, op: 'LOOKUP', args: { objname: new InvalidUtf8(record.subarray(30, 33)) }, offset: 36, length: 12 },
        { opnum: 38, op: 'WRITE', args: { stateid: { seqid: 1, other: record.subarray(40, 52) }, offset: 0, stable: 'UNSTABLE4', data: record.subarray(60, 60 + MAX_DETACHED_OPAQUE + 1) }, offset: 36, length: 5000 },
      ],
    };
    const d = detachCompound(c);
    const name = (d.ops[1].args as { objname: InvalidUtf8 }).objname;
    expect(name).toBeInstanceOf(InvalidUtf8);
    expect(name.bytes.buffer).not.toBe(record.buffer);
    expect(name.bytes.length).toBe(3);
    const write = d.ops[2].args as { data: Uint8Array; stateid: { other: Uint8Array } };
    expect(write.data.length).toBe(0);
    expect(write.stateid.other.length).toBe(12);
    expect(write.stateid.other.buffer).not.toBe(record.buffer);
    expect((d.ops[0].args as { object: Uint8Array }).object.length).toBe(28);
  });

  it('a traced compound\'s copy keeps no byte spans (they describe the record, and their table is reused)', () => {
    const body = encodeNfsCompound({
      program: 'NFS', type: 'call', procedure: 1, procName: 'COMPOUND', tag: '', minorversion: 1,
      ops: [{ opnum: 22, op: 'PUTFH', args: { object: new Uint8Array(28).fill(1) }, offset: 0, length: 0 }],
    });
    const traced = decodeNfsCall(body, 0, 'NFS', 4, 1, { trace: true });
    expect(traced.ops[0].spanTable).toBeDefined();
    const d = detachCompound(traced);
    expect(d.spanTable).toBeUndefined();
    expect(d.ops[0].spanTable).toBeUndefined();
    expect(d.ops[0].spanStart).toBeUndefined();
    expect((d.ops[0].args as { object: Uint8Array }).object).toEqual(new Uint8Array(28).fill(1));
  });

  it('calls kept until their reply hold no view of their records (unanswered 1 MB WRITE calls)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nfscope-detach-')), 'writes.pcap');
    writeFileSync(path, unansweredWrites(150, 1 << 20));
    const correlator = new Correlator({ keepRecords: false });
    const engine = new Engine({ correlator });
    for await (const batch of (await openCapture(path)).batches({ transient: true })) for (const f of batch) engine.feed(f);
    // All 150 calls wait for their replies here. The memory their kept values point into:
    // kept as views, each held its 1 MB record.
    const pending = (correlator as unknown as { pending: { values(): Iterable<{ nfs?: NfsCompound }> } }).pending;
    const buffers = new Set<ArrayBufferLike>();
    let calls = 0;
    for (const p of pending.values()) {
      calls++;
      for (const b of byteArrays(p.nfs?.ops)) buffers.add(b.buffer);
    }
    expect(calls).toBe(150);
    expect([...buffers].reduce((n, b) => n + b.byteLength, 0)).toBeLessThan(1024 * 1024);
    engine.finish();
    expect(correlator.stats().ops.find((o) => o.name === 'WRITE')?.unanswered).toBe(150);
  });
});

/** Raw-IPv4 pcap of `n` COMPOUND calls SEQUENCE PUTFH WRITE with `size` bytes of data, none answered. */
function unansweredWrites(n: number, size: number): Buffer {
  const parts: Buffer[] = [pcapFileHeader()];
  let seq = 1000;
  let usec = 0;
  for (let x = 0; x < n; x++) {
    const compound = {
      program: 'NFS', type: 'call', procedure: 1, procName: 'COMPOUND', tag: '', minorversion: 1, ops: [
        { opnum: 53, op: 'SEQUENCE', args: { sa_sessionid: new Uint8Array(16).fill(2), sa_sequenceid: x + 1, sa_slotid: 0, sa_highest_slotid: 0, sa_cachethis: false }, offset: 0, length: 0 },
        { opnum: 22, op: 'PUTFH', args: { object: new Uint8Array(28).fill(1) }, offset: 0, length: 0 },
        { opnum: 38, op: 'WRITE', args: { stateid: { seqid: 1, other: new Uint8Array(12).fill(3) }, offset: x * size, stable: 'UNSTABLE4', data: new Uint8Array(size) }, offset: 0, length: 0 },
      ],
    } satisfies NfsCompound;
    const rec = recordMark(encodeRpcCall({ xid: x + 1, prog: 100003, vers: 4, proc: 1, body: encodeNfsCompound(compound) }));
    for (let i = 0; i < rec.length; i += 60000) {
      const payload = rec.subarray(i, i + 60000);
      parts.push(rawTcpRecord({ usec: usec++, src: [10, 0, 0, 1], srcPort: 800, dst: [10, 0, 0, 2], dstPort: 2049, seq, payload }));
      seq += payload.length;
    }
  }
  return Buffer.concat(parts);
}
