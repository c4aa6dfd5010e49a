/**
 * A simulated TCP connection between a client and a server endpoint, writing its segments
 * (handshake, data with MSS segmentation, pure ACKs, FIN close) to a packet sink with
 * consistent per-direction sequence and acknowledgement numbers.
 */
import type { PacketSink } from './captureWriter.js';
import type { Clock } from './clock.js';
import {
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_SYN,
  macForIpv4,
  mssOption,
  parseIpv4,
  tcpFrameLength,
  writeTcpFrame,
  type TcpFrameFields,
} from './frames.js';

export interface Endpoint {
  ip: string;
  port: number;
}

export type Side = 'client' | 'server';

export interface NetworkOptions {
  sink: PacketSink;
  clock: Clock;
  /** Maximum segment size for data (default 1448). */
  mss?: number;
  /** Time between back-to-back segments of one send (default 2 µs). */
  segmentGapNs?: number;
  /** Time before a pure ACK or a handshake/close answer (default 30 µs). */
  ackDelayNs?: number;
  /** Advertised receive window, constant for the whole connection (default 65535). */
  window?: number;
}

/** Where the bytes [start, end) of one send went: the frame number that carried them. */
export interface SegmentSpan {
  /** Frame number, or 0 when the segment was not captured (see Network.capturing). */
  frame: number;
  start: number;
  end: number;
}

export interface SendOptions {
  /** Split the bytes into segments of at most this many bytes (default: the MSS). */
  chunk?: number;
  /** Explicit segment sizes (the rest, if any, goes in MSS-sized segments). */
  sizes?: number[];
}

/** Owns the sink, the clock and the capture switch shared by all connections. */
export class Network {
  readonly sink: PacketSink;
  readonly clock: Clock;
  readonly mss: number;
  readonly segmentGapNs: number;
  readonly ackDelayNs: number;
  readonly window: number;
  /** When false, segments advance the connection state but are not written (late start). */
  capturing = true;
  private nextIsn = 0x1000_0000;

  constructor(opts: NetworkOptions) {
    this.sink = opts.sink;
    this.clock = opts.clock;
    this.mss = opts.mss ?? 1448;
    this.segmentGapNs = opts.segmentGapNs ?? 2_000;
    this.ackDelayNs = opts.ackDelayNs ?? 30_000;
    this.window = opts.window ?? 65535;
  }

  /** Opens a connection; with `handshake: false` it starts as if already established. */
  connect(client: Endpoint, server: Endpoint, opts: { handshake?: boolean } = {}): TcpConnection {
    const isnC = this.nextIsn;
    const isnS = (this.nextIsn * 7 + 0x2f1d_3a95) >>> 0;
    this.nextIsn = (this.nextIsn + 0x0137_5a1d) >>> 0;
    const conn = new TcpConnection(this, client, server, isnC, isnS);
    if (opts.handshake ?? true) conn.handshake();
    else conn.markEstablished();
    return conn;
  }

  /** Emits one frame (if capturing) and returns its frame number (0 if not captured). */
  emit(fields: TcpFrameFields, payload: Uint8Array, pStart = 0, pEnd = payload.length): number {
    if (!this.capturing) return 0;
    const len = tcpFrameLength(pEnd - pStart, fields.options ? fields.options.length : 0);
    const slot = this.sink.reserve(this.clock.sec, this.clock.nsec, len);
    writeTcpFrame(slot.buf, slot.off, fields, payload, pStart, pEnd);
    return this.sink.frames;
  }
}

interface Direction {
  /** Frame fields of this direction's segments, reused for every segment. */
  f: TcpFrameFields;
  /** The last data segment sent (for retransmitLast). */
  last: { payload: Uint8Array; start: number; end: number; seq: number; flags: number } | null;
  /** Next sequence number this side will send. */
  seq: number;
  /** Highest sequence number of the peer's data this side has acknowledged. */
  acked: number;
}

const EMPTY = new Uint8Array(0);
const NO_OPTS: SendOptions = {};

export class TcpConnection {
  private readonly c: Direction;
  private readonly s: Direction;
  closed = false;

  constructor(
    readonly net: Network,
    readonly client: Endpoint,
    readonly server: Endpoint,
    isnClient: number,
    isnServer: number,
  ) {
    const cip = parseIpv4(client.ip);
    const sip = parseIpv4(server.ip);
    const fields = (srcIp: number, dstIp: number, srcPort: number, dstPort: number, ipId: number): TcpFrameFields => ({
      srcMac: macForIpv4(srcIp),
      dstMac: macForIpv4(dstIp),
      srcIp,
      dstIp,
      srcPort,
      dstPort,
      ipId,
      ttl: 64,
      seq: 0,
      ack: 0,
      flags: 0,
      window: net.window,
      options: undefined,
    });
    this.c = { f: fields(cip, sip, client.port, server.port, (client.port * 131) & 0xffff), last: null, seq: isnClient, acked: 0 };
    this.s = { f: fields(sip, cip, server.port, client.port, (server.port * 17 + client.port) & 0xffff), last: null, seq: isnServer, acked: 0 };
  }

  private dir(side: Side): [Direction, Direction] {
    return side === 'client' ? [this.c, this.s] : [this.s, this.c];
  }

  private segment(from: Direction, to: Direction, flags: number, payload: Uint8Array, options?: Uint8Array, pStart = 0, pEnd = payload.length): number {
    const f = from.f;
    f.seq = from.seq;
    f.ack = flags & TCP_ACK ? to.seq : 0;
    f.flags = flags;
    f.options = options;
    const frame = this.net.emit(f, payload, pStart, pEnd);
    f.ipId = (f.ipId + 1) & 0xffff;
    if (flags & TCP_ACK) from.acked = to.seq;
    let used = pEnd - pStart;
    if (flags & (TCP_SYN | TCP_FIN)) used += 1;
    from.seq = (from.seq + used) >>> 0;
    return frame;
  }

  /** SYN, SYN/ACK, ACK. */
  handshake(): void {
    const opt = mssOption(this.net.mss);
    this.segment(this.c, this.s, TCP_SYN, EMPTY, opt);
    this.net.clock.advance(this.net.ackDelayNs);
    this.segment(this.s, this.c, TCP_SYN | TCP_ACK, EMPTY, opt);
    this.net.clock.advance(this.net.ackDelayNs);
    this.segment(this.c, this.s, TCP_ACK, EMPTY);
  }

  /** For connections that exist before the capture: skip the handshake's sequence space. */
  markEstablished(): void {
    this.c.seq = (this.c.seq + 1) >>> 0;
    this.s.seq = (this.s.seq + 1) >>> 0;
    this.c.acked = this.s.seq;
    this.s.acked = this.c.seq;
  }

  /**
   * Sends `bytes` from `side` in one or more segments (the last one with PSH), each
   * acknowledging everything received so far. Returns where each byte range went.
   */
  send(side: Side, bytes: Uint8Array, opts: SendOptions = {}): SegmentSpan[] {
    const spans: SegmentSpan[] = [];
    this.sendInto(side, bytes, opts, spans);
    return spans;
  }

  /** Like send() without the span list (hot path); returns the last segment's frame. */
  sendFast(side: Side, bytes: Uint8Array): number {
    return this.sendInto(side, bytes, NO_OPTS, null);
  }

  private sendInto(side: Side, bytes: Uint8Array, opts: SendOptions, spans: SegmentSpan[] | null): number {
    if (this.closed) throw new Error('send on a closed connection');
    const [from, to] = this.dir(side);
    let lastFrame = 0;
    let count = 0;
    const mss = this.net.mss;
    const chunk = Math.max(1, Math.min(opts.chunk ?? mss, mss));
    const sizes = opts.sizes ?? [];
    let off = 0;
    let i = 0;
    let segmentsSinceAck = 0;
    while (off < bytes.length) {
      let n = i < sizes.length ? sizes[i] : chunk;
      n = Math.max(1, Math.min(n, mss, bytes.length - off));
      i++;
      const last = off + n >= bytes.length;
      if (count++ > 0) this.net.clock.advance(this.net.segmentGapNs);
      if (spans) from.last = { payload: bytes, start: off, end: off + n, seq: from.seq, flags: TCP_ACK | (last ? TCP_PSH : 0) };
      const frame = this.segment(from, to, TCP_ACK | (last ? TCP_PSH : 0), bytes, undefined, off, off + n);
      spans?.push({ frame, start: off, end: off + n });
      lastFrame = frame;
      off += n;
      segmentsSinceAck++;
      // The receiver acknowledges every second full-size segment of a long send, which keeps
      // the bytes in flight far below the window (tshark would flag a full window).
      if (!last && segmentsSinceAck >= 2 && n === mss) {
        this.net.clock.advance(this.net.segmentGapNs);
        this.segment(to, from, TCP_ACK, EMPTY);
        segmentsSinceAck = 0;
      }
    }
    return lastFrame;
  }

  /**
   * Sends the last data segment of `side` again (same sequence number and bytes), as a
   * sender does after a lost ACK: tshark flags it as a retransmission. Returns the frame.
   */
  retransmitLast(side: Side, delayNs = 200_000): number {
    const [from, to] = this.dir(side);
    const l = from.last;
    if (!l) throw new Error('nothing to retransmit');
    this.net.clock.advance(delayNs);
    const seq = from.seq;
    from.seq = l.seq;
    const frame = this.segment(from, to, l.flags, l.payload, undefined, l.start, l.end);
    from.seq = seq;
    return frame;
  }

  /** A pure ACK from `side` if it has unacknowledged data to acknowledge; returns the frame. */
  ack(side: Side): number | null {
    const [from, to] = this.dir(side);
    if (from.acked === to.seq) return null;
    this.net.clock.advance(this.net.ackDelayNs);
    return this.segment(from, to, TCP_ACK, EMPTY);
  }

  /** True when `side` has received data it has not acknowledged yet. */
  owesAck(side: Side): boolean {
    const [from, to] = this.dir(side);
    return from.acked !== to.seq;
  }

  /** FIN/ACK from `initiator`, FIN/ACK from the peer, final ACK. */
  close(initiator: Side = 'client'): void {
    if (this.closed) return;
    const [a, b] = this.dir(initiator);
    this.net.clock.advance(this.net.ackDelayNs);
    this.segment(a, b, TCP_FIN | TCP_ACK, EMPTY);
    this.net.clock.advance(this.net.ackDelayNs);
    this.segment(b, a, TCP_FIN | TCP_ACK, EMPTY);
    this.net.clock.advance(this.net.ackDelayNs);
    this.segment(a, b, TCP_ACK, EMPTY);
    this.closed = true;
  }
}
