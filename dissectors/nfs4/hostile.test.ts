/**
 * Hostile input: truncation at every offset, random byte flips, absurd counts, garbage
 * notify4/fattr4 contents. Decoding never throws, stays bounded, and marks the failing op
 * (or the compound) malformed with an offset inside the record and a reason.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XDR_MAX_ELEMENTS, XdrWriter } from '../xdr/runtime.js';
import { decodeNfsCall, decodeNfsReply, MAX_OPS_DECODED, opSpans } from './compound.js';
import type { NfsCompound, Span } from './types.js';
import { decodeRecord } from './testdata/decode.js';
import { extractRecords, programOf, type TestRecord } from './testdata/records.js';
import { makeRng } from '../xdr/compiler/random-value.js';

const CAPTURES = readdirSync('captures').filter((f) => f.endsWith('.pcap')).sort();

function decodeBytes(r: TestRecord, bytes: Uint8Array, trace = false): NfsCompound {
  const program = programOf(r)!;
  return r.type === 'call'
    ? decodeNfsCall(bytes, r.bodyOffset!, program, r.vers!, r.proc!, { trace })
    : decodeNfsReply(bytes, r.bodyOffset!, program, r.vers!, r.proc!, { trace });
}

/**
 * Problems with the malformed marks of a decode (reason non-empty, offset inside the record,
 * no internal errors, only the last op marked, ops inside the record); [] when all is well.
 * Collected as strings so that hundreds of thousands of decodes stay fast to check.
 */
function markProblems(c: NfsCompound, len: number, where: string, out: string[]): number {
  let marks = 0;
  const check = (m: { reason: string; offset: number } | undefined): void => {
    if (m === undefined) return;
    marks++;
    if (m.reason.length === 0 || /internal/.test(m.reason)) out.push(`${where}: reason "${m.reason}"`);
    if (!(m.offset >= 0 && m.offset <= len)) out.push(`${where}: offset ${m.offset} outside 0..${len}`);
  };
  check(c.malformed);
  c.ops.forEach((o, i) => {
    check(o.malformed);
    if (o.malformed !== undefined && i !== c.ops.length - 1) out.push(`${where}: op ${i} marked but not last`);
    if (o.offset + o.length > len) out.push(`${where}: op ${i} runs past the record`);
  });
  return marks;
}

function checkMalformed(c: NfsCompound, len: number, where: string): void {
  const problems: string[] = [];
  markProblems(c, len, where, problems);
  expect(problems).toEqual([]);
}

const rng = makeRng;

const NFS_RECORDS: TestRecord[] = CAPTURES.flatMap((f) => extractRecords(`captures/${f}`))
  .filter((r) => decodeRecord(r) !== undefined && r.proc === 1);

describe('truncation at every offset', () => {
  it('keeps the ops before the cut and marks the cut, for every record of every capture', () => {
    let decodes = 0;
    const problems: string[] = [];
    for (const r of NFS_RECORDS) {
      const full = decodeRecord(r)!;
      for (let cut = r.bodyOffset!; cut < r.bytes.length; cut++) {
        const c = decodeBytes(r, r.bytes.subarray(0, cut));
        decodes++;
        const where = `frame ${r.frame} cut ${cut}`;
        if (markProblems(c, cut, where, problems) === 0) problems.push(`${where}: truncation not marked`);
        // Every op decoded without a mark is identical to the full decode's op.
        c.ops.forEach((o, i) => {
          if (o.op !== full.ops[i].op) problems.push(`${where}: op ${i} ${o.op} != ${full.ops[i].op}`);
          else if (o.malformed === undefined && (o.length !== full.ops[i].length || o.offset + o.length > cut)) {
            problems.push(`${where}: op ${i} length ${o.length} != ${full.ops[i].length}`);
          }
        });
        if (problems.length > 20) break;
      }
    }
    expect(problems).toEqual([]);
    expect(decodes).toBeGreaterThan(100_000);
  });
});

describe('random byte flips', () => {
  it('never throw, and every mark is well formed (with and without tracing)', () => {
    const rand = rng(0x5eed);
    let runs = 0;
    const problems: string[] = [];
    for (const r of NFS_RECORDS) {
      for (let k = 0; k < 12; k++) {
        const b = r.bytes.slice();
        const flips = 1 + Math.floor(rand() * 3);
        for (let j = 0; j < flips; j++) {
          const at = r.bodyOffset! + Math.floor(rand() * (b.length - r.bodyOffset!));
          b[at] = k % 3 === 0 ? 0xff : Math.floor(rand() * 256);
        }
        markProblems(decodeBytes(r, b, k % 4 === 0), b.length, `frame ${r.frame} flip run ${k}`, problems);
        runs++;
      }
    }
    expect(problems).toEqual([]);
    expect(runs).toBeGreaterThan(10_000);
  });
});

function callBody(build: (w: XdrWriter) => void): Uint8Array {
  const w = new XdrWriter();
  build(w);
  return w.finish();
}

const STATEID = (w: XdrWriter): void => { w.u32(1); w.fixedOpaque(new Uint8Array(12).fill(0xdd), 12); };

describe('absurd counts and garbage contents', () => {
  it('a compound claiming 2^31 ops decodes the ops present and stops at the end', () => {
    const body = callBody((w) => { w.string(''); w.u32(1); w.u32(0x80000000); w.u32(24); w.u32(10); });
    const t0 = performance.now();
    const c = decodeNfsCall(body, 0, 'NFS', 4, 1);
    expect(performance.now() - t0).toBeLessThan(50);
    expect(c.ops.map((o) => o.op)).toEqual(['PUTROOTFH', 'GETFH']);
    expect(c.malformed?.reason).toMatch(/2147483648 ops/);
    expect(c.malformed?.offset).toBe(body.length);
    const reply = decodeNfsReply(callBody((w) => { w.u32(0); w.string(''); w.u32(0xffffffff); }), 0, 'NFS', 4, 1);
    expect(reply.ops).toEqual([]);
    expect(reply.malformed?.reason).toMatch(/4294967295 ops/);
  });

  it('a compound of a million ops really present decodes the first MAX_OPS_DECODED and says so', () => {
    const body = callBody((w) => {
      w.string('');
      w.u32(1);
      w.u32(1_000_000);
      for (let i = 0; i < 1_000_000; i++) w.u32(10); // GETFH: no arguments
    });
    for (const trace of [false, true]) {
      const c = decodeNfsCall(body, 0, 'NFS', 4, 1, { trace });
      expect(c.ops).toHaveLength(MAX_OPS_DECODED);
      expect(c.ops.every((o) => o.op === 'GETFH' && o.malformed === undefined)).toBe(true);
      expect(c.malformed?.reason).toBe(`argarray claims 1000000 ops, only the first ${MAX_OPS_DECODED} are decoded`);
      expect(c.malformed?.offset).toBe(12 + 4 * MAX_OPS_DECODED);
    }
  });

  it('a READDIR reply of 300,000 minimal entries stops at XDR_MAX_ELEMENTS, op malformed', () => {
    const entries = 300_000;
    const body = callBody((w) => {
      w.u32(0); // NFS4_OK
      w.string('');
      w.u32(1);
      w.u32(26); // READDIR
      w.u32(0);
      w.fixedOpaque(new Uint8Array(8), 8); // cookieverf
      for (let i = 0; i < entries; i++) {
        w.u32(1); // another entry follows
        w.u64(BigInt(i + 3));
        w.string('x');
        w.u32(0); // fattr4: empty bitmap
        w.u32(0); // and no attribute values
      }
      w.u32(0);
      w.u32(1); // eof
    });
    const c = decodeNfsReply(body, 0, 'NFS', 4, 1);
    expect(c.ops).toHaveLength(1);
    expect(c.ops[0].malformed?.reason).toMatch(new RegExp(`more than ${XDR_MAX_ELEMENTS} list entries`));
    // The same listing within the bound decodes whole.
    const small = callBody((w) => {
      w.u32(0); w.string(''); w.u32(1); w.u32(26); w.u32(0); w.fixedOpaque(new Uint8Array(8), 8);
      for (let i = 0; i < 50_000; i++) { w.u32(1); w.u64(BigInt(i + 3)); w.string('x'); w.u32(0); w.u32(0); }
      w.u32(0); w.u32(1);
    });
    const ok = decodeNfsReply(small, 0, 'NFS', 4, 1);
    expect(ok.ops[0].malformed).toBeUndefined();
  });

  it('a traced READDIR reply of 200,000 entries records spans for elementSpans entries only', () => {
    // Spans for every entry took `read -V` past its 256 MB heap (1.4 M spans in arrays grown by doubling).
    const entries = 200_000;
    const body = callBody((w) => {
      w.u32(0); w.string(''); w.u32(1); w.u32(26); w.u32(0); w.fixedOpaque(new Uint8Array(8), 8);
      for (let i = 0; i < entries; i++) { w.u32(1); w.u64(BigInt(i + 3)); w.string('x'); w.u32(0); w.u32(0); }
      w.u32(0); w.u32(1);
    });
    const c = decodeNfsReply(body, 0, 'NFS', 4, 1, { trace: true, elementSpans: 100 });
    const op = c.ops[0];
    expect(op.malformed).toBeUndefined();
    let listed = 0;
    for (let e = (op.res as { resok4: { reply: { entries: { nextentry: unknown } | null } } }).resok4.reply.entries; e !== null; e = e.nextentry as typeof e) listed++;
    expect(listed).toBe(entries);
    // each traced entry: cookie, name, attrs (attrmask, attr_vals) and the nextentry holding the next
    expect(op.spanEnd! - op.spanStart!).toBeLessThan(100 * 8);
    const countSpans = (spans: readonly Span[] | undefined): number => (spans ?? []).reduce((n, s) => n + 1 + countSpans(s.children), 0);
    expect(countSpans(opSpans(op))).toBe(op.spanEnd! - op.spanStart!);
  });

  it('an unknown op number ends the compound: UNKNOWN_<n>, "unknown operation"', () => {
    const body = callBody((w) => { w.string('t'); w.u32(1); w.u32(3); w.u32(24); w.u32(9999); w.u32(10); });
    const c = decodeNfsCall(body, 0, 'NFS', 4, 1);
    expect(c.ops.map((o) => o.op)).toEqual(['PUTROOTFH', 'UNKNOWN_9999']);
    expect(c.ops[1].malformed).toEqual({ reason: 'unknown operation', offset: 20 });
    expect(c.ops[1].opnum).toBe(9999);
    expect(c.tag).toBe('t');
    const cb = decodeNfsCall(callBody((w) => { w.string(''); w.u32(1); w.u32(0); w.u32(1); w.u32(46); }), 0, 'NFS_CB', 1, 1);
    expect(cb.ops[0].op).toBe('UNKNOWN_46');
    expect(cb.ops[0].malformed?.reason).toBe('unknown operation');
  });

  it('a notify4 with every mask bit set and garbage values: bounded, op malformed, fields kept', () => {
    const rand = rng(7);
    const garbage = Uint8Array.from({ length: 256 }, () => Math.floor(rand() * 256));
    const body = callBody((w) => {
      w.string(''); w.u32(1); w.u32(0); w.u32(1);
      w.u32(6); // CB_NOTIFY
      STATEID(w);
      w.varOpaque(Uint8Array.of(1, 2, 3, 4));
      w.u32(1); // one notify4
      w.u32(1000); for (let i = 0; i < 1000; i++) w.u32(0xffffffff); // notify_mask: 32000 bits
      w.varOpaque(garbage);
    });
    const c = decodeNfsCall(body, 0, 'NFS_CB', 1, 1, { trace: true });
    expect(c.ops.length).toBe(1);
    const op = c.ops[0];
    expect(op.op).toBe('CB_NOTIFY');
    expect(op.malformed).toBeDefined();
    expect(op.malformed!.offset).toBeGreaterThan(4000);
    expect(op.malformed!.offset).toBeLessThanOrEqual(body.length);
    const args = op.args as { cna_fh: Uint8Array; cna_changes: { values: { type: string }[] }[] };
    expect(Array.from(args.cna_fh)).toEqual([1, 2, 3, 4]);
    const values = args.cna_changes[0].values;
    expect(values.length).toBeGreaterThan(0);
    expect(values.length).toBeLessThanOrEqual(6);
    expect(values[0].type).toBe('NOTIFY4_CHANGE_CHILD_ATTRS');
    expect((values[values.length - 1] as { undecoded?: { hex: Uint8Array } }).undecoded?.hex.length).toBeGreaterThan(0);
  });

  it('notify4 flag bits carry no body; an unknown high bit stops decoding with the rest kept', () => {
    const body = callBody((w) => {
      w.string(''); w.u32(1); w.u32(0); w.u32(1);
      w.u32(6); STATEID(w); w.varOpaque(Uint8Array.of(9));
      w.u32(1);
      w.u32(2); w.u32((1 << 6) | (1 << 16)); w.u32(1); // GFLAG_EXTEND, CHANGE_AMASK, bit 32
      w.varOpaque(Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd));
    });
    const c = decodeNfsCall(body, 0, 'NFS_CB', 1, 1);
    const values = (c.ops[0].args as { cna_changes: { values: unknown[] }[] }).cna_changes[0].values;
    expect(values.slice(0, 2)).toEqual([{ type: 'NOTIFY4_GFLAG_EXTEND' }, { type: 'NOTIFY4_CHANGE_AMASK' }]);
    expect(values[2]).toMatchObject({ type: 'NOTIFY4_32', undecoded: { unknown: 32 } });
    expect(c.ops[0].malformed).toBeUndefined();
  });

  it('fattr4: an unknown attribute bit keeps the rest as labelled bytes (not malformed)', () => {
    const body = callBody((w) => {
      w.string(''); w.u32(1); w.u32(1);
      w.u32(34); STATEID(w); // SETATTR
      w.u32(3); w.u32(1 << 4); w.u32(0); w.u32(1 << (87 - 64)); // size, bit 87
      w.varOpaque(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 42, 1, 2, 3, 4));
    });
    const c = decodeNfsCall(body, 0, 'NFS', 4, 1);
    const attrs = (c.ops[0].args as { obj_attributes: { attrs: Record<string, unknown> } }).obj_attributes.attrs;
    expect(attrs.size).toBe(42);
    expect(attrs.unknown_87).toMatchObject({ unknown: 87 });
    expect(Array.from((attrs.unknown_87 as { hex: Uint8Array }).hex)).toEqual([1, 2, 3, 4]);
    expect(c.ops[0].malformed).toBeUndefined();
  });

  it('fattr4 with every bit set and garbage values: op malformed, bounded', () => {
    const rand = rng(11);
    const body = callBody((w) => {
      w.string(''); w.u32(1); w.u32(2);
      w.u32(34); STATEID(w);
      w.u32(4); for (let i = 0; i < 4; i++) w.u32(0xffffffff);
      w.varOpaque(Uint8Array.from({ length: 64 }, () => Math.floor(rand() * 256)));
      w.u32(10); // GETFH, never reached
    });
    const c = decodeNfsCall(body, 0, 'NFS', 4, 1, { trace: true });
    expect(c.ops.length).toBe(1);
    expect(c.ops[0].malformed?.reason).toMatch(/attribute/);
    expect(opSpans(c.ops[0])!.length).toBeGreaterThan(0);
  });

  it('bad version, procedure or body offset: malformed compound, no throw', () => {
    const body = callBody((w) => { w.string(''); w.u32(1); w.u32(0); });
    expect(decodeNfsCall(body, 0, 'NFS', 3, 1).malformed?.reason).toMatch(/version 3/);
    expect(decodeNfsCall(body, 0, 'NFS', 4, 7).malformed?.reason).toMatch(/procedure 7/);
    expect(decodeNfsCall(body, 99, 'NFS', 4, 1).malformed?.reason).toMatch(/outside/);
    expect(decodeNfsCall(body, -1, 'NFS', 4, 1).malformed).toBeDefined();
    const nul = decodeNfsCall(new Uint8Array(0), 0, 'NFS', 4, 0);
    expect(nul).toEqual({ program: 'NFS', type: 'call', procedure: 0, procName: 'NULL', ops: [] });
    expect(decodeNfsReply(new Uint8Array(0), 0, 'NFS_CB', 1, 0).procName).toBe('CB_NULL');
  });

  it('random garbage bodies (e.g. a GSS-wrapped body passed by mistake)', () => {
    const rand = rng(3);
    const problems: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const b = Uint8Array.from({ length: Math.floor(rand() * 200) }, () => (rand() < 0.5 ? 0 : Math.floor(rand() * 256)));
      for (const program of ['NFS', 'NFS_CB'] as const) {
        const v = program === 'NFS' ? 4 : 1;
        markProblems(decodeNfsCall(b, 0, program, v, 1), b.length, `call ${i}`, problems);
        markProblems(decodeNfsReply(b, 0, program, v, 1), b.length, `reply ${i}`, problems);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('fattr4 fast path', () => {
  it('gives the same attributes as the generic loop, and random masks stay bounded', () => {
    const rec = extractRecords('captures/linux-6.1-nfsd-v41-deleg-recall.pcap').find((r) => r.type === 'reply' && r.bytes.length > 300)!;
    const json = (c: NfsCompound): string => JSON.stringify(c, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Array.from(v) : v));
    // First decodes use the generic loop; after a few the mask is compiled.
    const first = json(decodeRecord(rec)!);
    for (let i = 0; i < 10; i++) expect(json(decodeRecord(rec)!)).toBe(first);
    expect(first).toMatch(/"attrs":\{"type"/);
    const rand = rng(99);
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) {
      const b = callBody((w) => {
        w.string(''); w.u32(1); w.u32(1); w.u32(34); STATEID(w);
        w.u32(2); w.u32(Math.floor(rand() * 2 ** 32)); w.u32(Math.floor(rand() * 2 ** 32));
        w.varOpaque(new Uint8Array(64));
      });
      decodeNfsCall(b, 0, 'NFS', 4, 1);
    }
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
