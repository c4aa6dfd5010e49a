/** XdrReader / XdrWriter / tracer / hooks, and hostile input against generated codecs. */
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateAll, genTargets } from './gen.js';
import { loadModel } from './compiler/index.js';
import { makeRng, RandomValues, seedOf } from './compiler/random-value.js';
import { readFileSync } from 'node:fs';
import {
  fromHex,
  InvalidUtf8,
  registerHook,
  SpanTable,
  toHex,
  unregisterHook,
  XdrError,
  XdrReader,
  XdrTracer,
  XdrWriter,
  xdrDecode,
  xdrEncode,
  type Span,
} from './runtime.js';

type Decoder = (r: XdrReader) => unknown;
type Encoder = (w: XdrWriter, v: unknown) => void;
type Module = Record<string, unknown>;

const reader = (hex: string): XdrReader => new XdrReader(fromHex(hex));
const failure = (f: () => unknown): XdrError => {
  try {
    f();
  } catch (e) {
    if (e instanceof XdrError) return e;
    throw e;
  }
  throw new Error('expected an XdrError');
};

let fixture: Module;
let nfs4: Module | null = null;

beforeAll(async () => {
  const results = generateAll();
  expect(results.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
  const target = (suffix: string) => genTargets().find((t) => t.output.endsWith(suffix));
  fixture = (await import(pathToFileURL(target('test-fixtures/all.ts')!.output).href)) as Module;
  const n = target('generated/nfs4.ts');
  if (n) nfs4 = (await import(pathToFileURL(n.output).href)) as Module;
});

describe('XdrReader numbers', () => {
  it('reads big-endian u32/i32 and checks the record end', () => {
    const r = reader('ffffffff 80000000 00000001');
    expect(r.u32()).toBe(0xffffffff);
    expect(r.i32()).toBe(-0x80000000);
    expect(r.remaining).toBe(4);
    const r2 = new XdrReader(fromHex('00000001 00000002'), 0, 6);
    expect(r2.u32()).toBe(1);
    expect(failure(() => r2.u32())).toMatchObject({ reason: 'need 4 bytes, 2 left', offset: 4 });
  });

  it('decodes hyper as number when |v| <= 2^53-1, else bigint', () => {
    expect(reader('001fffff ffffffff').u64()).toBe(Number.MAX_SAFE_INTEGER);
    expect(reader('00200000 00000000').u64()).toBe(2n ** 53n);
    expect(reader('ffffffff ffffffff').u64()).toBe(2n ** 64n - 1n);
    expect(reader('ffffffff ffffffff').i64()).toBe(-1);
    expect(reader('ffe00000 00000001').i64()).toBe(-Number.MAX_SAFE_INTEGER);
    expect(reader('ffe00000 00000000').i64()).toBe(-(2n ** 53n));
    expect(reader('80000000 00000000').i64()).toBe(-(2n ** 63n));
    expect(reader('001fffff ffffffff').i64()).toBe(Number.MAX_SAFE_INTEGER);
    expect(reader('00200000 00000001').i64()).toBe(2n ** 53n + 1n);
    // a window that does not start at its buffer's first byte
    const shifted = new XdrReader(fromHex('01020304 05060708 ffffffff fffffffe ffdfffff ffffffff').subarray(8));
    expect(shifted.u64()).toBe(2n ** 64n - 2n);
    expect(shifted.i64()).toBe(-(2n ** 53n) - 1n);
    expect(failure(() => reader('00000000 000000').i64()).offset).toBe(0);
  });

  it('accepts bool 0/1 only', () => {
    const r = reader('00000000 00000001 00000002');
    expect(r.bool()).toBe(false);
    expect(r.bool()).toBe(true);
    expect(failure(() => r.bool())).toMatchObject({ reason: 'bool value 2 is not 0 or 1', offset: 8 });
  });

  it('reads float and double', () => {
    const w = new XdrWriter();
    w.f32(1.5);
    w.f64(-2.25);
    const r = new XdrReader(w.finish());
    expect([r.f32(), r.f64()]).toEqual([1.5, -2.25]);
  });
});

describe('XdrReader opaque, string and counts', () => {
  it('returns opaque data as a subarray (no copy) and skips padding', () => {
    const buf = fromHex('00000005 0102030405 000000 0000002a');
    const r = new XdrReader(buf);
    const o = r.varOpaque();
    expect(Array.from(o)).toEqual([1, 2, 3, 4, 5]);
    expect(o.buffer).toBe(buf.buffer);
    expect(r.u32()).toBe(42);
    const f = new XdrReader(fromHex('aabbcc00 00000007')).fixedOpaque(3);
    expect(toHex(f)).toBe('aabbcc');
  });

  it('fails when a length runs past the record or exceeds the maximum', () => {
    expect(failure(() => reader('7fffffff 00000000').varOpaque())).toMatchObject({
      reason: 'opaque length 2147483647 exceeds remaining 4 bytes',
      offset: 0,
    });
    expect(failure(() => reader('00000000 00000009').u64() && reader('00000009 00').varOpaque(8))).toMatchObject({
      reason: 'opaque length 9 exceeds maximum 8',
    });
    // padding must fit too
    expect(failure(() => reader('00000001 01').varOpaque()).reason).toMatch(/exceeds remaining 1 bytes/);
    expect(failure(() => reader('01020304').fixedOpaque(5)).reason).toBe('opaque[5] runs past the end (4 bytes left)');
  });

  it('decodes strict UTF-8 strings and keeps invalid bytes as InvalidUtf8', () => {
    const enc = (b: number[]): string => {
      const w = new XdrWriter();
      w.varOpaque(Uint8Array.from(b));
      return toHex(w.finish());
    };
    expect(reader(enc([0x68, 0x69])).string()).toBe('hi');
    expect(reader(enc([0xc3, 0xa9])).string()).toBe('é');
    const long = 'ä'.repeat(40) + 'x'.repeat(30);
    const w = new XdrWriter();
    w.string(long);
    expect(new XdrReader(w.finish()).string()).toBe(long);
    for (const bad of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x61, 0x80]]) {
      const s = reader(enc(bad)).string();
      expect(s).toBeInstanceOf(InvalidUtf8);
      expect(JSON.parse(JSON.stringify(s))).toEqual({ hex: toHex(Uint8Array.from(bad)) });
    }
    expect(failure(() => reader(enc([0x61, 0x62, 0x63])).string(2)).reason).toBe('string length 3 exceeds maximum 2');
  });

  it('decodes ASCII strings of every short length the same whether seen before or not', () => {
    const w = new XdrWriter();
    const strings: string[] = [];
    // Many distinct strings (more than the interning table holds), each twice, plus lengths 0..80.
    for (let i = 0; i < 3000; i++) strings.push(`n${i}`, `environment.py:case_${i % 1500}`);
    for (let n = 0; n <= 80; n++) strings.push('x'.repeat(n), 'y'.repeat(n));
    strings.push('é', 'aé', '\u007f');
    for (const s of strings) w.string(s);
    const r = new XdrReader(w.finish());
    for (const s of strings) expect(r.string()).toBe(s);
    expect(r.remaining).toBe(0);
  });

  it('rejects array counts that cannot fit in the bytes left, before allocating', () => {
    expect(failure(() => reader('80000000 00000000').arrayCount(0xffffffff, 4))).toMatchObject({
      reason: 'count 2147483648 exceeds remaining bytes (4 left)',
      offset: 0,
    });
    expect(reader('00000002 00000000 00000000').arrayCount(0xffffffff, 4)).toBe(2);
    expect(failure(() => reader('00000002 00000000 00000000').arrayCount(0xffffffff, 8)).reason).toMatch(/count 2 exceeds/);
    expect(failure(() => reader('00000003 00000000 00000000 00000000').arrayCount(2, 4)).reason).toBe('count 3 exceeds maximum 2');
  });
});

describe('XdrReader reset and array sizes', () => {
  it('reset points the reader at another window as if it were new', () => {
    const a = fromHex('00000001 3ff00000 00000000');
    const b = fromHex('ffffffff 00000002 0a0b0c0d 40000000 00000000');
    const r = new XdrReader(a, 0, a.length, new XdrTracer());
    r.u32();
    expect(r.f64()).toBe(1);
    r.enter();
    r.reset(b, 4, b.length, null);
    expect([r.pos, r.end, r.tracer, r.depth, r.buf]).toEqual([4, b.length, null, 0, b]);
    const o = r.varOpaque();
    expect(o.buffer).toBe(b.buffer);
    expect(toHex(o)).toBe('0a0b');
    // f64 reads the new bytes, not a view of the old ones
    r.reset(b, 12, b.length, null);
    expect(r.f64()).toBe(2);
    expect(() => r.reset(b, 0, b.length + 1, null)).toThrow(RangeError);
  });

  it('arrays of every size decode in order, huge ones included', () => {
    const decode = fixture.decode_words_t as Decoder;
    const encode = fixture.encode_words_t as Encoder;
    for (const n of [0, 1, 2, 3, 1024, 1025, 5000]) {
      const words = Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 0);
      const r = xdrDecode(decode, xdrEncode(encode, words));
      expect(r.ok && r.value).toEqual(words);
      // traced decoding gives the same value
      const t = xdrDecode(decode, xdrEncode(encode, words), 0, new XdrTracer());
      expect(t.ok && t.value).toEqual(words);
    }
  });
});

describe('XdrWriter', () => {
  it('grows by doubling and pads opaque/string data with zeros', () => {
    const w = new XdrWriter(16);
    for (let i = 0; i < 100; i++) w.u32(i);
    w.varOpaque(Uint8Array.from([1, 2, 3]));
    w.string('ab');
    w.string(new InvalidUtf8(Uint8Array.from([0xff])));
    const b = w.finish();
    expect(b.length).toBe(400 + 8 + 8 + 8);
    expect(toHex(b.subarray(400))).toBe('00000003010203000000000261620000' + '00000001ff000000');
  });

  it('encodes hyper from number or bigint and range-checks', () => {
    const w = new XdrWriter();
    w.i64(-1);
    w.i64(-(2n ** 63n));
    w.u64(2 ** 40);
    w.u64(2n ** 64n - 1n);
    expect(toHex(w.finish())).toBe('ffffffffffffffff' + '8000000000000000' + '0000010000000000' + 'ffffffffffffffff');
    expect(() => new XdrWriter().u64(-1)).toThrow(RangeError);
    expect(() => new XdrWriter().i64(2n ** 63n)).toThrow(RangeError);
    expect(() => new XdrWriter().u32(2 ** 32)).toThrow(RangeError);
    expect(() => new XdrWriter().varOpaque(new Uint8Array(5), 4)).toThrow(RangeError);
  });

  it('hex helpers round trip', () => {
    expect(toHex(fromHex('00 ff:10 Ab'))).toBe('00ff10ab');
    expect(() => fromHex('abc')).toThrow();
  });
});

describe('xdrDecode boundary', () => {
  it('returns failures as values, honours offset and end', () => {
    const dec = (r: XdrReader) => r.u32();
    expect(xdrDecode(dec, fromHex('00000001 00000002'), 4)).toEqual({ ok: true, value: 2, end: 8 });
    expect(xdrDecode(dec, fromHex('00000001 00000002'), 4, { end: 6 })).toEqual({ ok: false, reason: 'need 4 bytes, 2 left', offset: 4 });
    expect(xdrDecode(dec, fromHex('00000001'), 9)).toMatchObject({ ok: false });
  });

  it('rethrows programmer errors', () => {
    expect(() => xdrDecode(() => { throw new TypeError('bug'); }, new Uint8Array(4))).toThrow(TypeError);
  });
});

describe('generated codecs: tracer spans', () => {
  it('records struct fields, union discriminant and arm with offsets and lengths', () => {
    const value = { tag: 9, res: { kind: 'OP_A', where: { x: 1, y: -2 } }, tail: Uint8Array.from([7, 7, 7, 7, 7]) };
    const bytes = xdrEncode(fixture.encode_traced as Encoder, value);
    const tracer = new XdrTracer();
    const r = xdrDecode(fixture.decode_traced as Decoder, bytes, 0, tracer);
    expect(r).toEqual({ ok: true, value, end: 28 });
    expect(tracer.spans).toEqual<Span[]>([
      { name: 'tag', type: 'unsigned int', offset: 0, length: 4 },
      {
        name: 'res', type: 'op_result', offset: 4, length: 12,
        children: [
          { name: 'kind', type: 'op_kind', offset: 4, length: 4 },
          {
            name: 'where', type: 'point', offset: 8, length: 8,
            children: [
              { name: 'x', type: 'int', offset: 8, length: 4 },
              { name: 'y', type: 'int', offset: 12, length: 4 },
            ],
          },
        ],
      },
      { name: 'tail', type: 'opaque<>', offset: 16, length: 12 },
    ]);
  });

  it('records array elements and nests linked-list spans like the recursive form', () => {
    const head = { entries: { cookie: 1, name: 'a', next: { cookie: 2, name: 'bb', next: null } }, eof: true };
    const bytes = xdrEncode(fixture.encode_list_head as Encoder, head);
    const tracer = new XdrTracer();
    expect(xdrDecode(fixture.decode_list_head as Decoder, bytes, 0, tracer)).toMatchObject({ ok: true, value: head });
    const [entries, eof] = tracer.spans;
    expect(entries).toMatchObject({ name: 'entries', offset: 0, length: bytes.length - 4 });
    const first = entries.children as Span[];
    expect(first.map((s) => s.name)).toEqual(['cookie', 'name', 'next']);
    const next = first[2];
    expect(next.offset).toBe(4 + 8 + 8);
    expect(next.offset + next.length).toBe(bytes.length - 4);
    expect((next.children as Span[]).map((s) => s.name)).toEqual(['cookie', 'name', 'next']);
    expect((next.children as Span[])[2]).toMatchObject({ length: 4 }); // the terminating FALSE
    expect(eof).toEqual({ name: 'eof', type: 'bool', offset: bytes.length - 4, length: 4 });

    const arr = new XdrTracer();
    const pts = { fixed_bytes: new Uint8Array(5), var_bytes: new Uint8Array(0), any_bytes: new Uint8Array(0), label: '', text: '',
      corners: [{ x: 1, y: 2 }, { x: 3, y: 4 }], path: [], any_path: [], maybe_point: null, big_numbers: [], palette: [],
      names: [], maybe: null, matrix: [[1, 2, 3], [4, 5, 6]], bitmap: [5] };
    expect(xdrDecode(fixture.decode_containers as Decoder, xdrEncode(fixture.encode_containers as Encoder, pts), 0, arr).ok).toBe(true);
    const corners = arr.spans.find((s) => s.name === 'corners') as Span;
    expect(corners.children?.map((c) => [c.name, c.type, c.offset, c.length])).toEqual([
      ['corners[0]', 'point', corners.offset, 8],
      ['corners[1]', 'point', corners.offset + 8, 8],
    ]);
  });

  describe('elementSpans: spans for the first elements of an array only', () => {
    const path = Array.from({ length: 6 }, (_, i) => ({ x: i, y: 10 + i }));
    const value = { fixed_bytes: new Uint8Array(5), var_bytes: new Uint8Array(0), any_bytes: new Uint8Array(0), label: '', text: '',
      corners: [{ x: 1, y: 2 }, { x: 3, y: 4 }], path: [], any_path: path, maybe_point: null, big_numbers: [], palette: [],
      names: [], maybe: null, matrix: [[1, 2, 3], [4, 5, 6]], bitmap: [1, 2, 3, 4, 5] };
    // the fixture module is loaded in beforeAll
    const encoded = (): Uint8Array => xdrEncode(fixture.encode_containers as Encoder, value);

    it('decodes every element, gives the first ones spans, and no span to the rest or their fields', () => {
      const bytes = encoded();
      const unlimited = new XdrTracer();
      xdrDecode(fixture.decode_containers as Decoder, bytes, 0, unlimited);
      const limited = new XdrTracer();
      limited.elementSpans = 2;
      const r = xdrDecode(fixture.decode_containers as Decoder, bytes, 0, limited);
      expect(r).toMatchObject({ ok: true, value });
      expect(limited.depth).toBe(0);
      const named = (t: XdrTracer, name: string): Span => t.spans.find((s) => s.name === name) as Span;
      // the array's own span is whole; its first two elements have theirs, with their fields
      expect(named(limited, 'any_path')).toMatchObject({ offset: named(unlimited, 'any_path').offset, length: 4 + 6 * 8 });
      expect(named(limited, 'any_path').children).toEqual(named(unlimited, 'any_path').children?.slice(0, 2));
      expect(named(limited, 'any_path').children?.[1].children?.map((s) => s.name)).toEqual(['x', 'y']);
      expect(named(limited, 'bitmap').children?.map((s) => s.name)).toEqual(['bitmap[0]', 'bitmap[1]']);
      // arrays no longer than the limit, and every span outside arrays, are as before
      expect(named(limited, 'corners')).toEqual(named(unlimited, 'corners'));
      expect(limited.spans.map((s) => s.name)).toEqual(unlimited.spans.map((s) => s.name));
      // any_path: 4 elements of 3 spans each; bitmap: 3 words; matrix: the last int of each row
      expect(limited.size).toBe(unlimited.size - 4 * 3 - 3 - 2);
    });

    it('counts linked-list nodes as elements: the first ones nest their spans, the rest have none', () => {
      const names = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
      let entries: unknown = null;
      for (let i = names.length - 1; i >= 0; i--) entries = { cookie: i + 1, name: names[i], next: entries };
      const head = { entries, eof: true };
      const bytes = xdrEncode(fixture.encode_list_head as Encoder, head);
      const tracer = new XdrTracer();
      tracer.elementSpans = 2;
      expect(xdrDecode(fixture.decode_list_head as Decoder, bytes, 0, tracer)).toMatchObject({ ok: true, value: head });
      expect(tracer.depth).toBe(0);
      const [list, eof] = tracer.spans;
      const first = list.children as Span[];
      expect(first.map((s) => s.name)).toEqual(['cookie', 'name', 'next']);
      // the second node's fields, then nothing: its `next` span is never begun, and the one
      // holding it runs to the end of the list
      const second = first[2].children as Span[];
      expect(second.map((s) => s.name)).toEqual(['cookie', 'name']);
      expect(first[2].offset + first[2].length).toBe(bytes.length - 4);
      expect(eof).toMatchObject({ name: 'eof', offset: bytes.length - 4 });
      // a cut inside an untraced node: malformed, the reader traced again, spans closed
      const r = new XdrReader(bytes.subarray(0, bytes.length - 12), 0, bytes.length - 12, tracer);
      tracer.reset();
      expect(() => (fixture.decode_list_head as Decoder)(r)).toThrow(XdrError);
      expect(r.tracer).toBe(tracer);
    });

    it('leaves the reader traced after failing in an element past the limit', () => {
      const bytes = xdrEncode(fixture.encode_containers as Encoder, { ...value, names: ['a', 'b'] });
      const probe = new XdrTracer();
      xdrDecode(fixture.decode_containers as Decoder, bytes, 0, probe);
      const namesAt = (probe.spans.find((s) => s.name === 'names') as Span).offset;
      // names: count, then 'a' (length + 4 bytes), then 'b' whose length is made absurd
      const bad = bytes.slice();
      new DataView(bad.buffer).setUint32(namesAt + 12, 0x7fffffff);
      const tracer = new XdrTracer();
      tracer.elementSpans = 1;
      const r = new XdrReader(bad, 0, bad.length, tracer);
      expect(() => (fixture.decode_containers as Decoder)(r)).toThrow(XdrError);
      expect(r.tracer).toBe(tracer);
      const failed = new XdrTracer();
      failed.elementSpans = 1;
      expect(xdrDecode(fixture.decode_containers as Decoder, bad, 0, failed)).toMatchObject({ ok: false, offset: namesAt + 12 });
      expect(failed.depth).toBe(0);
      expect(failed.spans.find((s) => s.name === 'names')?.children?.map((s) => s.name)).toEqual(['names[0]']);
    });
  });

  it('closes open spans at the failure offset', () => {
    const value = { tag: 1, res: { kind: 'OP_B', message: 'hello' }, tail: new Uint8Array(0) };
    const bytes = xdrEncode(fixture.encode_traced as Encoder, value);
    const tracer = new XdrTracer();
    const r = xdrDecode(fixture.decode_traced as Decoder, bytes.subarray(0, 14), 0, tracer);
    expect(r).toEqual({ ok: false, reason: 'string length 5 exceeds remaining 2 bytes', offset: 8 });
    expect(tracer.depth).toBe(0);
    expect(tracer.spans[1]).toMatchObject({ name: 'res', offset: 4, length: 4 });
  });

  it('gives the same trees as plain spans, as table views and through a table made of them', () => {
    const value = { tag: 9, res: { kind: 'OP_A', where: { x: 1, y: -2 } }, tail: Uint8Array.from([7, 7, 7, 7, 7]) };
    const tracer = new XdrTracer();
    xdrDecode(fixture.decode_traced as Decoder, xdrEncode(fixture.encode_traced as Encoder, value), 0, tracer);
    const plain = tracer.spans;
    // Views read the table through getters: compare what a reader sees, level by level.
    const seen = (spans: Span[] | undefined): unknown =>
      spans?.map((s) => ({ name: s.name, type: s.type, offset: s.offset, length: s.length, children: seen(s.children) }));
    expect(seen(tracer.views())).toEqual(seen(plain));
    expect(SpanTable.fromSpans(plain).toSpans()).toEqual(plain);
    const t = tracer.table();
    expect(t.count).toBe(tracer.size);
    // The spans from one index on that follow each other: here the last two top-level ones.
    expect(seen(t.views(1, t.count))).toEqual(seen(plain.slice(1)));
  });

  it('keeps tables in shared chunks, written over only once all their tables are released', () => {
    const tracer = new XdrTracer();
    const record = (name: string, at: number): SpanTable => {
      tracer.reset();
      tracer.begin(name, 'T', at);
      tracer.begin(name + '.x', 'X', at);
      tracer.end(at + 4);
      tracer.end(at + 8);
      return tracer.keep();
    };
    const plain = (t: SpanTable): Span[] => t.toSpans();
    const a = record('a', 0);
    const b = record('b', 100);
    // One chunk, one after the other; each table sees only its own spans.
    expect(b.ranges).toBe(a.ranges);
    expect(b.first).toBe(a.first + a.count);
    expect(plain(a)).toEqual([{ name: 'a', type: 'T', offset: 0, length: 8, children: [{ name: 'a.x', type: 'X', offset: 0, length: 4 }] }]);
    expect(plain(b)).toEqual([{ name: 'b', type: 'T', offset: 100, length: 8, children: [{ name: 'b.x', type: 'X', offset: 100, length: 4 }] }]);
    // b still in use: releasing a frees nothing.
    a.release();
    a.release();
    const c = record('c', 200);
    expect(c.first).toBe(b.first + b.count);
    expect(plain(b)[0].name).toBe('b');
    // All released: the chunk is written again from its start.
    b.release();
    c.release();
    const d = record('d', 300);
    expect(d.first).toBe(0);
    expect(plain(d)[0]).toMatchObject({ name: 'd', offset: 300, length: 8 });
  });

  it('keeps every table intact across chunks, and a recording larger than a chunk', () => {
    const tracer = new XdrTracer();
    const tables: SpanTable[] = [];
    // 1500 recordings of 3 spans: more than one chunk, some recording moved part way.
    for (let m = 0; m < 1500; m++) {
      tracer.reset();
      tracer.begin('m' + m, 'T', m);
      tracer.begin('x', 'X', m);
      tracer.end(m + 1);
      tracer.begin('y', 'Y', m + 1);
      tracer.end(m + 2);
      tracer.end(m + 2);
      tables.push(tracer.keep());
    }
    const big = (): SpanTable => {
      tracer.reset();
      tracer.begin('big', 'B', 0);
      for (let i = 0; i < 5000; i++) {
        tracer.begin('e', 'E', i);
        tracer.end(i + 1);
      }
      tracer.end(5000);
      return tracer.keep();
    };
    const large = big();
    tables.forEach((t, m) => {
      expect(t.toSpans()).toEqual([{ name: 'm' + m, type: 'T', offset: m, length: 2, children: [
        { name: 'x', type: 'X', offset: m, length: 1 }, { name: 'y', type: 'Y', offset: m + 1, length: 1 }] }]);
    });
    const spans = large.toSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0].children).toHaveLength(5000);
    expect(spans[0].children![4999]).toEqual({ name: 'e', type: 'E', offset: 4999, length: 1 });
    for (const t of tables) t.release();
    large.release();
    expect(big().toSpans()).toEqual(spans);
  });

  it('shows an open span with length 0 holding every later span, and starts again after reset', () => {
    const tracer = new XdrTracer();
    tracer.begin('a', 'A', 0);
    tracer.begin('b', 'B', 0);
    tracer.end(4);
    tracer.begin('c', 'C', 4);
    expect(tracer.depth).toBe(2);
    expect(tracer.spans).toEqual<Span[]>([
      { name: 'a', type: 'A', offset: 0, length: 0, children: [{ name: 'b', type: 'B', offset: 0, length: 4 }, { name: 'c', type: 'C', offset: 4, length: 0 }] },
    ]);
    tracer.closeAll(8);
    expect(tracer.spans[0]).toMatchObject({ length: 8, children: [{ length: 4 }, { length: 4 }] });
    tracer.reset();
    expect(tracer.spans).toEqual([]);
    tracer.begin('d', 'D', 2);
    tracer.end(6);
    expect(tracer.spans).toEqual<Span[]>([{ name: 'd', type: 'D', offset: 2, length: 4 }]);
  });
});

describe('hooks', () => {
  it('routes decode and encode of a hooked type through the registered hook', () => {
    const plain = { mask: [3], vals: Uint8Array.from([1, 2, 3, 4]) };
    const value = { pair: plain, after: -5 };
    const bytes = xdrEncode(fixture.encode_uses_hooked as Encoder, value);
    expect(xdrDecode(fixture.decode_uses_hooked as Decoder, bytes)).toEqual({ ok: true, value, end: bytes.length });
    const starts: number[] = [];
    registerHook<{ mask: number[]; vals: Uint8Array; sum?: number }>('hooked_pair', {
      afterDecode: (v, r, start) => {
        starts.push(start, r.pos);
        return { ...v, sum: v.vals.reduce((a, b) => a + b, 0) };
      },
      beforeEncode: (v) => ({ mask: v.mask, vals: v.sum === 0 ? new Uint8Array(0) : v.vals }),
    });
    try {
      const d = xdrDecode(fixture.decode_uses_hooked as Decoder, bytes);
      expect(d).toEqual({ ok: true, value: { pair: { ...plain, sum: 10 }, after: -5 }, end: bytes.length });
      expect(starts).toEqual([0, 16]);
      const enc = xdrEncode(fixture.encode_uses_hooked as Encoder, { pair: { mask: [1], vals: Uint8Array.from([9]), sum: 0 }, after: 0 });
      expect(toHex(enc)).toBe('00000001' + '00000001' + '00000000' + '00000000');
      // the plain codec stays available
      expect(xdrDecode(fixture.decode_hooked_pair_plain as Decoder, bytes)).toMatchObject({ ok: true, value: plain });
    } finally {
      unregisterHook('hooked_pair');
    }
    expect(xdrDecode(fixture.decode_uses_hooked as Decoder, bytes)).toEqual({ ok: true, value, end: bytes.length });
  });
});

describe('hostile input against generated codecs', () => {
  const hostileTypes = (): [Module, string, string][] => {
    const list: [Module, string, string][] = [
      [fixture, 'all.x', 'containers'],
      [fixture, 'all.x', 'list_head'],
      [fixture, 'all.x', 'tree_node'],
      [fixture, 'all.x', 'space_limit'],
    ];
    if (nfs4) for (const t of ['COMPOUND4args', 'COMPOUND4res', 'CB_COMPOUND4args', 'CB_COMPOUND4res']) list.push([nfs4, 'nfs4.x', t]);
    return list;
  };

  it('every truncation of a valid encoding fails cleanly with an offset inside the prefix', () => {
    for (const [mod, file, type] of hostileTypes()) {
      const target = genTargets().find((t) => t.source.endsWith(file))!;
      const model = loadModel(readFileSync(target.source, 'utf8'), file, { hooks: target.hooks });
      const gen = new RandomValues(model, makeRng(seedOf(type)), { maxArray: 6, maxDepth: 7 });
      const decode = mod[`decode_${type}`] as Decoder;
      const encode = mod[`encode_${type}`] as Encoder;
      for (let n = 0; n < 5; n++) {
        const bytes = xdrEncode(encode, gen.ofType(type));
        for (let k = 0; k < bytes.length; k++) {
          const r = xdrDecode(decode, bytes.subarray(0, k));
          expect(r.ok, `${type} truncated at ${k}/${bytes.length}`).toBe(false);
          if (!r.ok) {
            expect(r.offset).toBeGreaterThanOrEqual(0);
            expect(r.offset).toBeLessThanOrEqual(k);
            expect(r.reason.length).toBeGreaterThan(0);
          }
        }
      }
    }
  });

  it('counts and lengths of 2^31 fail fast without allocating', () => {
    const cases: [Decoder, string, RegExp][] = [
      [fixture.decode_words_t as Decoder, '80000000 00000001', /^count 2147483648 exceeds remaining bytes/],
      [fixture.decode_tree_node as Decoder, '00000001 80000000 00000000', /^count 2147483648 exceeds remaining bytes/],
      [fixture.decode_unbounded_opaque_t as Decoder, '80000000 00000000', /^opaque length 2147483648 exceeds remaining/],
      [fixture.decode_anystr_t as Decoder, 'ffffffff', /^string length 4294967295 exceeds remaining/],
      [fixture.decode_names_t as Decoder, '80000000', /^count 2147483648 exceeds maximum 2/],
    ];
    if (nfs4) {
      // COMPOUND4args: tag "", minorversion 1, argarray count 2^31
      cases.push([nfs4.decode_COMPOUND4args as Decoder, '00000000 00000001 80000000 00000016', /^count 2147483648 exceeds remaining bytes/]);
      // fattr4 with a 2 GB attr_vals
      cases.push([nfs4.decode_fattr4 as Decoder, '00000001 00000000 80000000 00000000', /^opaque length 2147483648 exceeds remaining/]);
    }
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) {
      for (const [decode, hex, reason] of cases) {
        const r = xdrDecode(decode, fromHex(hex));
        expect(r.ok).toBe(false);
        if (!r.ok && i === 0) expect(r.reason).toMatch(reason);
      }
    }
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('deep recursion fails as a value; long linked lists decode without recursion', () => {
    // tree_node nested 100k deep: value, count 1, value, count 1, ...
    const depth = 100_000;
    const deep = new Uint8Array(depth * 8 + 8);
    const dv = new DataView(deep.buffer);
    for (let i = 0; i < depth; i++) dv.setUint32(i * 8 + 4, 1);
    const r = xdrDecode(fixture.decode_tree_node as Decoder, deep);
    expect(r).toMatchObject({ ok: false, reason: 'nesting deeper than 500' });

    const n = 100_000;
    const w = new XdrWriter();
    w.bool(true);
    for (let i = 0; i < n; i++) {
      w.u64(i);
      w.string('f' + i);
      w.bool(i < n - 1);
    }
    w.bool(true);
    const bytes = w.finish();
    const list = xdrDecode(fixture.decode_list_head as Decoder, bytes);
    expect(list.ok).toBe(true);
    if (!list.ok) return;
    let count = 0;
    for (let e = (list.value as { entries: { next: unknown } | null }).entries; e; e = e.next as typeof e) count++;
    expect(count).toBe(n);
    // Buffer.compare: vitest's toEqual walks typed arrays element by element (too slow for MBs).
    expect(Buffer.compare(xdrEncode(fixture.encode_list_head as Encoder, list.value), bytes)).toBe(0);
  });

  it('random corruption never throws out of xdrDecode', () => {
    const rng = makeRng(12345);
    for (const [mod, file, type] of hostileTypes()) {
      const target = genTargets().find((t) => t.source.endsWith(file))!;
      const model = loadModel(readFileSync(target.source, 'utf8'), file, { hooks: target.hooks });
      const gen = new RandomValues(model, makeRng(seedOf(type) ^ 0x5555), { maxArray: 5 });
      const decode = mod[`decode_${type}`] as Decoder;
      for (let n = 0; n < 200; n++) {
        const bytes = xdrEncode(mod[`encode_${type}`] as Encoder, gen.ofType(type)).slice();
        const flips = 1 + Math.floor(rng() * 4);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(rng() * bytes.length);
          bytes[at] = rng() < 0.5 ? 0xff : Math.floor(rng() * 256);
        }
        const r = xdrDecode(decode, bytes);
        expect(typeof r.ok).toBe('boolean');
      }
    }
  });
});

describe('generated module exports', () => {
  it('exports constants, enum tables, union arm maps and program tables', () => {
    expect([fixture.SMALL, fixture.NEGVAL, fixture.HUGE_CONST, fixture.BLUE, fixture.FIXTURE_PROG]).toEqual([4, -7, 2n ** 63n - 1n, 16, 0x20000099]);
    expect((fixture.color_names as Record<number, string>)[0]).toBe('RED');
    expect((fixture.color_names as Record<number, string>)[-1]).toBe('NEG_COLOR');
    expect((fixture.color_values as Record<string, number>).CRIMSON).toBe(0);
    expect((fixture.color_values as Record<string, number>).constructor).toBeUndefined();
    const nameOf = fixture.nameOf_color as (v: number) => string | number;
    expect([nameOf(16), nameOf(99)]).toEqual(['BLUE', 99]);
    expect({ ...(fixture.op_result_arms as object) }).toEqual({ OP_A: 'where', OP_B: 'message', OP_C: 'message', OP_D: null });
    expect(fixture.op_result_default_arm).toBe('code');
    expect(fixture.uint_union_default_arm).toBeNull();
    expect(fixture.int_union_default_arm).toBeUndefined();
    expect({ ...(fixture.maybe_point_arms as object) }).toEqual({ true: 'p', false: null });

    type Program = { name: string; number: number; versions: { name: string; number: number; procedures: { name: string; number: number; args: string[]; result: string | null; decodeArgs: Decoder[]; decodeResult: Decoder | null }[] }[] };
    const [prog] = fixture.programs as Program[];
    const two = prog.versions[0].procedures[2];
    expect([two.name, two.number, two.args, two.result]).toEqual(['FIXTUREPROC_TWO', 2, ['point', 'color'], 'int']);
    const bytes = fromHex('00000001 fffffffe 00000010 ffffffff');
    const r = new XdrReader(bytes);
    expect(two.decodeArgs.map((d) => d(r))).toEqual([{ x: 1, y: -2 }, 'BLUE']);
    expect(two.decodeResult?.(r)).toBe(-1);
  });

  it('decodes unnamed enum values as numbers and unknown union discriminants per the default rules', () => {
    expect(xdrDecode(fixture.decode_color as Decoder, fromHex('00000063'))).toEqual({ ok: true, value: 99, end: 4 });
    expect(xdrDecode(fixture.decode_op_result as Decoder, fromHex('00000009 00000007'))).toEqual({ ok: true, value: { kind: 9, code: 7 }, end: 8 });
    expect(xdrDecode(fixture.decode_int_union as Decoder, fromHex('00000007'))).toEqual({ ok: false, reason: 'int_union: no arm for discriminant 7', offset: 0 });
    expect(xdrDecode(fixture.decode_uint_union as Decoder, fromHex('00000007'))).toEqual({ ok: true, value: { which: 7 }, end: 4 });
    expect(xdrDecode(fixture.decode_maybe_point as Decoder, fromHex('00000002'))).toMatchObject({ ok: false, reason: 'bool value 2 is not 0 or 1' });
  });
});
