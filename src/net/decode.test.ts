/** Real captures against tshark, then crafted link/IP variants. */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openCapture } from '../sources/open.js';
import { collectFrames } from '../sources/collect.js';
import { decodeFrame } from './decode.js';
import { Ipv4Reassembler } from './ipv4-reassembler.js';
import type { TransportSegment } from './types.js';
import { tsharkAvailable, tsharkLines } from '../../test/helpers/tshark.js';

function captureFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['captures', 'captures/public']) {
    for (const name of readdirSync(dir)) if (name.endsWith('.pcap')) out.push(join(dir, name));
  }
  return out;
}

describe.skipIf(!tsharkAvailable)('real captures against tshark', () => {
  for (const file of captureFiles()) {
    it(file, async () => {
      const frames = await collectFrames(await openCapture(file));
      const reasm = new Ipv4Reassembler();
      const fields = ['frame.number', 'ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.flags', 'tcp.len', 'udp.srcport', 'udp.dstport', 'udp.length'];
      const rows = tsharkLines(['-r', file, '-T', 'fields', '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])]).map((l) => l.split('\t'));
      expect(rows.length).toBe(frames.length);
      let tcp = 0;
      let udp = 0;
      frames.forEach((frame, i) => {
        const [no, ip4src, ip6src, ip4dst, ip6dst, tsport, tdport, seq, ack, flags, tlen, usport, udport, ulen] = rows[i];
        expect(Number(no)).toBe(frame.no);
        const r = decodeFrame(frame, reasm);
        if (tsport !== '') {
          expect(r.ok, `frame ${frame.no}`).toBe(true);
          const s = (r as { segment: TransportSegment }).segment;
          expect(s.proto).toBe('tcp');
          expect(s.srcIp).toBe(ip4src || ip6src);
          expect(s.dstIp).toBe(ip4dst || ip6dst);
          expect(s.srcPort).toBe(Number(tsport));
          expect(s.dstPort).toBe(Number(tdport));
          expect(s.seq).toBe(Number(seq));
          expect(s.ack).toBe(Number(ack));
          expect(s.flags).toBe(Number(flags) & 0x1ff);
          expect(s.payload.length + (s.missing ?? 0)).toBe(Number(tlen));
          expect(s.frame).toBe(frame.no);
          expect(s.sec).toBe(frame.sec);
          tcp++;
        } else if (usport !== '') {
          expect(r.ok, `frame ${frame.no}`).toBe(true);
          const s = (r as { segment: TransportSegment }).segment;
          expect(s.proto).toBe('udp');
          expect(s.srcPort).toBe(Number(usport));
          expect(s.dstPort).toBe(Number(udport));
          expect(s.payload.length + (s.missing ?? 0)).toBe(Number(ulen) - 8);
          udp++;
        } else {
          expect(r.ok, `frame ${frame.no}`).toBe(false);
          expect((r as { reason: string }).reason.length).toBeGreaterThan(0);
        }
      });
      expect(tcp).toBeGreaterThan(0);
      expect(reasm.pending).toBe(0);
    });
  }
});
