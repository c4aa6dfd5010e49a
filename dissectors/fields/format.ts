/**
 * Text forms of field values: 'fields' is tshark's `-T fields` convention (enums and booleans
 * as numbers, integers in the field's base, bytes as plain hex); 'display' is for people
 * (enum names, True/False). Strings from the wire are escaped for the terminal in both.
 */
import { bytesToHex } from '../nfs4/hash.js';
import { escapeForTerminal } from '../nfs4/json.js';
import type { FieldDef, FieldSource, FieldValue } from './types.js';

export type ValueStyle = 'fields' | 'display';

function hexOf(v: number | bigint, digits: number): string {
  const s = typeof v === 'bigint' ? v.toString(16) : (v >= 0 ? v : v >>> 0).toString(16);
  return '0x' + s.padStart(digits, '0');
}

function seconds9(v: number): string {
  return v.toFixed(9);
}

/** One value as text. */
export function formatFieldValue(def: FieldDef, v: FieldValue, style: ValueStyle): string {
  if (v instanceof Uint8Array) return bytesToHex(v);
  switch (typeof v) {
    case 'boolean':
      if (def.type === 'none') return style === 'fields' ? '' : 'present';
      return style === 'fields' ? (v ? '1' : '0') : (v ? 'True' : 'False');
    case 'string':
      return escapeForTerminal(v);
    case 'bigint':
    case 'number':
      break;
    default:
      return String(v);
  }
  switch (def.type) {
    case 'abs_time': {
      const n = Number(v);
      if (style === 'fields') return seconds9(n);
      const d = new Date(Math.floor(n * 1000));
      return Number.isNaN(d.getTime()) ? seconds9(n) : `${d.toISOString().slice(0, 19).replace('T', ' ')}.${seconds9(n).split('.')[1]} UTC`;
    }
    case 'rel_time':
      return style === 'fields' ? seconds9(Number(v)) : `${seconds9(Number(v))} seconds`;
    case 'enum': {
      if (style === 'fields') return String(v);
      const name = typeof v === 'number' ? def.values?.get(v) : undefined;
      return name !== undefined ? `${name} (${v})` : String(v);
    }
    default: {
      const body = def.base === 'hex' ? hexOf(v, def.hexDigits ?? 8) : v.toString();
      if (style === 'display' && def.values && typeof v === 'number') {
        const name = def.values.get(v);
        if (name !== undefined) return `${name} (${body})`;
      }
      return body;
    }
  }
}

/** Every value of a field in one message as text (frame.time_epoch exact to the nanosecond). */
export function fieldTexts(def: FieldDef, src: FieldSource, style: ValueStyle): string[] {
  if (def.name === 'frame.time_epoch' && style === 'fields') {
    return [`${src.sec}.${String(src.nsec).padStart(9, '0')}`];
  }
  const vals = def.extract(src);
  const out: string[] = new Array(vals.length);
  for (let i = 0; i < vals.length; i++) out[i] = formatFieldValue(def, vals[i], style);
  return out;
}
