/**
 * Walks a COMPOUND's operations the way the server does, tracking the current and saved
 * filehandles, so each op can be attributed to an object. Filehandles that only become known
 * from a later GETFH (LOOKUP "x"; GETFH) are shared slots filled in when the GETFH result is
 * seen, so a walk over call + reply resolves them.
 */
import type { NfsOp } from '../../dissectors/nfs4/types.js';
import { hexOf } from './hex-cache.js';
import { field, getfhObject, lookupName, nameOf, objectValue, putfhObject } from './wire-views.js';

/** A current-filehandle value: known bytes (hex), and/or how it was reached (parent + name).
 *  Every field is always present (undefined when unknown): one object shape. */
export interface FhSlot {
  hex: string | undefined;
  parent: FhSlot | undefined;
  name: string | undefined;
  root: boolean;
  /** How to find this object without its bytes: '/' for the root, '<parent key>/<name>' below
   *  a known key. Names learned under this key resolve later walks that never saw the bytes.
   *  Read only while `hex` is unknown (a child slot resolved to bytes at once has none). */
  key: string | undefined;
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
  if (s.root) return '/';
  return s.hex ?? s.key;
}

export interface WalkStep {
  index: number;
  op: string;
  args: unknown;
  res: unknown;
  /** Reply status of this op; undefined for a call-only walk or an op not executed. */
  status: string | undefined;
  /** Current and saved filehandle before the op, current after it. */
  cfh: FhSlot | undefined;
  sfh: FhSlot | undefined;
  after: FhSlot | undefined;
}

/** Resolves `name` in the directory whose key (see parentKeyOf) is `parentKey` to its
 *  filehandle, from names learned earlier. */
export type ChildResolver = (parentKey: string, name: string) => string | undefined;

/** Claim types whose OPEN names a file within the current (directory) filehandle. */
const NAMED_CLAIMS = new Set(['CLAIM_NULL', 'CLAIM_DELEGATE_CUR', 'CLAIM_DELEGATE_PREV', 0, 2, 3]);

export function openClaimName(args: unknown): string | undefined {
  // Named loads (not field()): every OPEN is read here two or three times, and these sites
  // see only OPEN4args and open_claim4 shapes (see wire-views.ts, hot-path accessors).
  const claim = objectValue(objectValue(args)?.claim);
  if (claim === undefined) return undefined;
  const type = claim.claim;
  if (!NAMED_CLAIMS.has(type as string | number)) return undefined;
  return nameOf(claim.file) ?? nameOf(objectValue(claim.delegate_cur_info)?.file) ?? nameOf(claim.file_delegate_prev);
}

/** Objects a walker keeps for reuse: compounds are a handful of ops; a longer one gets fresh
 *  objects beyond these (not kept), so a hostile compound cannot grow the pools. */
const MAX_POOLED_STEPS = 64;
const MAX_POOLED_SLOTS = 128;

/**
 * Walks compounds with reused step and slot objects: the correlator walks every analysed
 * compound at its call and again at its reply, and per-walk objects were a large share of
 * its garbage. The steps returned are valid until the next walk() of the same walker (the
 * caller reads them at once and keeps only strings taken from them).
 */
export class CompoundWalker {
  /** The arrays returned, one per compound length: emptying and refilling one array (length
   *  = 0, push) gave back and reallocated its storage at every walk. */
  private readonly stepArrays: Array<WalkStep[] | undefined> = [];
  private readonly stepPool: WalkStep[] = [];
  private readonly slotPool: FhSlot[] = [];
  private slotsUsed = 0;

  walk(callOps: readonly NfsOp[] | undefined, replyOps: readonly NfsOp[] | undefined, resolve: ChildResolver): readonly WalkStep[] {
    const nc = callOps === undefined ? 0 : callOps.length;
    const nr = replyOps === undefined ? 0 : replyOps.length;
    const n = nc > nr ? nc : nr;
    const steps = this.stepArray(n);
    this.slotsUsed = 0;
    let cfh: FhSlot | undefined;
    let sfh: FhSlot | undefined;
    for (let i = 0; i < n; i++) {
      const c = i < nc ? (callOps as readonly NfsOp[])[i] : undefined;
      const r = i < nr ? (replyOps as readonly NfsOp[])[i] : undefined;
      const step = this.step(i);
      const op = c !== undefined ? c.op : r !== undefined ? r.op : 'UNKNOWN';
      step.op = op;
      const args = c === undefined ? undefined : c.args;
      step.args = args;
      step.res = r === undefined ? undefined : r.res;
      step.status = r === undefined ? undefined : r.status;
      step.cfh = cfh;
      step.sfh = sfh;
      switch (op) {
        case 'PUTFH': {
          const fh = putfhObject(args);
          const hex = fh === undefined ? undefined : hexOf(fh);
          cfh = this.slot(hex, undefined, undefined, false, hex);
          break;
        }
        case 'PUTROOTFH':
        case 'PUTPUBFH':
          cfh = this.slot(undefined, undefined, undefined, true, '/');
          break;
        case 'LOOKUP':
          cfh = this.child(cfh, lookupName(args), resolve);
          break;
        case 'LOOKUPP':
        case 'OPENATTR':
          cfh = this.slot(undefined, undefined, undefined, false, undefined);
          break;
        case 'OPEN': {
          const name = openClaimName(args);
          if (name !== undefined || args === undefined) cfh = this.child(cfh, name, resolve);
          break;
        }
        case 'CREATE':
          // A new object: an older one of the same name is not it.
          cfh = this.child(cfh, nameOf(field(args, 'objname')), undefined);
          break;
        case 'SAVEFH':
          sfh = cfh;
          break;
        case 'RESTOREFH':
          cfh = sfh;
          break;
        case 'GETFH': {
          const fh = getfhObject(step.res);
          if (fh !== undefined) {
            if (cfh === undefined) cfh = this.slot(undefined, undefined, undefined, false, undefined);
            cfh.hex = hexOf(fh);
          }
          break;
        }
        default:
          break;
      }
      step.after = cfh;
      steps[i] = step;
    }
    return steps;
  }

  private stepArray(n: number): WalkStep[] {
    if (n >= MAX_POOLED_STEPS) return new Array<WalkStep>(n);
    let a = this.stepArrays[n];
    if (a === undefined) {
      a = new Array<WalkStep>(n);
      this.stepArrays[n] = a;
    }
    return a;
  }

  private child(parent: FhSlot | undefined, name: string | undefined, resolve: ChildResolver | undefined): FhSlot {
    const pk = parentKeyOf(parent);
    if (pk === undefined || name === undefined) return this.slot(undefined, parent, name, false, undefined);
    const hex = resolve === undefined ? undefined : resolve(pk, name);
    // A slot with bytes is known by them (slotId, parentKeyOf): its name path is never read,
    // so it is only built for a name not resolved (most LOOKUPs and OPENs resolve).
    return this.slot(hex, parent, name, false, hex === undefined ? childKey(pk, name) : undefined);
  }

  private step(i: number): WalkStep {
    if (i < this.stepPool.length) return this.stepPool[i];
    const s: WalkStep = {
      index: i, op: '', args: undefined, res: undefined, status: undefined, cfh: undefined, sfh: undefined, after: undefined,
    };
    if (i < MAX_POOLED_STEPS) this.stepPool.push(s);
    return s;
  }

  private slot(hex: string | undefined, parent: FhSlot | undefined, name: string | undefined, root: boolean, key: string | undefined): FhSlot {
    const i = this.slotsUsed++;
    if (i < this.slotPool.length) {
      const s = this.slotPool[i];
      s.hex = hex;
      s.parent = parent;
      s.name = name;
      s.root = root;
      s.key = key;
      return s;
    }
    const s: FhSlot = { hex, parent, name, root, key };
    if (i < MAX_POOLED_SLOTS) this.slotPool.push(s);
    return s;
  }
}
