/** The NFSv4 dissector layer: compound decoding, hooks, names, hashes, output helpers. */
export type { Malformed, NfsCompound, NfsOp, Span } from './types.js';
export { decodeNfsCall, decodeNfsReply, encodeNfsCompound, decodableOps } from './compound.js';
export type { DecodeOptions, NfsProgramName } from './compound.js';
export {
  ATTR_CODECS, encodeAttrs, encodeNotifyValues, registerNfs4Hooks,
} from './hooks.js';
export type { Fattr4Value, FattrAttrs, Notify4Value, NotifyValue, UndecodedBytes } from './hooks.js';
export {
  ATTR_NAMES, NOTIFY_TYPE_NAMES, attrMaskNames, attrName, bitmapBits, cbOpName, isKnownOp,
  nfsOpName, nfsStatName, notifyTypeName,
} from './names.js';
export {
  bytesToHex, crc16Ccitt, crc32, fhHash, hex32, isStateid, specialStateid, stateidHash,
  stateidOtherHash, stateidOtherHex, stateidString,
} from './hash.js';
export type { StateidValue } from './hash.js';
export { displayName, escapeForTerminal, toJsonValue } from './json.js';
export type { JSONValue } from './json.js';
export { opSummary } from './summary.js';
