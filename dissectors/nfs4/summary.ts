/** One-line descriptions of operations for summary lines and the TUI's packet list. */
import { displayName } from './json.js';
import type { NfsOp } from './types.js';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as Obj) : undefined;
}

/** ne_file of a notify_entry4. */
function entryName(entry: unknown): string {
  return displayName(obj(entry)?.ne_file);
}

const NOTIFY_SHORT: Record<string, string> = {
  NOTIFY4_CHANGE_CHILD_ATTRS: 'ATTRS',
  NOTIFY4_CHANGE_DIR_ATTRS: 'DIR_ATTRS',
  NOTIFY4_REMOVE_ENTRY: 'REMOVE',
  NOTIFY4_ADD_ENTRY: 'ADD',
  NOTIFY4_RENAME_ENTRY: 'RENAME',
  NOTIFY4_CHANGE_COOKIE_VERIFIER: 'VERIFIER',
};

/** "ADD \"x\"" etc. for one decoded notify4 value; undefined for bodiless flag bits. */
function notifyEntrySummary(e: unknown): string | undefined {
  const entry = obj(e);
  if (entry === undefined || typeof entry.type !== 'string') return undefined;
  const short = NOTIFY_SHORT[entry.type];
  if (short === undefined) return entry.type.startsWith('NOTIFY_DEVICEID4_') ? entry.type.slice(17) : undefined;
  if (entry.undecoded !== undefined) return `${short} <undecoded>`;
  const v = obj(entry.value);
  if (v === undefined) return short;
  switch (entry.type) {
    case 'NOTIFY4_CHANGE_CHILD_ATTRS':
      return `${short} ${entryName(v.na_changed_entry)}`;
    case 'NOTIFY4_REMOVE_ENTRY':
      return `${short} ${entryName(v.nrm_old_entry)}`;
    case 'NOTIFY4_ADD_ENTRY':
      return `${short} ${entryName(v.nad_new_entry)}`;
    case 'NOTIFY4_RENAME_ENTRY':
      return `${short} ${entryName(obj(v.nrn_old_entry)?.nrm_old_entry)}->${entryName(obj(v.nrn_new_entry)?.nad_new_entry)}`;
    default:
      return short;
  }
}

function cbNotifySummary(args: Obj | undefined): string {
  const parts: string[] = [];
  const changes = args?.cna_changes;
  if (Array.isArray(changes)) {
    for (const ch of changes) {
      const values = obj(ch)?.values;
      if (!Array.isArray(values)) continue;
      for (const v of values) {
        const s = notifyEntrySummary(v);
        if (s !== undefined) parts.push(s);
      }
    }
  }
  return parts.length === 0 ? 'CB_NOTIFY' : `CB_NOTIFY(${parts.join(', ')})`;
}

/** The file name an OPEN claims, when it names one. */
function openClaimName(claim: Obj | undefined): unknown {
  if (claim === undefined) return undefined;
  if (claim.file !== undefined) return claim.file;
  if (claim.file_delegate_prev !== undefined) return claim.file_delegate_prev;
  return obj(claim.delegate_cur_info)?.file;
}

/** Summary of an op whose name alone is not its summary. */
type OpSummarizer = (op: NfsOp) => string;

/**
 * The ops whose summary shows more than their name. Looked up by name once per op: op names
 * are sliced from the XDR enum names (not interned), so a switch over them compared text
 * against every case, while the map hashes each name string once.
 */
const SUMMARIZERS = new Map<string, OpSummarizer>([
  ['LOOKUP', (op) => withName(op, obj(op.args)?.objname)],
  ['CREATE', (op) => withName(op, obj(op.args)?.objname)],
  ['REMOVE', (op) => withName(op, obj(op.args)?.target)],
  ['LINK', (op) => withName(op, obj(op.args)?.newname)],
  ['RENAME', (op) => {
    const args = obj(op.args);
    return args?.oldname !== undefined ? `${op.op} ${displayName(args.oldname)}->${displayName(args.newname)}` : op.op;
  }],
  ['OPEN', (op) => withName(op, openClaimName(obj(obj(op.args)?.claim)))],
  ['CB_NOTIFY', (op) => (op.args !== undefined ? cbNotifySummary(obj(op.args)) : op.op)],
  ['GET_DIR_DELEGATION', (op) => {
    const nonFatal = obj(obj(op.res)?.gddr_res_non_fatal4);
    return nonFatal?.gddrnf_status === 'GDD4_UNAVAIL' ? 'GET_DIR_DELEGATION(UNAVAIL)' : op.op;
  }],
]);

/** "OP name" when the op names a file, else the op's name. */
function withName(op: NfsOp, name: unknown): string {
  return name !== undefined ? `${op.op} ${displayName(name)}` : op.op;
}

/**
 * Summary text of an op: its name, plus the name for LOOKUP/OPEN/CREATE/REMOVE/LINK/RENAME
 * calls, the entries of a CB_NOTIFY call, and (UNAVAIL) for a GET_DIR_DELEGATION reply that
 * was answered GDD4_UNAVAIL. Names are quoted and escaped for terminals.
 */
export function opSummary(op: NfsOp): string {
  const summarize = SUMMARIZERS.get(op.op);
  return summarize === undefined ? op.op : summarize(op);
}
