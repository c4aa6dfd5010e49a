/**
 * One entry point for `read`: picks the formatter of an output format. Each returns the
 * text of one message without a trailing newline (a -V tree ends with an empty line, as
 * tshark separates packets).
 */
import type { FieldDef, FieldSource } from '../../dissectors/fields/types.js';
import { formatFieldsLine, type FieldsOptions } from './fields.js';
import { formatJsonLine } from './json.js';
import { formatSummaryLine, type SummaryOptions } from './summary.js';
import { buildTree, formatTreeText, type TreeOptions } from './tree.js';
import { formatTreeJson } from './tree-json.js';

export type OutputFormat = 'summary' | 'json' | 'tree' | 'tree-json' | 'fields';

export interface OutputOptions {
  format: OutputFormat;
  /** For 'fields': the resolved -e fields (resolveFieldList). */
  fields?: readonly FieldDef[];
  fieldsOptions?: FieldsOptions;
  summary?: SummaryOptions;
  tree?: TreeOptions;
}

export function messageFormatter(o: OutputOptions): (src: FieldSource) => string {
  switch (o.format) {
    case 'summary': return (s) => formatSummaryLine(s, o.summary);
    case 'json': return formatJsonLine;
    case 'tree': return (s) => formatTreeText(buildTree(s, o.tree));
    case 'tree-json': return (s) => formatTreeJson(s, o.tree);
    case 'fields': {
      const fields = o.fields ?? [];
      return (s) => formatFieldsLine(s, fields, o.fieldsOptions);
    }
  }
}
