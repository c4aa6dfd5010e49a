/**
 * Calls waiting for their reply, by call key, oldest first. Replaces a Map that was set and
 * deleted once per call: V8 shrinks (reallocates and rehashes) a Map whenever its size falls
 * to a quarter of its capacity, which the usual handful of calls in flight does all the time.
 *
 * Numeric keys live in an open-addressing table with linear probing (keys in a Float64Array,
 * so no heap number per key). A delete shifts the following entries of its probe run back
 * instead of leaving a tombstone: with tombstones the table had to be rebuilt (three new
 * arrays) every few dozen calls. The table grows when half full and is never rebuilt
 * otherwise. String keys (rare: very large
 * connection ids) in a Map. Call order is a queue of entries; a removed entry is only marked
 * and leaves the queue when it reaches the front or when the queue is compacted (at most
 * `size + 1024` removed entries wait there). The queue's array is reused when it empties
 * (which happens whenever no call is in flight): truncating it to length 0 gave back its
 * storage, so the next call allocated it again.
 */
const EMPTY = -1;

interface Entry<V> {
  key: number | string;
  /** Cleared when removed: an entry waiting in the queue must not keep its call alive. */
  value: V | undefined;
  removed: boolean;
}

export class PendingTable<V> {
  private cap = 64;
  private keys = new Float64Array(this.cap);
  /** 1 for a used slot, or EMPTY. */
  private slots = new Int32Array(this.cap).fill(EMPTY);
  private entriesBySlot: Array<Entry<V> | undefined> = new Array<Entry<V> | undefined>(this.cap).fill(undefined);
  private live = 0;
  private readonly strings = new Map<string, Entry<V>>();
  /** Entries from `head` to `tail`; slots outside are undefined. */
  private queue: Array<Entry<V> | undefined> = [];
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.live + this.strings.size;
  }

  get(key: number | string): V | undefined {
    const e = this.find(key);
    return e === undefined ? undefined : e.value;
  }

  has(key: number | string): boolean {
    return this.find(key) !== undefined;
  }

  set(key: number | string, value: V): void {
    const old = this.find(key);
    if (old !== undefined) {
      // Same key again: the newer call replaces the older (it goes to the back of the queue).
      old.removed = true;
      old.value = undefined;
      this.removeKey(key);
    }
    const e: Entry<V> = { key, value, removed: false };
    if (typeof key === 'string') this.strings.set(key, e);
    else this.insert(key, e);
    if (this.tail < this.queue.length) this.queue[this.tail] = e;
    else this.queue.push(e);
    this.tail++;
    this.maybeCompactQueue();
  }

  delete(key: number | string): boolean {
    const e = this.find(key);
    if (e === undefined) return false;
    e.removed = true;
    e.value = undefined;
    this.removeKey(key);
    this.dropRemovedFront();
    this.maybeCompactQueue();
    return true;
  }

  /** The oldest call still waiting. */
  oldest(): { key: number | string; value: V } | undefined {
    this.dropRemovedFront();
    if (this.head >= this.tail) return undefined;
    const e = this.queue[this.head] as Entry<V>;
    return { key: e.key, value: e.value as V };
  }

  /** Waiting calls, oldest first. */
  *values(): IterableIterator<V> {
    for (let i = this.head; i < this.tail; i++) {
      const e = this.queue[i] as Entry<V>;
      if (!e.removed) yield e.value as V;
    }
  }

  private find(key: number | string): Entry<V> | undefined {
    if (typeof key === 'string') return this.strings.get(key);
    const mask = this.cap - 1;
    for (let i = hashOf(key) & mask, n = 0; n < this.cap; i = (i + 1) & mask, n++) {
      const s = this.slots[i];
      if (s === EMPTY) return undefined;
      if (this.keys[i] === key) return this.entriesBySlot[i];
    }
    return undefined;
  }

  private removeKey(key: number | string): void {
    if (typeof key === 'string') {
      this.strings.delete(key);
      return;
    }
    const mask = this.cap - 1;
    for (let i = hashOf(key) & mask, n = 0; n < this.cap; i = (i + 1) & mask, n++) {
      const s = this.slots[i];
      if (s === EMPTY) return;
      if (this.keys[i] === key) {
        this.live--;
        this.shiftBack(i);
        return;
      }
    }
  }

  /** Empties slot `hole`, moving back later entries of its probe run that may live there
   *  (so every key stays reachable from its home slot without tombstones). */
  private shiftBack(hole: number): void {
    const mask = this.cap - 1;
    for (let j = (hole + 1) & mask; this.slots[j] !== EMPTY; j = (j + 1) & mask) {
      const home = hashOf(this.keys[j]) & mask;
      // The entry at j may move to the hole unless its home lies cyclically in (hole, j].
      const homeAfterHole = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (homeAfterHole) continue;
      this.keys[hole] = this.keys[j];
      this.entriesBySlot[hole] = this.entriesBySlot[j];
      hole = j;
    }
    this.slots[hole] = EMPTY;
    this.entriesBySlot[hole] = undefined;
  }

  private insert(key: number, e: Entry<V>): void {
    if ((this.live + 1) * 2 > this.cap) this.rebuild(this.cap * 2);
    const mask = this.cap - 1;
    let i = hashOf(key) & mask;
    while (this.slots[i] !== EMPTY) i = (i + 1) & mask;
    this.slots[i] = 1;
    this.keys[i] = key;
    this.entriesBySlot[i] = e;
    this.live++;
  }

  /** Re-inserts the live keys into a table of `cap` slots. */
  private rebuild(cap: number): void {
    const oldKeys = this.keys;
    const oldSlots = this.slots;
    const oldEntries = this.entriesBySlot;
    const oldCap = this.cap;
    this.cap = cap;
    this.keys = new Float64Array(cap);
    this.slots = new Int32Array(cap).fill(EMPTY);
    this.entriesBySlot = new Array<Entry<V> | undefined>(cap).fill(undefined);
    this.live = 0;
    const mask = cap - 1;
    for (let j = 0; j < oldCap; j++) {
      if (oldSlots[j] === EMPTY) continue;
      const key = oldKeys[j];
      let i = hashOf(key) & mask;
      while (this.slots[i] !== EMPTY) i = (i + 1) & mask;
      this.slots[i] = 1;
      this.keys[i] = key;
      this.entriesBySlot[i] = oldEntries[j];
      this.live++;
    }
  }

  private dropRemovedFront(): void {
    const q = this.queue;
    while (this.head < this.tail && (q[this.head] as Entry<V>).removed) q[this.head++] = undefined;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
  }

  private maybeCompactQueue(): void {
    const waiting = this.tail - this.head;
    // A long run of the array before `head` is unused: start again at 0 then too.
    if (waiting <= 2 * this.size + 1024 && !(this.head > 1024 && this.head * 2 > this.tail)) return;
    const q: Array<Entry<V> | undefined> = [];
    for (let i = this.head; i < this.tail; i++) {
      const e = this.queue[i] as Entry<V>;
      if (!e.removed) q.push(e);
    }
    this.queue = q;
    this.head = 0;
    this.tail = q.length;
  }
}

/** Mixes a call key (an integer below 2^53) into 31 bits. */
function hashOf(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x7fffffff;
}
