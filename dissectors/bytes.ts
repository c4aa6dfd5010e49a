/**
 * A copy of bytes[start, end) in memory of its own. Uint8Array's slice, called explicitly:
 * the bytes are often a Node Buffer (a view of a 256 KiB read buffer), whose own slice is
 * another view, which keeps that buffer alive and sees it reused.
 */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, start, end);
}
