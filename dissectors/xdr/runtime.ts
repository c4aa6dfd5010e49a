/**
 * XDR (RFC 4506) runtime used by the generated codecs in dissectors/xdr/generated/.
 *
 * Decoding: `XdrReader` reads big-endian words at offsets of one record (`pos`..`end`);
 * every read is bounds-checked against `end` and failures throw `XdrError {reason, offset}`.
 * XdrError deliberately does not extend Error: hostile captures can make every record fail,
 * and capturing a stack trace per failure would dominate the cost. The public boundary is
 * `xdrDecode(fn, bytes, offset?, opts?)`, which never throws for bad input and returns
 * `{ok:true, value, end} | {ok:false, reason, offset}`.
 *
 * Values follow the team's "XDR decoded-value conventions": hyper -> number when it is a safe
 * integer, else bigint; opaque -> Uint8Array subarray (no copy); string -> JS string when the
 * bytes are strict UTF-8, else `InvalidUtf8`.
 *
 * Tracing: when `r.tracer` is set, generated decoders call `tracer.begin(name, type, offset)`
 * before each struct field / union discriminant / union arm / array element and
 * `tracer.end(offset)` after it; the tracer records them flat (SpanTable) and gives them as
 * `Span` trees (plain, or views of the table). Without a tracer the cost is one null check
 * per field.
 *
 * Hooks (post-decode / pre-encode logic for named types, e.g. fattr4 and notify4):
 *   - The generator is told which types are hooked, by a `// @hook <type>` comment in the .x
 *     file or by the `hooks` option of the compiler (gen.ts lists fattr4 and notify4 for
 *     nfs4.x). For a hooked type T it emits `decode_T_plain` / `encode_T_plain` (the pure XDR
 *     codec) and `decode_T` / `encode_T` that route through the hook slot:
 *         const T_hook = hookSlot('T');
 *         decode_T(r) { const start = r.pos; const v = decode_T_plain(r);
 *                       return T_hook.afterDecode === null ? v : T_hook.afterDecode(v, r, start); }
 *         encode_T(w, v) { encode_T_plain(w, T_hook.beforeEncode === null ? v : T_hook.beforeEncode(v, w)); }
 *   - The NFSv4 layer registers at run time: `registerHook('fattr4', {afterDecode, beforeEncode})`.
 *     Slots are created on first use by either side, so registration order does not matter and
 *     generated code never imports the hook module (no import cycle).
 *   - afterDecode may throw XdrError to mark the value malformed; it returns the value with the
 *     extra keys (e.g. fattr4.attrs), the same object or a new literal with the plain keys first
 *     (cheaper: no key added to an object built without it). beforeEncode returns the plain value.
 *   - Extra keys a hook adds can be typed by augmenting `XdrHookExtras` (declaration merging):
 *         declare module '../xdr/runtime.js' { interface XdrHookExtras { fattr4: { attrs?: ... } } }
 *     The generated type of a hooked type T is `T_plain & HookExtra<'T'>`.
 */

/** A subtree of decoded bytes (same shape as dissectors/nfs4/types.ts Span). */
export interface Span {
  name: string;
  type: string;
  /** Offset within the buffer given to the reader (the RPC record), and length in bytes. */
  offset: number;
  length: number;
  children?: Span[];
}

/** Decoded value of hyper / unsigned hyper: a number when it is a safe integer, else bigint. */
export type XdrHyper = number | bigint;

/** A decode failure: why and at which byte offset. Thrown inside decoders, returned by xdrDecode. */
export class XdrError {
  readonly name = 'XdrError';
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {}
  get message(): string {
    return `${this.reason} at offset ${this.offset}`;
  }
  toString(): string {
    return `XdrError: ${this.message}`;
  }
}

/** The bytes of an XDR string that are not valid UTF-8. JSON form: {hex: "..."}. */
export class InvalidUtf8 {
  constructor(readonly bytes: Uint8Array) {}
  toJSON(): { hex: string } {
    return { hex: toHex(this.bytes) };
  }
  toString(): string {
    return `<invalid utf-8 ${toHex(this.bytes)}>`;
  }
}

const HEX_DIGITS = '0123456789abcdef';

/** Lowercase hex of the bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    out += HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15];
  }
  return out;
}

/** Bytes from hex (whitespace and ':' separators allowed). Throws on malformed hex (programmer input). */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) {
    throw new Error(`fromHex: not a hex string: ${hex.slice(0, 40)}`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/**
 * The spans of one traced decode in flat form, in the order they were begun (pre-order):
 * span i has its offset, length and end in ranges[3i], ranges[3i+1], ranges[3i+2], and its
 * name and type in labels[2i], labels[2i+1]. `end` is the index after its last descendant:
 * its children are i+1, then end(i+1), ... while below end(i).
 * A traced decode records every struct field, union arm and array element; an object and a
 * children array for each was most of the cost of tracing (allocation and garbage
 * collection), small integers in one array are not. (A plain array: a typed array this size
 * gets a backing store of its own, whose allocation costs more than the copy.)
 */
export class SpanTable {
  /** Kept tables (XdrTracer.keep): the chunk they were copied into; released() once. */
  private chunk: KeptChunk | undefined = undefined;

  constructor(
    readonly ranges: readonly number[],
    readonly labels: readonly string[],
    readonly count: number,
    /** The index of the first span (a kept table shares its arrays: see XdrTracer.keep). */
    readonly first = 0,
  ) {}

  /** The index after the last span. */
  get limit(): number {
    return this.first + this.count;
  }

  /**
   * Says that nothing will read this table (or views of it) again: once every table of its
   * chunk is released, the chunk is written over by later tables. Only for a table's last
   * reader (e.g. `read -T json` once a message is written); a no-op for other tables.
   */
  release(): void {
    const c = this.chunk;
    if (c === undefined) return;
    this.chunk = undefined;
    if (--c.live === 0) c.owner.reclaim(c);
  }

  /** A table kept in chunk c (XdrTracer.keep). */
  static kept(c: KeptChunk, count: number, first: number): SpanTable {
    const t = new SpanTable(c.ranges, c.labels, count, first);
    t.chunk = c;
    c.live++;
    return t;
  }

  name(i: number): string {
    return this.labels[2 * i];
  }

  type(i: number): string {
    return this.labels[2 * i + 1];
  }

  offset(i: number): number {
    return this.ranges[3 * i];
  }

  length(i: number): number {
    return this.ranges[3 * i + 1];
  }

  /** The index after span i's last descendant. */
  end(i: number): number {
    return this.ranges[3 * i + 2];
  }

  /**
   * As Span views (which read this table): the top-level spans (those inside no other), or
   * the spans from index `from` on that follow each other up to index `to` (e.g. the
   * top-level spans of one part of a decode).
   */
  views(from = this.first, to = this.limit): Span[] {
    return viewsOf(this, from, to);
  }

  /** The spans as plain Span objects (the whole tree). */
  toSpans(): Span[] {
    return plainSpans(this, this.first, this.limit);
  }

  /** A table of Span trees (e.g. hand-built ones), for code that reads tables. */
  static fromSpans(spans: readonly Span[]): SpanTable {
    const ranges: number[] = [];
    const labels: string[] = [];
    const add = (list: readonly Span[]): void => {
      for (const s of list) {
        const i = labels.length / 2;
        labels.push(s.name, s.type);
        ranges.push(s.offset, s.length, 0);
        if (s.children) add(s.children);
        ranges[3 * i + 2] = labels.length / 2;
      }
    };
    add(spans);
    return new SpanTable(ranges, labels, labels.length / 2);
  }
}

function viewsOf(t: SpanTable, from: number, to: number): Span[] {
  const out: Span[] = [];
  for (let i = from; i < to; i = t.end(i)) out.push(new TableSpan(t, i));
  return out;
}

function plainSpans(t: SpanTable, from: number, to: number): Span[] {
  const out: Span[] = [];
  for (let i = from; i < to; i = t.end(i)) {
    const span: Span = { name: t.name(i), type: t.type(i), offset: t.offset(i), length: t.length(i) };
    if (t.end(i) > i + 1) span.children = plainSpans(t, i + 1, t.end(i));
    out.push(span);
  }
  return out;
}

/** One span of a SpanTable as a Span (its children are made when first asked for). */
export class TableSpan implements Span {
  private kids: Span[] | undefined = undefined;

  constructor(
    readonly table: SpanTable,
    readonly index: number,
  ) {}

  get name(): string {
    return this.table.name(this.index);
  }

  get type(): string {
    return this.table.type(this.index);
  }

  get offset(): number {
    return this.table.offset(this.index);
  }

  get length(): number {
    return this.table.length(this.index);
  }

  get children(): Span[] | undefined {
    const end = this.table.end(this.index);
    if (end === this.index + 1) return undefined;
    return (this.kids ??= viewsOf(this.table, this.index + 1, end));
  }
}

/** A span's `end` while it is open: all spans begun after it are inside it. */
const OPEN = -1;

/**
 * Spans per chunk (see XdrTracer): 48 + 32 KB of arrays, below the size of objects the
 * garbage collector allocates apart, and filled by some tens of messages.
 */
const KEPT_CHUNK_SPANS = 2048;
/** Released chunks kept for reuse. */
const KEPT_CHUNKS_FREE = 2;

/**
 * Arrays that a tracer records spans into, recording after recording, and that the tables
 * it keeps read (SpanTable.kept); `live` of them are not released yet.
 */
interface KeptChunk {
  owner: XdrTracer;
  ranges: number[];
  labels: string[];
  /** Spans [0, used) belong to kept tables. */
  used: number;
  capacity: number;
  live: number;
}

function newChunk(owner: XdrTracer, capacity: number): KeptChunk {
  return { owner, ranges: new Array<number>(3 * capacity).fill(0), labels: new Array<string>(2 * capacity).fill(''), used: 0, capacity, live: 0 };
}

/**
 * Records spans while a reader decodes (flat: see SpanTable), straight into a chunk of arrays
 * shared with the tables it kept before (keep): span i of the recording is at index base + i.
 * A copy of every traced message's spans (and its garbage) was a third of the bytes `read -T
 * json` allocated; a chunk whose tables were all released (SpanTable.release) is recorded
 * into again instead.
 */
export class XdrTracer {
  private chunk: KeptChunk = { owner: this, ranges: [], labels: [], used: 0, capacity: 0, live: 0 };
  /** The chunk's arrays: entries past base + count are free. */
  private ranges: number[] = this.chunk.ranges;
  private labels: string[] = this.chunk.labels;
  private base = 0;
  private count = 0;
  /** Indices (in the recording) of the open spans, innermost last: stack[0 .. open). */
  private stack: number[] = [];
  private open = 0;
  private readonly freeChunks: KeptChunk[] = [];
  /**
   * Elements of one array (or nodes of one linked list) given spans; the rest are decoded
   * without spans, their fields' included. A consumer that shows at most N elements sets N:
   * a hostile array of 262,144 bitmap words otherwise cost a span and a label per word, and
   * a READDIR reply of 200,000 entries 1.4 M spans. Default: all.
   */
  elementSpans = Number.MAX_SAFE_INTEGER;

  begin(name: string, type: string, offset: number): void {
    const i = this.count;
    if (this.base + i >= this.chunk.capacity) this.makeRoom();
    const k = this.base + i;
    const r = this.ranges;
    r[3 * k] = offset;
    r[3 * k + 1] = 0;
    r[3 * k + 2] = OPEN;
    const labels = this.labels;
    labels[2 * k] = name;
    labels[2 * k + 1] = type;
    this.count = i + 1;
    this.stack[this.open++] = i;
  }

  end(offset: number): void {
    if (this.open === 0) return;
    const k = this.base + this.stack[--this.open];
    const r = this.ranges;
    r[3 * k + 1] = offset - r[3 * k];
    r[3 * k + 2] = this.base + this.count;
  }

  /** Moves the recording to the start of a chunk with room for more spans. */
  private makeRoom(): void {
    const old = this.chunk;
    const n = this.count;
    let c = n < KEPT_CHUNK_SPANS ? this.freeChunks.pop() : undefined;
    if (c === undefined) c = newChunk(this, Math.max(KEPT_CHUNK_SPANS, 2 * (n + 1)));
    const base = this.base;
    const r = this.ranges;
    const l = this.labels;
    for (let i = 0; i < n; i++) {
      const k = base + i;
      c.ranges[3 * i] = r[3 * k];
      c.ranges[3 * i + 1] = r[3 * k + 1];
      const end = r[3 * k + 2];
      c.ranges[3 * i + 2] = end === OPEN ? OPEN : end - base;
      c.labels[2 * i] = l[2 * k];
      c.labels[2 * i + 1] = l[2 * k + 1];
    }
    this.chunk = c;
    this.ranges = c.ranges;
    this.labels = c.labels;
    this.base = 0;
    if (old.live === 0) this.reclaim(old);
  }

  /** The spans recorded so far as plain Span trees (open ones with the length 0). */
  get spans(): Span[] {
    return this.table().toSpans();
  }

  /** A copy of the spans recorded so far (open ones: length 0, holding every later span). */
  table(): SpanTable {
    const n = this.count;
    const base = this.base;
    const r = this.ranges;
    const ranges = new Array<number>(3 * n);
    for (let i = 0; i < n; i++) {
      const k = base + i;
      ranges[3 * i] = r[3 * k];
      ranges[3 * i + 1] = r[3 * k + 1];
      const end = r[3 * k + 2];
      ranges[3 * i + 2] = end === OPEN ? n : end - base;
    }
    return new SpanTable(ranges, this.labels.slice(2 * base, 2 * (base + n)), n);
  }

  /**
   * The spans recorded so far as a table that reads the chunk they were recorded into (no
   * copy: the next recording goes after them). Open ones get the length 0 and hold every
   * later span. Its indices are those in the chunk, from its `first` on.
   */
  keep(): SpanTable {
    const n = this.count;
    const base = this.base;
    const r = this.ranges;
    for (let k = 0; k < this.open; k++) r[3 * (base + this.stack[k]) + 2] = base + n;
    const c = this.chunk;
    c.used = base + n;
    return SpanTable.kept(c, n, base);
  }

  /** Every table kept in chunk c was released (see SpanTable.release). */
  reclaim(c: KeptChunk): void {
    // The chunk being recorded into starts over at the next reset.
    if (c === this.chunk) return;
    if (c.capacity === KEPT_CHUNK_SPANS && this.freeChunks.length < KEPT_CHUNKS_FREE) {
      c.used = 0;
      this.freeChunks.push(c);
    }
  }

  /** The top-level spans recorded so far, as views of a copy (see SpanTable.views). */
  views(): Span[] {
    return this.table().views();
  }

  /** Starts a new recording (e.g. for the next operation), after the spans of kept tables. */
  reset(): void {
    this.count = 0;
    this.open = 0;
    const c = this.chunk;
    if (c.live === 0) c.used = 0;
    this.base = c.used;
  }

  /** Number of spans begun and not yet ended. */
  get depth(): number {
    return this.open;
  }

  /** Number of spans begun (the index the next one gets in table()). */
  get size(): number {
    return this.count;
  }

  /** Closes every open span at `offset` (used when decoding failed part way). */
  closeAll(offset: number): void {
    while (this.open > 0) this.end(offset);
  }

  /** Closes spans until only `depth` remain open. */
  closeTo(depth: number, offset: number): void {
    while (this.open > depth) this.end(offset);
  }
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
const TWO_32 = 4294967296;
const NO_MAX = 0xffffffff;
/** Nesting limit for recursive types (linked lists decode iteratively and do not count). */
export const XDR_MAX_DEPTH = 500;
/**
 * Array elements and list nodes decoded per record at most (a READDIR reply holds tens of
 * thousands). Each becomes a JS value several times its encoded size: a 16 MiB record of
 * minimal READDIR entries decoded into hundreds of MB.
 */
export const XDR_MAX_ELEMENTS = 262144;

/** ASCII strings up to this length go through the interning table. */
const INTERNED_MAX_LENGTH = 64;
const INTERNED_SLOTS = 1024;
/**
 * Recently decoded ASCII strings, direct-mapped by a hash of their bytes. Strings are values,
 * so handing out the same string for the same bytes changes nothing for the caller; it saves
 * building (and later collecting) a string per tag, owner or name that repeats from message
 * to message. Bounded: a new string replaces the one in its slot.
 */
const interned: string[] = new Array<string>(INTERNED_SLOTS).fill('');

/** The string of the ASCII bytes b[p..p+n) (n >= 1), whose hash is h. */
function internedAscii(b: Uint8Array, p: number, n: number, h: number, ab: ArrayBufferLike, base: number): string {
  if (n === 1) return String.fromCharCode(b[p]);
  const slot = (h ^ (h >>> 15)) & (INTERNED_SLOTS - 1);
  const known = interned[slot];
  if (known.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (known.charCodeAt(i) !== b[p + i]) {
        same = false;
        break;
      }
    }
    if (same) return known;
  }
  let s: string;
  // Up to 12 characters a concatenation loop builds flat strings fastest; longer ones would
  // become chains of cons strings, where one TextDecoder call is cheaper.
  if (n <= 12) {
    s = '';
    for (let i = p; i < p + n; i++) s += String.fromCharCode(b[i]);
  } else {
    s = utf8Strict.decode(new Uint8Array(ab, base + p, n));
  }
  interned[slot] = s;
  return s;
}

/** A reader's window must lie inside its bytes (a programmer error otherwise). */
function checkWindow(buf: Uint8Array, pos: number, end: number): void {
  if (pos < 0 || end > buf.length || pos > end) throw new RangeError(`XdrReader: bad window ${pos}..${end} of ${buf.length}`);
}

/** Reads XDR items from bytes[pos..end). */
export class XdrReader {
  /** The bytes read (replaced only by `reset`). */
  buf: Uint8Array;
  /** buf's ArrayBuffer and offset in it: `new Uint8Array(ab, base + p, n)` makes opaque views
   *  faster than `subarray` (no species lookup) and always a plain Uint8Array. */
  private ab: ArrayBufferLike;
  private base: number;
  /** Only for float/double and hypers beyond 2^53; integers are assembled from bytes, which
   *  stays fast even before the JIT optimizes a decoder (DataView calls are slow in
   *  unoptimized code on Node 20). */
  private view: DataView | null = null;
  /** The ArrayBuffer `view` spans (all of it, so records of one chunk share the view). */
  private viewAb: ArrayBufferLike | null = null;
  pos: number;
  /** End of the record: reads past it fail. */
  end: number;
  tracer: XdrTracer | null;
  /** Current nesting of recursive types (guards the stack against hostile input). */
  depth = 0;
  /** Array elements and list nodes decoded since the last reset (see XDR_MAX_ELEMENTS). */
  elements = 0;
  /** Bytes of opaque data since the last reset: returned as views of the record, not copied
   *  or decoded into objects (what holding a decoded value costs is the rest). */
  viewBytes = 0;

  constructor(buf: Uint8Array, pos = 0, end = buf.length, tracer: XdrTracer | null = null) {
    checkWindow(buf, pos, end);
    this.buf = buf;
    this.ab = buf.buffer;
    this.base = buf.byteOffset;
    this.pos = pos;
    this.end = end;
    this.tracer = tracer;
  }

  /**
   * Points the reader at another window (as if newly constructed): a decoder that reads one
   * record after another keeps one reader instead of allocating one per record.
   */
  reset(buf: Uint8Array, pos: number, end: number, tracer: XdrTracer | null): void {
    checkWindow(buf, pos, end);
    if (buf !== this.buf) {
      this.buf = buf;
      this.ab = buf.buffer;
      this.base = buf.byteOffset;
    }
    this.pos = pos;
    this.end = end;
    this.tracer = tracer;
    this.depth = 0;
    this.elements = 0;
    this.viewBytes = 0;
  }

  /** Bytes left before the record end. */
  get remaining(): number {
    return this.end - this.pos;
  }

  error(reason: string, offset: number = this.pos): XdrError {
    return new XdrError(reason, offset);
  }

  /** Fails unless n more bytes are available. */
  need(n: number): void {
    if (n > this.end - this.pos) {
      throw new XdrError(`need ${n} bytes, ${this.end - this.pos} left`, this.pos);
    }
  }

  u32(): number {
    const p = this.pos;
    if (p + 4 > this.end) throw this.truncated(4);
    this.pos = p + 4;
    const b = this.buf;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  i32(): number {
    const p = this.pos;
    if (p + 4 > this.end) throw this.truncated(4);
    this.pos = p + 4;
    const b = this.buf;
    return (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
  }

  /** A view of buf for floats and hypers beyond 2^53 (one call builds the bigint; out of line,
   *  so that the number paths of u64/i64 stay small enough to be inlined into every decoder). */
  private dataView(): DataView {
    if (this.view === null || this.viewAb !== this.ab) {
      this.view = new DataView(this.ab);
      this.viewAb = this.ab;
    }
    return this.view;
  }

  /** unsigned hyper: number when <= 2^53-1, else bigint. */
  u64(): XdrHyper {
    const p = this.pos;
    if (p + 8 > this.end) throw this.truncated(8);
    this.pos = p + 8;
    const b = this.buf;
    const hi = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    const lo = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
    if (hi < 0x200000) return hi * TWO_32 + lo;
    return this.dataView().getBigUint64(this.base + p);
  }

  /** hyper: number when |v| <= 2^53-1, else bigint. */
  i64(): XdrHyper {
    const p = this.pos;
    if (p + 8 > this.end) throw this.truncated(8);
    this.pos = p + 8;
    const b = this.buf;
    const hi = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
    const lo = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
    const v = hi * TWO_32 + lo;
    // Out-of-range values round to magnitudes >= 2^53, so this test is exact.
    if (Number.isSafeInteger(v)) return v;
    return this.dataView().getBigInt64(this.base + p);
  }

  f32(): number {
    const p = this.pos;
    if (p + 4 > this.end) throw this.truncated(4);
    this.pos = p + 4;
    return this.dataView().getFloat32(this.base + p);
  }

  f64(): number {
    const p = this.pos;
    if (p + 8 > this.end) throw this.truncated(8);
    this.pos = p + 8;
    return this.dataView().getFloat64(this.base + p);
  }

  bool(): boolean {
    const p = this.pos;
    if (p + 4 > this.end) throw this.truncated(4);
    const b = this.buf;
    const v = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    if (v > 1) throw new XdrError(`bool value ${v} is not 0 or 1`, p);
    this.pos = p + 4;
    return v === 1;
  }

  /** opaque[n]: n bytes plus padding, as a subarray of the input. */
  fixedOpaque(n: number): Uint8Array {
    const p = this.pos;
    const padded = (n + 3) & ~3;
    if (padded > this.end - p || n < 0) {
      throw new XdrError(`opaque[${n}] runs past the end (${this.end - p} bytes left)`, p);
    }
    this.pos = p + padded;
    this.viewBytes += n;
    return new Uint8Array(this.ab, this.base + p, n);
  }

  /** opaque<max>: length word, bytes, padding. The length is checked before anything is sliced. */
  varOpaque(max: number = NO_MAX): Uint8Array {
    const start = this.pos;
    const n = this.u32();
    if (n > max) throw new XdrError(`opaque length ${n} exceeds maximum ${max}`, start);
    const p = this.pos;
    const padded = n + ((4 - (n & 3)) & 3);
    if (padded > this.end - p) {
      this.pos = start;
      throw new XdrError(`opaque length ${n} exceeds remaining ${this.end - p} bytes`, start);
    }
    this.pos = p + padded;
    this.viewBytes += n;
    return new Uint8Array(this.ab, this.base + p, n);
  }

  /** string<max>: a JS string if the bytes are strict UTF-8, else InvalidUtf8. */
  string(max: number = NO_MAX): string | InvalidUtf8 {
    const start = this.pos;
    const n = this.u32();
    if (n > max) throw new XdrError(`string length ${n} exceeds maximum ${max}`, start);
    const p = this.pos;
    const padded = n + ((4 - (n & 3)) & 3);
    if (padded > this.end - p) {
      this.pos = start;
      throw new XdrError(`string length ${n} exceeds remaining ${this.end - p} bytes`, start);
    }
    this.pos = p + padded;
    const b = this.buf;
    // Short ASCII strings (file names, tags, owners, domains) are the common case: they come
    // from a small table of recently decoded strings when the same bytes were seen before.
    if (n <= INTERNED_MAX_LENGTH) {
      if (n === 0) return '';
      let h = n;
      let ascii = true;
      for (let i = p; i < p + n; i++) {
        const c = b[i];
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        h = Math.imul(h ^ c, 0x01000193);
      }
      if (ascii) return internedAscii(b, p, n, h, this.ab, this.base);
    }
    const bytes = new Uint8Array(this.ab, this.base + p, n);
    try {
      return utf8Strict.decode(bytes);
    } catch {
      return new InvalidUtf8(bytes);
    }
  }

  /**
   * Count word of a variable-length array. Fails when count > max or when the count could not
   * fit in the bytes left given the minimum encoded size of one element; callers never
   * allocate from the claimed count before this check.
   */
  arrayCount(max: number, minElementBytes: number): number {
    const start = this.pos;
    const n = this.u32();
    if (n > max) throw new XdrError(`count ${n} exceeds maximum ${max}`, start);
    const per = minElementBytes < 1 ? 1 : minElementBytes;
    if (n > (this.end - this.pos) / per) {
      throw new XdrError(`count ${n} exceeds remaining bytes (${this.end - this.pos} left)`, start);
    }
    this.elements += n;
    if (this.elements > XDR_MAX_ELEMENTS) throw new XdrError(`more than ${XDR_MAX_ELEMENTS} array elements in one record`, start);
    return n;
  }

  /** One more node of a linked list (counted against XDR_MAX_ELEMENTS). */
  listNode(): void {
    if (++this.elements > XDR_MAX_ELEMENTS) throw new XdrError(`more than ${XDR_MAX_ELEMENTS} list entries and array elements in one record`, this.pos);
  }

  /** Enter a recursive type (depth guard for hostile nesting). */
  enter(): void {
    if (++this.depth > XDR_MAX_DEPTH) throw new XdrError(`nesting deeper than ${XDR_MAX_DEPTH}`, this.pos);
  }

  leave(): void {
    this.depth--;
  }

  private truncated(n: number): XdrError {
    return new XdrError(`need ${n} bytes, ${this.end - this.pos} left`, this.pos);
  }
}

export interface XdrDecodeOptions {
  /** Record end (default: bytes.length). */
  end?: number;
  tracer?: XdrTracer | null;
}

export type XdrDecodeResult<T> =
  | { ok: true; value: T; end: number }
  | { ok: false; reason: string; offset: number };

/**
 * Decodes one value at `offset`; never throws for malformed input. The 4th argument is a
 * tracer or options {end, tracer}. On failure any open spans of the tracer are closed at the
 * failure offset, so the partial tree is still usable.
 */
export function xdrDecode<T>(
  fn: (r: XdrReader) => T,
  bytes: Uint8Array,
  offset = 0,
  opts?: XdrDecodeOptions | XdrTracer | null,
): XdrDecodeResult<T> {
  let tracer: XdrTracer | null = null;
  let end = bytes.length;
  if (opts instanceof XdrTracer) tracer = opts;
  else if (opts) {
    tracer = opts.tracer ?? null;
    if (opts.end !== undefined) end = opts.end;
  }
  if (offset < 0 || offset > end || end > bytes.length) {
    return { ok: false, reason: `offset ${offset} outside record of ${end} bytes`, offset };
  }
  const r = new XdrReader(bytes, offset, end, tracer);
  try {
    const value = fn(r);
    return { ok: true, value, end: r.pos };
  } catch (e) {
    return decodeFailure(e, r);
  }
}

/** Turns what a decoder threw into a failure value; rethrows programmer errors. */
export function decodeFailure(e: unknown, r: XdrReader): { ok: false; reason: string; offset: number } {
  let failure: { ok: false; reason: string; offset: number };
  if (e instanceof XdrError) failure = { ok: false, reason: e.reason, offset: e.offset };
  else if (e instanceof RangeError && /call stack/i.test(e.message)) {
    failure = { ok: false, reason: 'nesting too deep (stack exhausted)', offset: r.pos };
  } else throw e;
  r.tracer?.closeAll(failure.offset);
  return failure;
}

/** Growable big-endian buffer for encoding. */
export class XdrWriter {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(Math.max(16, initialSize));
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private put32(v: number): void {
    if (this.pos + 4 > this.buf.length) this.reserve(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
  }

  u32(v: number): void {
    // (v >>> 0) === v holds exactly for integers 0..2^32-1.
    if (v >>> 0 !== v) throw new RangeError(`u32: bad value ${v}`);
    this.put32(v);
  }

  i32(v: number): void {
    if ((v | 0) !== v) throw new RangeError(`i32: bad value ${v}`);
    this.put32(v);
  }

  bool(v: boolean): void {
    if (typeof v !== 'boolean') throw new TypeError(`bool: not a boolean: ${String(v)}`);
    this.u32(v ? 1 : 0);
  }

  /** hyper from number | bigint. */
  i64(v: XdrHyper): void {
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      const hi = Math.floor(v / TWO_32);
      this.put32(hi);
      this.put32((v - hi * TWO_32) >>> 0);
      return;
    }
    const b = BigInt(v);
    if (b < -(1n << 63n) || b >= 1n << 63n) throw new RangeError(`i64: out of range ${v}`);
    this.write64(BigInt.asUintN(64, b));
  }

  /** unsigned hyper from number | bigint. */
  u64(v: XdrHyper): void {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`u64: bad value ${v}`);
      const hi = Math.floor(v / TWO_32);
      this.put32(hi);
      this.put32((v - hi * TWO_32) >>> 0);
      return;
    }
    if (v < 0n || v >= 1n << 64n) throw new RangeError(`u64: out of range ${v}`);
    this.write64(v);
  }

  private write64(u: bigint): void {
    this.put32(Number(u >> 32n));
    this.put32(Number(u & 0xffffffffn));
  }

  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.pos, v);
    this.pos += 4;
  }

  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }

  /** Raw bytes plus zero padding to a multiple of 4. */
  private bytesPadded(b: Uint8Array): void {
    const padded = (b.length + 3) & ~3;
    this.reserve(padded);
    this.buf.set(b, this.pos);
    this.buf.fill(0, this.pos + b.length, this.pos + padded);
    this.pos += padded;
  }

  /** opaque[n]: exactly n bytes (checked), padded. */
  fixedOpaque(b: Uint8Array, n: number): void {
    if (b.length !== n) throw new RangeError(`opaque[${n}]: got ${b.length} bytes`);
    this.bytesPadded(b);
  }

  /** opaque<max>: length word, bytes, padding. */
  varOpaque(b: Uint8Array, max: number = NO_MAX): void {
    if (b.length > max) throw new RangeError(`opaque<${max}>: got ${b.length} bytes`);
    this.u32(b.length);
    this.bytesPadded(b);
  }

  /** string<max>: UTF-8 of a JS string, or the raw bytes of an InvalidUtf8. */
  string(s: string | InvalidUtf8, max: number = NO_MAX): void {
    if (typeof s !== 'string') {
      if (s.bytes.length > max) throw new RangeError(`string<${max}>: got ${s.bytes.length} bytes`);
      this.u32(s.bytes.length);
      this.bytesPadded(s.bytes);
      return;
    }
    // Encode in place after a length word filled in afterwards (UTF-8 is at most 3 bytes per
    // UTF-16 unit); plain ASCII is copied by a loop, cheaper than a TextEncoder call.
    const start = this.pos;
    this.reserve(4 + s.length * 3 + 3);
    const b = this.buf;
    let n = 0;
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      b[start + 4 + i] = c;
    }
    if (ascii) n = s.length;
    else n = utf8Encoder.encodeInto(s, b.subarray(start + 4)).written;
    if (n > max) throw new RangeError(`string<${max}>: got ${n} bytes`);
    this.put32(n);
    const padded = (n + 3) & ~3;
    b.fill(0, start + 4 + n, start + 4 + padded);
    this.pos = start + 4 + padded;
  }

  /** Count word of a variable-length array (checked against max). */
  arrayCount(n: number, max: number = NO_MAX): void {
    if (n > max) throw new RangeError(`array<${max}>: got ${n} elements`);
    this.u32(n);
  }

  /** The encoded bytes (a copy-free view of the written part). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Encodes one value with a fresh writer and returns its bytes. */
export function xdrEncode<T>(fn: (w: XdrWriter, v: T) => void, value: T): Uint8Array {
  const w = new XdrWriter();
  fn(w, value);
  return w.finish();
}

/** Resolves an enum value given as name or number (encoders accept both). */
export function enumValue(values: Record<string, number>, v: string | number, enumName: string): number {
  if (typeof v === 'number') return v;
  const n = values[v];
  if (n === undefined) throw new RangeError(`${enumName}: unknown name ${String(v)}`);
  return n;
}

/** A frozen lookup table without a prototype, so names like 'constructor' are not found. */
export function lookupTable<T>(entries: Record<string | number, T>): Record<string | number, T> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string | number, T>, entries));
}

// ---------------------------------------------------------------------------------------------
// Hooks

/** Extra keys hooks add to decoded values; augment per type name by declaration merging. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface XdrHookExtras {}

/** The extra keys registered for type K (none when not augmented). */
export type HookExtra<K extends string> = K extends keyof XdrHookExtras ? XdrHookExtras[K] : unknown;

export interface XdrHook<T = unknown> {
  /** Called with the plain decoded value, the reader (positioned after the value) and the value's start offset. */
  afterDecode?: (value: T, r: XdrReader, start: number) => T;
  /** Called before encoding; returns the plain value to encode. */
  beforeEncode?: (value: T, w: XdrWriter) => T;
}

/** The mutable slot generated code reads on every call. */
export interface XdrHookSlot<T = unknown> {
  afterDecode: ((value: T, r: XdrReader, start: number) => T) | null;
  beforeEncode: ((value: T, w: XdrWriter) => T) | null;
}

const hookSlots = new Map<string, XdrHookSlot>();

/** The slot for a type name, created on first use (by the generated module or by registerHook). */
export function hookSlot<T>(typeName: string): XdrHookSlot<T> {
  let slot = hookSlots.get(typeName);
  if (slot === undefined) {
    slot = { afterDecode: null, beforeEncode: null };
    hookSlots.set(typeName, slot);
  }
  return slot as XdrHookSlot<T>;
}

/** Attaches post-decode / pre-encode logic to a hooked type; replaces any earlier hook. */
export function registerHook<T>(typeName: string, hook: XdrHook<T>): void {
  const slot = hookSlot<T>(typeName);
  slot.afterDecode = hook.afterDecode ?? null;
  slot.beforeEncode = hook.beforeEncode ?? null;
}

/** Removes the hook of a type (the plain codec is used again). */
export function unregisterHook(typeName: string): void {
  const slot = hookSlots.get(typeName);
  if (slot !== undefined) {
    slot.afterDecode = null;
    slot.beforeEncode = null;
  }
}

// ---------------------------------------------------------------------------------------------
// Program tables (RFC 5531 program/version/procedure blocks), exported by generated modules.

export interface XdrProcedure {
  name: string;
  number: number;
  /** Argument type names as written in the spec (empty for void). */
  args: readonly string[];
  /** Result type name, null for void. */
  result: string | null;
  decodeArgs: readonly ((r: XdrReader) => unknown)[];
  decodeResult: ((r: XdrReader) => unknown) | null;
}

export interface XdrVersion {
  name: string;
  number: number;
  procedures: readonly XdrProcedure[];
}

export interface XdrProgram {
  name: string;
  number: number;
  versions: readonly XdrVersion[];
}
