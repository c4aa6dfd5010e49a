/**
 * Encode round trip: every NFS record of every bundled capture, decoded and encoded again
 * with the generated encoders (through the fattr4/notify4 hooks), gives back its exact body
 * bytes. Also: hooks encode decoded `attrs` / `values` when the raw bytes are absent.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as gen from '../xdr/generated/nfs4.js';
import { xdrDecode, xdrEncode } from '../xdr/runtime.js';
import { decodableOps, decodeNfsCall, decodeNfsReply, encodeNfsCompound } from './compound.js';
import { encodeAttrs, encodeNotifyValues, type Fattr4Value, type Notify4Value } from './hooks.js';
import { bytesToHex } from './hash.js';
import { ATTR_NAMES, nfsOpName, cbOpName, nfsStatName } from './names.js';
import { decodeRecord } from './testdata/decode.js';
import { extractRecords } from './testdata/records.js';

const CAPTURES = readdirSync('captures').filter((f) => f.endsWith('.pcap')).sort();

describe('decode -> encode gives the same bytes', () => {
  it.each(CAPTURES)('%s', (file) => {
    let n = 0;
    for (const rec of extractRecords(`captures/${file}`)) {
      const c = decodeRecord(rec);
      if (c === undefined) continue;
      expect(c.malformed).toBeUndefined();
      const body = rec.bytes.subarray(rec.bodyOffset!);
      expect(bytesToHex(encodeNfsCompound(c)), `frame ${rec.frame} ${rec.type}`).toBe(bytesToHex(body));
      n++;
    }
    expect(n).toBeGreaterThan(10);
  });
});

describe('hooks encode decoded values when raw bytes are absent', () => {
  const CB_NOTIFY_CALLS = extractRecords('captures/crafted-dirdeleg-notify-1.pcap')
    .filter((r) => r.type === 'call' && r.prog === 0x40000000)
    .map((r) => decodeRecord(r)!)
    .filter((c) => c.ops.some((o) => o.op === 'CB_NOTIFY'));

  it('notify4 and fattr4 values alone rebuild notify_vals and attr_vals', () => {
    expect(CB_NOTIFY_CALLS.length).toBe(12);
    for (const c of CB_NOTIFY_CALLS) {
      const original = encodeNfsCompound(c);
      // Strip every raw opaque the hooks produced values for; encoding must restore them.
      const strip = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(strip);
        if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
          if (k === 'attr_vals' || k === 'notify_vals') o[k] = new Uint8Array(0);
          else if (k === 'attrmask' || k === 'notify_mask') o[k] = [];
          else o[k] = strip(x);
        }
        return o;
      };
      const stripped = { ...c, ops: c.ops.map((o) => ({ ...o, args: strip(o.args) })) };
      expect(bytesToHex(encodeNfsCompound(stripped))).toBe(bytesToHex(original));
    }
  });

  it('encodeAttrs builds the mask from attribute names, in bit order', () => {
    const { attrmask, attr_vals } = encodeAttrs({ mode: 0o640, size: 0 });
    expect(attrmask).toEqual([1 << 4, 1 << 1]);
    expect(bytesToHex(attr_vals)).toBe('0000000000000000' + '000001a0');
    const back = xdrDecode(gen.decode_fattr4, xdrEncode(gen.encode_fattr4, { attrmask, attr_vals }));
    expect(back.ok && (back.value as Fattr4Value).attrs).toEqual({ size: 0, mode: 0o640 });
    expect(() => encodeAttrs({ nonsense: 1 })).toThrow(RangeError);
  });

  it('encodeNotifyValues builds the mask from the types', () => {
    const values = [{ type: 'NOTIFY4_REMOVE_ENTRY', value: { nrm_old_entry: { ne_file: 'x', ne_attrs: { attrmask: [], attr_vals: new Uint8Array(0) } }, nrm_old_entry_cookie: 7 } },
      { type: 'NOTIFY4_GFLAG_EXTEND' }];
    const enc = encodeNotifyValues(values);
    expect(enc.notify_mask).toEqual([(1 << 2) | (1 << 6)]);
    const back = xdrDecode(gen.decode_notify4, xdrEncode(gen.encode_notify4, { notify_mask: enc.notify_mask, notify_vals: new Uint8Array(0), values } as Notify4Value));
    expect(back.ok).toBe(true);
    const v = (back as { value: Notify4Value }).value;
    expect(v.values!.map((e) => e.type)).toEqual(['NOTIFY4_REMOVE_ENTRY', 'NOTIFY4_GFLAG_EXTEND']);
    expect((v.values![0].value as { nrm_old_entry: { ne_file: string } }).nrm_old_entry.ne_file).toBe('x');
  });
});

describe('name tables agree with the spec (nfs4.x)', () => {
  it('op, callback op and status names', () => {
    for (const [n, name] of Object.entries(gen.nfs_opnum4_names)) expect(nfsOpName(Number(n))).toBe((name as string).replace(/^OP_/, ''));
    for (const [n, name] of Object.entries(gen.nfs_cb_opnum4_names)) expect(cbOpName(Number(n))).toBe((name as string).replace(/^OP_/, ''));
    for (const [n, name] of Object.entries(gen.nfsstat4_names)) expect(nfsStatName(Number(n))).toBe(name);
  });
  it('attribute names: every FATTR4_ constant', () => {
    let n = 0;
    for (const [k, v] of Object.entries(gen)) {
      if (!k.startsWith('FATTR4_') || typeof v !== 'number') continue;
      expect(ATTR_NAMES[v], k).toBe(k.slice(7).toLowerCase());
      n++;
    }
    expect(n).toBe(91);
  });
});

describe('op numbers outside the dense range (ILLEGAL, CB_ILLEGAL = 10044)', () => {
  it('are decodable, and decode and encode like the others', () => {
    expect(decodableOps('NFS')).toContain(10044);
    expect(decodableOps('NFS_CB')).toContain(10044);
    expect(decodableOps('NFS')).toEqual([...decodableOps('NFS')].sort((a, b) => a - b));
    for (const program of ['NFS', 'NFS_CB'] as const) {
      const name = program === 'NFS' ? 'ILLEGAL' : 'CB_ILLEGAL';
      const call = encodeNfsCompound({
        program, type: 'call', procedure: 1, procName: '', tag: 't', minorversion: 1,
        ...(program === 'NFS_CB' ? { callbackIdent: 0 } : {}),
        ops: [{ opnum: 10044, op: name, offset: 0, length: 0 }],
      });
      const c = decodeNfsCall(call, 0, program, program === 'NFS' ? 4 : 1, 1);
      expect(c.malformed).toBeUndefined();
      expect(c.ops.map((o) => [o.opnum, o.op, o.malformed])).toEqual([[10044, name, undefined]]);
      const reply = encodeNfsCompound({
        program, type: 'reply', procedure: 1, procName: '', status: 'NFS4ERR_OP_ILLEGAL', tag: 't',
        ops: [{ opnum: 10044, op: name, status: 'NFS4ERR_OP_ILLEGAL', res: { status: 'NFS4ERR_OP_ILLEGAL' }, offset: 0, length: 0 }],
      });
      const r = decodeNfsReply(reply, 0, program, program === 'NFS' ? 4 : 1, 1);
      expect(r.ops.map((o) => [o.op, o.status, o.res, o.malformed])).toEqual([[name, 'NFS4ERR_OP_ILLEGAL', { status: 'NFS4ERR_OP_ILLEGAL' }, undefined]]);
    }
  });
});
