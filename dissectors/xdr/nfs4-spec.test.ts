/**
 * Checks nfs4.x (through the generated codecs) against real bytes: every COMPOUND /
 * CB_COMPOUND body in every bundled capture decodes, consumes exactly its bytes and
 * re-encodes to the same bytes; the crafted directory-delegation capture's CB_NOTIFY and
 * GET_DIR_DELEGATION values match its pynfs-encoded truth file; protocol numbers are the
 * RFC ones. Records are cut from TCP payloads that tshark lists (no reassembly by tshark).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsharkAvailable, tsharkLines } from '../../test/helpers/tshark.js';
import * as G from './generated/nfs4.js';
import { XdrReader, XdrWriter, xdrDecode } from './runtime.js';

const CAPTURES = join(import.meta.dirname, '../../captures');
const NFS_PROGRAM = 100003;
const CALL = 0;

interface RpcBody {
  frame: number;
  stream: number;
  xid: number;
  type: 'COMPOUND4args' | 'COMPOUND4res' | 'CB_COMPOUND4args' | 'CB_COMPOUND4res';
  body: Uint8Array;
}

/** Cuts record-marked RPC messages out of each TCP direction and keeps COMPOUND bodies. */
function compoundBodies(file: string): RpcBody[] {
  const rows = tsharkLines([
    '-r', file, '-o', 'tcp.desegment_tcp_streams:FALSE', '-Y', 'tcp.len>0', '-T', 'fields',
    '-e', 'frame.number', '-e', 'tcp.stream', '-e', 'tcp.srcport', '-e', 'tcp.seq', '-e', 'tcp.payload',
  ]);
  const flows = new Map<string, Map<number, { frame: number; data: Buffer }>>();
  for (const row of rows) {
    const [frame, stream, port, seq, payload] = row.split('\t');
    if (!payload) continue;
    const key = `${stream}:${port}`;
    let segs = flows.get(key);
    if (!segs) flows.set(key, (segs = new Map()));
    const s = Number(seq);
    if (!segs.has(s)) segs.set(s, { frame: Number(frame), data: Buffer.from(payload.replaceAll(':', ''), 'hex') });
  }
  const records: { frame: number; stream: number; rec: Buffer }[] = [];
  for (const [key, segs] of flows) {
    const stream = Number(key.split(':')[0]);
    const parts: Buffer[] = [];
    const frameAt: { end: number; frame: number }[] = [];
    let next = -1;
    let len = 0;
    for (const s of [...segs.keys()].sort((a, b) => a - b)) {
      const { frame, data } = segs.get(s)!;
      const skip = next < 0 ? 0 : Math.max(0, next - s); // retransmitted overlap
      if (skip >= data.length) continue;
      parts.push(data.subarray(skip));
      len += data.length - skip;
      frameAt.push({ end: len, frame });
      next = s + data.length;
    }
    const buf = Buffer.concat(parts);
    let pos = 0;
    let frags: Buffer[] = [];
    while (pos + 4 <= buf.length) {
      const mark = buf.readUInt32BE(pos);
      const fragLen = mark & 0x7fffffff;
      if (pos + 4 + fragLen > buf.length) break;
      frags.push(buf.subarray(pos + 4, pos + 4 + fragLen));
      pos += 4 + fragLen;
      if (mark >>> 31) {
        const frame = frameAt.find((f) => f.end >= pos)!.frame;
        records.push({ frame, stream, rec: Buffer.concat(frags) });
        frags = [];
      }
    }
  }
  records.sort((a, b) => a.frame - b.frame);
  const calls = new Map<string, { prog: number; proc: number }>();
  const out: RpcBody[] = [];
  for (const { frame, stream, rec } of records) {
    const xid = rec.readUInt32BE(0);
    const key = `${stream}:${xid}`;
    let o = 8;
    if (rec.readUInt32BE(4) === CALL) {
      const prog = rec.readUInt32BE(12);
      const proc = rec.readUInt32BE(20);
      o = 24;
      for (let i = 0; i < 2; i++) o += 8 + ((rec.readUInt32BE(o + 4) + 3) & ~3); // cred, verf
      calls.set(key, { prog, proc });
      if (proc === 1) out.push({ frame, stream, xid, type: prog === NFS_PROGRAM ? 'COMPOUND4args' : 'CB_COMPOUND4args', body: rec.subarray(o) });
    } else {
      const call = calls.get(key);
      if (!call || call.proc !== 1 || rec.readUInt32BE(8) !== 0) continue; // MSG_ACCEPTED only
      o = 12;
      o += 8 + ((rec.readUInt32BE(o + 4) + 3) & ~3); // verf
      if (rec.readUInt32BE(o) !== 0) continue; // accept_stat SUCCESS only
      out.push({ frame, stream, xid, type: call.prog === NFS_PROGRAM ? 'COMPOUND4res' : 'CB_COMPOUND4res', body: rec.subarray(o + 4) });
    }
  }
  return out;
}

type Codec = { decode: (r: XdrReader) => unknown; encode: (w: XdrWriter, v: unknown) => void };
const codec = (name: string): Codec => {
  const mod = G as unknown as Record<string, unknown>;
  return { decode: mod[`decode_${name}`] as Codec['decode'], encode: mod[`encode_${name}`] as Codec['encode'] };
};
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bitsOf = (mask: number[]): number[] =>
  mask.flatMap((w, i) => Array.from({ length: 32 }, (_, b) => b).filter((b) => (w >>> b) & 1).map((b) => i * 32 + b));

describe('nfs4.x protocol numbers', () => {
  it('uses the RFC numbers and names', () => {
    expect(G.nfsstat4_names[10030]).toBe('NFS4ERR_RESTOREFH');
    expect(G.nfsstat4_names[10057]).toBe('NFS4ERR_BACK_CHAN_BUSY');
    expect(G.nfsstat4_names[10084]).toBe('NFS4ERR_DIRDELEG_UNAVAIL');
    expect(G.nfsstat4_names[10095]).toBe('NFS4ERR_NOXATTR');
    expect(G.nfsstat4_names[10096]).toBe('NFS4ERR_XATTR2BIG');
    expect(G.nfsstat4_names[19]).toBeUndefined();
    expect(G.nfsstat4_names[10073]).toBeUndefined();
    expect(G.nfs_opnum4_values['OP_GET_DIR_DELEGATION']).toBe(46);
    expect(G.nfs_opnum4_values['OP_GETDEVICEINFO']).toBe(47);
    expect([72, 73, 74, 75].map((n) => G.nfs_opnum4_names[n])).toEqual(['OP_GETXATTR', 'OP_SETXATTR', 'OP_LISTXATTRS', 'OP_REMOVEXATTR']);
    expect(G.nfs_opnum4_values['OP_ILLEGAL']).toBe(10044);
    expect(G.nfs_cb_opnum4_values['OP_CB_NOTIFY']).toBe(6);
    expect(G.nfs_cb_opnum4_values['OP_CB_OFFLOAD']).toBe(15);
    expect(G.nfs_cb_opnum4_values['OP_CB_ILLEGAL']).toBe(10044);
    expect(G.notify_type4_values['NOTIFY4_GFLAG_EXTEND']).toBe(6);
    expect(G.notify_type4_values['NOTIFY4_CHANGE_AMASK']).toBe(16);
    expect(G.open_delegation_type4_values['OPEN_DELEGATE_READ_ATTRS_DELEG']).toBe(4);
    expect(G.open_delegation_type4_values['OPEN_DELEGATE_WRITE_ATTRS_DELEG']).toBe(5);
    expect([G.FATTR4_MODE_UMASK, G.FATTR4_XATTR_SUPPORT, G.FATTR4_OFFLINE, G.FATTR4_TIME_DELEG_ACCESS, G.FATTR4_TIME_DELEG_MODIFY]).toEqual([81, 82, 83, 84, 85]);
    expect([G.NFS4_FHSIZE, G.NFS4_VERIFIER_SIZE, G.NFS4_OTHER_SIZE, G.NFS4_SESSIONID_SIZE, G.NFS4_OPAQUE_LIMIT]).toEqual([128, 8, 12, 16, 1024]);
    expect(G.NFS4_UINT64_MAX).toBe(0xffffffffffffffffn);
  });

  it('decodes the *_ATTRS_DELEG delegation types through the read/write arms', () => {
    const w = new XdrWriter();
    w.u32(5); // OPEN_DELEGATE_WRITE_ATTRS_DELEG
    w.u32(1); w.fixedOpaque(new Uint8Array(12), 12); // stateid
    w.bool(false); // recall
    w.u32(1); w.u64(4096); // NFS_LIMIT_SIZE filesize
    w.u32(0); w.u32(0); w.u32(0); w.u32(0); // nfsace4 with empty who
    const r = xdrDecode(G.decode_open_delegation4, w.finish());
    expect(r.ok && r.value).toMatchObject({ delegation_type: 'OPEN_DELEGATE_WRITE_ATTRS_DELEG', write: { recall: false, space_limit: { limitby: 'NFS_LIMIT_SIZE', filesize: 4096 } } });
  });
});

const captureFiles = readdirSync(CAPTURES).filter((f) => /\.pcap(ng)?$/.test(f) && !f.startsWith('zeek'));

describe.skipIf(!tsharkAvailable)('nfs4.x against real captures', () => {
  it.each(captureFiles)('%s: every COMPOUND body decodes exactly and re-encodes identically', (file) => {
    const bodies = compoundBodies(join(CAPTURES, file));
    expect(bodies.length).toBeGreaterThan(0);
    for (const b of bodies) {
      const { decode, encode } = codec(b.type);
      const r = xdrDecode(decode, b.body);
      if (!r.ok) throw new Error(`${file} frame ${b.frame} ${b.type}: ${r.reason} at ${r.offset}`);
      expect(r.end, `${file} frame ${b.frame}: consumed`).toBe(b.body.length);
      const w = new XdrWriter();
      encode(w, r.value);
      expect(hex(w.finish()), `${file} frame ${b.frame}: re-encoding`).toBe(hex(b.body));
    }
  });

  it('OPEN reply of the Linux 6.1 capture carries the read delegation tshark shows (frame 129)', () => {
    const body = compoundBodies(join(CAPTURES, 'linux-6.1-nfsd-v41-deleg-recall.pcap')).find((b) => b.frame === 129)!;
    const r = xdrDecode(G.decode_COMPOUND4res, body.body);
    if (!r.ok) throw new Error(r.reason);
    const open = r.value.resarray.find((op) => op.resop === 'OP_OPEN');
    expect(open).toMatchObject({
      resop: 'OP_OPEN',
      opopen: { status: 'NFS4_OK', resok4: { stateid: { seqid: 1 }, delegation: { delegation_type: 'OPEN_DELEGATE_READ', read: { recall: false } } } },
    });
    const deleg = (open as { opopen: { resok4: { delegation: { read: G.open_read_delegation4 } } } }).opopen.resok4.delegation.read;
    expect(hex(deleg.stateid.other)).toBe('ec8b096b8681eadd0f000000');
    expect(deleg.permissions.who).toBe('');
  });

  it('crafted dir-deleg capture: GET_DIR_DELEGATION and CB_NOTIFY values match the truth file', () => {
    const truth = JSON.parse(readFileSync(join(CAPTURES, 'crafted-dirdeleg-notify-1.truth.json'), 'utf8')) as {
      messages: Array<Record<string, any>>;
    };
    const bodies = compoundBodies(join(CAPTURES, 'crafted-dirdeleg-notify-1.pcap'));
    const notifyTypes: Record<number, string> = { 0: 'notify_attr4', 1: 'notify_attr4', 2: 'notify_remove4', 3: 'notify_add4', 4: 'notify_rename4', 5: 'notify_verifier4' };
    const entry = (e: G.notify_entry4, t: any) => { expect(e.ne_file).toBe(t.name.utf8); expect(e.ne_attrs.attrmask).toEqual(t.attrs.bitmap); };
    const add = (a: G.notify_add4, t: any) => {
      expect(a.nad_old_entry.length).toBe(t.old_entry.length);
      a.nad_old_entry.forEach((o, i) => { entry(o.nrm_old_entry, t.old_entry[i].old_entry); expect(o.nrm_old_entry_cookie).toBe(t.old_entry[i].old_entry_cookie); });
      entry(a.nad_new_entry, t.new_entry);
      expect(a.nad_new_entry_cookie).toEqual(t.new_entry_cookie);
      expect(a.nad_prev_entry.length).toBe(t.prev_entry.length);
      a.nad_prev_entry.forEach((p, i) => { entry(p.pe_prev_entry, t.prev_entry[i].entry); expect(p.pe_prev_entry_cookie).toBe(t.prev_entry[i].cookie); });
      expect(a.nad_last_entry).toBe(t.last_entry);
    };
    let gdd = 0;
    let notifies = 0;
    let values = 0;
    for (const b of bodies) {
      const xid = '0x' + b.xid.toString(16).padStart(8, '0');
      const isCall = b.type.endsWith('args');
      const tm = truth.messages.find((m) => m.xid === xid && (m.msg_type === 'CALL') === isCall);
      if (!tm) continue;
      const r = xdrDecode(codec(b.type).decode, b.body);
      if (!r.ok) throw new Error(r.reason);
      const v = r.value as { argarray?: Array<Record<string, any>>; resarray?: Array<Record<string, any>> };
      const ops = (v.argarray ?? v.resarray)!;
      expect(ops.map((o) => String(o.argop ?? o.resop).replace(/^OP_/, ''))).toEqual(tm.ops);
      const cbNotify: any[] = [...(tm.cb_notify ?? [])];
      for (const op of ops) {
        if (op.argop === 'OP_GET_DIR_DELEGATION') {
          const a = op.opget_dir_delegation as G.GET_DIR_DELEGATION4args;
          expect([a.gdda_signal_deleg_avail, a.gdda_notification_types, a.gdda_child_attributes, a.gdda_dir_attributes])
            .toEqual([tm.gdd_args.signal_deleg_avail, tm.gdd_args.notification_types, tm.gdd_args.child_attributes, tm.gdd_args.dir_attributes]);
          gdd++;
        }
        if (op.resop === 'OP_GET_DIR_DELEGATION') {
          const res = op.opget_dir_delegation as G.GET_DIR_DELEGATION4res;
          expect(res.gddr_status).toBe('NFS4_OK');
          const nf = (res as { gddr_res_non_fatal4: G.GET_DIR_DELEGATION4res_non_fatal }).gddr_res_non_fatal4;
          expect(nf.gddrnf_status).toBe(tm.gdd_result);
          if (nf.gddrnf_status === 'GDD4_OK') {
            const ok = nf.gddrnf_resok4;
            expect(hex(ok.gddr_cookieverf)).toBe(tm.cookieverf);
            expect({ seqid: ok.gddr_stateid.seqid, other: hex(ok.gddr_stateid.other) }).toEqual(tm.deleg_stateid);
            expect([ok.gddr_notification, ok.gddr_child_attributes, ok.gddr_dir_attributes]).toEqual([tm.notification, tm.child_attributes, tm.dir_attributes]);
          } else {
            expect(nf.gddrnf_will_signal_deleg_avail).toBe(tm.will_signal_deleg_avail);
          }
          gdd++;
        }
        if (op.argop === 'OP_CB_NOTIFY') {
          const n = op.opcbnotify as G.CB_NOTIFY4args;
          const t = cbNotify.shift();
          expect({ seqid: n.cna_stateid.seqid, other: hex(n.cna_stateid.other) }).toEqual(t.stateid);
          expect(hex(n.cna_fh)).toBe(t.fh);
          expect(n.cna_changes.length).toBe(t.changes.length);
          n.cna_changes.forEach((c, i) => {
            const tc = t.changes[i];
            expect(c.notify_mask).toEqual(tc.notify_mask);
            expect(c.notify_vals.length).toBe(tc.notify_vals_len);
            let pos = 0;
            bitsOf(c.notify_mask).filter((bit) => bit <= 5).forEach((bit, j) => {
              const rr = xdrDecode(codec(notifyTypes[bit]).decode, c.notify_vals, pos);
              if (!rr.ok) throw new Error(`notify bit ${bit}: ${rr.reason}`);
              pos = rr.end;
              const tv = tc.values[j];
              const val = rr.value as any;
              if (bit === 0 || bit === 1) entry(val.na_changed_entry, tv.changed_entry);
              if (bit === 2) { entry(val.nrm_old_entry, tv.old_entry); expect(val.nrm_old_entry_cookie).toBe(tv.old_entry_cookie); }
              if (bit === 3) add(val, tv);
              if (bit === 4) {
                entry(val.nrn_old_entry.nrm_old_entry, tv.old_entry.old_entry);
                expect(val.nrn_old_entry.nrm_old_entry_cookie).toBe(tv.old_entry.old_entry_cookie);
                add(val.nrn_new_entry, tv.new_entry);
              }
              values++;
            });
            expect(pos, 'notify_vals fully consumed').toBe(c.notify_vals.length);
          });
          notifies++;
        }
      }
    }
    expect(gdd).toBe(6);
    expect(notifies).toBe(12);
    expect(values).toBe(14);
  });
});
