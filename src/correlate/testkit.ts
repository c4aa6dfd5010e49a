/**
 * Builds RpcMessage + NfsCompound sequences by hand for correlator tests: a small scripted
 * world of clients talking to a server (one unless a connection names another) over TCP connections, with a back channel on the
 * client's connection. Values follow the team's XDR conventions (enum names, Uint8Array
 * opaques, spec field names). Test support only; nothing in the pipeline uses it.
 */
import type { RpcMessage } from '../rpc/types.js';
import type { NfsCompound, NfsOp } from '../../dissectors/nfs4/types.js';
import type { Correlator } from './correlator.js';

export const SERVER = '10.0.0.9:2049';

export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A 16-byte session id filled with one byte value. */
export function sessionId(n: number): Uint8Array {
  return new Uint8Array(16).fill(n);
}

/** A stateid whose 12-byte `other` ends with n. */
export function stateid(n: number, seqid = 1): { seqid: number; other: Uint8Array } {
  const other = new Uint8Array(12);
  other[0] = 0xdd;
  other[8] = (n >>> 24) & 0xff;
  other[9] = (n >>> 16) & 0xff;
  other[10] = (n >>> 8) & 0xff;
  other[11] = n & 0xff;
  return { seqid, other };
}

export function otherHex(n: number): string {
  return Array.from(stateid(n).other, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fh(s: string): Uint8Array {
  return bytes('FH:' + s);
}

export function fhHex(s: string): string {
  return Array.from(fh(s), (b) => b.toString(16).padStart(2, '0')).join('');
}

export type OpSpec = [op: string, args?: unknown];
export type ResSpec = [op: string, status: string, res?: unknown];

export interface CallHandle {
  msg: RpcMessage;
  nfs: NfsCompound;
  conn: Conn;
  callDir: 'ab' | 'ba';
}

export interface Conn {
  id: number;
  a: string; // client
  b: string; // server
}

/** Drives a Correlator with hand-made messages; time advances 1 ms per message unless set. */
export class World {
  frame = 0;
  time = 1_700_000_000;
  private nextXid = 0x1000;
  private conns = 0;
  readonly log: string[] = [];

  constructor(readonly c: Correlator) {}

  /** A connection from a client address to a server (SERVER unless given). */
  conn(clientAddr: string, serverAddr = SERVER): Conn {
    return { id: ++this.conns, a: clientAddr, b: serverAddr };
  }

  advance(seconds: number): void {
    this.time += seconds;
  }

  private message(conn: Conn, dir: 'ab' | 'ba', type: 'call' | 'reply', xid: number, program: number): RpcMessage {
    this.frame++;
    this.time += 0.001;
    const sec = Math.floor(this.time);
    const nsec = Math.round((this.time - sec) * 1e9);
    const src = dir === 'ab' ? conn.a : conn.b;
    const dst = dir === 'ab' ? conn.b : conn.a;
    const header = type === 'call'
      ? { xid, msgType: 'call' as const, rpcvers: 2, prog: program, vers: program === 100003 ? 4 : 1, proc: 1,
          cred: { flavor: 0, flavorName: 'AUTH_NONE', body: new Uint8Array(0), offset: 12 },
          verf: { flavor: 0, flavorName: 'AUTH_NONE', body: new Uint8Array(0), offset: 20 }, bodyOffset: 28 }
      : { xid, msgType: 'reply' as const, replyStat: 'MSG_ACCEPTED' as const, acceptStat: 'SUCCESS', bodyOffset: 24 };
    return {
      record: { conn: { id: conn.id, a: conn.a, b: conn.b }, dir, bytes: new Uint8Array(0), frame: this.frame, sec, nsec, firstFrame: this.frame, fragments: 1 },
      src, dst, header, xid, type, program,
    };
  }

  /** A fore-channel COMPOUND call from the client of `conn`. */
  call(conn: Conn, ops: OpSpec[], opts: { feed?: boolean; minorversion?: number } = {}): CallHandle {
    const xid = this.nextXid++;
    const msg = this.message(conn, 'ab', 'call', xid, 100003);
    const nfs: NfsCompound = {
      program: 'NFS', type: 'call', procedure: 1, procName: 'COMPOUND', tag: '', minorversion: opts.minorversion ?? 1,
      ops: ops.map(([op, args]) => nfsOp(op, { args })),
    };
    if (opts.feed !== false) this.c.onMessage(msg, nfs);
    return { msg, nfs, conn, callDir: 'ab' };
  }

  /** A CB_COMPOUND call from the server on the client's connection (back channel). */
  cbCall(conn: Conn, ops: OpSpec[], callbackIdent = 0): CallHandle {
    const xid = this.nextXid++;
    const msg = this.message(conn, 'ba', 'call', xid, 0x40000000);
    const nfs: NfsCompound = {
      program: 'NFS_CB', type: 'call', procedure: 1, procName: 'CB_COMPOUND', tag: '', minorversion: 1, callbackIdent,
      ops: ops.map(([op, args]) => nfsOp(op, { args })),
    };
    this.c.onMessage(msg, nfs);
    return { msg, nfs, conn, callDir: 'ba' };
  }

  /** The reply to a call; the compound status is the last op's status. */
  reply(h: CallHandle, res: ResSpec[], opts: { passCall?: boolean } = {}): RpcMessage {
    const dir = h.callDir === 'ab' ? 'ba' : 'ab';
    const msg = this.message(h.conn, dir, 'reply', h.msg.xid, h.msg.program ?? 0);
    msg.callFrame = h.msg.record.frame;
    msg.responseTime = this.time - (h.msg.record.sec + h.msg.record.nsec / 1e9);
    const status = res.length === 0 ? 'NFS4_OK' : res[res.length - 1][1];
    const nfs: NfsCompound = {
      program: h.nfs.program, type: 'reply', procedure: 1, procName: h.nfs.procName, tag: '', status,
      ops: res.map(([op, st, r]) => nfsOp(op, { status: st, res: r ?? { status: st } })),
    };
    this.c.onMessage(msg, nfs, opts.passCall === true ? { msg: h.msg, nfs: h.nfs } : undefined);
    return msg;
  }

  /** All ops answered NFS4_OK with the given results (by op position). */
  ok(h: CallHandle, results: Record<number, unknown> = {}): RpcMessage {
    return this.reply(h, h.nfs.ops.map((o, i) => [o.op, 'NFS4_OK', results[i]] as ResSpec));
  }
}

function nfsOp(op: string, extra: Partial<NfsOp>): NfsOp {
  return { opnum: 0, op, offset: 0, length: 0, ...extra };
}

// ---- common op arguments / results (spec field names)

export const seq = (sess: Uint8Array, slot = 0, sequenceid = 1): OpSpec =>
  ['SEQUENCE', { sa_sessionid: sess, sa_sequenceid: sequenceid, sa_slotid: slot, sa_highest_slotid: 0, sa_cachethis: false }];
export const seqRes = (flags = 0): unknown => ({ sr_status: 'NFS4_OK', sr_resok4: { sr_status_flags: flags } });
export const putfh = (name: string): OpSpec => ['PUTFH', { object: fh(name) }];
export const getfhRes = (name: string): unknown => ({ status: 'NFS4_OK', resok4: { object: fh(name) } });

/** notify bit numbers -> bitmap4 words */
export function mask(...bits: number[]): number[] {
  const w = [0];
  for (const b of bits) {
    while (w.length <= b >>> 5) w.push(0);
    w[b >>> 5] = (w[b >>> 5] | (1 << (b & 31))) >>> 0;
  }
  return w;
}

export const ADD = 3;
export const REMOVE = 2;
export const RENAME = 4;
export const CHILD_ATTRS = 0;
export const DIR_ATTRS = 1;

export const gddArgs = (notify: number[]): unknown => ({
  gdda_signal_deleg_avail: false, gdda_notification_types: notify,
  gdda_child_attr_delay: { seconds: 0, nseconds: 0 }, gdda_dir_attr_delay: { seconds: 0, nseconds: 0 },
  gdda_child_attributes: [], gdda_dir_attributes: [],
});
export const gddOk = (sid: unknown, notify: number[]): unknown => ({
  gddr_status: 'NFS4_OK',
  gddr_res_non_fatal4: {
    gddrnf_status: 'GDD4_OK',
    gddrnf_resok4: { gddr_cookieverf: new Uint8Array(8).fill(7), gddr_stateid: sid, gddr_notification: notify, gddr_child_attributes: [], gddr_dir_attributes: [] },
  },
});
export const gddUnavail = (willSignal: boolean): unknown => ({
  gddr_status: 'NFS4_OK', gddr_res_non_fatal4: { gddrnf_status: 'GDD4_UNAVAIL', gddrnf_will_signal_deleg_avail: willSignal },
});

export const cbSeq = (sess: Uint8Array, referring: Array<{ sess: Uint8Array; slot: number; seq: number }> = []): OpSpec =>
  ['CB_SEQUENCE', {
    csa_sessionid: sess, csa_sequenceid: 1, csa_slotid: 0, csa_highest_slotid: 0, csa_cachethis: false,
    csa_referring_call_lists: referring.map((r) => ({ rcl_sessionid: r.sess, rcl_referring_calls: [{ rc_sequenceid: r.seq, rc_slotid: r.slot }] })),
  }];

const entry = (name: string): unknown => ({ ne_file: name, ne_attrs: { attrmask: [], attr_vals: new Uint8Array(0) } });

export function notifyAdd(name: string, cookie = 0): unknown {
  return { type: 'NOTIFY4_ADD_ENTRY', value: { nad_old_entry: [], nad_new_entry: entry(name), nad_new_entry_cookie: [cookie], nad_prev_entry: [], nad_last_entry: false } };
}
export function notifyRemove(name: string): unknown {
  return { type: 'NOTIFY4_REMOVE_ENTRY', value: { nrm_old_entry: entry(name), nrm_old_entry_cookie: 0 } };
}
export function notifyRename(oldName: string, newName: string): unknown {
  return {
    type: 'NOTIFY4_RENAME_ENTRY',
    value: {
      nrn_old_entry: { nrm_old_entry: entry(oldName), nrm_old_entry_cookie: 0 },
      nrn_new_entry: { nad_old_entry: [], nad_new_entry: entry(newName), nad_new_entry_cookie: [], nad_prev_entry: [], nad_last_entry: false },
    },
  };
}

/** A CB_NOTIFY op: one notify4 per value (as Linux sends them). */
export const cbNotify = (sid: unknown, dir: string, ...values: unknown[]): OpSpec =>
  ['CB_NOTIFY', { cna_stateid: sid, cna_fh: fh(dir), cna_changes: values.map((v) => ({ notify_mask: [], notify_vals: new Uint8Array(0), values: [v] })) }];

export const cbRecall = (sid: unknown, obj: string, truncate = false): OpSpec => ['CB_RECALL', { stateid: sid, truncate, fh: fh(obj) }];

export const openArgs = (name: string, opts: { create?: boolean; write?: boolean; clientid?: number } = {}): unknown => ({
  seqid: 0, share_access: opts.write === true ? 3 : 1, share_deny: 0,
  owner: { clientid: opts.clientid ?? 0, owner: bytes('owner') },
  openhow: opts.create === true ? { opentype: 'OPEN4_CREATE', how: { mode: 'UNCHECKED4', createattrs: { attrmask: [], attr_vals: new Uint8Array(0) } } } : { opentype: 'OPEN4_NOCREATE' },
  claim: { claim: 'CLAIM_NULL', file: name },
});

export const openRes = (openSid: unknown, deleg?: { kind: 'read' | 'write'; sid: unknown }, changed = true): unknown => ({
  status: 'NFS4_OK',
  resok4: {
    stateid: openSid, cinfo: { atomic: true, before: 1, after: changed ? 2 : 1 }, rflags: 0, attrset: [],
    delegation: deleg === undefined ? { delegation_type: 'OPEN_DELEGATE_NONE' }
      : deleg.kind === 'read'
        ? { delegation_type: 'OPEN_DELEGATE_READ', read: { stateid: deleg.sid, recall: false, permissions: {} } }
        : { delegation_type: 'OPEN_DELEGATE_WRITE', write: { stateid: deleg.sid, recall: false, space_limit: {}, permissions: {} } },
  },
});

/** EXCHANGE_ID + CREATE_SESSION for a client on a connection. */
export function establish(w: World, conn: Conn, clientid: bigint, sess: Uint8Array, owner: string): void {
  const ex = w.call(conn, [['EXCHANGE_ID', { eia_clientowner: { co_verifier: new Uint8Array(8), co_ownerid: bytes(owner) }, eia_flags: 0 }]]);
  w.ok(ex, { 0: { eir_status: 'NFS4_OK', eir_resok4: { eir_clientid: clientid, eir_sequenceid: 1, eir_flags: 0 } } });
  const cs = w.call(conn, [['CREATE_SESSION', { csa_clientid: clientid, csa_sequence: 1, csa_flags: 2, csa_cb_program: 0x40000000 }]]);
  w.ok(cs, { 0: { csr_status: 'NFS4_OK', csr_resok4: { csr_sessionid: sess, csr_sequence: 1, csr_flags: 2 } } });
}

export function clientKey(id: bigint): string {
  return '0x' + id.toString(16).padStart(16, '0');
}
