/**
 * Writes JSON text as UTF-8 bytes into one reusable, growing buffer. Building the text as
 * strings cost more than formatting it: thousands of small concatenations per message made
 * the garbage collector and the final flattening copy the bulk of `read -T json`.
 *
 * Strings are escaped exactly as JSON.stringify escapes them (well-formed: lone surrogates
 * as \udxxx), then encoded as UTF-8.
 */

/** A buffer this large is dropped after a message instead of kept for the next one. */
const KEEP_AT_MOST = 1 << 22;

const HEX_DIGITS = '0123456789abcdef';
/** Char code of each lowercase hex digit. */
const HEX_CODES = Uint8Array.from(HEX_DIGITS, (c) => c.charCodeAt(0));

const SHORT_ESCAPES: Record<number, number> = { 0x08: 0x62, 0x09: 0x74, 0x0a: 0x6e, 0x0c: 0x66, 0x0d: 0x72 };

/** A constant piece of output as bytes, for ByteWriter.raw: ASCII or a byte string (json-text.ts). */
export function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new Error('bytesOf: not a byte string');
    b[i] = c;
  }
  return b;
}

/**
 * Takes over when a ByteWriter's buffer is full, instead of a bigger copy: e.g. an output
 * buffer whose chunk the writer writes into in place.
 */
export interface ByteSink {
  /**
   * Gives `w` a buffer (w.buf, w.pos) with room for `n` more bytes, carrying over the bytes
   * of the piece being written (the sink knows where that began).
   */
  makeRoom(w: ByteWriter, n: number): void;
}

export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  /** How far a sink has moved the bytes back in `buf`: pos + shift is a position that stays valid. */
  private shift = 0;

  /** `sink`: where the bytes go when `buf` is full (default: a buffer twice as large). */
  constructor(private readonly initialSize = 1 << 16, private readonly sink?: ByteSink) {
    this.buf = new Uint8Array(initialSize);
  }

  /** The current position, still valid after the sink moves the bytes (see rewind). */
  mark(): number {
    return this.pos + this.shift;
  }

  /** Drops what was written after `mark` (a mark of the piece being written). */
  rewind(mark: number): void {
    this.pos = mark - this.shift;
  }

  /** Starts over (dropping a buffer grown very large by one huge message). */
  reset(): void {
    this.pos = 0;
    this.shift = 0;
    if (this.buf.length > KEEP_AT_MOST) this.buf = new Uint8Array(this.initialSize);
  }

  /** The bytes written since the last reset (a view, valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** The bytes written as text. */
  text(): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.pos).toString('utf8');
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.sink !== undefined) {
      const before = this.pos;
      this.sink.makeRoom(this, n);
      this.shift += before - this.pos;
      return;
    }
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }

  /**
   * Writes char codes as bytes: for ASCII text and byte strings (json-text.ts) only, i.e.
   * text that needs no escaping and whose char codes are all below 256.
   */
  ascii(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Copies bytes (pre-encoded constants: one call instead of a loop for the long ones). */
  raw(b: Uint8Array): void {
    if (this.pos + b.length > this.buf.length) this.ensure(b.length);
    this.pos = putBytes(this.buf, this.pos, b);
  }

  /** `"}`: the end of a quoted value and of its object. */
  quoteBrace(): void {
    if (this.pos + 2 > this.buf.length) this.ensure(2);
    this.buf[this.pos] = 0x22;
    this.buf[this.pos + 1] = 0x7d;
    this.pos += 2;
  }

  /** Writes one byte. */
  byte(c: number): void {
    if (this.pos + 1 > this.buf.length) this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /**
   * Before an element of an array of objects or strings: a comma unless it is the first
   * (the byte before is then the '[').
   */
  elem(): void {
    if (this.buf[this.pos - 1] !== 0x5b) this.byte(0x2c);
  }

  /** `s` as a quoted JSON string. */
  str(s: string): void {
    this.byte(0x22);
    this.strBody(s);
    this.byte(0x22);
  }

  /** `s` escaped as inside a JSON string, without the quotes. */
  strBody(s: string): void {
    const n = s.length;
    // Each code unit takes at most 6 bytes (\u00xx; UTF-8 needs at most 3).
    if (this.pos + n * 6 > this.buf.length) this.ensure(n * 6);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x80) {
        if (c === 0x22 || c === 0x5c) buf[p++] = 0x5c;
        buf[p++] = c;
      } else if (c < 0x20) {
        buf[p++] = 0x5c;
        const short = SHORT_ESCAPES[c];
        if (short !== undefined) buf[p++] = short;
        else p = unicodeEscape(buf, p, c);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          p = utf8Pair(buf, p, c, next);
          i++;
        } else {
          // A lone surrogate: JSON.stringify writes it as an escape.
          buf[p++] = 0x5c;
          p = unicodeEscape(buf, p, c);
        }
      } else {
        p = utf8Unit(buf, p, c);
      }
    }
    this.pos = p;
  }

  /**
   * Text that needs no escaping (JSON.stringify output), as UTF-8; a lone surrogate (which
   * JSON.stringify never leaves) becomes U+FFFD, as Buffer.from does.
   */
  utf8(s: string): void {
    const n = s.length;
    if (this.pos + n * 3 > this.buf.length) this.ensure(n * 3);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        buf[p++] = c;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          p = utf8Pair(buf, p, c, next);
          i++;
          continue;
        }
        c = 0xfffd;
      }
      p = utf8Unit(buf, p, c);
    }
    this.pos = p;
  }

  /** A JSON number the way JSON.stringify writes one (non-finite numbers are null). */
  num(n: number): void {
    if (n >= 0 && n <= 0xffffffff && n === (n >>> 0)) this.uint32(n);
    else this.ascii(Number.isFinite(n) ? '' + n : 'null');
  }

  /** `,"offset":N,"length":M` of a byte range (JSON numbers). */
  span(offset: number, length: number): void {
    this.raw(OFFSET_KEY);
    this.offsetLength(offset, length);
  }

  /** `N,"length":M` (JSON numbers): the rest of a byte range after its `"offset":` key. */
  offsetLength(offset: number, length: number): void {
    if (offset !== offset >>> 0 || length !== length >>> 0) {
      this.num(offset);
      this.raw(LENGTH_KEY);
      this.num(length);
      return;
    }
    if (this.pos + 30 > this.buf.length) this.ensure(30);
    const buf = this.buf;
    let p = putUint32(buf, this.pos, offset);
    for (let i = 0; i < 10; i++) buf[p++] = LENGTH_KEY[i];
    this.pos = putUint32(buf, p, length);
  }

  /**
   * `head` (ending in `"offset":`) then `N,"length":M`: a node's label and byte range, written
   * with one room check (the most common start of a -T json node).
   */
  headRange(head: Uint8Array, offset: number, length: number): void {
    if (offset !== offset >>> 0 || length !== length >>> 0) {
      this.raw(head);
      this.offsetLength(offset, length);
      return;
    }
    const need = head.length + 30;
    if (this.pos + need > this.buf.length) this.ensure(need);
    const buf = this.buf;
    let p = putBytes(buf, this.pos, head);
    p = putUint32(buf, p, offset);
    p = putBytes(buf, p, LENGTH_KEY);
    this.pos = putUint32(buf, p, length);
  }

  /**
   * headRange(head, offset, length), then `mid` and `N"}`: a whole node with a byte range whose
   * value is the integer n in [0, 2^32) as a quoted decimal (the most common -T json node).
   */
  numberLeaf(head: Uint8Array, offset: number, length: number, mid: Uint8Array, n: number): void {
    if (offset !== offset >>> 0 || length !== length >>> 0) {
      this.raw(head);
      this.offsetLength(offset, length);
      this.raw(mid);
      this.uint32(n);
      this.quoteBrace();
      return;
    }
    const need = head.length + mid.length + 42;
    if (this.pos + need > this.buf.length) this.ensure(need);
    const buf = this.buf;
    let p = putBytes(buf, this.pos, head);
    p = putUint32(buf, p, offset);
    p = putBytes(buf, p, LENGTH_KEY);
    p = putUint32(buf, p, length);
    p = putBytes(buf, p, mid);
    p = putUint32(buf, p, n);
    buf[p] = 0x22;
    buf[p + 1] = 0x7d;
    this.pos = p + 2;
  }

  /**
   * `head` (ending in `"offset":`), the offset, then `rest` (the length and the start of the
   * value) and `N"}`: numberLeaf() for a length known to the caller (already in `rest`).
   */
  offsetLeaf(head: Uint8Array, offset: number, rest: Uint8Array, n: number): void {
    if (offset !== offset >>> 0) {
      this.raw(head);
      this.num(offset);
      this.raw(rest);
      this.uint32(n);
      this.quoteBrace();
      return;
    }
    const need = head.length + rest.length + 22;
    if (this.pos + need > this.buf.length) this.ensure(need);
    const buf = this.buf;
    let p = putBytes(buf, this.pos, head);
    p = putUint32(buf, p, offset);
    p = putBytes(buf, p, rest);
    p = putUint32(buf, p, n);
    buf[p] = 0x22;
    buf[p + 1] = 0x7d;
    this.pos = p + 2;
  }

  /**
   * x.toFixed(places) for 6 or 9 places, from integers when that is safe: toFixed rounds the
   * exact value of x to the nearest unit of the last place (halves up). Below 1e6, x * 10^places
   * is within 6.2e-5 (6 places) or 0.0625 (9 places) of that exact value scaled, so rounding it
   * gives the same digits unless it lies within TIE_MARGIN of a half, where toFixed decides.
   */
  fixed(x: number, places: 6 | 9): void {
    if (x >= 0 && x < 1e6) {
      const unit = places === 6 ? 1e6 : 1e9;
      const scaled = x * unit;
      const whole = Math.floor(scaled);
      const fraction = scaled - whole;
      if (Math.abs(fraction - 0.5) > TIE_MARGIN[places]) {
        const units = fraction > 0.5 ? whole + 1 : whole;
        const seconds = Math.floor(units / unit);
        this.uint32(seconds);
        this.fraction(units - seconds * unit, places);
        return;
      }
    }
    this.ascii(x.toFixed(places));
  }

  /** "." and the `digits` decimal digits of the integer `frac` (below 10^digits), zero-padded. */
  fraction(frac: number, digits: number): void {
    this.byte(0x2e);
    this.zeroPadded(frac, digits);
  }

  /** The `digits` last decimal digits of the non-negative integer n, zero-padded. */
  zeroPadded(n: number, digits: number): void {
    if (this.pos + digits > this.buf.length) this.ensure(digits);
    const buf = this.buf;
    const p = this.pos;
    let i = digits - 1;
    if (n >= 0 && n <= 0x7fffffff && n === (n | 0)) {
      // int32 arithmetic, two digits per step (fractions of seconds: every -T json message).
      let m = n | 0;
      for (; i >= 1; i -= 2) {
        const d = (m / 100) | 0;
        const r = 2 * (m - d * 100);
        buf[p + i] = DIGIT_PAIRS[r + 1];
        buf[p + i - 1] = DIGIT_PAIRS[r];
        m = d;
      }
      if (i === 0) buf[p] = 0x30 + (m % 10);
    } else {
      for (; i >= 0; i--) {
        const q = Math.floor(n / 10);
        buf[p + i] = 0x30 + (n - q * 10);
        n = q;
      }
    }
    this.pos = p + digits;
  }

  /** Writes again the n bytes written at `mark` (see mark()). */
  repeat(mark: number, n: number): void {
    if (this.pos + n > this.buf.length) this.ensure(n);
    // After ensure: a sink may have moved the bytes.
    const buf = this.buf;
    const from = mark - this.shift;
    const p = this.pos;
    for (let i = 0; i < n; i++) buf[p + i] = buf[from + i];
    this.pos = p + n;
  }

  /**
   * Right-aligns what was written since `mark` (see mark(); ASCII) in a field of `width`
   * characters, as padStart(width) would: the bytes move right and spaces fill in before them.
   */
  padStart(mark: number, width: number): void {
    const n = this.pos + this.shift - mark;
    if (n >= width) return;
    const pad = width - n;
    this.ensure(pad);
    // After ensure: a sink may have moved the bytes.
    const start = mark - this.shift;
    this.buf.copyWithin(start + pad, start, this.pos);
    this.buf.fill(0x20, start, start + pad);
    this.pos = start + width;
  }

  /** A number as String(n) writes it (in text: NaN stays "NaN"). */
  decimal(n: number): void {
    if (n >= 0 && n <= 0xffffffff && n === (n >>> 0)) this.uint32(n);
    else this.ascii(String(n));
  }

  /** Decimal digits of an integer in [0, 2^32). */
  uint32(n: number): void {
    if (this.pos + 10 > this.buf.length) this.ensure(10);
    this.pos = putUint32(this.buf, this.pos, n);
  }

  /** Lowercase hex of bytes[start, end). */
  hex(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const n = end - start;
    if (this.pos + 2 * n > this.buf.length) this.ensure(2 * n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      buf[p++] = HEX_CODES[b >> 4];
      buf[p++] = HEX_CODES[b & 15];
    }
    this.pos = p;
  }

  /** Lowercase hex of the low 32 bits of n, zero-padded to `digits` (at most 8). */
  hexWord(n: number, digits: number): void {
    if (this.pos + 8 > this.buf.length) this.ensure(8);
    const buf = this.buf;
    const v = n >>> 0;
    let len = 1;
    while (len < 8 && v >>> (4 * len) !== 0) len++;
    if (len < digits) len = digits;
    let p = this.pos + len;
    this.pos = p;
    for (let i = 0; i < len; i++) buf[--p] = HEX_CODES[(v >>> (4 * i)) & 15];
  }
}

const OFFSET_KEY = bytesOf(',"offset":');
const LENGTH_KEY = bytesOf(',"length":');

/** How close to a half x * 10^places may come before fixed() leaves the rounding to toFixed. */
const TIE_MARGIN = { 6: 1e-3, 9: 0.1 } as const;

/**
 * Copies b to buf at p (room checked); returns the end. Short pieces by a loop: a call of
 * set() costs more than copying a few bytes.
 */
function putBytes(buf: Uint8Array, p: number, b: Uint8Array): number {
  const n = b.length;
  if (n > 12) {
    buf.set(b, p);
    return p + n;
  }
  for (let i = 0; i < n; i++) buf[p + i] = b[i];
  return p + n;
}

/** "00" to "99": two digits per division. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 0x30 + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10));

/**
 * Writes the decimal digits of an integer in [0, 2^32) at p (room for 10 bytes); returns the
 * end. Two digits per step, in int32 arithmetic once the number fits (divisions by a
 * constant become multiplications).
 */
function putUint32(buf: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    buf[p] = 0x30 + n;
    return p + 1;
  }
  if (n < 100) {
    buf[p] = DIGIT_PAIRS[2 * n];
    buf[p + 1] = DIGIT_PAIRS[2 * n + 1];
    return p + 2;
  }
  const digits = n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7
    : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
  const end = p + digits;
  let q = end;
  if (n > 0x7fffffff) {
    const d = Math.floor(n / 100);
    const r = 2 * (n - d * 100);
    buf[q - 1] = DIGIT_PAIRS[r + 1];
    buf[q - 2] = DIGIT_PAIRS[r];
    q -= 2;
    n = d;
  }
  let m = n | 0;
  while (m >= 100) {
    const d = (m / 100) | 0;
    const r = 2 * (m - d * 100);
    buf[q - 1] = DIGIT_PAIRS[r + 1];
    buf[q - 2] = DIGIT_PAIRS[r];
    q -= 2;
    m = d;
  }
  if (m >= 10) {
    buf[q - 1] = DIGIT_PAIRS[2 * m + 1];
    buf[q - 2] = DIGIT_PAIRS[2 * m];
  } else {
    buf[q - 1] = 0x30 + m;
  }
  return end;
}

/** UTF-8 of a code unit from 0x80 up that is not a surrogate (2 or 3 bytes) at buf[p]; returns the next p. */
function utf8Unit(buf: Uint8Array, p: number, c: number): number {
  if (c < 0x800) {
    buf[p] = 0xc0 | (c >> 6);
    buf[p + 1] = 0x80 | (c & 0x3f);
    return p + 2;
  }
  buf[p] = 0xe0 | (c >> 12);
  buf[p + 1] = 0x80 | ((c >> 6) & 0x3f);
  buf[p + 2] = 0x80 | (c & 0x3f);
  return p + 3;
}

/** UTF-8 (4 bytes) of the surrogate pair hi, lo at buf[p]; returns the next p. */
function utf8Pair(buf: Uint8Array, p: number, hi: number, lo: number): number {
  const cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
  buf[p] = 0xf0 | (cp >> 18);
  buf[p + 1] = 0x80 | ((cp >> 12) & 0x3f);
  buf[p + 2] = 0x80 | ((cp >> 6) & 0x3f);
  buf[p + 3] = 0x80 | (cp & 0x3f);
  return p + 4;
}

function unicodeEscape(buf: Uint8Array, p: number, c: number): number {
  buf[p++] = 0x75;
  buf[p++] = HEX_CODES[(c >> 12) & 15];
  buf[p++] = HEX_CODES[(c >> 8) & 15];
  buf[p++] = HEX_CODES[(c >> 4) & 15];
  buf[p++] = HEX_CODES[c & 15];
  return p;
}
