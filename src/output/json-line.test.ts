/**
 * The direct `--json` writer must write exactly the UTF-8 of JSON.stringify(jsonMessage(src))
 * (and of JSON.stringify(toJsonValue(v)) for decoded values): checked on every message of
 * every bundled capture and on hand-made hostile values.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allMessages, bytes, cbNotifyCall, gddCall, gddReply } from '../../dissectors/fields/testdata/messages.js';
import type { FieldSource } from '../../dissectors/fields/types.js';
import { toJsonValue } from '../../dissectors/nfs4/json.js';
import { InvalidUtf8 } from '../../dissectors/xdr/runtime.js';
import { ByteWriter } from './byte-writer.js';
import { formatJsonLine, jsonMessage, writeJsonValue, writeRounded } from './json.js';
import { analyzeCapture } from './testdata/capture.js';

function expectSame(src: FieldSource): void {
  const want = JSON.stringify(jsonMessage(src));
  expect(formatJsonLine(src)).toBe(want);
}

function valueText(v: unknown): { got: Buffer; want: Buffer } {
  const w = new ByteWriter(8);
  writeJsonValue(w, v);
  return { got: Buffer.from(w.bytes()), want: Buffer.from(JSON.stringify(toJsonValue(v)), 'utf8') };
}

const CAPTURES = readdirSync('captures').filter((f) => /\.pcap(ng)?(\.gz)?$/.test(f)).sort();

describe('--json writer equals JSON.stringify(jsonMessage) on every capture', () => {
  for (const name of CAPTURES) {
    it(name, async () => {
      const msgs = await analyzeCapture(`captures/${name}`);
      expect(msgs.length).toBeGreaterThan(0);
      for (const m of msgs) expectSame(m);
    });
  }
});

const HOSTILE_TEXT = ['', 'quote"and\\back', 'ctl\n\t\x00\x1f\x7f\x85', 'é →…', 'emoji \u{1f600}', 'lone \ud800', '\udc00 low', '\u2028'];

describe('--json writer equals JSON.stringify(jsonMessage) on hand-made messages', () => {
  it('on the shared test messages and RPC variants', () => {
    for (const m of allMessages()) expectSame(m);
    const r = gddReply();
    r.rpc = { ...r.rpc, duplicate: true, orphan: true, responseTime: 1 / 3, header: { xid: 1, msgType: 'reply', replyStat: 'MSG_DENIED', rejectStat: 'AUTH_ERROR', bodyOffset: 0 } };
    expectSame(r);
    const a = gddReply();
    a.rpc = { ...a.rpc, header: { xid: 1, msgType: 'reply', replyStat: 'MSG_ACCEPTED', acceptStat: 'PROG_UNAVAIL', bodyOffset: 0 } };
    expectSame(a);
    expectSame({ ...gddCall(), nfs: undefined, undecoded: 'RPCSEC_GSS privacy', rpc: { ...gddCall().rpc, program: undefined, version: undefined, procedure: undefined } });
    expectSame({ ...gddCall(), sec: Number.NaN, relTime: Infinity, frame: 2 ** 40 });
  });

  it('keeps key texts right when op arguments change shape from one message to the next', () => {
    // Key texts are kept by position for each op: objects at one place with other keys, in
    // another order, fewer or more, one after another, must still come out as JSON.stringify.
    const shapes: unknown[] = [
      { a: 1, b: { x: 1, y: [{ p: 1 }, { q: 2 }] }, c: 'C' },
      { b: { y: [{ q: 2 }, { p: 1 }], x: 1 }, a: 1 },
      { a: { attrmask: [1], attr_vals: bytes('00'), attrs: { size: 1, mode: 2 } }, c: undefined, d: null },
      { a: { attrmask: [1], attr_vals: bytes('00'), attrs: { mode: 2 } }, b: [] },
      { a: 1, b: { x: 1, y: [{ p: 1 }, { q: 2 }] }, c: 'C' },
    ];
    // A linked list nested deeper than the key texts are kept (READDIR's nextentry chain).
    let list: unknown = { cookie: 0, name: 'last', nextentry: undefined };
    for (let i = 1; i < 40; i++) list = { cookie: i, name: `e${i}`, nextentry: list };
    shapes.push({ reply: { entries: list, eof: true } });
    for (let round = 0; round < 2; round++) {
      for (const args of shapes) {
        const m = gddCall();
        m.nfs = { ...m.nfs!, ops: [{ op: 'SHAPES', opnum: 1, offset: 0, length: 0, args, res: args }] };
        expectSame(m);
      }
    }
  });

  it('writes a READDIR entry list as an array of entries, in a loop (100,000 entries)', () => {
    let list: unknown = undefined;
    for (let i = 99_999; i >= 0; i--) list = { cookie: i, name: `f${i}`, attrs: { attrmask: [], attr_vals: bytes(''), attrs: {} }, nextentry: list };
    const m = gddCall();
    m.nfs = { ...m.nfs!, ops: [{ op: 'READDIR', opnum: 26, offset: 0, length: 0, status: 'NFS4_OK', res: { status: 'NFS4_OK', resok4: { cookieverf: bytes('0000000000000000'), reply: { entries: list, eof: true } } } }] };
    // Nested once per entry, this exhausted the stack at a few thousand entries.
    expectSame(m);
    const line = JSON.parse(formatJsonLine(m)) as { ops: Array<{ res: { resok4: { reply: { entries: Array<Record<string, unknown>>; eof: boolean } } } }> };
    const reply = line.ops[0].res.resok4.reply;
    expect(reply.eof).toBe(true);
    expect(reply.entries).toHaveLength(100_000);
    expect(reply.entries[0]).toEqual({ cookie: 0, name: 'f0', attrs: { attrmask: [], attrs: {} } });
    expect(reply.entries[99_999].name).toBe('f99999');
    expect(reply.entries.some((e) => 'nextentry' in e)).toBe(false);
    // A hand-built list whose end is not an entry keeps that end as the last element.
    const odd = valueText({ cookie: 1, name: 'a', nextentry: { cookie: 2, nextentry: 'end' } });
    expect(odd.got.toString()).toBe('[{"cookie":1,"name":"a"},{"cookie":2},"end"]');
    expect(odd.got).toEqual(odd.want);
  });

  it('escapes text from the wire', () => {
    for (const t of HOSTILE_TEXT) {
      expectSame(cbNotifyCall(t, t));
      const m = gddCall();
      m.src = t;
      m.nfs = { ...m.nfs!, tag: t, status: t, malformed: { reason: t, offset: 1 } };
      expectSame(m);
    }
    const bad = gddCall();
    bad.nfs = { ...bad.nfs!, tag: new InvalidUtf8(bytes('c3')) };
    expectSame(bad);
  });

  it('writes decoded values as toJsonValue + JSON.stringify', () => {
    const values: unknown[] = [
      null, undefined, true, 0, -0, -1, 1.25, 2 ** 53, 1e21, Number.NaN, Infinity, 2n ** 64n, -5n, 'x', Symbol('s'),
      bytes('00ff'), new InvalidUtf8(bytes('ff')), [1, undefined, [2, 'a']], new Array(3),
      { a: 1, b: undefined, 2: 'two', 1: 'one', ['__proto__']: 5, c: { d: [{}] } },
      { attrmask: [1, 2], attr_vals: bytes('01'), attrs: { size: 5n, owner: 'é' } },
      { attrmask: [1], attr_vals: bytes('01') },
      { notify_mask: [8], notify_vals: bytes('00'), values: [{ type: 'NOTIFY4_ADD_ENTRY', value: { ne_file: 'a', type: 'x' }, undecoded: bytes('01') }, { type: 'T', value: 5 }, 3] },
      { toJSON: () => ({ hex: 'ab' }) },
      ...HOSTILE_TEXT, HOSTILE_TEXT.map((t) => ({ [t]: t })),
    ];
    for (const v of values) {
      const { got, want } = valueText(v);
      expect(got.toString('utf8')).toBe(want.toString('utf8'));
      expect(got.equals(want)).toBe(true);
    }
  });
});

describe('writeRounded', () => {
  it('writes JSON.stringify(Math.round(x * 10^d) / 10^d)', () => {
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const xs = [0, -0, 1, -1, 0.5, 1e-7, 5e-7, 1e-6, 0.0000015, 123.4560001, 1795787760.106214, 1700000065.0583, 2 ** 51, 2 ** 60, 1e21, -3.25,
      Number.NaN, Infinity, -Infinity, 4.5e9, 1e15 + 0.5];
    for (let i = 0; i < 20000; i++) {
      const scale = 10 ** Math.floor(rnd() * 22 - 10);
      xs.push((rnd() - 0.3) * scale);
      xs.push(1.7e9 + Math.floor(rnd() * 1e6) / 1e6);
      xs.push(Math.floor(rnd() * 1e9) / 1e9);
    }
    const w = new ByteWriter(8);
    for (const d of [6, 9]) {
      const f = 10 ** d;
      for (const x of xs) {
        w.reset();
        writeRounded(w, x, d);
        expect(w.text()).toBe(JSON.stringify(Math.round(x * f) / f));
      }
    }
  });
});
