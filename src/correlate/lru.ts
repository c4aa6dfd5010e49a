/**
 * A size-capped map evicting the least recently set/touched entry: keeps tables learned
 * from traffic (names, sessions, pending calls) bounded however long the capture.
 *
 * Eviction order is kept in a queue of (entry, stamp) beside the Map, not by reordering the
 * Map: deleting and re-inserting Map entries (or taking the first key of a Map with many
 * deleted entries at its front) costs O(size) at times in V8. A touch re-queues a key only
 * when it has aged by half the capacity, so hot keys cost nothing; stale queue entries are
 * skipped at eviction and compacted away when the queue grows past twice the capacity.
 *
 * The Map holds an id per key; keys, values and stamps are columns by id (ids of removed
 * entries are reused, with a newer stamp than any queued for their previous entry), and the
 * queue is a pair of typed arrays compacted in place: no object per entry or per set, and
 * nothing for the garbage collector to trace in the queue (the correlator's tables of 40k
 * connection sides and sessions outlive many collections).
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, number>();
  private keys: Array<K | undefined> = [];
  private vals: Array<V | undefined> = [];
  /** Last set/touch stamp per id; -1 once removed. */
  private entryStamps = new Float64Array(64);
  private readonly free: number[] = [];
  private qIds = new Int32Array(64);
  private qStamps = new Float64Array(64);
  private qHead = 0;
  /** Queue positions used (from 0; those before qHead are consumed). */
  private qLen = 0;
  private stamp = 0;
  evicted = 0;
  /** Changes with every set, delete and re-queueing touch: while it stays the same, a value
   *  looked up (and touched) before is still there and touching it again would do nothing. */
  version = 0;

  constructor(private readonly cap: number, private readonly onEvict?: (key: K, value: V) => void) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const id = this.map.get(key);
    return id === undefined ? undefined : this.vals[id];
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Gets and marks as recently used. */
  touch(key: K): V | undefined {
    const id = this.map.get(key);
    if (id === undefined) return undefined;
    if (this.stamp - this.entryStamps[id] > this.cap >>> 1) {
      this.version++;
      const st = ++this.stamp;
      this.entryStamps[id] = st;
      this.enqueue(id, st);
    }
    return this.vals[id];
  }

  set(key: K, value: V): void {
    this.version++;
    const st = ++this.stamp;
    let id = this.map.get(key);
    if (id !== undefined) {
      this.vals[id] = value;
    } else {
      id = this.newId(key, value);
      this.map.set(key, id);
    }
    this.entryStamps[id] = st;
    this.enqueue(id, st);
    while (this.map.size > this.cap) this.evictOne();
  }

  delete(key: K): boolean {
    this.version++;
    const id = this.map.get(key);
    if (id === undefined) return false;
    this.map.delete(key);
    this.freeId(id);
    return true;
  }

  values(): IterableIterator<V> {
    return mapIter(this.map.values(), (id) => this.vals[id] as V);
  }

  entries(): IterableIterator<[K, V]> {
    return mapIter(this.map.entries(), ([k, id]) => [k, this.vals[id]] as [K, V]);
  }

  private newId(key: K, value: V): number {
    if (this.free.length > 0) {
      const id = this.free.pop() as number;
      this.keys[id] = key;
      this.vals[id] = value;
      return id;
    }
    const id = this.keys.length;
    this.keys.push(key);
    this.vals.push(value);
    if (id >= this.entryStamps.length) this.entryStamps = grownF64(this.entryStamps);
    return id;
  }

  private freeId(id: number): void {
    this.entryStamps[id] = -1;
    this.keys[id] = undefined;
    this.vals[id] = undefined;
    this.free.push(id);
  }

  private enqueue(id: number, st: number): void {
    if (this.qLen === this.qIds.length) {
      const ids = new Int32Array(this.qIds.length * 2);
      ids.set(this.qIds);
      this.qIds = ids;
      this.qStamps = grownF64(this.qStamps);
    }
    this.qIds[this.qLen] = id;
    this.qStamps[this.qLen] = st;
    const len = ++this.qLen;
    if (len - this.qHead > 2 * this.map.size + 1024 || (this.qHead > 1024 && this.qHead > len >>> 1)) this.compact();
  }

  private evictOne(): void {
    while (this.qHead < this.qLen) {
      const id = this.qIds[this.qHead];
      const st = this.qStamps[this.qHead];
      this.qHead++;
      if (this.entryStamps[id] === st) {
        const k = this.keys[id] as K;
        const v = this.vals[id] as V;
        this.map.delete(k);
        this.freeId(id);
        this.evicted++;
        this.onEvict?.(k, v);
        return;
      }
    }
    // Unreachable while the queue holds every live entry; keep the map bounded regardless.
    const first = this.map.entries().next();
    if (first.done !== true) {
      this.map.delete(first.value[0]);
      this.freeId(first.value[1]);
    }
  }

  /** Drops queue entries that no longer match their entry's stamp (deleted, re-set, touched). */
  private compact(): void {
    let n = 0;
    for (let i = this.qHead; i < this.qLen; i++) {
      const id = this.qIds[i];
      const st = this.qStamps[i];
      if (this.entryStamps[id] === st) {
        this.qIds[n] = id;
        this.qStamps[n] = st;
        n++;
      }
    }
    this.qLen = n;
    this.qHead = 0;
  }
}

function grownF64(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

function* mapIter<T, U>(it: IterableIterator<T>, f: (t: T) => U): IterableIterator<U> {
  for (const x of it) yield f(x);
}
