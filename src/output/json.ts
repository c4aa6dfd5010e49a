/**
 * `read --json`: one JSON object per message per line, decoded values through toJsonValue
 * (opaque -> lowercase hex, 64-bit -> decimal string when above 2^53, notify4 ->
 * notify_vals arrays), then a final {"summary": {...}} line built by the caller.
 *
 * writeJsonLine writes the same bytes as the UTF-8 of formatJsonLine straight into a
 * ByteWriter, without the intermediate objects of jsonMessage/toJsonValue and without
 * JSON.stringify (json.test.ts compares the two on every capture and on hostile values).
 */
import type { FieldSource } from '../../dissectors/fields/types.js';
import { isListEntry, toJsonValue, type JSONValue } from '../../dissectors/nfs4/json.js';
import { ByteWriter, bytesOf } from './byte-writer.js';
import { jsonQuote } from './json-text.js';

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
  const w = new ByteWriter(4096);
  writeJsonLine(w, src);
  return w.text();
}

/** The closing line: {"summary": {...}}; bigint and bytes go through toJsonValue. */
export function formatJsonSummary(summary: object): string {
  return JSON.stringify({ summary: toJsonValue(summary) });
}

// ------------------------------------------------------------------ direct writer

/** `"key":` of object keys, pre-encoded; bounded (keys come from decoders, but be safe). */
const keyBytes = new Map<string, Uint8Array>();
const KEY_CACHE_MAX = 4096;

function keyText(key: string): Uint8Array {
  let b = keyBytes.get(key);
  if (b === undefined) {
    if (keyBytes.size >= KEY_CACHE_MAX) keyBytes.clear();
    b = bytesOf(jsonQuote(key) + ':');
    keyBytes.set(key, b);
  }
  return b;
}

/**
 * The `"key":` texts of the objects found at one place of an op's arguments or results, by
 * key position (objects of one type have the same keys in the same order): a look-up
 * without hashing the key. Array elements share their array's.
 */
interface KeyPlace {
  keys: Array<KeyAt | undefined>;
  /** Nesting below the op's arguments or results (0 for them). */
  depth: number;
  /** Where the keys of a fattr4's decoded `attrs` are. */
  attrs?: KeyPlace;
}

interface KeyAt {
  key: string;
  text: Uint8Array;
  /** Keys of the value under this key; undefined below MAX_PLACE_DEPTH. */
  under: KeyPlace | undefined;
}

/** Keys of one object type remembered by position. */
const KEYS_KEPT = 64;
/**
 * Nesting kept: a linked list (READDIR's entries, nextentry after nextentry) nests once per
 * element, and a hostile record could make the kept tree as deep as it has entries.
 */
const MAX_PLACE_DEPTH = 16;

/** KeyPlaces of op arguments and results by op name (bounded). */
const argsPlaces = new Map<string, KeyPlace>();
const resPlaces = new Map<string, KeyPlace>();
const PLACES_MAX = 512;

function placeOf(places: Map<string, KeyPlace>, op: string): KeyPlace {
  let p = places.get(op);
  if (p === undefined) {
    if (places.size >= PLACES_MAX) places.clear();
    p = { keys: [], depth: 0 };
    places.set(op, p);
  }
  return p;
}

function hasToJson(v: object): v is { toJSON(): unknown } {
  return typeof (v as { toJSON?: unknown }).toJSON === 'function';
}

/** JSON.stringify(toJsonValue(v)), written into `w`; `place`: where key texts are kept. */
export function writeJsonValue(w: ByteWriter, v: unknown, place?: KeyPlace): void {
  switch (typeof v) {
    case 'string':
      w.str(v);
      return;
    case 'boolean':
      w.ascii(v ? 'true' : 'false');
      return;
    case 'number':
      if (Number.isFinite(v)) w.num(v);
      else w.str(String(v));
      return;
    case 'bigint':
      w.byte(0x22);
      w.ascii(v.toString());
      w.byte(0x22);
      return;
    case 'undefined':
      w.ascii('null');
      return;
    case 'object':
      break;
    default:
      w.str(String(v));
      return;
  }
  if (v === null) {
    w.ascii('null');
    return;
  }
  if (v instanceof Uint8Array) {
    w.byte(0x22);
    w.hex(v);
    w.byte(0x22);
    return;
  }
  if (Array.isArray(v)) {
    w.byte(0x5b);
    for (let i = 0; i < v.length; i++) {
      if (i > 0) w.byte(0x2c);
      writeJsonValue(w, v[i], place);
    }
    w.byte(0x5d);
    return;
  }
  if (hasToJson(v)) {
    writeJsonValue(w, v.toJSON());
    return;
  }
  const o = v as Record<string, unknown>;
  if (Array.isArray(o.attrmask) && o.attr_vals instanceof Uint8Array && o.attrs !== undefined) {
    w.ascii('{"attrmask":');
    writeJsonValue(w, o.attrmask);
    w.ascii(',"attrs":');
    writeJsonValue(w, o.attrs, place === undefined ? undefined : (place.attrs ??= { keys: [], depth: place.depth + 1 }));
    w.byte(0x7d);
    return;
  }
  if (Array.isArray(o.notify_mask) && o.notify_vals instanceof Uint8Array && Array.isArray(o.values)) {
    // Rare (CB_NOTIFY) and full of merging rules: toJsonValue's own result.
    w.utf8(JSON.stringify(toJsonValue(o)));
    return;
  }
  if (isListEntry(o)) {
    writeEntryList(w, o, place);
    return;
  }
  writeObject(w, o, place);
}

/**
 * toJsonValue's array for a linked list (READDIR's entries), written in a loop: entries
 * share their list's key texts, as array elements do.
 */
function writeEntryList(w: ByteWriter, first: Record<string, unknown>, place: KeyPlace | undefined): void {
  w.byte(0x5b);
  let e: unknown = first;
  let n = 0;
  while (isListEntry(e)) {
    if (n++ > 0) w.byte(0x2c);
    writeObject(w, e, place, 'nextentry');
    e = e.nextentry;
  }
  if (e !== undefined && e !== null) {
    if (n > 0) w.byte(0x2c);
    writeJsonValue(w, e, place);
  }
  w.byte(0x5d);
}

/** An object key by key (`skip`: a key left out). */
function writeObject(w: ByteWriter, o: Record<string, unknown>, place: KeyPlace | undefined, skip?: string): void {
  w.byte(0x7b);
  let at = 0;
  for (const k in o) {
    const x = o[k];
    // undefined fields are left out; '__proto__' set on a fresh object is not an own key.
    if (x === undefined || k === '__proto__' || k === skip) continue;
    if (at > 0) w.byte(0x2c);
    if (place === undefined) {
      w.raw(keyText(k));
      writeJsonValue(w, x);
    } else {
      let e = place.keys[at];
      if (e === undefined || e.key !== k) {
        const under = place.depth < MAX_PLACE_DEPTH ? { keys: [], depth: place.depth + 1 } : undefined;
        e = { key: k, text: keyText(k), under };
        if (at < KEYS_KEPT) place.keys[at] = e;
      }
      w.raw(e.text);
      writeJsonValue(w, x, e.under);
    }
    at++;
  }
  w.byte(0x7d);
}

/**
 * JSON.stringify(round(x, digits)) without the double-to-string conversion (the costliest
 * part of a --json line): round(x) is k / 10^digits for the integer k = Math.round(x *
 * 10^digits), and while one unit of the last place (ulp) of that double is below 10^-digits,
 * the decimal digits of k (trailing zeros dropped) are its shortest round-trip form, which
 * is what JSON.stringify prints (no two such decimals map to the same double, and any other
 * string for it has more digits). Outside that range, and near 0 where JavaScript switches
 * to exponents, it falls back to the conversion.
 */
export function writeRounded(w: ByteWriter, x: number, digits: number): void {
  const f = 10 ** digits;
  const k = Math.round(x * f);
  const n = k / f;
  const a = k < 0 ? -k : k;
  // ulp(k / 10^d) <= |k| 2^-52 / 10^d, under 10^-d while |k| < 2^52 (2^51 keeps a margin).
  if (!(a < 2 ** 51 && (a >= 1000 || digits <= 6))) {
    w.num(n);
    return;
  }
  if (k < 0) w.byte(0x2d);
  const whole = Math.floor(a / f);
  const frac = a - whole * f;
  w.decimal(whole);
  if (frac === 0) return;
  // "." and `digits` digits, zero-padded, then the trailing zeros taken back (frac is not 0,
  // so one digit stays).
  w.fraction(frac, digits);
  while (w.buf[w.pos - 1] === 0x30) w.pos--;
}

/** A number as JSON.stringify writes it (NaN and infinities as null). */
function numberField(w: ByteWriter, key: Uint8Array, n: number): void {
  w.raw(key);
  w.num(n);
}

function stringField(w: ByteWriter, key: Uint8Array, s: string): void {
  w.raw(key);
  w.str(s);
}

const K = {
  frame: bytesOf('{"frame":'),
  time: bytesOf(',"time":'),
  relTime: bytesOf(',"relTime":'),
  src: bytesOf(',"src":'),
  dst: bytesOf(',"dst":'),
  xid: bytesOf(',"xid":'),
  typeCall: bytesOf(',"type":"call"'),
  typeReply: bytesOf(',"type":"reply"'),
  program: bytesOf(',"program":'),
  version: bytesOf(',"version":'),
  procedure: bytesOf(',"procedure":'),
  procName: bytesOf(',"procName":'),
  replyFrame: bytesOf(',"replyFrame":'),
  callFrame: bytesOf(',"callFrame":'),
  responseTime: bytesOf(',"responseTime":'),
  duplicate: bytesOf(',"duplicate":true'),
  orphan: bytesOf(',"orphan":true'),
  rpcError: bytesOf(',"rpcError":'),
  tag: bytesOf(',"tag":'),
  minorversion: bytesOf(',"minorversion":'),
  callbackIdent: bytesOf(',"callbackIdent":'),
  status: bytesOf(',"status":'),
  ops: bytesOf(',"ops":['),
  op: bytesOf('{"op":'),
  opnum: bytesOf(',"opnum":'),
  args: bytesOf(',"args":'),
  res: bytesOf(',"res":'),
  malformed: bytesOf(',"malformed":{"reason":'),
  offset: bytesOf(',"offset":'),
  undecoded: bytesOf(',"undecoded":'),
};

function writeMalformed(w: ByteWriter, m: { reason: string; offset: number }): void {
  stringField(w, K.malformed, m.reason);
  numberField(w, K.offset, m.offset);
  w.byte(0x7d);
}

/**
 * One line of `read --json` (no newline) into `w`: the UTF-8 of formatJsonLine(src), i.e.
 * of JSON.stringify(jsonMessage(src)), key for key.
 */
export function writeJsonLine(w: ByteWriter, src: FieldSource): void {
  const r = src.rpc;
  numberField(w, K.frame, src.frame);
  w.raw(K.time);
  writeRounded(w, src.sec + src.nsec / 1e9, 6);
  w.raw(K.relTime);
  writeRounded(w, src.relTime, 9);
  stringField(w, K.src, src.src);
  stringField(w, K.dst, src.dst);
  numberField(w, K.xid, r.xid >>> 0);
  w.raw(r.type === 'call' ? K.typeCall : K.typeReply);
  const h = r.header;
  const callHeader = h && h.msgType === 'call' ? h : undefined;
  const program = r.program ?? callHeader?.prog;
  const version = r.version ?? callHeader?.vers;
  const procedure = r.procedure ?? callHeader?.proc;
  if (program !== undefined) numberField(w, K.program, program);
  if (version !== undefined) numberField(w, K.version, version);
  if (procedure !== undefined) numberField(w, K.procedure, procedure);
  const c = src.nfs;
  if (c && c.procName !== undefined) stringField(w, K.procName, c.procName);
  if (src.replyFrame !== undefined) numberField(w, K.replyFrame, src.replyFrame);
  if (r.callFrame !== undefined) numberField(w, K.callFrame, r.callFrame);
  if (r.responseTime !== undefined) {
    w.raw(K.responseTime);
    writeRounded(w, r.responseTime, 9);
  }
  if (r.duplicate) w.raw(K.duplicate);
  if (r.orphan) w.raw(K.orphan);
  if (h && h.msgType === 'reply') {
    if (h.replyStat === 'MSG_DENIED') {
      stringField(w, K.rpcError, ['MSG_DENIED', h.rejectStat, h.authStat].filter((x) => x !== undefined).join(' '));
    } else if (h.acceptStat !== undefined && h.acceptStat !== 'SUCCESS') {
      stringField(w, K.rpcError, h.acceptStat);
    }
  }
  if (c) {
    if (typeof c.tag === 'string') {
      if (c.tag !== '') stringField(w, K.tag, c.tag);
    } else if (c.tag !== undefined && c.tag !== null) {
      w.raw(K.tag);
      writeJsonValue(w, c.tag);
    }
    if (c.minorversion !== undefined) numberField(w, K.minorversion, c.minorversion);
    if (c.callbackIdent !== undefined) numberField(w, K.callbackIdent, c.callbackIdent);
    if (c.status !== undefined) stringField(w, K.status, c.status);
    if (c.procedure === 1 || c.ops.length > 0) {
      w.raw(K.ops);
      const ops = c.ops;
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i];
        if (i > 0) w.byte(0x2c);
        stringField(w, K.op, op.op);
        numberField(w, K.opnum, op.opnum);
        if (op.status !== undefined) stringField(w, K.status, op.status);
        if (op.args !== undefined) {
          w.raw(K.args);
          writeJsonValue(w, op.args, placeOf(argsPlaces, op.op));
        }
        if (op.res !== undefined) {
          w.raw(K.res);
          writeJsonValue(w, op.res, placeOf(resPlaces, op.op));
        }
        if (op.malformed) writeMalformed(w, op.malformed);
        w.byte(0x7d);
      }
      w.byte(0x5d);
    }
    if (c.malformed) writeMalformed(w, c.malformed);
  }
  if (src.undecoded !== undefined) stringField(w, K.undecoded, src.undecoded);
  w.byte(0x7d);
}
