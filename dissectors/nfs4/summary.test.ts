import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XdrWriter } from '../xdr/runtime.js';
import { decodeNfsCall, decodeNfsReply } from './compound.js';
import { toJsonValue } from './json.js';
import { opSummary } from './summary.js';
import { decodeRecord } from './testdata/decode.js';
import { extractRecords } from './testdata/records.js';

function body(build: (w: XdrWriter) => void): Uint8Array {
  const w = new XdrWriter();
  build(w);
  return w.finish();
}

const emptyFattr = (w: XdrWriter): void => { w.u32(0); w.u32(0); };
const stateid = (w: XdrWriter): void => { w.u32(1); w.fixedOpaque(new Uint8Array(12), 12); };

describe('opSummary', () => {
  it('escapes names from the wire (terminal control sequences, quotes, backslashes)', () => {
    const c = decodeNfsCall(body((w) => {
      w.string(''); w.u32(1); w.u32(4);
      w.u32(15); w.string('\x1b[2J\x1b]0;pwned\x07');      // LOOKUP
      w.u32(28); w.string('a"b\\c');                         // REMOVE
      w.u32(6); w.u32(2); w.string('new\u009bdir'); emptyFattr(w); // CREATE NF4DIR
      w.u32(15); w.varOpaque(Uint8Array.of(0xff, 0xfe));     // LOOKUP with invalid UTF-8
    }), 0, 'NFS', 4, 1);
    expect(c.ops.map(opSummary)).toEqual([
      'LOOKUP "\\x1b[2J\\x1b]0;pwned\\x07"',
      'REMOVE "a\\"b\\\\c"',
      'CREATE "new\\x9bdir"',
      'LOOKUP <invalid utf-8 fffe>',
    ]);
  });

  it('CB_NOTIFY lists every entry type, skipping bodiless flags', () => {
    const entry = (w: XdrWriter, name: string): void => { w.string(name); emptyFattr(w); };
    const vals = body((w) => {
      // bit 1 CHANGE_DIR_ATTRS: notify_attr4 with an empty name
      entry(w, '');
      // bit 5 CHANGE_COOKIE_VERIFIER
      w.fixedOpaque(new Uint8Array(8), 8); w.fixedOpaque(new Uint8Array(8).fill(1), 8);
    });
    const c = decodeNfsCall(body((w) => {
      w.string(''); w.u32(1); w.u32(0); w.u32(1);
      w.u32(6); stateid(w); w.varOpaque(Uint8Array.of(1));
      w.u32(1); w.u32(1); w.u32((1 << 1) | (1 << 5) | (1 << 6)); w.varOpaque(vals);
    }), 0, 'NFS_CB', 1, 1);
    expect(c.ops[0].malformed).toBeUndefined();
    expect(opSummary(c.ops[0])).toBe('CB_NOTIFY(DIR_ATTRS, VERIFIER)');
  });

  it('GET_DIR_DELEGATION reply: (UNAVAIL) only when unavailable; errors keep the plain name', () => {
    const reply = (gdd: (w: XdrWriter) => void) => decodeNfsReply(body((w) => { w.u32(0); w.string(''); w.u32(1); w.u32(46); gdd(w); }), 0, 'NFS', 4, 1);
    expect(opSummary(reply((w) => { w.u32(0); w.u32(1); w.bool(true); }).ops[0])).toBe('GET_DIR_DELEGATION(UNAVAIL)');
    const err = reply((w) => { w.u32(10084); }).ops[0];
    expect(err.status).toBe('NFS4ERR_DIRDELEG_UNAVAIL');
    expect(opSummary(err)).toBe('GET_DIR_DELEGATION');
  });

  it('OPEN names the claimed file (CLAIM_NULL) and nothing for CLAIM_FH', () => {
    const open = (claim: (w: XdrWriter) => void) => decodeNfsCall(body((w) => {
      w.string(''); w.u32(1); w.u32(1);
      w.u32(18); w.u32(0); w.u32(1); w.u32(0); w.u64(1); w.varOpaque(Uint8Array.of(1)); w.u32(0); claim(w);
    }), 0, 'NFS', 4, 1).ops[0];
    expect(opSummary(open((w) => { w.u32(0); w.string('f.txt'); }))).toBe('OPEN "f.txt"');
    expect(opSummary(open((w) => { w.u32(4); }))).toBe('OPEN');
  });
});

describe('CB_NOTIFY_DEVICEID notify4 values are device notifications', () => {
  it('decodes NOTIFY_DEVICEID4_CHANGE / DELETE, and CB_NOTIFY right after still gets directory types', () => {
    const devVals = body((w) => {
      w.u32(1); w.fixedOpaque(new Uint8Array(16).fill(7), 16); w.bool(true); // change
      w.u32(1); w.fixedOpaque(new Uint8Array(16).fill(8), 16);               // delete
    });
    const c = decodeNfsCall(body((w) => {
      w.string(''); w.u32(1); w.u32(0); w.u32(2);
      w.u32(14); w.u32(1); w.u32(1); w.u32(0b110); w.varOpaque(devVals);
      w.u32(6); stateid(w); w.varOpaque(Uint8Array.of(1)); w.u32(1); w.u32(1); w.u32(1 << 2);
      w.varOpaque(body((x) => { x.string('gone'); emptyFattr(x); x.u64(5); }));
    }), 0, 'NFS_CB', 1, 1);
    expect(c.ops.map((o) => o.malformed)).toEqual([undefined, undefined]);
    const dev = toJsonValue(c.ops[0].args) as { cnda_changes: { notify_vals: { type: string }[] }[] };
    expect(dev.cnda_changes[0].notify_vals).toEqual([
      { type: 'NOTIFY_DEVICEID4_CHANGE', ndc_layouttype: 'LAYOUT4_NFSV4_1_FILES', ndc_deviceid: '07'.repeat(16), ndc_immediate: true },
      { type: 'NOTIFY_DEVICEID4_DELETE', ndd_layouttype: 'LAYOUT4_NFSV4_1_FILES', ndd_deviceid: '08'.repeat(16) },
    ]);
    expect(opSummary(c.ops[1])).toBe('CB_NOTIFY(REMOVE "gone")');
  });
});

describe('toJsonValue over every decoded message of every capture', () => {
  it('gives JSON that survives JSON.stringify/parse unchanged', () => {
    let n = 0;
    for (const f of readdirSync('captures').filter((x) => x.endsWith('.pcap'))) {
      for (const rec of extractRecords(`captures/${f}`)) {
        const c = decodeRecord(rec);
        if (c === undefined) continue;
        const j = toJsonValue(c);
        expect(JSON.parse(JSON.stringify(j))).toEqual(j);
        n++;
      }
    }
    expect(n).toBeGreaterThan(1000);
  });
});
