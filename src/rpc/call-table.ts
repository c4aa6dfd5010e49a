/**
 * The matcher's memory of calls, keyed by (connection id and call direction, xid), with the
 * arrival order of pending calls and the answer order of answered ones.
 *
 * Why this shape (measured, see the report): a Map keyed by heap numbers or strings cost
 * several times the header decode per record on tables of 10^4..10^5 entries, deleting from
 * the front of a V8 Map makes "oldest" scans quadratic, and one object per remembered call
 * lives long enough to be promoted out of the young generation, which made the matcher 5-10x
 * slower once thousands of calls were remembered. So: entries are columns in typed arrays
 * (struct of arrays, ids recycled through a free list), the index is open addressing with
 * linear probing and backward-shift deletion, and the two orders are rings of (id, generation)
 * pairs where stale pairs are skipped.
 */
import type { ConnectionKey } from '../tcp/types.js';

export const STATE_FREE = 0;
export const STATE_PENDING = 1;
export const STATE_ANSWERED = 2;

function hash(k1: number, k2: number): number {
  let h = Math.imul(k2 ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(k1 + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h;
}

/** FIFO of entry ids; an id whose generation changed (freed, reused) or whose state differs is stale. */
class IdQueue {
  ids = new Int32Array(1024);
  gens = new Uint32Array(1024);
  head = 0;
  tail = 0;
  live = 0;

  push(id: number, gen: number): void {
    if (this.tail === this.ids.length) this.makeRoom();
    this.ids[this.tail] = id;
    this.gens[this.tail] = gen;
    this.tail++;
    this.live++;
  }

  /** Room at the tail: slide the queue to the front, or grow when mostly live. */
  private makeRoom(): void {
    const n = this.tail - this.head;
    if (n * 2 <= this.ids.length && this.head > 0) {
      this.ids.copyWithin(0, this.head, this.tail);
      this.gens.copyWithin(0, this.head, this.tail);
    } else {
      const ids = new Int32Array(this.ids.length * 2);
      const gens = new Uint32Array(this.ids.length * 2);
      ids.set(this.ids.subarray(this.head, this.tail));
      gens.set(this.gens.subarray(this.head, this.tail));
      this.ids = ids;
      this.gens = gens;
    }
    this.head = 0;
    this.tail = n;
  }

  clear(): void {
    this.head = this.tail = this.live = 0;
  }
}

export class CallTable {
  /** Entry columns, indexed by entry id. */
  private k1 = new Uint32Array(256);
  private k2 = new Uint32Array(256);
  private prog = new Uint32Array(256);
  private vers = new Uint32Array(256);
  private proc = new Uint32Array(256);
  private nsecs = new Uint32Array(256);
  private frames = new Float64Array(256);
  private secs = new Float64Array(256);
  private state = new Uint8Array(256);
  private tag = new Uint8Array(256);
  private gen = new Uint32Array(256);
  private conns: Array<ConnectionKey | undefined> = [];
  private free = new Int32Array(256);
  private freeTop = 0;
  private used = 0;

  /** Open-addressing index: slot -> entry id + 1 (0 = empty). */
  private slots = new Int32Array(1024);
  private mask = 1023;

  private readonly pendingQ = new IdQueue();
  private readonly answeredQ = new IdQueue();

  get pendingCount(): number {
    return this.pendingQ.live;
  }

  get answeredCount(): number {
    return this.answeredQ.live;
  }

  /** Entry id for the key, or -1. */
  find(k1: number, k2: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let s = hash(k1, k2) & mask;
    for (;;) {
      const v = slots[s];
      if (v === 0) return -1;
      const id = v - 1;
      if (this.k2[id] === k2 && this.k1[id] === k1) return id;
      s = (s + 1) & mask;
    }
  }

  isAnswered(id: number): boolean {
    return this.state[id] === STATE_ANSWERED;
  }

  program(id: number): number {
    return this.prog[id];
  }
  version(id: number): number {
    return this.vers[id];
  }
  procedure(id: number): number {
    return this.proc[id];
  }
  frame(id: number): number {
    return this.frames[id];
  }
  sec(id: number): number {
    return this.secs[id];
  }
  nsec(id: number): number {
    return this.nsecs[id];
  }
  /** Small caller-defined code stored with the entry (the matcher keeps the body wrap here). */
  tagOf(id: number): number {
    return this.tag[id];
  }
  conn(id: number): ConnectionKey {
    return this.conns[id] as ConnectionKey;
  }
  /** Direction the call travelled (low bit of k1). */
  callDirBit(id: number): number {
    return this.k1[id] & 1;
  }
  xid(id: number): number {
    return this.k2[id];
  }

  /** Adds a pending call; the key must not be present. Returns its id. */
  addPending(
    k1: number,
    k2: number,
    conn: ConnectionKey,
    prog: number,
    vers: number,
    proc: number,
    frame: number,
    sec: number,
    nsec: number,
    tag: number,
  ): number {
    const id = this.allocId();
    this.k1[id] = k1;
    this.k2[id] = k2;
    this.prog[id] = prog;
    this.vers[id] = vers;
    this.proc[id] = proc;
    this.frames[id] = frame;
    this.secs[id] = sec;
    this.nsecs[id] = nsec;
    this.tag[id] = tag;
    this.state[id] = STATE_PENDING;
    this.conns[id] = conn;
    if ((this.used + 1) * 2 > this.slots.length) this.growSlots();
    let s = hash(k1, k2) & this.mask;
    while (this.slots[s] !== 0) s = (s + 1) & this.mask;
    this.slots[s] = id + 1;
    this.used++;
    this.pendingQ.push(id, this.gen[id]);
    this.maybeCompact(this.pendingQ, STATE_PENDING);
    return id;
  }

  markAnswered(id: number): void {
    if (this.state[id] !== STATE_PENDING) return;
    this.state[id] = STATE_ANSWERED;
    this.pendingQ.live--;
    this.answeredQ.push(id, this.gen[id]);
    this.maybeCompact(this.answeredQ, STATE_ANSWERED);
    this.maybeCompact(this.pendingQ, STATE_PENDING);
  }

  /** Forgets an entry (its queue positions become stale). */
  remove(id: number): void {
    const st = this.state[id];
    if (st === STATE_FREE) return;
    if (st === STATE_PENDING) this.pendingQ.live--;
    else this.answeredQ.live--;
    this.unindex(id);
    this.state[id] = STATE_FREE;
    this.gen[id] = (this.gen[id] + 1) >>> 0;
    this.conns[id] = undefined;
    if (this.freeTop === this.free.length) {
      const f = new Int32Array(this.free.length * 2);
      f.set(this.free);
      this.free = f;
    }
    this.free[this.freeTop++] = id;
    this.used--;
  }

  /** Oldest pending call's id, or -1. */
  oldestPending(): number {
    return this.peek(this.pendingQ, STATE_PENDING);
  }

  /** Least recently answered call's id, or -1. */
  oldestAnswered(): number {
    return this.peek(this.answeredQ, STATE_ANSWERED);
  }

  /** Ids of pending calls, oldest first. */
  pendingIds(): number[] {
    const q = this.pendingQ;
    const out: number[] = [];
    for (let i = q.head; i < q.tail; i++) {
      const id = q.ids[i];
      if (this.gen[id] === q.gens[i] && this.state[id] === STATE_PENDING) out.push(id);
    }
    return out;
  }

  clear(): void {
    for (let i = 0; i < this.conns.length; i++) {
      if (this.state[i] !== STATE_FREE) {
        this.state[i] = STATE_FREE;
        this.gen[i] = (this.gen[i] + 1) >>> 0;
        this.conns[i] = undefined;
        this.free[this.freeTop++] = i;
      }
    }
    this.slots.fill(0);
    this.used = 0;
    this.pendingQ.clear();
    this.answeredQ.clear();
  }

  private peek(q: IdQueue, want: number): number {
    while (q.head < q.tail) {
      const id = q.ids[q.head];
      if (this.gen[id] === q.gens[q.head] && this.state[id] === want) return id;
      q.head++;
    }
    return -1;
  }

  /** Drops stale pairs when they outnumber live ones (keeps the queue O(live)). */
  private maybeCompact(q: IdQueue, want: number): void {
    const queued = q.tail - q.head;
    if (queued <= 2 * q.live + 1024) return;
    let w = 0;
    for (let i = q.head; i < q.tail; i++) {
      const id = q.ids[i];
      const g = q.gens[i];
      if (this.gen[id] === g && this.state[id] === want) {
        q.ids[w] = id;
        q.gens[w] = g;
        w++;
      }
    }
    q.head = 0;
    q.tail = w;
  }

  private allocId(): number {
    if (this.freeTop > 0) return this.free[--this.freeTop];
    const id = this.conns.length;
    if (id === this.k1.length) this.growEntries();
    this.conns.push(undefined);
    return id;
  }

  private growEntries(): void {
    const n = this.k1.length * 2;
    const g32 = (a: Uint32Array) => {
      const b = new Uint32Array(n);
      b.set(a);
      return b;
    };
    const g64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const g8 = (a: Uint8Array) => {
      const b = new Uint8Array(n);
      b.set(a);
      return b;
    };
    this.k1 = g32(this.k1);
    this.k2 = g32(this.k2);
    this.prog = g32(this.prog);
    this.vers = g32(this.vers);
    this.proc = g32(this.proc);
    this.nsecs = g32(this.nsecs);
    this.gen = g32(this.gen);
    this.frames = g64(this.frames);
    this.secs = g64(this.secs);
    this.state = g8(this.state);
    this.tag = g8(this.tag);
    const f = new Int32Array(n);
    f.set(this.free);
    this.free = f;
  }

  private growSlots(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.slots.length - 1;
    for (let s = 0; s < old.length; s++) {
      const v = old[s];
      if (v === 0) continue;
      const id = v - 1;
      let t = hash(this.k1[id], this.k2[id]) & this.mask;
      while (this.slots[t] !== 0) t = (t + 1) & this.mask;
      this.slots[t] = v;
    }
  }

  /** Removes an id from the index; later entries of its probe run shift back (no tombstones). */
  private unindex(id: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash(this.k1[id], this.k2[id]) & mask;
    while (slots[i] !== id + 1) {
      if (slots[i] === 0) return;
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = slots[j];
      if (v === 0) break;
      const home = hash(this.k1[v - 1], this.k2[v - 1]) & mask;
      // Entry j may move back to i only if its home slot is not cyclically within (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      slots[i] = v;
      i = j;
    }
    slots[i] = 0;
  }
}
