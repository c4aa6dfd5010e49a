import { describe, expect, it } from 'vitest';
import type { TransportSegment } from '../net/types.js';
import { HELD_SEGMENT_COST, TcpReassembler } from './reassembler.js';
import type { StreamEvent } from './types.js';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

const C = { ip: '10.0.0.1', port: 731 };
const S = { ip: '10.0.0.2', port: 2049 };

let frameNo = 0;
function seg(from: 'c' | 's', seq: number, data: string | Uint8Array, flags = ACK): TransportSegment {
  const [src, dst] = from === 'c' ? [C, S] : [S, C];
  const payload = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  frameNo++;
  return { frame: frameNo, sec: 1000 + frameNo, nsec: 0, proto: 'tcp', srcIp: src.ip, dstIp: dst.ip, srcPort: src.port, dstPort: dst.port, seq: seq >>> 0, ack: 0, flags, payload };
}

interface Harness {
  r: TcpReassembler;
  events: StreamEvent[];
  drops: Array<[string, number]>;
  push: (s: TransportSegment) => void;
  text: (dir: 'ab' | 'ba', connId?: number) => string;
  kinds: () => string[];
}

function harness(opts: { maxBufferedBytesPerDirection?: number; maxBufferedBytesTotal?: number; maxConnections?: number; maxClosedConnections?: number } = {}): Harness {
  frameNo = 0;
  const events: StreamEvent[] = [];
  const drops: Array<[string, number]> = [];
  const r = new TcpReassembler({ ...opts, onDrop: (reason, frame) => drops.push([reason, frame]) });
  const out = (e: StreamEvent) => events.push(e);
  return {
    r,
    events,
    drops,
    push: (s) => r.push(s, out),
    text: (dir, connId) =>
      events
        .filter((e) => e.kind === 'data' && e.dir === dir && (connId === undefined || e.conn.id === connId))
        .map((e) => (e.kind === 'data' ? new TextDecoder().decode(e.bytes) : ''))
        .join(''),
    kinds: () => events.map((e) => (e.kind === 'gap' ? `gap(${e.missing})` : e.kind)),
  };
}

function handshake(h: Harness, cIsn: number, sIsn: number): void {
  h.push(seg('c', cIsn, '', SYN));
  h.push(seg('s', sIsn, '', SYN | ACK));
  h.push(seg('c', cIsn + 1, ''));
}

describe('TcpReassembler', () => {
  it('delivers in order, names endpoints from the SYN, passes payloads through without copying', () => {
    const h = harness();
    handshake(h, 1000, 5000);
    const s1 = seg('c', 1001, 'hello ');
    h.push(s1);
    h.push(seg('c', 1007, 'world'));
    h.push(seg('s', 5001, 'reply'));
    expect(h.text('ab')).toBe('hello world');
    expect(h.text('ba')).toBe('reply');
    const first = h.events[0];
    expect(first.kind).toBe('data');
    if (first.kind === 'data') {
      expect(first.bytes).toBe(s1.payload);
      expect(first.conn).toEqual({ id: 1, a: '10.0.0.1:731', b: '10.0.0.2:2049', transport: 'tcp' });
      expect(first.frame).toBe(4);
    }
    expect(h.drops).toEqual([]);
  });

  it('drops a retransmission and counts it', () => {
    const h = harness();
    handshake(h, 1000, 5000);
    h.push(seg('c', 1001, 'abcdef'));
    h.push(seg('c', 1001, 'abcdef'));
    h.push(seg('c', 1007, 'gh'));
    expect(h.text('ab')).toBe('abcdefgh');
    expect(h.drops).toEqual([['TCP retransmission', 5]]);
    expect(h.r.stats.retransmissions).toBe(1);
  });

  it('reorders out-of-order segments and reports the frame that filled the hole', () => {
    const h = harness();
    handshake(h, 1000, 5000);
    h.push(seg('c', 1005, 'EFGH')); // frame 4, early
    h.push(seg('c', 1009, 'IJ')); // frame 5, early
    expect(h.events.length).toBe(0);
    h.push(seg('c', 1001, 'ABCD')); // frame 6 fills the hole
    expect(h.text('ab')).toBe('ABCDEFGHIJ');
    expect(h.events.map((e) => (e.kind === 'data' ? e.frame : -1))).toEqual([6, 6, 6]);
    expect(h.r.stats.outOfOrder).toBe(2);
  });

  it('trims overlapping bytes, in order and among held segments', () => {
    const h = harness();
    handshake(h, 1000, 5000);
    h.push(seg('c', 1001, 'ABCD'));
    h.push(seg('c', 1003, 'CDEF')); // overlaps 2 bytes
    h.push(seg('c', 1010, 'JKL')); // held
    h.push(seg('c', 1008, 'HIJK')); // held, overlaps the previous held one
    h.push(seg('c', 1007, 'G')); // fills
    expect(h.text('ab')).toBe('ABCDEFGHIJKL');
    expect(h.r.stats.overlapsTrimmed).toBe(2);
    expect(h.drops).toEqual([]);
  });

  it('handles sequence number wraparound', () => {
    const h = harness();
    const isn = 0xfffffff8;
    handshake(h, isn, 7);
    h.push(seg('c', isn, '', SYN)); // SYN retransmitted, ISN above 2^31: the same connection
    expect(h.r.stats.connections).toBe(1);
    h.push(seg('c', isn + 1, 'abcd')); // 0xfffffff9..0xfffffffc
    h.push(seg('c', 0x00000001, 'ijk')); // after the wrap, early
    h.push(seg('c', 0xfffffffd, 'efgh')); // 0xfffffffd..0x00000000
    h.push(seg('c', 0xfffffffd, 'efgh')); // retransmitted across the wrap
    expect(h.text('ab')).toBe('abcdefghijk');
    expect(h.drops.map((d) => d[0])).toEqual(['TCP retransmission']);
  });

  it('starts a connection seen mid-stream with a gap of unknown size', () => {
    const h = harness();
    h.push(seg('s', 90000, 'tail-of-something'));
    h.push(seg('c', 123456, 'req'));
    expect(h.kinds()).toEqual(['gap(-1)', 'data', 'gap(-1)', 'data']);
    const d = h.events[1];
    if (d.kind === 'data') expect(d.conn.a).toBe('10.0.0.2:2049');
  });

  it('skips a hole at once when the receiver acknowledges past it (segments the capture missed)', () => {
    const h = harness();
    handshake(h, 1000, 5000);
    h.push(seg('c', 1001, 'aaaa'));
    // 'bbbb' (1005..1008) was never captured; 'cccc' waits behind the hole.
    h.push(seg('c', 1009, 'cccc'));
    expect(h.text('ab')).toBe('aaaa');
    // An ACK that does not cover the held data changes nothing.
    const early = seg('s', 5001, '');
    early.ack = 1005;
    h.push(early);
    expect(h.kinds().filter((k) => k.startsWith('gap'))).toEqual([]);
    // The server acknowledges 1013: it got the missing bytes, so they will never come again.
    const ack = seg('s', 5001, '');
    ack.ack = 1013;
    h.push(ack);
    expect(h.kinds().filter((k) => k.startsWith('gap'))).toEqual(['gap(4)']);
    expect(h.text('ab')).toBe('aaaacccc');
    expect(h.r.heldBytes).toBe(0);
  });

  it('gives up on a hole when held bytes exceed the bound, emits a gap and continues', () => {
    // Each held segment counts its payload and HELD_SEGMENT_COST: room for two 4-byte segments.
    const h = harness({ maxBufferedBytesPerDirection: 2 * (4 + HELD_SEGMENT_COST) + 4 });
    handshake(h, 0, 0);
    h.push(seg('c', 1, 'aaaa'));
    // bytes 5..8 lost
    h.push(seg('c', 9, 'cccc')); // held: one segment
    h.push(seg('c', 13, 'dddd')); // held: two
    expect(h.kinds()).toEqual(['data']);
    h.push(seg('c', 17, 'eeee')); // three, over the bound -> give up the hole
    expect(h.kinds()).toEqual(['data', 'gap(4)', 'data', 'data', 'data']);
    expect(h.text('ab')).toBe('aaaaccccddddeeee');
    expect(h.r.stats.gapBytes).toBe(4);
    // The lost bytes arriving late are a retransmission now.
    h.push(seg('c', 5, 'bbbb'));
    expect(h.drops.map((x) => x[0])).toEqual(['TCP retransmission']);
  });

  it('closes after FIN both ways, then drops late data; FIN with a hole flushes with a gap on close', () => {
    const h = harness();
    handshake(h, 100, 200);
    h.push(seg('c', 101, 'abc'));
    h.push(seg('c', 104, '', FIN | ACK));
    h.push(seg('s', 201, '', FIN | ACK));
    expect(h.kinds()).toEqual(['data', 'closed']);
    expect(h.r.size).toBe(1); // tombstone
    h.push(seg('c', 101, 'abc'));
    expect(h.drops).toEqual([['TCP data after connection closed', 7]]);
  });

  it('RST closes the connection and delivers held data after a gap', () => {
    const h = harness();
    handshake(h, 100, 200);
    h.push(seg('c', 110, 'late'));
    h.push(seg('s', 201, '', RST));
    expect(h.kinds()).toEqual(['gap(9)', 'data', 'closed']);
  });

  it('a new SYN on the same ports after close (port reuse) starts a new connection id', () => {
    const h = harness();
    handshake(h, 100, 200);
    h.push(seg('c', 101, 'one'));
    h.push(seg('c', 104, '', FIN | ACK));
    h.push(seg('s', 201, '', FIN | ACK));
    handshake(h, 90000, 3);
    h.push(seg('c', 90001, 'two'));
    expect(h.text('ab', 1)).toBe('one');
    expect(h.text('ab', 2)).toBe('two');
    expect(h.r.stats.connections).toBe(2);
  });

  it('a new SYN with another ISN on a live connection closes it and starts a new one', () => {
    const h = harness();
    handshake(h, 100, 200);
    h.push(seg('c', 101, 'one'));
    h.push(seg('c', 100, '', SYN)); // SYN retransmission: same ISN, ignored
    expect(h.r.stats.connections).toBe(1);
    handshake(h, 777, 888);
    h.push(seg('c', 778, 'two'));
    expect(h.kinds()).toEqual(['data', 'closed', 'data']);
    expect(h.text('ab', 2)).toBe('two');
  });

  it('bounds the connection table, evicting the least recently active', () => {
    const h = harness({ maxConnections: 2 });
    const mk = (port: number, seq: number, data: string): TransportSegment => ({ ...seg('c', seq, data), srcPort: port });
    h.push(mk(1, 10, 'a'));
    h.push(mk(2, 10, 'b'));
    h.push(mk(1, 11, 'c')); // conn 1 active again
    h.push(mk(3, 10, 'd')); // evicts conn 2 (least recent)
    expect(h.r.size).toBe(2);
    expect(h.r.stats.evicted).toBe(1);
    const closed = h.events.filter((e) => e.kind === 'closed');
    expect(closed.map((e) => e.conn.id)).toEqual([2]);
    h.push(mk(1, 12, 'e'));
    expect(h.text('ab', 1)).toBe('ace');
  });

  it('keeps at most maxClosedConnections tombstones, retiring the longest closed first', () => {
    const h = harness({ maxClosedConnections: 2 });
    const mk = (port: number, seq: number, data: string, flags = ACK): TransportSegment => ({ ...seg('c', seq, data, flags), srcPort: port });
    const mkS = (port: number, seq: number, flags: number): TransportSegment => ({ ...seg('s', seq, '', flags), dstPort: port });
    h.push(mk(100, 10, 'open')); // conn 1 stays open throughout
    for (let port = 1; port <= 5; port++) {
      h.push(mk(port, 10, 'x'));
      h.push(mk(port, 11, '', FIN | ACK));
      h.push(mkS(port, 50, FIN | ACK));
    }
    expect(h.r.size).toBe(3); // the open one + the two most recent tombstones (ports 4 and 5)
    expect(h.r.stats.evicted).toBe(0);
    h.push(mk(5, 10, 'x')); // late copy for a kept tombstone: recognised
    expect(h.drops).toEqual([['TCP data after connection closed', frameNo]]);
    h.push(mk(1, 10, 'y')); // port 1's tombstone was retired: a new connection, seen mid-stream
    expect(h.r.stats.connections).toBe(7);
    h.push(mk(100, 14, '!'));
    expect(h.text('ab', 1)).toBe('open!');
    const out: StreamEvent[] = [];
    h.r.flush((e) => out.push(e));
    expect(out.filter((e) => e.kind === 'closed').length).toBe(2); // both open ones, nothing skipped
    expect(h.r.size).toBe(0);
  });

  it('flush closes every open connection even when each close retires tombstones (bound 0)', () => {
    const h = harness({ maxClosedConnections: 0 });
    const mk = (port: number, data: string): TransportSegment => ({ ...seg('c', 10, data), srcPort: port });
    for (let port = 1; port <= 4; port++) h.push(mk(port, 'p'));
    const out: StreamEvent[] = [];
    h.r.flush((e) => out.push(e));
    expect(out.filter((e) => e.kind === 'closed').map((e) => e.conn.id)).toEqual([1, 2, 3, 4]);
    expect(h.r.size).toBe(0);
  });

  it('flush delivers held data after a gap and closes everything', () => {
    const h = harness();
    handshake(h, 0, 0);
    h.push(seg('c', 5, 'xyz'));
    const out: StreamEvent[] = [];
    h.r.flush((e) => out.push(e));
    expect(out.map((e) => (e.kind === 'gap' ? `gap(${e.missing})` : e.kind))).toEqual(['gap(4)', 'data', 'closed']);
    expect(h.r.size).toBe(0);
  });

  it('UDP: one event per datagram on a udp flow', () => {
    const h = harness();
    const u = (from: 'c' | 's', data: string): TransportSegment => ({ ...seg(from, 0, data, 0), proto: 'udp' });
    h.push(u('c', 'dgram1'));
    h.push(u('s', 'dgram2'));
    h.push(u('c', 'dgram3'));
    const data = h.events.filter((e) => e.kind === 'data');
    expect(data.map((e) => (e.kind === 'data' ? `${e.dir}:${new TextDecoder().decode(e.bytes)}` : ''))).toEqual(['ab:dgram1', 'ba:dgram2', 'ab:dgram3']);
    expect(data[0].conn.transport).toBe('udp');
  });
});

describe('TcpReassembler: hostile input', () => {
  it('random segments on a few ports: no throw, buffers and table stay within bounds', () => {
    let x = 12345;
    const rnd = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    const h = harness({ maxBufferedBytesPerDirection: 4096, maxConnections: 8 });
    let maxHeld = 0;
    for (let i = 0; i < 20000; i++) {
      const len = rnd() % 600;
      const payload = new Uint8Array(len);
      const s = seg(rnd() & 1 ? 'c' : 's', rnd() % 3 === 0 ? rnd() : 1000 + (rnd() % 20000), payload, rnd() & 0x1f);
      s.srcPort = s.srcPort + (rnd() % 12);
      h.push(s);
      maxHeld = Math.max(maxHeld, h.r.heldBytes);
      expect(h.r.size).toBeLessThanOrEqual(8);
    }
    // 8 connections x 2 directions x 4096 bytes (+ one segment over the bound before it is released).
    expect(maxHeld).toBeLessThanOrEqual(8 * 2 * (4096 + 600));
    const out: StreamEvent[] = [];
    h.r.flush((e) => out.push(e));
    expect(h.r.size).toBe(0);
    expect(h.r.heldBytes).toBe(0);
  });

  it('bounds out-of-order bytes over all connections: the longest-holding direction gives up its hole first', () => {
    const h = harness({ maxBufferedBytesPerDirection: 64 * 1024, maxBufferedBytesTotal: 100_000 });
    const chunk = new Uint8Array(1000).fill(0x61);
    // 40 client connections, each missing its first 10 bytes, then 5 KB behind the hole.
    let maxHeld = 0;
    for (let c = 0; c < 40; c++) {
      const port = 1000 + c;
      const syn = seg('c', 100, '', SYN);
      syn.srcPort = port;
      h.push(syn);
      for (let k = 0; k < 5; k++) {
        const s = seg('c', 111 + 10 + k * 1000, chunk);
        s.srcPort = port;
        h.push(s);
        maxHeld = Math.max(maxHeld, h.r.heldBytes);
      }
    }
    // 40 x 5000 bytes were held at some point; never more than the bound (plus the segment that crossed it).
    expect(maxHeld).toBeLessThanOrEqual(100_000 + 1000 + HELD_SEGMENT_COST);
    expect(h.r.heldBytes).toBeLessThanOrEqual(100_000);
    const gaps = h.events.filter((e) => e.kind === 'gap');
    // The first connections gave up their holes (in the order they started holding), the last ones still wait.
    expect(gaps.length).toBeGreaterThanOrEqual(20);
    expect(gaps.map((e) => e.conn.id)).toEqual([...gaps.map((e) => e.conn.id)].sort((a, b) => a - b));
    const first = h.events.filter((e) => e.kind === 'data' && e.conn.id === gaps[0].conn.id);
    expect(first.reduce((n, e) => n + (e.kind === 'data' ? e.bytes.length : 0), 0)).toBe(5000);
    const out: StreamEvent[] = [];
    h.r.flush((e) => out.push(e));
    expect(h.r.heldBytes).toBe(0);
    // Every held byte came out in the end.
    const delivered = [...h.events, ...out].reduce((n, e) => n + (e.kind === 'data' ? e.bytes.length : 0), 0);
    expect(delivered).toBe(40 * 5000);
  });

  it('tiny segments in descending order: bounded segments held, linear time', () => {
    const h = harness();
    handshake(h, 0, 0);
    // A hole at 1..10, then 100,000 one-byte segments, last first.
    const one = new Uint8Array([0x78]);
    const started = performance.now();
    let maxHeld = 0;
    for (let k = 100_000; k > 0; k--) {
      h.push(seg('c', 10 + 2 * k, one));
      if (k % 1000 === 0) maxHeld = Math.max(maxHeld, h.r.heldBytes);
    }
    // At most 2048 segments wait (then the hole is given up and older bytes are retransmissions).
    expect(maxHeld).toBeLessThanOrEqual(2048 * (1 + HELD_SEGMENT_COST));
    expect(h.kinds().filter((k) => k.startsWith('gap('))).toHaveLength(1);
    // Quadratic before: 50,000 such segments took seconds, 200,000 over a minute.
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('a keep-alive probe is named as such', () => {
    const h = harness();
    handshake(h, 0, 0);
    h.push(seg('c', 1, 'abc'));
    h.push(seg('c', 3, 'c'));
    expect(h.drops.map((d) => d[0])).toEqual(['TCP keep-alive']);
  });
});

describe('TcpReassembler: connection identity', () => {
  it('same ports, different addresses (and IPv6) are different connections', () => {
    const h = harness();
    const mk = (srcIp: string, dstIp: string, data: string): TransportSegment => ({ ...seg('c', 10, data), srcIp, dstIp });
    h.push(mk('10.0.0.1', '10.0.0.2', 'one'));
    h.push(mk('10.0.1.1', '10.0.0.2', 'two'));
    h.push(mk('10.0.0.1', '10.0.0.3', 'three'));
    h.push(mk('fe80::1', 'fe80::2', 'six'));
    h.push(mk('fe80::1', 'fe80::2', 'six')); // retransmission on the IPv6 connection
    const data = h.events.filter((e) => e.kind === 'data');
    expect(data.map((e) => (e.kind === 'data' ? [e.conn.id, e.conn.a, e.conn.b] : []))).toEqual([
      [1, '10.0.0.1:731', '10.0.0.2:2049'],
      [2, '10.0.1.1:731', '10.0.0.2:2049'],
      [3, '10.0.0.1:731', '10.0.0.3:2049'],
      [4, '[fe80::1]:731', '[fe80::2]:2049'],
    ]);
    expect(h.drops).toEqual([['TCP retransmission', 5]]);
  });

  it('many connections: each finds its own state again', () => {
    const h = harness();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 500; i++) {
        const s: TransportSegment = { ...seg('c', 100 + round * 2, `${round}${round}`), srcIp: `192.168.${i % 7}.${i % 250}`, srcPort: 600 + (i % 300) };
        h.push(s);
      }
    }
    const byConn = new Map<number, string>();
    for (const e of h.events) if (e.kind === 'data') byConn.set(e.conn.id, (byConn.get(e.conn.id) ?? '') + new TextDecoder().decode(e.bytes));
    const distinct = new Set(Array.from({ length: 500 }, (_, i) => `192.168.${i % 7}.${i % 250}:${600 + (i % 300)}`)).size;
    expect(byConn.size).toBe(distinct);
    expect(h.drops.length).toBe(3 * 500 - 3 * distinct);
    for (const text of byConn.values()) expect(text).toBe('001122');
  });

  it('connections opened and closed by the thousand (table rebuilt, removed entries skipped) keep their own state, also when their address digests collide', () => {
    const h = harness({ maxClosedConnections: 16 });
    const live: number[] = [];
    const text = new Map<number, string>();
    let opened = 0;
    // Every connection claims the same address digests (srcKey/dstKey), as a decoder whose
    // digests collide would: only the port and the printable address tell them apart.
    const mk = (i: number, data: string, flags: number): TransportSegment => ({
      ...seg('c', 10 + (flags & SYN ? 0 : 1) + (data === 'b' ? 1 : 0), data, flags),
      srcIp: `10.${(i >> 8) & 255}.${i & 255}.1`, srcPort: 1000 + (i % 50), srcKey: 7, dstKey: 9,
    });
    for (let step = 0; step < 6000; step++) {
      if (live.length < 40 && step % 3 !== 2) {
        const i = opened++;
        h.push(mk(i, '', SYN));
        h.push(mk(i, 'a', ACK));
        live.push(i);
      } else {
        const i = live.splice((step * 7) % live.length, 1)[0];
        h.push(mk(i, 'b', ACK));
        h.push({ ...seg('c', 0, '', RST), srcIp: mk(i, '', ACK).srcIp, srcPort: 1000 + (i % 50), srcKey: 7, dstKey: 9 });
      }
    }
    for (const e of h.events) if (e.kind === 'data') text.set(e.conn.id, (text.get(e.conn.id) ?? '') + new TextDecoder().decode(e.bytes));
    expect(opened).toBeGreaterThan(3000);
    const finished = opened - live.length;
    expect([...text.values()].filter((t) => t === 'ab').length).toBe(finished);
    expect([...text.values()].filter((t) => t === 'a').length).toBe(live.length);
    expect(h.drops).toEqual([]);
    expect(h.r.size).toBeLessThanOrEqual(live.length + 16);
  });
});

describe('TcpReassembler with reuseDataEvents', () => {
  it('delivers the same events as without reuse, in one object', () => {
    const run = (reuse: boolean) => {
      frameNo = 0;
      const seen: Array<{ obj: StreamEvent; copy: string }> = [];
      const r = new TcpReassembler({ reuseDataEvents: reuse });
      // The new bytes of a data event: all of `bytes`, or bytes[start .. end) when given.
      const out = (e: StreamEvent) => {
        const bytes = e.kind === 'data' ? [...e.bytes.subarray(e.start ?? 0, e.end ?? e.bytes.length)] : undefined;
        const { start: _s, end: _e, ...rest } = e.kind === 'data' ? e : { ...e, start: 0, end: 0 };
        seen.push({ obj: e, copy: JSON.stringify({ ...rest, bytes }) });
      };
      r.push(seg('c', 99, '', SYN), out);
      r.push(seg('c', 100, 'one'), out);
      r.push(seg('s', 7, 'two'), out);
      r.push(seg('c', 107, 'four'), out); // held behind a hole
      r.push(seg('c', 103, 'thr'), out); // fills it: two data events in one push
      r.flush(out);
      return seen;
    };
    const fresh = run(false);
    const reused = run(true);
    expect(reused.map((s) => s.copy)).toEqual(fresh.map((s) => s.copy));
    const dataObjs = new Set(reused.filter((s) => s.obj.kind === 'data').map((s) => s.obj));
    expect(dataObjs.size).toBe(1);
    expect(fresh.filter((s) => s.obj.kind === 'data')).toHaveLength(4);
    // The reused event locates its bytes by start/end instead of a view of them.
    expect(reused.some((s) => s.obj.kind === 'data' && s.obj.start !== undefined)).toBe(true);
  });
});
