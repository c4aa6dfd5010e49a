/**
 * Byte chunk producers for capture readers: a file read in large blocks, any Node stream
 * (stdin), and gzip decompression on top of either.
 *
 * Every chunk handed out is a buffer that is never written again, so frames that are
 * subarrays of a chunk stay valid for as long as the consumer keeps them (at the price of
 * keeping the whole chunk alive).
 */
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { createGunzip } from 'node:zlib';

export const DEFAULT_CHUNK_SIZE = 1 << 20;

/**
 * Raised by gunzipChunks when the compressed data is corrupt or cut short: a problem with the
 * file's content, which readers report instead of rejecting.
 */
export class CorruptCompressedDataError extends Error {}

/** Reads a file in blocks of `chunkSize` bytes; a fresh buffer per read. Closes the file at the end or on early exit. */
export async function* fileChunks(path: string, chunkSize = DEFAULT_CHUNK_SIZE): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    for (;;) {
      // allocUnsafe of >= 4 KiB never uses the shared pool: each read gets its own memory.
      const buf = Buffer.allocUnsafe(chunkSize);
      const { bytesRead } = await fh.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) return;
      yield bytesRead < chunkSize ? buf.subarray(0, bytesRead) : buf;
    }
  } finally {
    await fh.close();
  }
}

/** Adapts any async iterable of bytes (a Readable such as process.stdin) to Buffers. */
export async function* streamChunks(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  for await (const c of input) {
    if (typeof c === 'string') throw new TypeError('capture stream must be in binary mode (no encoding set)');
    yield Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  }
}

/** Yields `prefix` and then whatever is left of `rest` (which may be partly consumed already). */
export async function* prependChunks(prefix: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    for (const p of prefix) yield p;
    for (;;) {
      const r = await rest.next();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await rest.return?.();
  }
}

/**
 * Decompresses a gzip stream (several members allowed). Errors of the input propagate as is
 * (I/O errors); corrupt or truncated compressed data ends the output with a
 * CorruptCompressedDataError after all bytes that could be decompressed.
 */
export async function* gunzipChunks(input: AsyncIterable<Buffer>, chunkSize = DEFAULT_CHUNK_SIZE): AsyncGenerator<Buffer> {
  const gz = createGunzip({ chunkSize });
  const stop = new AbortController();
  let inputError: unknown = null;
  let inputFailed = false;
  const feeding = (async () => {
    try {
      for await (const c of input) {
        if (stop.signal.aborted) return;
        if (!gz.write(c)) await once(gz, 'drain', { signal: stop.signal });
      }
      gz.end();
    } catch (e) {
      if (stop.signal.aborted) return;
      // A zlib error reaches us here too (once() rejects on 'error'); the reading side reports it.
      if (!isZlibError(e)) {
        inputError = e;
        inputFailed = true;
        gz.destroy();
      }
    }
  })();
  try {
    try {
      for await (const out of gz) yield out as Buffer;
    } catch (e) {
      await feeding;
      if (inputFailed) throw inputError;
      if (isZlibError(e)) throw new CorruptCompressedDataError(`gzip: ${(e as Error).message}`);
      throw e;
    }
    await feeding;
    if (inputFailed) throw inputError;
  } finally {
    stop.abort();
    gz.destroy();
    await feeding;
  }
}

function isZlibError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === 'string' && (code.startsWith('Z_') || code === 'ERR_STREAM_PREMATURE_CLOSE');
}
