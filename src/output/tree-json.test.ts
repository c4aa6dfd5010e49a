/**
 * The direct `-T json` writer (tree-json.ts) must write exactly the UTF-8 of
 * JSON.stringify({frame, tree: buildTree(src)}): checked on every message of every bundled
 * capture and on hand-made messages with hostile text and shapes.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allMessages, bytes, cbNotifyCall, gddCall, gddReply, namesCall, sysCred } from '../../dissectors/fields/testdata/messages.js';
import type { FieldSource } from '../../dissectors/fields/types.js';
import { InvalidUtf8, XdrWriter } from '../../dissectors/xdr/runtime.js';
import { decodeNfsReply } from '../../dissectors/nfs4/compound.js';
import type { NfsOp, Span } from '../../dissectors/nfs4/types.js';
import { analyzeCapture } from './testdata/capture.js';
import { buildTree, formatTreeText, TREE_MAX_ELEMENTS, type TreeNode, type TreeOptions } from './tree.js';
import { formatTreeJson } from './tree-json.js';

function reference(src: FieldSource, opts?: TreeOptions): string {
  return JSON.stringify({ frame: src.frame, tree: buildTree(src, opts) });
}

function expectSame(src: FieldSource, opts?: TreeOptions): void {
  expect(formatTreeJson(src, opts)).toBe(reference(src, opts));
}

const CAPTURES = readdirSync('captures').filter((f) => /\.pcap(ng)?(\.gz)?$/.test(f)).sort();

describe('tree JSON writer equals JSON.stringify(buildTree) on every capture', () => {
  it('finds the captures', () => {
    expect(CAPTURES.length).toBeGreaterThan(10);
  });
  for (const name of CAPTURES) {
    it(name, async () => {
      const msgs = await analyzeCapture(`captures/${name}`, true);
      expect(msgs.length).toBeGreaterThan(0);
      for (const m of msgs) {
        expectSame(m);
        // Cuts of long opaques and arrays.
        expectSame(m, { maxBytes: 3, maxElements: 2 });
      }
    });
  }
});

/** A message whose single op has `args`. */
function withOp(base: FieldSource, o: Partial<NfsOp> & { op: string; opnum: number }): FieldSource {
  const nfs = base.nfs!;
  return { ...base, nfs: { ...nfs, ops: [{ offset: 0, length: 0, ...o }] } };
}

const HOSTILE_TEXT = [
  '', 'plain', 'quote"and\\back', 'ctl\n\t\r\b\f\x00\x01\x1f\x7f', 'c1\x80\x9f', 'é ü ß', '→…',
  'emoji \u{1f600} pair', 'lone \ud800 high', 'lone \udc00 low', 'end \ud83d', '\u2028\u2029', 'ENUM_LIKE_9',
];

describe('tree JSON writer equals JSON.stringify(buildTree) on hand-made messages', () => {
  it('on the shared test messages', () => {
    for (const m of allMessages()) {
      expectSame(m);
      expectSame(m, { maxBytes: 1, maxElements: 1 });
    }
  });

  it('escapes names, tags, endpoints, machine names and reasons from the wire', () => {
    for (const t of HOSTILE_TEXT) {
      expectSame(cbNotifyCall(t, t + 'x'));
      const m = gddCall();
      m.src = `${t}:1`;
      m.dst = t;
      m.nfs = { ...m.nfs!, tag: t, malformed: { reason: t, offset: 3 } };
      m.rpc = { ...m.rpc, header: { ...(m.rpc.header as object), cred: sysCred(1, 2, t) } as FieldSource['rpc']['header'] };
      expectSame(m);
      expectSame({ ...gddCall(), nfs: undefined, undecoded: t });
      expectSame(withOp(gddCall(), { op: t, opnum: 99, args: { name: t, component: t, x: t }, malformed: { reason: t, offset: 1 } }));
    }
  });

  it('shows invalid UTF-8, absent values, bigints, deep nesting and long lists alike', () => {
    const bad = new InvalidUtf8(bytes('c3ff'));
    const m1 = gddCall();
    m1.nfs = { ...m1.nfs!, tag: bad };
    expectSame(m1);
    let deep: unknown = { leaf: 1 };
    for (let i = 0; i < 60; i++) deep = i % 2 === 0 ? { inner: deep } : [deep];
    const entries = (n: number): unknown => {
      let e: unknown = null;
      for (let i = n; i > 0; i--) e = { cookie: i, name: `f${i}`, attrs: { attrmask: [], attr_vals: new Uint8Array(0), attrs: {} }, nextentry: e };
      return e;
    };
    const args = {
      a: null, b: undefined, c: 2n ** 64n - 1n, d: -5, e: 1.5, f: Number.NaN, g: true, h: bad,
      stateid: { seqid: 0xffffffff, other: bytes('000102030405060708090a0b') },
      deleg: { seqid: 1, other: bytes('000102030405060708090a0b') },
      ds: { open_stateid: { seqid: 2, other: bytes('0102030405060708090a0b0c') } },
      fh: bytes('00'.repeat(300)), object: bytes('0102'),
      deep,
      reply: { dl_entries: entries(5), dl_eof: true },
      attrmask: [1, 2, 3], notify_mask: [0x1f], bits: ['x', 1],
      values: [{ type: 'NOTIFY4_ADD_ENTRY', value: { ne_file: 'x' } }, { type: 'NOTIFY4_X', value: 7, undecoded: bytes('01') },
        { type: 'T', undecoded: 'u' }, { type: 'T2', value: [1, 2] }, { type: 'T3', value: { seqid: 1, other: bytes('000102030405060708090a0b') } }, 5],
      arr: [[1, [2, 'a"b']], [], [bytes('ff')]],
      sym: Symbol('s'),
    };
    for (const opts of [undefined, { maxBytes: 4, maxElements: 3 }]) {
      expectSame(withOp(gddCall(), { op: 'READDIR', opnum: 26, args }), opts);
      expectSame(withOp(gddReply(), { op: 'CB_NOTIFY_DEVICEID', opnum: 14, status: 'NFS4ERR_DELAY', res: args }), opts);
      expectSame(withOp(gddReply(), { op: 'X', opnum: 1, status: 'WEIRD', res: [1, 2] }), opts);
      expectSame(withOp(gddReply(), { op: 'X', opnum: 1, res: 'text' }), opts);
    }
    const noOps = namesCall();
    expectSame({ ...noOps, nfs: { ...noOps.nfs!, ops: [], procedure: 1 } });
  });

  it('keeps key texts and byte ranges right when objects under one key change shape', () => {
    // The writer remembers the keys seen under a key by position, and walks child spans in
    // key order: successive messages whose objects have other keys, in another order, with
    // spans out of order, missing or named twice must still come out as buildTree has them.
    const span = (name: string, offset: number, children?: Span[]): Span => ({ name, type: 't', offset, length: 4, children });
    const bodies: Array<{ args: Record<string, unknown>; spans: Span[] }> = [
      { args: { a: 1, b: { x: 1, y: 2 }, c: 'C' }, spans: [span('a', 0), span('b', 4, [span('x', 4), span('y', 6)]), span('c', 8)] },
      { args: { b: { y: 2, x: 1 }, a: 1 }, spans: [span('a', 0), span('b', 4, [span('x', 4), span('y', 6)])] },
      { args: { a: 1, c: 'C', b: { z: 3 } }, spans: [span('c', 0), span('c', 2), span('a', 4), span('b', 8, [])] },
      { args: { b: { x: 1, y: 2, z: 3 }, a: 'A', c: 2 }, spans: [span('b', 0, [span('y', 1), span('x', 2), span('x', 3)]), span('a', 4)] },
      { args: { a: 1, b: { x: 1, y: 2 }, c: 'C' }, spans: [span('a', 0), span('b', 4, [span('x', 4), span('y', 6)]), span('c', 8)] },
    ];
    for (let round = 0; round < 2; round++) {
      for (const { args, spans } of bodies) {
        expectSame(withOp(gddCall(), { op: 'SHAPES', opnum: 1, args, length: 12, spans: [span('args', 0, spans)] }));
      }
    }
  });

  it('finds array element spans named by a typedef (fattr4_acl[i] under acl) by position, as buildTree does', () => {
    const span = (name: string, offset: number, children?: Span[]): Span => ({ name, type: 't', offset, length: 4, children });
    const n = 3000;
    const acl = Array.from({ length: n }, (_, i) => ({ type: 0, flag: 0, access_mask: i, who: `u${i}` }));
    const kids = acl.map((_, i) => span(`fattr4_acl[${i}]`, 100 + 16 * i, [span('type', 100 + 16 * i), span('access_mask', 108 + 16 * i)]));
    // One element named as the tree names it, out of place, and one name twice: the first of a name wins.
    kids[5] = span('acl[7]', 7);
    kids[6] = span('acl[7]', 9);
    const m = withOp(gddReply(), { op: 'GETATTR', opnum: 9, res: { acl }, length: 12, spans: [span('res', 0, [span('acl', 100, kids)])] });
    for (const opts of [undefined, { maxElements: 20 }]) expectSame(m, opts);
    const tree = JSON.parse(formatTreeJson(m)) as { tree: TreeNode[] };
    const ops = tree.tree[2].children!.find((c) => c.label.startsWith('Operations'))!.children![0].children!;
    const elements = ops.find((c) => c.label === 'acl')!.children!;
    expect(elements[0].offset).toBe(100);
    expect(elements[0].children!.find((c) => c.label === 'access_mask')!.offset).toBe(108);
    expect(elements[7].offset).toBe(7);
    expect(elements[2999].offset).toBe(100 + 16 * 2999);
  });

  it('needs no element spans past TREE_MAX_ELEMENTS: a decode traced only that far gives the same trees', () => {
    // A GETATTR reply whose ACL has more entries than a tree shows.
    const entries = TREE_MAX_ELEMENTS + 2000;
    const acl = new XdrWriter();
    acl.u32(entries);
    for (let i = 0; i < entries; i++) { acl.u32(0); acl.u32(0); acl.u32(i); acl.string(`u${i}`); }
    const w = new XdrWriter();
    w.u32(0); w.string(''); w.u32(1); // NFS4_OK, tag, one op
    w.u32(9); w.u32(0); // GETATTR, NFS4_OK
    w.u32(1); w.u32(1 << 12); // attrmask: acl
    w.varOpaque(acl.finish());
    const body = w.finish();
    const spanCount = (op: NfsOp): number => op.spanEnd! - op.spanStart!;
    const all = decodeNfsReply(body, 0, 'NFS', 4, 1, { trace: true }).ops[0];
    const shown = decodeNfsReply(body, 0, 'NFS', 4, 1, { trace: true, elementSpans: TREE_MAX_ELEMENTS }).ops[0];
    expect(all.malformed).toBeUndefined();
    expect(shown.res).toEqual(all.res);
    // each entry: its own span and four fields'
    expect(spanCount(all) - spanCount(shown)).toBe(2000 * 5);
    const all1 = withOp(gddReply(), all);
    const shown1 = withOp(gddReply(), shown);
    expect(formatTreeText(buildTree(shown1))).toBe(formatTreeText(buildTree(all1)));
    expect(formatTreeJson(shown1)).toBe(formatTreeJson(all1));
    expect(formatTreeJson(shown1)).toContain('"label":"acl[9999]","offset":');
  });

  it('reuses header and endpoint texts only for messages with the same values', () => {
    // Texts of frame, RPC header, credential and reply-state nodes are kept for values seen
    // recently: every variant, one after another and again, must come out as buildTree has it.
    const calls: FieldSource[] = [];
    const cred = (f: (c: ReturnType<typeof sysCred>) => void): FieldSource => {
      const m = gddCall();
      const h = m.rpc.header as Extract<NonNullable<FieldSource['rpc']['header']>, { msgType: 'call' }>;
      const c = sysCred(1, 2, 'host');
      f(c);
      m.rpc = { ...m.rpc, header: { ...h, cred: c } };
      return m;
    };
    calls.push(cred(() => {}), cred((c) => { c.sys!.machinename = 'other'; }), cred((c) => { c.sys!.gids = [3]; }),
      cred((c) => { c.sys!.gids = []; }), cred((c) => { c.sys!.stamp = 7; }), cred((c) => { c.offset = 40; }),
      cred((c) => { c.sys!.uid = 0; }), cred((c) => { c.problem = 'cut short'; }));
    const v = gddCall();
    v.rpc = { ...v.rpc, program: 0x40000001, version: 1, procedure: 0 };
    calls.push(v, { ...gddCall(), src: '10.0.0.9:1', srcIp: '10.0.0.9', srcPort: 1 }, gddCall(), { ...gddCall(), dstPort: 2050 },
      { ...gddCall(), dstIp: '10.9.9.9' }, { ...gddCall(), transport: 'udp' });
    const replies: FieldSource[] = [];
    for (const acceptStat of ['SUCCESS', 'GARBAGE_ARGS', 'SUCCESS']) {
      const m = gddReply();
      const h = m.rpc.header as Extract<NonNullable<FieldSource['rpc']['header']>, { msgType: 'reply' }>;
      m.rpc = { ...m.rpc, header: { ...h, acceptStat } };
      replies.push(m);
      const n = gddReply();
      n.rpc = { ...n.rpc, header: { ...h, verf: { ...h.verf!, offset: 99 } }, program: undefined, responseTime: undefined };
      replies.push(n);
    }
    for (let round = 0; round < 2; round++) for (const m of [...calls, ...replies]) expectSame(m);
  });

  it('writes RPC-level variants (denied, mismatch, GSS, duplicates, orphans, IPv6, UDP)', () => {
    const r = gddReply();
    r.rpc = {
      ...r.rpc, duplicate: true, orphan: true,
      header: { xid: 1, msgType: 'reply', replyStat: 'MSG_DENIED', rejectStat: 'RPC_MISMATCH', mismatch: { low: 2, high: 3 }, bodyOffset: 0 },
    };
    expectSame(r);
    const c = gddCall();
    c.rpc = {
      ...c.rpc, duplicate: true,
      header: {
        ...(c.rpc.header as object),
        cred: { flavor: 6, flavorName: 'RPCSEC_GSS', body: new Uint8Array(0), offset: 24, gss: { version: 1, proc: 0, seqNum: 5, service: 2, handle: bytes('abcd') }, problem: 'bad\x00' },
      } as FieldSource['rpc']['header'],
    };
    expectSame(c);
    expectSame({ ...gddCall(), srcIp: 'fe80::1', dstIp: 'fe80::2', src: '[fe80::1]:1', dst: '[fe80::2]:2', transport: 'udp' });
    expectSame({ ...gddCall(), rpc: { ...gddCall().rpc, header: undefined } });
    expectSame({ ...gddCall(), sec: 1e13, nsec: 7 });
  });
});
