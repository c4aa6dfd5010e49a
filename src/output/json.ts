/**
 * `read --json`: one JSON object per message per line, decoded values through toJsonValue
 * (opaque -> lowercase hex, 64-bit -> decimal string when above 2^53, notify4 ->
 * notify_vals arrays), then a final {"summary": {...}} line built by the caller.
 */
import type { FieldSource } from '../../dissectors/fields/types.js';
import { toJsonValue, type JSONValue } from '../../dissectors/nfs4/json.js';

export interface JsonOp {
  op: string;
  opnum: number;
  status?: string;
  args?: JSONValue;
  res?: JSONValue;
  malformed?: { reason: string; offset: number };
}

export interface JsonMessage {
  frame: number;
  /** Seconds since the epoch (microsecond precision of a double). */
  time: number;
  /** Seconds since the first frame. */
  relTime: number;
  src: string;
  dst: string;
  xid: number;
  type: 'call' | 'reply';
  program?: number;
  version?: number;
  procedure?: number;
  procName?: string;
  replyFrame?: number;
  callFrame?: number;
  responseTime?: number;
  duplicate?: boolean;
  orphan?: boolean;
  /** Reply: RPC-level failure (MSG_DENIED ..., PROG_UNAVAIL, ...). */
  rpcError?: string;
  /** A string, or {hex} when the tag is not valid UTF-8. */
  tag?: JSONValue;
  minorversion?: number;
  callbackIdent?: number;
  status?: string;
  ops?: JsonOp[];
  malformed?: { reason: string; offset: number };
  undecoded?: string;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The JSON object of one message (before serialisation). */
export function jsonMessage(src: FieldSource): JsonMessage {
  const r = src.rpc;
  const out: JsonMessage = {
    frame: src.frame,
    time: round(src.sec + src.nsec / 1e9, 6),
    relTime: round(src.relTime, 9),
    src: src.src,
    dst: src.dst,
    xid: r.xid >>> 0,
    type: r.type,
  };
  const h = r.header;
  const callHeader = h && h.msgType === 'call' ? h : undefined;
  const program = r.program ?? callHeader?.prog;
  const version = r.version ?? callHeader?.vers;
  const procedure = r.procedure ?? callHeader?.proc;
  if (program !== undefined) out.program = program;
  if (version !== undefined) out.version = version;
  if (procedure !== undefined) out.procedure = procedure;
  if (src.nfs) out.procName = src.nfs.procName;
  if (src.replyFrame !== undefined) out.replyFrame = src.replyFrame;
  if (r.callFrame !== undefined) out.callFrame = r.callFrame;
  if (r.responseTime !== undefined) out.responseTime = round(r.responseTime, 9);
  if (r.duplicate) out.duplicate = true;
  if (r.orphan) out.orphan = true;
  if (h && h.msgType === 'reply') {
    if (h.replyStat === 'MSG_DENIED') out.rpcError = ['MSG_DENIED', h.rejectStat, h.authStat].filter((x) => x !== undefined).join(' ');
    else if (h.acceptStat !== undefined && h.acceptStat !== 'SUCCESS') out.rpcError = h.acceptStat;
  }
  const c = src.nfs;
  if (c) {
    if (typeof c.tag === 'string') {
      if (c.tag !== '') out.tag = c.tag;
    } else if (c.tag !== undefined && c.tag !== null) {
      out.tag = toJsonValue(c.tag);
    }
    if (c.minorversion !== undefined) out.minorversion = c.minorversion;
    if (c.callbackIdent !== undefined) out.callbackIdent = c.callbackIdent;
    if (c.status !== undefined) out.status = c.status;
    if (c.procedure === 1 || c.ops.length > 0) {
      out.ops = c.ops.map((op) => {
        const o: JsonOp = { op: op.op, opnum: op.opnum };
        if (op.status !== undefined) o.status = op.status;
        if (op.args !== undefined) o.args = toJsonValue(op.args);
        if (op.res !== undefined) o.res = toJsonValue(op.res);
        if (op.malformed) o.malformed = { reason: op.malformed.reason, offset: op.malformed.offset };
        return o;
      });
    }
    if (c.malformed) out.malformed = { reason: c.malformed.reason, offset: c.malformed.offset };
  }
  if (src.undecoded !== undefined) out.undecoded = src.undecoded;
  return out;
}

/** One line of `read --json` (no trailing newline). */
export function formatJsonLine(src: FieldSource): string {
  return JSON.stringify(jsonMessage(src));
}

/** The closing line: {"summary": {...}}; bigint and bytes go through toJsonValue. */
export function formatJsonSummary(summary: object): string {
  return JSON.stringify({ summary: toJsonValue(summary) });
}
