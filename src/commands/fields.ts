/** `nfscope fields`: the field registry, one field a line (name, type, label), like tshark -G fields. */
import { FIELDS } from '../../dissectors/fields/registry.js';

export function listFields(): string {
  return FIELDS.map((f) => `${f.name}\t${f.type}\t${f.label}`).join('\n') + '\n';
}
