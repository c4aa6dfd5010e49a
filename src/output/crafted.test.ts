/**
 * Directory-delegation fields on real decoded messages of the crafted capture, checked
 * against its truth file (tshark 4.0 cannot decode GET_DIR_DELEGATION / CB_NOTIFY bodies).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fieldValues } from '../../dissectors/fields/registry.js';
import type { FieldSource } from '../../dissectors/fields/types.js';
import { compileFilter } from '../../dissectors/filter/compile.js';
import { crc32 } from '../../dissectors/nfs4/hash.js';
import { analyzeCapture } from './testdata/capture.js';
import { formatSummaryLine } from './summary.js';
import { buildTree, formatTreeText } from './tree.js';

const CAPTURE = 'captures/crafted-dirdeleg-notify-1.pcap';

interface TruthMessage {
  frame: number;
  msg_type: 'CALL' | 'REPLY';
  xid: string;
  ops?: string[];
  gdd_result?: string;
  deleg_stateid?: { seqid: number; other: string };
  cb_notify?: Array<{ stateid: { seqid: number; other: string }; fh: string; changes: Array<{ notify_mask: number[] }> }>;
}

const truth = JSON.parse(readFileSync('captures/crafted-dirdeleg-notify-1.truth.json', 'utf8')) as { messages: TruthMessage[] };

/** Entry names of a truth CB_NOTIFY in wire order, without prev_entry hints. */
function truthNames(v: unknown, out: string[] = [], key = ''): string[] {
  if (key === 'prev_entry' || v === null || typeof v !== 'object') return out;
  if (Array.isArray(v)) {
    for (const x of v) truthNames(x, out, key);
    return out;
  }
  const o = v as Record<string, unknown>;
  const name = o.name as { utf8?: string } | undefined;
  if (name && typeof name.utf8 === 'string') out.push(name.utf8);
  for (const [k, x] of Object.entries(o)) if (k !== 'name') truthNames(x, out, k);
  return out;
}

function bits(words: number[]): number[] {
  const out: number[] = [];
  words.forEach((w, i) => { for (let b = 0; b < 32; b++) if ((w >>> b) & 1) out.push(i * 32 + b); });
  return out;
}

function hex(b: unknown): string {
  return Buffer.from(b as Uint8Array).toString('hex');
}

describe('directory-delegation fields on the crafted capture', () => {
  let msgs: FieldSource[];
  const at = (frame: number, xid: string): FieldSource => {
    const m = msgs.find((x) => x.frame === frame && (x.rpc.xid >>> 0) === Number(xid));
    if (!m) throw new Error(`no message ${xid} in frame ${frame}`);
    return m;
  };
  beforeAll(async () => { msgs = await analyzeCapture(CAPTURE, true); });

  it('every truth message is there with its opcodes', () => {
    for (const t of truth.messages) {
      const m = at(t.frame, t.xid);
      const field = m.nfs?.program === 'NFS_CB' ? 'nfs.cb.operation' : 'nfs.opcode';
      expect(fieldValues(field, m).length, `frame ${t.frame}`).toBe(t.ops?.length ?? 0);
      expect(m.nfs?.ops.map((o) => o.op), `frame ${t.frame}`).toEqual(t.ops ?? []);
    }
  });

  it('GET_DIR_DELEGATION results: nfs.gdd.status and the delegation stateid', () => {
    const gdd = truth.messages.filter((t) => t.gdd_result !== undefined);
    expect(gdd.length).toBeGreaterThanOrEqual(2);
    for (const t of gdd) {
      const m = at(t.frame, t.xid);
      expect(fieldValues('nfs.gdd.status', m)).toEqual([t.gdd_result === 'GDD4_OK' ? 0 : 1]);
      if (t.deleg_stateid) {
        expect(fieldValues('nfs.deleg.stateid.other', m).map(hex)).toEqual([t.deleg_stateid.other]);
        expect(fieldValues('nfs.deleg.stateid.seqid', m)).toEqual([t.deleg_stateid.seqid]);
        expect(fieldValues('nfs.deleg.stateid.other_hash', m)).toEqual([crc32(Buffer.from(t.deleg_stateid.other, 'hex'))]);
      }
    }
  });

  it('CB_NOTIFY: types, names, stateid and directory fh of every notification', () => {
    const notes = truth.messages.filter((t) => t.cb_notify !== undefined);
    expect(notes.length).toBeGreaterThanOrEqual(5);
    for (const t of notes) {
      const m = at(t.frame, t.xid);
      const cn = t.cb_notify!;
      expect(fieldValues('nfs.notify.type', m), `frame ${t.frame}`).toEqual(cn.flatMap((n) => n.changes.flatMap((c) => bits(c.notify_mask))));
      expect(fieldValues('nfs.notify.name', m), `frame ${t.frame}`).toEqual(truthNames(cn));
      expect(fieldValues('nfs.deleg.stateid.other', m).map(hex)).toEqual(cn.map((n) => n.stateid.other));
      expect(fieldValues('nfs.fhandle', m).map(hex).slice(0, cn.length)).toEqual(cn.map((n) => n.fh));
    }
  });

  it('filters find notifications by name and type', () => {
    const f = compileFilter('nfs.notify.type == ADD_ENTRY && nfs.notify.name == "newfile"');
    if (!f.ok) throw new Error(f.error);
    const frames = msgs.filter((m) => f.filter(m)).map((m) => m.frame);
    const expected = truth.messages.filter((t) => t.cb_notify && truthNames(t.cb_notify).includes('newfile')).map((t) => t.frame);
    expect(frames).toEqual(expected);
    expect(frames.length).toBeGreaterThan(0);
  });

  it('summary lines and traced trees of real messages', () => {
    const note = truth.messages.find((t) => t.cb_notify)!;
    const m = at(note.frame, note.xid);
    expect(formatSummaryLine(m)).toMatch(/ NFS CB V1 CB_COMPOUND Call \(Reply In \d+\) CB_SEQUENCE CB_NOTIFY\(ADD "newfile"\)$/);
    const text = formatTreeText(buildTree(m));
    // Byte ranges come from the traced decode.
    expect(text).toMatch(/\n {8}Opcode: CB_NOTIFY \(6\) \[\d+\.\.\d+\]\n/);
    expect(text).toMatch(/\n {12}cna_stateid: seqid 1, other dd010000d1e0000000000001 \[\d+\.\.\d+\]\n/);
    expect(text).toMatch(/ne_file: "newfile" \[\d+\.\.\d+\]\n/);
    expect(text).toMatch(/\n {4}Tag: "" \[\d+\.\.\d+\]\n/);
  });
});
