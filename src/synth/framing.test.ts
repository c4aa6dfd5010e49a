import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureWriter, MemorySink, type CaptureFormat } from './captureWriter.js';
import { Clock } from './clock.js';
import { Network } from './tcp.js';
import { RpcConnection, NFS_PROGRAM, recordMark, type SentRecord } from './rpc.js';
import { foldChecksum, sumWords } from './frames.js';
import { openCapture } from '../sources/open.js';
import type { Frame } from '../sources/types.js';
import { decodeRpcHeader } from '../../dissectors/rpc/header.js';
import { tsharkAvailable, tsharkFields } from '../../test/helpers/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'nfscope-synth-'));

const CRED = { flavor: 'sys' as const, sys: { stamp: 7, machinename: 'client-a', uid: 1000, gid: 1000, gids: [1000, 27] } };

/** A short exchange exercising every framing feature (no split marker: tshark can't). */
function exchange(w: MemorySink | CaptureWriter): SentRecord[] {
  const clock = new Clock(1_800_000_000, 123_456_789);
  const net = new Network({ sink: w, clock });
  const tcp = net.connect({ ip: '192.168.7.10', port: 871 }, { ip: '192.168.7.1', port: 2049 });
  const rpc = new RpcConnection(tcp, { cred: CRED });
  const body = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
  rpc.call(0x7a000001, NFS_PROGRAM, 4, 0, new Uint8Array(0));
  rpc.reply(0x7a000001, new Uint8Array(0));
  rpc.call(0x7a000002, NFS_PROGRAM, 4, 0, body(300, 1), { fragments: 3, chunk: 61 });
  rpc.reply(0x7a000002, body(40, 2), { fragments: 2 });
  const p1 = rpc.prepareCall(0x7a000003, NFS_PROGRAM, 4, 0, body(20, 3));
  const p2 = rpc.prepareCall(0x7a000004, NFS_PROGRAM, 4, 0, body(24, 4));
  rpc.transmit('client', [p1, p2]);
  rpc.transmit('server', [rpc.prepareReply('server', 0x7a000003, body(8, 5)), rpc.prepareReply('server', 0x7a000004, body(8, 6))]);
  rpc.cbCall(0x00c0ffee, body(64, 7));
  rpc.cbReply(0x00c0ffee, body(12, 8));
  rpc.call(0x7a000005, NFS_PROGRAM, 4, 0, body(6000, 9));
  rpc.reply(0x7a000005, body(16, 10));
  rpc.ack('client');
  tcp.close('client');
  return rpc.sent;
}

async function readAll(path: string): Promise<Frame[]> {
  const src = await openCapture(path, { onProblem: (p) => { throw new Error(p.reason); } });
  const frames: Frame[] = [];
  for await (const batch of src.batches()) frames.push(...batch);
  return frames;
}

describe('record marking', () => {
  it('splits a message into fragments with the last-fragment bit only on the last one', () => {
    const msg = Uint8Array.from({ length: 10 }, (_, i) => i);
    const wire = recordMark(msg, 3);
    const dv = new DataView(wire.buffer);
    expect(dv.getUint32(0)).toBe(3);
    expect(dv.getUint32(7)).toBe(3);
    expect(dv.getUint32(14)).toBe((0x80000000 | 4) >>> 0);
    expect([...wire.subarray(4, 7), ...wire.subarray(11, 14), ...wire.subarray(18)]).toEqual([...msg]);
  });
});

describe('frames', () => {
  it('IPv4 and TCP checksums verify to zero over the written bytes', () => {
    const sink = new MemorySink();
    exchange(sink);
    expect(sink.packets.length).toBeGreaterThan(15);
    for (const { data } of sink.packets) {
      expect(foldChecksum(sumWords(data, 14, 34))).toBe(0);
      const tcpLen = data.length - 34;
      const pseudo = sumWords(data, 26, 34) + 6 + tcpLen;
      expect(foldChecksum(sumWords(data, 34, data.length, pseudo))).toBe(0);
    }
  });

  it('records land in the frames where their first and last bytes were sent', () => {
    const sink = new MemorySink();
    const sent = exchange(sink);
    // Rebuild each direction's payload stream and check each record starts in firstFrame.
    for (const r of sent) {
      const first = sink.packets[r.firstFrame - 1].data;
      const last = sink.packets[r.frame - 1].data;
      expect(first.length).toBeGreaterThan(54);
      expect(last.length).toBeGreaterThan(54);
    }
    const fragmented = sent.find((r) => r.xid === 0x7a000002 && r.msgtyp === 0)!;
    expect(fragmented.frame - fragmented.firstFrame).toBeGreaterThanOrEqual(5);
    const pair = sent.filter((r) => r.xid === 0x7a000003 || r.xid === 0x7a000004);
    expect(new Set(pair.filter((r) => r.msgtyp === 0).map((r) => r.frame)).size).toBe(1);
  });

  it('RPC messages decode with the project RPC header decoder', () => {
    const sent = exchange(new MemorySink());
    for (const r of sent) {
      const h = decodeRpcHeader(r.message);
      expect(h.ok).toBe(true);
      if (!h.ok) continue;
      expect(h.header.xid).toBe(r.xid);
      expect(h.header.msgType).toBe(r.msgtyp === 0 ? 'call' : 'reply');
      if (h.header.msgType === 'call') {
        expect(h.header.prog).toBe(r.prog);
        if (r.prog === NFS_PROGRAM) expect(h.header.cred.sys?.machinename).toBe('client-a');
        else expect(h.header.cred.flavorName).toBe('AUTH_NONE');
      } else {
        expect(h.header.acceptStat).toBe('SUCCESS');
      }
    }
  });
});

describe('capture files', () => {
  const formats: CaptureFormat[] = ['pcap', 'nsec', 'pcapng'];
  for (const format of formats) {
    it(`${format}: the project reader returns the same frames and timestamps`, async () => {
      const mem = new MemorySink();
      exchange(mem);
      const path = join(dir, `exchange.${format}`);
      const w = new CaptureWriter(path, format, { chunkBytes: 4096 });
      exchange(w);
      await w.close();
      const frames = await readAll(path);
      expect(frames.length).toBe(mem.packets.length);
      frames.forEach((f, i) => {
        const p = mem.packets[i];
        expect(Buffer.from(f.data).equals(Buffer.from(p.data))).toBe(true);
        expect(f.sec).toBe(p.sec);
        expect(f.nsec).toBe(format === 'pcap' ? Math.floor(p.nsec / 1000) * 1000 : p.nsec);
        expect(f.linktype).toBe(1);
      });
    });
  }

  it('pcap header fields', () => {
    const path = join(dir, 'hdr.pcap');
    const w = new CaptureWriter(path, 'nsec');
    return w.close().then(() => {
      const b = readFileSync(path);
      expect(b.length).toBe(24);
      expect(b.readUInt32LE(0)).toBe(0xa1b23c4d);
      expect(b.readUInt32LE(20)).toBe(1);
    });
  });
});

describe.skipIf(!tsharkAvailable)('tshark oracle', () => {
  for (const format of ['pcap', 'pcapng'] as CaptureFormat[]) {
    it(`${format}: RPC frames, xids and message types match; no TCP analysis flags or bad checksums`, async () => {
      const path = join(dir, `tshark.${format}`);
      const w = new CaptureWriter(path, format);
      const sent = exchange(w);
      await w.close();
      const rows = tsharkFields(path, ['frame.number', 'rpc.xid', 'rpc.msgtyp']).filter((r) => r[1].length > 0);
      const want = new Map<number, { xids: string[]; types: string[] }>();
      for (const r of sent) {
        const e = want.get(r.frame) ?? { xids: [], types: [] };
        e.xids.push('0x' + r.xid.toString(16).padStart(8, '0'));
        e.types.push(String(r.msgtyp));
        want.set(r.frame, e);
      }
      expect(rows.map((r) => [Number(r[0][0]), r[1], r[2]])).toEqual([...want.entries()].map(([f, e]) => [f, e.xids, e.types]));
      const bad = tsharkFields(path, ['frame.number'], ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-Y', 'tcp.analysis.flags || tcp.checksum.status==Bad || ip.checksum.status==Bad']);
      expect(bad).toEqual([]);
    });
  }
});
