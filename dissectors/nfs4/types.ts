/** The decoded body of an NFSv4 COMPOUND / CB_COMPOUND (or NULL) call or reply. */
import type { SpanTable } from '../xdr/runtime.js';

/** A subtree of decoded bytes, for -V trees and byte highlighting. */
export interface Span {
  name: string;
  type: string;
  /** Offset within the RPC record, and length in bytes. */
  offset: number;
  length: number;
  children?: Span[];
}

export interface Malformed {
  reason: string;
  /** Offset within the RPC record where decoding failed. */
  offset: number;
}

/** One operation of a COMPOUND or CB_COMPOUND. */
export interface NfsOp {
  /** Number on the wire (nfs_opnum4 or nfs_cb_opnum4). */
  opnum: number;
  /** Name without the OP_ prefix: 'SEQUENCE', 'GET_DIR_DELEGATION', 'CB_NOTIFY', 'ILLEGAL';
   *  an unknown number gives 'UNKNOWN_<n>'. */
  op: string;
  /** Replies: the op's nfsstat4 name ('NFS4_OK', 'NFS4ERR_DELAY'); number-like name if unknown. */
  status?: string;
  /** Calls: the decoded argument value (spec field names, see the XDR conventions). */
  args?: unknown;
  /** Replies: the decoded result value, i.e. the whole result union
   *  (e.g. GET_DIR_DELEGATION4res {gddr_status, gddr_res_non_fatal4}). */
  res?: unknown;
  /** Offset of the opnum word within the RPC record, and the op's encoded length. */
  offset: number;
  length: number;
  /** Set when this op could not be decoded; no later op of the compound is decoded. */
  malformed?: Malformed;
  /** Byte spans of the op's fields, hand-built (a traced decode sets spanTable: see opSpans). */
  spans?: Span[];
  /** A traced decode: the op's spans are those of this table from spanStart up to spanEnd (indices). */
  spanTable?: SpanTable;
  spanStart?: number;
  spanEnd?: number;
}

export interface NfsCompound {
  /** 'NFS' (program 100003) or 'NFS_CB' (the callback program). */
  program: 'NFS' | 'NFS_CB';
  type: 'call' | 'reply';
  /** 0 NULL / CB_NULL, 1 COMPOUND / CB_COMPOUND. */
  procedure: number;
  procName: 'NULL' | 'COMPOUND' | 'CB_NULL' | 'CB_COMPOUND' | string;
  /** COMPOUND tag (string, or InvalidUtf8 object). */
  tag?: unknown;
  minorversion?: number;
  /** CB_COMPOUND call only. */
  callbackIdent?: number;
  /** Reply: the compound's nfsstat4 name. */
  status?: string;
  ops: NfsOp[];
  /** Set when the body (outside a single op) could not be decoded. */
  malformed?: Malformed;
  /** Byte spans of the header fields (tag, minorversion, ..., op count), hand-built (a traced
   *  decode sets spanTable: see compoundSpans). */
  spans?: Span[];
  /** A traced decode: the header's spans are those of this table from its first up to spanEnd;
   *  the ops' spans follow (each op's range is on the op). */
  spanTable?: SpanTable;
  spanEnd?: number;
}
