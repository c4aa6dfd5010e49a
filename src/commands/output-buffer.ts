/**
 * Collects output text and writes it to a stream in large pieces, waiting for 'drain' when
 * the stream is full, so a slow consumer (a pager, a pipe) slows the reader instead of
 * letting output pile up in memory.
 */
import type { Writable } from 'node:stream';

const FLUSH_AT = 1 << 16;

export class OutputBuffer {
  private parts: string[] = [];
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
    if (this.broken) return;
    this.parts.push(text);
    this.size += text.length;
  }

  /** Writes what is buffered when there is enough of it (or `force`), honouring backpressure. */
  async flush(force = false): Promise<void> {
    if (this.broken || this.size === 0 || (!force && this.size < FLUSH_AT)) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.out.write(text)) {
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
