/**
 * ONC RPC v2 message header decoder (RFC 5531 section 9, RFC 2203 for RPCSEC_GSS).
 * Pure: bytes in, value out. Never throws for bad input; a header that does not fit the record
 * is {ok:false, reason, offset}. Credential bodies that fail to decode (a bad AUTH_SYS body)
 * leave the header usable and are noted in OpaqueAuth.problem.
 */
import type {
  AuthSysParams,
  GssCredential,
  OpaqueAuth,
  RpcBodyWrap,
  RpcCallHeader,
  RpcHeader,
  RpcHeaderResult,
  RpcReplyHeader,
} from './types.js';
import { copyBytes } from '../bytes.js';

export const RPC_CALL = 0;
export const RPC_REPLY = 1;

export const AUTH_NONE = 0;
export const AUTH_SYS = 1;
export const RPCSEC_GSS = 6;

/** RFC 5531: opaque_auth body is at most 400 bytes. */
export const MAX_AUTH_BYTES = 400;
const MAX_MACHINENAME = 255;
const MAX_AUTH_SYS_GIDS = 16;

const FLAVOR_NAMES: readonly string[] = [
  'AUTH_NONE',
  'AUTH_SYS',
  'AUTH_SHORT',
  'AUTH_DH',
  'AUTH_KERB4',
  'AUTH_RSA',
  'RPCSEC_GSS',
  'AUTH_TLS',
];

export const ACCEPT_STAT_NAMES: readonly string[] = [
  'SUCCESS',
  'PROG_UNAVAIL',
  'PROG_MISMATCH',
  'PROC_UNAVAIL',
  'GARBAGE_ARGS',
  'SYSTEM_ERR',
];

export const REJECT_STAT_NAMES: readonly string[] = ['RPC_MISMATCH', 'AUTH_ERROR'];

export const AUTH_STAT_NAMES: readonly string[] = [
  'AUTH_OK',
  'AUTH_BADCRED',
  'AUTH_REJECTEDCRED',
  'AUTH_BADVERF',
  'AUTH_REJECTEDVERF',
  'AUTH_TOOWEAK',
  'AUTH_INVALIDRESP',
  'AUTH_FAILED',
  'AUTH_KERB_GENERIC',
  'AUTH_TIMEEXPIRE',
  'AUTH_TKT_FILE',
  'AUTH_DECODE',
  'AUTH_NET_ADDR',
  'RPCSEC_GSS_CREDPROBLEM',
  'RPCSEC_GSS_CTXPROBLEM',
];

export function flavorName(flavor: number): string {
  return FLAVOR_NAMES[flavor] ?? `flavor ${flavor}`;
}

function nameOr(names: readonly string[], v: number, what: string): string {
  return names[v] ?? `${what} ${v}`;
}

/** Big-endian uint32 at o; the caller has checked o + 4 <= length. */
function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

const EMPTY = new Uint8Array(0);

/**
 * opaque_auth whose body view is made on first access: creating a typed-array view costs
 * more than the rest of the header decode, and most consumers never look at the body.
 * The flavor's parameters (AUTH_SYS) are decoded on first access too. `flavorName`, `body`,
 * `sys`, `gss` and `problem` are getters (object spread or structuredClone do not copy
 * them); JSON output shows the same fields as a plain OpaqueAuth. Few fields: one of these
 * is made for every call.
 */
class LazyAuth implements OpaqueAuth {
  readonly #record: Uint8Array;
  readonly #start: number;
  readonly #len: number;
  #body: Uint8Array | null = null;
  /** Decoded flavor parameters: undefined = not yet, null = none, a string = the problem. */
  #detail: AuthSysParams | GssCredential | string | null | undefined = undefined;

  constructor(
    readonly flavor: number,
    readonly offset: number,
    record: Uint8Array,
    start: number,
    len: number,
  ) {
    this.#record = record;
    this.#start = start;
    this.#len = len;
  }

  get flavorName(): string {
    return flavorName(this.flavor);
  }

  get body(): Uint8Array {
    if (this.#body === null) this.#body = this.#len === 0 ? EMPTY : this.#record.subarray(this.#start, this.#start + this.#len);
    return this.#body;
  }

  get sys(): AuthSysParams | undefined {
    const d = this.detail();
    return this.flavor === AUTH_SYS && d !== null && typeof d === 'object' ? (d as AuthSysParams) : undefined;
  }

  get gss(): GssCredential | undefined {
    const d = this.detail();
    return this.flavor === RPCSEC_GSS && d !== null && typeof d === 'object' ? (d as GssCredential) : undefined;
  }

  /** Set when the flavor's body could not be decoded. */
  get problem(): string | undefined {
    const d = this.detail();
    return typeof d === 'string' ? d : undefined;
  }

  /** Record and offset of the body, for decoders that read in place without a view. */
  get bodyStart(): number {
    return this.#start;
  }

  get bodyLength(): number {
    return this.#len;
  }

  private detail(): AuthSysParams | GssCredential | string | null {
    let d = this.#detail;
    if (d === undefined) {
      if (this.flavor === AUTH_SYS) d = decodeAuthSys(this.#record, this.#start, this.#len);
      else if (this.flavor === RPCSEC_GSS) d = decodeGssCred(this.#record, this.#start, this.#len);
      else d = null;
      this.#detail = d;
    }
    return d;
  }

  toJSON(): OpaqueAuth {
    const j: OpaqueAuth = { flavor: this.flavor, flavorName: this.flavorName, body: this.body, offset: this.offset };
    if (this.sys !== undefined) j.sys = this.sys;
    if (this.gss !== undefined) j.gss = this.gss;
    if (this.problem !== undefined) j.problem = this.problem;
    return j;
  }
}

/** Where the last readOpaqueAuth failure happened (module scratch: keeps the return monomorphic). */
let failReason = '';
let failOffset = 0;

/**
 * AUTH_NONE with an empty body (every reply verifier and most call verifiers of AUTH_SYS
 * traffic), one shared object per offset: nothing in it depends on the record, and no
 * decoder sets sys/gss/problem on an AUTH_NONE body. Frozen so that no consumer can make
 * one message's change show in another.
 */
const EMPTY_NONE_CACHE = 128;
const emptyNone: Array<LazyAuth | undefined> = new Array<LazyAuth | undefined>(EMPTY_NONE_CACHE).fill(undefined);

function emptyNoneAuth(o: number): LazyAuth {
  const slot = o >>> 2;
  let a = emptyNone[slot];
  if (a === undefined) {
    a = new LazyAuth(AUTH_NONE, o, EMPTY, 0, 0);
    Object.freeze(a);
    emptyNone[slot] = a;
  }
  return a;
}

/** Decodes opaque_auth at o; null on failure (failReason/failOffset set). */
function readOpaqueAuth(b: Uint8Array, o: number, what: string): LazyAuth | null {
  const end = b.length;
  if (o + 8 > end) {
    failReason = `truncated ${what} (needs flavor and length)`;
    failOffset = o;
    return null;
  }
  const flavor = u32(b, o);
  const len = u32(b, o + 4);
  if (len > MAX_AUTH_BYTES) {
    failReason = `${what} body length ${len} exceeds ${MAX_AUTH_BYTES}`;
    failOffset = o + 4;
    return null;
  }
  if (o + 8 + pad4(len) > end) {
    failReason = `truncated ${what} body (${len} bytes claimed)`;
    failOffset = o + 4;
    return null;
  }
  if (flavor === AUTH_NONE && len === 0 && (o & 3) === 0 && o < EMPTY_NONE_CACHE * 4) return emptyNoneAuth(o);
  return new LazyAuth(flavor, o, b, o + 8, len);
}

/**
 * The last few machine names decoded, with their bytes: a capture has few clients, and
 * building the string again for every call costs more than comparing a dozen bytes.
 */
const NAME_CACHE = 8;
const nameBytes: Uint8Array[] = [];
const nameStrings: string[] = [];
let nameNext = 0;

function machineName(b: Uint8Array, from: number, to: number): string {
  const n = to - from;
  for (let k = 0; k < nameBytes.length; k++) {
    const nb = nameBytes[k];
    if (nb.length !== n) continue;
    let i = 0;
    while (i < n && nb[i] === b[from + i]) i++;
    if (i === n) return nameStrings[k];
  }
  const s = asciiOrUtf8(b, from, to);
  // A copy: a view would keep the record's whole read buffer alive (and see it reused).
  nameBytes[nameNext] = copyBytes(b, from, to);
  nameStrings[nameNext] = s;
  nameNext = (nameNext + 1) % NAME_CACHE;
  return s;
}

function asciiOrUtf8(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c >= 0x80) return utf8Decoder.decode(b.subarray(from, to));
    s += String.fromCharCode(c);
  }
  return s;
}
const utf8Decoder = new TextDecoder('utf-8');

/** AUTH_SYS body (authsys_parms) at b[s..s+n); problem string when malformed. */
function decodeAuthSys(b: Uint8Array, s: number, n: number): AuthSysParams | string {
  if (n < 8) return 'AUTH_SYS body truncated before machinename';
  const stamp = u32(b, s);
  const nameLen = u32(b, s + 4);
  if (nameLen > MAX_MACHINENAME) return `AUTH_SYS machinename length ${nameLen} exceeds ${MAX_MACHINENAME}`;
  let o = 8 + pad4(nameLen);
  if (o + 12 > n) return 'AUTH_SYS body truncated';
  const machinename = machineName(b, s + 8, s + 8 + nameLen);
  o += s;
  const end = s + n;
  const uid = u32(b, o);
  const gid = u32(b, o + 4);
  const count = u32(b, o + 8);
  o += 12;
  if (count > MAX_AUTH_SYS_GIDS) return `AUTH_SYS gids count ${count} exceeds ${MAX_AUTH_SYS_GIDS}`;
  if (o + count * 4 > end) return `AUTH_SYS gids truncated (${count} claimed)`;
  const gids: number[] = [];
  for (let i = 0; i < count; i++, o += 4) gids.push(u32(b, o));
  return { stamp, machinename, uid, gid, gids };
}

/** RPCSEC_GSS credential body (rpc_gss_cred_vers_1_t) at b[s..s+n); problem string when malformed. */
function decodeGssCred(b: Uint8Array, s: number, n: number): GssCredential | string {
  if (n < 20) return 'RPCSEC_GSS credential truncated';
  const version = u32(b, s);
  const proc = u32(b, s + 4);
  const seqNum = u32(b, s + 8);
  const service = u32(b, s + 12);
  const hlen = u32(b, s + 16);
  if (20 + hlen > n) return `RPCSEC_GSS handle truncated (${hlen} claimed)`;
  return { version, proc, seqNum, service, handle: b.subarray(s + 20, s + 20 + hlen) };
}

function gssBodyWrap(gss: GssCredential | undefined): RpcBodyWrap | undefined {
  if (gss === undefined) return undefined;
  if (gss.proc !== 0) return 'gss-control';
  if (gss.service === 2) return 'gss-integrity';
  if (gss.service === 3) return 'gss-privacy';
  return undefined;
}

/**
 * Decodes the RPC message header at the start of one record (record-marking headers
 * already removed). bodyOffset in the result is where procedure arguments/results start.
 */
export function decodeRpcHeader(record: Uint8Array): RpcHeaderResult {
  const header = decodeRpcHeaderOrNull(record);
  return header !== null ? { ok: true, header } : { ok: false, reason: failReason, offset: failOffset };
}

/** Why the last decodeRpcHeaderOrNull returned null, and where. */
export function lastHeaderFailure(): { reason: string; offset: number } {
  return { reason: failReason, offset: failOffset };
}

/** Records why the header did not decode; returns null for the caller to pass on. */
function headerFail(reason: string, offset: number): null {
  failReason = reason;
  failOffset = offset;
  return null;
}

/**
 * decodeRpcHeader without the result wrapper (one object less per message, for the
 * matcher's hot path): the header, or null with lastHeaderFailure() telling why.
 */
export function decodeRpcHeaderOrNull(record: Uint8Array): RpcHeader | null {
  const b = record;
  const n = b.length;
  if (n < 8) return headerFail(`RPC header truncated: ${n} bytes, need xid and msg_type`, 0);
  const xid = u32(b, 0);
  const mtype = u32(b, 4);
  if (mtype === RPC_CALL) {
    if (n < 24) return headerFail('RPC call header truncated before cred', n);
    const rpcvers = u32(b, 8);
    const prog = u32(b, 12);
    const vers = u32(b, 16);
    const proc = u32(b, 20);
    const cred = readOpaqueAuth(b, 24, 'credential');
    if (cred === null) return null;
    const verfAt = 24 + 8 + pad4(cred.bodyLength);
    const verf = readOpaqueAuth(b, verfAt, 'verifier');
    if (verf === null) return null;
    const header: RpcCallHeader = {
      xid,
      msgType: 'call',
      rpcvers,
      prog,
      vers,
      proc,
      cred,
      verf,
      bodyOffset: verfAt + 8 + pad4(verf.bodyLength),
    };
    const wrap = cred.flavor === RPCSEC_GSS ? gssBodyWrap(cred.gss) : undefined;
    if (wrap !== undefined) header.bodyWrap = wrap;
    return header;
  }
  if (mtype !== RPC_REPLY) return headerFail(`msg_type ${mtype} is neither CALL (0) nor REPLY (1)`, 4);
  if (n < 12) return headerFail('RPC reply header truncated before reply_stat', n);
  const replyStat = u32(b, 8);
  if (replyStat === 0) {
    const verf = readOpaqueAuth(b, 12, 'verifier');
    if (verf === null) return null;
    let o = 12 + 8 + pad4(verf.bodyLength);
    if (o + 4 > n) return headerFail('RPC reply truncated before accept_stat', o);
    const stat = u32(b, o);
    o += 4;
    const header: RpcReplyHeader = {
      xid,
      msgType: 'reply',
      replyStat: 'MSG_ACCEPTED',
      verf,
      acceptStat: nameOr(ACCEPT_STAT_NAMES, stat, 'accept_stat'),
      bodyOffset: o,
    };
    if (stat === 2) {
      if (o + 8 > n) return headerFail('PROG_MISMATCH reply truncated before low/high', o);
      header.mismatch = { low: u32(b, o), high: u32(b, o + 4) };
      header.bodyOffset = o + 8;
    }
    return header;
  }
  if (replyStat === 1) {
    if (n < 16) return headerFail('denied RPC reply truncated before reject_stat', n);
    const rstat = u32(b, 12);
    const header: RpcReplyHeader = {
      xid,
      msgType: 'reply',
      replyStat: 'MSG_DENIED',
      rejectStat: nameOr(REJECT_STAT_NAMES, rstat, 'reject_stat'),
      bodyOffset: 16,
    };
    if (rstat === 0) {
      if (n < 24) return headerFail('RPC_MISMATCH reply truncated before low/high', 16);
      header.mismatch = { low: u32(b, 16), high: u32(b, 20) };
      header.bodyOffset = 24;
    } else if (rstat === 1) {
      if (n < 20) return headerFail('AUTH_ERROR reply truncated before auth_stat', 16);
      header.authStat = nameOr(AUTH_STAT_NAMES, u32(b, 16), 'auth_stat');
      header.bodyOffset = 20;
    } else {
      return headerFail(`reject_stat ${rstat} is neither RPC_MISMATCH (0) nor AUTH_ERROR (1)`, 12);
    }
    return header;
  }
  return headerFail(`reply_stat ${replyStat} is neither MSG_ACCEPTED (0) nor MSG_DENIED (1)`, 8);
}
