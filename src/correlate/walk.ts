/**
 * Walks a COMPOUND's operations the way the server does, tracking the current and saved
 * filehandles, so each op can be attributed to an object. Filehandles that only become known
 * from a later GETFH (LOOKUP "x"; GETFH) are shared slots filled in when the GETFH result is
 * seen, so a walk over call + reply resolves them.
 */
import type { NfsOp } from '../../dissectors/nfs4/types.js';
import { hexOf } from './hex-cache.js';
import { bytesField, field, nameOf, path } from './wire-views.js';

/** A current-filehandle value: known bytes (hex), and/or how it was reached (parent + name). */
export interface FhSlot {
  hex?: string;
  parent?: FhSlot;
  name?: string;
  root?: boolean;
  /** How to find this object without its bytes: '/' for the root, '<parent key>/<name>' below
   *  a known key. Names learned under this key resolve later walks that never saw the bytes. */
  key?: string;
}

/** The children-table key of `name` under a parent key. */
export function childKey(parentKey: string, name: string): string {
  return parentKey === '/' ? '/' + name : parentKey + '/' + name;
}

/** The best identity of a slot: its filehandle hex, else its name-path key. */
export function slotId(s: FhSlot | undefined): string | undefined {
  return s === undefined ? undefined : s.hex ?? s.key;
}

export function parentKeyOf(s: FhSlot | undefined): string | undefined {
  if (s === undefined) return undefined;
  if (s.root === true) return '/';
  return s.hex ?? s.key;
}

function child(parent: FhSlot | undefined, name: string | undefined, resolve: ChildResolver): FhSlot {
  const pk = parentKeyOf(parent);
  const key = pk !== undefined && name !== undefined ? childKey(pk, name) : undefined;
  return { parent, name, key, hex: key === undefined ? undefined : resolve(key) };
}

export interface WalkStep {
  index: number;
  op: string;
  args: unknown;
  res: unknown;
  /** Reply status of this op; undefined for a call-only walk or an op not executed. */
  status?: string;
  /** Current and saved filehandle before the op, current after it. */
  cfh?: FhSlot;
  sfh?: FhSlot;
  after?: FhSlot;
}

/** Resolves a child key (see childKey) to its filehandle from names learned earlier. */
export type ChildResolver = (key: string) => string | undefined;

/** Claim types whose OPEN names a file within the current (directory) filehandle. */
const NAMED_CLAIMS = new Set(['CLAIM_NULL', 'CLAIM_DELEGATE_CUR', 'CLAIM_DELEGATE_PREV', 0, 2, 3]);

export function openClaimName(args: unknown): string | undefined {
  const claim = field(args, 'claim');
  const type = field(claim, 'claim');
  if (!NAMED_CLAIMS.has(type as string | number)) return undefined;
  return nameOf(field(claim, 'file')) ?? nameOf(path(claim, 'delegate_cur_info', 'file')) ?? nameOf(field(claim, 'file_delegate_prev'));
}

export function walkCompound(callOps: readonly NfsOp[] | undefined, replyOps: readonly NfsOp[] | undefined, resolve: ChildResolver): WalkStep[] {
  const n = Math.max(callOps?.length ?? 0, replyOps?.length ?? 0);
  const steps: WalkStep[] = [];
  let cfh: FhSlot | undefined;
  let sfh: FhSlot | undefined;
  for (let i = 0; i < n; i++) {
    const c = callOps?.[i];
    const r = replyOps?.[i];
    const op = c?.op ?? r?.op ?? 'UNKNOWN';
    const args = c?.args;
    const res = r?.res;
    const step: WalkStep = { index: i, op, args, res, status: r?.status, cfh, sfh };
    switch (op) {
      case 'PUTFH': {
        const fh = bytesField(args, 'object');
        const hex = fh === undefined ? undefined : hexOf(fh);
        cfh = { hex, key: hex };
        break;
      }
      case 'PUTROOTFH':
      case 'PUTPUBFH':
        cfh = { root: true, key: '/' };
        break;
      case 'LOOKUP': {
        cfh = child(cfh, nameOf(field(args, 'objname')), resolve);
        break;
      }
      case 'LOOKUPP':
      case 'OPENATTR':
        cfh = {};
        break;
      case 'OPEN': {
        const name = openClaimName(args);
        if (name !== undefined || args === undefined) cfh = child(cfh, name, resolve);
        break;
      }
      case 'CREATE': {
        // A new object: an older one of the same name is not it.
        cfh = child(cfh, nameOf(field(args, 'objname')), () => undefined);
        break;
      }
      case 'SAVEFH':
        sfh = cfh;
        break;
      case 'RESTOREFH':
        cfh = sfh;
        break;
      case 'GETFH': {
        const fh = bytesField(field(res, 'resok4'), 'object');
        if (fh !== undefined) {
          if (cfh === undefined) cfh = {};
          cfh.hex = hexOf(fh);
        }
        break;
      }
      default:
        break;
    }
    step.after = cfh;
    steps.push(step);
  }
  return steps;
}
