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

/** Internal index key of rdattr_error attribute values. */
const ATTR_STATUS = 'nfs.nfsstat4.rdattr_error';

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
  csa_flags: 'nfs.create_session_flags', csr_flags: 'nfs.create_session_flags',
  nad_new_entry_cookie: 'nfs.notify.cookie', nrm_old_entry_cookie: 'nfs.notify.cookie',
  pe_prev_entry_cookie: 'nfs.notify.prev_cookie',
};
const BOOL_KEYS: Record<string, string> = {
  truncate: 'nfs.truncate', recall: 'nfs.recall4', sa_cachethis: 'nfs.cachethis4',
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
  // fattr4 attribute rdattr_error: tshark lists it under nfs.nfsstat4 (see nfsStatValues).
  rdattr_error: [ATTR_STATUS, NFSSTAT4],
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

// The walk only collects stateids and filehandles; their derived fields (bytes, hashes,
// parts) are computed when asked for, so a filter on one field does not pay for all.
const STATEIDS = '#stateids';
const DELEG_STATEIDS = '#deleg-stateids';

function addStateid(index: NfsIndex, key: string, s: StateidValue): void {
  add(index, key, s as unknown as FieldValue);
}

type Derive = (v: FieldValue) => FieldValue;
const asStateid = (v: FieldValue): StateidValue => v as unknown as StateidValue;
const STATEID_PARTS: Array<[string, Derive]> = [
  ['', (v) => stateidBytes(asStateid(v))],
  ['.hash', (v) => stateidHash(asStateid(v))],
  ['.seqid', (v) => asStateid(v).seqid >>> 0],
  ['.other', (v) => asStateid(v).other],
  ['.other_hash', (v) => crc32(asStateid(v).other)],
];

/** Derived field -> [collected source key, derivation]. */
const DERIVED = new Map<string, [string, Derive]>([
  ['nfs.fh.hash', ['nfs.fhandle', (v) => crc32(v as Uint8Array)]],
  ...STATEID_PARTS.map(([suffix, fn]): [string, [string, Derive]] => ['nfs.stateid' + suffix, [STATEIDS, fn]]),
  ...STATEID_PARTS.map(([suffix, fn]): [string, [string, Derive]] => ['nfs.deleg.stateid' + suffix, [DELEG_STATEIDS, fn]]),
]);

/** What a spec key means to the walker. */
interface KeyInfo {
  /** Field fed by a primitive / bytes value under this key. */
  field?: string;
  kind: 'number' | 'bool' | 'enum' | 'string' | 'fh' | 'session' | 'bitmap' | 'notify_mask' | 'name' | 'none';
  table?: EnumTable;
  /** Stateids under this key are delegation stateids. */
  deleg?: boolean;
}

const KEYS = new Map<string, KeyInfo>();
for (const k of FH_KEYS) KEYS.set(k, { kind: 'fh' });
for (const k of SESSION_KEYS) KEYS.set(k, { kind: 'session' });
for (const k of COMPONENT_KEYS) KEYS.set(k, { kind: 'string', field: 'nfs.pathname.component' });
KEYS.set('ne_file', { kind: 'string', field: 'nfs.notify.name' });
KEYS.set('name', { kind: 'name' });
for (const [k, f] of Object.entries(NUMBER_KEYS)) KEYS.set(k, { kind: 'number', field: f });
for (const [k, f] of Object.entries(BOOL_KEYS)) KEYS.set(k, { kind: 'bool', field: f });
for (const [k, [f, table]] of Object.entries(ENUM_KEYS)) KEYS.set(k, { kind: 'enum', field: f, table });
for (const [k, f] of Object.entries(BITMAP_KEYS)) KEYS.set(k, { kind: 'bitmap', field: f });
KEYS.set('notify_mask', { kind: 'notify_mask', field: 'nfs.notify.type' });
for (const k of DELEG_KEYS) {
  const info = KEYS.get(k);
  KEYS.set(k, info ? { ...info, deleg: true } : { kind: 'none', deleg: true });
}

/**
 * The registry field a spec key feeds inside an operation, for labelling trees; stateid4
 * values (found by shape) are 'nfs.stateid'.
 */
export function specKeyField(key: string, opName: string): string | undefined {
  const info = KEYS.get(key);
  if (!info) return undefined;
  switch (info.kind) {
    case 'fh': return 'nfs.fhandle';
    case 'session': return 'nfs.session_id4';
    case 'name': return opName === 'READDIR' ? 'nfs.name' : 'nfs.pathname.component';
    case 'notify_mask': return opName === 'CB_NOTIFY' ? 'nfs.notify.type' : undefined;
    case 'none': return info.deleg ? 'nfs.deleg.stateid' : undefined;
    default: return info.field;
  }
}

/** Every spec field name the walker gives a meaning to (for the spec-drift test). */
export const WALKED_SPEC_KEYS: readonly string[] = [...KEYS.keys(), 'pe_prev_entry', 'stateid'];

const PREV_NAME: KeyInfo = { kind: 'string', field: 'nfs.notify.prev_name' };

interface OpContext {
  index: NfsIndex;
  isCbRecall: boolean;
  isCbNotify: boolean;
  isReaddir: boolean;
}

/** A primitive (or name) value found under key. */
function leaf(ctx: OpContext, info: KeyInfo, value: unknown): void {
  switch (info.kind) {
    case 'number':
      if (typeof value === 'number' || typeof value === 'bigint') {
        add(ctx.index, info.field as string, value);
        if (info.field === 'nfs.sequence.flags' && typeof value === 'number') {
          add(ctx.index, 'nfs.sequence.flags.recallable_state_revoked', (value & SEQ4_STATUS_RECALLABLE_STATE_REVOKED) !== 0);
        }
      }
      return;
    case 'bool':
      if (typeof value === 'boolean') add(ctx.index, info.field as string, value);
      return;
    case 'enum': {
      const n = enumNumber(info.table as EnumTable, value);
      if (n !== undefined) add(ctx.index, info.field as string, n);
      return;
    }
    case 'string':
    case 'name': {
      const text = nameText(value);
      if (text === undefined) return;
      const field = info.kind === 'string' ? info.field as string : ctx.isReaddir ? 'nfs.name' : 'nfs.pathname.component';
      add(ctx.index, field, text);
      return;
    }
    case 'fh':
      if (value instanceof Uint8Array) {
        add(ctx.index, 'nfs.fhandle', value);
      }
      return;
    case 'session':
      if (value instanceof Uint8Array) add(ctx.index, 'nfs.session_id4', value);
      return;
    case 'bitmap':
      if (Array.isArray(value)) for (const bit of bitmapBits(value as number[])) add(ctx.index, info.field as string, bit);
      return;
    case 'notify_mask':
      if (ctx.isCbNotify && Array.isArray(value)) for (const bit of bitmapBits(value as number[])) add(ctx.index, 'nfs.notify.type', bit);
      return;
    case 'none':
      return;
  }
}

interface Pending {
  obj: object;
  key: string;
  deleg: boolean;
  /** Inside a prev_entry4 (the entry before an added one): its name is only a position hint. */
  prev: boolean;
}

/** Walks one op's decoded args or res (iteratively: entry lists nest one level per entry). */
function walkOp(index: NfsIndex, op: NfsOp, root: unknown): void {
  if (typeof root !== 'object' || root === null) return;
  const ctx: OpContext = {
    index, isCbRecall: op.op === 'CB_RECALL', isCbNotify: op.op === 'CB_NOTIFY', isReaddir: op.op === 'READDIR',
  };
  // WANT_DELEGATION's result is an open_delegation4: all its stateids are delegations.
  const stack: Pending[] = [{ obj: root, key: '', deleg: op.op === 'WANT_DELEGATION' && op.res !== undefined, prev: false }];
  while (stack.length > 0) {
    const { obj, key, deleg, prev } = stack.pop() as Pending;
    if (Array.isArray(obj)) {
      const info = KEYS.get(key);
      for (let i = obj.length - 1; i >= 0; i--) {
        const el: unknown = obj[i];
        if (typeof el === 'object' && el !== null && !(el instanceof Uint8Array)) visitObject(ctx, stack, key, el, deleg, prev, info);
        else if (info) leaf(ctx, info, el);
      }
      continue;
    }
    if (isStateid(obj)) {
      addStateid(index, STATEIDS, obj);
      if (deleg || (ctx.isCbRecall && key === 'stateid')) addStateid(index, DELEG_STATEIDS, obj);
      continue;
    }
    const o = obj as Record<string, unknown>;
    const pend: Pending[] = [];
    for (const k in o) {
      const value = o[k];
      if (value === null || value === undefined) continue;
      const info = prev && k === 'ne_file' ? PREV_NAME : KEYS.get(k);
      if (typeof value !== 'object' || value instanceof Uint8Array) {
        if (info) leaf(ctx, info, value);
        continue;
      }
      if (Array.isArray(value) && info && (info.kind === 'bitmap' || info.kind === 'notify_mask')) {
        leaf(ctx, info, value);
        continue;
      }
      // Only name keys care about InvalidUtf8 holders; elsewhere walking into one is harmless.
      if (info !== undefined && (info.kind === 'string' || info.kind === 'name') && isInvalidUtf8(value)) {
        leaf(ctx, info, value);
        continue;
      }
      // Raw attribute / notification bytes are Uint8Array (skipped above); their decoded
      // forms (attrs / values) are walked.
      pend.push({ obj: value, key: k, deleg: deleg || (info?.deleg ?? false), prev: prev || k === 'pe_prev_entry' });
    }
    for (let i = pend.length - 1; i >= 0; i--) stack.push(pend[i]);
  }
}

/** Queues (or, for leaves, handles) an object-valued array element. */
function visitObject(ctx: OpContext, stack: Pending[], key: string, el: object, deleg: boolean, prev: boolean, info: KeyInfo | undefined): void {
  if (info !== undefined && (info.kind === 'string' || info.kind === 'name') && isInvalidUtf8(el)) {
    leaf(ctx, info, el);
    return;
  }
  stack.push({ obj: el, key, deleg: deleg || (info?.deleg ?? false), prev: prev || key === 'pe_prev_entry' });
}

type ShallowFn = (c: NfsCompound) => FieldValue[] | undefined;

function statusNumber(s: string | undefined): number | undefined {
  return s === undefined ? undefined : enumNumber(NFSSTAT4, s);
}

/**
 * Fields read from the compound and op headers alone: computed directly on each request
 * (a few small arrays), no walk of decoded values and no cache.
 */
const SHALLOW: Record<string, ShallowFn> = {
  'nfs.tag': (c) => { const t = nameText(c.tag); return t === undefined ? undefined : [t]; },
  'nfs.minorversion': (c) => (c.minorversion !== undefined && c.type === 'call' ? [c.minorversion] : undefined),
  'nfs.procedure_v4': (c) => (c.program === 'NFS' ? [c.procedure] : undefined),
  'nfs.cb_procedure': (c) => (c.program === 'NFS_CB' ? [c.procedure] : undefined),
  'nfs.ops.count': (c) => (c.program === 'NFS' && c.procedure === 1 ? [c.ops.length] : undefined),
  'nfs.opcode': (c) => (c.program === 'NFS' ? opnums(c) : undefined),
  'nfs.cb.operation': (c) => (c.program === 'NFS_CB' ? opnums(c) : undefined),
  'nfs.status': (c) => { const n = statusNumber(c.status); return n === undefined ? undefined : [n]; },
  'nfs.nfsstat4': (c) => {
    if (c.type !== 'reply') return undefined;
    const out: FieldValue[] = [];
    const n = statusNumber(c.status);
    if (n !== undefined) out.push(n);
    for (const op of c.ops) {
      const s = statusNumber(op.status);
      if (s !== undefined) out.push(s);
    }
    return out;
  },
  'nfs.malformed': (c) => {
    const out: FieldValue[] = [];
    for (const op of c.ops) if (op.malformed) out.push(`${op.op}: ${op.malformed.reason} at offset ${op.malformed.offset}`);
    if (c.malformed) out.push(`${c.malformed.reason} at offset ${c.malformed.offset}`);
    return out;
  },
};

function opnums(c: NfsCompound): FieldValue[] {
  const out: FieldValue[] = new Array(c.ops.length);
  for (let i = 0; i < c.ops.length; i++) out[i] = c.ops[i].opnum;
  return out;
}

/** Fields read from the compound and op headers alone (no walk of decoded values). */
export const SHALLOW_FIELDS: ReadonlySet<string> = new Set(Object.keys(SHALLOW));
const SHALLOW_FNS: ReadonlyMap<string, ShallowFn> = new Map(Object.entries(SHALLOW));

/** The header-level fields of one compound, as an index (for tests and tools). */
export function buildShallowIndex(c: NfsCompound): NfsIndex {
  const index: NfsIndex = new Map();
  for (const [name, fn] of Object.entries(SHALLOW)) {
    const v = fn(c);
    if (v !== undefined && v.length > 0) index.set(name, v);
  }
  return index;
}

/** Builds the fields found by walking every op's decoded value (uncached; see nfsIndex). */
export function buildDeepIndex(c: NfsCompound): NfsIndex {
  const index: NfsIndex = new Map();
  // CB_COMPOUND's header field; SETCLIENTID (4.0) carries another in its arguments.
  if (c.callbackIdent !== undefined) add(index, 'nfs.callback.ident', c.callbackIdent);
  for (const op of c.ops) {
    const body = op.args !== undefined ? op.args : op.res;
    if (body !== undefined) walkOp(index, op, body);
  }
  for (const [field, [source, fn]] of DERIVED) {
    const src = index.get(source);
    if (src) index.set(field, src.map(fn));
  }
  index.delete(STATEIDS);
  index.delete(DELEG_STATEIDS);
  return index;
}

/** Fields only some operations can carry: other ops are not walked for them. */
const FIELD_OPS = new Map<string, ReadonlySet<string>>();
{
  const notify = new Set(['CB_NOTIFY']);
  const gdd = new Set(['GET_DIR_DELEGATION']);
  for (const f of ['nfs.notify.type', 'nfs.notify.name', 'nfs.notify.cookie', 'nfs.notify.prev_name',
    'nfs.notify.prev_cookie', 'nfs.notify.last_entry']) FIELD_OPS.set(f, notify);
  for (const f of ['nfs.gdd.status', 'nfs.gdd.notification_types', 'nfs.gdd.notification',
    'nfs.gdd.signal_deleg_avail', 'nfs.gdd.will_signal_deleg_avail']) FIELD_OPS.set(f, gdd);
}

// A one-message cache of per-op walks: a filter and the output read all their fields of a
// message before the next message comes, so remembering the last compound is enough (a
// WeakMap keyed by every compound costs more in garbage collection than the walk it saves).
let lastCompound: NfsCompound | undefined;
let lastOps: Array<NfsIndex | undefined> = [];

function opIndex(c: NfsCompound, i: number): NfsIndex {
  let ix = lastOps[i];
  if (ix === undefined) {
    ix = new Map();
    const op = c.ops[i];
    const body = op.args !== undefined ? op.args : op.res;
    if (body !== undefined) walkOp(ix, op, body);
    lastOps[i] = ix;
  }
  return ix;
}

/** The values of one nfs.* field in a compound; each op is walked at most once per message. */
export function nfsFieldValues(c: NfsCompound, field: string): FieldValue[] | undefined {
  const shallow = SHALLOW_FNS.get(field);
  if (shallow !== undefined) return shallow(c);
  if (c !== lastCompound) {
    lastCompound = c;
    lastOps = [];
  }
  let out: FieldValue[] | undefined;
  if (field === 'nfs.callback.ident' && c.callbackIdent !== undefined) out = [c.callbackIdent];
  const derived = DERIVED.get(field);
  const key = derived ? derived[0] : field;
  const only = FIELD_OPS.get(field);
  for (let i = 0; i < c.ops.length; i++) {
    if (only !== undefined && !only.has(c.ops[i].op)) continue;
    const v = opIndex(c, i).get(key);
    if (v === undefined) continue;
    if (out === undefined) out = v;
    else out = out.concat(v);
  }
  return out && derived ? out.map(derived[1]) : out;
}

/**
 * nfs.nfsstat4 as tshark lists it: the compound status, each op's status, then the
 * rdattr_error attribute of every decoded fattr4 (READDIR entries, GETATTR results).
 */
export function nfsStatValues(c: NfsCompound): FieldValue[] | undefined {
  const head = nfsFieldValues(c, 'nfs.nfsstat4');
  if (c.type !== 'reply' || !c.ops.some((op) => op.op === 'READDIR' || op.op === 'GETATTR' || op.op === 'CB_GETATTR')) return head;
  const attr = nfsFieldValues(c, ATTR_STATUS);
  if (!attr) return head;
  return head ? head.concat(attr) : attr;
}

/** Every nfs.* value of a compound (uncached), for tests and tools. */
export function buildNfsIndex(c: NfsCompound): NfsIndex {
  const all = buildShallowIndex(c);
  for (const [k, v] of buildDeepIndex(c)) all.set(k, v);
  return all;
}
