/**
 * Scripted NFSv4.1 exchanges: clients with sessions talking to one simulated server over
 * simulated TCP, every COMPOUND / CB_COMPOUND encoded with the generated XDR encoders, and
 * every RPC message recorded with its frame for the scenario's expected data.
 *
 * A scenario plays both sides: it sends a call, then (whenever it wants, so calls can
 * overlap and races can be staged) the reply. SEQUENCE / CB_SEQUENCE are added and
 * answered automatically from the client's slot table.
 */
import '../../dissectors/nfs4/hooks.js'; // registers the fattr4 `attrs` / notify4 `values` encoders
import { XdrWriter } from '../../dissectors/xdr/runtime.js';
import {
  encode_CB_COMPOUND4args,
  encode_CB_COMPOUND4res,
  encode_COMPOUND4args,
  encode_COMPOUND4res,
  nfs_cb_opnum4_values,
  nfs_opnum4_values,
  type CB_SEQUENCE4args,
  type nfs_argop4,
  type nfs_cb_argop4,
  type nfs_cb_resop4,
  type nfs_resop4,
  type nfsstat4,
  type referring_call_list4,
} from '../../dissectors/xdr/generated/nfs4.js';
import type { PacketSink } from './captureWriter.js';
import { Clock } from './clock.js';
import type { ExpectedCapture, ExpectedMessage, MessageRef } from './expected.js';
import { NFS_PROGRAM, NFS_V4, PROC_COMPOUND, RpcConnection, type SentRecord, type TransmitOptions } from './rpc.js';
import { Network, type Endpoint, type NetworkOptions, type TcpConnection } from './tcp.js';
import * as op from './ops.js';

export interface SynthRunOptions {
  scenario: string;
  description: string;
  sink: PacketSink;
  clock?: Clock;
  server?: Endpoint;
  net?: Partial<Omit<NetworkOptions, 'sink' | 'clock'>>;
  /** Start with capturing off (late-start scenarios switch `net.capturing` on later). */
  captureFromStart?: boolean;
  /** Keep the expected message list (default true; the workload turns it off). */
  keepMessages?: boolean;
  /** Called with every RPC message and its bytes (without record marking) as it is sent. */
  onMessage?: (m: ExpectedMessage, rpcMessage: Uint8Array) => void;
}

export interface ClientOptions {
  ip: string;
  port: number;
  machinename?: string;
  uid?: number;
  /** Skip the TCP handshake (the connection predates the capture). */
  handshake?: boolean;
}

export interface CallOptions extends TransmitOptions {
  fragments?: number;
  /** SEQUENCE slot (default 0); `null` = no SEQUENCE (session-less ops). */
  slot?: number | null;
  tag?: string;
  /** Do not send a pure ACK after the message even if the peer owes one. */
  noAck?: boolean;
}

export interface ReplyOptions extends TransmitOptions {
  fragments?: number;
  /** SEQUENCE sr_status_flags. */
  seqFlags?: number;
  /** Whether the receiver acknowledges the reply with a pure ACK (default true). */
  ack?: boolean;
}

export interface CbCallOptions extends TransmitOptions {
  fragments?: number;
  slot?: number;
  /** Fore-channel calls that caused this callback (CB_SEQUENCE csa_referring_call_lists). */
  referring?: PendingCall[];
}

/** A fore-channel call that was sent and may not be answered yet. */
export interface PendingCall {
  client: NfsClient;
  xid: number;
  ops: nfs_argop4[];
  ref: MessageRef;
  /** Slot and sequence id of its SEQUENCE (null for session-less compounds). */
  slot: number | null;
  seqid: number;
}

/** A back-channel call sent by the server. */
export interface PendingCb {
  client: NfsClient;
  xid: number;
  ops: nfs_cb_argop4[];
  ref: MessageRef;
  slot: number;
  seqid: number;
}

const opnumFore = (name: string): number => nfs_opnum4_values[name];
const opnumCb = (name: string): number => nfs_cb_opnum4_values[name];

/** The status of one result op (first member of the result union/struct). */
export function resultStatus(r: nfs_resop4 | nfs_cb_resop4): string {
  if (r.resop === 'OP_ILLEGAL' || r.resop === 'OP_CB_ILLEGAL') return 'NFS4ERR_OP_ILLEGAL';
  const arm = Object.entries(r).find(([k]) => k !== 'resop');
  if (!arm) throw new Error(`result ${r.resop} has no body`);
  const body = arm[1] as Record<string, unknown>;
  const first = Object.values(body)[0];
  return typeof first === 'string' ? first : String(first);
}

function encodeWith<T>(fn: (w: XdrWriter, v: T) => void, v: T): Uint8Array {
  const w = new XdrWriter(512);
  fn(w, v);
  return w.finish();
}

export function encodeCompoundCall(tag: string, ops: nfs_argop4[]): Uint8Array {
  return encodeWith(encode_COMPOUND4args, { tag, minorversion: 1, argarray: ops });
}

export function encodeCompoundReply(tag: string, res: nfs_resop4[]): Uint8Array {
  const status = (res.length === 0 ? 'NFS4_OK' : resultStatus(res[res.length - 1])) as nfsstat4;
  return encodeWith(encode_COMPOUND4res, { status, tag, resarray: res });
}

export function encodeCbCall(tag: string, ops: nfs_cb_argop4[]): Uint8Array {
  return encodeWith(encode_CB_COMPOUND4args, { tag, minorversion: 1, callback_ident: 0, argarray: ops });
}

export function encodeCbReply(tag: string, res: nfs_cb_resop4[]): Uint8Array {
  const status = (res.length === 0 ? 'NFS4_OK' : resultStatus(res[res.length - 1])) as nfsstat4;
  return encodeWith(encode_CB_COMPOUND4res, { status, tag, resarray: res });
}

function endpointText(e: Endpoint): string {
  return `${e.ip}:${e.port}`;
}

/** One scenario run: the clock, the network, the server and the recorded messages. */
export class SynthRun {
  readonly clock: Clock;
  readonly net: Network;
  readonly server: Endpoint;
  readonly messages: ExpectedMessage[] = [];
  readonly clients: NfsClient[] = [];
  private nextStateid = 1;
  private messageCount = 0;
  private nextFileid = 1000;

  constructor(readonly opts: SynthRunOptions) {
    this.clock = opts.clock ?? new Clock();
    this.net = new Network({ sink: opts.sink, clock: this.clock, ...opts.net });
    this.net.capturing = opts.captureFromStart ?? true;
    this.server = opts.server ?? { ip: '10.20.0.1', port: 2049 };
  }

  /** Waits `ms` milliseconds of capture time. */
  think(ms: number): void {
    this.clock.advanceMs(ms);
  }

  client(label: string, opts: ClientOptions): NfsClient {
    const c = new NfsClient(this, label, opts, this.clients.length);
    this.clients.push(c);
    return c;
  }

  /** A fresh server-side stateid (`other` unique per run). */
  stateid(kind: number, seqid = 1): op.Stateid {
    const n = this.nextStateid++;
    const other = new Uint8Array(12);
    const dv = new DataView(other.buffer);
    dv.setUint32(0, 0x5e4a0000 | kind);
    dv.setUint32(4, 0x00010000 + this.clients.length);
    dv.setUint32(8, n);
    return { seqid, other };
  }

  fileid(): number {
    return this.nextFileid++;
  }

  private nextChange = 9000;

  /** change_info4 of a directory change (the directory's change attribute goes up by one). */
  changeInfo(): ReturnType<typeof op.changeInfo> {
    const before = this.nextChange++;
    return op.changeInfo(before, before + 1);
  }

  /** Records sent RPC messages; returns their references. */
  record(conn: NfsClient, sent: SentRecord[], details: Array<{ channel: 'fore' | 'back'; ops: string[]; opnums: number[]; status?: string; opStatus?: string[] }>): MessageRef[] {
    return sent.map((r, i) => {
      const d = details[i];
      const fromClient = r.side === 'client';
      const m: ExpectedMessage = {
        index: this.messageCount++,
        frame: r.frame,
        firstFrame: r.firstFrame,
        conn: conn.label,
        src: fromClient ? endpointText(conn.ep) : endpointText(this.server),
        dst: fromClient ? endpointText(this.server) : endpointText(conn.ep),
        xid: r.xid,
        msgtyp: r.msgtyp,
        program: r.prog,
        version: r.vers,
        procedure: r.proc,
        channel: d.channel,
        ops: d.ops,
        opnums: d.opnums,
        fragments: r.fragments,
        tsharkVisible: true,
      };
      if (d.status !== undefined) m.status = d.status;
      if (d.opStatus !== undefined) m.opStatus = d.opStatus;
      if (this.opts.keepMessages !== false) this.messages.push(m);
      this.opts.onMessage?.(m, r.message);
      return { index: m.index, frame: m.frame, xid: m.xid };
    });
  }

  /** Marks a message as invisible to tshark 4.0.17 (see ExpectedMessage.tsharkVisible). */
  hideFromTshark(ref: MessageRef): void {
    this.messages[ref.index].tsharkVisible = false;
  }

  /** The expected data, with what the scenario adds. */
  expected(extra: Pick<ExpectedCapture, 'delegations' | 'refusals'> & Partial<ExpectedCapture>): ExpectedCapture {
    return {
      scenario: this.opts.scenario,
      description: this.opts.description,
      frames: this.opts.sink.frames,
      connections: this.clients.map((c) => ({
        label: c.label,
        client: endpointText(c.ep),
        server: endpointText(this.server),
        handshakeCaptured: c.handshakeCaptured,
      })),
      sessions: this.clients
        .filter((c) => c.sessionid !== null)
        .map((c) => ({ client: c.label, sessionid: op.hex(c.sessionid!), clientid: String(c.clientid), backChannel: c.backChannel, cbProgram: c.rpc.cbProgram })),
      messages: this.messages,
      intendedTcpAnalysisFrames: [],
      ...extra,
    };
  }
}

/** A client with one TCP connection and (after establish()) one session. */
export class NfsClient {
  readonly ep: Endpoint;
  readonly tcp: TcpConnection;
  readonly rpc: RpcConnection;
  readonly handshakeCaptured: boolean;
  clientid: bigint = 0n;
  sessionid: Uint8Array | null = null;
  backChannel = false;
  /** Next sequence id per fore-channel slot, and per back-channel slot. */
  private readonly slots: number[] = [];
  private readonly cbSlots: number[] = [];
  private nextXid: number;
  private nextCbXid: number;
  readonly machinename: string;
  readonly index: number;

  constructor(
    readonly run: SynthRun,
    readonly label: string,
    opts: ClientOptions,
    index: number,
  ) {
    this.index = index;
    this.ep = { ip: opts.ip, port: opts.port };
    this.machinename = opts.machinename ?? `client-${label.toLowerCase()}`;
    this.handshakeCaptured = (opts.handshake ?? true) && run.net.capturing;
    this.tcp = run.net.connect(this.ep, run.server, { handshake: opts.handshake });
    this.rpc = new RpcConnection(this.tcp, {
      keepLog: run.opts.keepMessages !== false,
      cred: { flavor: 'sys', sys: { stamp: 0x65000000 + index, machinename: this.machinename, uid: opts.uid ?? 0, gid: opts.uid ?? 0, gids: [] } },
    });
    this.nextXid = (0x3c000001 + index * 0x01000000) >>> 0;
    this.nextCbXid = (0x0a000001 + index * 0x00100000) >>> 0;
  }

  get clock(): Clock {
    return this.run.clock;
  }

  private seqOp(slot: number): { op: nfs_argop4; seqid: number } {
    if (!this.sessionid) throw new Error(`client ${this.label} has no session`);
    const seqid = (this.slots[slot] ?? 1);
    this.slots[slot] = seqid + 1;
    return { op: op.sequence(this.sessionid, seqid, slot, Math.max(this.slots.length - 1, slot)), seqid };
  }

  /** Sends one COMPOUND (SEQUENCE prepended unless slot is null). */
  call(ops: nfs_argop4[], opts: CallOptions = {}): PendingCall {
    return this.callMany([ops], opts)[0];
  }

  /** Sends several COMPOUNDs in one TCP send (different slots unless given). */
  callMany(list: Array<nfs_argop4[] | { ops: nfs_argop4[]; slot?: number | null; fragments?: number }>, opts: CallOptions = {}): PendingCall[] {
    const prepared = list.map((entry, i) => {
      const e = Array.isArray(entry) ? { ops: entry } : entry;
      const slot = e.slot !== undefined ? e.slot : opts.slot !== undefined ? (opts.slot === null ? null : opts.slot + i) : this.sessionid ? i : null;
      let ops = e.ops;
      let seqid = 0;
      if (slot !== null) {
        const s = this.seqOp(slot);
        seqid = s.seqid;
        ops = [s.op, ...ops];
      }
      const xid = this.nextXid++;
      const body = encodeCompoundCall(opts.tag ?? '', ops);
      const rec = this.rpc.prepareCall(xid, NFS_PROGRAM, NFS_V4, PROC_COMPOUND, body, { fragments: e.fragments ?? opts.fragments });
      return { rec, ops, slot, seqid, xid };
    });
    const sent = this.rpc.transmit('client', prepared.map((p) => p.rec), opts);
    const refs = this.run.record(this, sent, prepared.map((p) => ({
      channel: 'fore' as const,
      ops: p.ops.map((o) => o.argop.slice(3)),
      opnums: p.ops.map((o) => opnumFore(o.argop)),
    })));
    return prepared.map((p, i) => ({ client: this, xid: p.xid, ops: p.ops, ref: refs[i], slot: p.slot, seqid: p.seqid }));
  }

  /**
   * Answers a call. `res` lists the results after SEQUENCE (which is answered from the
   * call); the compound status is the last result's status.
   */
  reply(call: PendingCall, res: nfs_resop4[], opts: ReplyOptions = {}): MessageRef {
    return this.replyMany([[call, res]], opts)[0];
  }

  replyMany(list: Array<[PendingCall, nfs_resop4[]]>, opts: ReplyOptions = {}): MessageRef[] {
    const prepared = list.map(([call, res]) => {
      let all = res;
      if (call.slot !== null && this.sessionid) {
        all = [op.sequenceRes(this.sessionid, call.seqid, call.slot, Math.max(this.slots.length - 1, call.slot), opts.seqFlags ?? 0), ...res];
      }
      const body = encodeCompoundReply('', all);
      const rec = this.rpc.prepareReply('server', call.xid, body, { fragments: opts.fragments });
      return { rec, all };
    });
    const sent = this.rpc.transmit('server', prepared.map((p) => p.rec), { delayNs: 150_000, ...opts });
    const refs = this.run.record(this, sent, prepared.map((p) => {
      const opStatus = p.all.map(resultStatus);
      return {
        channel: 'fore' as const,
        ops: p.all.map((o) => o.resop.slice(3)),
        opnums: p.all.map((o) => opnumFore(o.resop)),
        status: opStatus.length ? opStatus[opStatus.length - 1] : 'NFS4_OK',
        opStatus,
      };
    }));
    if (opts.ack ?? true) this.rpc.ack('client');
    return refs;
  }

  /** call + reply with `res` (or a function of the call). */
  exchange(ops: nfs_argop4[], res: nfs_resop4[] | ((c: PendingCall) => nfs_resop4[]), opts: { call?: CallOptions; reply?: ReplyOptions } = {}): { call: PendingCall; reply: MessageRef } {
    const call = this.call(ops, opts.call);
    const reply = this.reply(call, typeof res === 'function' ? res(call) : res, opts.reply);
    return { call, reply };
  }

  /** EXCHANGE_ID, CREATE_SESSION (with the back channel if asked), SEQUENCE+RECLAIM_COMPLETE. */
  establish(opts: { backChannel?: boolean; cbProgram?: number } = {}): { exchangeId: PendingCall; createSession: PendingCall; reclaim: PendingCall } {
    const owner = new TextEncoder().encode(`Linux NFSv4.1 ${this.machinename}`);
    this.clientid = (0x6a3f000000000000n + BigInt(this.index + 1) * 0x10001n);
    const verifier = op.bytesOf(8, 0x11 * (this.index + 1));
    const ex = this.call([op.exchangeId(owner, verifier)], { slot: null });
    this.reply(ex, [op.exchangeIdRes(this.clientid, 1)]);
    this.backChannel = opts.backChannel ?? false;
    const cbProgram = opts.cbProgram ?? 0x40000000;
    const flags = this.backChannel ? 0x2 : 0; // CREATE_SESSION4_FLAG_CONN_BACK_CHAN
    const cs = this.call([op.createSession(this.clientid, 1, flags, cbProgram)], { slot: null });
    const sid = new Uint8Array(16);
    const dv = new DataView(sid.buffer);
    dv.setUint32(0, 0x5a5a0000 + this.index);
    dv.setUint32(4, 0x67100000);
    dv.setUint32(8, Number(this.clientid & 0xffffffffn));
    dv.setUint32(12, this.index + 1);
    this.reply(cs, [op.createSessionRes(sid, 1, flags)]);
    this.sessionid = sid;
    const rc = this.call([op.reclaimComplete()]);
    this.reply(rc, [op.ok('OP_RECLAIM_COMPLETE')]);
    return { exchangeId: ex, createSession: cs, reclaim: rc };
  }

  // ------------------------------------------------------------------ back channel

  private cbSeqArgs(slot: number, referring: PendingCall[]): { args: CB_SEQUENCE4args; seqid: number } {
    if (!this.sessionid) throw new Error(`client ${this.label} has no session`);
    const seqid = this.cbSlots[slot] ?? 1;
    this.cbSlots[slot] = seqid + 1;
    const lists: referring_call_list4[] = [];
    for (const r of referring) {
      const sess = r.client.sessionid;
      if (!sess || r.slot === null) continue;
      let l = lists.find((x) => op.hex(x.rcl_sessionid) === op.hex(sess));
      if (!l) {
        l = { rcl_sessionid: sess, rcl_referring_calls: [] };
        lists.push(l);
      }
      l.rcl_referring_calls.push({ rc_sequenceid: r.seqid, rc_slotid: r.slot });
    }
    return {
      args: { csa_sessionid: this.sessionid, csa_sequenceid: seqid, csa_slotid: slot, csa_highest_slotid: Math.max(this.cbSlots.length - 1, slot), csa_cachethis: false, csa_referring_call_lists: lists },
      seqid,
    };
  }

  /** Server -> client CB_COMPOUND (CB_SEQUENCE prepended). */
  cbCall(ops: nfs_cb_argop4[], opts: CbCallOptions = {}): PendingCb {
    return this.cbCallMany([ops], opts)[0];
  }

  cbCallMany(list: nfs_cb_argop4[][], opts: CbCallOptions = {}): PendingCb[] {
    const prepared = list.map((ops, i) => {
      const slot = (opts.slot ?? 0) + i;
      const s = this.cbSeqArgs(slot, opts.referring ?? []);
      const all: nfs_cb_argop4[] = [{ argop: 'OP_CB_SEQUENCE', opcbsequence: s.args }, ...ops];
      const xid = this.nextCbXid++;
      const rec = this.rpc.prepareCbCall(xid, encodeCbCall('', all), { fragments: opts.fragments });
      return { rec, all, slot, seqid: s.seqid, xid };
    });
    const sent = this.rpc.transmit('server', prepared.map((p) => p.rec), { delayNs: 80_000, ...opts });
    const refs = this.run.record(this, sent, prepared.map((p) => ({
      channel: 'back' as const,
      ops: p.all.map((o) => o.argop.slice(3)),
      opnums: p.all.map((o) => opnumCb(o.argop)),
    })));
    return prepared.map((p, i) => ({ client: this, xid: p.xid, ops: p.all, ref: refs[i], slot: p.slot, seqid: p.seqid }));
  }

  /** Client's CB_COMPOUND reply; `res` = results after CB_SEQUENCE (default: OK for each op). */
  cbReply(cb: PendingCb, res?: nfs_cb_resop4[], opts: ReplyOptions = {}): MessageRef {
    return this.cbReplyMany([[cb, res]], opts)[0];
  }

  cbReplyMany(list: Array<[PendingCb, nfs_cb_resop4[] | undefined]>, opts: ReplyOptions = {}): MessageRef[] {
    const prepared = list.map(([cb, res]) => {
      const rest = res ?? cb.ops.slice(1).map((o) => op.cbOk(o.argop));
      const all: nfs_cb_resop4[] = [op.cbSequenceRes(this.sessionid!, cb.seqid, cb.slot, Math.max(this.cbSlots.length - 1, cb.slot)), ...rest];
      const rec = this.rpc.prepareReply('client', cb.xid, encodeCbReply('', all), { fragments: opts.fragments });
      return { rec, all };
    });
    const sent = this.rpc.transmit('client', prepared.map((p) => p.rec), { delayNs: 120_000, ...opts });
    const refs = this.run.record(this, sent, prepared.map((p) => {
      const opStatus = p.all.map(resultStatus);
      return {
        channel: 'back' as const,
        ops: p.all.map((o) => o.resop.slice(3)),
        opnums: p.all.map((o) => opnumCb(o.resop)),
        status: opStatus[opStatus.length - 1],
        opStatus,
      };
    }));
    if (opts.ack ?? true) this.rpc.ack('server');
    return refs;
  }

  /** Pure ACK from the client (or server) if owed. */
  ack(side: 'client' | 'server' = 'client'): void {
    this.rpc.ack(side);
  }

  close(): void {
    this.rpc.ack('client');
    this.rpc.ack('server');
    this.tcp.close('client');
  }
}
