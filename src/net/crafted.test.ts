/** Crafted frames: link types, VLAN tags, IPv6 extension headers, fragments, malformed headers. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from '../sources/types.js';
import { decodeFrame } from './decode.js';
import { Ipv4Reassembler, REASON_TOO_MANY } from './ipv4-reassembler.js';
import { ipv6String } from './addr.js';
import type { LinkDecodeResult, TransportSegment } from './types.js';
import { tsharkAvailable, tsharkLines } from '../../test/helpers/tshark.js';

const be16 = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
};

function tcp(srcPort: number, dstPort: number, seq: number, ack: number, flags: number, payload: Buffer, optionWords = 0): Buffer {
  const h = Buffer.alloc(20 + optionWords * 4);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(ack >>> 0, 8);
  h[12] = (5 + optionWords) << 4;
  h[13] = flags;
  h.writeUInt16BE(65535, 14);
  for (let i = 20; i < h.length; i++) h[i] = 1; // NOP options
  return Buffer.concat([h, payload]);
}

function udp(srcPort: number, dstPort: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

const v4 = (s: string): Buffer => Buffer.from(s.split('.').map(Number));

function ipv4(src: string, dst: string, proto: number, payload: Buffer, o: { id?: number; mf?: boolean; fragOffset?: number; totalLen?: number; optionWords?: number } = {}): Buffer {
  const ihl = 5 + (o.optionWords ?? 0);
  const h = Buffer.alloc(ihl * 4);
  h[0] = 0x40 | ihl;
  h.writeUInt16BE(o.totalLen ?? h.length + payload.length, 2);
  h.writeUInt16BE(o.id ?? 1, 4);
  h.writeUInt16BE((o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) / 8), 6);
  h[8] = 64;
  h[9] = proto;
  v4(src).copy(h, 12);
  v4(dst).copy(h, 16);
  return Buffer.concat([h, payload]);
}

function v6(s: string): Buffer {
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const hw = head ? head.split(':') : [];
  const tw = tail ? tail.split(':') : [];
  const words = tail === undefined ? hw : [...hw, ...Array<string>(8 - hw.length - tw.length).fill('0'), ...tw];
  return Buffer.concat(words.map((w) => be16(parseInt(w, 16))));
}

function ipv6(src: string, dst: string, next: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(payload.length, 4);
  h[6] = next;
  h[7] = 64;
  v6(src).copy(h, 8);
  v6(dst).copy(h, 24);
  return Buffer.concat([h, payload]);
}

/** An extension header of `units` 8-byte units (AH: length field in 4-byte units minus 2). */
function ext(next: number, units: number, ah = false): Buffer {
  const b = Buffer.alloc(units * 8);
  b[0] = next;
  b[1] = ah ? units * 2 - 2 : units - 1;
  return b;
}

const MACS = Buffer.from('0200000000010200000000020', 'hex').subarray(0, 12);
const ether = (type: number, body: Buffer, tags: number[] = []): Buffer =>
  Buffer.concat([MACS, ...tags.map((t) => Buffer.concat([be16(t), be16(100)])), be16(type), body]);

let frameNo = 0;
const frame = (linktype: number, data: Buffer, sec = 1000): Frame => ({ no: ++frameNo, sec, nsec: 5, linktype, data, origLen: data.length });

const PAYLOAD = Buffer.from('nfs over tcp');
const tcpIp4 = (): Buffer => ipv4('10.0.0.1', '10.0.0.2', 6, tcp(700, 2049, 0xfffffff0, 42, 0x18, PAYLOAD, 3));
const tcpIp6 = (): Buffer => ipv6('2001:db8::1', 'fe80::2', 6, tcp(700, 2049, 1, 2, 0x18, PAYLOAD));

function seg(r: LinkDecodeResult): TransportSegment {
  if (r.ok !== true) throw new Error(`expected a segment, got ${JSON.stringify(r)}`);
  return r.segment;
}

function expectTcp4(r: LinkDecodeResult): void {
  const s = seg(r);
  expect([s.proto, s.srcIp, s.dstIp, s.srcPort, s.dstPort, s.seq, s.ack, s.flags]).toEqual(['tcp', '10.0.0.1', '10.0.0.2', 700, 2049, 0xfffffff0, 42, 0x18]);
  expect(Buffer.from(s.payload).toString()).toBe('nfs over tcp');
  expect(s.missing).toBe(0);
}

describe('link layers', () => {
  const r = new Ipv4Reassembler();
  it('Ethernet, 802.1Q, QinQ (0x88a8, 0x9100)', () => {
    expectTcp4(decodeFrame(frame(1, ether(0x0800, tcpIp4())), r));
    expectTcp4(decodeFrame(frame(1, ether(0x0800, tcpIp4(), [0x8100])), r));
    expectTcp4(decodeFrame(frame(1, ether(0x0800, tcpIp4(), [0x88a8, 0x8100])), r));
    expectTcp4(decodeFrame(frame(1, ether(0x0800, tcpIp4(), [0x9100, 0x8100])), r));
    expect(seg(decodeFrame(frame(1, ether(0x86dd, tcpIp6(), [0x8100])), r)).srcIp).toBe('2001:db8::1');
  });

  it('Ethernet padding is trimmed by the IPv4 total length', () => {
    const small = ipv4('10.0.0.1', '10.0.0.2', 6, tcp(1, 2, 3, 4, 0x10, Buffer.alloc(0)));
    const padded = Buffer.concat([ether(0x0800, small), Buffer.alloc(6, 0xee)]);
    expect(seg(decodeFrame(frame(1, padded), r)).payload.length).toBe(0);
  });

  it('Linux cooked v1 and v2', () => {
    const sll = Buffer.concat([be16(0), be16(1), be16(6), Buffer.alloc(8), be16(0x0800)]);
    expectTcp4(decodeFrame(frame(113, Buffer.concat([sll, tcpIp4()])), r));
    const sll2 = Buffer.concat([be16(0x86dd), be16(0), Buffer.alloc(4), be16(1), Buffer.from([0, 6]), Buffer.alloc(8)]);
    expect(seg(decodeFrame(frame(276, Buffer.concat([sll2, tcpIp6()])), r)).dstIp).toBe('fe80::2');
    const sll2v4 = Buffer.concat([be16(0x0800), Buffer.alloc(18)]);
    expectTcp4(decodeFrame(frame(276, Buffer.concat([sll2v4, tcpIp4()])), r));
    // Netlink captures (ARPHRD 824) carry a netlink family where the EtherType would be.
    const netlink = Buffer.concat([be16(0), be16(824), be16(0), Buffer.alloc(8), be16(0x0800)]);
    expect(decodeFrame(frame(113, Buffer.concat([netlink, tcpIp4()])), r)).toEqual({ ok: false, reason: 'not IP' });
    const netlink2 = Buffer.concat([be16(0x0800), be16(0), Buffer.alloc(4), be16(824), Buffer.alloc(10)]);
    expect(decodeFrame(frame(276, Buffer.concat([netlink2, tcpIp4()])), r)).toEqual({ ok: false, reason: 'not IP' });
  });

  it('raw IP link types 101, 12, 14, 228, 229', () => {
    for (const lt of [101, 12, 14, 228]) expectTcp4(decodeFrame(frame(lt, tcpIp4()), r));
    for (const lt of [101, 12, 229]) expect(seg(decodeFrame(frame(lt, tcpIp6()), r)).srcIp).toBe('2001:db8::1');
  });

  it('BSD null (either byte order) and LOOP (big-endian) with IPv4 and the IPv6 families', () => {
    const le = (n: number): Buffer => Buffer.from([n, 0, 0, 0]);
    const be = (n: number): Buffer => Buffer.from([0, 0, 0, n]);
    expectTcp4(decodeFrame(frame(0, Buffer.concat([le(2), tcpIp4()])), r));
    expectTcp4(decodeFrame(frame(0, Buffer.concat([be(2), tcpIp4()])), r));
    expectTcp4(decodeFrame(frame(108, Buffer.concat([be(2), tcpIp4()])), r));
    for (const fam of [24, 28, 30]) {
      expect(seg(decodeFrame(frame(0, Buffer.concat([le(fam), tcpIp6()])), r)).proto).toBe('tcp');
      expect(seg(decodeFrame(frame(0, Buffer.concat([be(fam), tcpIp6()])), r)).proto).toBe('tcp');
      expect(seg(decodeFrame(frame(108, Buffer.concat([be(fam), tcpIp6()])), r)).proto).toBe('tcp');
    }
    expect(decodeFrame(frame(0, Buffer.concat([le(7), tcpIp4()])), r)).toEqual({ ok: false, reason: 'not IP' });
  });

  it('gives a stable reason for whatever cannot be decoded', () => {
    const arp = ether(0x0806, Buffer.alloc(28));
    const cases: Array<[Frame, string]> = [
      [frame(105, tcpIp4()), 'unsupported link type 105'],
      [frame(1, arp), 'not IP'],
      [frame(1, Buffer.alloc(10)), 'truncated Ethernet header'],
      [frame(1, ether(0x0800, Buffer.alloc(0), [0x8100]).subarray(0, 15)), 'truncated VLAN tag'],
      [frame(1, ether(0x0800, tcpIp4().subarray(0, 19))), 'truncated IPv4 header'],
      [frame(1, ether(0x0800, ipv4('1.2.3.4', '5.6.7.8', 1, Buffer.alloc(8)))), 'ICMP'],
      [frame(1, ether(0x0800, ipv4('1.2.3.4', '5.6.7.8', 99, Buffer.alloc(8)))), 'IP protocol 99'],
      [frame(1, ether(0x86dd, ipv6('::1', '::1', 58, Buffer.alloc(8)))), 'ICMPv6'],
      [frame(1, ether(0x0800, ipv4('1.2.3.4', '5.6.7.8', 6, Buffer.alloc(10)))), 'truncated TCP header'],
      [frame(1, ether(0x0800, ipv4('1.2.3.4', '5.6.7.8', 17, Buffer.alloc(4)))), 'truncated UDP header'],
      [frame(1, ether(0x0800, ipv4('1.2.3.4', '5.6.7.8', 6, Buffer.alloc(20)))), 'bad TCP header length'],
      [frame(1, ether(0x0800, Buffer.from(tcpIp6()))), 'bad IP version'],
      [frame(1, ether(0x86dd, tcpIp6().subarray(0, 30))), 'truncated IPv6 header'],
      [frame(113, Buffer.alloc(10)), 'truncated Linux cooked header'],
      [frame(276, Buffer.alloc(10)), 'truncated Linux cooked v2 header'],
      [frame(0, Buffer.alloc(2)), 'truncated loopback header'],
    ];
    for (const [f, reason] of cases) expect(decodeFrame(f, r)).toEqual({ ok: false, reason });
    const badIhl = tcpIp4();
    badIhl[0] = 0x44;
    expect(decodeFrame(frame(101, badIhl), r)).toEqual({ ok: false, reason: 'bad IPv4 header length' });
  });

  it('offloaded total length 0 takes the captured length; a snap length cut is counted as missing', () => {
    const tso = ipv4('10.0.0.1', '10.0.0.2', 6, tcp(700, 2049, 0xfffffff0, 42, 0x18, PAYLOAD, 3), { totalLen: 0 });
    expectTcp4(decodeFrame(frame(101, tso), r));
    const full = ether(0x0800, tcpIp4());
    const s = seg(decodeFrame(frame(1, full.subarray(0, full.length - 5)), r));
    expect(Buffer.from(s.payload).toString()).toBe('nfs ove');
    expect(s.missing).toBe(5);
  });
});

describe('IPv6 extension headers', () => {
  const r = new Ipv4Reassembler();
  it('skips hop-by-hop, routing, destination options, AH and atomic fragments', () => {
    const t = tcp(700, 2049, 1, 2, 0x18, PAYLOAD);
    const chain = Buffer.concat([ext(43, 1), ext(60, 2), ext(51, 1), ext(44, 3, true), Buffer.from([6, 0, 0, 0, 0, 0, 0, 7]), t]);
    const s = seg(decodeFrame(frame(229, ipv6('2001:db8::1', '2001:db8::2', 0, chain)), r));
    expect([s.srcPort, s.dstPort, s.seq, Buffer.from(s.payload).toString()]).toEqual([700, 2049, 1, 'nfs over tcp']);
  });

  it('reports real fragments, no next header and truncated chains', () => {
    const frag = Buffer.concat([Buffer.from([17, 0, 0, 1, 0, 0, 0, 9]), udp(1, 2, Buffer.alloc(8))]); // offset 0, M=1
    expect(decodeFrame(frame(229, ipv6('::1', '::2', 44, frag)), r)).toEqual({ ok: false, reason: 'IPv6 fragment' });
    expect(decodeFrame(frame(229, ipv6('::1', '::2', 0, Buffer.concat([ext(59, 1), Buffer.alloc(8)]))), r)).toEqual({ ok: false, reason: 'IPv6 no next header' });
    const longExt = ext(6, 1);
    longExt[1] = 200;
    expect(decodeFrame(frame(229, ipv6('::1', '::2', 60, Buffer.concat([longExt, Buffer.alloc(8)]))), r)).toEqual({ ok: false, reason: 'truncated IPv6 extension header' });
  });
});

describe('IPv4 fragments', () => {
  const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff));
  const datagram = udp(2049, 800, body); // 3008 bytes of IP payload
  const frag = (off: number, len: number, more: boolean, id = 7): Buffer =>
    ether(0x0800, ipv4('192.168.1.1', '192.168.1.2', 17, datagram.subarray(off, off + len), { id, mf: more, fragOffset: off }));

  it('reassembles out-of-order fragments into one segment at the last frame', () => {
    const drops: Array<[string, number]> = [];
    const r = new Ipv4Reassembler({ onDrop: (reason, n) => drops.push([reason, n]) });
    expect(decodeFrame(frame(1, frag(1480, 1480, true)), r)).toEqual({ ok: 'pending' });
    expect(decodeFrame(frame(1, frag(2960, 48, false)), r)).toEqual({ ok: 'pending' });
    const last = frame(1, frag(0, 1480, true), 1001);
    const s = seg(decodeFrame(last, r));
    expect([s.proto, s.srcIp, s.srcPort, s.dstPort, s.frame, s.sec]).toEqual(['udp', '192.168.1.1', 2049, 800, last.no, 1001]);
    expect(Buffer.from(s.payload).equals(body)).toBe(true);
    expect(r.pending).toBe(0);
    expect(drops).toEqual([]);
  });

  it('reassembles a fragmented TCP segment, duplicates included', () => {
    const t = tcp(700, 2049, 5, 6, 0x18, body);
    const f = (off: number, len: number, more: boolean): Buffer =>
      ipv4('10.0.0.1', '10.0.0.2', 6, t.subarray(off, off + len), { id: 9, mf: more, fragOffset: off });
    const r = new Ipv4Reassembler();
    expect(decodeFrame(frame(101, f(0, 1600, true)), r).ok).toBe('pending');
    expect(decodeFrame(frame(101, f(0, 1600, true)), r).ok).toBe('pending');
    const s = seg(decodeFrame(frame(101, f(1600, t.length - 1600, false)), r));
    expect(Buffer.from(s.payload).equals(body)).toBe(true);
  });

  it('empty fragments in descending offsets: at most 2048 per datagram, linear time', () => {
    const drops: Array<[string, number]> = [];
    const r = new Ipv4Reassembler({ onDrop: (reason, n) => drops.push([reason, n]) });
    const started = performance.now();
    let refused = 0;
    for (let k = 0; k < 100_000; k++) {
      const res = r.add('one datagram', 8 * (8191 - (k % 8192)), true, new Uint8Array(0), 1000);
      if ('dropped' in res) {
        expect(res.dropped).toBe(REASON_TOO_MANY);
        refused++;
      }
    }
    // Every 2049th fragment finds 2048 waiting: the datagram is given up and a new one starts.
    expect(refused).toBe(Math.floor(100_000 / 2049));
    expect(drops.every(([reason, n]) => reason === REASON_TOO_MANY && n === 2048)).toBe(true);
    // Quadratic before: 100,000 such fragments took 10 s.
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('gives up on timeout (capture time), eviction and flush, counting frames', () => {
    const drops: Array<[string, number]> = [];
    const r = new Ipv4Reassembler({ maxDatagrams: 2, timeoutSec: 30, onDrop: (reason, n) => drops.push([reason, n]) });
    decodeFrame(frame(1, frag(0, 1480, true, 1), 1000), r);
    decodeFrame(frame(1, frag(1480, 1480, true, 1), 1000), r);
    decodeFrame(frame(1, frag(0, 1480, true, 2), 1010), r);
    decodeFrame(frame(1, frag(0, 1480, true, 3), 1020), r); // table full: datagram 1 (2 frames) evicted
    expect(drops).toEqual([['IPv4 fragment (evicted)', 2]]);
    decodeFrame(frame(1, ether(0x0800, tcpIp4()), 1045), r); // any later frame advances capture time
    expect(drops).toEqual([['IPv4 fragment (evicted)', 2], ['IPv4 fragment (incomplete)', 1]]);
    r.flush();
    expect(drops.at(-1)).toEqual(['IPv4 fragment (incomplete)', 1]);
    expect(r.pending).toBe(0);
  });

  it('refuses fragments beyond 65535 bytes and inconsistent ends', () => {
    const drops: Array<[string, number]> = [];
    const r = new Ipv4Reassembler({ onDrop: (reason, n) => drops.push([reason, n]) });
    const far = ether(0x0800, ipv4('1.1.1.1', '2.2.2.2', 17, Buffer.alloc(1000), { id: 5, mf: true, fragOffset: 65000 }));
    expect(decodeFrame(frame(1, far), r)).toEqual({ ok: false, reason: 'IPv4 fragment (datagram too large)' });
    decodeFrame(frame(1, ether(0x0800, ipv4('1.1.1.1', '2.2.2.2', 17, Buffer.alloc(800), { id: 6, mf: true, fragOffset: 800 }))), r);
    // A last fragment ending at 16 while data up to 1600 was seen.
    const early = ether(0x0800, ipv4('1.1.1.1', '2.2.2.2', 17, Buffer.alloc(8), { id: 6, mf: false, fragOffset: 8 }));
    expect(decodeFrame(frame(1, early), r)).toEqual({ ok: false, reason: 'IPv4 fragment (inconsistent)' });
    expect(drops).toEqual([['IPv4 fragment (inconsistent)', 1]]);
    expect(r.pending).toBe(0);
  });

  it('non-TCP/UDP fragments are not kept', () => {
    const r = new Ipv4Reassembler();
    const icmp = ether(0x0800, ipv4('1.1.1.1', '2.2.2.2', 1, Buffer.alloc(800), { mf: true }));
    expect(decodeFrame(frame(1, icmp), r)).toEqual({ ok: false, reason: 'ICMP' });
    expect(r.pending).toBe(0);
  });
});

describe('IPv6 address text', () => {
  const addrs = [
    '2001:db8::1', '::1', '::', 'fe80::1:0:0:1', '2001:db8:0:0:1:0:0:1', '::ffff:c000:201', '::c000:201',
    '1::', '2001:db8:0:1:1:1:1:1', '2001:0:0:1::1', 'ff02::1:ff00:1', '0:0:1::', '1:0:0:2:0:0:0:3', '::2:3:4:5:6:7',
  ];

  it('follows RFC 5952 like inet_ntop', () => {
    expect(addrs.map((a) => ipv6String(v6(a), 0))).toEqual([
      '2001:db8::1', '::1', '::', 'fe80::1:0:0:1', '2001:db8::1:0:0:1', '::ffff:192.0.2.1', '::192.0.2.1',
      '1::', '2001:db8:0:1:1:1:1:1', '2001:0:0:1::1', 'ff02::1:ff00:1', '0:0:1::', '1:0:0:2::3', '::2:3:4:5:6:7',
    ]);
  });

  it.skipIf(!tsharkAvailable)('prints the same text as tshark', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nfscope-v6-'));
    try {
      const records = addrs.map((a) => ipv6(a, '2001:db8::99', 17, udp(1, 2, Buffer.alloc(4))));
      const header = Buffer.alloc(24);
      header.writeUInt32LE(0xa1b2c3d4, 0);
      header.writeUInt16LE(2, 4);
      header.writeUInt16LE(4, 6);
      header.writeUInt32LE(65535, 16);
      header.writeUInt32LE(229, 20);
      const parts: Buffer[] = [header];
      for (const rec of records) {
        const h = Buffer.alloc(16);
        h.writeUInt32LE(rec.length, 8);
        h.writeUInt32LE(rec.length, 12);
        parts.push(h, rec);
      }
      const path = join(dir, 'v6.pcap');
      writeFileSync(path, Buffer.concat(parts));
      const got = tsharkLines(['-r', path, '-T', 'fields', '-e', 'ipv6.src']);
      const r = new Ipv4Reassembler();
      const ours = records.map((rec) => seg(decodeFrame(frame(229, rec), r)).srcIp);
      expect(ours).toEqual(got);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
