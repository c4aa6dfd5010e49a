/**
 * Names learned from traffic, per server: what each filehandle (or name-path key) is called
 * and in which directory, and which filehandle a name in a directory leads to. Both tables
 * are capped over all servers, least recently set/touched out first, exactly like two
 * LruMaps keyed `server|fh` and `server|parent/name` (see lru.ts) — without those keys.
 *
 * Why not string keys: every lookup built `server + '|' + parent + '/' + name` (a parent is
 * a 40-80 character filehandle hex), which V8 then flattened and hashed in full, and each
 * stored key kept a cons string plus its flat copy. Here a lookup goes through Maps keyed by
 * the parts (filehandle hexes come memoised from hex-cache.ts, their hashes computed once),
 * and the eviction queue holds the entries themselves, not their keys.
 *
 * Filehandle (or directory) first, server last: replayed copies of a capture on many address
 * pairs share their filehandles, so a per-server level made thousands of tiny Maps. A level
 * holding one entry stores it as is (the usual case with one server, or a directory with one
 * child) and becomes a Map from its second entry on, back to the entry when one is left.
 */
import { childKey } from './walk.js';

/** Entries of both tables record their last set/touch stamp; -1 once removed. */
interface Stamped {
  stamp: number;
}

// Entries are class instances, not object literals: the literals' `stamp` field ended up
// stored as a boxed double, one extra heap number per entry.

/** What a filehandle (or name-path key) `key` of `server` is called, and its directory's key. */
export class NameSlot implements Stamped {
  stamp = 0;
  constructor(readonly server: string, readonly key: string, readonly name: string, readonly parent: string | undefined) {}
}

/** The filehandle `name` in directory `dir` leads to on `server` (`dir` and `name`: the
 *  parts of the child key, see childParts). */
class ChildSlot implements Stamped {
  stamp = 0;
  constructor(readonly server: string, readonly dir: string, readonly name: string, public fh: string) {}
}

/** A directory's children by name, then server (single entries stored as is). */
type ChildrenByServer = ChildSlot | Map<string, ChildSlot>;
type DirChildren = ChildSlot | Map<string, ChildrenByServer>;

/**
 * An LRU order over entries of one table: a queue of (entry, stamp) where an entry counts
 * only while its stamp is still the queued one. A touch re-queues an entry only when it has
 * aged by half the capacity; stale queue entries are skipped at eviction and compacted away
 * when the queue outgrows twice the table. Same rules, in the same order, as LruMap.
 */
class StampQueue<S extends Stamped> {
  private slots: S[] = [];
  private stamps: number[] = [];
  private head = 0;
  private stamp = 0;
  size = 0;
  evicted = 0;

  constructor(private readonly cap: number, private readonly remove: (s: S) => void) {}

  /** A slot just added (size already counted) or set again: newest, then the table is trimmed to its cap. */
  renew(s: S): void {
    const st = ++this.stamp;
    s.stamp = st;
    this.enqueue(s, st);
    while (this.size > this.cap && this.evictOne());
  }

  touch(s: S): void {
    if (this.stamp - s.stamp > this.cap >>> 1) {
      const st = ++this.stamp;
      s.stamp = st;
      this.enqueue(s, st);
    }
  }

  private enqueue(s: S, st: number): void {
    this.slots.push(s);
    this.stamps.push(st);
    const len = this.slots.length;
    if (len - this.head > 2 * this.size + 1024 || (this.head > 1024 && this.head > len >>> 1)) this.compact();
  }

  private evictOne(): boolean {
    while (this.head < this.slots.length) {
      const s = this.slots[this.head];
      const st = this.stamps[this.head];
      this.head++;
      if (s.stamp === st) {
        this.remove(s);
        this.evicted++;
        return true;
      }
    }
    return false; // unreachable: every live entry is queued with its stamp
  }

  private compact(): void {
    const slots: S[] = [];
    const stamps: number[] = [];
    for (let i = this.head; i < this.slots.length; i++) {
      if (this.slots[i].stamp === this.stamps[i]) {
        slots.push(this.slots[i]);
        stamps.push(this.stamps[i]);
      }
    }
    this.slots = slots;
    this.stamps = stamps;
    this.head = 0;
  }
}

export class NameTable {
  /** Name entries by key, then server. */
  private readonly names = new Map<string, NameSlot | Map<string, NameSlot>>();
  /** Child entries by directory part, name part, then server. */
  private readonly dirs = new Map<string, DirChildren>();
  private readonly nameOrder: StampQueue<NameSlot>;
  private readonly childOrder: StampQueue<ChildSlot>;
  /** Directory and name parts of the last childParts() call. */
  private partDir = '';
  private partName = '';

  constructor(cap: number) {
    this.nameOrder = new StampQueue<NameSlot>(cap, (s) => this.dropName(s));
    this.childOrder = new StampQueue<ChildSlot>(cap, (s) => this.dropChild(s));
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

  /** The name entry of `key` (filehandle hex or name-path key) on `server`. */
  name(server: string, key: string): NameSlot | undefined {
    const v = this.names.get(key);
    if (v === undefined) return undefined;
    if (v instanceof NameSlot) return v.server === server ? v : undefined;
    return v.get(server);
  }

  /** Marks a name entry as recently used. */
  touchName(s: NameSlot): void {
    this.nameOrder.touch(s);
  }

  /** Sets what `key` is called and where (a new entry: the old one, if any, is replaced). */
  setName(server: string, key: string, name: string, parent: string | undefined): void {
    const s = new NameSlot(server, key, name, parent);
    const v = this.names.get(key);
    if (v === undefined) {
      this.names.set(key, s);
      this.nameOrder.size++;
    } else if (v instanceof NameSlot) {
      if (v.server === server) {
        v.stamp = -1;
        this.names.set(key, s);
      } else {
        this.names.set(key, new Map([[v.server, v], [server, s]]));
        this.nameOrder.size++;
      }
    } else {
      const old = v.get(server);
      if (old !== undefined) old.stamp = -1;
      else this.nameOrder.size++;
      v.set(server, s);
    }
    this.nameOrder.renew(s);
  }

  // ---------------------------------------------------------------------------- children

  /** The filehandle `name` in directory `parent` (a key) leads to on `server`. */
  child(server: string, parent: string, name: string): string | undefined {
    return this.childSlot(server, parent, name)?.fh;
  }

  /** child() that also marks the entry as recently used. */
  touchChild(server: string, parent: string, name: string): string | undefined {
    const s = this.childSlot(server, parent, name);
    if (s === undefined) return undefined;
    this.childOrder.touch(s);
    return s.fh;
  }

  setChild(server: string, parent: string, name: string, fh: string): void {
    let s = this.childSlot(server, parent, name);
    if (s !== undefined) s.fh = fh;
    else {
      // childSlot() left the parts in partDir / partName
      s = new ChildSlot(server, this.partDir, this.partName, fh);
      this.addChild(s);
      this.childOrder.size++;
    }
    this.childOrder.renew(s);
  }

  deleteChild(server: string, parent: string, name: string): void {
    const s = this.childSlot(server, parent, name);
    if (s !== undefined) this.dropChild(s);
  }

  // ---------------------------------------------------------------------------- internals

  private childSlot(server: string, parent: string, name: string): ChildSlot | undefined {
    this.childParts(parent, name);
    const v = this.dirs.get(this.partDir);
    if (v === undefined) return undefined;
    if (v instanceof ChildSlot) return v.name === this.partName && v.server === server ? v : undefined;
    const w = v.get(this.partName);
    if (w === undefined) return undefined;
    if (w instanceof ChildSlot) return w.server === server ? w : undefined;
    return w.get(server);
  }

  /** Adds a slot no entry exists for yet. */
  private addChild(s: ChildSlot): void {
    const v = this.dirs.get(s.dir);
    if (v === undefined) {
      this.dirs.set(s.dir, s);
    } else if (v instanceof ChildSlot) {
      const byName = new Map<string, ChildrenByServer>();
      if (v.name === s.name) byName.set(s.name, new Map([[v.server, v], [s.server, s]]));
      else byName.set(v.name, v).set(s.name, s);
      this.dirs.set(s.dir, byName);
    } else {
      const w = v.get(s.name);
      if (w === undefined) v.set(s.name, s);
      else if (w instanceof ChildSlot) v.set(s.name, new Map([[w.server, w], [s.server, s]]));
      else w.set(s.server, s);
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

  private dropName(s: NameSlot): void {
    s.stamp = -1;
    this.nameOrder.size--;
    dropFromLevel(this.names, s.key, s);
  }

  private dropChild(s: ChildSlot): void {
    s.stamp = -1;
    this.childOrder.size--;
    const v = this.dirs.get(s.dir);
    if (v === s) {
      this.dirs.delete(s.dir);
      return;
    }
    if (v === undefined || v instanceof ChildSlot) return;
    dropFromLevel(v, s.name, s);
    // A directory left with a single child entry stores it as is again.
    if (v.size === 0) this.dirs.delete(s.dir);
    else if (v.size === 1) {
      const only = v.values().next().value as ChildrenByServer;
      if (only instanceof ChildSlot) this.dirs.set(s.dir, only);
    }
  }
}

/**
 * Takes entry `s`, stored under `key` of `level`, out of it: the level holds it as is, or in a
 * Map by server, which goes back to holding its last entry as is (see the file comment).
 */
function dropFromLevel<S extends { readonly server: string }>(level: Map<string, S | Map<string, S>>, key: string, s: S): void {
  const v = level.get(key);
  if (v === s) {
    level.delete(key);
  } else if (v instanceof Map) {
    v.delete(s.server);
    if (v.size === 0) level.delete(key);
    else if (v.size === 1) level.set(key, v.values().next().value as S);
  }
}
