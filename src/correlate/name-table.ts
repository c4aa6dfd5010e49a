/**
 * Names learned from traffic, per server: what each filehandle (or name-path key) is called
 * and in which directory, and which filehandle a name in a directory leads to. Both tables
 * are capped together over all servers, least recently set/touched out first, exactly like
 * two LruMaps keyed `server|fh` and `server|parent/name` (see lru.ts) — without those keys.
 *
 * Why not string keys: every lookup built `server + '|' + parent + '/' + name` (a parent is
 * a 40-80 character filehandle hex), which V8 then flattened and hashed in full, and each
 * stored key kept a cons string plus its flat copy. Here a lookup walks small Maps keyed by
 * the parts (filehandle hexes come memoised from hex-cache.ts, their hashes already
 * computed), and the eviction queue holds the entries themselves, not their keys.
 */

/** Entries of both tables record their last set/touch stamp; -1 once removed. */
interface Stamped {
  stamp: number;
}

/** What a filehandle (or name-path key) of a server is called, and its directory's key. */
export class NameSlot implements Stamped {
  stamp = 0;
  constructor(readonly name: string, readonly parent: string | undefined, readonly owner: ServerNames, readonly key: string) {}
}

/** The filehandle a name in a directory leads to. */
class ChildSlot implements Stamped {
  stamp = 0;
  /** `dir` and `name`: directory part and name part of the child key (see childParts). */
  constructor(public fh: string, readonly owner: ServerNames, readonly dir: string, readonly name: string) {}
}

class ServerNames {
  readonly names = new Map<string, NameSlot>();
  readonly dirs = new Map<string, Map<string, ChildSlot>>();
  /** Entries of both tables: the server's tables go when it reaches 0. */
  entries = 0;
  constructor(readonly server: string) {}
}

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
  private readonly servers = new Map<string, ServerNames>();
  private readonly nameOrder: StampQueue<NameSlot>;
  private readonly childOrder: StampQueue<ChildSlot>;
  /** Directory and name parts of the last childParts() call. */
  private partDir = '';
  private partName = '';
  /** The server looked up last: calls come in runs for one server. */
  private lastServer: ServerNames | undefined;

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
    return this.find(server)?.names.get(key);
  }

  /** Marks a name entry as recently used. */
  touchName(s: NameSlot): void {
    this.nameOrder.touch(s);
  }

  /** Sets what `key` is called and where (a new entry: the old one, if any, is replaced). */
  setName(server: string, key: string, name: string, parent: string | undefined): void {
    const sn = this.serverNames(server);
    const old = sn.names.get(key);
    const s = new NameSlot(name, parent, sn, key);
    if (old !== undefined) old.stamp = -1;
    else {
      sn.entries++;
      this.nameOrder.size++;
    }
    sn.names.set(key, s);
    this.nameOrder.renew(s);
  }

  // ---------------------------------------------------------------------------- children

  /** The filehandle `name` in directory `parent` (a key) leads to on `server`. */
  child(server: string, parent: string, name: string): string | undefined {
    const sn = this.find(server);
    if (sn === undefined) return undefined;
    this.childParts(parent, name);
    return sn.dirs.get(this.partDir)?.get(this.partName)?.fh;
  }

  /** child() that also marks the entry as recently used. */
  touchChild(server: string, parent: string, name: string): string | undefined {
    const sn = this.find(server);
    if (sn === undefined) return undefined;
    this.childParts(parent, name);
    const s = sn.dirs.get(this.partDir)?.get(this.partName);
    if (s === undefined) return undefined;
    this.childOrder.touch(s);
    return s.fh;
  }

  setChild(server: string, parent: string, name: string, fh: string): void {
    const sn = this.serverNames(server);
    this.childParts(parent, name);
    const dirKey = this.partDir;
    const part = this.partName;
    let dir = sn.dirs.get(dirKey);
    if (dir === undefined) {
      dir = new Map();
      sn.dirs.set(dirKey, dir);
    }
    let s = dir.get(part);
    if (s !== undefined) s.fh = fh;
    else {
      s = new ChildSlot(fh, sn, dirKey, part);
      dir.set(part, s);
      sn.entries++;
      this.childOrder.size++;
    }
    this.childOrder.renew(s);
  }

  deleteChild(server: string, parent: string, name: string): void {
    const sn = this.find(server);
    if (sn === undefined) return;
    this.childParts(parent, name);
    const s = sn.dirs.get(this.partDir)?.get(this.partName);
    if (s !== undefined) this.dropChild(s);
  }

  // ---------------------------------------------------------------------------- internals

  private find(server: string): ServerNames | undefined {
    const last = this.lastServer;
    if (last !== undefined && last.server === server) return last;
    const sn = this.servers.get(server);
    if (sn !== undefined) this.lastServer = sn;
    return sn;
  }

  private serverNames(server: string): ServerNames {
    let sn = this.find(server);
    if (sn === undefined) {
      sn = new ServerNames(server);
      this.servers.set(server, sn);
      this.lastServer = sn;
    }
    return sn;
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
    const key = parent === '/' ? '/' + name : parent + '/' + name;
    const j = key.lastIndexOf('/');
    this.partDir = key.slice(0, j);
    this.partName = key.slice(j + 1);
  }

  private dropName(s: NameSlot): void {
    s.stamp = -1;
    const sn = s.owner;
    sn.names.delete(s.key);
    this.nameOrder.size--;
    this.released(sn);
  }

  private dropChild(s: ChildSlot): void {
    s.stamp = -1;
    const sn = s.owner;
    const dir = sn.dirs.get(s.dir);
    if (dir !== undefined) {
      dir.delete(s.name);
      if (dir.size === 0) sn.dirs.delete(s.dir);
    }
    this.childOrder.size--;
    this.released(sn);
  }

  /** One entry of the server's tables is gone: a server with none left is forgotten. */
  private released(sn: ServerNames): void {
    if (--sn.entries > 0) return;
    this.servers.delete(sn.server);
    if (this.lastServer === sn) this.lastServer = undefined;
  }
}
