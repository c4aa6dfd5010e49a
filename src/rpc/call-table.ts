/**
 * The matcher's memory of calls, keyed by (connection id and call direction, xid), with the
 * arrival order of pending calls and the answer order of answered ones.
 *
 * Why this shape (measured, see the report): a Map keyed by heap numbers or strings cost
 * several times the header decode per record on tables of 10^4..10^5 entries, deleting from
 * the front of a V8 Map makes "oldest" scans quadratic, and one object per remembered call
 * lives long enough to be promoted out of the young generation, which made the matcher 5-10x
 * slower once thousands of calls were remembered. So: entries live in typed arrays, ids
 * recycled through a free list, the index is open addressing with linear probing and
 * backward-shift deletion, and the two orders are rings of (id, generation) pairs where stale
 * pairs are skipped. An entry's integer fields sit together in one 32-byte row (and its two
 * doubles in one 16-byte row): the entry removed when a reply comes is the one answered 8192
 * replies earlier, long out of cache, and one field per array cost a cache miss per field.
 * Index slots keep the key's hash beside the id, so probing and backward shifts compare
 * hashes without reading entries.
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
  gens = new Int32Array(1024);
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
      const gens = new Int32Array(this.ids.length * 2);
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

/** Int32 fields of an entry's row (ROW of them per entry). */
const K1 = 0;
const K2 = 1;
const PROG = 2;
const VERS = 3;
const PROC = 4;
const NSEC = 5;
const GEN = 6;
/** state in the low byte, tag in the next. */
const STATE_TAG = 7;
const ROW = 8;
/** Float64 fields of an entry's row (TROW of them per entry). */
const FRAME = 0;
const SEC = 1;
const TROW = 2;

export class CallTable {
  /** Integer fields by entry id (row id*ROW); uint32 values are stored as int32 bits. */
  private ints = new Int32Array(256 * ROW);
  /** Frame number and seconds by entry id (row id*TROW). */
  private times = new Float64Array(256 * TROW);
  private conns: Array<ConnectionKey | undefined> = [];
  private free = new Int32Array(256);
  private freeTop = 0;
  private used = 0;

  /** Open-addressing index, two ints per slot: entry id + 1 (0 = empty), then the key's hash. */
  private slots = new Int32Array(2 * 1024);
  /** Slot count - 1 (a power of two minus one). */
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
    const h = hash(k1, k2);
    const a = k1 | 0;
    const b = k2 | 0;
    let s = h & mask;
    for (;;) {
      const v = slots[2 * s];
      if (v === 0) return -1;
      if (slots[2 * s + 1] === h) {
        const row = (v - 1) * ROW;
        if (this.ints[row + K2] === b && this.ints[row + K1] === a) return v - 1;
      }
      s = (s + 1) & mask;
    }
  }

  isAnswered(id: number): boolean {
    return (this.ints[id * ROW + STATE_TAG] & 0xff) === STATE_ANSWERED;
  }

  program(id: number): number {
    return this.ints[id * ROW + PROG] >>> 0;
  }
  version(id: number): number {
    return this.ints[id * ROW + VERS] >>> 0;
  }
  procedure(id: number): number {
    return this.ints[id * ROW + PROC] >>> 0;
  }
  frame(id: number): number {
    return this.times[id * TROW + FRAME];
  }
  sec(id: number): number {
    return this.times[id * TROW + SEC];
  }
  nsec(id: number): number {
    return this.ints[id * ROW + NSEC] >>> 0;
  }
  /** Small caller-defined code stored with the entry (the matcher keeps the body wrap here). */
  tagOf(id: number): number {
    return (this.ints[id * ROW + STATE_TAG] >>> 8) & 0xff;
  }
  conn(id: number): ConnectionKey {
    return this.conns[id] as ConnectionKey;
  }
  /** Direction the call travelled (low bit of k1). */
  callDirBit(id: number): number {
    return this.ints[id * ROW + K1] & 1;
  }
  xid(id: number): number {
    return this.ints[id * ROW + K2] >>> 0;
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
    const ints = this.ints;
    const row = id * ROW;
    ints[row + K1] = k1;
    ints[row + K2] = k2;
    ints[row + PROG] = prog;
    ints[row + VERS] = vers;
    ints[row + PROC] = proc;
    ints[row + NSEC] = nsec;
    ints[row + STATE_TAG] = STATE_PENDING | ((tag & 0xff) << 8);
    const times = this.times;
    times[id * TROW + FRAME] = frame;
    times[id * TROW + SEC] = sec;
    this.conns[id] = conn;
    if ((this.used + 1) * 2 > this.mask + 1) this.growSlots();
    const h = hash(k1, k2);
    this.place(id + 1, h);
    this.used++;
    this.pendingQ.push(id, ints[row + GEN]);
    this.maybeCompact(this.pendingQ, STATE_PENDING);
    return id;
  }

  markAnswered(id: number): void {
    const at = id * ROW + STATE_TAG;
    const st = this.ints[at];
    if ((st & 0xff) !== STATE_PENDING) return;
    this.ints[at] = (st & ~0xff) | STATE_ANSWERED;
    this.pendingQ.live--;
    this.answeredQ.push(id, this.ints[id * ROW + GEN]);
    this.maybeCompact(this.answeredQ, STATE_ANSWERED);
    this.maybeCompact(this.pendingQ, STATE_PENDING);
  }

  /** Forgets an entry (its queue positions become stale). */
  remove(id: number): void {
    const ints = this.ints;
    const row = id * ROW;
    const st = ints[row + STATE_TAG] & 0xff;
    if (st === STATE_FREE) return;
    if (st === STATE_PENDING) this.pendingQ.live--;
    else this.answeredQ.live--;
    this.unindex(id, hash(ints[row + K1], ints[row + K2]));
    ints[row + STATE_TAG] = STATE_FREE;
    ints[row + GEN] = (ints[row + GEN] + 1) | 0;
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
      if (this.holds(id, q.gens[i], STATE_PENDING)) out.push(id);
    }
    return out;
  }

  clear(): void {
    const ints = this.ints;
    for (let i = 0; i < this.conns.length; i++) {
      const row = i * ROW;
      if ((ints[row + STATE_TAG] & 0xff) !== STATE_FREE) {
        ints[row + STATE_TAG] = STATE_FREE;
        ints[row + GEN] = (ints[row + GEN] + 1) | 0;
        this.conns[i] = undefined;
        this.free[this.freeTop++] = i;
      }
    }
    this.slots.fill(0);
    this.used = 0;
    this.pendingQ.clear();
    this.answeredQ.clear();
  }

  /** Entry id is still the one queued with generation gen, in state want. */
  private holds(id: number, gen: number, want: number): boolean {
    const row = id * ROW;
    return this.ints[row + GEN] === gen && (this.ints[row + STATE_TAG] & 0xff) === want;
  }

  private peek(q: IdQueue, want: number): number {
    while (q.head < q.tail) {
      const id = q.ids[q.head];
      if (this.holds(id, q.gens[q.head], want)) return id;
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
      if (this.holds(id, g, want)) {
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
    if (id * ROW === this.ints.length) this.growEntries();
    this.conns.push(undefined);
    return id;
  }

  private growEntries(): void {
    const n = (this.ints.length / ROW) * 2;
    const ints = new Int32Array(n * ROW);
    ints.set(this.ints);
    this.ints = ints;
    const times = new Float64Array(n * TROW);
    times.set(this.times);
    this.times = times;
    const f = new Int32Array(n);
    f.set(this.free);
    this.free = f;
  }

  /** Puts (id + 1, hash) in the first empty slot of the hash's probe run. */
  private place(v: number, h: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let s = h & mask;
    while (slots[2 * s] !== 0) s = (s + 1) & mask;
    slots[2 * s] = v;
    slots[2 * s + 1] = h;
  }

  private growSlots(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.slots.length / 2 - 1;
    for (let s = 0; s < old.length; s += 2) {
      if (old[s] !== 0) this.place(old[s], old[s + 1]);
    }
  }

  /** Removes an id from the index; later entries of its probe run shift back (no tombstones). */
  private unindex(id: number, h: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    while (slots[2 * i] !== id + 1) {
      if (slots[2 * i] === 0) return;
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = slots[2 * j];
      if (v === 0) break;
      const home = slots[2 * j + 1] & mask;
      // Entry j may move back to i only if its home slot is not cyclically within (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      slots[2 * i] = v;
      slots[2 * i + 1] = slots[2 * j + 1];
      i = j;
    }
    slots[2 * i] = 0;
  }
}
