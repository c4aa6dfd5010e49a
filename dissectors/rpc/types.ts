/** ONC RPC (RFC 5531) header types, decoded from the start of one record. */

export interface AuthSysParams {
  stamp: number;
  machinename: string;
  uid: number;
  gid: number;
  gids: number[];
}

export interface GssCredential {
  version: number;
  /** 0 DATA, 1 INIT, 2 CONTINUE_INIT, 3 DESTROY */
  proc: number;
  seqNum: number;
  /** 1 none, 2 integrity, 3 privacy */
  service: number;
  handle: Uint8Array;
}

export interface OpaqueAuth {
  flavor: number;
  /** AUTH_NONE, AUTH_SYS, RPCSEC_GSS, ... or "flavor N" */
  flavorName: string;
  body: Uint8Array;
  /** Byte offset of the flavor word within the record. */
  offset: number;
  sys?: AuthSysParams;
  gss?: GssCredential;
  /** Set when the flavor's body could not be decoded (the header itself stays usable). */
  problem?: string;
}

/**
 * How the bytes at bodyOffset are wrapped when they are not plain procedure arguments/results
 * (RFC 2203): 'gss-integrity' = databody_integ (seq_num + args, then a checksum),
 * 'gss-privacy' = encrypted databody_priv (undecodable without keys), 'gss-control' = a GSS
 * context INIT / CONTINUE_INIT / DESTROY message instead of the procedure's arguments.
 */
export type RpcBodyWrap = 'gss-integrity' | 'gss-privacy' | 'gss-control';

export interface RpcCallHeader {
  xid: number;
  msgType: 'call';
  rpcvers: number;
  prog: number;
  vers: number;
  proc: number;
  cred: OpaqueAuth;
  verf: OpaqueAuth;
  /** Offset in the record where the procedure's arguments begin. */
  bodyOffset: number;
  /** Present when the arguments are not plain XDR (RPCSEC_GSS integrity/privacy/control). */
  bodyWrap?: RpcBodyWrap;
}

export interface RpcReplyHeader {
  xid: number;
  msgType: 'reply';
  replyStat: 'MSG_ACCEPTED' | 'MSG_DENIED';
  verf?: OpaqueAuth;
  /** SUCCESS, PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR */
  acceptStat?: string;
  /** RPC_MISMATCH, AUTH_ERROR */
  rejectStat?: string;
  authStat?: string;
  mismatch?: { low: number; high: number };
  /** Offset in the record where the procedure's results begin (accepted SUCCESS only). */
  bodyOffset: number;
}

export type RpcHeader = RpcCallHeader | RpcReplyHeader;

export type RpcHeaderResult =
  | { ok: true; header: RpcHeader }
  | { ok: false; reason: string; offset: number };
