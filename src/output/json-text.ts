/**
 * Constant pieces of JSON text as "byte strings": every char code is one output byte
 * (0..255), UTF-8 already applied, so ByteWriter.ascii copies them as they are. Escaped as
 * JSON.stringify escapes (it does the work for anything that is not plain printable ASCII).
 */

/** One output byte per char code; see the module comment. */
export type ByteString = string;

/** Characters JSON.stringify leaves alone and that are one UTF-8 byte. */
const NEEDS_WORK = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
const NON_ASCII = /[^\x00-\x7f]/;

/** UTF-8 bytes of `s` as a byte string. */
export function utf8Bytes(s: string): ByteString {
  return NON_ASCII.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/** `s` as a quoted JSON string, as a byte string. */
export function jsonQuote(s: string): ByteString {
  if (!NEEDS_WORK.test(s)) return '"' + s + '"';
  return utf8Bytes(JSON.stringify(s));
}
