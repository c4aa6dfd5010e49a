/**
 * Holds messages briefly so that a call can be printed with the frame of its reply
 * ("Call (Reply In 12)"), as tshark's two passes allow, while output still streams and
 * memory stays bounded: a message leaves the window when its reply has come (or it is a
 * reply), once `maxHeld` messages wait, or once it is `maxAgeSec` of capture time old.
 *
 * The window is a ring of messages with their reply frames beside them (no object per
 * message, no map): a reply names its call's frame (callFrame), and messages arrive in
 * frame order, so the call is found by binary search on the frames. Besides `maxHeld`
 * messages and `maxAgeSec`, the buffers the held messages keep alive are bounded
 * (`maxPinnedBytes`): beyond, the oldest go out without waiting for their replies.
 */
import type { AnalyzedMessage } from '../engine.js';

/**
 * The memory held messages keep alive, counted as the buffers their record bytes lie in (a
 * read buffer of 256 KiB, or a record's own buffer): one call waiting for its reply holds
 * back everything after it, and big WRITE calls or sparse NFS traffic among other traffic
 * would otherwise keep gigabytes for the count and age bounds to let go of.
 * Messages leave in the order they came, so buffers are counted per run of consecutive
 * messages in the same buffer (work per run, not per message).
 */
const EMPTY = new ArrayBuffer(0);
/** Live runs up to which PinnedBuffers scans them instead of counting them in a Map. */
const SCANNED_RUNS = 16;

class PinnedBuffers {
  /** Bytes of the distinct buffers held. */
  bytes = 0;
  /**
   * Runs from runHead (oldest) to runTail; the arrays are reused (the window empties after
   * most replies: a fresh array each time was garbage per message).
   */
  private readonly runBuffers: ArrayBufferLike[] = [];
  private readonly runCounts: number[] = [];
  private runHead = 0;
  private runTail = 0;
  /**
   * Live runs per buffer, kept only while many runs are live: with a few, a scan of them is
   * cheaper, and a Map set and emptied for each call and reply cost 10 % of `read` (its
   * table is reallocated as it grows and shrinks).
   */
  private refs: Map<ArrayBufferLike, number> | null = null;

  add(buffer: ArrayBufferLike): void {
    const last = this.runTail - 1;
    if (last >= this.runHead && this.runBuffers[last] === buffer) {
      this.runCounts[last]++;
      return;
    }
    const refs = this.refs;
    const held = refs !== null ? refs.has(buffer) : this.isLive(buffer);
    if (!held) this.bytes += buffer.byteLength;
    if (this.runTail === this.runBuffers.length && this.runHead > 0 && this.runHead * 2 >= this.runTail) this.slideRuns();
    if (this.runTail === this.runBuffers.length) {
      this.runBuffers.push(buffer);
      this.runCounts.push(1);
    } else {
      this.runBuffers[this.runTail] = buffer;
      this.runCounts[this.runTail] = 1;
    }
    this.runTail++;
    if (refs !== null) refs.set(buffer, (refs.get(buffer) ?? 0) + 1);
    else if (this.runTail - this.runHead > SCANNED_RUNS) this.refs = this.countRuns();
  }

  /** The oldest message added has left. */
  removeOldest(): void {
    const h = this.runHead;
    if (--this.runCounts[h] > 0) return;
    const buffer = this.runBuffers[h];
    // Not kept reachable from the spent part of the queue.
    this.runBuffers[h] = EMPTY;
    this.runHead++;
    let stillHeld: boolean;
    const refs = this.refs;
    if (refs !== null) {
      const n = refs.get(buffer)! - 1;
      if (n === 0) refs.delete(buffer);
      else refs.set(buffer, n);
      stillHeld = n > 0;
    } else {
      stillHeld = this.isLive(buffer);
    }
    if (!stillHeld) this.bytes -= buffer.byteLength;
    if (this.runHead === this.runTail) {
      this.runHead = this.runTail = 0;
      this.refs = null;
    }
  }

  /** Is `buffer` the buffer of a live run? (scan: only while few runs are live) */
  private isLive(buffer: ArrayBufferLike): boolean {
    for (let i = this.runHead; i < this.runTail; i++) if (this.runBuffers[i] === buffer) return true;
    return false;
  }

  private countRuns(): Map<ArrayBufferLike, number> {
    const refs = new Map<ArrayBufferLike, number>();
    for (let i = this.runHead; i < this.runTail; i++) refs.set(this.runBuffers[i], (refs.get(this.runBuffers[i]) ?? 0) + 1);
    return refs;
  }

  /** Moves the live runs to the front of the arrays instead of growing them. */
  private slideRuns(): void {
    const n = this.runTail - this.runHead;
    for (let i = 0; i < n; i++) {
      this.runBuffers[i] = this.runBuffers[this.runHead + i];
      this.runCounts[i] = this.runCounts[this.runHead + i];
    }
    for (let i = n; i < this.runTail; i++) this.runBuffers[i] = EMPTY;
    this.runHead = 0;
    this.runTail = n;
  }
}

/** What every held message weighs besides its decoded body: message, header, record, views. */
const MESSAGE_WEIGHT = 256;
/** A recorded byte span (-V, -T json): three numbers and two labels in its table's chunk. */
const SPAN_WEIGHT = 40;

/** A held message's weight: see ReplyWindow's maxHeldWeight. */
function weightOf(m: AnalyzedMessage): number {
  const c = m.nfs;
  if (c === undefined) return MESSAGE_WEIGHT;
  return MESSAGE_WEIGHT + m.rpc.record.bytes.length - (m.viewBytes ?? 0) + (c.spanTable === undefined ? 0 : c.spanTable.count * SPAN_WEIGHT);
}

/** replyFrames entry of a message with no reply (yet). */
const NO_REPLY = -1;
const INITIAL_CAPACITY = 64;

export class ReplyWindow {
  /** Ring of held messages: logical position k is at (head + k) & mask; cleared once emitted. */
  private messages: Array<AnalyzedMessage | undefined> = new Array<AnalyzedMessage | undefined>(INITIAL_CAPACITY).fill(undefined);
  /** The frame of each held message, and of its reply (NO_REPLY until it comes). */
  private frames = new Float64Array(INITIAL_CAPACITY);
  private replyFrames = new Float64Array(INITIAL_CAPACITY).fill(NO_REPLY);
  private mask = INITIAL_CAPACITY - 1;
  private head = 0;
  private size = 0;
  /**
   * Held frames never decrease (binary search works). Records completed at the end of the
   * capture (a gap given up) may carry older frames: the search is then linear until the
   * window empties.
   */
  private inFrameOrder = true;
  private readonly pinned = new PinnedBuffers();
  /** Decoded weight of the held messages (see maxHeldWeight). */
  private heldWeight = 0;

  constructor(
    private readonly emit: (m: AnalyzedMessage, replyFrame: number | undefined) => void,
    private readonly maxHeld = 20_000,
    private readonly maxAgeSec = 30,
    private readonly maxPinnedBytes = 32 * 1024 * 1024,
    /**
     * Held messages are decoded: objects per field, byte spans for -V and -T json, weighing
     * many times the record bytes they came from (15-25x for small compounds), while all of
     * them may lie in a few read buffers. With one call whose reply was lost, 20,000 small
     * messages held behind it took `read` from 89 to 160 MB and `-T json` to 203 MB. So the
     * held messages' weight is bounded too: per message its record's decoded bytes (opaque
     * data such as WRITE payloads is only viewed, see AnalyzedMessage.viewBytes), its byte
     * spans when recorded, and a fixed MESSAGE_WEIGHT for the objects every message has.
     */
    private readonly maxHeldWeight = 1024 * 1024,
  ) {}

  /** Bytes of the buffers the held messages keep alive. */
  get pinnedBytes(): number {
    return this.pinned.bytes;
  }

  push(m: AnalyzedMessage): void {
    const r = m.rpc;
    const rec = r.record;
    const time = rec.sec + rec.nsec / 1e9;
    if (r.type === 'call' && !r.duplicate) {
      this.append(m);
      this.drain(time);
      return;
    }
    if (r.type === 'reply' && r.callFrame !== undefined && !r.duplicate) {
      const at = this.findWaitingCall(r.callFrame, rec.conn.id, rec.dir === 'ab' ? 'ba' : 'ab', r.xid);
      if (at >= 0) this.replyFrames[at] = rec.frame;
    }
    // Anything but a call waits only behind earlier messages: with none left, it goes out at once.
    this.drain(time);
    if (this.size === 0) this.emit(m, undefined);
    else this.append(m);
  }

  /** Emits everything still held (end of capture). */
  flush(): void {
    this.drain(Infinity, true);
  }

  private append(m: AnalyzedMessage): void {
    if (this.size === this.messages.length) this.grow();
    const frame = m.rpc.record.frame;
    if (this.size > 0 && frame < this.frames[(this.head + this.size - 1) & this.mask]) this.inFrameOrder = false;
    const at = (this.head + this.size) & this.mask;
    this.messages[at] = m;
    this.frames[at] = frame;
    this.replyFrames[at] = NO_REPLY;
    this.size++;
    this.heldWeight += weightOf(m);
    this.pinned.add(m.rpc.record.bytes.buffer);
  }

  /** Doubles the ring, unwrapping it to start at 0. */
  private grow(): void {
    const n = this.messages.length;
    const messages = new Array<AnalyzedMessage | undefined>(2 * n).fill(undefined);
    const frames = new Float64Array(2 * n);
    const replyFrames = new Float64Array(2 * n).fill(NO_REPLY);
    for (let k = 0; k < this.size; k++) {
      const at = (this.head + k) & this.mask;
      messages[k] = this.messages[at];
      frames[k] = this.frames[at];
      replyFrames[k] = this.replyFrames[at];
    }
    this.messages = messages;
    this.frames = frames;
    this.replyFrames = replyFrames;
    this.mask = 2 * n - 1;
    this.head = 0;
  }

  /**
   * The ring slot of the held call in `frame` of (connection, direction, xid) that still
   * waits for its reply, or -1.
   */
  private findWaitingCall(frame: number, conn: number, dir: 'ab' | 'ba', xid: number): number {
    let k = 0;
    if (this.inFrameOrder) {
      // The first held message of `frame` or later.
      let hi = this.size;
      while (k < hi) {
        const mid = (k + hi) >>> 1;
        if (this.frames[(this.head + mid) & this.mask] < frame) k = mid + 1;
        else hi = mid;
      }
    }
    for (; k < this.size; k++) {
      const at = (this.head + k) & this.mask;
      const f = this.frames[at];
      if (f !== frame) {
        if (this.inFrameOrder) return -1;
        continue;
      }
      const r = this.messages[at]!.rpc;
      if (r.type === 'call' && !r.duplicate && this.replyFrames[at] === NO_REPLY && r.xid === xid && r.record.conn.id === conn && r.record.dir === dir) return at;
    }
    return -1;
  }

  private drain(now: number, all = false): void {
    while (this.size > 0) {
      const at = this.head;
      const m = this.messages[at]!;
      const r = m.rpc;
      const replyFrame = this.replyFrames[at];
      const waiting = r.type === 'call' && replyFrame === NO_REPLY && !r.duplicate;
      if (waiting && !all && this.size <= this.maxHeld && this.pinned.bytes <= this.maxPinnedBytes
        && this.heldWeight <= this.maxHeldWeight && now - (r.record.sec + r.record.nsec / 1e9) <= this.maxAgeSec) break;
      // Cleared at once: an emitted message (and its decoded body) must not stay reachable,
      // or the garbage collector keeps copying it.
      this.messages[at] = undefined;
      this.head = (at + 1) & this.mask;
      this.size--;
      this.heldWeight -= weightOf(m);
      this.pinned.removeOldest();
      this.emit(m, replyFrame === NO_REPLY ? undefined : replyFrame);
    }
    if (this.size === 0) this.inFrameOrder = true;
  }
}
