/**
 * NFSv4 COMPOUND / CB_COMPOUND (and NULL) bodies: the header, then one operation at a time
 * with the generated per-operation codecs, so that a failing op is marked malformed (offset,
 * reason) and the ops before it are kept. The op count is never trusted: it is checked
 * against the bytes left (every op takes at least its 4-byte opnum) and nothing is
 * allocated from it.
 */
import * as gen from '../xdr/generated/nfs4.js';
import { XdrError, XdrReader, XdrTracer, XdrWriter } from '../xdr/runtime.js';
import { resetHookFailure, setDeviceNotifyContext, takeHookFailure } from './hooks.js';
import { cbOpName, nfsOpName, nfsStatName } from './names.js';
import type { Malformed, NfsCompound, NfsOp, Span } from './types.js';

export type NfsProgramName = 'NFS' | 'NFS_CB';

export interface DecodeOptions {
  /** Record byte spans of every field (for -V trees and byte highlighting). */
  trace?: boolean;
  /** With trace: elements of an array given spans (default all; see XdrTracer.elementSpans). */
  elementSpans?: number;
}

type DecodeFn = (r: XdrReader) => unknown;
type EncodeFn = (w: XdrWriter, v: never) => void;

/** Codecs of one operation's arguments and result. */
interface OpCodec {
  name: string;
  /** Arguments type name, or null for ops with void arguments. */
  argsType: string | null;
  decodeArgs: DecodeFn | null;
  encodeArgs: EncodeFn | null;
  resType: string;
  decodeRes: DecodeFn;
  encodeRes: EncodeFn;
}

const GEN = gen as unknown as Record<string, unknown>;

/** Ops whose nfs_argop4 / nfs_cb_argop4 arm is void. */
const VOID_ARGS = new Set(['GETFH', 'LOOKUPP', 'PUTPUBFH', 'PUTROOTFH', 'READLINK', 'RESTOREFH', 'SAVEFH', 'ILLEGAL', 'CB_ILLEGAL']);

/**
 * Op codecs by number. The op numbers are small except ILLEGAL / CB_ILLEGAL (10044): an array
 * holding index 10044 would turn into a slow dictionary, so the small numbers are a dense
 * array and the rest a Map.
 */
interface OpTable {
  dense: (OpCodec | undefined)[];
  sparse: Map<number, OpCodec>;
}

/** Op numbers below this are indexed directly. */
const DENSE_OPS = 256;

function codecOf(t: OpTable, opnum: number): OpCodec | undefined {
  return opnum < DENSE_OPS ? t.dense[opnum] : t.sparse.get(opnum);
}

/**
 * Op codecs by op number, found by the RFCs' naming rule (OP_X: X4args / X4res).
 * An op number in the name table without generated codecs is left out (decoded as unknown).
 */
function buildTable(names: Record<number, string>): OpTable {
  const table: OpTable = { dense: new Array<OpCodec | undefined>(DENSE_OPS).fill(undefined), sparse: new Map() };
  for (const key of Object.keys(names)) {
    const n = Number(key);
    const name = names[n];
    const decodeRes = GEN[`decode_${name}4res`];
    const encodeRes = GEN[`encode_${name}4res`];
    if (typeof decodeRes !== 'function' || typeof encodeRes !== 'function') continue;
    let decodeArgs: unknown = null;
    let encodeArgs: unknown = null;
    if (!VOID_ARGS.has(name)) {
      decodeArgs = GEN[`decode_${name}4args`];
      encodeArgs = GEN[`encode_${name}4args`];
      if (typeof decodeArgs !== 'function' || typeof encodeArgs !== 'function') continue;
    }
    const codec: OpCodec = {
      name,
      argsType: decodeArgs === null ? null : `${name}4args`,
      decodeArgs: decodeArgs as DecodeFn | null,
      encodeArgs: encodeArgs as EncodeFn | null,
      resType: `${name}4res`,
      decodeRes: decodeRes as DecodeFn,
      encodeRes: encodeRes as EncodeFn,
    };
    if (n >= 0 && n < DENSE_OPS) table.dense[n] = codec;
    else table.sparse.set(n, codec);
  }
  return table;
}

function opNumberNames(enumNames: unknown, strip: string): Record<number, string> {
  const out: Record<number, string> = {};
  if (typeof enumNames !== 'object' || enumNames === null) return out;
  for (const [k, v] of Object.entries(enumNames as Record<string, unknown>)) {
    if (typeof v === 'string') out[Number(k)] = v.startsWith(strip) ? v.slice(strip.length) : v;
  }
  return out;
}

/** Forward and callback op codecs, from the generated nfs_opnum4 / nfs_cb_opnum4 enums. */
const NFS_TABLE = buildTable(opNumberNames(GEN.nfs_opnum4_names, 'OP_'));
const CB_TABLE = buildTable(opNumberNames(GEN.nfs_cb_opnum4_names, 'OP_'));

/** The op numbers this module can decode, for tests and diagnostics. */
export function decodableOps(program: NfsProgramName): number[] {
  const t = program === 'NFS' ? NFS_TABLE : CB_TABLE;
  const out: number[] = [];
  t.dense.forEach((c, n) => { if (c !== undefined) out.push(n); });
  out.push(...[...t.sparse.keys()].sort((a, b) => a - b));
  return out;
}

function procName(program: NfsProgramName, procedure: number): string {
  if (procedure === 0) return program === 'NFS' ? 'NULL' : 'CB_NULL';
  if (procedure === 1) return program === 'NFS' ? 'COMPOUND' : 'CB_COMPOUND';
  return `PROC_${procedure}`;
}

function failure(e: unknown, fallbackOffset: number): Malformed {
  if (e instanceof XdrError) return { reason: e.reason, offset: e.offset };
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return { reason: 'nesting too deep (stack exhausted)', offset: fallbackOffset };
  }
  // A bug in a codec must not take the whole pipeline down on hostile input.
  const msg = e instanceof Error ? e.message : String(e);
  return { reason: `internal decoder error: ${msg}`, offset: fallbackOffset };
}

/** Checks program, version, procedure and offset; returns the compound shell or a failure. */
function start(
  record: Uint8Array, bodyOffset: number, program: NfsProgramName, version: number, procedure: number,
  type: 'call' | 'reply',
): NfsCompound {
  const c: NfsCompound = { program, type, procedure, procName: procName(program, procedure), ops: [] };
  const wantVersion = program === 'NFS' ? 4 : 1;
  if (version !== wantVersion) {
    c.malformed = { reason: `${program} version ${version} is not decoded (only ${wantVersion})`, offset: bodyOffset };
  } else if (procedure !== 0 && procedure !== 1) {
    c.malformed = { reason: `unknown procedure ${procedure}`, offset: bodyOffset };
  } else if (!Number.isInteger(bodyOffset) || bodyOffset < 0 || bodyOffset > record.length) {
    c.malformed = { reason: `body offset ${bodyOffset} outside the record (${record.length} bytes)`, offset: 0 };
  }
  return c;
}

/** Version and body offset are ones `start` accepts (so the fast path may skip it). */
function plainBody(record: Uint8Array, bodyOffset: number, program: NfsProgramName, version: number): boolean {
  return version === (program === 'NFS' ? 4 : 1) && Number.isInteger(bodyOffset) && bodyOffset >= 0 && bodyOffset <= record.length;
}

function traced(r: XdrReader, name: string, type: string, at: number): void {
  if (r.tracer !== null) {
    r.tracer.begin(name, type, at);
    r.tracer.end(r.pos);
  }
}

/**
 * One reader for every record: decoding is not reentrant (hooks never start another compound)
 * and nothing keeps the reader after a decode returns, so a reader per message is not needed.
 */
const READER = new XdrReader(new Uint8Array(0));

/**
 * Likewise one tracer, started again for each traced compound: it records the header's spans
 * and then each operation's, and they are copied out once, at the end (attachSpans).
 */
const TRACER = new XdrTracer();

function tracerFor(opts: DecodeOptions | undefined): XdrTracer | null {
  if (opts?.trace !== true) return null;
  TRACER.reset();
  TRACER.elementSpans = opts.elementSpans ?? Number.MAX_SAFE_INTEGER;
  return TRACER;
}

function readerAt(record: Uint8Array, bodyOffset: number, tracer: XdrTracer | null): XdrReader {
  READER.reset(record, bodyOffset, record.length, tracer);
  return READER;
}

/**
 * Bytes of the record that the last decodeNfsCall or decodeNfsReply left as views (opaque
 * data: WRITE and READ payloads, filehandles, verifiers) instead of decoding them into objects.
 */
export function lastDecodeViewBytes(): number {
  return READER.viewBytes;
}

/**
 * Decodes the arguments of an NFS COMPOUND / CB_COMPOUND call (or NULL) starting at
 * bodyOffset of the RPC record. Never throws for bad input: failures are `malformed`.
 */
export function decodeNfsCall(
  record: Uint8Array, bodyOffset: number, program: NfsProgramName, version: number, procedure: number,
  opts?: DecodeOptions,
): NfsCompound {
  if (procedure === 1 && opts?.trace !== true && plainBody(record, bodyOffset, program, version)) {
    // Common case first: the compound built as one literal once its ops are decoded (adding
    // fields to a smaller literal afterwards cost a property store per field).
    const r = readerAt(record, bodyOffset, null);
    let headerRead = false;
    let tag: unknown;
    let minorversion = 0;
    let callbackIdent = 0;
    let count = 0;
    try {
      tag = r.string();
      minorversion = r.u32();
      if (program === 'NFS_CB') callbackIdent = r.u32();
      count = r.u32();
      headerRead = true;
    } catch {
      // A short or bad header: the general path below says where and why.
    }
    if (headerRead) {
      const ops = walkOps(r, count, program, true);
      const c: NfsCompound = program === 'NFS'
        ? { program, type: 'call', procedure, procName: 'COMPOUND', ops, tag, minorversion }
        : { program, type: 'call', procedure, procName: 'CB_COMPOUND', ops, tag, minorversion, callbackIdent };
      return withOpsFailure(c);
    }
  }
  const c = start(record, bodyOffset, program, version, procedure, 'call');
  if (c.malformed !== undefined || procedure === 0) return c;
  const r = readerAt(record, bodyOffset, tracerFor(opts));
  let count: number;
  try {
    let at = r.pos;
    c.tag = r.string();
    traced(r, 'tag', 'utf8str_cs', at);
    at = r.pos;
    c.minorversion = r.u32();
    traced(r, 'minorversion', 'uint32_t', at);
    if (program === 'NFS_CB') {
      at = r.pos;
      c.callbackIdent = r.u32();
      traced(r, 'callback_ident', 'uint32_t', at);
    }
    at = r.pos;
    // Not trusted and never used to allocate: walkOps stops when the bytes end.
    count = r.u32();
    traced(r, 'argarray', 'count', at);
  } catch (e) {
    return withSpans(r, c, failure(e, r.pos));
  }
  return walkAfterHeader(r, c, count, program, true);
}

/**
 * Decodes the results of an NFS COMPOUND / CB_COMPOUND reply (or NULL) starting at
 * bodyOffset (after accept_stat SUCCESS). Never throws for bad input.
 */
export function decodeNfsReply(
  record: Uint8Array, bodyOffset: number, program: NfsProgramName, version: number, procedure: number,
  opts?: DecodeOptions,
): NfsCompound {
  if (procedure === 1 && opts?.trace !== true && plainBody(record, bodyOffset, program, version)) {
    const r = readerAt(record, bodyOffset, null);
    let headerRead = false;
    let status = '';
    let tag: unknown;
    let count = 0;
    try {
      status = nfsStatName(r.u32());
      tag = r.string();
      count = r.u32();
      headerRead = true;
    } catch {
      // A short or bad header: the general path below says where and why.
    }
    if (headerRead) {
      const ops = walkOps(r, count, program, false);
      const c: NfsCompound = { program, type: 'reply', procedure, procName: program === 'NFS' ? 'COMPOUND' : 'CB_COMPOUND', ops, status, tag };
      return withOpsFailure(c);
    }
  }
  const c = start(record, bodyOffset, program, version, procedure, 'reply');
  if (c.malformed !== undefined || procedure === 0) return c;
  const r = readerAt(record, bodyOffset, tracerFor(opts));
  let count: number;
  try {
    let at = r.pos;
    c.status = nfsStatName(r.u32());
    traced(r, 'status', 'nfsstat4', at);
    at = r.pos;
    c.tag = r.string();
    traced(r, 'tag', 'utf8str_cs', at);
    at = r.pos;
    count = r.u32();
    traced(r, 'resarray', 'count', at);
  } catch (e) {
    return withSpans(r, c, failure(e, r.pos));
  }
  return walkAfterHeader(r, c, count, program, false);
}

/** A traced header that failed: keep its spans, say where and why. */
function withSpans(r: XdrReader, c: NfsCompound, malformed: Malformed): NfsCompound {
  c.malformed = malformed;
  if (r.tracer !== null) {
    const table = r.tracer.keep();
    c.spanTable = table;
    c.spanEnd = table.limit;
  }
  return c;
}

/** After the header of a call or reply: the operations, then (when traced) everyone's spans. */
function walkAfterHeader(r: XdrReader, c: NfsCompound, count: number, program: NfsProgramName, isCall: boolean): NfsCompound {
  const tracer = r.tracer;
  const headerSpans = tracer === null ? 0 : tracer.size;
  c.ops = walkOps(r, count, program, isCall);
  if (tracer !== null) attachSpans(tracer, c, headerSpans);
  return withOpsFailure(c);
}

/**
 * Where each op's spans begin in the tracer (the op's spans run to the next op's start, the
 * last op's to the end), recorded by a traced walkOps.
 */
let opSpanStarts: number[] = [];

/**
 * The header's spans (the first `headerSpans`) to the compound and each op's to the op, as
 * ranges of one kept copy of what the tracer recorded (no Span objects: see compoundSpans
 * and opSpans).
 */
function attachSpans(tracer: XdrTracer, c: NfsCompound, headerSpans: number): void {
  const table = tracer.keep();
  const first = table.first;
  c.spanTable = table;
  c.spanEnd = first + headerSpans;
  const ops = c.ops;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    op.spanTable = table;
    op.spanStart = first + opSpanStarts[i];
    op.spanEnd = i + 1 < ops.length ? first + opSpanStarts[i + 1] : table.limit;
  }
}

/** The byte spans of a compound's header fields: hand-built ones, or views of its traced decode's. */
export function compoundSpans(c: NfsCompound): Span[] | undefined {
  if (c.spans !== undefined) return c.spans;
  const t = c.spanTable;
  return t === undefined ? undefined : t.views(t.first, c.spanEnd);
}

/** The byte spans of an op's fields: hand-built ones, or views of its traced decode's. */
export function opSpans(op: NfsOp): Span[] | undefined {
  if (op.spans !== undefined) return op.spans;
  const t = op.spanTable;
  return t === undefined ? undefined : t.views(op.spanStart, op.spanEnd);
}

/**
 * Says that nothing will read the compound's spans again (its last reader is done): the
 * memory they were copied into is reused for later messages. See SpanTable.release.
 */
export function releaseSpans(c: NfsCompound | undefined): void {
  c?.spanTable?.release();
}

/** Why the last walkOps stopped early (null: every op decoded); read once by withOpsFailure. */
let opsFailure: Malformed | null = null;

function withOpsFailure(c: NfsCompound): NfsCompound {
  if (opsFailure !== null) {
    c.malformed = opsFailure;
    opsFailure = null;
  }
  return c;
}

/** Op arrays of up to this many ops are allocated at their claimed size (no growth). */
const PREALLOCATED_OPS = 64;
/**
 * Operations decoded per compound at most. Servers accept a few dozen (Linux nfsd: 50 by
 * default, ca_maxoperations); a 16 MiB record of 4-byte ops would otherwise decode into
 * 4 million op objects (360 MB).
 */
export const MAX_OPS_DECODED = 4096;

/**
 * Decodes `count` operations (fewer when the bytes end or an op fails: then opsFailure says
 * why, unless the failing op itself carries it). The claimed count only sizes the array when
 * it is small, so a hostile count allocates nothing beyond the bytes really present.
 */
function walkOps(r: XdrReader, count: number, program: NfsProgramName, isCall: boolean): NfsOp[] {
  const isCb = program === 'NFS_CB';
  const table = isCb ? CB_TABLE : NFS_TABLE;
  const ops: NfsOp[] = count <= PREALLOCATED_OPS ? new Array<NfsOp>(count) : [];
  const tracer = r.tracer;
  if (tracer !== null) opSpanStarts = count <= PREALLOCATED_OPS ? new Array<number>(count) : [];
  opsFailure = null;
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    if (i === MAX_OPS_DECODED) {
      opsFailure = { reason: `${isCall ? 'argarray' : 'resarray'} claims ${count} ops, only the first ${MAX_OPS_DECODED} are decoded`, offset: at };
      return ops;
    }
    if (r.end - at < 4) {
      opsFailure = { reason: `${isCall ? 'argarray' : 'resarray'} claims ${count} ops, bytes end after ${i}`, offset: at };
      ops.length = i;
      return ops;
    }
    if (tracer !== null) opSpanStarts[i] = tracer.size;
    const opnum = r.u32();
    if (tracer !== null) {
      tracer.begin(isCall ? 'argop' : 'resop', isCb ? 'nfs_cb_opnum4' : 'nfs_opnum4', at);
      tracer.end(r.pos);
    }
    const codec = codecOf(table, opnum);
    if (codec === undefined) {
      const unknown: NfsOp = { opnum, op: isCb ? cbOpName(opnum) : nfsOpName(opnum), offset: at, length: r.end - at };
      unknown.malformed = { reason: 'unknown operation', offset: at };
      ops[i] = unknown;
      ops.length = i + 1;
      return ops;
    }
    let status: string | undefined;
    if (!isCall && r.end - r.pos >= 4) {
      const b = r.buf;
      const p = r.pos;
      status = nfsStatName(((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0);
    }
    const device = isCb && opnum === 14;
    if (device) setDeviceNotifyContext(true);
    resetHookFailure();
    const valueAt = r.pos;
    let value: unknown;
    let failed: Malformed | null = null;
    try {
      if (isCall) {
        if (codec.decodeArgs !== null) {
          if (tracer !== null) tracer.begin('args', codec.argsType!, valueAt);
          value = codec.decodeArgs(r);
        }
      } else {
        if (tracer !== null) tracer.begin('res', codec.resType, valueAt);
        value = codec.decodeRes(r);
      }
      if (tracer !== null) tracer.closeAll(r.pos);
      failed = takeHookFailure();
    } catch (e) {
      failed = failure(e, r.pos);
      if (tracer !== null) tracer.closeAll(failed.offset);
      r.depth = 0;
    }
    if (device) setDeviceNotifyContext(false);
    const length = failed === null ? r.pos - at : r.end - at;
    // One object literal per op (stable shapes for the consumers' property reads).
    const op: NfsOp = isCall
      ? { opnum, op: codec.name, args: value, offset: at, length }
      : { opnum, op: codec.name, status, res: value, offset: at, length };
    ops[i] = op;
    if (failed !== null) {
      op.malformed = failed;
      ops.length = i + 1;
      return ops;
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// Encoding (round trip, synthetic captures): the body bytes for decoded values.

function encodeOps(w: XdrWriter, ops: readonly NfsOp[], table: OpTable, isCall: boolean): void {
  w.arrayCount(ops.length);
  for (const op of ops) {
    const codec = codecOf(table, op.opnum);
    if (codec === undefined) throw new RangeError(`no codec for op ${op.opnum} (${op.op})`);
    w.u32(op.opnum);
    const device = codec.name === 'CB_NOTIFY_DEVICEID';
    if (device) setDeviceNotifyContext(true);
    try {
      if (isCall) {
        if (codec.encodeArgs !== null) codec.encodeArgs(w, op.args as never);
      } else {
        codec.encodeRes(w, op.res as never);
      }
    } finally {
      if (device) setDeviceNotifyContext(false);
    }
  }
}

function statusNumber(name: string | undefined): number {
  if (name === undefined) throw new RangeError('reply compound without status');
  const v = (GEN.nfsstat4_values as Record<string, number> | undefined)?.[name];
  if (v !== undefined) return v;
  const n = Number(name);
  if (Number.isInteger(n) && n >= 0) return n;
  throw new RangeError(`unknown nfsstat4 ${name}`);
}

/**
 * Encodes a compound's body (what follows the RPC header) with the generated encoders.
 * Throws RangeError/TypeError for values that cannot be encoded (programmer input).
 */
export function encodeNfsCompound(c: NfsCompound): Uint8Array {
  const w = new XdrWriter(512);
  if (c.procedure === 0) return w.finish();
  const table = c.program === 'NFS' ? NFS_TABLE : CB_TABLE;
  if (c.type === 'call') {
    w.string((c.tag ?? '') as string);
    w.u32(c.minorversion ?? 0);
    if (c.program === 'NFS_CB') w.u32(c.callbackIdent ?? 0);
    encodeOps(w, c.ops, table, true);
  } else {
    w.u32(statusNumber(c.status));
    w.string((c.tag ?? '') as string);
    encodeOps(w, c.ops, table, false);
  }
  return w.finish();
}

/** The Span type of this module (same shape as the runtime's). */
export type { Span };
