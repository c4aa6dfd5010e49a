/**
 * Holds messages briefly so that a call can be printed with the frame of its reply
 * ("Call (Reply In 12)"), as tshark's two passes allow, while output still streams and
 * memory stays bounded: a message leaves the window when its reply has come (or it is a
 * reply), once `maxHeld` messages wait, or once it is `maxAgeSec` of capture time old.
 */
import type { AnalyzedMessage } from '../engine.js';

const XID_KEY_MASK = 0x3fffffff;

function callKey(connId: number, xid: number): number {
  return (xid ^ Math.imul(connId, 0x9e3779b1)) & XID_KEY_MASK;
}

interface Held {
  m: AnalyzedMessage;
  replyFrame?: number;
  time: number;
  /** The next waiting call with the same key (another xid, connection or direction). */
  sameXid?: Held;
}

export class ReplyWindow {
  /** Messages in arrival order; slots before `head` are cleared once emitted. */
  private readonly queue: Array<Held | undefined> = [];
  private head = 0;
  /**
   * Calls still in the window by a 30-bit mix of xid and connection (a small-integer key: no
   * string or heap number built per message), each chain holding the calls with that key.
   * The connection counts: replayed or restarted clients reuse the same xids on many
   * connections, and an xid-only key made those chains long.
   */
  private readonly calls = new Map<number, Held>();

  constructor(
    private readonly emit: (m: AnalyzedMessage, replyFrame: number | undefined) => void,
    private readonly maxHeld = 20_000,
    private readonly maxAgeSec = 30,
  ) {}

  push(m: AnalyzedMessage): void {
    const r = m.rpc;
    const time = r.record.sec + r.record.nsec / 1e9;
    if (r.type === 'call' && !r.duplicate) {
      const held: Held = { m, time };
      this.addCall(held);
      this.queue.push(held);
      this.drain(time);
      return;
    }
    if (r.type === 'reply' && r.callFrame !== undefined && !r.duplicate) {
      const call = this.takeCall(r.record.conn.id, r.record.dir === 'ab' ? 'ba' : 'ab', r.xid);
      if (call !== undefined) call.replyFrame = r.record.frame;
    }
    // Anything but a call waits only behind earlier messages: with none left, it goes out at once.
    this.drain(time);
    if (this.head === this.queue.length) this.emit(m, undefined);
    else this.queue.push({ m, time });
  }

  /** Emits everything still held (end of capture). */
  flush(): void {
    this.drain(Infinity, true);
  }

  /** Adds a call, replacing an earlier waiting call of the same connection, direction and xid. */
  private addCall(held: Held): void {
    const r = held.m.rpc;
    const key = callKey(r.record.conn.id, r.xid);
    this.takeCall(r.record.conn.id, r.record.dir, r.xid);
    const first = this.calls.get(key);
    if (first !== undefined) held.sameXid = first;
    this.calls.set(key, held);
  }

  /** Removes and returns the waiting call of (connection, direction, xid), if any. */
  private takeCall(conn: number, dir: 'ab' | 'ba', xid: number): Held | undefined {
    const key = callKey(conn, xid);
    let prev: Held | undefined;
    for (let h = this.calls.get(key); h !== undefined; prev = h, h = h.sameXid) {
      const rec = h.m.rpc.record;
      if (h.m.rpc.xid !== xid || rec.conn.id !== conn || rec.dir !== dir) continue;
      if (prev !== undefined) prev.sameXid = h.sameXid;
      else if (h.sameXid !== undefined) this.calls.set(key, h.sameXid);
      else this.calls.delete(key);
      h.sameXid = undefined;
      return h;
    }
    return undefined;
  }

  private drain(now: number, all = false): void {
    const q = this.queue;
    while (this.head < q.length) {
      const h = q[this.head]!;
      const r = h.m.rpc;
      const waiting = r.type === 'call' && h.replyFrame === undefined && !r.duplicate;
      const size = q.length - this.head;
      if (waiting && !all && size <= this.maxHeld && now - h.time <= this.maxAgeSec) break;
      if (waiting) this.takeCall(r.record.conn.id, r.record.dir, r.xid);
      // Cleared at once: an emitted message (and its decoded body) must not stay reachable
      // until the next compaction, or the garbage collector keeps copying it.
      q[this.head] = undefined;
      this.head++;
      this.emit(h.m, h.replyFrame);
    }
    if (this.head === q.length) {
      q.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > q.length) {
      // Compact now and then instead of shifting one by one.
      q.splice(0, this.head);
      this.head = 0;
    }
  }
}
