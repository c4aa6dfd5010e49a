/**
 * Byte chunk producers for capture readers: a file read in large blocks, any Node stream
 * (stdin), and gzip decompression on top of either.
 *
 * Every chunk handed out is a buffer that is never written again, so frames (Uint8Array
 * views into a chunk) stay valid for as long as the consumer keeps them, at the price of
 * keeping the whole chunk alive: copy frame.data if you keep a few frames for long.
 */
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { constants as zlibConstants, createGunzip } from 'node:zlib';

/**
 * 256 KiB: a chunk lives while its frames are decoded (plus the read-ahead), and at this size
 * it usually dies before the young generation is collected twice. Larger chunks got promoted
 * and then waited for a full GC: tens of MB of dead read buffers at any time on big files.
 */
export const DEFAULT_CHUNK_SIZE = 1 << 18;

/**
 * Raised by gunzipChunks when the compressed data is corrupt or cut short: a problem with the
 * file's content, which readers report instead of rejecting.
 */
export class CorruptCompressedDataError extends Error {}

/**
 * Chunks read from a regular file between two turns of the event loop: reads are synchronous
 * (see fileChunks), and this many chunks (2 MiB by default) go by before the generator lets
 * timers, signals and V8's scheduled GC tasks run. Measured on 1 GB: every 8 chunks kept
 * peak RSS at 91-93 MB, every 64 let the old generation grow to 97-101 MB, at the same speed.
 */
const CHUNKS_PER_TURN = 8;

/**
 * Read buffers given back by a consumer that keeps no view into them (see
 * BatchOptions.transientBytes), handed out again for later reads. A fresh 256 KiB buffer per
 * read costs more than the read itself: malloc and free of the block, and the copy from the
 * page cache into memory that is not in the CPU's caches any more (4-6 % of `read -q --no-nfs`
 * CPU time on 1 GB against a ring of reused buffers, min of 6 interleaved runs).
 */
export class ChunkPool {
  private readonly free: ArrayBuffer[] = [];
  /** Only buffers this pool made come back into it (never a caller's or zlib's). */
  private readonly issued = new WeakSet<ArrayBuffer>();

  constructor(
    readonly chunkSize: number,
    /** Free buffers kept at most; more are left to the garbage collector. */
    private readonly maxFree = 8,
  ) {}

  take(): Buffer {
    const ab = this.free.pop();
    if (ab !== undefined) return Buffer.from(ab, 0, this.chunkSize);
    // Never from Node's shared 8 KiB pool (allocUnsafe's, below 4 KiB): a buffer given back
    // must be memory that nothing else uses.
    const b = Buffer.allocUnsafeSlow(this.chunkSize);
    this.issued.add(b.buffer);
    return b;
  }

  /** The caller promises that nothing reads or keeps any view of `b`'s memory any more. */
  give(b: Uint8Array): void {
    const ab = b.buffer;
    if (ab instanceof ArrayBuffer && this.issued.has(ab) && this.free.length < this.maxFree && !this.free.includes(ab)) this.free.push(ab);
  }
}

/**
 * Reads a file in blocks of `chunkSize` bytes, each into a buffer from `pool` (a fresh one
 * unless buffers were given back to it). Closes the file at the end or on early exit.
 *
 * A regular file is read with synchronous pread calls. Asynchronous reads (thread pool)
 * overlapped disk and parsing in theory, but on a busy two-core machine each one woke a pool
 * thread that pre-empted the parser while it copied the block: about 0.5 s of main-thread
 * time per GiB more than copying the block ourselves, and the data is usually in the page
 * cache anyway.
 */
export async function* fileChunks(path: string, pool = new ChunkPool(DEFAULT_CHUNK_SIZE)): AsyncGenerator<Buffer> {
  const chunkSize = pool.chunkSize;
  const fh = await open(path, 'r');
  try {
    if (!(await fh.stat()).isFile()) {
      // A pipe or device (/dev/stdin, <(zcat ...)): no positions, one sequential read at a time.
      for (;;) {
        const buf = pool.take();
        const { bytesRead } = await fh.read(buf, 0, chunkSize, null);
        if (bytesRead === 0) return;
        yield bytesRead < chunkSize ? buf.subarray(0, bytesRead) : buf;
      }
    }
    let position = 0;
    for (let n = 1; ; n++) {
      const buf = pool.take();
      let got = 0;
      // Regular files give full reads except at the end; loop anyway for short reads.
      while (got < chunkSize) {
        const bytesRead = readSync(fh.fd, buf, got, chunkSize - got, position + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got === 0) return;
      position += got;
      yield got < chunkSize ? buf.subarray(0, got) : buf;
      if (got < chunkSize) return;
      if (n % CHUNKS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
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
  // Events rather than the stream's async iterator: that one drops buffered output on error,
  // and the output before the error is exactly what a truncated file should still yield.
  const queue: Buffer[] = [];
  let finished = false;
  let zlibError: Error | null = null;
  let inputError: unknown = null;
  let inputFailed = false;
  let stopped = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  gz.on('data', (b: Buffer) => {
    queue.push(b);
    if (queue.length >= 4) gz.pause(); // backpressure: the consumer is behind
    notify();
  });
  gz.on('end', () => {
    finished = true;
    notify();
  });
  gz.on('error', (e: Error) => {
    if (!inputFailed) zlibError = e;
    finished = true;
    notify();
  });
  gz.on('close', () => {
    finished = true;
    notify();
  });

  const feeding = (async () => {
    try {
      for await (const c of input) {
        if (stopped || finished) return;
        if (!gz.write(c)) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              gz.off('drain', done);
              gz.off('close', done);
              resolve();
            };
            gz.on('drain', done);
            gz.on('close', done);
          });
        }
      }
      if (stopped || finished) return;
      // A sync flush first makes zlib hand out everything it can decode, so that a truncated
      // file still yields its data before end() reports the truncation.
      gz.flush(zlibConstants.Z_SYNC_FLUSH);
      gz.end();
    } catch (e) {
      inputError = e;
      inputFailed = true;
      gz.destroy();
    }
  })();

  try {
    for (;;) {
      if (queue.length > 0) {
        const b = queue.shift()!;
        if (queue.length < 2 && gz.isPaused()) gz.resume();
        yield b;
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    await feeding;
    if (inputFailed) throw inputError;
    if (zlibError !== null) throw new CorruptCompressedDataError(`gzip: ${(zlibError as Error).message}`);
  } finally {
    stopped = true;
    gz.destroy();
    await feeding;
  }
}
