import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc32, stateidHash } from '../nfs4/hash.js';
import { FIELDS, fieldValues, getField } from './registry.js';
import { fieldTexts, formatFieldValue } from './format.js';
import { lookupValueName, NFS_OPCODES, NFSSTAT4, NOTIFY_TYPES } from './enums.js';
import { WALKED_SPEC_KEYS } from './nfs-index.js';
import {
  DELEG_OTHER, DIR_FH, OPEN_OTHER, SESSION, cbNotifyCall, cbNotifyReply, delayReply, gddCall, gddReply,
  namesCall, openDelegReply, portmapCall,
} from './testdata/messages.js';
import type { FieldSource } from './types.js';

const v = (name: string, src: FieldSource) => fieldValues(name, src);
const texts = (name: string, src: FieldSource) => {
  const d = getField(name);
  if (!d) throw new Error(`no field ${name}`);
  return fieldTexts(d, src, 'fields');
};

describe('field registry', () => {
  it('has unique names, labels and types', () => {
    const names = FIELDS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const f of FIELDS) {
      expect(f.label.length).toBeGreaterThan(0);
      if (f.type === 'enum') expect(f.values && f.values.size > 0).toBe(true);
    }
    expect(getField('nfs.nope')).toBeUndefined();
  });

  it('the README lists every field', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const listed = new Set(readme.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| field'))
      .flatMap((l) => l.split('|')[1].split(',').map((x) => x.trim())));
    expect(FIELDS.map((f) => f.name).filter((n) => !listed.has(n))).toEqual([]);
    expect([...listed].filter((n) => n !== '---' && getField(n) === undefined)).toEqual([]);
  });

  it('every spec key the walker knows is declared in nfs4.x (no silent drift)', () => {
    const spec = readFileSync(new URL('../xdr/nfs4.x', import.meta.url), 'utf8');
    const missing = WALKED_SPEC_KEYS.filter((k) => !new RegExp(`\\b${k}\\s*(<[^>]*>|\\[[^\\]]*\\])?\\s*;`).test(spec) && !spec.includes(`fattr4_${k};`)
      && !new RegExp(`switch\\s*\\(\\s*\\w+\\s+${k}\\s*\\)`).test(spec));
    expect(missing).toEqual([]);
  });

  it('names enum values like the RFCs', () => {
    expect(NFS_OPCODES.get(46)).toBe('GET_DIR_DELEGATION');
    expect(NFSSTAT4.get(10008)).toBe('NFS4ERR_DELAY');
    expect(NFSSTAT4.get(10057)).toBe('NFS4ERR_BACK_CHAN_BUSY');
    expect(NFSSTAT4.has(19)).toBe(false);
    expect(lookupValueName(NFS_OPCODES, 'OP_SEQUENCE')).toBe(53);
    expect(lookupValueName(NFS_OPCODES, 'get_dir_delegation')).toBe(46);
    expect(lookupValueName(NOTIFY_TYPES, 'ADD_ENTRY')).toBe(3);
    expect(lookupValueName(NFSSTAT4, 'NFS4ERR_NOPE')).toBeUndefined();
  });
});

describe('frame, address and RPC fields', () => {
  it('extracts the network and RPC header of a call', () => {
    const s = namesCall();
    expect(v('frame.number', s)).toEqual([30]);
    expect(v('ip.src', s)).toEqual(['10.0.0.5']);
    expect(v('ip.addr', s)).toEqual(['10.0.0.5', '10.0.0.1']);
    expect(v('ipv6.addr', s)).toEqual([]);
    expect(v('tcp.port', s)).toEqual([812, 2049]);
    expect(v('udp.port', s)).toEqual([]);
    expect(v('rpc.xid', s)).toEqual([0x1000]);
    expect(texts('rpc.xid', s)).toEqual(['0x00001000']);
    expect(v('rpc.msgtyp', s)).toEqual([0]);
    expect(v('rpc.program', s)).toEqual([100003]);
    expect(v('rpc.auth.flavor', s)).toEqual([1, 0]);
    expect(v('rpc.auth.uid', s)).toEqual([1000]);
    expect(v('rpc.auth.gid', s)).toEqual([1000, 3, 17]);
    expect(v('rpc.auth.machinename', s)).toEqual(['vm']);
    expect(v('rpc.replystat', s)).toEqual([]);
    expect(v('rpc.reqframe', s)).toEqual([]);
    expect(v('rpc.reqframe', { ...s, replyFrame: 31 })).toEqual([31]);
  });

  it('extracts reply facts the way tshark 4.0 names them', () => {
    const s = delayReply();
    expect(v('rpc.msgtyp', s)).toEqual([1]);
    expect(v('rpc.repframe', s)).toEqual([30]);
    expect(v('rpc.time', s)).toEqual([0.01]);
    expect(texts('rpc.time', s)).toEqual(['0.010000000']);
    expect(v('rpc.replystat', s)).toEqual([0]);
    expect(v('rpc.state_accept', s)).toEqual([0]);
    expect(v('rpc.auth.flavor', s)).toEqual([0]);
    expect(v('rpc.program', s)).toEqual([100003]);
  });

  it('handles IPv6 endpoints and messages without an NFS body', () => {
    const s = portmapCall();
    expect(v('ip.src', s)).toEqual([]);
    expect(v('ipv6.src', s)).toEqual(['fe80::1']);
    expect(v('nfs.opcode', s)).toEqual([]);
    expect(v('rpc.auth.uid', s)).toEqual([]);
  });

  it('prints frame.time_epoch exactly', () => {
    const s = { ...namesCall(), sec: 1795786427, nsec: 661012345 };
    expect(texts('frame.time_epoch', s)).toEqual(['1795786427.661012345']);
  });
});

describe('NFSv4 fields from decoded compounds', () => {
  it('opcodes, sessions, slots and sequence ids of a call', () => {
    const s = gddCall();
    expect(v('nfs.opcode', s)).toEqual([53, 22, 46]);
    expect(v('nfs.cb.operation', s)).toEqual([]);
    expect(v('nfs.session_id4', s)).toEqual([SESSION]);
    expect(texts('nfs.session_id4', s)).toEqual(['30303030303030323030303030303031']);
    expect(v('nfs.seqid', s)).toEqual([7]);
    expect(texts('nfs.seqid', s)).toEqual(['0x00000007']);
    expect(v('nfs.slotid', s)).toEqual([0]);
    expect(v('nfs.cachethis4', s)).toEqual([false]);
    expect(v('nfs.tag', s)).toEqual(['gdd']);
    expect(v('nfs.minorversion', s)).toEqual([1]);
    expect(v('nfs.ops.count', s)).toEqual([3]);
    expect(v('nfs.fhandle', s)).toEqual([DIR_FH]);
    expect(v('nfs.fh.hash', s)).toEqual([crc32(DIR_FH)]);
    expect(v('nfs.gdd.notification_types', s)).toEqual([2, 3, 4, 6]);
    expect(v('nfs.gdd.signal_deleg_avail', s)).toEqual([false]);
    expect(v('nfs.nfsstat4', s)).toEqual([]);
  });

  it('statuses: compound status first, then each op (as tshark)', () => {
    expect(v('nfs.nfsstat4', gddReply())).toEqual([0, 0, 0, 0]);
    expect(v('nfs.nfsstat4', delayReply())).toEqual([10008, 0, 0, 0, 10008]);
    expect(v('nfs.status', delayReply())).toEqual([10008]);
    expect(v('nfs.minorversion', gddReply())).toEqual([]);
  });

  it('GET_DIR_DELEGATION result: gdd status, granted types, delegation stateid', () => {
    const s = gddReply();
    expect(v('nfs.gdd.status', s)).toEqual([0]);
    expect(v('nfs.gdd.notification', s)).toEqual([2, 3]);
    expect(v('nfs.stateid.seqid', s)).toEqual([1]);
    expect(v('nfs.stateid.other', s)).toEqual([DELEG_OTHER]);
    expect(v('nfs.stateid.other_hash', s)).toEqual([crc32(DELEG_OTHER)]);
    expect(v('nfs.stateid.hash', s)).toEqual([stateidHash({ seqid: 1, other: DELEG_OTHER })]);
    expect(texts('nfs.stateid', s)).toEqual(['00000001000000020000000000000002']);
    expect(v('nfs.deleg.stateid.other', s)).toEqual([DELEG_OTHER]);
    expect(v('nfs.high_slotid', s)).toEqual([9]);
    expect(v('nfs.target_high_slotid', s)).toEqual([9]);
    expect(v('nfs.sequence.flags', s)).toEqual([0]);
  });

  it('CB_NOTIFY: types, names, cookies, deleg stateid, callback fields', () => {
    const s = cbNotifyCall();
    expect(v('nfs.cb.operation', s)).toEqual([11, 6]);
    expect(v('nfs.opcode', s)).toEqual([]);
    expect(v('nfs.ops.count', s)).toEqual([]);
    expect(v('nfs.notify.type', s)).toEqual([3, 2]);
    expect(v('nfs.notify.name', s)).toEqual(['x', 'y']);
    expect(v('nfs.notify.cookie', s)).toEqual([7, 0]);
    expect(v('nfs.notify.last_entry', s)).toEqual([true]);
    expect(v('nfs.deleg.stateid.other_hash', s)).toEqual([crc32(DELEG_OTHER)]);
    expect(v('nfs.fhandle', s)).toEqual([DIR_FH]);
    expect(v('nfs.seqid', s)).toEqual([1]);
    expect(v('nfs.callback.ident', s)).toEqual([0]);
    expect(texts('nfs.callback.ident', s)).toEqual(['0x00000000']);
    expect(v('nfs.pathname.component', s)).toEqual([]);
    expect(v('nfs.cb.operation', cbNotifyReply())).toEqual([11, 6]);
    expect(v('nfs.nfsstat4', cbNotifyReply())).toEqual([0, 0, 0]);
  });

  it('names of LOOKUP, OPEN, CREATE, REMOVE, RENAME in wire order; claim type; clientid', () => {
    const s = namesCall();
    expect(v('nfs.pathname.component', s)).toEqual(['dir', 'a.txt', 'sub', 'old\x1b[31m', 'from', 'to']);
    expect(texts('nfs.pathname.component', s)[3]).toBe('old\\x1b[31m');
    expect(v('nfs.open.claim_type', s)).toEqual([0]);
    expect(v('nfs.clientid', s)).toEqual([2]);
    expect(texts('nfs.clientid', s)).toEqual(['0x0000000000000002']);
    expect(v('nfs.seqid', s)).toEqual([8, 0]);
  });

  it('OPEN delegation grant: both stateids, only the delegation one as nfs.deleg.stateid', () => {
    const s = openDelegReply();
    expect(v('nfs.stateid.other', s)).toEqual([OPEN_OTHER, DELEG_OTHER]);
    expect(v('nfs.deleg.stateid.other', s)).toEqual([DELEG_OTHER]);
    expect(v('nfs.open.delegation_type', s)).toEqual([1]);
    expect(v('nfs.recall4', s)).toEqual([false]);
    expect(v('nfs.fhandle', s)).toEqual([DIR_FH]);
  });

  it('SEQUENCE status flags and the revoked-state bit', () => {
    const s = delayReply();
    expect(texts('nfs.sequence.flags', s)).toEqual(['0x00000040']);
    expect(v('nfs.sequence.flags.recallable_state_revoked', s)).toEqual([true]);
  });

  it('walks long READDIR entry chains without recursion', () => {
    type Entry = { cookie: number; name: string; attrs: unknown; nextentry: Entry | null };
    let head: Entry | null = null;
    for (let i = 49_999; i >= 0; i--) head = { cookie: i, name: `f${i}`, attrs: {}, nextentry: head };
    const s = { ...gddReply() };
    s.nfs = {
      program: 'NFS', type: 'reply', procedure: 1, procName: 'COMPOUND', status: 'NFS4_OK',
      ops: [{ opnum: 26, op: 'READDIR', status: 'NFS4_OK', offset: 0, length: 0, res: { status: 'NFS4_OK', resok4: { cookieverf: new Uint8Array(8), reply: { entries: head, eof: true } } } }],
    };
    const names = v('nfs.name', s);
    expect(names.length).toBe(50_000);
    expect(names[0]).toBe('f0');
    expect(names[49_999]).toBe('f49999');
    expect(v('nfs.pathname.component', s)).toEqual([]);
  });

  it('formats values for people and for -T fields', () => {
    const op = getField('nfs.opcode')!;
    expect(formatFieldValue(op, 46, 'display')).toBe('GET_DIR_DELEGATION (46)');
    expect(formatFieldValue(op, 46, 'fields')).toBe('46');
    const b = getField('nfs.truncate')!;
    expect(formatFieldValue(b, true, 'fields')).toBe('1');
    expect(formatFieldValue(b, false, 'display')).toBe('False');
    const cid = getField('nfs.clientid')!;
    expect(formatFieldValue(cid, 1n << 63n, 'fields')).toBe('0x8000000000000000');
  });
});
