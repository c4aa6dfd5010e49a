/**
 * Value-name tables for enum fields (number -> name) and the reverse lookups the display
 * filter and the extractors need. NFSv4 names come from dissectors/nfs4/names.ts (RFC names);
 * RPC names from dissectors/rpc/header.ts; the few remaining small enums are RFC 8881 facts.
 */
import { cbOpName, nfsOpName, nfsStatName, NOTIFY_TYPE_NAMES } from '../nfs4/names.js';
import { ACCEPT_STAT_NAMES, AUTH_STAT_NAMES, REJECT_STAT_NAMES, flavorName } from '../rpc/header.js';

export type EnumTable = ReadonlyMap<number, string>;

function fromRange(lo: number, hi: number, name: (n: number) => string, isUnnamed: (n: number, s: string) => boolean): Map<number, string> {
  const m = new Map<number, string>();
  for (let n = lo; n <= hi; n++) {
    const s = name(n);
    if (!isUnnamed(n, s)) m.set(n, s);
  }
  return m;
}

function fromList(names: readonly string[], start = 0): Map<number, string> {
  const m = new Map<number, string>();
  names.forEach((s, i) => m.set(start + i, s));
  return m;
}

function merge(...maps: Map<number, string>[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const x of maps) for (const [k, v] of x) m.set(k, v);
  return m;
}

const unknownOp = (_n: number, s: string): boolean => s.startsWith('UNKNOWN_');

export const NFS_OPCODES: EnumTable = merge(
  fromRange(0, 200, nfsOpName, unknownOp),
  fromRange(10044, 10044, nfsOpName, unknownOp),
);
export const CB_OPCODES: EnumTable = merge(
  fromRange(0, 200, cbOpName, unknownOp),
  fromRange(10044, 10044, cbOpName, unknownOp),
);
export const NFSSTAT4: EnumTable = merge(
  fromRange(0, 200, nfsStatName, (n, s) => s === String(n)),
  fromRange(10000, 10200, nfsStatName, (n, s) => s === String(n)),
);
export const NOTIFY_TYPES: EnumTable = fromList(NOTIFY_TYPE_NAMES);

export const OPEN_DELEGATION_TYPE4: EnumTable = fromList([
  'OPEN_DELEGATE_NONE', 'OPEN_DELEGATE_READ', 'OPEN_DELEGATE_WRITE', 'OPEN_DELEGATE_NONE_EXT',
  'OPEN_DELEGATE_READ_ATTRS_DELEG', 'OPEN_DELEGATE_WRITE_ATTRS_DELEG',
]);
export const WHY_NO_DELEGATION4: EnumTable = fromList([
  'WND4_NOT_WANTED', 'WND4_CONTENTION', 'WND4_RESOURCE', 'WND4_NOT_SUPP_FTYPE',
  'WND4_WRITE_DELEG_NOT_SUPP_FTYPE', 'WND4_NOT_SUPP_UPGRADE', 'WND4_NOT_SUPP_DOWNGRADE',
  'WND4_CANCELLED', 'WND4_IS_DIR',
]);
export const OPEN_CLAIM_TYPE4: EnumTable = fromList([
  'CLAIM_NULL', 'CLAIM_PREVIOUS', 'CLAIM_DELEGATE_CUR', 'CLAIM_DELEGATE_PREV', 'CLAIM_FH',
  'CLAIM_DELEG_CUR_FH', 'CLAIM_DELEG_PREV_FH',
]);
export const GDDRNF4_STATUS: EnumTable = fromList(['GDD4_OK', 'GDD4_UNAVAIL']);
export const NFS_FTYPE4: EnumTable = fromList([
  'NF4REG', 'NF4DIR', 'NF4BLK', 'NF4CHR', 'NF4LNK', 'NF4SOCK', 'NF4FIFO', 'NF4ATTRDIR', 'NF4NAMEDATTR',
], 1);

/** Wireshark's value names for rpc.msgtyp. */
export const RPC_MSG_TYPE: EnumTable = fromList(['Call', 'Reply']);
export const RPC_REPLY_STAT: EnumTable = fromList(['MSG_ACCEPTED', 'MSG_DENIED']);
export const RPC_ACCEPT_STAT: EnumTable = fromList(ACCEPT_STAT_NAMES);
export const RPC_REJECT_STAT: EnumTable = fromList(REJECT_STAT_NAMES);
export const RPC_AUTH_STAT: EnumTable = fromList(AUTH_STAT_NAMES);
export const RPC_AUTH_FLAVOR: EnumTable = fromRange(0, 7, flavorName, (_n, s) => s.startsWith('flavor '));
export const RPC_GSS_PROC: EnumTable = fromList(['RPCSEC_GSS_DATA', 'RPCSEC_GSS_INIT', 'RPCSEC_GSS_CONTINUE_INIT', 'RPCSEC_GSS_DESTROY']);
export const RPC_GSS_SERVICE: EnumTable = fromList(['rpc_gss_svc_none', 'rpc_gss_svc_integrity', 'rpc_gss_svc_privacy'], 1);

const reverseCache = new WeakMap<EnumTable, Map<string, number>>();

/** name -> number for a table (exact names). */
export function reverse(table: EnumTable): Map<string, number> {
  let r = reverseCache.get(table);
  if (!r) {
    r = new Map();
    for (const [k, v] of table) r.set(v, k);
    reverseCache.set(table, r);
  }
  return r;
}

/**
 * A decoded enum value (the XDR convention: the constant's name, or the number when it has
 * none; op status strings may be a decimal string) as its number, or undefined.
 */
export function enumNumber(table: EnumTable, v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const n = reverse(table).get(v);
  if (n !== undefined) return n;
  if (/^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** Prefixes a user may leave out when naming a value in a filter (OP_SEQUENCE = SEQUENCE). */
const OPTIONAL_PREFIXES = ['NOTIFY4_'];

/**
 * Resolves a value name typed in a filter: exact or case-insensitive match, 'OP_' before an
 * operation name, or a notify type without 'NOTIFY4_'.
 */
export function lookupValueName(table: EnumTable, name: string): number | undefined {
  const r = reverse(table);
  const exact = r.get(name);
  if (exact !== undefined) return exact;
  const upper = name.toUpperCase();
  const candidates = [upper];
  if (upper.startsWith('OP_')) candidates.push(upper.slice(3));
  for (const p of OPTIONAL_PREFIXES) candidates.push(p + upper);
  for (const [k, v] of table) {
    const vu = v.toUpperCase();
    for (const c of candidates) if (vu === c) return k;
  }
  return undefined;
}
