import { describe, expect, it } from 'vitest';
import { ByteWriter, type ByteSink } from './byte-writer.js';
import { xorshift32 } from '../../test/helpers/prng.js';

/** Deterministic code units covering ASCII, controls, BMP, pairs and lone surrogates. */
function randomStrings(count: number): string[] {
  let seed = 12345;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const pools = [[0x20, 0x7f], [0, 0x20], [0x7f, 0xa0], [0xa0, 0x800], [0x800, 0xd800], [0xd800, 0xe000], [0xe000, 0x10000]];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    const len = next(12);
    for (let j = 0; j < len; j++) {
      const r = next(10);
      if (r === 9) s += String.fromCodePoint(0x10000 + next(0xfffff));
      else {
        const [lo, hi] = pools[r % pools.length];
        s += String.fromCharCode(lo + next(hi - lo));
      }
    }
    out.push(s);
  }
  return out;
}

describe('ByteWriter', () => {
  it('writes strings exactly as JSON.stringify, in UTF-8', () => {
    const w = new ByteWriter(8);
    for (const s of [...randomStrings(5000), '', '"\\', '\ud800', '\udfff\ud800', '\u2028', 'a\u{10ffff}b']) {
      w.reset();
      w.str(s);
      expect(w.text()).toBe(JSON.stringify(s));
      expect(Buffer.from(w.bytes()).equals(Buffer.from(JSON.stringify(s), 'utf8'))).toBe(true);
    }
  });

  it('encodes text as UTF-8 exactly as Buffer.from does (lone surrogates as U+FFFD)', () => {
    const w = new ByteWriter(8);
    for (const s of [...randomStrings(5000), '', '\ud800', '\udfff\ud800x', '\u07ff\u0800\uffff', 'a\u{10ffff}b']) {
      w.reset();
      w.utf8(s);
      expect(Buffer.from(w.bytes()).equals(Buffer.from(s, 'utf8'))).toBe(true);
    }
  });

  it('writes numbers as JSON.stringify and String do', () => {
    const w = new ByteWriter(4);
    for (const n of [0, -0, 1, 9, 10, 99, 100, 4294967295, 4294967296, -1, 1.5, 1e21, 2 ** 53, Number.NaN, Infinity, -Infinity, 123456789]) {
      w.reset();
      w.num(n);
      expect(w.text()).toBe(JSON.stringify(n));
      w.reset();
      w.decimal(n);
      expect(w.text()).toBe(String(n));
    }
  });

  it('writes unsigned 32-bit integers of every length as String does', () => {
    const w = new ByteWriter(4);
    const next = xorshift32(3);
    const ns = [0, 9, 10, 99, 100, 101, 999, 1000, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 99, 2 ** 32 - 1];
    for (let i = 0; i < 20000; i++) ns.push(next() >>> (next() % 32));
    for (const n of ns) {
      w.reset();
      w.uint32(n);
      w.byte(0x20);
      w.span(n, 4294967295 - n);
      expect(w.text()).toBe(`${n} ,"offset":${n},"length":${4294967295 - n}`);
    }
  });

  it('pads what was written since a mark as padStart does', () => {
    const w = new ByteWriter(4);
    for (const [text, width] of [['7', 5], ['12345', 5], ['123456', 5], ['', 3], ['1.500000', 11]] as const) {
      w.reset();
      w.ascii('>');
      const m = w.mark();
      w.ascii(text);
      w.padStart(m, width);
      w.ascii('<');
      expect(w.text()).toBe(`>${text.padStart(width)}<`);
    }
  });

  it('writes x.toFixed(9), also near halves of a nanosecond and past the integer path', () => {
    const w = new ByteWriter(4);
    const next = xorshift32(9);
    const xs = [0, -0, 1, 0.5, 1e-9, 5e-10, 4.9999999e-10, 0.0000000015, 0.051179, 999999.999999999, 1e6, 123456.0000000005,
      -1, -0.5e-9, 1e21, Number.NaN, Infinity];
    for (let i = 0; i < 20000; i++) {
      const ns = next() % 1_000_000_000;
      const s = next() % 100_000;
      xs.push(s + ns / 1e9, (s * 1e9 + ns + 0.5) / 1e9, next() / 2 ** 32, (next() % 1000) * 1e-9 + 0.5e-9);
    }
    for (const x of xs) {
      w.reset();
      w.fixed(x, 9);
      expect(w.text()).toBe(x.toFixed(9));
    }
  });

  it('writes the last digits of integers zero-padded, and repeats bytes written at a mark', () => {
    const w = new ByteWriter(4);
    const next = xorshift32(3);
    const ns = [0, 1, 9, 10, 99, 100, 999_999_999, 1_000_000_000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 40 + 7];
    for (let i = 0; i < 5000; i++) ns.push(next() % 1_000_000_000, next());
    for (const n of ns) {
      for (const digits of [1, 2, 6, 9]) {
        w.reset();
        w.byte(0x3e);
        const m = w.mark();
        w.zeroPadded(n, digits);
        w.byte(0x7c);
        w.repeat(m, digits);
        const text = String(n).padStart(digits, '0').slice(-digits);
        expect(w.text()).toBe(`>${text}|${text}`);
      }
    }
  });

  it('writes hex of bytes and of words', () => {
    const w = new ByteWriter(2);
    w.hex(Uint8Array.of(0, 0x0f, 0xa0, 0xff));
    w.ascii(' ');
    w.hex(Uint8Array.of(1, 2, 3, 4), 1, 3);
    w.ascii(' ');
    w.hexWord(0xabc, 8);
    w.ascii(' ');
    w.hexWord(0xabcde, 4);
    w.ascii(' ');
    w.hexWord(-1, 4);
    expect(w.text()).toBe('000fa0ff 0203 00000abc abcde ffffffff');
  });

  it('separates array elements', () => {
    const w = new ByteWriter();
    w.ascii('[');
    for (let i = 0; i < 3; i++) {
      w.elem();
      w.ascii('{}');
    }
    w.ascii(']');
    expect(w.text()).toBe('[{},{},{}]');
  });

  it('writes a node head with its byte range, and a whole number node, as the separate calls do', () => {
    const enc = (t: string): Uint8Array => Uint8Array.from(t, (c) => c.charCodeAt(0));
    const heads = ['{"label":"a","offset":', ',{"label":"a_longer_label_than_twelve","offset":'].map(enc);
    const mids = [',"value":"', ',"field":"nfs.fhandle","value":"'].map(enc);
    const numbers = [0, 9, 10, 99, 4096, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, -1, 1.5, NaN];
    // A small buffer: the room checks must grow it.
    const fast = new ByteWriter(4);
    const plain = new ByteWriter(4);
    for (const head of heads) {
      for (const mid of mids) {
        for (const offset of numbers) {
          for (const length of numbers) {
            fast.reset();
            plain.reset();
            fast.headRange(head, offset, length);
            plain.raw(head);
            plain.offsetLength(offset, length);
            expect(fast.text()).toBe(plain.text());
            for (const n of [0, 7, 123456, 2 ** 32 - 1]) {
              fast.reset();
              plain.reset();
              fast.numberLeaf(head, offset, length, mid, n);
              plain.raw(head);
              plain.offsetLength(offset, length);
              plain.raw(mid);
              plain.decimal(n);
              plain.ascii('"}');
              expect(fast.text()).toBe(plain.text());
            }
          }
        }
      }
    }
    expect(new TextDecoder().decode(fast.bytes())).toBe(',{"label":"a_longer_label_than_twelve","offset":NaN,"length":NaN,"field":"nfs.fhandle","value":"4294967295"}'.replace(/NaN/g, 'null'));
  });

  it('hands a full buffer to its sink, and a mark survives the bytes moving', () => {
    // A sink that moves the piece to offset 3 of a fresh buffer just large enough.
    let start = 0;
    const moved: number[] = [];
    const sink: ByteSink = {
      makeRoom(w, n) {
        const length = w.pos - start;
        const b = new Uint8Array(3 + length + n);
        b.set(w.buf.subarray(start, w.pos), 3);
        moved.push(length);
        start = 3;
        w.buf = b;
        w.pos = 3 + length;
      },
    };
    const w = new ByteWriter(4, sink);
    w.ascii('ab');
    const m = w.mark();
    w.ascii('cdefgh');
    w.str('ij\u00e9');
    w.rewind(m);
    w.ascii('XY');
    const kept = w.mark();
    w.hexWord(0xdeadbeef, 8);
    w.span(1, 2);
    expect(moved.length).toBeGreaterThan(1);
    expect(Buffer.from(w.buf.subarray(3, w.pos)).toString()).toBe('abXYdeadbeef,"offset":1,"length":2');
    w.rewind(kept);
    expect(Buffer.from(w.buf.subarray(3, w.pos)).toString()).toBe('abXY');
  });
});
