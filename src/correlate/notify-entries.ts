/**
 * CB_NOTIFY entries: decoded notify4 values (the hook's `values`) turned into NotifyEntry,
 * and which change a notification can report. Pure functions over decoded values.
 */
import { hexOf } from './hex-cache.js';
import { attrMaskNames } from '../../dissectors/nfs4/names.js';
import type { NotifyEntry } from './types.js';
import { bitmapField, boolField, bytesField, field, nameOf, path } from './wire-views.js';

/** The change a notification may report (the correlator's view of a mutating op). */
export interface ChangeView {
  kind: string;
  dir?: string;
  name?: string;
  toDir?: string;
  newName?: string;
  obj?: string;
}

export function cookieValue(v: unknown): number | string | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return v.toString();
  return undefined;
}

/** optional-array fields (nad_new_entry_cookie<1>, nad_old_entry<1>): first element. */
export function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v ?? undefined;
}

/** Could this notify entry (to a delegation on directory fh) report this change? */
export function entryFits(e: NotifyEntry, m: ChangeView, fh: string): boolean {
  switch (e.type) {
    case 'NOTIFY4_ADD_ENTRY':
      return ((m.kind === 'create' || m.kind === 'open-create' || m.kind === 'link') && m.dir === fh && m.name === e.name)
        || (m.kind === 'rename' && m.toDir === fh && m.newName === e.name);
    case 'NOTIFY4_REMOVE_ENTRY':
      return (m.kind === 'remove' || m.kind === 'rename') && m.dir === fh && m.name === e.name;
    case 'NOTIFY4_RENAME_ENTRY':
      return m.kind === 'rename' && m.dir === fh && m.toDir === fh && m.name === e.name && m.newName === e.newName;
    case 'NOTIFY4_CHANGE_CHILD_ATTRS':
      return m.kind === 'setattr' && m.dir === fh && m.name === e.name;
    case 'NOTIFY4_CHANGE_DIR_ATTRS':
      return m.kind === 'setattr' && m.obj === fh;
    default:
      return false;
  }
}

function attrNames(fattr: unknown): string[] | undefined {
  const mask = bitmapField(fattr, 'attrmask');
  if (mask === undefined) return undefined;
  const names = attrMaskNames(mask);
  return names.length === 0 ? undefined : names;
}

/** One decoded notify4 value {type, value} as a NotifyEntry. */
export function notifyEntryOf(v: unknown): NotifyEntry {
  const type = String(field(v, 'type') ?? 'UNKNOWN');
  const val = field(v, 'value');
  const e: NotifyEntry = { type };
  switch (type) {
    case 'NOTIFY4_ADD_ENTRY':
      fillAdd(e, val);
      break;
    case 'NOTIFY4_REMOVE_ENTRY': {
      e.name = nameOf(path(val, 'nrm_old_entry', 'ne_file'));
      e.cookie = cookieValue(field(val, 'nrm_old_entry_cookie'));
      break;
    }
    case 'NOTIFY4_RENAME_ENTRY': {
      e.name = nameOf(path(val, 'nrn_old_entry', 'nrm_old_entry', 'ne_file'));
      const add = field(val, 'nrn_new_entry');
      const probe: NotifyEntry = { type };
      fillAdd(probe, add);
      e.newName = probe.name;
      e.cookie = probe.cookie;
      e.replacedName = probe.replacedName;
      e.attrs = probe.attrs;
      break;
    }
    case 'NOTIFY4_CHANGE_CHILD_ATTRS':
    case 'NOTIFY4_CHANGE_DIR_ATTRS': {
      e.name = nameOf(path(val, 'na_changed_entry', 'ne_file'));
      e.attrs = attrNames(path(val, 'na_changed_entry', 'ne_attrs'));
      break;
    }
    case 'NOTIFY4_CHANGE_COOKIE_VERIFIER': {
      const o = bytesField(val, 'nv_old_cookieverf');
      const n = bytesField(val, 'nv_new_cookieverf');
      if (o !== undefined) e.oldCookieverf = hexOf(o);
      if (n !== undefined) e.newCookieverf = hexOf(n);
      break;
    }
    default:
      break;
  }
  for (const k of Object.keys(e) as Array<keyof NotifyEntry>) if (e[k] === undefined) delete e[k];
  return e;
}

function fillAdd(e: NotifyEntry, add: unknown): void {
  e.name = nameOf(path(add, 'nad_new_entry', 'ne_file'));
  e.attrs = attrNames(path(add, 'nad_new_entry', 'ne_attrs'));
  e.cookie = cookieValue(first(field(add, 'nad_new_entry_cookie')));
  const prev = first(field(add, 'nad_prev_entry'));
  if (prev !== undefined) e.prevName = nameOf(path(prev, 'pe_prev_entry', 'ne_file'));
  const old = first(field(add, 'nad_old_entry'));
  if (old !== undefined) e.replacedName = nameOf(path(old, 'nrm_old_entry', 'ne_file'));
  e.lastEntry = boolField(add, 'nad_last_entry');
}
