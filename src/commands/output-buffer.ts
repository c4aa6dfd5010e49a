/**
 * Collects output text and writes it to a stream in large pieces, waiting for 'drain' when
 * the stream is full, so a slow consumer (a pager, a pipe) slows the reader instead of
 * letting output pile up in memory.
 *
 * Text is encoded (UTF-8) into a byte chunk as it comes: joining many small strings and
 * encoding the joined (often two-byte, because of '→') string at flush time cost more than
 * the formatting itself. Ready-made bytes (JSON output) are copied in.
 *
 * Chunks are reused once the stream has written every piece of them, when the stream is
 * backed by a file descriptor (such streams are done with a buffer when they call back; a
 * stream in memory may keep it): a fresh megabyte per megabyte of output cost page faults
 * and garbage collections (`read -T json` writes hundreds of megabytes).
 */
import type { Writable } from 'node:stream';

const FLUSH_AT = 1 << 16;
/** Output is encoded into chunks of this size; each flush hands the stream a slice of one. */
const CHUNK = 1 << 20;
/** Free chunks kept for reuse. */
const POOL_MAX = 2;

/** A chunk and how many of its pieces the stream has not finished with. */
interface Chunk {
  buf: Buffer;
  outstanding: number;
  /** No longer written into (reusable once nothing is outstanding). */
  retired: boolean;
}

interface Piece {
  bytes: Buffer;
  /** The chunk it is a slice of (undefined: a buffer of its own). */
  from: Chunk | undefined;
}

export class OutputBuffer {
  /** Pieces not yet written (a message larger than a chunk gets a buffer of its own). */
  private full: Piece[] = [];
  private chunk: Chunk;
  /** Bytes of `chunk` before `start` belong to the stream; [start, used) are pending. */
  private start = 0;
  private used = 0;
  private size = 0;
  private broken = false;
  private readonly free: Buffer[] = [];
  private readonly recycle: boolean;

  constructor(private readonly out: Writable) {
    this.recycle = typeof (out as { fd?: unknown }).fd === 'number';
    this.chunk = this.newChunk();
    // A closed pipe (e.g. `| head`) ends output quietly; reading stops at the next flush.
    out.on('error', () => {
      this.broken = true;
    });
  }

  /** True once the consumer has gone away. */
  get closed(): boolean {
    return this.broken;
  }

  write(text: string): void {
    if (this.broken || text.length === 0) return;
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (!this.room(text.length * 3)) {
      const b = Buffer.from(text, 'utf8');
      this.full.push({ bytes: b, from: undefined });
      this.size += b.length;
      return;
    }
    const n = this.chunk.buf.write(text, this.used, 'utf8');
    this.used += n;
    this.size += n;
  }

  /** Copies bytes (already encoded) in. */
  writeRaw(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.broken || n === 0) return;
    if (!this.room(n)) {
      this.full.push({ bytes: Buffer.from(bytes), from: undefined });
      this.size += n;
      return;
    }
    this.chunk.buf.set(bytes, this.used);
    this.used += n;
    this.size += n;
  }

  /** Makes room for `most` bytes in the chunk; false when they need a buffer of their own. */
  private room(most: number): boolean {
    if (most <= this.chunk.buf.length - this.used) return true;
    this.retire();
    if (most > CHUNK) return false;
    if (most > this.chunk.buf.length - this.used) this.replaceChunk();
    return true;
  }

  private newChunk(): Chunk {
    return { buf: this.free.pop() ?? Buffer.allocUnsafe(CHUNK), outstanding: 0, retired: false };
  }

  private replaceChunk(): void {
    const old = this.chunk;
    old.retired = true;
    this.release(old);
    this.chunk = this.newChunk();
    this.start = this.used = 0;
  }

  /** Puts a retired chunk the stream is done with back in the pool. */
  private release(c: Chunk): void {
    if (this.recycle && c.retired && c.outstanding === 0 && this.free.length < POOL_MAX) {
      c.outstanding = -1; // released once
      this.free.push(c.buf);
    }
  }

  /**
   * Moves the pending bytes to `full`. Those bytes are never written again (the stream may
   * hold them); the rest of the chunk is used on, or a fresh chunk when little is left.
   */
  private retire(): void {
    if (this.used > this.start) {
      this.chunk.outstanding++;
      this.full.push({ bytes: this.chunk.buf.subarray(this.start, this.used), from: this.chunk });
    }
    if (this.chunk.buf.length - this.used < FLUSH_AT) this.replaceChunk();
    this.start = this.used;
  }

  /** Writes what is buffered when there is enough of it (or `force`), honouring backpressure. */
  async flush(force = false): Promise<void> {
    if (this.broken || this.size === 0 || (!force && this.size < FLUSH_AT)) return;
    this.retire();
    const pieces = this.full;
    this.full = [];
    this.size = 0;
    // Piece by piece rather than concatenated (a batch can produce megabytes); backpressure
    // is honoured after the last one.
    let ok = true;
    for (const piece of pieces) {
      const from = piece.from;
      ok = from === undefined ? this.out.write(piece.bytes) : this.out.write(piece.bytes, () => {
        from.outstanding--;
        this.release(from);
      });
    }
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.out.off('drain', done);
          this.out.off('error', done);
          this.out.off('close', done);
          resolve();
        };
        this.out.once('drain', done);
        this.out.once('error', done);
        this.out.once('close', done);
      });
    }
  }
}
