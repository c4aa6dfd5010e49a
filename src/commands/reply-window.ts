/**
 * Holds messages briefly so that a call can be printed with the frame of its reply
 * ("Call (Reply In 12)"), as tshark's two passes allow, while output still streams and
 * memory stays bounded: a message leaves the window when its reply has come (or it is a
 * reply), once `maxHeld` messages wait, or once it is `maxAgeSec` of capture time old.
 */
import type { AnalyzedMessage } from '../engine.js';

interface Held {
  m: AnalyzedMessage;
  replyFrame?: number;
  time: number;
}

export class ReplyWindow {
  private readonly queue: Held[] = [];
  private head = 0;
  /** Calls still in the window, keyed like the matcher: connection, direction, xid. */
  private readonly calls = new Map<string, Held>();

  constructor(
    private readonly emit: (m: AnalyzedMessage, replyFrame: number | undefined) => void,
    private readonly maxHeld = 20_000,
    private readonly maxAgeSec = 30,
  ) {}

  push(m: AnalyzedMessage): void {
    const r = m.rpc;
    const time = r.record.sec + r.record.nsec / 1e9;
    const held: Held = { m, time };
    if (r.type === 'call' && !r.duplicate) {
      this.calls.set(keyOf(r.record.conn.id, r.record.dir, r.xid), held);
    } else if (r.type === 'reply' && r.callFrame !== undefined && !r.duplicate) {
      const callDir = r.record.dir === 'ab' ? 'ba' : 'ab';
      const key = keyOf(r.record.conn.id, callDir, r.xid);
      const call = this.calls.get(key);
      if (call !== undefined) {
        call.replyFrame = r.record.frame;
        this.calls.delete(key);
      }
    }
    this.queue.push(held);
    this.drain(time);
  }

  /** Emits everything still held (end of capture). */
  flush(): void {
    this.drain(Infinity, true);
  }

  private drain(now: number, all = false): void {
    while (this.head < this.queue.length) {
      const h = this.queue[this.head];
      const r = h.m.rpc;
      const waiting = r.type === 'call' && h.replyFrame === undefined && !r.duplicate;
      const size = this.queue.length - this.head;
      if (waiting && !all && size <= this.maxHeld && now - h.time <= this.maxAgeSec) break;
      if (waiting) this.calls.delete(keyOf(r.record.conn.id, r.record.dir, r.xid));
      this.emit(h.m, h.replyFrame);
      this.head++;
    }
    // Compact now and then instead of shifting one by one.
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}

function keyOf(conn: number, dir: 'ab' | 'ba', xid: number): string {
  return `${conn}/${dir}/${xid}`;
}
