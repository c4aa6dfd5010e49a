/**
 * Extra decoding of the two NFSv4 types whose XDR hides typed data in an opaque:
 * fattr4 (attr_vals = concatenated fattr4_<name> values, one per attrmask bit) gets `attrs`,
 * notify4 (notify_vals = concatenated notify_*4 values, one per notify_mask bit) gets
 * `values`. Registered into the XDR runtime's hook slots when this module is imported.
 *
 * A value the hook cannot decode is kept as labelled opaque bytes ({unknown: bit, hex}) and
 * decoding of that fattr4/notify4 stops there. A real decode failure (not merely an attribute
 * we do not know) is also recorded in a per-op slot that the compound walker reads, so the op
 * is marked malformed while its decoded fields are kept.
 */
import * as gen from '../xdr/generated/nfs4.js';
import { XdrError, XdrWriter, registerHook, type XdrReader } from '../xdr/runtime.js';
import type { Malformed } from './types.js';
import { attrName, notifyTypeName } from './names.js';

type DecodeFn = (r: XdrReader) => unknown;
type EncodeFn = (w: XdrWriter, v: never) => void;

/** A stretch of bytes the hook could not decode, in place of a value. */
export interface UndecodedBytes {
  /** Attribute bit or notify type bit whose value starts here. */
  unknown: number;
  /** Why it was not decoded. */
  reason: string;
  /** The remaining bytes of attr_vals / notify_vals from this value on. */
  hex: Uint8Array;
}

/** Decoded attributes of an fattr4, keyed by attribute name, in bit order. */
export type FattrAttrs = Record<string, unknown>;

/** One element of notify4.values. */
export interface NotifyValue {
  /** notify_type4 name ('NOTIFY4_ADD_ENTRY'), or notify_deviceid_type4 name in CB_NOTIFY_DEVICEID. */
  type: string;
  /** The decoded notify_*4 struct; absent for flag bits without a body and for undecoded bytes. */
  value?: unknown;
  /** Set when the value could not be decoded (decoding of this notify4 stopped). */
  undecoded?: UndecodedBytes;
}

export interface Fattr4Value {
  attrmask: number[];
  attr_vals: Uint8Array;
  attrs?: FattrAttrs;
}

export interface Notify4Value {
  notify_mask: number[];
  notify_vals: Uint8Array;
  values?: NotifyValue[];
}

declare module '../xdr/runtime.js' {
  interface XdrHookExtras {
    fattr4: { attrs?: FattrAttrs };
    notify4: { values?: NotifyValue[] };
  }
}

// ---------------------------------------------------------------------------------------------
// Codec tables, built once from the generated module's exports.

const GEN = gen as unknown as Record<string, unknown>;

interface AttrCodec {
  bit: number;
  name: string;
  type: string;
  decode: DecodeFn;
  encode: EncodeFn;
}

/** Attribute codecs by bit: every FATTR4_<NAME> constant with a fattr4_<name> typedef. */
export const ATTR_CODECS: (AttrCodec | undefined)[] = [];
const ATTR_BY_NAME = new Map<string, AttrCodec>();

for (const key of Object.keys(GEN)) {
  if (!key.startsWith('FATTR4_')) continue;
  const bit = GEN[key];
  if (typeof bit !== 'number' || !Number.isInteger(bit) || bit < 0 || bit > 4095) continue;
  const name = key.slice(7).toLowerCase();
  const decode = GEN[`decode_fattr4_${name}`];
  const encode = GEN[`encode_fattr4_${name}`];
  if (typeof decode !== 'function' || typeof encode !== 'function') continue;
  const codec: AttrCodec = { bit, name, type: `fattr4_${name}`, decode: decode as DecodeFn, encode: encode as EncodeFn };
  ATTR_CODECS[bit] = codec;
  ATTR_BY_NAME.set(name, codec);
}

interface NotifyCodec {
  type: string;
  /** The XDR struct of the value ('notify_add4'). */
  struct: string;
  decode: DecodeFn;
  encode: EncodeFn;
}

function notifyCodec(typeName: string, structName: string): NotifyCodec {
  const decode = GEN[`decode_${structName}`];
  const encode = GEN[`encode_${structName}`];
  if (typeof decode !== 'function' || typeof encode !== 'function') {
    throw new Error(`generated nfs4 codecs lack ${structName}`);
  }
  return { type: typeName, struct: structName, decode: decode as DecodeFn, encode: encode as EncodeFn };
}

/** Directory notifications (CB_NOTIFY), by notify_type4 bit; bits 6.. are bodiless flags. */
const DIR_NOTIFY: NotifyCodec[] = [
  notifyCodec('NOTIFY4_CHANGE_CHILD_ATTRS', 'notify_attr4'),
  notifyCodec('NOTIFY4_CHANGE_DIR_ATTRS', 'notify_attr4'),
  notifyCodec('NOTIFY4_REMOVE_ENTRY', 'notify_remove4'),
  notifyCodec('NOTIFY4_ADD_ENTRY', 'notify_add4'),
  notifyCodec('NOTIFY4_RENAME_ENTRY', 'notify_rename4'),
  notifyCodec('NOTIFY4_CHANGE_COOKIE_VERIFIER', 'notify_verifier4'),
];
/** Highest notify_type4 bit with a name (the RFC8881bis flags, no body). */
const DIR_NOTIFY_LAST_FLAG = 16;

/** Device notifications (CB_NOTIFY_DEVICEID), by notify_deviceid_type4 bit. */
const DEVICE_NOTIFY: (NotifyCodec | undefined)[] = [
  undefined,
  notifyCodec('NOTIFY_DEVICEID4_CHANGE', 'notify_deviceid_change4'),
  notifyCodec('NOTIFY_DEVICEID4_DELETE', 'notify_deviceid_delete4'),
];

// ---------------------------------------------------------------------------------------------
// Per-op state shared with the compound walker (set/read around each op; no closures).

let softFailure: Malformed | null = null;
let deviceNotify = false;

/** Clears the failure slot before an op is decoded. */
export function resetHookFailure(): void {
  softFailure = null;
}

/** The first failure a hook met since the last reset (op decoded, but partly). */
export function takeHookFailure(): Malformed | null {
  const f = softFailure;
  softFailure = null;
  return f;
}

/** notify4 inside CB_NOTIFY_DEVICEID carries device notifications, not directory ones. */
export function setDeviceNotifyContext(on: boolean): void {
  deviceNotify = on;
}

function noteFailure(reason: string, offset: number): void {
  if (softFailure === null) softFailure = { reason, offset };
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Fast path for the common case (no tracing, every bit known, values well formed): one
 * compiled function per attribute mask that decodes straight into an object literal. Its
 * call sites are monomorphic and the object gets one stable shape, where the generic loop
 * would make a megamorphic call and a megamorphic keyed store per attribute. The cache is
 * keyed by the mask words and bounded; anything unusual takes the generic loop.
 */
type MaskPlan = (r: XdrReader) => FattrAttrs;
interface PlanSlot { words: number[]; seen: number; plan: MaskPlan | null }
/** A mask is compiled only once it has been seen this often (random masks stay on the loop). */
const COMPILE_AFTER = 4;
/** Plans by a hash of the mask words; each bucket lists the masks with that hash. */
const PLANS = new Map<number, PlanSlot[]>();
let planCount = 0;
/** Bound on compiled plans (hostile captures can show many masks): then start afresh. */
const PLAN_LIMIT = 1024;
const SAFE_NAME = /^[a-z][a-z0-9_]*$/;

function compilePlan(mask: readonly number[]): MaskPlan | null {
  const names: string[] = [];
  const decoders: DecodeFn[] = [];
  for (let w = 0; w < mask.length; w++) {
    for (let b = 0; b < 32; b++) {
      if (((mask[w] >>> b) & 1) === 0) continue;
      const codec = ATTR_CODECS[w * 32 + b];
      if (codec === undefined || !SAFE_NAME.test(codec.name)) return null;
      names.push(codec.name);
      decoders.push(codec.decode);
    }
  }
  if (names.length > 128) return null;
  const params = decoders.map((_, i) => `d${i}`);
  const body = `return function fattr4Plan(r) { return { ${names.map((n, i) => `${n}: d${i}(r)`).join(', ')} }; };`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- names are checked identifiers from the spec
  return new Function(...params, body)(...decoders) as MaskPlan;
}

/** Compiled plans by the low bits of their hash, checked before PLANS (no Map lookup for
 *  the few masks a capture keeps using). A slot only ever holds a compiled plan. */
const RECENT_PLANS: (PlanSlot | undefined)[] = new Array<PlanSlot | undefined>(256).fill(undefined);

function sameWords(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function planFor(mask: readonly number[]): MaskPlan | null {
  // Attribute numbers end below 96: longer masks are hostile or exotic, never worth a plan.
  if (mask.length > 4) return null;
  let h = mask.length;
  for (let i = 0; i < mask.length; i++) h = Math.imul(h ^ mask[i], 0x9e3779b1) ^ (h >>> 15);
  const recent = RECENT_PLANS[h & 255];
  if (recent !== undefined && sameWords(recent.words, mask)) return recent.plan;
  return plannedOrCounted(mask, h);
}

/** The general lookup: counts how often a mask was seen, compiles it on the COMPILE_AFTER-th. */
function plannedOrCounted(mask: readonly number[], h: number): MaskPlan | null {
  let bucket = PLANS.get(h);
  if (bucket !== undefined) {
    for (let j = 0; j < bucket.length; j++) {
      const slot = bucket[j];
      if (slot.words.length !== mask.length) continue;
      let same = true;
      for (let i = 0; i < mask.length; i++) if (slot.words[i] !== mask[i]) { same = false; break; }
      if (same) {
        if (slot.plan === null && slot.seen < COMPILE_AFTER && ++slot.seen === COMPILE_AFTER) slot.plan = compilePlan(mask);
        if (slot.plan !== null) RECENT_PLANS[h & 255] = slot;
        return slot.plan;
      }
    }
  }
  if (planCount >= PLAN_LIMIT) {
    PLANS.clear();
    RECENT_PLANS.fill(undefined);
    planCount = 0;
    bucket = undefined;
  }
  if (bucket === undefined) {
    bucket = [];
    PLANS.set(h, bucket);
  }
  bucket.push({ words: mask.slice(), seen: 1, plan: null });
  planCount++;
  return null;
}

/**
 * Decodes the values of a fattr4 in place: r is positioned on attr_vals (a subarray of r.buf),
 * the reader window is narrowed to it and restored afterwards.
 */
function fattr4AfterDecode(v: Fattr4Value, r: XdrReader): Fattr4Value {
  const vals = v.attr_vals;
  // attr_vals is the last field of fattr4: its bytes end where the reader stands, before the
  // padding (cheaper than subtracting the two views' byteOffsets).
  const base = r.pos - ((vals.length + 3) & ~3);
  const savedPos = r.pos;
  const savedEnd = r.end;
  const savedDepth = r.depth;
  const tracer = r.tracer;
  if (tracer === null) {
    const plan = planFor(v.attrmask);
    if (plan !== null) {
      r.pos = base;
      r.end = base + vals.length;
      try {
        const attrs = plan(r);
        r.pos = savedPos;
        r.end = savedEnd;
        return { attrmask: v.attrmask, attr_vals: vals, attrs };
      } catch (e) {
        if (!(e instanceof XdrError)) throw e;
        // Malformed values: the generic loop below keeps what decodes and marks the rest.
        r.depth = savedDepth;
      }
    }
  }
  const traceDepth = tracer === null ? 0 : tracer.depth;
  const attrs: FattrAttrs = {};
  // A new object with every key rather than a key added to v (no property store growing v).
  const out: Fattr4Value = { attrmask: v.attrmask, attr_vals: vals, attrs };
  r.pos = base;
  r.end = base + vals.length;
  if (tracer !== null) tracer.begin('attrs', 'fattr4 attributes', base);
  const mask = v.attrmask;
  try {
    words: for (let w = 0; w < mask.length; w++) {
      let word = mask[w] >>> 0;
      while (word !== 0) {
        const low = word & -word;
        const bit = w * 32 + (31 - Math.clz32(low));
        word = (word ^ low) >>> 0;
        const codec = ATTR_CODECS[bit];
        const at = r.pos;
        if (codec === undefined) {
          attrs[`unknown_${bit}`] = undecoded(bit, `no decoder for attribute ${bit} (${attrName(bit)})`, r, at);
          break words;
        }
        if (tracer !== null) tracer.begin(codec.name, codec.type, at);
        try {
          attrs[codec.name] = codec.decode(r);
        } catch (e) {
          if (!(e instanceof XdrError)) throw e;
          if (tracer !== null) tracer.closeTo(traceDepth + 1, e.offset);
          r.depth = savedDepth;
          attrs[codec.name] = undecoded(bit, e.reason, r, at);
          noteFailure(`attribute ${codec.name}: ${e.reason}`, e.offset);
          break words;
        }
        if (tracer !== null) tracer.end(r.pos);
      }
    }
  } finally {
    if (tracer !== null) tracer.closeTo(traceDepth, base + vals.length);
    r.pos = savedPos;
    r.end = savedEnd;
  }
  return out;
}

function undecoded(bit: number, reason: string, r: XdrReader, at: number): UndecodedBytes {
  return { unknown: bit, reason, hex: r.buf.subarray(at, r.end) };
}

function notify4AfterDecode(v: Notify4Value, r: XdrReader): Notify4Value {
  const vals = v.notify_vals;
  // notify_vals is the last field of notify4 (see fattr4AfterDecode).
  const base = r.pos - ((vals.length + 3) & ~3);
  const savedPos = r.pos;
  const savedEnd = r.end;
  const savedDepth = r.depth;
  const tracer = r.tracer;
  const traceDepth = tracer === null ? 0 : tracer.depth;
  const values: NotifyValue[] = [];
  const out: Notify4Value = { notify_mask: v.notify_mask, notify_vals: vals, values };
  r.pos = base;
  r.end = base + vals.length;
  if (tracer !== null) tracer.begin('values', 'notify4 values', base);
  const mask = v.notify_mask;
  const device = deviceNotify;
  try {
    words: for (let w = 0; w < mask.length; w++) {
      let word = mask[w] >>> 0;
      while (word !== 0) {
        const low = word & -word;
        const bit = w * 32 + (31 - Math.clz32(low));
        word = (word ^ low) >>> 0;
        const at = r.pos;
        const codec = device ? DEVICE_NOTIFY[bit] : DIR_NOTIFY[bit];
        if (codec === undefined) {
          if (!device && bit <= DIR_NOTIFY_LAST_FLAG) {
            values.push({ type: notifyTypeName(bit) });
            continue;
          }
          const type = device ? `NOTIFY_DEVICEID4_${bit}` : notifyTypeName(bit);
          values.push({ type, undecoded: undecoded(bit, `unknown notification type ${bit}`, r, at) });
          break words;
        }
        if (tracer !== null) tracer.begin(codec.type, codec.struct, at);
        try {
          values.push({ type: codec.type, value: codec.decode(r) });
        } catch (e) {
          if (!(e instanceof XdrError)) throw e;
          if (tracer !== null) tracer.closeTo(traceDepth + 1, e.offset);
          r.depth = savedDepth;
          values.push({ type: codec.type, undecoded: undecoded(bit, e.reason, r, at) });
          noteFailure(`${codec.type}: ${e.reason}`, e.offset);
          break words;
        }
        if (tracer !== null) tracer.end(r.pos);
      }
    }
  } finally {
    if (tracer !== null) tracer.closeTo(traceDepth, base + vals.length);
    r.pos = savedPos;
    r.end = savedEnd;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoding: raw bytes win (exact round trip); decoded values are encoded only when the raw
// bytes are absent or empty (values built by hand, e.g. by the synthetic capture generator).

function bitsToMask(bits: number[]): number[] {
  const mask: number[] = [];
  for (const bit of bits) {
    const w = bit >>> 5;
    while (mask.length <= w) mask.push(0);
    mask[w] = (mask[w] | (1 << (bit & 31))) >>> 0;
  }
  return mask;
}

function maskBits(mask: readonly number[]): number[] {
  const bits: number[] = [];
  for (let w = 0; w < mask.length; w++) {
    for (let b = 0; b < 32; b++) if ((mask[w] >>> b) & 1) bits.push(w * 32 + b);
  }
  return bits;
}

function isUndecoded(x: unknown): x is UndecodedBytes {
  return typeof x === 'object' && x !== null && (x as UndecodedBytes).hex instanceof Uint8Array
    && typeof (x as UndecodedBytes).unknown === 'number';
}

function attrBitOfKey(key: string): number {
  const codec = ATTR_BY_NAME.get(key);
  if (codec !== undefined) return codec.bit;
  const m = /^unknown_(\d+)$/.exec(key);
  if (m) return Number(m[1]);
  throw new RangeError(`fattr4: unknown attribute name ${key}`);
}

/** The attr_vals bytes for decoded attributes (mask = given attrmask, or from the keys). */
export function encodeAttrs(attrs: FattrAttrs, attrmask?: readonly number[]): { attrmask: number[]; attr_vals: Uint8Array } {
  const maskGiven = attrmask !== undefined && attrmask.some((x) => x !== 0);
  const bits = maskGiven ? maskBits(attrmask) : Object.keys(attrs).map(attrBitOfKey).sort((a, b) => a - b);
  const w = new XdrWriter(64);
  for (const bit of bits) {
    const codec = ATTR_CODECS[bit];
    const value = codec === undefined ? attrs[`unknown_${bit}`] : attrs[codec.name];
    if (isUndecoded(value)) {
      writeRaw(w, value.hex);
      break;
    }
    if (codec === undefined || value === undefined) {
      throw new RangeError(`fattr4: no value for attribute ${bit} (${attrName(bit)})`);
    }
    codec.encode(w, value as never);
  }
  return { attrmask: maskGiven ? [...attrmask] : bitsToMask(bits), attr_vals: w.finish().slice() };
}

/** Appends bytes verbatim (undecoded tails are already XDR, padding included). */
function writeRaw(w: XdrWriter, bytes: Uint8Array): void {
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    w.u32(((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0);
  }
  if (bytes.length % 4 !== 0) throw new RangeError('undecoded bytes are not a multiple of 4');
}

function fattr4BeforeEncode(v: Fattr4Value): Fattr4Value {
  if ((v.attr_vals === undefined || v.attr_vals.length === 0) && v.attrs !== undefined && Object.keys(v.attrs).length > 0) {
    return encodeAttrs(v.attrs, v.attrmask);
  }
  return v;
}

function notifyBitOfType(type: string, device: boolean): number {
  if (device) {
    const i = DEVICE_NOTIFY.findIndex((c) => c?.type === type);
    if (i >= 0) return i;
  } else {
    for (let i = 0; i <= DIR_NOTIFY_LAST_FLAG; i++) if (notifyTypeName(i) === type) return i;
  }
  const m = /_(\d+)$/.exec(type);
  if (m) return Number(m[1]);
  throw new RangeError(`notify4: unknown notification type ${type}`);
}

/** The notify_vals bytes for decoded values (mask = given notify_mask, or from the types). */
export function encodeNotifyValues(values: readonly NotifyValue[], device = false): { notify_mask: number[]; notify_vals: Uint8Array } {
  const w = new XdrWriter(128);
  const bits: number[] = [];
  for (const e of values) {
    bits.push(notifyBitOfType(e.type, device));
    if (e.undecoded !== undefined) {
      writeRaw(w, e.undecoded.hex);
      break;
    }
    const codec = device ? DEVICE_NOTIFY.find((c) => c?.type === e.type) : DIR_NOTIFY.find((c) => c.type === e.type);
    if (codec === undefined) continue; // flag bit: no body
    if (e.value === undefined) throw new RangeError(`notify4: no value for ${e.type}`);
    codec.encode(w, e.value as never);
  }
  return { notify_mask: bitsToMask(bits), notify_vals: w.finish().slice() };
}

function notify4BeforeEncode(v: Notify4Value): Notify4Value {
  if ((v.notify_vals === undefined || v.notify_vals.length === 0) && v.values !== undefined && v.values.length > 0) {
    const enc = encodeNotifyValues(v.values, deviceNotify);
    const mask = v.notify_mask !== undefined && v.notify_mask.some((x) => x !== 0) ? v.notify_mask : enc.notify_mask;
    return { notify_mask: mask, notify_vals: enc.notify_vals };
  }
  return v;
}

let registered = false;

/** Installs the fattr4 and notify4 hooks (idempotent; done on import). */
export function registerNfs4Hooks(): void {
  if (registered) return;
  registered = true;
  registerHook<Fattr4Value>('fattr4', { afterDecode: fattr4AfterDecode, beforeEncode: fattr4BeforeEncode });
  registerHook<Notify4Value>('notify4', { afterDecode: notify4AfterDecode, beforeEncode: notify4BeforeEncode });
}

registerNfs4Hooks();
