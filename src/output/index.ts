/** Output formats of RPC/NFS messages: pure functions from FieldSource to text. */
export { fieldSourceOf, splitEndpoint, relativeTime, type MessageLike, type Endpoint } from './source.js';
export { formatSummaryLine, writeSummaryLine, summaryInfo, type SummaryOptions } from './summary.js';
export { formatJsonLine, formatJsonSummary, jsonMessage, writeJsonLine, writeJsonValue, type JsonMessage, type JsonOp } from './json.js';
export { buildTree, formatTreeText, TREE_MAX_ELEMENTS, type TreeNode, type TreeOptions } from './tree.js';
export { formatTreeJson, writeTreeJson } from './tree-json.js';
export { ByteWriter, type ByteSink } from './byte-writer.js';
export { resolveFieldList, formatFieldsHeader, formatFieldsLine, writeFieldsLine, formatFieldList, type FieldsOptions, type FieldListResult } from './fields.js';
export { messageFormatter, type OutputFormat, type OutputOptions } from './format.js';
