/**
 * Names learned from traffic, per server: what each filehandle (or name-path key) is called
 * and in which directory, and which filehandle a name in a directory leads to. Both tables
 * are capped over all servers, least recently set/touched out first, exactly like two
 * LruMaps keyed `server|fh` and `server|parent/name` (see lru.ts) — without those keys.
 *
 * Why not string keys: every lookup built `server + '|' + parent + '/' + name` (a parent is
 * a 40-80 character filehandle hex), which V8 then flattened and hashed in full, and each
 * stored key kept a cons string plus its flat copy. Here a lookup goes through Maps keyed by
 * the parts (filehandle hexes come memoised from hex-cache.ts, their hashes computed once).
 *
 * Filehandle (or directory) first, server last: replayed copies of a capture on many address
 * pairs share their filehandles, so a per-server level made thousands of tiny Maps. A level
 * holding one entry stores it as is (the usual case with one server, or a directory with one
 * child) and becomes a Map from its second entry on, back to the entry when one is left.
 *
 * Entries are numbers (ids), their fields columns (Pool), and the eviction queues typed
 * arrays: the tables are most of what the correlator keeps for long (hundreds of thousands
 * of entries on a long replay), and an object per entry (with the queues holding them) made
 * every major garbage collection trace them all and every young one be copied twice (on
 * bench/out/large.pcap this halved `stats`' background GC marking, see README "Cost").
 */
import { childKey } from './walk.js';

/** No entry (what the lookups answer when there is none). */
export const NO_ENTRY = -1;

/**
 * The columns of one table's entries, by id. Removed entries' ids are reused (their stamp is
 * -1 meanwhile, and a reused id gets a newer stamp than any queued for its previous entry,
 * so stale queue positions never match it).
 */
class Pool {
  /** Last set/touch stamp per id; -1 once removed. */
  stamps = new Float64Array(1024);
  readonly server: string[] = [];
  /** Name table: the filehandle (or name-path) key. Child table: the directory part. */
  readonly key: string[] = [];
  readonly name: string[] = [];
  /** Name table: the directory key (or undefined). Child table: the filehandle. */
  readonly value: Array<string | undefined> = [];
  private readonly free: number[] = [];
  private count = 0;

  add(server: string, key: string, name: string, value: string | undefined): number {
    let id: number;
    if (this.free.length > 0) {
      id = this.free.pop() as number;
      this.server[id] = server;
      this.key[id] = key;
      this.name[id] = name;
      this.value[id] = value;
    } else {
      id = this.count++;
      if (id >= this.stamps.length) {
        const wider = new Float64Array(this.stamps.length * 2);
        wider.set(this.stamps);
        this.stamps = wider;
      }
      this.server.push(server);
      this.key.push(key);
      this.name.push(name);
      this.value.push(value);
    }
    this.stamps[id] = 0;
    return id;
  }

  /** Frees an id (its strings are let go of). */
  remove(id: number): void {
    this.stamps[id] = -1;
    this.server[id] = '';
    this.key[id] = '';
    this.name[id] = '';
    this.value[id] = undefined;
    this.free.push(id);
  }
}

/**
 * An LRU order over one pool's entries: a queue of (id, stamp) where an entry counts only
 * while its stamp is still the queued one. A touch re-queues an entry only when it has aged
 * by half the capacity; stale queue entries are skipped at eviction and compacted away when
 * the queue outgrows twice the table. Same rules, in the same order, as LruMap. Compacted in
 * place (typed arrays, grown by doubling): no garbage per compaction.
 */
class StampQueue {
  private ids = new Int32Array(1024);
  private stamps = new Float64Array(1024);
  private head = 0;
  /** Queue positions used (from 0; those before head are consumed). */
  private len = 0;
  private stamp = 0;
  size = 0;
  evicted = 0;

  constructor(private readonly pool: Pool, private readonly cap: number, private readonly remove: (id: number) => void) {}

  /** An entry just added (size already counted) or set again: newest, then the table is trimmed to its cap. */
  renew(id: number): void {
    const st = ++this.stamp;
    this.pool.stamps[id] = st;
    this.enqueue(id, st);
    while (this.size > this.cap && this.evictOne());
  }

  touch(id: number): void {
    if (this.stamp - this.pool.stamps[id] > this.cap >>> 1) {
      const st = ++this.stamp;
      this.pool.stamps[id] = st;
      this.enqueue(id, st);
    }
  }

  private enqueue(id: number, st: number): void {
    if (this.len === this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const stamps = new Float64Array(this.stamps.length * 2);
      stamps.set(this.stamps);
      this.stamps = stamps;
    }
    this.ids[this.len] = id;
    this.stamps[this.len] = st;
    const len = ++this.len;
    if (len - this.head > 2 * this.size + 1024 || (this.head > 1024 && this.head > len >>> 1)) this.compact();
  }

  private evictOne(): boolean {
    const stamps = this.pool.stamps;
    while (this.head < this.len) {
      const id = this.ids[this.head];
      const st = this.stamps[this.head];
      this.head++;
      if (stamps[id] === st) {
        this.remove(id);
        this.evicted++;
        return true;
      }
    }
    return false; // unreachable: every live entry is queued with its stamp
  }

  private compact(): void {
    const stamps = this.pool.stamps;
    let n = 0;
    for (let i = this.head; i < this.len; i++) {
      const id = this.ids[i];
      const st = this.stamps[i];
      if (stamps[id] === st) {
        this.ids[n] = id;
        this.stamps[n] = st;
        n++;
      }
    }
    this.len = n;
    this.head = 0;
  }
}

/** A level of the tables: one entry (id) as is, or a Map by the next key part. */
type ByServer = number | Map<string, number>;
type DirChildren = number | Map<string, ByServer>;

export class NameTable {
  private readonly namePool = new Pool();
  private readonly childPool = new Pool();
  /** Name entries by key, then server. */
  private readonly names = new Map<string, ByServer>();
  /** Child entries by directory part, name part, then server. */
  private readonly dirs = new Map<string, DirChildren>();
  private readonly nameOrder: StampQueue;
  private readonly childOrder: StampQueue;
  /** Directory and name parts of the last childParts() call. */
  private partDir = '';
  private partName = '';

  constructor(cap: number) {
    this.nameOrder = new StampQueue(this.namePool, cap, (id) => this.dropName(id));
    this.childOrder = new StampQueue(this.childPool, cap, (id) => this.dropChild(id));
  }

  /** Filehandle names evicted so far (LRU). */
  get namesEvicted(): number {
    return this.nameOrder.evicted;
  }

  get nameCount(): number {
    return this.nameOrder.size;
  }

  get childCount(): number {
    return this.childOrder.size;
  }

  // ---------------------------------------------------------------------------- names

  /** The name entry of `key` (filehandle hex or name-path key) on `server`, or NO_ENTRY. An
   *  id is valid until the table changes (read its fields at once). */
  name(server: string, key: string): number {
    const v = this.names.get(key);
    if (v === undefined) return NO_ENTRY;
    if (typeof v === 'number') return this.namePool.server[v] === server ? v : NO_ENTRY;
    return v.get(server) ?? NO_ENTRY;
  }

  /** What name entry `id` is called. */
  nameOf(id: number): string {
    return this.namePool.name[id];
  }

  /** The directory key of name entry `id` (undefined: not known). */
  parentOf(id: number): string | undefined {
    return this.namePool.value[id];
  }

  /** Marks a name entry as recently used. */
  touchName(id: number): void {
    this.nameOrder.touch(id);
  }

  /** Sets what `key` is called and where (a new entry: the old one, if any, is replaced). */
  setName(server: string, key: string, name: string, parent: string | undefined): void {
    const pool = this.namePool;
    const v = this.names.get(key);
    let id: number;
    if (v === undefined) {
      id = pool.add(server, key, name, parent);
      this.names.set(key, id);
      this.nameOrder.size++;
    } else if (typeof v === 'number') {
      if (pool.server[v] === server) {
        pool.remove(v);
        id = pool.add(server, key, name, parent);
        this.names.set(key, id);
      } else {
        id = pool.add(server, key, name, parent);
        this.names.set(key, new Map([[pool.server[v], v], [server, id]]));
        this.nameOrder.size++;
      }
    } else {
      const old = v.get(server);
      if (old !== undefined) pool.remove(old);
      else this.nameOrder.size++;
      id = pool.add(server, key, name, parent);
      v.set(server, id);
    }
    this.nameOrder.renew(id);
  }

  // ---------------------------------------------------------------------------- children

  /** The filehandle `name` in directory `parent` (a key) leads to on `server`. */
  child(server: string, parent: string, name: string): string | undefined {
    const id = this.childSlot(server, parent, name);
    return id === NO_ENTRY ? undefined : this.childPool.value[id];
  }

  /** child() that also marks the entry as recently used. */
  touchChild(server: string, parent: string, name: string): string | undefined {
    const id = this.childSlot(server, parent, name);
    if (id === NO_ENTRY) return undefined;
    this.childOrder.touch(id);
    return this.childPool.value[id];
  }

  setChild(server: string, parent: string, name: string, fh: string): void {
    let id = this.childSlot(server, parent, name);
    if (id !== NO_ENTRY) this.childPool.value[id] = fh;
    else {
      // childSlot() left the parts in partDir / partName
      id = this.childPool.add(server, this.partDir, this.partName, fh);
      this.addChild(id);
      this.childOrder.size++;
    }
    this.childOrder.renew(id);
  }

  deleteChild(server: string, parent: string, name: string): void {
    const id = this.childSlot(server, parent, name);
    if (id !== NO_ENTRY) this.dropChild(id);
  }

  // ---------------------------------------------------------------------------- internals

  private childSlot(server: string, parent: string, name: string): number {
    this.childParts(parent, name);
    const v = this.dirs.get(this.partDir);
    if (v === undefined) return NO_ENTRY;
    const pool = this.childPool;
    if (typeof v === 'number') return pool.name[v] === this.partName && pool.server[v] === server ? v : NO_ENTRY;
    const w = v.get(this.partName);
    if (w === undefined) return NO_ENTRY;
    if (typeof w === 'number') return pool.server[w] === server ? w : NO_ENTRY;
    return w.get(server) ?? NO_ENTRY;
  }

  /** Adds an entry no entry exists for yet. */
  private addChild(id: number): void {
    const pool = this.childPool;
    const dir = pool.key[id];
    const name = pool.name[id];
    const server = pool.server[id];
    const v = this.dirs.get(dir);
    if (v === undefined) {
      this.dirs.set(dir, id);
    } else if (typeof v === 'number') {
      const byName = new Map<string, ByServer>();
      if (pool.name[v] === name) byName.set(name, new Map([[pool.server[v], v], [server, id]]));
      else byName.set(pool.name[v], v).set(name, id);
      this.dirs.set(dir, byName);
    } else {
      const w = v.get(name);
      if (w === undefined) v.set(name, id);
      else if (typeof w === 'number') v.set(name, new Map([[pool.server[w], w], [server, id]]));
      else w.set(server, id);
    }
  }

  /**
   * Splits the child key `parent/name` ('/name' below the root) at its last '/', into
   * partDir and partName, as one string key would identify it: two (parent, name) pairs
   * spelling the same key are the same entry. Without a '/' in the name that is the parent
   * itself ('' for the root) and the name, with no string built.
   */
  private childParts(parent: string, name: string): void {
    if (name.indexOf('/') < 0) {
      this.partDir = parent === '/' ? '' : parent;
      this.partName = name;
      return;
    }
    const key = childKey(parent, name);
    const j = key.lastIndexOf('/');
    this.partDir = key.slice(0, j);
    this.partName = key.slice(j + 1);
  }

  private dropName(id: number): void {
    const pool = this.namePool;
    this.nameOrder.size--;
    dropFromLevel(this.names, pool.key[id], pool.server[id], id);
    pool.remove(id);
  }

  private dropChild(id: number): void {
    const pool = this.childPool;
    this.childOrder.size--;
    const dir = pool.key[id];
    const name = pool.name[id];
    const server = pool.server[id];
    pool.remove(id);
    const v = this.dirs.get(dir);
    if (v === id) {
      this.dirs.delete(dir);
      return;
    }
    if (v === undefined || typeof v === 'number') return;
    dropFromLevel(v, name, server, id);
    // A directory left with a single child entry stores it as is again.
    if (v.size === 0) this.dirs.delete(dir);
    else if (v.size === 1) {
      const only = v.values().next().value as ByServer;
      if (typeof only === 'number') this.dirs.set(dir, only);
    }
  }
}

/**
 * Takes entry `id` of `server`, stored under `key` of `level`, out of it: the level holds it
 * as is, or in a Map by server, which goes back to holding its last entry as is (see the file
 * comment).
 */
function dropFromLevel(level: Map<string, ByServer>, key: string, server: string, id: number): void {
  const v = level.get(key);
  if (v === id) {
    level.delete(key);
  } else if (v instanceof Map) {
    v.delete(server);
    if (v.size === 0) level.delete(key);
    else if (v.size === 1) level.set(key, v.values().next().value as number);
  }
}
