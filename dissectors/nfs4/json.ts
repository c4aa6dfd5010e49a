/**
 * Output-side conversions of decoded XDR values: JSON per the team's XDR value conventions,
 * and escaping of names from the wire before they reach a terminal. Not used while decoding.
 */
import { bytesToHex } from './hash.js';

export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

interface WithToJson { toJSON(): unknown }

function hasToJson(v: object): v is WithToJson {
  return typeof (v as Partial<WithToJson>).toJSON === 'function';
}

function isFattr4(o: Record<string, unknown>): boolean {
  return Array.isArray(o.attrmask) && o.attr_vals instanceof Uint8Array;
}

function isNotify4(o: Record<string, unknown>): boolean {
  return Array.isArray(o.notify_mask) && o.notify_vals instanceof Uint8Array;
}

/**
 * Converts a decoded value to JSON: Uint8Array -> lowercase hex, bigint -> decimal string,
 * objects with toJSON (InvalidUtf8 -> {hex}) through it, fattr4 -> {attrmask, attrs},
 * notify4 -> {notify_mask, notify_vals: [{type, ...value fields}]}. undefined fields are left out.
 */
export function toJsonValue(v: unknown): JSONValue {
  switch (typeof v) {
    case 'string': case 'boolean': return v;
    case 'number': return Number.isFinite(v) ? v : String(v);
    case 'bigint': return v.toString();
    case 'undefined': return null;
    case 'object': break;
    default: return String(v);
  }
  if (v === null) return null;
  if (v instanceof Uint8Array) return bytesToHex(v);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (hasToJson(v)) return toJsonValue(v.toJSON());
  const o = v as Record<string, unknown>;
  if (isFattr4(o) && o.attrs !== undefined) {
    return { attrmask: toJsonValue(o.attrmask), attrs: toJsonValue(o.attrs) };
  }
  if (isNotify4(o) && Array.isArray(o.values)) {
    return { notify_mask: toJsonValue(o.notify_mask), notify_vals: (o.values as unknown[]).map(notifyValueJson) };
  }
  if (isListEntry(o)) return entryListJson(o);
  const out: { [key: string]: JSONValue } = {};
  for (const k in o) {
    const x = o[k];
    if (x !== undefined) out[k] = toJsonValue(x);
  }
  return out;
}

/** An entry of a linked list: a plain object with a `nextentry` key. */
export function isListEntry(v: unknown): v is Record<string, unknown> & { nextentry: unknown } {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v) && 'nextentry' in v;
}

/**
 * A linked list (READDIR's entry4, nextentry after nextentry) as an array of its entries
 * without their nextentry: nested, a directory of a thousand entries would be a thousand
 * levels deep (more than JSON.stringify or Python's json can take), and followed by
 * recursion it would exhaust the stack. A list's end that is not an entry (hand-built
 * values) ends the array as itself.
 */
function entryListJson(first: Record<string, unknown>): JSONValue[] {
  const list: JSONValue[] = [];
  let e: unknown = first;
  while (isListEntry(e)) {
    const item: { [key: string]: JSONValue } = {};
    for (const k in e) {
      const x = e[k];
      if (x !== undefined && k !== 'nextentry') item[k] = toJsonValue(x);
    }
    list.push(item);
    e = e.nextentry;
  }
  if (e !== undefined && e !== null) list.push(toJsonValue(e));
  return list;
}

/** One decoded notify4 entry {type, value} as {type, ...fields of value}. */
function notifyValueJson(e: unknown): JSONValue {
  if (typeof e !== 'object' || e === null) return toJsonValue(e);
  const entry = e as { type?: unknown; value?: unknown };
  const out: { [key: string]: JSONValue } = { type: toJsonValue(entry.type) };
  const val = entry.value;
  if (typeof val === 'object' && val !== null && !(val instanceof Uint8Array) && !Array.isArray(val)) {
    const fields = toJsonValue(val);
    if (fields !== null && typeof fields === 'object' && !Array.isArray(fields)) Object.assign(out, fields);
  } else if (val !== undefined) {
    out.value = toJsonValue(val);
  }
  for (const k in entry) {
    if (k !== 'type' && k !== 'value') {
      const x = (entry as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = toJsonValue(x);
    }
  }
  return out;
}

// C0 controls, DEL, C1 controls, backslash.
const NEEDS_ESCAPE = /[\x00-\x1f\x7f-\x9f\\]/;

/**
 * Escapes a string from the wire for display on a terminal: C0 controls, DEL and C1
 * controls become \xNN, a backslash becomes \\. Everything else is kept.
 */
export function escapeForTerminal(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += s[i];
  }
  return out;
}

/** A decoded name (string or InvalidUtf8) as display text, quoted and escaped. */
export function displayName(v: unknown): string {
  if (typeof v === 'string') return `"${escapeForTerminal(v).replace(/"/g, '\\"')}"`;
  if (typeof v === 'object' && v !== null) {
    const bytes = (v as { bytes?: unknown }).bytes;
    if (bytes instanceof Uint8Array) return `<invalid utf-8 ${bytesToHex(bytes)}>`;
    if (hasToJson(v)) {
      const j = v.toJSON() as { hex?: unknown };
      if (typeof j?.hex === 'string') return `<invalid utf-8 ${j.hex}>`;
    }
  }
  return '?';
}
