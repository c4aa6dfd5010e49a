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

/** One decoded notify4 value {type, value} as a NotifyEntry. Only the fields known are set,
 *  in a fixed order (an object built with undefined fields deleted afterwards turned into a
 *  slow dictionary-mode object). */
export function notifyEntryOf(v: unknown): NotifyEntry {
  const type = String(field(v, 'type') ?? 'UNKNOWN');
  const val = field(v, 'value');
  switch (type) {
    case 'NOTIFY4_ADD_ENTRY':
      return addEntry(type, val, false);
    case 'NOTIFY4_REMOVE_ENTRY': {
      const e: NotifyEntry = { type };
      const name = nameOf(path(val, 'nrm_old_entry', 'ne_file'));
      const cookie = cookieValue(field(val, 'nrm_old_entry_cookie'));
      if (name !== undefined) e.name = name;
      if (cookie !== undefined) e.cookie = cookie;
      return e;
    }
    case 'NOTIFY4_RENAME_ENTRY': {
      const e: NotifyEntry = { type };
      const name = nameOf(path(val, 'nrn_old_entry', 'nrm_old_entry', 'ne_file'));
      const probe = addEntry(type, field(val, 'nrn_new_entry'), true);
      if (name !== undefined) e.name = name;
      if (probe.name !== undefined) e.newName = probe.name;
      if (probe.cookie !== undefined) e.cookie = probe.cookie;
      if (probe.replacedName !== undefined) e.replacedName = probe.replacedName;
      if (probe.attrs !== undefined) e.attrs = probe.attrs;
      return e;
    }
    case 'NOTIFY4_CHANGE_CHILD_ATTRS':
    case 'NOTIFY4_CHANGE_DIR_ATTRS': {
      const e: NotifyEntry = { type };
      const name = nameOf(path(val, 'na_changed_entry', 'ne_file'));
      const attrs = attrNames(path(val, 'na_changed_entry', 'ne_attrs'));
      if (name !== undefined) e.name = name;
      if (attrs !== undefined) e.attrs = attrs;
      return e;
    }
    case 'NOTIFY4_CHANGE_COOKIE_VERIFIER': {
      const e: NotifyEntry = { type };
      const o = bytesField(val, 'nv_old_cookieverf');
      const n = bytesField(val, 'nv_new_cookieverf');
      if (o !== undefined) e.oldCookieverf = hexOf(o);
      if (n !== undefined) e.newCookieverf = hexOf(n);
      return e;
    }
    default:
      return { type };
  }
}

/** The entry of a notify_add4 (fields in the order: name, attrs, cookie, prevName,
 *  replacedName, lastEntry; only those known). `probe`: only what a rename takes from it. */
function addEntry(type: string, add: unknown, probe: boolean): NotifyEntry {
  const e: NotifyEntry = { type };
  const name = nameOf(path(add, 'nad_new_entry', 'ne_file'));
  const attrs = attrNames(path(add, 'nad_new_entry', 'ne_attrs'));
  const cookie = cookieValue(first(field(add, 'nad_new_entry_cookie')));
  if (name !== undefined) e.name = name;
  if (attrs !== undefined) e.attrs = attrs;
  if (cookie !== undefined) e.cookie = cookie;
  if (!probe) {
    const prev = first(field(add, 'nad_prev_entry'));
    const prevName = prev === undefined ? undefined : nameOf(path(prev, 'pe_prev_entry', 'ne_file'));
    if (prevName !== undefined) e.prevName = prevName;
  }
  const old = first(field(add, 'nad_old_entry'));
  const replacedName = old === undefined ? undefined : nameOf(path(old, 'nrm_old_entry', 'ne_file'));
  if (replacedName !== undefined) e.replacedName = replacedName;
  if (!probe) {
    const lastEntry = boolField(add, 'nad_last_entry');
    if (lastEntry !== undefined) e.lastEntry = lastEntry;
  }
  return e;
}
