/**
 * ONC RPC (RFC 5531) over a simulated TCP connection: call and reply headers, AUTH_SYS /
 * AUTH_NONE credentials, record marking with any number of fragments, and control over how
 * the resulting bytes are cut into TCP segments (several records per segment, records split
 * in small chunks, a record marker split across segments).
 */
import type { SendOptions, Side, TcpConnection } from './tcp.js';

export const NFS_PROGRAM = 100003;
export const NFS_V4 = 4;
export const NFS_CB_PROGRAM = 0x40000000;
export const NFS_CB_VERSION = 1;
export const PROC_NULL = 0;
export const PROC_COMPOUND = 1;

export const AUTH_NONE = 0;
export const AUTH_SYS = 1;

export interface AuthSysCred {
  stamp: number;
  machinename: string;
  uid: number;
  gid: number;
  gids: number[];
}

export type Credential = { flavor: 'none' } | { flavor: 'sys'; sys: AuthSysCred };

export const MSG_CALL = 0;
export const MSG_REPLY = 1;

/** A record ready to be written: its RPC message and the wire bytes with record marks. */
export interface PreparedRecord {
  xid: number;
  msgtyp: 0 | 1;
  /** Program/version/procedure of the call (for a reply: of the call it answers). */
  prog: number;
  vers: number;
  proc: number;
  /** The RPC message without record marking. */
  message: Uint8Array;
  /** Record-marked bytes as they go on the wire. */
  wire: Uint8Array;
  fragments: number;
}

/** A record after transmission: where it is in the capture. */
export interface SentRecord extends PreparedRecord {
  side: Side;
  /** Frame carrying the record's last byte (where tshark shows the RPC), 0 if not captured. */
  frame: number;
  /** Frame carrying the record's first byte. */
  firstFrame: number;
}

class Bytes {
  private buf: Uint8Array;
  private view: DataView;
  len = 0;
  constructor(size = 256) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): this {
    this.room(4);
    this.view.setUint32(this.len, v >>> 0);
    this.len += 4;
    return this;
  }
  opaque(b: Uint8Array): this {
    this.u32(b.length);
    this.room(b.length + 3);
    this.buf.set(b, this.len);
    this.len += b.length;
    while (this.len & 3) this.buf[this.len++] = 0;
    return this;
  }
  raw(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export function encodeAuthSys(c: AuthSysCred): Uint8Array {
  const b = new Bytes(64);
  b.u32(c.stamp).opaque(new TextEncoder().encode(c.machinename)).u32(c.uid).u32(c.gid).u32(c.gids.length);
  for (const g of c.gids) b.u32(g);
  return b.bytes();
}

function writeCred(b: Bytes, cred: Credential): void {
  if (cred.flavor === 'none') b.u32(AUTH_NONE).u32(0);
  else b.u32(AUTH_SYS).opaque(encodeAuthSys(cred.sys));
}

/** The RPC CALL message: header (AUTH_NONE verifier) followed by `body`. */
export function encodeCall(xid: number, prog: number, vers: number, proc: number, cred: Credential, body: Uint8Array): Uint8Array {
  const b = new Bytes(64 + body.length);
  b.u32(xid).u32(MSG_CALL).u32(2).u32(prog).u32(vers).u32(proc);
  writeCred(b, cred);
  b.u32(AUTH_NONE).u32(0);
  b.raw(body);
  return b.bytes();
}

/** The RPC REPLY message: MSG_ACCEPTED, AUTH_NONE verifier, SUCCESS, then `body`. */
export function encodeAcceptedReply(xid: number, body: Uint8Array): Uint8Array {
  const b = new Bytes(24 + body.length);
  b.u32(xid).u32(MSG_REPLY).u32(0).u32(AUTH_NONE).u32(0).u32(0);
  b.raw(body);
  return b.bytes();
}

/** Length of the reply header written by encodeAcceptedReply. */
export const ACCEPTED_REPLY_HEADER = 24;

/**
 * Record marking: splits `message` into `fragments` pieces of nearly equal size, each
 * preceded by its 4-byte marker (last-fragment bit on the final one).
 */
export function recordMark(message: Uint8Array, fragments = 1): Uint8Array {
  const n = Math.max(1, Math.min(fragments, Math.max(1, message.length)));
  const out = new Uint8Array(message.length + 4 * n);
  const dv = new DataView(out.buffer);
  const base = Math.floor(message.length / n);
  let src = 0;
  let dst = 0;
  for (let i = 0; i < n; i++) {
    const len = i === n - 1 ? message.length - src : base;
    dv.setUint32(dst, ((i === n - 1 ? 0x80000000 : 0) | len) >>> 0);
    out.set(message.subarray(src, src + len), dst + 4);
    src += len;
    dst += 4 + len;
  }
  return out;
}

export interface RecordOptions {
  /** Send the record as this many record-marking fragments (default 1). */
  fragments?: number;
}

export interface TransmitOptions extends SendOptions {
  /** Time to wait before the first segment (think time / server processing). */
  delayNs?: number;
  /** Segment sizes computed from the wire lengths of the records being sent together. */
  cut?: (wireLengths: number[]) => number[];
}

export interface RpcConnectionOptions {
  /** Credential of fore-channel calls (client -> server). */
  cred: Credential;
  /** Credential of back-channel calls (server -> client); AUTH_NONE by default. */
  cbCred?: Credential;
  /** Program number the client gave in CREATE_SESSION for callbacks. */
  cbProgram?: number;
  /** Keep every sent record in `sent` (default true; off for endless workloads). */
  keepLog?: boolean;
}

/**
 * RPC over one TCP connection: the client calls the server, and on a 4.1 back channel the
 * server calls the client on the same connection.
 */
export class RpcConnection {
  readonly cred: Credential;
  readonly cbCred: Credential;
  readonly cbProgram: number;
  /** Every record sent, in order. */
  readonly sent: SentRecord[] = [];
  private readonly pendingCalls = new Map<string, PreparedRecord>();
  private readonly keepLog: boolean;

  constructor(
    readonly tcp: TcpConnection,
    opts: RpcConnectionOptions,
  ) {
    this.cred = opts.cred;
    this.cbCred = opts.cbCred ?? { flavor: 'none' };
    this.cbProgram = opts.cbProgram ?? NFS_CB_PROGRAM;
    this.keepLog = opts.keepLog ?? true;
  }

  /** Builds a fore-channel CALL record (client -> server). */
  prepareCall(xid: number, prog: number, vers: number, proc: number, body: Uint8Array, opts: RecordOptions = {}): PreparedRecord {
    return this.prepare(xid, MSG_CALL, prog, vers, proc, encodeCall(xid, prog, vers, proc, this.cred, body), opts, 'client');
  }

  /** Builds a back-channel CALL record (server -> client), CB_COMPOUND by default. */
  prepareCbCall(xid: number, body: Uint8Array, opts: RecordOptions & { proc?: number } = {}): PreparedRecord {
    const proc = opts.proc ?? PROC_COMPOUND;
    const msg = encodeCall(xid, this.cbProgram, NFS_CB_VERSION, proc, this.cbCred, body);
    return this.prepare(xid, MSG_CALL, this.cbProgram, NFS_CB_VERSION, proc, msg, opts, 'server');
  }

  /** Builds the REPLY to a call made by the other side (`from` = the replying side). */
  prepareReply(from: Side, xid: number, body: Uint8Array, opts: RecordOptions = {}): PreparedRecord {
    const caller: Side = from === 'server' ? 'client' : 'server';
    const call = this.pendingCalls.get(`${caller}:${xid}`);
    if (!call) throw new Error(`reply to unknown ${caller} call xid 0x${xid.toString(16)}`);
    this.pendingCalls.delete(`${caller}:${xid}`);
    return this.prepare(xid, MSG_REPLY, call.prog, call.vers, call.proc, encodeAcceptedReply(xid, body), opts, from);
  }

  private prepare(xid: number, msgtyp: 0 | 1, prog: number, vers: number, proc: number, message: Uint8Array, opts: RecordOptions, from: Side): PreparedRecord {
    const fragments = opts.fragments ?? 1;
    const rec: PreparedRecord = { xid, msgtyp, prog, vers, proc, message, wire: recordMark(message, fragments), fragments };
    if (msgtyp === MSG_CALL) this.pendingCalls.set(`${from}:${xid}`, rec);
    return rec;
  }

  /**
   * Writes records from `side` as ONE TCP send (so several small records share a segment);
   * `chunk`/`sizes` control the segment boundaries. Returns each record's frames.
   */
  transmit(side: Side, records: PreparedRecord[], opts: TransmitOptions = {}): SentRecord[] {
    if (opts.delayNs) this.tcp.net.clock.advance(opts.delayNs);
    let total = 0;
    for (const r of records) total += r.wire.length;
    const bytes = new Uint8Array(total);
    const starts: number[] = [];
    let off = 0;
    for (const r of records) {
      starts.push(off);
      bytes.set(r.wire, off);
      off += r.wire.length;
    }
    const spans = this.tcp.send(side, bytes, opts.cut ? { ...opts, sizes: opts.cut(records.map((r) => r.wire.length)) } : opts);
    const frameAt = (pos: number): number => {
      for (const s of spans) if (pos >= s.start && pos < s.end) return s.frame;
      return 0;
    };
    const out: SentRecord[] = records.map((r, i) => ({
      ...r,
      side,
      firstFrame: frameAt(starts[i]),
      frame: frameAt(starts[i] + r.wire.length - 1),
    }));
    if (this.keepLog) this.sent.push(...out);
    return out;
  }

  /** Client call on the fore channel, in its own TCP send. */
  call(xid: number, prog: number, vers: number, proc: number, body: Uint8Array, opts: RecordOptions & TransmitOptions = {}): SentRecord {
    return this.transmit('client', [this.prepareCall(xid, prog, vers, proc, body, opts)], opts)[0];
  }

  /** Server reply to a client call. */
  reply(xid: number, body: Uint8Array, opts: RecordOptions & TransmitOptions = {}): SentRecord {
    return this.transmit('server', [this.prepareReply('server', xid, body, opts)], opts)[0];
  }

  /** Server call on the back channel (CB_COMPOUND unless opts.proc says otherwise). */
  cbCall(xid: number, body: Uint8Array, opts: RecordOptions & TransmitOptions & { proc?: number } = {}): SentRecord {
    return this.transmit('server', [this.prepareCbCall(xid, body, opts)], opts)[0];
  }

  /** Client reply to a back-channel call. */
  cbReply(xid: number, body: Uint8Array, opts: RecordOptions & TransmitOptions = {}): SentRecord {
    return this.transmit('client', [this.prepareReply('client', xid, body, opts)], opts)[0];
  }

  /** Pure ACK from `side` when it owes one. */
  ack(side: Side): number | null {
    return this.tcp.ack(side);
  }
}
