export type { FieldDef, FieldSource, FieldType, FieldValue, FieldBase, RpcMessageLike } from './types.js';
export { FIELDS, PROTOCOLS, getField, fieldValues } from './registry.js';
export { formatFieldValue, fieldTexts, type ValueStyle } from './format.js';
export { nfsFieldValues, buildNfsIndex, nameText, SHALLOW_FIELDS } from './nfs-index.js';
export { lookupValueName, enumNumber, type EnumTable } from './enums.js';
