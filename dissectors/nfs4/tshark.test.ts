/**
 * The NFSv4 dissector against tshark 4.0 on every bundled capture: per frame, the op
 * numbers of calls and replies (nfs.opcode, nfs.cb.operation), the statuses of replies
 * (nfs.nfsstat4: compound status then each op's) and the filehandles (nfs.fhandle).
 * tshark 4.0 cannot decode past GET_DIR_DELEGATION / CB_NOTIFY bodies, so the comparison
 * of a compound stops at those ops.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tsharkAvailable, tsharkFields } from '../../test/helpers/tshark.js';
import { opSpans } from './compound.js';
import { bytesToHex } from './hash.js';
import { nfsStatName } from './names.js';
import type { NfsCompound, NfsOp, Span } from './types.js';
import { decodeRecord } from './testdata/decode.js';
import { extractRecords } from './testdata/records.js';

const CAPTURES = readdirSync('captures').filter((f) => f.endsWith('.pcap')).sort();

/**
 * Ops tshark 4.0 does not decode fully (it then mis-parses what follows): the bodies of
 * GET_DIR_DELEGATION and CB_NOTIFY, and OPEN's CLAIM_DELEG_CUR_FH stateid.
 */
function tsharkBlind(o: NfsOp): boolean {
  if (o.op === 'GET_DIR_DELEGATION' || o.op === 'CB_NOTIFY') return true;
  const claim = (o.args as { claim?: { claim?: string } } | undefined)?.claim?.claim;
  return o.op === 'OPEN' && claim === 'CLAIM_DELEG_CUR_FH';
}

interface FrameView { xids: string[]; nfsOps: number[]; cbOps: number[]; stats: string[]; fhs: Set<string>; blind: boolean }

function collectFhs(spans: Span[] | undefined, record: Uint8Array, out: Set<string>): void {
  if (spans === undefined) return;
  for (const s of spans) {
    // nfs_fh4 is opaque<128>: skip the length word.
    if (s.type === 'nfs_fh4' || s.type === 'fattr4_filehandle') out.add(bytesToHex(record.subarray(s.offset + 4, s.offset + s.length)).replace(/(00)*$/, ''));
    collectFhs(s.children, record, out);
  }
}

/** rdattr_error values inside an op's attributes (tshark lists them as nfs.nfsstat4 too). */
function collectRdattrErrors(spans: Span[] | undefined, record: Uint8Array, out: string[]): void {
  if (spans === undefined) return;
  for (const s of spans) {
    if (s.type === 'fattr4_rdattr_error') {
      out.push(nfsStatName(((record[s.offset] << 24) | (record[s.offset + 1] << 16) | (record[s.offset + 2] << 8) | record[s.offset + 3]) >>> 0));
    }
    collectRdattrErrors(s.children, record, out);
  }
}

function ours(file: string): Map<number, FrameView> {
  const frames = new Map<number, FrameView>();
  for (const rec of extractRecords(`captures/${file}`)) {
    const c: NfsCompound | undefined = decodeRecord(rec, { trace: true });
    if (c === undefined) continue;
    let v = frames.get(rec.frame);
    if (v === undefined) {
      v = { xids: [], nfsOps: [], cbOps: [], stats: [], fhs: new Set(), blind: false };
      frames.set(rec.frame, v);
    }
    v.xids.push('0x' + rec.xid.toString(16).padStart(8, '0'));
    if (c.procedure !== 1) continue;
    const list = c.program === 'NFS' ? v.nfsOps : v.cbOps;
    if (c.type === 'reply') v.stats.push(c.status!);
    for (const o of c.ops) {
      list.push(o.opnum);
      if (c.type === 'reply') {
        v.stats.push(o.status!);
        collectRdattrErrors(opSpans(o), rec.bytes, v.stats);
      }
      collectFhs(opSpans(o), rec.bytes, v.fhs);
      if (tsharkBlind(o)) { v.blind = true; break; }
    }
  }
  return frames;
}

describe.skipIf(!tsharkAvailable)('NFSv4 decoding equals tshark 4.0 where tshark decodes', () => {
  it.each(CAPTURES)('%s', (file) => {
    const mine = ours(file);
    const rows = tsharkFields(`captures/${file}`, ['frame.number', 'rpc.xid', 'nfs.opcode', 'nfs.cb.operation', 'nfs.nfsstat4', 'nfs.fhandle'], ['-Y', 'nfs']);
    let compared = 0;
    let framingDiffers = 0;
    for (const [[frameStr], xids, opcodes, cbops, stats, fhs] of rows) {
      const frame = Number(frameStr);
      const v = mine.get(frame);
      // Record framing is the RPC layer's job (and tshark 4.0 loses records whose marker is
      // split across segments): compare only frames where both see the same records.
      if (v === undefined || v.xids.join() !== xids.join()) {
        framingDiffers++;
        continue;
      }
      if (v!.blind) {
        // tshark stops being right after the blind op: compare the prefix only.
        expect(opcodes.map(Number).slice(0, v!.nfsOps.length), `frame ${frame}`).toEqual(v!.nfsOps);
        expect(cbops.map(Number).slice(0, v!.cbOps.length), `frame ${frame}`).toEqual(v!.cbOps);
        continue;
      }
      expect(opcodes.map(Number), `frame ${frame} ops`).toEqual(v!.nfsOps);
      expect(cbops.map(Number), `frame ${frame} cb ops`).toEqual(v!.cbOps);
      expect(stats.map((s) => nfsStatName(Number(s))), `frame ${frame} statuses`).toEqual(v!.stats);
      expect(new Set(fhs.map((h) => h.replace(/(00)*$/, ''))), `frame ${frame} filehandles`).toEqual(v!.fhs);
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
    expect(framingDiffers).toBeLessThanOrEqual(file.startsWith('synth-framing') ? 10 : 0);
  });
});

describe('where tshark 4.0 is wrong', () => {
  it('OPEN CLAIM_DELEG_CUR_FH carries the delegation stateid, and GETATTR follows (tshark: op "1")', () => {
    const rec = extractRecords('captures/linux-6.1-nfsd-v41-deleg-recall.pcap').find((r) => r.frame === 197)!;
    const c = decodeRecord(rec)!;
    expect(c.ops.map((o) => o.op)).toEqual(['SEQUENCE', 'PUTFH', 'OPEN', 'GETATTR']);
    const claim = (c.ops[2].args as { claim: { claim: string; oc_delegate_stateid: { seqid: number; other: Uint8Array } } }).claim;
    expect(claim.claim).toBe('CLAIM_DELEG_CUR_FH');
    expect(claim.oc_delegate_stateid.seqid).toBe(1);
    expect(bytesToHex(claim.oc_delegate_stateid.other)).toBe('ec8b096b8681eadd18000000');
    // The 28 bytes tshark shows as "Data": stateid, then GETATTR of type and fileid.
    expect(c.ops[3].args).toEqual({ attr_request: [0x00100002] });
    expect(c.ops[3].offset + c.ops[3].length).toBe(rec.bytes.length);
  });
});
