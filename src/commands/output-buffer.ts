/**
 * Collects output and writes it to a stream in large pieces, waiting for 'drain' when the
 * stream is full, so a slow consumer (a pager, a pipe) slows the reader instead of letting
 * output pile up in memory.
 *
 * Output goes into a byte chunk as it comes: text is encoded (UTF-8) into it, and messages
 * (JSON) are written into it in place through message(), a ByteWriter over the chunk.
 * Joining many small strings, or building each message in a buffer of its own and copying
 * it over, cost more than the formatting itself.
 *
 * A full chunk goes to the stream at once; the rest waits for flush(), which also waits for
 * 'drain' when the stream asked for it. Chunks are reused once the stream has finished with
 * all it was given (nothing queued), when it is backed by a file descriptor (such streams
 * are done with a buffer then; a stream in memory may keep it): a fresh megabyte per
 * megabyte of output cost page faults and garbage collections (`read -T json` writes
 * hundreds of megabytes), and writing the same chunk again finds it in the CPU cache.
 */
import type { Writable } from 'node:stream';
import { ByteWriter, type ByteSink } from '../output/byte-writer.js';

const FLUSH_AT = 1 << 16;
/** Output is written into chunks of this size; each write hands the stream a slice of one. */
const CHUNK = 1 << 20;
/** Free chunks kept for reuse. */
const POOL_MAX = 2;
/** Chunks remembered while the stream may still hold them (older ones are left to the GC). */
const LENT_MAX = 8;

export class OutputBuffer implements ByteSink {
  private chunk: Buffer;
  /** The chunk as a plain Uint8Array (what ByteWriter writes into). */
  private view: Uint8Array;
  /** Bytes of `chunk` before `start` were handed to the stream; [start, used) are pending. */
  private start = 0;
  private used = 0;
  private broken = false;
  /** Chunks handed (in part) to the stream, reusable once it has written them all. */
  private readonly lent: Buffer[] = [];
  private readonly free: Buffer[] = [];
  private readonly recycle: boolean;
  private readonly writer: ByteWriter;
  /** Where the message being written began in writer.buf; -1 between messages. */
  private messageStart = -1;
  /** The message outgrew a chunk: writer.buf is a buffer of its own. */
  private ownBuffer = false;

  constructor(private readonly out: Writable) {
    this.recycle = typeof (out as { fd?: unknown }).fd === 'number';
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.view = viewOf(this.chunk);
    this.writer = new ByteWriter(0, this);
    // A closed pipe (e.g. `| head`) ends output quietly; reading stops at the next flush.
    out.on('error', () => {
      this.broken = true;
    });
  }

  /**
   * True once the consumer has gone away: the stream failed, or was destroyed (a child
   * process's stdin is, without an error, when the child exits).
   */
  get closed(): boolean {
    if (this.out.destroyed) this.broken = true;
    return this.broken;
  }

  write(text: string): void {
    if (this.broken || text.length === 0) return;
    this.betweenMessages();
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const most = text.length * 3;
    if (most > CHUNK) {
      this.sendPending();
      this.send(Buffer.from(text, 'utf8'));
      return;
    }
    this.room(most);
    this.used += this.chunk.write(text, this.used, 'utf8');
  }

  /** Copies bytes (already encoded) in. */
  writeRaw(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.broken || n === 0) return;
    this.betweenMessages();
    if (n > CHUNK) {
      this.sendPending();
      this.send(Buffer.from(bytes));
      return;
    }
    this.room(n);
    this.view.set(bytes, this.used);
    this.used += n;
  }

  /**
   * A writer for one message, writing in place after what is buffered; endMessage() adds
   * what it wrote to the output. Nothing else may be written in between.
   */
  message(): ByteWriter {
    this.betweenMessages();
    const w = this.writer;
    w.buf = this.view;
    w.pos = this.used;
    this.messageStart = this.used;
    return w;
  }

  endMessage(): void {
    const w = this.writer;
    if (this.messageStart < 0) throw new Error('OutputBuffer.endMessage without message()');
    this.messageStart = -1;
    if (this.ownBuffer) {
      this.ownBuffer = false;
      if (!this.broken) this.send(Buffer.from(w.buf.buffer, w.buf.byteOffset, w.pos));
      w.buf = this.view;
    } else if (!this.broken) {
      this.used = w.pos;
    }
  }

  /**
   * ByteSink: the message being written needs `n` more bytes than the chunk has. What came
   * before it goes to the stream, and the message so far moves to the start of the free
   * room (or a fresh chunk, or a buffer of its own when larger than a chunk).
   */
  makeRoom(w: ByteWriter, n: number): void {
    if (this.ownBuffer) {
      let size = w.buf.length * 2;
      while (size < w.pos + n) size *= 2;
      const b = new Uint8Array(size);
      b.set(w.buf.subarray(0, w.pos));
      w.buf = b;
      return;
    }
    const from = this.view;
    const at = this.messageStart;
    const length = w.pos - at;
    this.used = at;
    this.sendPending();
    this.reclaim();
    if (length + n > CHUNK) {
      const b = new Uint8Array(2 * (length + n));
      b.set(from.subarray(at, at + length));
      w.buf = b;
      w.pos = length;
      this.messageStart = 0;
      this.ownBuffer = true;
      return;
    }
    if (length + n > this.chunk.length - this.used) this.nextChunk();
    if (this.view === from) from.copyWithin(this.used, at, at + length);
    else this.view.set(from.subarray(at, at + length), this.used);
    w.buf = this.view;
    w.pos = this.used + length;
    this.messageStart = this.used;
  }

  /** Writes what is buffered when there is enough of it (or `force`), honouring backpressure. */
  async flush(force = false): Promise<void> {
    if (this.closed) return;
    this.betweenMessages();
    const needDrain = this.out.writableNeedDrain;
    if (!force && !needDrain && this.used - this.start < FLUSH_AT) return;
    this.sendPending();
    if (this.out.writableNeedDrain && !this.closed) {
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
    this.reclaim();
  }

  private betweenMessages(): void {
    if (this.messageStart >= 0) throw new Error('OutputBuffer: write during a message');
  }

  private send(bytes: Buffer): void {
    if (!this.closed) this.out.write(bytes);
  }

  /** Hands the pending bytes of the chunk to the stream (never written into again until reclaimed). */
  private sendPending(): void {
    if (this.used > this.start) {
      this.send(this.chunk.subarray(this.start, this.used));
      this.start = this.used;
    }
  }

  /**
   * Once a descriptor-backed stream has nothing queued, it is done with every chunk it was
   * given: they go back to the pool, and the current chunk is written again from its start.
   */
  private reclaim(): void {
    if (!this.recycle || this.out.writableLength !== 0) return;
    for (const c of this.lent) if (this.free.length < POOL_MAX) this.free.push(c);
    this.lent.length = 0;
    if (this.start === this.used) this.start = this.used = 0;
  }

  /** Makes room for `most` (at most CHUNK) bytes in the chunk. */
  private room(most: number): void {
    if (most <= this.chunk.length - this.used) return;
    this.sendPending();
    this.reclaim();
    if (most > this.chunk.length - this.used) this.nextChunk();
  }

  /** Moves on to a free or fresh chunk (the pending bytes of this one already sent). */
  private nextChunk(): void {
    if (this.recycle) {
      this.lent.push(this.chunk);
      if (this.lent.length > LENT_MAX) this.lent.shift();
    }
    this.chunk = this.free.pop() ?? Buffer.allocUnsafe(CHUNK);
    this.view = viewOf(this.chunk);
    this.start = this.used = 0;
  }
}

/** The bytes of a Buffer as a plain Uint8Array (one element kind for ByteWriter's stores). */
function viewOf(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}
