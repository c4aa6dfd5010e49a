/**
 * Minimal, checked views of the decoded NFSv4 values the correlator reads (RFC 8881 field
 * names, per the team's XDR value conventions). Decoded args/results arrive as `unknown`
 * (NfsOp.args / NfsOp.res) and captures are untrusted, so every accessor checks the shape at
 * run time and answers undefined when a field is missing or has another type: a decoder
 * variant or a malformed op degrades the analysis, it never throws.
 */
import { fnv32, hexOf } from './hex-cache.js';
import { isStateid, specialStateid, type StateidValue } from '../../dissectors/nfs4/hash.js';
import { bitmapBits, notifyTypeName } from '../../dissectors/nfs4/names.js';
import type * as X from '../../dissectors/xdr/generated/nfs4.js';

export type { StateidValue };
export { isStateid };

export type Obj = Record<string, unknown>;

export function asObj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as Obj) : undefined;
}

/** Field `name` of an object value, or undefined. */
export function field(v: unknown, name: string): unknown {
  const o = asObj(v);
  return o === undefined ? undefined : o[name];
}

/** Follows a path of two or three field names (fixed parameters: no array per call). */
export function path(v: unknown, a: string, b: string, c?: string): unknown {
  const x = field(field(v, a), b);
  return c === undefined ? x : field(x, c);
}

/** A decoded value when it is bytes (opaque), else undefined. */
export function bytesValue(v: unknown): Uint8Array | undefined {
  return v instanceof Uint8Array ? v : undefined;
}

/** A decoded value when it is a number, else undefined. */
export function numberValue(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** A decoded enum value (its name, or the number when it has no name), else undefined. */
export function enumValue(v: unknown): string | number | undefined {
  return typeof v === 'string' || typeof v === 'number' ? v : undefined;
}

export function bytesField(v: unknown, name: string): Uint8Array | undefined {
  return bytesValue(field(v, name));
}

export function numField(v: unknown, name: string): number | undefined {
  return numberValue(field(v, name));
}

export function boolField(v: unknown, name: string): boolean | undefined {
  const b = field(v, name);
  return typeof b === 'boolean' ? b : undefined;
}

/** An enum value: its name, or the number when it has no name. */
export function enumField(v: unknown, name: string): string | number | undefined {
  return enumValue(field(v, name));
}

/** A uint64 (number or bigint) as "0x" + 16 hex digits: the form used for client ids. */
export function u64Hex(v: unknown): string | undefined {
  if (typeof v === 'number' ? !(Number.isInteger(v) && v >= 0) : !(typeof v === 'bigint' && v >= 0n)) return undefined;
  const id = v as number | bigint;
  let hex = u64HexMemo.get(id);
  if (hex === undefined) {
    hex = '0x' + id.toString(16).padStart(16, '0');
    if (u64HexMemo.size >= 4096) u64HexMemo.clear();
    u64HexMemo.set(id, hex);
  }
  return hex;
}

/** u64Hex texts by value: client ids recur in every call of a client, and the same string
 *  each time is also found faster in the tables keyed by it (its hash is kept). Only a
 *  cache: cleared when large. */
const u64HexMemo = new Map<number | bigint, string>();

export function u64Number(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/**
 * Names longer than this (servers take at most 255 bytes: NFS4ERR_NAMETOOLONG) are kept cut:
 * the correlator holds names by the hundred thousand (name table, listings, notified entries,
 * recent changes), and 60 KB names from a hostile capture took `deleg` out of its heap.
 */
export const MAX_NAME_CHARS = 255;

/** A long name as its first characters, its length and a hash of it all: still comparable
 *  (two long names differing only past the cut stay distinct), and bounded. */
function cutName(text: string, bytes?: Uint8Array): string {
  let h: number;
  if (bytes !== undefined) h = fnv32(bytes);
  else {
    // fnv32 over the UTF-16 code units
    h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  const length = bytes !== undefined ? `${bytes.length} bytes` : `${text.length} characters`;
  return `${text.slice(0, MAX_NAME_CHARS - 64)}… (${length}, fnv ${(h >>> 0).toString(16).padStart(8, '0')})`;
}

/**
 * A decoded string (component4, utf8str_cs ...): a JS string, or an InvalidUtf8 object
 * (bytes kept) shown as its bytes mapped one to one to code points, so the name stays
 * comparable and the terminal escaper shows the odd bytes as \xNN.
 */
export function nameOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length <= MAX_NAME_CHARS ? v : cutName(v);
  const o = asObj(v);
  if (o === undefined) return undefined;
  const bytes = o.bytes;
  if (bytes instanceof Uint8Array) {
    const text = String.fromCharCode(...bytes.subarray(0, MAX_NAME_CHARS + 1));
    return bytes.length <= MAX_NAME_CHARS ? text : cutName(text, bytes);
  }
  if (typeof o.toJSON === 'function') {
    const j = (o.toJSON as () => unknown)();
    const hex = field(j, 'hex');
    if (typeof hex === 'string') return `<hex:${hex}>`;
  }
  return undefined;
}

/*
 * Accessors for the fields read for (nearly) every compound. field(v, name) reads through one
 * keyed load shared by every caller, which sees every decoded shape and so goes megamorphic
 * (a global lookup per read); a named load written out here sees only the one shape the
 * decoder builds for that op, and stays monomorphic. Same checks and answers as
 * bytesField / numField / nameOf over field(): a value that is not an object (or an array or
 * byte string, which have none of these properties) gives undefined.
 */

/** An object whose named fields may be read (arrays and byte strings have none of the names
 *  read through it: the named loads below and in walk.ts). */
export function objectValue(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null ? (v as Obj) : undefined;
}

/** PUTFH4args.object. */
export function putfhObject(args: unknown): Uint8Array | undefined {
  return bytesValue(objectValue(args)?.object);
}

/** GETFH4res.resok4.object. */
export function getfhObject(res: unknown): Uint8Array | undefined {
  return bytesValue(objectValue(objectValue(res)?.resok4)?.object);
}

/** LOOKUP4args.objname as a name (see nameOf). */
export function lookupName(args: unknown): string | undefined {
  const n = objectValue(args)?.objname;
  return typeof n === 'string' && n.length <= MAX_NAME_CHARS ? n : nameOf(n);
}

/** SEQUENCE4args.sa_sessionid. */
export function sequenceSessionId(args: unknown): Uint8Array | undefined {
  return bytesValue(objectValue(args)?.sa_sessionid);
}

/** SEQUENCE4args.sa_sequenceid. */
export function sequenceSeqId(args: unknown): number | undefined {
  return numberValue(objectValue(args)?.sa_sequenceid);
}

/** SEQUENCE4args.sa_slotid. */
export function sequenceSlotId(args: unknown): number | undefined {
  return numberValue(objectValue(args)?.sa_slotid);
}

/** SEQUENCE4res.sr_resok4.sr_status_flags. */
export function sequenceStatusFlags(res: unknown): number | undefined {
  return numberValue(objectValue(objectValue(res)?.sr_resok4)?.sr_status_flags);
}

export function stateidField(v: unknown, name: string): StateidValue | undefined {
  const s = field(v, name);
  return isStateid(s) ? s : undefined;
}

/** The key of a stateid: hex of its 12 `other` bytes; undefined for special stateids. */
export function stateidKey(s: StateidValue): string | undefined {
  return specialStateid(s) === undefined ? hexOf(s.other) : undefined;
}

/** bitmap4 as words. */
export function bitmapField(v: unknown, name: string): number[] | undefined {
  const b = field(v, name);
  if (!Array.isArray(b)) return undefined;
  for (const w of b) if (typeof w !== 'number') return undefined;
  return b as number[];
}

/** Names of the notify_type4 bits set in a bitmap. */
export function notifyMaskNames(words: readonly number[] | undefined): string[] {
  return words === undefined ? [] : bitmapBits(words).map(notifyTypeName);
}

export function maskHasBit(words: readonly number[] | undefined, bit: number): boolean {
  if (words === undefined) return false;
  const w = words[bit >>> 5];
  return w !== undefined && ((w >>> (bit & 31)) & 1) === 1;
}

export const NOTIFY4_CHANGE_CHILD_ATTRS = 0;
export const NOTIFY4_CHANGE_DIR_ATTRS = 1;
export const NOTIFY4_REMOVE_ENTRY = 2;
export const NOTIFY4_ADD_ENTRY = 3;
export const NOTIFY4_RENAME_ENTRY = 4;
export const NOTIFY4_CHANGE_COOKIE_VERIFIER = 5;

/** sr_status_flags bit: a recallable object (delegation/layout) was revoked. */
export const SEQ4_STATUS_RECALLABLE_STATE_REVOKED = 0x40;

/**
 * Finds stateids in an op's arguments (a shallow walk: stateid4 values sit at depth <= 3 in
 * every op, e.g. OPEN4args.claim.delegate_cur_info.delegate_stateid). Bounded work.
 */
export function findStateids(v: unknown, out: StateidValue[] = [], depth = 0): StateidValue[] {
  if (depth > 3 || out.length >= 64) return out;
  if (isStateid(v)) {
    out.push(v);
    return out;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && i < 64; i++) findStateids(v[i], out, depth + 1);
    return out;
  }
  const o = asObj(v);
  if (o === undefined) return out;
  for (const k in o) {
    const x = o[k];
    if (typeof x === 'object' && x !== null && !(x instanceof Uint8Array)) findStateids(x, out, depth + 1);
  }
  return out;
}

/*
 * Views of the decoded values read here (field names of RFC 8881; only what is read):
 *   PUTFH4args {object}                 GETFH4res {status, resok4: {object}}
 *   LOOKUP4args {objname}               CREATE4args {objtype, objname, createattrs}
 *   REMOVE4args {target}                RENAME4args {oldname, newname}   LINK4args {newname}
 *   SETATTR4args {stateid, obj_attributes: fattr4}    WRITE4args {stateid, ...}
 *   OPEN4args {seqid, share_access, share_deny, owner: {clientid, owner},
 *              openhow: {opentype, how?}, claim: {claim, file | delegate_cur_info:
 *              {delegate_stateid, file} | oc_delegate_stateid | file_delegate_prev | delegate_type}}
 *   OPEN4res {status, resok4: {stateid, cinfo, rflags, attrset, delegation: open_delegation4}}
 *   open_delegation4 {delegation_type, read: {stateid, recall, permissions}
 *                     | write: {stateid, recall, space_limit, permissions} | od_whynone}
 *   WANT_DELEGATION4res {wdr_status, wdr_resok4: open_delegation4}
 *   GET_DIR_DELEGATION4args {gdda_signal_deleg_avail, gdda_notification_types, ...,
 *              gdda_child_attributes, gdda_dir_attributes}
 *   GET_DIR_DELEGATION4res {gddr_status, gddr_res_non_fatal4: {gddrnf_status,
 *              gddrnf_resok4: {gddr_cookieverf, gddr_stateid, gddr_notification,
 *              gddr_child_attributes, gddr_dir_attributes} | gddrnf_will_signal_deleg_avail}}
 *   DELEGRETURN4args {deleg_stateid}    FREE_STATEID4args {fsa_stateid}
 *   TEST_STATEID4args {ts_stateids}     TEST_STATEID4res {tsr_status, tsr_resok4: {tsr_status_codes}}
 *   READDIR4args {cookie, cookieverf, ...}
 *   READDIR4res {status, resok4: {cookieverf, reply: {entries: entry4 | null | entry4[], eof}}}
 *   entry4 {cookie, name, attrs, nextentry}
 *   SEQUENCE4args {sa_sessionid, sa_sequenceid, sa_slotid, ...}
 *   SEQUENCE4res {sr_status, sr_resok4: {..., sr_status_flags}}
 *   EXCHANGE_ID4args {eia_clientowner: {co_verifier, co_ownerid}, ...}
 *   EXCHANGE_ID4res {eir_status, eir_resok4: {eir_clientid, ...}}
 *   CREATE_SESSION4args {csa_clientid, csa_sequence, csa_flags, ..., csa_cb_program}
 *   CREATE_SESSION4res {csr_status, csr_resok4: {csr_sessionid, csr_sequence, csr_flags, ...}}
 *   BIND_CONN_TO_SESSION4args {bctsa_sessid, bctsa_dir}
 *   BIND_CONN_TO_SESSION4res {bctsr_status, bctsr_resok4: {bctsr_sessid, bctsr_dir}}
 *   DESTROY_SESSION4args {dsa_sessionid}       DESTROY_CLIENTID4args {dca_clientid}
 *   SETCLIENTID4args {client: {verifier, id}, callback, callback_ident}
 *   SETCLIENTID4res {status, resok4: {clientid, setclientid_confirm}}
 *   SETCLIENTID_CONFIRM4args {clientid, setclientid_confirm}    RENEW4args {clientid}
 *   CB_SEQUENCE4args {csa_sessionid, csa_sequenceid, csa_slotid, csa_highest_slotid,
 *              csa_cachethis, csa_referring_call_lists: [{rcl_sessionid,
 *              rcl_referring_calls: [{rc_sequenceid, rc_slotid}]}]}
 *   CB_RECALL4args {stateid, truncate, fh}     CB_RECALL_ANY4args {craa_objects_to_keep, craa_type_mask}
 *   CB_NOTIFY4args {cna_stateid, cna_fh, cna_changes: notify4[]}
 *   notify4 {notify_mask, notify_vals, values: [{type, value}]}
 *   notify_entry4 {ne_file, ne_attrs}   notify_remove4 {nrm_old_entry, nrm_old_entry_cookie}
 *   notify_add4 {nad_old_entry[], nad_new_entry, nad_new_entry_cookie[], nad_prev_entry[], nad_last_entry}
 *   notify_rename4 {nrn_old_entry, nrn_new_entry}   notify_verifier4 {nv_old_cookieverf, nv_new_cookieverf}
 *   notify_attr4 {na_changed_entry}
 *   CB_PUSH_DELEG4args {cpda_fh, cpda_delegation}  CB_GETATTR4args {fh, attr_request}
 */

// ---- Compile-time check of the field names above against the types generated from
// dissectors/xdr/nfs4.x: a renamed field or union arm breaks the build here instead of
// silently reading undefined at run time. (Values are still checked at run time.)

type Has<T, K extends keyof T> = K;
type Arm<U, D extends string, V extends string> = Extract<U, Record<D, V>>;

export type CheckedWireFields = [
  Has<X.PUTFH4args, 'object'>, Has<X.GETFH4resok, 'object'>, Has<Arm<X.GETFH4res, 'status', 'NFS4_OK'>, 'resok4'>,
  Has<X.LOOKUP4args, 'objname'>, Has<X.CREATE4args, 'objname'>, Has<X.REMOVE4args, 'target'>,
  Has<X.RENAME4args, 'oldname' | 'newname'>, Has<X.LINK4args, 'newname'>, Has<X.SETATTR4args, 'stateid' | 'obj_attributes'>,
  Has<X.OPEN4args, 'share_access' | 'owner' | 'openhow' | 'claim'>, Has<X.state_owner4, 'clientid'>,
  Has<Arm<X.openflag4, 'opentype', 'OPEN4_CREATE'>, 'how'>,
  Has<Arm<X.open_claim4, 'claim', 'CLAIM_NULL'>, 'file'>,
  Has<Arm<X.open_claim4, 'claim', 'CLAIM_DELEGATE_CUR'>, 'delegate_cur_info'>,
  Has<X.open_claim_delegate_cur4, 'delegate_stateid' | 'file'>,
  Has<Arm<X.open_claim4, 'claim', 'CLAIM_DELEG_CUR_FH'>, 'oc_delegate_stateid'>,
  Has<Arm<X.open_claim4, 'claim', 'CLAIM_DELEGATE_PREV'>, 'file_delegate_prev'>,
  Has<Arm<X.OPEN4res, 'status', 'NFS4_OK'>, 'resok4'>, Has<X.OPEN4resok, 'cinfo' | 'delegation'>,
  Has<X.change_info4, 'before' | 'after'>,
  Has<Arm<X.open_delegation4, 'delegation_type', 'OPEN_DELEGATE_READ'>, 'read'>,
  Has<Arm<X.open_delegation4, 'delegation_type', 'OPEN_DELEGATE_WRITE'>, 'write'>,
  Has<X.open_read_delegation4, 'stateid' | 'recall'>, Has<X.open_write_delegation4, 'stateid' | 'recall'>,
  Has<Arm<X.WANT_DELEGATION4res, 'wdr_status', 'NFS4_OK'>, 'wdr_resok4'>,
  Has<X.GET_DIR_DELEGATION4args, 'gdda_notification_types'>,
  Has<Arm<X.GET_DIR_DELEGATION4res, 'gddr_status', 'NFS4_OK'>, 'gddr_res_non_fatal4'>,
  Has<Arm<X.GET_DIR_DELEGATION4res_non_fatal, 'gddrnf_status', 'GDD4_OK'>, 'gddrnf_resok4'>,
  Has<Arm<X.GET_DIR_DELEGATION4res_non_fatal, 'gddrnf_status', 'GDD4_UNAVAIL'>, 'gddrnf_will_signal_deleg_avail'>,
  Has<X.GET_DIR_DELEGATION4resok, 'gddr_cookieverf' | 'gddr_stateid' | 'gddr_notification' | 'gddr_child_attributes' | 'gddr_dir_attributes'>,
  Has<X.DELEGRETURN4args, 'deleg_stateid'>, Has<X.FREE_STATEID4args, 'fsa_stateid'>, Has<X.TEST_STATEID4args, 'ts_stateids'>,
  Has<Arm<X.TEST_STATEID4res, 'tsr_status', 'NFS4_OK'>, 'tsr_resok4'>, Has<X.TEST_STATEID4resok, 'tsr_status_codes'>,
  Has<X.READDIR4args, 'cookie'>, Has<Arm<X.READDIR4res, 'status', 'NFS4_OK'>, 'resok4'>, Has<X.READDIR4resok, 'cookieverf' | 'reply'>,
  Has<X.dirlist4, 'entries' | 'eof'>, Has<X.entry4, 'cookie' | 'name' | 'attrs' | 'nextentry'>,
  Has<X.SEQUENCE4args, 'sa_sessionid' | 'sa_sequenceid' | 'sa_slotid'>,
  Has<Arm<X.SEQUENCE4res, 'sr_status', 'NFS4_OK'>, 'sr_resok4'>, Has<X.SEQUENCE4resok, 'sr_sessionid' | 'sr_status_flags'>,
  Has<X.EXCHANGE_ID4args, 'eia_clientowner'>, Has<X.client_owner4, 'co_ownerid'>,
  Has<Arm<X.EXCHANGE_ID4res, 'eir_status', 'NFS4_OK'>, 'eir_resok4'>, Has<X.EXCHANGE_ID4resok, 'eir_clientid'>,
  Has<X.CREATE_SESSION4args, 'csa_clientid' | 'csa_cb_program'>,
  Has<Arm<X.CREATE_SESSION4res, 'csr_status', 'NFS4_OK'>, 'csr_resok4'>, Has<X.CREATE_SESSION4resok, 'csr_sessionid' | 'csr_flags'>,
  Has<X.BIND_CONN_TO_SESSION4args, 'bctsa_sessid'>,
  Has<Arm<X.BIND_CONN_TO_SESSION4res, 'bctsr_status', 'NFS4_OK'>, 'bctsr_resok4'>, Has<X.BIND_CONN_TO_SESSION4resok, 'bctsr_sessid' | 'bctsr_dir'>,
  Has<X.DESTROY_SESSION4args, 'dsa_sessionid'>, Has<X.DESTROY_CLIENTID4args, 'dca_clientid'>,
  Has<X.SETCLIENTID4args, 'client' | 'callback_ident'>, Has<X.nfs_client_id4, 'id'>,
  Has<Arm<X.SETCLIENTID4res, 'status', 'NFS4_OK'>, 'resok4'>, Has<X.SETCLIENTID4resok, 'clientid'>,
  Has<X.SETCLIENTID_CONFIRM4args, 'clientid'>, Has<X.RENEW4args, 'clientid'>,
  Has<X.CB_SEQUENCE4args, 'csa_sessionid' | 'csa_referring_call_lists'>,
  Has<X.referring_call_list4, 'rcl_sessionid' | 'rcl_referring_calls'>, Has<X.referring_call4, 'rc_sequenceid' | 'rc_slotid'>,
  Has<X.CB_RECALL4args, 'stateid' | 'truncate' | 'fh'>, Has<X.CB_RECALL_ANY4args, 'craa_objects_to_keep' | 'craa_type_mask'>,
  Has<X.CB_NOTIFY4args, 'cna_stateid' | 'cna_fh' | 'cna_changes'>, Has<X.notify4, 'notify_mask'>,
  Has<X.notify_entry4, 'ne_file' | 'ne_attrs'>, Has<X.notify_remove4, 'nrm_old_entry' | 'nrm_old_entry_cookie'>,
  Has<X.notify_add4, 'nad_old_entry' | 'nad_new_entry' | 'nad_new_entry_cookie' | 'nad_prev_entry' | 'nad_last_entry'>,
  Has<X.prev_entry4, 'pe_prev_entry'>, Has<X.notify_rename4, 'nrn_old_entry' | 'nrn_new_entry'>,
  Has<X.notify_verifier4, 'nv_old_cookieverf' | 'nv_new_cookieverf'>, Has<X.notify_attr4, 'na_changed_entry'>,
  Has<X.CB_PUSH_DELEG4args, 'cpda_fh' | 'cpda_delegation'>, Has<X.CB_GETATTR4args, 'fh'>, Has<X.fattr4, 'attrmask'>,
];
