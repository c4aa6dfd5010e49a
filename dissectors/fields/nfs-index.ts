/**
 * Collects every nfs.* field value of one decoded compound in a single walk over the decoded
 * XDR values, keyed by spec field name (RFC 8881 names) and value shape: every stateid4
 * anywhere feeds nfs.stateid.*, every nfs_fh4 feeds nfs.fhandle and nfs.fh.hash, and so on.
 * The walk is iterative (READDIR entry lists nest one level per entry) and its result is
 * cached per compound, so it runs at most once per message and only when a field is asked for.
 */
import type { NfsCompound, NfsOp } from '../nfs4/types.js';
import { crc32, stateidHash, isStateid, type StateidValue } from '../nfs4/hash.js';
import { bitmapBits } from '../nfs4/names.js';
import {
  GDDRNF4_STATUS, NFSSTAT4, OPEN_CLAIM_TYPE4, OPEN_DELEGATION_TYPE4, WHY_NO_DELEGATION4, enumNumber,
  type EnumTable,
} from './enums.js';
import type { FieldValue } from './types.js';

export type NfsIndex = Map<string, FieldValue[]>;

/** Spec keys holding an nfs_fh4. */
const FH_KEYS = new Set(['object', 'fh', 'cna_fh', 'cpda_fh', 'cnla_fh', 'coa_fh', 'filehandle']);
/** Spec keys holding a sessionid4. */
const SESSION_KEYS = new Set([
  'sa_sessionid', 'sr_sessionid', 'csa_sessionid', 'csr_sessionid', 'rcl_sessionid',
  'bctsa_sessid', 'bctsr_sessid', 'dsa_sessionid',
]);
/** Spec keys holding a component4 of an operation's target (Wireshark: nfs.pathname.component). */
const COMPONENT_KEYS = new Set(['objname', 'file', 'target', 'oldname', 'newname', 'file_delegate_prev']);
/** Keys whose stateid4 (or whose subtree's stateid4) is a delegation stateid. */
const DELEG_KEYS = new Set([
  'delegation', 'cpda_delegation', 'gddr_stateid', 'deleg_stateid', 'cna_stateid',
  'delegate_stateid', 'oc_delegate_stateid', 'delegate_cur_info',
]);
/** Plain numeric keys -> field. */
const NUMBER_KEYS: Record<string, string> = {
  sa_sequenceid: 'nfs.seqid', sr_sequenceid: 'nfs.seqid', csa_sequenceid: 'nfs.seqid',
  csr_sequenceid: 'nfs.seqid', csa_sequence: 'nfs.seqid', csr_sequence: 'nfs.seqid',
  eir_sequenceid: 'nfs.seqid', seqid: 'nfs.seqid', open_seqid: 'nfs.seqid',
  lock_seqid: 'nfs.lock_seqid', rc_sequenceid: 'nfs.seqid',
  sa_slotid: 'nfs.slotid', sr_slotid: 'nfs.slotid', csa_slotid: 'nfs.slotid', csr_slotid: 'nfs.slotid',
  rc_slotid: 'nfs.slotid',
  sa_highest_slotid: 'nfs.high_slotid', sr_highest_slotid: 'nfs.high_slotid',
  csa_highest_slotid: 'nfs.high_slotid', csr_highest_slotid: 'nfs.high_slotid',
  sr_target_highest_slotid: 'nfs.target_high_slotid', csr_target_highest_slotid: 'nfs.target_high_slotid',
  rsa_target_highest_slotid: 'nfs.target_high_slotid',
  clientid: 'nfs.clientid', eir_clientid: 'nfs.clientid', csa_clientid: 'nfs.clientid',
  dca_clientid: 'nfs.clientid',
  csa_cb_program: 'nfs.cb_program', bca_cb_program: 'nfs.cb_program', cb_program: 'nfs.cb_program',
  callback_ident: 'nfs.callback.ident',
  sr_status_flags: 'nfs.sequence.flags',
  csa_flags: 'nfs.create_session_flags',
  nad_new_entry_cookie: 'nfs.notify.cookie', nrm_old_entry_cookie: 'nfs.notify.cookie',
  pe_prev_entry_cookie: 'nfs.notify.cookie',
};
const BOOL_KEYS: Record<string, string> = {
  truncate: 'nfs.truncate', recall: 'nfs.recall', sa_cachethis: 'nfs.cachethis4',
  csa_cachethis: 'nfs.cachethis4', nad_last_entry: 'nfs.notify.last_entry',
  gdda_signal_deleg_avail: 'nfs.gdd.signal_deleg_avail',
  gddrnf_will_signal_deleg_avail: 'nfs.gdd.will_signal_deleg_avail',
};
const ENUM_KEYS: Record<string, [string, EnumTable]> = {
  delegation_type: ['nfs.open.delegation_type', OPEN_DELEGATION_TYPE4],
  delegate_type: ['nfs.delegate_type', OPEN_DELEGATION_TYPE4],
  ond_why: ['nfs.open.why_no_delegation', WHY_NO_DELEGATION4],
  claim: ['nfs.open.claim_type', OPEN_CLAIM_TYPE4],
  gddrnf_status: ['nfs.gdd.status', GDDRNF4_STATUS],
};
const BITMAP_KEYS: Record<string, string> = {
  gdda_notification_types: 'nfs.gdd.notification_types',
  gddr_notification: 'nfs.gdd.notification',
};

const SEQ4_STATUS_RECALLABLE_STATE_REVOKED = 0x40;

const utf8Lossy = new TextDecoder('utf-8', { fatal: false });

/** A decoded XDR string (JS string, or an InvalidUtf8 holder) as text; undefined otherwise. */
export function nameText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v)) {
    const bytes = (v as { bytes?: unknown }).bytes;
    if (bytes instanceof Uint8Array) return utf8Lossy.decode(bytes);
  }
  return undefined;
}

function isInvalidUtf8(v: object): boolean {
  return (v as { bytes?: unknown }).bytes instanceof Uint8Array && typeof (v as { toJSON?: unknown }).toJSON === 'function';
}

function add(index: NfsIndex, field: string, v: FieldValue): void {
  const a = index.get(field);
  if (a) a.push(v);
  else index.set(field, [v]);
}

function stateidBytes(s: StateidValue): Uint8Array {
  const b = new Uint8Array(16);
  const seq = s.seqid >>> 0;
  b[0] = seq >>> 24; b[1] = (seq >>> 16) & 0xff; b[2] = (seq >>> 8) & 0xff; b[3] = seq & 0xff;
  b.set(s.other.subarray(0, 12), 4);
  return b;
}

function addStateid(index: NfsIndex, prefix: string, s: StateidValue): void {
  add(index, prefix, stateidBytes(s));
  add(index, prefix + '.hash', stateidHash(s));
  add(index, prefix + '.seqid', s.seqid >>> 0);
  add(index, prefix + '.other', s.other);
  add(index, prefix + '.other_hash', crc32(s.other));
}

interface Pending {
  key: string;
  value: unknown;
  deleg: boolean;
}

/** Walks one op's decoded args or res. */
function walkOp(index: NfsIndex, op: NfsOp, root: unknown): void {
  const isCbRecall = op.op === 'CB_RECALL';
  const isCbNotify = op.op === 'CB_NOTIFY';
  const isReaddir = op.op === 'READDIR';
  // WANT_DELEGATION's result is an open_delegation4: all its stateids are delegations.
  const stack: Pending[] = [{ key: '', value: root, deleg: op.op === 'WANT_DELEGATION' && op.res !== undefined }];
  while (stack.length > 0) {
    const { key, value, deleg } = stack.pop() as Pending;
    if (value === null || value === undefined) continue;
    switch (typeof value) {
      case 'number':
      case 'bigint': {
        const f = NUMBER_KEYS[key];
        if (f !== undefined) {
          add(index, f, value);
          if (f === 'nfs.sequence.flags' && typeof value === 'number') {
            add(index, 'nfs.sequence.flags.recallable_state_revoked', (value & SEQ4_STATUS_RECALLABLE_STATE_REVOKED) !== 0);
          }
        } else if (ENUM_KEYS[key] !== undefined) {
          add(index, ENUM_KEYS[key][0], value);
        }
        continue;
      }
      case 'boolean': {
        const f = BOOL_KEYS[key];
        if (f !== undefined) add(index, f, value);
        continue;
      }
      case 'string': {
        const e = ENUM_KEYS[key];
        if (e !== undefined) {
          const n = enumNumber(e[1], value);
          if (n !== undefined) add(index, e[0], n);
        } else if (key === 'ne_file') {
          add(index, 'nfs.notify.name', value);
        } else if (key === 'name') {
          add(index, isReaddir ? 'nfs.name' : 'nfs.pathname.component', value);
        } else if (COMPONENT_KEYS.has(key)) {
          add(index, 'nfs.pathname.component', value);
        }
        continue;
      }
      case 'object':
        break;
      default:
        continue;
    }
    if (value instanceof Uint8Array) {
      if (FH_KEYS.has(key)) {
        add(index, 'nfs.fhandle', value);
        add(index, 'nfs.fh.hash', crc32(value));
      } else if (SESSION_KEYS.has(key)) {
        add(index, 'nfs.session_id4', value);
      }
      continue;
    }
    if (Array.isArray(value)) {
      if (BITMAP_KEYS[key] !== undefined) {
        for (const bit of bitmapBits(value as number[])) add(index, BITMAP_KEYS[key], bit);
        continue;
      }
      if (key === 'notify_mask') {
        if (isCbNotify) for (const bit of bitmapBits(value as number[])) add(index, 'nfs.notify.type', bit);
        continue;
      }
      // nad_new_entry_cookie<1> and other arrays: elements inherit the array's key.
      for (let i = value.length - 1; i >= 0; i--) stack.push({ key, value: value[i], deleg });
      continue;
    }
    if (isStateid(value)) {
      addStateid(index, 'nfs.stateid', value);
      if (deleg || DELEG_KEYS.has(key) || (isCbRecall && key === 'stateid')) addStateid(index, 'nfs.deleg.stateid', value);
      continue;
    }
    if (isInvalidUtf8(value)) {
      const text = nameText(value);
      if (text !== undefined) stack.push({ key, value: text, deleg });
      continue;
    }
    const childDeleg = deleg || DELEG_KEYS.has(key);
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i];
      // Raw attribute / notification bytes are decoded alongside (attrs / values).
      if (k === 'attr_vals' || k === 'notify_vals') continue;
      stack.push({ key: k, value: o[k], deleg: childDeleg });
    }
  }
}

/** Builds the index of one compound (uncached; see nfsIndex). */
export function buildNfsIndex(c: NfsCompound): NfsIndex {
  const index: NfsIndex = new Map();
  const tag = nameText(c.tag);
  if (tag !== undefined) add(index, 'nfs.tag', tag);
  if (c.minorversion !== undefined && c.type === 'call') add(index, 'nfs.minorversion', c.minorversion);
  if (c.callbackIdent !== undefined) add(index, 'nfs.callback.ident', c.callbackIdent);
  if (c.program === 'NFS') {
    add(index, 'nfs.procedure_v4', c.procedure);
    if (c.procedure === 1) add(index, 'nfs.ops.count', c.ops.length);
  } else {
    add(index, 'nfs.cb_procedure', c.procedure);
  }
  const opField = c.program === 'NFS' ? 'nfs.opcode' : 'nfs.cb.operation';
  if (c.status !== undefined) {
    const s = enumNumber(NFSSTAT4, c.status);
    if (s !== undefined) {
      add(index, 'nfs.status', s);
      add(index, 'nfs.nfsstat4', s);
    }
  }
  for (const op of c.ops) {
    add(index, opField, op.opnum);
    if (op.status !== undefined) {
      const s = enumNumber(NFSSTAT4, op.status);
      if (s !== undefined) add(index, 'nfs.nfsstat4', s);
    }
    if (op.malformed) add(index, 'nfs.malformed', `${op.op}: ${op.malformed.reason} at offset ${op.malformed.offset}`);
    const body = op.args !== undefined ? op.args : op.res;
    if (body !== undefined) walkOp(index, op, body);
  }
  if (c.malformed) add(index, 'nfs.malformed', `${c.malformed.reason} at offset ${c.malformed.offset}`);
  return index;
}

const cache = new WeakMap<NfsCompound, NfsIndex>();

/** The (cached) field index of a compound. */
export function nfsIndex(c: NfsCompound): NfsIndex {
  let ix = cache.get(c);
  if (!ix) {
    ix = buildNfsIndex(c);
    cache.set(c, ix);
  }
  return ix;
}
