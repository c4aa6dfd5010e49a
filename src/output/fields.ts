/**
 * `-T fields -e a -e b`: tab-separated values, several values of one field joined with ','
 * (tshark's defaults), each value in tshark's -T fields form (enums and booleans as numbers,
 * integers in the field's base, bytes as plain hex, strings escaped for the terminal).
 */
import { fieldTexts, formatFieldValue } from '../../dissectors/fields/format.js';
import { PROTOCOLS, getField } from '../../dissectors/fields/registry.js';
import type { FieldDef, FieldSource } from '../../dissectors/fields/types.js';
import { ByteWriter } from './byte-writer.js';

export interface FieldsOptions {
  /** Between fields (default tab). */
  separator?: string;
  /** Between several values of one field (default ','). */
  occurrence?: string;
}

export type FieldListResult =
  | { ok: true; fields: FieldDef[] }
  | { ok: false; error: string; name: string };

/** Looks up `-e` names; an unknown name is an error naming it. */
export function resolveFieldList(names: readonly string[]): FieldListResult {
  const fields: FieldDef[] = [];
  for (const name of names) {
    const d = getField(name);
    if (!d) {
      const why = PROTOCOLS.has(name) ? 'is a protocol, not a field' : 'is not a known field';
      return { ok: false, error: `"${name}" ${why} (nfscope fields lists them)`, name };
    }
    fields.push(d);
  }
  return { ok: true, fields };
}

/** The header line (-E header=y): the field names. */
export function formatFieldsHeader(fields: readonly FieldDef[], opts: FieldsOptions = {}): string {
  return fields.map((f) => f.name).join(opts.separator ?? '\t');
}

/** One message's line (no trailing newline). */
export function formatFieldsLine(src: FieldSource, fields: readonly FieldDef[], opts: FieldsOptions = {}): string {
  scratch.reset();
  writeFieldsLine(scratch, src, fields, opts);
  return scratch.text();
}

/** Where formatFieldsLine builds its line. */
const scratch = new ByteWriter(256);

/**
 * One message's line written as UTF-8 into `w` (no trailing newline): each value as
 * formatFieldValue has it ('fields' style). Unsigned 32-bit integers in decimal or hex, the
 * values of most fields asked for (xids, frame numbers, ports, op codes), are written without
 * building their text.
 */
export function writeFieldsLine(w: ByteWriter, src: FieldSource, fields: readonly FieldDef[], opts: FieldsOptions = {}): void {
  const sep = opts.separator ?? '\t';
  const occ = opts.occurrence ?? ',';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) w.utf8(sep);
    const def = fields[i];
    if (!numbersAsIntegers(def)) {
      w.utf8(fieldTexts(def, src, 'fields').join(occ));
      continue;
    }
    const hex = def.base === 'hex' && def.type !== 'enum';
    const digits = def.hexDigits ?? 8;
    const vals = def.extract(src);
    for (let k = 0; k < vals.length; k++) {
      if (k > 0) w.utf8(occ);
      const v = vals[k];
      if (typeof v !== 'number' || v !== v >>> 0 || (hex && digits > 8)) w.utf8(formatFieldValue(def, v, 'fields'));
      else if (!hex) w.uint32(v);
      else {
        w.ascii('0x');
        w.hexWord(v, digits);
      }
    }
  }
}

/** Fields whose numbers formatFieldValue writes as integers, in decimal (enums always) or in
 *  hex by the field's base ('fields' style); times and frame.time_epoch are not. */
function numbersAsIntegers(def: FieldDef): boolean {
  return def.type !== 'abs_time' && def.type !== 'rel_time' && def.type !== 'none' && def.name !== 'frame.time_epoch';
}

/**
 * `nfscope fields`: one line per registry field (name, type, label, origin, note), optionally
 * only those whose name contains `match`.
 */
export function formatFieldList(fields: readonly FieldDef[], match?: string): string {
  const rows = fields.filter((f) => match === undefined || f.name.includes(match));
  const width = Math.max(...rows.map((f) => f.name.length), 10);
  return rows.map((f) => {
    const origin = f.wireshark ? 'wireshark' : 'nfscope';
    const note = f.blurb ? `  ${f.blurb}` : '';
    return `${f.name.padEnd(width)}  ${f.type.padEnd(8)}  ${origin.padEnd(9)}  ${f.label}${note}`;
  }).join('\n');
}
