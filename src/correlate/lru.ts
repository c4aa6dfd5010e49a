/**
 * A size-capped map evicting the least recently set/touched entry: keeps tables learned
 * from traffic (names, sessions, pending calls) bounded however long the capture.
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  evicted = 0;

  constructor(private readonly cap: number, private readonly onEvict?: (key: K, value: V) => void) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Gets and marks as recently used. */
  touch(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    if (this.map.has(key)) this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.cap) {
      const first = this.map.keys().next();
      if (first.done === true) break;
      const k = first.value;
      const old = this.map.get(k) as V;
      this.map.delete(k);
      this.evicted++;
      this.onEvict?.(k, old);
    }
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}
