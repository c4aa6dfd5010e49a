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
  RpcHeaderResult,
  RpcReplyHeader,
} from './types.js';

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

/** Failure carried out of the small helpers without exceptions. */
interface Fail {
  reason: string;
  offset: number;
}

/** Decodes opaque_auth at o; returns the auth or a failure. */
function readOpaqueAuth(b: Uint8Array, o: number, what: string): OpaqueAuth | Fail {
  const end = b.length;
  if (o + 8 > end) return { reason: `truncated ${what} (needs flavor and length)`, offset: o };
  const flavor = u32(b, o);
  const len = u32(b, o + 4);
  if (len > MAX_AUTH_BYTES) return { reason: `${what} body length ${len} exceeds ${MAX_AUTH_BYTES}`, offset: o + 4 };
  const bodyStart = o + 8;
  if (bodyStart + pad4(len) > end) return { reason: `truncated ${what} body (${len} bytes claimed)`, offset: o + 4 };
  const auth: OpaqueAuth = {
    flavor,
    flavorName: flavorName(flavor),
    body: b.subarray(bodyStart, bodyStart + len),
    offset: o,
  };
  return auth;
}

function isFail(v: OpaqueAuth | Fail): v is Fail {
  return (v as Fail).reason !== undefined;
}

function asciiOrUtf8(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c >= 0x80) return utf8Decoder.decode(b);
    s += String.fromCharCode(c);
  }
  return s;
}
const utf8Decoder = new TextDecoder('utf-8');

/** AUTH_SYS body (authsys_parms); problem string when malformed. */
function decodeAuthSys(body: Uint8Array): AuthSysParams | string {
  const n = body.length;
  if (n < 8) return 'AUTH_SYS body truncated before machinename';
  const stamp = u32(body, 0);
  const nameLen = u32(body, 4);
  if (nameLen > MAX_MACHINENAME) return `AUTH_SYS machinename length ${nameLen} exceeds ${MAX_MACHINENAME}`;
  let o = 8 + pad4(nameLen);
  if (o + 12 > n) return 'AUTH_SYS body truncated';
  const machinename = asciiOrUtf8(body.subarray(8, 8 + nameLen));
  const uid = u32(body, o);
  const gid = u32(body, o + 4);
  const count = u32(body, o + 8);
  o += 12;
  if (count > MAX_AUTH_SYS_GIDS) return `AUTH_SYS gids count ${count} exceeds ${MAX_AUTH_SYS_GIDS}`;
  if (o + count * 4 > n) return `AUTH_SYS gids truncated (${count} claimed)`;
  const gids: number[] = [];
  for (let i = 0; i < count; i++, o += 4) gids.push(u32(body, o));
  return { stamp, machinename, uid, gid, gids };
}

/** RPCSEC_GSS credential body (rpc_gss_cred_vers_1_t); problem string when malformed. */
function decodeGssCred(body: Uint8Array): GssCredential | string {
  const n = body.length;
  if (n < 20) return 'RPCSEC_GSS credential truncated';
  const version = u32(body, 0);
  const proc = u32(body, 4);
  const seqNum = u32(body, 8);
  const service = u32(body, 12);
  const hlen = u32(body, 16);
  if (20 + hlen > n) return `RPCSEC_GSS handle truncated (${hlen} claimed)`;
  return { version, proc, seqNum, service, handle: body.subarray(20, 20 + hlen) };
}

function decodeCredBody(auth: OpaqueAuth): void {
  if (auth.flavor === AUTH_SYS) {
    const r = decodeAuthSys(auth.body);
    if (typeof r === 'string') auth.problem = r;
    else auth.sys = r;
  } else if (auth.flavor === RPCSEC_GSS) {
    const r = decodeGssCred(auth.body);
    if (typeof r === 'string') auth.problem = r;
    else auth.gss = r;
  }
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
  const b = record;
  const n = b.length;
  if (n < 8) return { ok: false, reason: `RPC header truncated: ${n} bytes, need xid and msg_type`, offset: 0 };
  const xid = u32(b, 0);
  const mtype = u32(b, 4);
  if (mtype === RPC_CALL) {
    if (n < 24) return { ok: false, reason: 'RPC call header truncated before cred', offset: n };
    const rpcvers = u32(b, 8);
    const prog = u32(b, 12);
    const vers = u32(b, 16);
    const proc = u32(b, 20);
    const cred = readOpaqueAuth(b, 24, 'credential');
    if (isFail(cred)) return { ok: false, reason: cred.reason, offset: cred.offset };
    const verfAt = 24 + 8 + pad4(cred.body.length);
    const verf = readOpaqueAuth(b, verfAt, 'verifier');
    if (isFail(verf)) return { ok: false, reason: verf.reason, offset: verf.offset };
    decodeCredBody(cred);
    const header: RpcCallHeader = {
      xid,
      msgType: 'call',
      rpcvers,
      prog,
      vers,
      proc,
      cred,
      verf,
      bodyOffset: verfAt + 8 + pad4(verf.body.length),
    };
    const wrap = gssBodyWrap(cred.gss);
    if (wrap !== undefined) header.bodyWrap = wrap;
    return { ok: true, header };
  }
  if (mtype !== RPC_REPLY) return { ok: false, reason: `msg_type ${mtype} is neither CALL (0) nor REPLY (1)`, offset: 4 };
  if (n < 12) return { ok: false, reason: 'RPC reply header truncated before reply_stat', offset: n };
  const replyStat = u32(b, 8);
  if (replyStat === 0) {
    const verf = readOpaqueAuth(b, 12, 'verifier');
    if (isFail(verf)) return { ok: false, reason: verf.reason, offset: verf.offset };
    let o = 12 + 8 + pad4(verf.body.length);
    if (o + 4 > n) return { ok: false, reason: 'RPC reply truncated before accept_stat', offset: o };
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
      if (o + 8 > n) return { ok: false, reason: 'PROG_MISMATCH reply truncated before low/high', offset: o };
      header.mismatch = { low: u32(b, o), high: u32(b, o + 4) };
      header.bodyOffset = o + 8;
    }
    return { ok: true, header };
  }
  if (replyStat === 1) {
    if (n < 16) return { ok: false, reason: 'denied RPC reply truncated before reject_stat', offset: n };
    const rstat = u32(b, 12);
    const header: RpcReplyHeader = {
      xid,
      msgType: 'reply',
      replyStat: 'MSG_DENIED',
      rejectStat: nameOr(REJECT_STAT_NAMES, rstat, 'reject_stat'),
      bodyOffset: 16,
    };
    if (rstat === 0) {
      if (n < 24) return { ok: false, reason: 'RPC_MISMATCH reply truncated before low/high', offset: 16 };
      header.mismatch = { low: u32(b, 16), high: u32(b, 20) };
      header.bodyOffset = 24;
    } else if (rstat === 1) {
      if (n < 20) return { ok: false, reason: 'AUTH_ERROR reply truncated before auth_stat', offset: 16 };
      header.authStat = nameOr(AUTH_STAT_NAMES, u32(b, 16), 'auth_stat');
      header.bodyOffset = 20;
    } else {
      return { ok: false, reason: `reject_stat ${rstat} is neither RPC_MISMATCH (0) nor AUTH_ERROR (1)`, offset: 12 };
    }
    return { ok: true, header };
  }
  return { ok: false, reason: `reply_stat ${replyStat} is neither MSG_ACCEPTED (0) nor MSG_DENIED (1)`, offset: 8 };
}
