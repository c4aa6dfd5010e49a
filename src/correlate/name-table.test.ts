import { describe, expect, it } from 'vitest';
import { LruMap } from './lru.js';
import { NameTable, NO_ENTRY } from './name-table.js';
import { childKey } from './walk.js';
import { xorshift32 } from '../../test/helpers/prng.js';

/** A level of the tables: an entry or a Map (sizes only are looked at). */
type NameSlotLevel = object;

/** Deterministic pseudo-random numbers in [0, 1). */
function rng(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 0x100000000;
}

describe('NameTable', () => {
  it('keeps, touches and evicts exactly like LruMaps keyed server|fh and server|parent/name', () => {
    const cap = 40;
    const t = new NameTable(cap);
    const names = new LruMap<string, { name: string; parent: string | undefined }>(cap);
    const children = new LruMap<string, string>(cap);
    const rand = rng(12345);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const servers = ['10.0.0.1', '10.0.0.2', '10.0.0.3', 'fe80::1'];
    const fhs = Array.from({ length: 30 }, (_, i) => (0x1000 + i).toString(16));
    // Parents include the root, a name path, the empty key; names with a '/' spell the same
    // child key as another (parent, name) pair, which must be the same entry.
    const parents = ['/', '', '/a/tmp', fhs[0], fhs[1], fhs[2], `${fhs[1]}/x`];
    const childNames = ['x', 'y', 'z', 'x/y', '/x', 'tmp/q', ''];
    for (let step = 0; step < 200_000; step++) {
      const server = pick(servers);
      const r = rand();
      if (r < 0.25) {
        const fh = pick(fhs);
        const name = pick(childNames);
        const parent = rand() < 0.2 ? undefined : pick(parents);
        t.setName(server, fh, name, parent);
        names.set(`${server}|${fh}`, { name, parent });
      } else if (r < 0.4) {
        const fh = pick(fhs);
        const s = t.name(server, fh);
        if (s !== NO_ENTRY) t.touchName(s);
        const m = names.touch(`${server}|${fh}`);
        expect(s === NO_ENTRY ? undefined : { name: t.nameOf(s), parent: t.parentOf(s) }).toEqual(m);
      } else if (r < 0.6) {
        const parent = pick(parents);
        const name = pick(childNames);
        const fh = pick(fhs);
        t.setChild(server, parent, name, fh);
        children.set(`${server}|${childKey(parent, name)}`, fh);
      } else if (r < 0.75) {
        const parent = pick(parents);
        const name = pick(childNames);
        expect(t.touchChild(server, parent, name)).toBe(children.touch(`${server}|${childKey(parent, name)}`));
      } else if (r < 0.8) {
        const parent = pick(parents);
        const name = pick(childNames);
        t.deleteChild(server, parent, name);
        children.delete(`${server}|${childKey(parent, name)}`);
      } else {
        const parent = pick(parents);
        const name = pick(childNames);
        expect(t.child(server, parent, name)).toBe(children.get(`${server}|${childKey(parent, name)}`));
      }
    }
    expect(t.namesEvicted).toBe(names.evicted);
    expect(t.namesEvicted).toBeGreaterThan(1000);
    expect(t.nameCount).toBe(names.size);
    expect(t.childCount).toBe(children.size);
    for (const server of servers) {
      for (const fh of fhs) {
        const s = t.name(server, fh);
        expect(s === NO_ENTRY ? undefined : { name: t.nameOf(s), parent: t.parentOf(s) }).toEqual(names.get(`${server}|${fh}`));
      }
      for (const parent of parents) {
        for (const name of childNames) expect(t.child(server, parent, name)).toBe(children.get(`${server}|${childKey(parent, name)}`));
      }
    }
  });

  it('stays bounded over many servers and objects: emptied levels are dropped', () => {
    const t = new NameTable(100);
    for (let i = 0; i < 100_000; i++) {
      const server = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      // the same filehandles on every server (replayed copies), and new ones
      t.setName(server, 'ab', 'f', 'cd');
      t.setName(server, `ab${i}`, 'g', 'cd');
      t.setChild(server, 'cd', 'f', 'ab');
      t.setChild(server, `cd${i % 1000}`, `g${i}`, `ab${i}`);
      if (i % 3 === 0) t.deleteChild(server, 'cd', 'f');
    }
    expect(t.nameCount).toBe(100);
    expect(t.childCount).toBe(99); // the last step deleted one
    const inner = t as unknown as {
      names: Map<string, NameSlotLevel>; dirs: Map<string, NameSlotLevel>; namePool: { key: string[] }; childPool: { key: string[] };
    };
    expect(inner.names.size).toBeLessThanOrEqual(100);
    expect(inner.dirs.size).toBeLessThanOrEqual(100);
    // Removed entries' ids are reused: the columns stay within the cap (+1 while trimming).
    expect(inner.namePool.key.length).toBeLessThanOrEqual(101);
    expect(inner.childPool.key.length).toBeLessThanOrEqual(101);
    expect(t.nameOf(t.name('10.1.134.159', 'ab'))).toBe('f'); // the newest (i = 99999) is still there
    expect(t.name('10.0.0.1', 'ab')).toBe(NO_ENTRY);
  });
});
