/**
 * `-T fields -e a -e b`: tab-separated values, several values of one field joined with ','
 * (tshark's defaults), each value in tshark's -T fields form (enums and booleans as numbers,
 * integers in the field's base, bytes as plain hex, strings escaped for the terminal).
 */
import { fieldTexts } from '../../dissectors/fields/format.js';
import { PROTOCOLS, getField } from '../../dissectors/fields/registry.js';
import type { FieldDef, FieldSource } from '../../dissectors/fields/types.js';

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
  const sep = opts.separator ?? '\t';
  const occ = opts.occurrence ?? ',';
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) line += sep;
    line += fieldTexts(fields[i], src, 'fields').join(occ);
  }
  return line;
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
