/**
 * A size-capped map evicting the least recently set/touched entry: keeps tables learned
 * from traffic (names, sessions, pending calls) bounded however long the capture.
 *
 * Eviction order is kept in a queue of (key, stamp) beside the Map, not by reordering the
 * Map: deleting and re-inserting Map entries (or taking the first key of a Map with many
 * deleted entries at its front) costs O(size) at times in V8. A touch re-queues a key only
 * when it has aged by half the capacity, so hot keys cost nothing; stale queue entries are
 * skipped at eviction and compacted away when the queue grows past twice the capacity.
 */
interface Slot<V> {
  value: V;
  stamp: number;
}

export class LruMap<K, V> {
  private readonly map = new Map<K, Slot<V>>();
  private qKeys: K[] = [];
  private qStamps: number[] = [];
  private qHead = 0;
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
    return this.map.get(key)?.value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Gets and marks as recently used. */
  touch(key: K): V | undefined {
    const s = this.map.get(key);
    if (s === undefined) return undefined;
    if (this.stamp - s.stamp > this.cap >>> 1) {
      this.version++;
      s.stamp = ++this.stamp;
      this.enqueue(key, s.stamp);
    }
    return s.value;
  }

  set(key: K, value: V): void {
    this.version++;
    const st = ++this.stamp;
    const s = this.map.get(key);
    if (s !== undefined) {
      s.value = value;
      s.stamp = st;
    } else {
      this.map.set(key, { value, stamp: st });
    }
    this.enqueue(key, st);
    while (this.map.size > this.cap) this.evictOne();
  }

  delete(key: K): boolean {
    this.version++;
    return this.map.delete(key);
  }

  values(): IterableIterator<V> {
    return mapIter(this.map.values(), (s) => s.value);
  }

  entries(): IterableIterator<[K, V]> {
    return mapIter(this.map.entries(), ([k, s]) => [k, s.value] as [K, V]);
  }

  private enqueue(key: K, st: number): void {
    this.qKeys.push(key);
    this.qStamps.push(st);
    const len = this.qKeys.length;
    if (len - this.qHead > 2 * this.map.size + 1024 || (this.qHead > 1024 && this.qHead > len >>> 1)) this.compact();
  }

  private evictOne(): void {
    while (this.qHead < this.qKeys.length) {
      const k = this.qKeys[this.qHead];
      const st = this.qStamps[this.qHead];
      this.qHead++;
      const s = this.map.get(k);
      if (s !== undefined && s.stamp === st) {
        this.map.delete(k);
        this.evicted++;
        this.onEvict?.(k, s.value);
        return;
      }
    }
    // Unreachable while the queue holds every live key; keep the map bounded regardless.
    const first = this.map.keys().next();
    if (first.done !== true) this.map.delete(first.value);
  }

  /** Drops queue entries that no longer match their key's stamp (deleted, re-set, touched). */
  private compact(): void {
    const keys: K[] = [];
    const stamps: number[] = [];
    for (let i = this.qHead; i < this.qKeys.length; i++) {
      const s = this.map.get(this.qKeys[i]);
      if (s !== undefined && s.stamp === this.qStamps[i]) {
        keys.push(this.qKeys[i]);
        stamps.push(this.qStamps[i]);
      }
    }
    this.qKeys = keys;
    this.qStamps = stamps;
    this.qHead = 0;
  }
}

function* mapIter<T, U>(it: IterableIterator<T>, f: (t: T) => U): IterableIterator<U> {
  for (const x of it) yield f(x);
}
