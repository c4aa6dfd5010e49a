/**
 * TCP stream reassembly: TransportSegment in, ordered StreamEvents out, per connection and
 * per direction. UDP datagrams pass through the same connection table (so both kinds share
 * ids and the LRU bound) and come out as one StreamBytes event per datagram on a
 * ConnectionKey with transport 'udp'.
 *
 * Memory is bounded: out-of-order bytes per direction (maxBufferedBytesPerDirection) and over
 * all connections (maxBufferedBytesTotal), and the number of tracked connections
 * (maxConnections, least recently active evicted first).
 * In-order payloads are passed through as the same Uint8Array (no copy); only segments that
 * must wait for a hole to fill are copied.
 *
 * Frame attribution: bytes are reported at the frame where they became available in order.
 * A retransmission carries nothing new and is dropped ('TCP retransmission'), so a record
 * completed by an original segment keeps that segment's frame (crafted-dirdeleg-notify-1:
 * the OPEN call completes in frame 40; frame 42 re-sends its last 6 bytes and is dropped,
 * which is also tshark's choice). Segments held behind a hole are delivered when the hole
 * fills, stamped with the frame (and time) of the segment that filled it: that is the first
 * moment the bytes were usable, and it keeps frame numbers of records non-decreasing.
 * Endpoints are "ip:port", IPv6 as "[addr]:port".
 */
import type { TransportSegment } from '../net/types.js';
import type { ConnectionKey, StreamBytes, StreamEvent } from './types.js';
import { insertionPoint } from '../sorted.js';
import { copyBytes } from '../../dissectors/bytes.js';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

export interface TcpReassemblerOptions {
  /** Out-of-order bytes held per direction while waiting for a hole to fill (default 4 MiB). */
  maxBufferedBytesPerDirection?: number;
  /**
   * Out-of-order bytes held over all connections (default 64 MiB): beyond it, the direction
   * that has been holding longest gives up its hole (as when its own bound is reached). A
   * capture of one side of many lossy connections would otherwise hold the per-direction
   * bound once per direction (8192 connections x 2 x 4 MiB).
   */
  maxBufferedBytesTotal?: number;
  /** Connections (TCP and UDP flows, including recently closed ones) tracked at once (default 65536). */
  maxConnections?: number;
  /**
   * Closed connections kept as tombstones, most recently closed first (default: no bound
   * beyond maxConnections). Tombstones only recognise late segments of a finished connection;
   * on captures of many short connections they would otherwise fill the whole table.
   */
  maxClosedConnections?: number;
  /** A frame's payload was not delivered (retransmission, data after close). */
  onDrop?: (reason: string, frame: number) => void;
  /**
   * Deliver every 'data' event in one object, overwritten for the next, whose new bytes are
   * bytes[start .. end) (no allocation and no view per segment). Only for consumers that read
   * start/end and are done with an event when their callback returns.
   */
  reuseDataEvents?: boolean;
}

export interface TcpReassemblerStats {
  /** Connection incarnations (TCP) and flows (UDP) created. */
  connections: number;
  /** Connections dropped from the table while still open because it was full. */
  evicted: number;
  /** Gap events emitted, and the number of missing bytes they announced (known sizes only). */
  gaps: number;
  gapBytes: number;
  /** Segments entirely made of bytes already delivered. */
  retransmissions: number;
  /** Segments whose leading bytes were already delivered (trimmed, rest delivered). */
  overlapsTrimmed: number;
  /** Segments held for reordering. */
  outOfOrder: number;
  /** Bytes delivered in order. */
  bytesDelivered: number;
}

/**
 * What a held segment costs beyond its payload (its object and array slot), counted in the
 * byte bounds: a flood of 1-byte segments would otherwise hold millions of objects.
 */
export const HELD_SEGMENT_COST = 64;
/**
 * Segments held per direction at most (an insert moves those after it): beyond, the hole is
 * given up as when the byte bound is reached.
 */
const MAX_HELD_SEGMENTS = 2048;

/** A segment held until the bytes before it arrive (its payload copied). */
interface HeldSegment {
  seq: number;
  bytes: Uint8Array;
  frame: number;
}

/** Shared by every direction holding nothing (never written): most never hold a segment. */
const NOTHING_HELD: HeldSegment[] = [];

/**
 * One direction of a connection: the sender's view of sequence space.
 *
 * Connections and their directions are object literals made by newConn/newHalf rather than
 * class instances: a literal has an allocation site, so V8 can see that nearly all of them
 * outlive a young-generation collection and allocate them in the old generation directly
 * ("pretenuring") instead of copying each one twice. On the benchmark replay, whose
 * connections mostly stay open until evicted, that halved what scavenges copied (200 MB slice:
 * promoted 15.1 -> 8.5 MB, young survivors 15.5 -> 8.7 MB).
 */
interface Half {
  /** nextSeq is known (set by SYN or by the first segment seen). */
  started: boolean;
  /**
   * Sequence numbers (nextSeq, isn, finSeq) are kept as their int32 bits (`| 0`): as small
   * integers they live in the object itself, while uint32 values above 2^31 would each need a
   * boxed heap number per field per connection. Comparisons use differences `(a - b) | 0`,
   * which are the same for either form.
   */
  nextSeq: number;
  synSeen: boolean;
  isn: number;
  /** Capture began after this direction started: announce a gap of unknown size before its first data. */
  gapPending: boolean;
  hasFin: boolean;
  finSeq: number;
  /** NOTHING_HELD until the first out-of-order segment. */
  held: HeldSegment[];
  heldBytes: number;
  readonly conn: Conn;
  readonly dir: 'ab' | 'ba';
  /** Sender's view of the 4-tuple: segments from srcIp:srcPort to dstIp:dstPort. */
  readonly srcIp: string;
  readonly srcKey: number;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstKey: number;
  readonly dstPort: number;
}

function newHalf(conn: Conn, dir: 'ab' | 'ba', srcIp: string, srcKey: number, srcPort: number, dstIp: string, dstKey: number, dstPort: number): Half {
  return {
    started: false, nextSeq: 0, synSeen: false, isn: 0, gapPending: false, hasFin: false, finSeq: 0, held: NOTHING_HELD, heldBytes: 0,
    conn, dir, srcIp, srcKey, srcPort, dstIp, dstKey, dstPort,
  };
}

/** All bytes up to this direction's FIN delivered. */
function finished(h: Half): boolean {
  return h.hasFin && h.nextSeq === h.finSeq && h.held.length === 0;
}

interface Conn {
  readonly key: ConnectionKey;
  readonly udp: boolean;
  /** Set by newConn right after the literal is made (each half points back at the connection). */
  ab: Half;
  ba: Half;
  /** Closed connections stay as tombstones (no buffers) so late segments are recognised. */
  closed: boolean;
  /** Removed from the table (a tombstone queue entry may still point at it). */
  forgotten: boolean;
  /** LRU list links (head = least recently active). */
  prev: Conn | null;
  next: Conn | null;
}

/** Stands in for a connection's halves while newConn builds them (each half points back at the
 *  connection, so the connection exists first); never seen outside newConn. */
const NO_HALF = {} as Half;

/** aIp:aPort is endpoint a (the SYN sender or first sender). */
function newConn(key: ConnectionKey, udp: boolean, aIp: string, aKey: number, aPort: number, bIp: string, bKey: number, bPort: number): Conn {
  const conn: Conn = { key, udp, ab: NO_HALF, ba: NO_HALF, closed: false, forgotten: false, prev: null, next: null };
  conn.ab = newHalf(conn, 'ab', aIp, aKey, aPort, bIp, bKey, bPort);
  conn.ba = newHalf(conn, 'ba', bIp, bKey, bPort, aIp, aKey, aPort);
  return conn;
}

function endpoint(ip: string, port: number): string {
  return ip.indexOf(':') >= 0 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Numeric digest of a printable address, for segments that carry no srcKey/dstKey. */
function stringKey(ip: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ip.length; i++) h = Math.imul(h ^ ip.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * Small-integer bucket key for a directed 4-tuple, from numeric address digests: building and
 * hashing strings per segment cost far more than the rest of the in-order path, and every
 * byte of the address must count (keying on a few characters put a /16 of clients into a
 * handful of buckets). Collisions are resolved in the bucket.
 */
function tupleKey(srcKey: number, srcPort: number, dstKey: number, dstPort: number): number {
  let h = Math.imul(srcPort * 65536 + dstPort, 0x9e3779b1) ^ Math.imul(srcKey, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ Math.imul(dstKey, 0xc2b2ae35);
  h ^= h >>> 16;
  // 1 .. 2^30: never EMPTY_KEY (0) or TOMBSTONE_KEY (-1) of HalfIndex.
  return (h & 0x3fffffff) + 1;
}

/** HalfIndex slot markers: never a tupleKey. */
const EMPTY_KEY = 0;
const TOMBSTONE_KEY = -1;
const INDEX_MIN_CAPACITY = 64;

/**
 * Directed 4-tuple -> Half: an open-addressing table (linear probing) on tupleKey. A Map of
 * buckets cost about 0.6 µs per insertion on captures of many short connections (a new
 * connection every ~50 packets), more than the rest of a connection's set-up; here an
 * insertion or removal is a probe and a store. Removed entries leave a tombstone until the
 * next rebuild, so probe chains stay intact.
 */
class HalfIndex {
  private keys = new Int32Array(INDEX_MIN_CAPACITY);
  private halves: Array<Half | null> = new Array<Half | null>(INDEX_MIN_CAPACITY).fill(null);
  /** Slots holding a Half, and slots holding a tombstone (key TOMBSTONE_KEY, no Half). */
  private live = 0;
  private dead = 0;
  /** The arrays the last rebuild replaced (see rebuild). */
  private spareKeys: Int32Array<ArrayBuffer> | null = null;
  private spareHalves: Array<Half | null> | null = null;

  find(srcIp: string, srcKey: number, srcPort: number, dstIp: string, dstKey: number, dstPort: number): Half | undefined {
    const k = tupleKey(srcKey, srcPort, dstKey, dstPort);
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = k & mask; ; i = (i + 1) & mask) {
      const at = keys[i];
      if (at === EMPTY_KEY) return undefined;
      if (at !== k) continue;
      const h = this.halves[i]!;
      if (h.srcPort === srcPort && h.dstPort === dstPort && h.srcIp === srcIp && h.dstIp === dstIp) return h;
    }
  }

  add(h: Half): void {
    if ((this.live + this.dead + 1) * 2 > this.keys.length) this.rebuild();
    this.place(h, tupleKey(h.srcKey, h.srcPort, h.dstKey, h.dstPort));
    this.live++;
  }

  remove(h: Half): void {
    const k = tupleKey(h.srcKey, h.srcPort, h.dstKey, h.dstPort);
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = k & mask; keys[i] !== EMPTY_KEY; i = (i + 1) & mask) {
      if (keys[i] === k && this.halves[i] === h) {
        keys[i] = TOMBSTONE_KEY;
        this.halves[i] = null;
        this.live--;
        this.dead++;
        return;
      }
    }
  }

  clear(): void {
    this.keys = new Int32Array(INDEX_MIN_CAPACITY);
    this.halves = new Array<Half | null>(INDEX_MIN_CAPACITY).fill(null);
    this.spareKeys = null;
    this.spareHalves = null;
    this.live = 0;
    this.dead = 0;
  }

  /** First empty slot of k's probe chain (the table always has empty slots). */
  private place(h: Half, k: number): void {
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = k & mask;
    while (keys[i] !== EMPTY_KEY) i = (i + 1) & mask;
    keys[i] = k;
    this.halves[i] = h;
  }

  /** Re-inserts the live entries, without tombstones, into a table an eighth full (so the next
   *  rebuild is 3/8 of the capacity of insertions away). */
  private rebuild(): void {
    let capacity = INDEX_MIN_CAPACITY;
    while (capacity < (this.live + 1) * 8) capacity *= 2;
    const oldKeys = this.keys;
    const oldHalves = this.halves;
    // The arrays given up by the previous rebuild are used again when the size matches (a
    // table of steady size is rebuilt every few thousand connections): fresh megabytes each
    // time cost a page fault per 4 KiB, and page faults are dear on virtual machines.
    const spareKeys = this.spareKeys;
    const spareHalves = this.spareHalves;
    if (spareKeys !== null && spareHalves !== null && spareKeys.length === capacity) {
      // The spare's Halves were cleared when it was put aside (below); only its keys are stale.
      spareKeys.fill(EMPTY_KEY);
      this.keys = spareKeys;
      this.halves = spareHalves;
    } else {
      this.keys = new Int32Array(capacity);
      this.halves = new Array<Half | null>(capacity).fill(null);
    }
    this.dead = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      const h = oldHalves[i];
      if (h !== null) this.place(h, oldKeys[i]);
    }
    // The old arrays are kept as the next rebuild's target, emptied of Halves now (they must
    // not keep forgotten connections alive).
    oldHalves.fill(null);
    this.spareKeys = oldKeys;
    this.spareHalves = oldHalves;
  }
}

export class TcpReassembler {
  private readonly maxHeld: number;
  private readonly maxHeldTotal: number;
  /** Out-of-order bytes held over all connections. */
  private heldTotal = 0;
  /** Directions holding bytes, in the order they started to (a Set keeps insertion order). */
  private readonly holders = new Set<Half>();
  private readonly maxConns: number;
  private readonly maxClosed: number;
  /** Tombstones in closing order (entries already forgotten are skipped); from closedHead on. */
  private closedQueue: Conn[] = [];
  private closedHead = 0;
  /** Tombstones in the table. */
  private closedCount = 0;
  private readonly onDrop: (reason: string, frame: number) => void;
  private readonly reuseDataEvents: boolean;
  private readonly dataEvent: StreamBytes = { kind: 'data', conn: { id: 0, a: '', b: '' }, dir: 'ab', bytes: new Uint8Array(0), start: 0, end: 0, frame: 0, sec: 0, nsec: 0 };
  private readonly tcp = new HalfIndex();
  private readonly udp = new HalfIndex();
  private lruHead: Conn | null = null;
  private lruTail: Conn | null = null;
  private connCount = 0;
  private nextId = 1;
  private lastFrame = 0;
  private lastSec = 0;
  private lastNsec = 0;

  readonly stats: TcpReassemblerStats = {
    connections: 0,
    evicted: 0,
    gaps: 0,
    gapBytes: 0,
    retransmissions: 0,
    overlapsTrimmed: 0,
    outOfOrder: 0,
    bytesDelivered: 0,
  };

  constructor(opts: TcpReassemblerOptions = {}) {
    this.maxHeld = opts.maxBufferedBytesPerDirection ?? 4 * 1024 * 1024;
    this.maxHeldTotal = opts.maxBufferedBytesTotal ?? 64 * 1024 * 1024;
    this.maxConns = Math.max(1, opts.maxConnections ?? 65536);
    this.maxClosed = Math.max(0, opts.maxClosedConnections ?? Infinity);
    this.onDrop = opts.onDrop ?? noDrop;
    this.reuseDataEvents = opts.reuseDataEvents === true;
  }

  /** Number of connections currently tracked (open ones and tombstones). */
  get size(): number {
    return this.connCount;
  }

  /** Out-of-order bytes held over all connections (payloads plus HELD_SEGMENT_COST each). */
  get heldBytes(): number {
    return this.heldTotal;
  }

  /** Feeds one segment; events for it (and for anything it unblocks) go to `out` synchronously. */
  push(seg: TransportSegment, out: (e: StreamEvent) => void): void {
    this.lastFrame = seg.frame;
    this.lastSec = seg.sec;
    this.lastNsec = seg.nsec;
    if (seg.proto === 'udp') {
      this.pushUdp(seg, out);
      return;
    }
    const flags = seg.flags;
    // The payload's location, read in place when the decoder gave it (no view per segment).
    let pbuf = seg.payloadBuf;
    let pstart = 0;
    let plen: number;
    if (pbuf !== undefined) {
      pstart = seg.payloadStart ?? 0;
      plen = seg.payloadLength ?? 0;
    } else {
      pbuf = seg.payload;
      plen = pbuf.length;
    }
    const srcKey = seg.srcKey ?? stringKey(seg.srcIp);
    const dstKey = seg.dstKey ?? stringKey(seg.dstIp);
    let half = this.tcp.find(seg.srcIp, srcKey, seg.srcPort, seg.dstIp, dstKey, seg.dstPort);
    if (half === undefined) {
      // A lone ACK or RST for a connection we never saw carries nothing to reassemble.
      if ((flags & (SYN | FIN)) === 0 && plen === 0) return;
      half = this.open(seg, srcKey, dstKey, out);
    } else if (half.conn.closed) {
      if ((flags & SYN) !== 0) {
        this.forget(half.conn);
        half = this.open(seg, srcKey, dstKey, out);
      } else {
        if (plen > 0) this.onDrop('TCP data after connection closed', seg.frame);
        return;
      }
    } else if ((flags & SYN) !== 0 && half.started && !(half.synSeen && half.isn === (seg.seq | 0))) {
      // A new SYN with another ISN on a live 4-tuple: the ports were reused.
      this.close(half.conn, out, seg.frame, seg.sec, seg.nsec);
      this.forget(half.conn);
      half = this.open(seg, srcKey, dstKey, out);
    }
    const conn = half.conn;
    if (conn !== this.lruTail) this.touch(conn);

    if ((flags & RST) !== 0) {
      this.close(conn, out, seg.frame, seg.sec, seg.nsec);
      return;
    }
    let dataSeq = seg.seq;
    if ((flags & SYN) !== 0) {
      dataSeq = (dataSeq + 1) >>> 0;
      if (!half.synSeen) {
        half.synSeen = true;
        half.isn = seg.seq | 0;
      }
      if (!half.started) {
        half.started = true;
        half.nextSeq = dataSeq | 0;
      }
    } else if (!half.started) {
      half.started = true;
      half.nextSeq = dataSeq | 0;
      half.gapPending = true;
    }
    if ((flags & ACK) !== 0) this.skipAckedHole(half === conn.ab ? conn.ba : conn.ab, seg.ack, out);
    if ((flags & FIN) !== 0 && !half.hasFin) {
      half.hasFin = true;
      half.finSeq = (dataSeq + plen) | 0;
    }
    if (plen > 0) this.data(half, dataSeq, pbuf, pstart, plen, seg, out);
    if (finished(conn.ab) && finished(conn.ba)) this.close(conn, out, seg.frame, seg.sec, seg.nsec);
  }

  /**
   * End of input: bytes still waiting behind holes are delivered after gap events, and every
   * tracked connection is reported closed. The reassembler is empty afterwards.
   */
  flush(out: (e: StreamEvent) => void): void {
    // Listed first: closing one may retire tombstones, which unlinks them from the list.
    const open: Conn[] = [];
    for (let c = this.lruHead; c !== null; c = c.next) if (!c.closed) open.push(c);
    for (const c of open) this.close(c, out, this.lastFrame, this.lastSec, this.lastNsec);
    this.tcp.clear();
    this.udp.clear();
    this.lruHead = this.lruTail = null;
    this.connCount = 0;
    this.closedQueue = [];
    this.closedHead = 0;
    this.closedCount = 0;
  }

  private pushUdp(seg: TransportSegment, out: (e: StreamEvent) => void): void {
    const srcKey = seg.srcKey ?? stringKey(seg.srcIp);
    const dstKey = seg.dstKey ?? stringKey(seg.dstIp);
    let half = this.udp.find(seg.srcIp, srcKey, seg.srcPort, seg.dstIp, dstKey, seg.dstPort);
    if (half === undefined) {
      const conn = this.create(seg.srcIp, srcKey, seg.srcPort, seg.dstIp, dstKey, seg.dstPort, true);
      this.udp.add(conn.ab);
      this.udp.add(conn.ba);
      half = conn.ab;
      this.evictIfFull(out, seg.frame);
    } else if (half.conn !== this.lruTail) {
      this.touch(half.conn);
    }
    if (seg.payload.length === 0) {
      this.onDrop('UDP datagram without payload', seg.frame);
      return;
    }
    const payload = seg.payload;
    this.stats.bytesDelivered += payload.length;
    out(this.dataEventFor(half, payload, 0, payload.length, seg.frame, seg.sec, seg.nsec));
  }

  /**
   * The data event for buf[start .. end). A fresh event carries exactly those bytes; the
   * reused one (reuseDataEvents) carries buf with start/end, so no view is made.
   */
  private dataEventFor(half: Half, buf: Uint8Array, start: number, end: number, frame: number, sec: number, nsec: number): StreamBytes {
    if (!this.reuseDataEvents) {
      const bytes = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
      return { kind: 'data', conn: half.conn.key, dir: half.dir, bytes, frame, sec, nsec };
    }
    const e = this.dataEvent;
    e.conn = half.conn.key;
    e.dir = half.dir;
    e.bytes = buf;
    e.start = start;
    e.end = end;
    e.frame = frame;
    e.sec = sec;
    e.nsec = nsec;
    return e;
  }

  /** Creates a connection for a segment with no live state; returns the sender's half. */
  private open(seg: TransportSegment, srcKey: number, dstKey: number, out: (e: StreamEvent) => void): Half {
    // The SYN sender is 'a'; a SYN+ACK comes from 'b'; otherwise the first sender is 'a'.
    const fromB = (seg.flags & (SYN | ACK)) === (SYN | ACK);
    const conn = fromB
      ? this.create(seg.dstIp, dstKey, seg.dstPort, seg.srcIp, srcKey, seg.srcPort, false)
      : this.create(seg.srcIp, srcKey, seg.srcPort, seg.dstIp, dstKey, seg.dstPort, false);
    this.tcp.add(conn.ab);
    this.tcp.add(conn.ba);
    this.evictIfFull(out, seg.frame);
    return fromB ? conn.ba : conn.ab;
  }

  private create(aIp: string, aKey: number, aPort: number, bIp: string, bKey: number, bPort: number, udp: boolean): Conn {
    const key: ConnectionKey = { id: this.nextId++, a: endpoint(aIp, aPort), b: endpoint(bIp, bPort), transport: udp ? 'udp' : 'tcp' };
    const conn = newConn(key, udp, aIp, aKey, aPort, bIp, bKey, bPort);
    this.stats.connections++;
    this.connCount++;
    this.append(conn);
    return conn;
  }

  /** The payload is buf[start .. start + len). */
  private data(half: Half, seq: number, buf: Uint8Array, start: number, len: number, seg: TransportSegment, out: (e: StreamEvent) => void): void {
    const diff = (seq - half.nextSeq) | 0;
    if (diff > 0) {
      if (half.hasFin && ((seq - half.finSeq) | 0) >= 0) {
        this.onDrop('TCP data after FIN', seg.frame);
        return;
      }
      this.hold(half, seq, copyBytes(buf, start, start + len), seg, out);
      return;
    }
    if (diff + len <= 0) {
      this.stats.retransmissions++;
      // A keep-alive repeats the last byte (or none) to probe the peer: not a real resend.
      this.onDrop(diff === -1 && len <= 1 ? 'TCP keep-alive' : 'TCP retransmission', seg.frame);
      return;
    }
    if (diff < 0) {
      this.stats.overlapsTrimmed++;
      start -= diff;
    }
    this.deliver(half, buf, start, start + len + (diff < 0 ? diff : 0), seg.frame, seg.sec, seg.nsec, out);
    if (half.held.length > 0) this.drain(half, seg.frame, seg.sec, seg.nsec, out);
  }

  /** Delivers buf[start .. end) in order. */
  private deliver(half: Half, buf: Uint8Array, start: number, end: number, frame: number, sec: number, nsec: number, out: (e: StreamEvent) => void): void {
    if (half.gapPending) {
      half.gapPending = false;
      this.stats.gaps++;
      out({ kind: 'gap', conn: half.conn.key, dir: half.dir, missing: -1, frame, sec, nsec });
    }
    const n = end - start;
    half.nextSeq = (half.nextSeq + n) | 0;
    this.stats.bytesDelivered += n;
    out(this.dataEventFor(half, buf, start, end, frame, sec, nsec));
  }

  /** Keeps an out-of-order segment (already copied), then enforces the per-direction bound. */
  private hold(half: Half, seq: number, payload: Uint8Array, seg: TransportSegment, out: (e: StreamEvent) => void): void {
    if (half.held === NOTHING_HELD) half.held = [];
    const held = half.held;
    const d = (seq - half.nextSeq) | 0;
    // Found by binary search (a scan from the end was quadratic in segments sent in
    // descending order: 200k of them took 84 s).
    const base = half.nextSeq;
    const i = insertionPoint(held.length, (k) => (held[k].seq - base) | 0, d);
    const before = held[i - 1];
    if (before !== undefined && before.seq === seq && before.bytes.length >= payload.length) {
      this.stats.retransmissions++;
      this.onDrop('TCP retransmission', seg.frame);
      return;
    }
    held.splice(i, 0, { seq, bytes: payload, frame: seg.frame });
    const cost = payload.length + HELD_SEGMENT_COST;
    half.heldBytes += cost;
    this.heldTotal += cost;
    this.holders.add(half);
    this.stats.outOfOrder++;
    while ((half.heldBytes > this.maxHeld || held.length > MAX_HELD_SEGMENTS) && held.length > 0) {
      // The hole is not going to be filled within the bound: announce it and move on.
      this.skipHole(half, seg.frame, seg.sec, seg.nsec, out);
      this.drain(half, seg.frame, seg.sec, seg.nsec, out);
    }
    while (this.heldTotal > this.maxHeldTotal) {
      // Over the bound for all connections: the longest-holding direction gives up first.
      const victim = this.holders.values().next().value as Half;
      this.skipHole(victim, seg.frame, seg.sec, seg.nsec, out);
      this.drain(victim, seg.frame, seg.sec, seg.nsec, out);
    }
  }

  /**
   * The receiver acknowledged bytes beyond a hole we are holding data behind: it has them, so
   * they will never be retransmitted and the capture simply missed them. Announce the gap now
   * instead of waiting for the buffer bound or the end of the connection.
   */
  private skipAckedHole(peer: Half, ack: number, out: (e: StreamEvent) => void): void {
    const held = peer.held;
    if (held.length === 0 || ((ack - held[0].seq) | 0) < 0) return;
    const first = held[0];
    this.skipHole(peer, first.frame, this.lastSec, this.lastNsec, out);
    this.drain(peer, first.frame, this.lastSec, this.lastNsec, out);
  }

  private skipHole(half: Half, frame: number, sec: number, nsec: number, out: (e: StreamEvent) => void): void {
    const first = half.held[0];
    const missing = (first.seq - half.nextSeq) | 0;
    if (missing <= 0) return;
    half.gapPending = false;
    this.stats.gaps++;
    this.stats.gapBytes += missing;
    out({ kind: 'gap', conn: half.conn.key, dir: half.dir, missing, frame, sec, nsec });
    half.nextSeq = first.seq | 0;
  }

  /** Delivers held segments that are now contiguous (trimming overlaps, dropping duplicates). */
  private drain(half: Half, frame: number, sec: number, nsec: number, out: (e: StreamEvent) => void): void {
    const held = half.held;
    while (held.length > 0) {
      const s = held[0];
      const diff = (s.seq - half.nextSeq) | 0;
      if (diff > 0) break;
      held.shift();
      half.heldBytes -= s.bytes.length + HELD_SEGMENT_COST;
      this.heldTotal -= s.bytes.length + HELD_SEGMENT_COST;
      if (held.length === 0) this.holders.delete(half);
      if (diff + s.bytes.length <= 0) {
        this.stats.retransmissions++;
        this.onDrop('TCP retransmission', s.frame);
        continue;
      }
      if (diff < 0) this.stats.overlapsTrimmed++;
      // Bytes become available in order at the frame that filled the hole: report that frame.
      this.deliver(half, s.bytes, diff < 0 ? -diff : 0, s.bytes.length, frame, sec, nsec, out);
    }
  }

  /** Delivers whatever is held (with gaps), emits 'closed' and frees the buffers. */
  private close(conn: Conn, out: (e: StreamEvent) => void, frame: number, sec: number, nsec: number): void {
    if (conn.closed) return;
    for (const half of [conn.ab, conn.ba]) {
      while (half.held.length > 0) {
        this.skipHole(half, frame, sec, nsec, out);
        this.drain(half, frame, sec, nsec, out);
      }
      half.heldBytes = 0;
    }
    conn.closed = true;
    out({ kind: 'closed', conn: conn.key, frame });
    this.closedCount++;
    if (this.maxClosed !== Infinity) this.retireTombstones(conn);
  }

  /** Queues a new tombstone and forgets the oldest ones beyond maxClosedConnections. */
  private retireTombstones(newest: Conn): void {
    const q = this.closedQueue;
    q.push(newest);
    while (this.closedCount > this.maxClosed && this.closedHead < q.length) {
      const oldest = q[this.closedHead++];
      if (!oldest.forgotten) this.forget(oldest);
    }
    // Consumed entries, and entries forgotten by other routes (eviction, port reuse), linger:
    // compact now and then (afterwards at most maxClosed entries, all live).
    const consumedMost = this.closedHead > 1024 && this.closedHead * 2 > q.length;
    if (consumedMost || q.length - this.closedHead > 2 * this.maxClosed + 1024) {
      this.closedQueue = q.slice(this.closedHead).filter((c) => !c.forgotten);
      this.closedHead = 0;
    }
  }

  private evictIfFull(out: (e: StreamEvent) => void, frame: number): void {
    while (this.connCount > this.maxConns && this.lruHead !== null) {
      const victim = this.lruHead;
      if (!victim.closed) {
        this.stats.evicted++;
        this.close(victim, out, frame, this.lastSec, this.lastNsec);
      }
      this.forget(victim);
    }
  }

  /** Removes a connection from the table and the LRU list. */
  private forget(conn: Conn): void {
    if (conn.forgotten) return;
    conn.forgotten = true;
    if (conn.closed) this.closedCount--;
    const index = conn.udp ? this.udp : this.tcp;
    index.remove(conn.ab);
    index.remove(conn.ba);
    this.unlink(conn);
    this.connCount--;
  }

  private append(c: Conn): void {
    c.prev = this.lruTail;
    c.next = null;
    if (this.lruTail !== null) this.lruTail.next = c;
    else this.lruHead = c;
    this.lruTail = c;
  }

  private unlink(c: Conn): void {
    if (c.prev !== null) c.prev.next = c.next;
    else this.lruHead = c.next;
    if (c.next !== null) c.next.prev = c.prev;
    else this.lruTail = c.prev;
    c.prev = c.next = null;
  }

  private touch(c: Conn): void {
    this.unlink(c);
    this.append(c);
  }
}

function noDrop(): void {}
