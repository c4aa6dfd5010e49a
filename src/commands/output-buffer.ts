/**
 * Collects output text and writes it to a stream in large pieces, waiting for 'drain' when
 * the stream is full, so a slow consumer (a pager, a pipe) slows the reader instead of
 * letting output pile up in memory.
 *
 * Text is encoded (UTF-8) into a byte chunk as it comes: joining many small strings and
 * encoding the joined (often two-byte, because of '→') string at flush time cost more than
 * the formatting itself.
 */
import type { Writable } from 'node:stream';

const FLUSH_AT = 1 << 16;
/** Output is encoded into chunks of this size; each flush hands the stream a slice of one. */
const CHUNK = 1 << 20;

export class OutputBuffer {
  /** Filled chunks not yet written (a message larger than a chunk gets its own). */
  private full: Buffer[] = [];
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK);
  /** Bytes of `chunk` before `start` belong to the stream; [start, used) are pending. */
  private start = 0;
  private used = 0;
  private size = 0;
  private broken = false;

  constructor(private readonly out: Writable) {
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
      this.full.push(b);
      this.size += b.length;
      return;
    }
    const n = this.chunk.write(text, this.used, 'utf8');
    this.used += n;
    this.size += n;
  }

  /** Copies bytes (already encoded) into the chunk. */
  writeRaw(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.broken || n === 0) return;
    if (!this.room(n)) {
      this.full.push(Buffer.from(bytes));
      this.size += n;
      return;
    }
    this.chunk.set(bytes, this.used);
    this.used += n;
    this.size += n;
  }

  /** Makes room for `most` bytes in the chunk; false when they need a piece of their own. */
  private room(most: number): boolean {
    if (most <= this.chunk.length - this.used) return true;
    this.retire();
    if (most > CHUNK) return false;
    if (most > this.chunk.length - this.used) {
      this.chunk = Buffer.allocUnsafe(CHUNK);
      this.start = this.used = 0;
    }
    return true;
  }

  /**
   * Moves the pending bytes to `full`. Those bytes are never written again (the stream may
   * hold them); the rest of the chunk is used on, or a fresh chunk when little is left.
   */
  private retire(): void {
    if (this.used > this.start) this.full.push(this.chunk.subarray(this.start, this.used));
    if (this.chunk.length - this.used < FLUSH_AT) {
      this.chunk = Buffer.allocUnsafe(CHUNK);
      this.used = 0;
    }
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
    for (const piece of pieces) ok = this.out.write(piece);
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
