/**
 * Builders for NFSv4.1 operation arguments and results as generated-codec values (spec
 * field names, enum names, Uint8Array opaques), so scenarios read like the protocol.
 */
import type { FattrAttrs, NotifyValue } from '../../dissectors/nfs4/hooks.js';
import {
  nfs_cb_resop4_arms,
  nfs_resop4_arms,
  type change_info4,
  type fattr4,
  type nfs_argop4,
  type nfs_cb_argop4,
  type nfs_cb_resop4,
  type nfs_resop4,
  type nfsstat4,
  type notify4,
  type notify_add4,
  type notify_entry4,
  type notify_remove4,
  type stateid4,
} from '../../dissectors/xdr/generated/nfs4.js';

export type Stateid = stateid4;
export type ArgOp = nfs_argop4;
export type ResOp = nfs_resop4;

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** `n` bytes filled from a seed (deterministic, distinct per seed). */
export function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A Linux-knfsd-like filehandle (28 bytes) naming object `fileid`. */
export function fileHandle(fileid: number): Uint8Array {
  const fh = new Uint8Array(28);
  const dv = new DataView(fh.buffer);
  dv.setUint32(0, 0x01000601);
  dv.setUint32(4, 0x8d3e2a10);
  dv.setUint32(8, 0x00000000);
  dv.setUint32(12, 0x5f1c0b77);
  dv.setUint32(16, fileid);
  dv.setUint32(20, 0x2c000000 ^ fileid);
  dv.setUint32(24, 0xa17e0000 + (fileid & 0xffff));
  return fh;
}

/** bitmap4 words with the given bit numbers set. */
export function bitmap(...bits: number[]): number[] {
  const words: number[] = [];
  for (const b of bits) {
    const w = b >>> 5;
    while (words.length <= w) words.push(0);
    words[w] = (words[w] | (1 << (b & 31))) >>> 0;
  }
  return words;
}

export const NOTIFY = {
  CHANGE_CHILD_ATTRS: 0,
  CHANGE_DIR_ATTRS: 1,
  REMOVE_ENTRY: 2,
  ADD_ENTRY: 3,
  RENAME_ENTRY: 4,
  CHANGE_COOKIE_VERIFIER: 5,
  GFLAG_EXTEND: 6,
} as const;

export const NOTIFY_NAMES = [
  'NOTIFY4_CHANGE_CHILD_ATTRS',
  'NOTIFY4_CHANGE_DIR_ATTRS',
  'NOTIFY4_REMOVE_ENTRY',
  'NOTIFY4_ADD_ENTRY',
  'NOTIFY4_RENAME_ENTRY',
  'NOTIFY4_CHANGE_COOKIE_VERIFIER',
  'NOTIFY4_GFLAG_EXTEND',
];

export const ATTR = {
  type: 1,
  change: 3,
  size: 4,
  fileid: 20,
  mode: 33,
  numlinks: 35,
  time_metadata: 52,
  time_modify: 53,
} as const;

/** fattr4 from decoded attribute values (the fattr4 hook encodes attr_vals). */
export function fattr(attrs: FattrAttrs = {}): fattr4 {
  return { attrmask: [], attr_vals: new Uint8Array(0), attrs };
}

export interface FileAttrs {
  type?: 'NF4REG' | 'NF4DIR' | 'NF4LNK';
  size?: number;
  fileid: number;
  mode?: number;
  mtime: number;
}

/** The child attributes a server puts in notify entries: type, size, fileid, mode, time_modify. */
export function childAttrs(a: FileAttrs): fattr4 {
  return fattr({
    type: a.type ?? 'NF4REG',
    size: a.size ?? 0,
    fileid: a.fileid,
    mode: a.mode ?? 0o644,
    time_modify: { seconds: a.mtime, nseconds: 0 },
  });
}

export function changeInfo(before: number, after = before + 1): change_info4 {
  return { atomic: true, before, after };
}

// ------------------------------------------------------------------------- arguments

export function sequence(sessionid: Uint8Array, seqid: number, slot: number, highest: number): nfs_argop4 {
  return { argop: 'OP_SEQUENCE', opsequence: { sa_sessionid: sessionid, sa_sequenceid: seqid, sa_slotid: slot, sa_highest_slotid: highest, sa_cachethis: false } };
}

export function exchangeId(owner: Uint8Array, verifier: Uint8Array): nfs_argop4 {
  return {
    argop: 'OP_EXCHANGE_ID',
    opexchange_id: {
      eia_clientowner: { co_verifier: verifier, co_ownerid: owner },
      eia_flags: 0x00000101, // EXCHGID4_FLAG_SUPP_MOVED_REFER | EXCHGID4_FLAG_BIND_PRINC_STATEID
      eia_state_protect: { spa_how: 'SP4_NONE' },
      eia_client_impl_id: [{ nii_domain: 'kernel.org', nii_name: 'Linux 6.19.0 #1 SMP x86_64', nii_date: { seconds: 0, nseconds: 0 } }],
    },
  };
}

const CHANNEL = {
  ca_headerpadsize: 0,
  ca_maxrequestsize: 1049620,
  ca_maxresponsesize: 1049480,
  ca_maxresponsesize_cached: 7584,
  ca_maxoperations: 16,
  ca_maxrequests: 64,
  ca_rdma_ird: [] as number[],
};
const BACK_CHANNEL = { ...CHANNEL, ca_maxrequestsize: 4096, ca_maxresponsesize: 4096, ca_maxresponsesize_cached: 0, ca_maxoperations: 2, ca_maxrequests: 16 };

export function createSession(clientid: bigint, seq: number, flags: number, cbProgram: number): nfs_argop4 {
  return {
    argop: 'OP_CREATE_SESSION',
    opcreate_session: {
      csa_clientid: clientid,
      csa_sequence: seq,
      csa_flags: flags,
      csa_fore_chan_attrs: CHANNEL,
      csa_back_chan_attrs: BACK_CHANNEL,
      csa_cb_program: cbProgram,
      csa_sec_parms: [{ cb_secflavor: 0 }],
    },
  };
}

export const reclaimComplete = (): nfs_argop4 => ({ argop: 'OP_RECLAIM_COMPLETE', opreclaim_complete: { rca_one_fs: false } });
export const putfh = (fh: Uint8Array): nfs_argop4 => ({ argop: 'OP_PUTFH', opputfh: { object: fh } });
export const putrootfh = (): nfs_argop4 => ({ argop: 'OP_PUTROOTFH' });
export const lookup = (name: string): nfs_argop4 => ({ argop: 'OP_LOOKUP', oplookup: { objname: name } });
export const getfh = (): nfs_argop4 => ({ argop: 'OP_GETFH' });
export const savefh = (): nfs_argop4 => ({ argop: 'OP_SAVEFH' });
export const restorefh = (): nfs_argop4 => ({ argop: 'OP_RESTOREFH' });
export const getattr = (...bits: number[]): nfs_argop4 => ({ argop: 'OP_GETATTR', opgetattr: { attr_request: bitmap(...bits) } });
export const remove = (name: string): nfs_argop4 => ({ argop: 'OP_REMOVE', opremove: { target: name } });
export const rename = (oldname: string, newname: string): nfs_argop4 => ({ argop: 'OP_RENAME', oprename: { oldname, newname } });
export const link = (newname: string): nfs_argop4 => ({ argop: 'OP_LINK', oplink: { newname } });
export const delegreturn = (sid: Stateid): nfs_argop4 => ({ argop: 'OP_DELEGRETURN', opdelegreturn: { deleg_stateid: sid } });
export const setattr = (sid: Stateid, attrs: FattrAttrs): nfs_argop4 => ({ argop: 'OP_SETATTR', opsetattr: { stateid: sid, obj_attributes: fattr(attrs) } });
export const read = (sid: Stateid, offset: number, count: number): nfs_argop4 => ({ argop: 'OP_READ', opread: { stateid: sid, offset, count } });
export const write = (sid: Stateid, offset: number, data: Uint8Array): nfs_argop4 => ({ argop: 'OP_WRITE', opwrite: { stateid: sid, offset, stable: 'UNSTABLE4', data } });
export const close = (sid: Stateid): nfs_argop4 => ({ argop: 'OP_CLOSE', opclose: { seqid: 0, open_stateid: sid } });
export const readdir = (cookie: number, verf: Uint8Array, ...bits: number[]): nfs_argop4 => ({
  argop: 'OP_READDIR',
  opreaddir: { cookie, cookieverf: verf, dircount: 8192, maxcount: 32768, attr_request: bitmap(...bits) },
});
export const mkdir = (name: string, mode = 0o755): nfs_argop4 => ({
  argop: 'OP_CREATE',
  opcreate: { objtype: { type: 'NF4DIR' }, objname: name, createattrs: fattr({ mode }) },
});

export const ANONYMOUS_STATEID: Stateid = { seqid: 0, other: new Uint8Array(12) };

export interface GddRequest {
  notify: number[];
  childAttrs?: number[];
  dirAttrs?: number[];
  signal?: boolean;
}

export function getDirDelegation(r: GddRequest): nfs_argop4 {
  return {
    argop: 'OP_GET_DIR_DELEGATION',
    opget_dir_delegation: {
      gdda_signal_deleg_avail: r.signal ?? false,
      gdda_notification_types: bitmap(...r.notify),
      gdda_child_attr_delay: { seconds: 0, nseconds: 0 },
      gdda_dir_attr_delay: { seconds: 0, nseconds: 0 },
      gdda_child_attributes: bitmap(...(r.childAttrs ?? [])),
      gdda_dir_attributes: bitmap(...(r.dirAttrs ?? [])),
    },
  };
}

export interface OpenRequest {
  clientid: bigint;
  owner: string;
  name: string;
  access: 'read' | 'write' | 'both';
  create?: boolean;
  /** OPEN4_SHARE_ACCESS_WANT_* bits to add (e.g. 0x100 WANT_READ_DELEG). */
  want?: number;
  mode?: number;
}

export function open(r: OpenRequest): nfs_argop4 {
  const access = (r.access === 'read' ? 1 : r.access === 'write' ? 2 : 3) | (r.want ?? 0);
  return {
    argop: 'OP_OPEN',
    opopen: {
      seqid: 0,
      share_access: access,
      share_deny: 0,
      owner: { clientid: r.clientid, owner: new TextEncoder().encode(r.owner) },
      openhow: r.create ? { opentype: 'OPEN4_CREATE', how: { mode: 'UNCHECKED4', createattrs: fattr({ mode: r.mode ?? 0o644 }) } } : { opentype: 'OPEN4_NOCREATE' },
      claim: { claim: 'CLAIM_NULL', file: r.name },
    },
  };
}

// --------------------------------------------------------------------------- results

/** Status member names of result types that do not call it `status`. */
const STATUS_KEY: Record<string, string> = {
  OP_SEQUENCE: 'sr_status',
  OP_EXCHANGE_ID: 'eir_status',
  OP_CREATE_SESSION: 'csr_status',
  OP_RECLAIM_COMPLETE: 'rcr_status',
  OP_GET_DIR_DELEGATION: 'gddr_status',
  OP_DESTROY_SESSION: 'dsr_status',
  OP_DESTROY_CLIENTID: 'dcr_status',
  OP_FREE_STATEID: 'fsr_status',
  OP_TEST_STATEID: 'tsr_status',
  OP_WANT_DELEGATION: 'wdr_status',
  OP_CB_SEQUENCE: 'csr_status',
  OP_CB_NOTIFY: 'cnr_status',
  OP_CB_RECALL_ANY: 'crar_status',
};

/** A status-only result (OK of a void-result op, or any error). */
export function status(resop: nfs_resop4['resop'], st: nfsstat4): nfs_resop4 {
  const arm = nfs_resop4_arms[resop];
  if (!arm) throw new Error(`no result arm for ${resop}`);
  const body: Record<string, unknown> = { [STATUS_KEY[resop] ?? 'status']: st };
  if (resop === 'OP_SETATTR') body.attrsset = [];
  return { resop, [arm]: body } as unknown as nfs_resop4;
}

export const ok = (resop: nfs_resop4['resop']): nfs_resop4 => status(resop, 'NFS4_OK');
export const err = status;

export function sequenceRes(sessionid: Uint8Array, seqid: number, slot: number, highest: number, flags = 0): nfs_resop4 {
  return {
    resop: 'OP_SEQUENCE',
    opsequence: {
      sr_status: 'NFS4_OK',
      sr_resok4: { sr_sessionid: sessionid, sr_sequenceid: seqid, sr_slotid: slot, sr_highest_slotid: Math.max(highest, 63), sr_target_highest_slotid: Math.max(highest, 63), sr_status_flags: flags },
    },
  };
}

export function exchangeIdRes(clientid: bigint, seq: number): nfs_resop4 {
  return {
    resop: 'OP_EXCHANGE_ID',
    opexchange_id: {
      eir_status: 'NFS4_OK',
      eir_resok4: {
        eir_clientid: clientid,
        eir_sequenceid: seq,
        eir_flags: 0x00010001, // EXCHGID4_FLAG_USE_NON_PNFS | EXCHGID4_FLAG_SUPP_MOVED_REFER
        eir_state_protect: { spr_how: 'SP4_NONE' },
        eir_server_owner: { so_minor_id: 0, so_major_id: new TextEncoder().encode('nfs-synth-server') },
        eir_server_scope: new TextEncoder().encode('nfs-synth-server'),
        eir_server_impl_id: [],
      },
    },
  };
}

export function createSessionRes(sessionid: Uint8Array, seq: number, flags: number): nfs_resop4 {
  return {
    resop: 'OP_CREATE_SESSION',
    opcreate_session: {
      csr_status: 'NFS4_OK',
      csr_resok4: { csr_sessionid: sessionid, csr_sequence: seq, csr_flags: flags, csr_fore_chan_attrs: CHANNEL, csr_back_chan_attrs: BACK_CHANNEL },
    },
  };
}

export const getfhRes = (fh: Uint8Array): nfs_resop4 => ({ resop: 'OP_GETFH', opgetfh: { status: 'NFS4_OK', resok4: { object: fh } } });
export const getattrRes = (attrs: FattrAttrs): nfs_resop4 => ({ resop: 'OP_GETATTR', opgetattr: { status: 'NFS4_OK', resok4: { obj_attributes: fattr(attrs) } } });
export const removeRes = (ci: change_info4): nfs_resop4 => ({ resop: 'OP_REMOVE', opremove: { status: 'NFS4_OK', resok4: { cinfo: ci } } });
export const renameRes = (src: change_info4, dst: change_info4 = src): nfs_resop4 => ({ resop: 'OP_RENAME', oprename: { status: 'NFS4_OK', resok4: { source_cinfo: src, target_cinfo: dst } } });
export const linkRes = (ci: change_info4): nfs_resop4 => ({ resop: 'OP_LINK', oplink: { status: 'NFS4_OK', resok4: { cinfo: ci } } });
export const setattrRes = (...bits: number[]): nfs_resop4 => ({ resop: 'OP_SETATTR', opsetattr: { status: 'NFS4_OK', attrsset: bitmap(...bits) } });
export const readRes = (data: Uint8Array, eof: boolean): nfs_resop4 => ({ resop: 'OP_READ', opread: { status: 'NFS4_OK', resok4: { eof, data } } });
export const writeRes = (count: number, verf: Uint8Array): nfs_resop4 => ({ resop: 'OP_WRITE', opwrite: { status: 'NFS4_OK', resok4: { count, committed: 'UNSTABLE4', writeverf: verf } } });
export const closeRes = (sid: Stateid): nfs_resop4 => ({ resop: 'OP_CLOSE', opclose: { status: 'NFS4_OK', open_stateid: sid } });
export const mkdirRes = (ci: change_info4): nfs_resop4 => ({ resop: 'OP_CREATE', opcreate: { status: 'NFS4_OK', resok4: { cinfo: ci, attrset: bitmap(ATTR.mode) } } });

export interface DirEntry {
  cookie: number;
  name: string;
  attrs: FattrAttrs;
}

export function readdirRes(verf: Uint8Array, entries: DirEntry[], eof: boolean): nfs_resop4 {
  let list: import('../../dissectors/xdr/generated/nfs4.js').entry4 | null = null;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    list = { cookie: e.cookie, name: e.name, attrs: fattr(e.attrs), nextentry: list };
  }
  return { resop: 'OP_READDIR', opreaddir: { status: 'NFS4_OK', resok4: { cookieverf: verf, reply: { entries: list, eof } } } };
}

export interface GddGrant {
  cookieverf: Uint8Array;
  stateid: Stateid;
  notify: number[];
  childAttrs?: number[];
  dirAttrs?: number[];
}

export function gddOk(g: GddGrant): nfs_resop4 {
  return {
    resop: 'OP_GET_DIR_DELEGATION',
    opget_dir_delegation: {
      gddr_status: 'NFS4_OK',
      gddr_res_non_fatal4: {
        gddrnf_status: 'GDD4_OK',
        gddrnf_resok4: {
          gddr_cookieverf: g.cookieverf,
          gddr_stateid: g.stateid,
          gddr_notification: bitmap(...g.notify),
          gddr_child_attributes: bitmap(...(g.childAttrs ?? [])),
          gddr_dir_attributes: bitmap(...(g.dirAttrs ?? [])),
        },
      },
    },
  };
}

export function gddUnavail(willSignal = false): nfs_resop4 {
  return {
    resop: 'OP_GET_DIR_DELEGATION',
    opget_dir_delegation: { gddr_status: 'NFS4_OK', gddr_res_non_fatal4: { gddrnf_status: 'GDD4_UNAVAIL', gddrnf_will_signal_deleg_avail: willSignal } },
  };
}

export interface OpenGrant {
  stateid: Stateid;
  cinfo: change_info4;
  /** Read delegation stateid, if one is granted. */
  readDeleg?: Stateid;
  /** OPEN_DELEGATE_NONE_EXT with WND4_CONTENTION. */
  contention?: boolean;
}

export function openRes(g: OpenGrant): nfs_resop4 {
  return {
    resop: 'OP_OPEN',
    opopen: {
      status: 'NFS4_OK',
      resok4: {
        stateid: g.stateid,
        cinfo: g.cinfo,
        rflags: 0x4, // OPEN4_RESULT_LOCKTYPE_POSIX
        attrset: [],
        delegation: g.readDeleg
          ? { delegation_type: 'OPEN_DELEGATE_READ', read: { stateid: g.readDeleg, recall: false, permissions: { type: 0, flag: 0, access_mask: 0, who: '' } } }
          : g.contention
            ? { delegation_type: 'OPEN_DELEGATE_NONE_EXT', od_whynone: { ond_why: 'WND4_CONTENTION', ond_server_will_push_deleg: false } }
            : { delegation_type: 'OPEN_DELEGATE_NONE' },
      },
    },
  };
}

// ----------------------------------------------------------------------- callbacks

export const cbRecall = (sid: Stateid, fh: Uint8Array, truncate = false): nfs_cb_argop4 => ({ argop: 'OP_CB_RECALL', opcbrecall: { stateid: sid, truncate, fh } });

export const cbNotify = (sid: Stateid, dirFh: Uint8Array, changes: notify4[]): nfs_cb_argop4 => ({
  argop: 'OP_CB_NOTIFY',
  opcbnotify: { cna_stateid: sid, cna_fh: dirFh, cna_changes: changes },
});

/** A notify4 carrying the given values (mask from their types, in bit order). */
export function notify(...values: NotifyValue[]): notify4 {
  return { notify_mask: [], notify_vals: new Uint8Array(0), values };
}

export const entry = (name: string, attrs: fattr4 = fattr()): notify_entry4 => ({ ne_file: name, ne_attrs: attrs });

export function removeEntry(name: string, cookie: number): NotifyValue {
  const v: notify_remove4 = { nrm_old_entry: entry(name), nrm_old_entry_cookie: cookie };
  return { type: 'NOTIFY4_REMOVE_ENTRY', value: v };
}

export interface AddSpec {
  name: string;
  attrs?: fattr4;
  cookie?: number;
  prev?: { name: string; cookie: number };
  last?: boolean;
  replaced?: { name: string; cookie: number };
}

export function addValue(a: AddSpec): notify_add4 {
  return {
    nad_old_entry: a.replaced ? [{ nrm_old_entry: entry(a.replaced.name), nrm_old_entry_cookie: a.replaced.cookie }] : [],
    nad_new_entry: entry(a.name, a.attrs),
    nad_new_entry_cookie: a.cookie !== undefined ? [a.cookie] : [],
    nad_prev_entry: a.prev ? [{ pe_prev_entry: entry(a.prev.name), pe_prev_entry_cookie: a.prev.cookie }] : [],
    nad_last_entry: a.last ?? false,
  };
}

export const addEntry = (a: AddSpec): NotifyValue => ({ type: 'NOTIFY4_ADD_ENTRY', value: addValue(a) });

export function renameEntry(oldName: string, oldCookie: number, to: AddSpec): NotifyValue {
  return { type: 'NOTIFY4_RENAME_ENTRY', value: { nrn_old_entry: { nrm_old_entry: entry(oldName), nrm_old_entry_cookie: oldCookie }, nrn_new_entry: addValue(to) } };
}

export const childAttrsChanged = (name: string, attrs: fattr4): NotifyValue => ({ type: 'NOTIFY4_CHANGE_CHILD_ATTRS', value: { na_changed_entry: entry(name, attrs) } });
export const dirAttrsChanged = (attrs: fattr4): NotifyValue => ({ type: 'NOTIFY4_CHANGE_DIR_ATTRS', value: { na_changed_entry: entry('', attrs) } });
export const cookieVerifierChanged = (oldVerf: Uint8Array, newVerf: Uint8Array): NotifyValue => ({
  type: 'NOTIFY4_CHANGE_COOKIE_VERIFIER',
  value: { nv_old_cookieverf: oldVerf, nv_new_cookieverf: newVerf },
});

export function cbSequenceRes(sessionid: Uint8Array, seqid: number, slot: number, highest: number): nfs_cb_resop4 {
  return {
    resop: 'OP_CB_SEQUENCE',
    opcbsequence: { csr_status: 'NFS4_OK', csr_resok4: { csr_sessionid: sessionid, csr_sequenceid: seqid, csr_slotid: slot, csr_highest_slotid: highest, csr_target_highest_slotid: highest } },
  };
}

/** Status-only callback result. */
export function cbStatus(resop: nfs_cb_resop4['resop'] | nfs_cb_argop4['argop'], st: nfsstat4): nfs_cb_resop4 {
  const arm = nfs_cb_resop4_arms[resop];
  if (!arm) throw new Error(`no callback result arm for ${resop}`);
  return { resop, [arm]: { [STATUS_KEY[resop] ?? 'status']: st } } as unknown as nfs_cb_resop4;
}

export const cbOk = (resop: nfs_cb_resop4['resop'] | nfs_cb_argop4['argop']): nfs_cb_resop4 => cbStatus(resop, 'NFS4_OK');

export type NotifyValueLike = NotifyValue;

/** Entry names a list of notify values talks about (RENAME: old then new). */
export function notifyValueNames(values: readonly NotifyValue[]): string[] {
  const names: string[] = [];
  for (const v of values) {
    const body = v.value as Record<string, unknown> | undefined;
    if (!body) continue;
    switch (v.type) {
      case 'NOTIFY4_ADD_ENTRY':
        names.push(String((body as unknown as notify_add4).nad_new_entry.ne_file));
        break;
      case 'NOTIFY4_REMOVE_ENTRY':
        names.push(String((body as unknown as notify_remove4).nrm_old_entry.ne_file));
        break;
      case 'NOTIFY4_RENAME_ENTRY': {
        const r = body as unknown as { nrn_old_entry: notify_remove4; nrn_new_entry: notify_add4 };
        names.push(String(r.nrn_old_entry.nrm_old_entry.ne_file), String(r.nrn_new_entry.nad_new_entry.ne_file));
        break;
      }
      case 'NOTIFY4_CHANGE_CHILD_ATTRS':
        names.push(String((body as unknown as { na_changed_entry: notify_entry4 }).na_changed_entry.ne_file));
        break;
      default:
        break;
    }
  }
  return names;
}

export const freeStateid = (sid: Stateid): nfs_argop4 => ({ argop: 'OP_FREE_STATEID', opfree_stateid: { fsa_stateid: sid } });
export const testStateid = (...sids: Stateid[]): nfs_argop4 => ({ argop: 'OP_TEST_STATEID', optest_stateid: { ts_stateids: sids } });
export const testStateidRes = (...codes: nfsstat4[]): nfs_resop4 => ({ resop: 'OP_TEST_STATEID', optest_stateid: { tsr_status: 'NFS4_OK', tsr_resok4: { tsr_status_codes: codes } } });
