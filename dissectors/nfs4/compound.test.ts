/**
 * Field-for-field check of the NFSv4 dissector against the truth file of
 * captures/crafted-dirdeleg-notify-1.pcap (written by an independent implementation).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compoundSpans, opSpans } from './compound.js';
import { bytesToHex } from './hash.js';
import { attrMaskNames } from './names.js';
import { opSummary } from './summary.js';
import { toJsonValue } from './json.js';
import type { NfsCompound, NfsOp } from './types.js';
import { extractRecords, type TestRecord } from './testdata/records.js';
import { decodeRecord } from './testdata/decode.js';

const CAPTURE = 'captures/crafted-dirdeleg-notify-1.pcap';
const TRUTH = 'captures/crafted-dirdeleg-notify-1.truth.json';

/* eslint-disable @typescript-eslint/no-explicit-any -- truth JSON and decoded XDR values are walked dynamically */
type Any = any;

interface Decoded { rec: TestRecord; c: NfsCompound }

const truth: Any = JSON.parse(readFileSync(TRUTH, 'utf8'));
let byKey: Map<string, Decoded>;

const hex = (v: unknown): string => {
  if (!(v instanceof Uint8Array)) throw new Error(`not bytes: ${String(v)}`);
  return bytesToHex(v);
};
const big = (v: unknown): bigint => BigInt(v as number | bigint);
const xidHex = (x: number): string => '0x' + x.toString(16).padStart(8, '0');
const key = (xid: string, type: string): string => `${xid}/${type.toLowerCase()}`;

function op(c: NfsCompound, name: string, nth = 0): NfsOp {
  const found = c.ops.filter((o) => o.op === name);
  expect(found.length, `${name} in ${c.ops.map((o) => o.op).join(',')}`).toBeGreaterThan(nth);
  return found[nth];
}

function expectName(v: unknown, t: { utf8: string; hex: string }): void {
  expect(v).toBe(t.utf8);
  expect(bytesToHex(new TextEncoder().encode(v as string))).toBe(t.hex);
}

function expectStateid(v: Any, t: { seqid: number; other: string }): void {
  expect(v.seqid).toBe(t.seqid);
  expect(hex(v.other)).toBe(t.other);
}

/** A truth attrs object {bitmap, type, type_name, size, fileid, mode: "0644", time_modify} vs a decoded fattr4. */
function expectAttrs(fattr: Any, t: Any): void {
  expect(fattr.attrmask).toEqual(t.bitmap);
  const names = attrMaskNames(t.bitmap);
  expect(Object.keys(fattr.attrs)).toEqual(names);
  for (const n of names) {
    const v = fattr.attrs[n];
    switch (n) {
      case 'type': expect(v).toBe(t.type_name); break;
      case 'mode': expect(v).toBe(parseInt(t.mode, 8)); break;
      case 'size': case 'fileid': expect(big(v)).toBe(BigInt(t[n])); break;
      case 'time_modify': expect({ seconds: Number(v.seconds), nseconds: v.nseconds }).toEqual(t.time_modify); break;
      default: throw new Error(`truth file has attribute ${n} the test does not compare`);
    }
  }
}

function expectEntry(e: Any, t: Any): void {
  expectName(e.ne_file, t.name);
  expectAttrs(e.ne_attrs, t.attrs);
}

function expectRemove(v: Any, t: Any): void {
  expectEntry(v.nrm_old_entry, t.old_entry);
  expect(big(v.nrm_old_entry_cookie)).toBe(BigInt(t.old_entry_cookie));
}

function expectAdd(v: Any, t: Any): void {
  expect(v.nad_old_entry.length).toBe(t.old_entry.length);
  v.nad_old_entry.forEach((o: Any, i: number) => expectRemove(o, t.old_entry[i]));
  expectEntry(v.nad_new_entry, t.new_entry);
  expect(v.nad_new_entry_cookie.map(big)).toEqual(t.new_entry_cookie.map(BigInt));
  expect(v.nad_prev_entry.length).toBe(t.prev_entry.length);
  v.nad_prev_entry.forEach((p: Any, i: number) => {
    expectEntry(p.pe_prev_entry, t.prev_entry[i].entry);
    expect(big(p.pe_prev_entry_cookie)).toBe(BigInt(t.prev_entry[i].cookie));
  });
  expect(v.nad_last_entry).toBe(t.last_entry);
}

function expectNotifyValue(d: Any, t: Any): void {
  expect(d.type).toBe(t.type);
  expect(d.undecoded).toBeUndefined();
  const v = d.value;
  switch (t.type) {
    case 'NOTIFY4_ADD_ENTRY': expectAdd(v, t); break;
    case 'NOTIFY4_REMOVE_ENTRY': expectRemove(v, t); break;
    case 'NOTIFY4_RENAME_ENTRY':
      expectRemove(v.nrn_old_entry, t.old_entry);
      expectAdd(v.nrn_new_entry, t.new_entry);
      break;
    case 'NOTIFY4_CHANGE_CHILD_ATTRS': expectEntry(v.na_changed_entry, t.changed_entry); break;
    default: throw new Error(`truth notify type ${t.type} not compared`);
  }
}

function expectGddArgs(args: Any, t: Any): void {
  expect(args.gdda_signal_deleg_avail).toBe(t.signal_deleg_avail);
  expect(args.gdda_notification_types).toEqual(t.notification_types);
  expect(args.gdda_child_attributes).toEqual(t.child_attributes);
  expect(args.gdda_dir_attributes).toEqual(t.dir_attributes);
}

beforeAll(() => {
  byKey = new Map();
  for (const rec of extractRecords(CAPTURE)) {
    const c = decodeRecord(rec);
    if (c !== undefined) byKey.set(key(xidHex(rec.xid), rec.type), { rec, c });
  }
});

describe('crafted-dirdeleg-notify-1: every RPC message against the truth file', () => {
  it('finds every message of the truth file, fully decoded', () => {
    expect(byKey.size).toBe(truth.messages.length);
    for (const m of truth.messages) {
      const d = byKey.get(key(m.xid, m.msg_type));
      expect(d, `${m.xid} ${m.msg_type}`).toBeDefined();
      expect(d!.rec.frame).toBe(m.frame);
      expect(d!.c.malformed).toBeUndefined();
      for (const o of d!.c.ops) expect(o.malformed, `${m.xid} ${o.op}`).toBeUndefined();
    }
  });

  it('op lists, per-op statuses and compound status', () => {
    for (const m of truth.messages) {
      const { c } = byKey.get(key(m.xid, m.msg_type))!;
      expect(c.ops.map((o) => o.op), m.xid).toEqual(m.ops);
      if (m.msg_type === 'REPLY') {
        expect(c.type).toBe('reply');
        expect(c.ops.map((o) => o.status), m.xid).toEqual(m.op_status);
        expect(c.status).toBe(m.compound_status);
      } else {
        expect(c.type).toBe('call');
        expect(c.procName).toBe(m.proc_name);
        expect(c.ops.every((o) => o.status === undefined)).toBe(true);
      }
    }
  });

  it('op offsets and lengths tile the body exactly', () => {
    for (const { rec, c } of byKey.values()) {
      let pos = c.ops[0].offset;
      expect(pos).toBeGreaterThan(rec.bodyOffset!);
      for (const o of c.ops) {
        expect(o.offset).toBe(pos);
        expect(o.length).toBeGreaterThanOrEqual(8 - (c.type === 'call' ? 4 : 0));
        pos += o.length;
      }
      expect(pos).toBe(rec.bytes.length);
    }
  });

  it('session setup: clientids, cb_program, csa_flags, sessionids', () => {
    for (const m of truth.messages) {
      const { c } = byKey.get(key(m.xid, m.msg_type))!;
      if (m.clientid !== undefined) {
        const res: Any = op(c, 'EXCHANGE_ID').res;
        expect(big(res.eir_resok4.eir_clientid)).toBe(BigInt(m.clientid));
      }
      if (m.cb_program !== undefined) {
        const args: Any = op(c, 'CREATE_SESSION').args;
        expect(args.csa_cb_program).toBe(Number(m.cb_program));
        expect(args.csa_flags).toBe(m.csa_flags);
      }
      if (m.sessionid !== undefined) {
        const res: Any = op(c, 'CREATE_SESSION').res;
        expect(hex(res.csr_resok4.csr_sessionid)).toBe(m.sessionid);
      }
    }
  });

  it('names of LOOKUP, OPEN, REMOVE, RENAME and filehandles of PUTFH/GETFH', () => {
    let names = 0;
    for (const m of truth.messages) {
      const { c } = byKey.get(key(m.xid, m.msg_type))!;
      if (m.lookup_name) { expectName((op(c, 'LOOKUP').args as Any).objname, m.lookup_name); names++; }
      if (m.name && m.ops.includes('OPEN')) { expectName((op(c, 'OPEN').args as Any).claim.file, m.name); names++; }
      if (m.name && m.ops.includes('REMOVE')) { expectName((op(c, 'REMOVE').args as Any).target, m.name); names++; }
      if (m.name && m.ops.includes('SETATTR')) { expectName((op(c, 'LOOKUP').args as Any).objname, m.name); names++; }
      if (m.names) m.names.forEach((n: Any, i: number) => { expectName((op(c, 'REMOVE', i).args as Any).target, n); names++; });
      if (m.oldname) {
        const a: Any = op(c, 'RENAME').args;
        expectName(a.oldname, m.oldname);
        expectName(a.newname, m.newname);
        names++;
      }
      if (m.fh && m.msg_type === 'CALL') expect(hex((op(c, 'PUTFH').args as Any).object)).toBe(m.fh);
      if (m.getfh) expect(hex((op(c, 'GETFH').res as Any).resok4.object)).toBe(m.getfh);
      if (m.open_stateid) expectStateid((op(c, 'OPEN').res as Any).resok4.stateid, m.open_stateid);
      if (m.deleg_stateid && m.msg_type === 'CALL') expectStateid((op(c, 'DELEGRETURN').args as Any).deleg_stateid, m.deleg_stateid);
    }
    expect(names).toBe(15);
  });

  it('SETATTR attributes (size, mode) through the fattr4 hook', () => {
    const m = truth.messages.find((x: Any) => x.setattr);
    const { c } = byKey.get(key(m.xid, 'CALL'))!;
    const attrs = (op(c, 'SETATTR').args as Any).obj_attributes.attrs;
    expect(big(attrs.size)).toBe(BigInt(m.setattr.size));
    expect(attrs.mode).toBe(parseInt(m.setattr.mode, 8));
  });

  it('GET_DIR_DELEGATION arguments and results (GDD4_OK and GDD4_UNAVAIL)', () => {
    let ok = 0;
    let unavail = 0;
    for (const m of truth.messages) {
      const { c } = byKey.get(key(m.xid, m.msg_type))!;
      if (m.gdd_args) expectGddArgs(op(c, 'GET_DIR_DELEGATION').args, m.gdd_args);
      if (!m.gdd_result) continue;
      const o = op(c, 'GET_DIR_DELEGATION');
      const res: Any = o.res;
      expect(o.status).toBe('NFS4_OK');
      expect(res.gddr_status).toBe('NFS4_OK');
      expect(res.gddr_res_non_fatal4.gddrnf_status).toBe(m.gdd_result);
      if (m.gdd_result === 'GDD4_OK') {
        const ok4 = res.gddr_res_non_fatal4.gddrnf_resok4;
        expect(hex(ok4.gddr_cookieverf)).toBe(m.cookieverf);
        expectStateid(ok4.gddr_stateid, m.deleg_stateid);
        expect(ok4.gddr_notification).toEqual(m.notification);
        expect(ok4.gddr_child_attributes).toEqual(m.child_attributes);
        expect(ok4.gddr_dir_attributes).toEqual(m.dir_attributes);
        expect(opSummary(o)).toBe('GET_DIR_DELEGATION');
        ok++;
      } else {
        expect(res.gddr_res_non_fatal4.gddrnf_will_signal_deleg_avail).toBe(m.will_signal_deleg_avail);
        expect(opSummary(o)).toBe('GET_DIR_DELEGATION(UNAVAIL)');
        // Unavailable is not an error: the compound went on and succeeded.
        expect(c.status).toBe('NFS4_OK');
        unavail++;
      }
    }
    expect(ok).toBe(2);
    expect(unavail).toBe(1);
  });

  it('CB_COMPOUND header and CB_SEQUENCE fields', () => {
    let n = 0;
    for (const m of truth.messages) {
      if (!m.cb_sequence) continue;
      const { c } = byKey.get(key(m.xid, 'CALL'))!;
      expect(c.program).toBe('NFS_CB');
      expect(c.procName).toBe('CB_COMPOUND');
      expect(c.callbackIdent).toBe(m.cb_ident);
      expect(c.minorversion).toBe(m.minorversion);
      const a: Any = op(c, 'CB_SEQUENCE').args;
      expect(hex(a.csa_sessionid)).toBe(m.cb_sequence.sessionid);
      expect(a.csa_sequenceid).toBe(m.cb_sequence.sequenceid);
      expect(a.csa_slotid).toBe(m.cb_sequence.slotid);
      expect(a.csa_highest_slotid).toBe(m.cb_sequence.highest_slotid);
      n++;
    }
    expect(n).toBe(14);
  });

  it('CB_NOTIFY: stateid, directory fh, every notify4 entry (names, cookies, attributes)', () => {
    let entries = 0;
    for (const m of truth.messages) {
      if (!m.cb_notify) continue;
      const { c } = byKey.get(key(m.xid, 'CALL'))!;
      m.cb_notify.forEach((tn: Any, i: number) => {
        const a: Any = op(c, 'CB_NOTIFY', i).args;
        expectStateid(a.cna_stateid, tn.stateid);
        expect(hex(a.cna_fh)).toBe(tn.fh);
        expect(a.cna_changes.length).toBe(tn.changes.length);
        tn.changes.forEach((tc: Any, j: number) => {
          const ch = a.cna_changes[j];
          expect(ch.notify_mask).toEqual(tc.notify_mask);
          expect(ch.notify_vals.length).toBe(tc.notify_vals_len);
          expect(ch.values.length).toBe(tc.values.length);
          tc.values.forEach((tv: Any, k: number) => { expectNotifyValue(ch.values[k], tv); entries++; });
        });
      });
    }
    expect(entries).toBe(14);
  });

  it('CB_RECALL arguments', () => {
    let n = 0;
    for (const m of truth.messages) {
      if (!m.cb_recall) continue;
      const a: Any = op(byKey.get(key(m.xid, 'CALL'))!.c, 'CB_RECALL').args;
      expectStateid(a.stateid, m.cb_recall.stateid);
      expect(a.truncate).toBe(m.cb_recall.truncate);
      expect(hex(a.fh)).toBe(m.cb_recall.fh);
      n++;
    }
    expect(n).toBe(2);
  });

  it('summaries name the entries of CB_NOTIFY and the names of LOOKUP/OPEN/REMOVE', () => {
    const summary = (xid: string, type: string): string[] => byKey.get(key(xid, type))!.c.ops.map(opSummary);
    expect(summary('0x5e6f0301', 'CALL')).toEqual(['CB_SEQUENCE', 'CB_NOTIFY(ADD "newfile")']);
    expect(summary('0x5e6f0302', 'CALL')).toEqual(['CB_SEQUENCE', 'CB_NOTIFY(REMOVE "old")']);
    expect(summary('0x5e6f0303', 'CALL')).toEqual(['CB_SEQUENCE', 'CB_NOTIFY(RENAME "a"->"b")']);
    expect(summary('0x5e6f0304', 'CALL')).toEqual(['CB_SEQUENCE', 'CB_NOTIFY(ATTRS "b")']);
    expect(summary('0x5e6f0305', 'CALL')).toEqual(['CB_SEQUENCE', 'CB_NOTIFY(REMOVE "newfile", ADD "report.txt")']);
    expect(summary('0x5e6f0306', 'CALL')).toEqual(['CB_SEQUENCE', 'CB_NOTIFY(REMOVE "tmp1", REMOVE "tmp2")']);
    expect(summary('0x5e6f0306', 'REPLY')).toEqual(['CB_SEQUENCE', 'CB_NOTIFY']);
    expect(summary('0x1a2b0104', 'CALL')).toEqual(['SEQUENCE', 'PUTROOTFH', 'LOOKUP "dir"', 'GETFH']);
    expect(summary('0x2c3d0204', 'CALL')).toEqual(['SEQUENCE', 'PUTFH', 'OPEN "newfile"', 'GETFH']);
    expect(summary('0x2c3d0209', 'CALL')).toEqual(['SEQUENCE', 'PUTFH', 'REMOVE "tmp1"', 'REMOVE "tmp2"']);
  });

  it('JSON of a CB_NOTIFY names each notify type and spreads its fields', () => {
    const a: Any = op(byKey.get(key('0x5e6f0305', 'CALL'))!.c, 'CB_NOTIFY').args;
    const j: Any = toJsonValue(a);
    expect(j.cna_stateid).toEqual({ seqid: 1, other: 'dd010000d1e0000000000001' });
    expect(j.cna_fh).toBe('01000700000000000000006464');
    expect(j.cna_changes[0].notify_mask).toEqual([12]);
    const [rm, add] = j.cna_changes[0].notify_vals;
    expect(rm.type).toBe('NOTIFY4_REMOVE_ENTRY');
    expect(rm.nrm_old_entry.ne_file).toBe('newfile');
    expect(rm.nrm_old_entry_cookie).toBe(273);
    expect(add.type).toBe('NOTIFY4_ADD_ENTRY');
    expect(add.nad_new_entry.ne_file).toBe('report.txt');
    expect(add.nad_new_entry.ne_attrs.attrs).toEqual({
      type: 'NF4REG', size: 0, fileid: 1007, mode: 0o644, time_modify: { seconds: 1700001007, nseconds: 0 },
    });
    expect(add.nad_new_entry.ne_attrs.attrmask).toEqual([1048594, 2097154]);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });

  it('traced decoding gives spans inside each op that cover its bytes', () => {
    for (const { rec } of byKey.values()) {
      const c = decodeRecord(rec, { trace: true })!;
      expect(compoundSpans(c)!.length).toBeGreaterThan(0);
      for (const o of c.ops) {
        const spans = opSpans(o)!;
        expect(spans.length).toBeGreaterThan(0);
        const first = spans[0];
        const last = spans[spans.length - 1];
        expect(first.offset).toBe(o.offset);
        expect(last.offset + last.length).toBe(o.offset + o.length);
      }
    }
    // The fattr4 hook adds one span per attribute under 'attrs'.
    const c = decodeRecord(byKey.get(key('0x5e6f0301', 'CALL'))!.rec, { trace: true })!;
    const names: string[] = [];
    const walk = (spans: Any[]): void => { for (const s of spans) { if (s.name === 'attrs' && s.children) names.push(...s.children.map((x: Any) => x.name)); if (s.children) walk(s.children); } };
    walk(opSpans(op(c, 'CB_NOTIFY'))!);
    expect(names).toEqual(['type', 'size', 'fileid', 'mode', 'time_modify']);
    // The notify4 hook adds one span per entry under 'values', covering the entry's bytes.
    const values: Any[] = [];
    const walkValues = (spans: Any[]): void => { for (const s of spans) { if (s.name === 'values' && s.children) values.push(...s.children); if (s.children) walkValues(s.children); } };
    walkValues(opSpans(op(c, 'CB_NOTIFY'))!);
    expect(values.map((s) => [s.name, s.type, s.length])).toEqual([['NOTIFY4_ADD_ENTRY', 'notify_add4', 116]]);
  });
});
