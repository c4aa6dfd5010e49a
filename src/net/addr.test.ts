/** ipv4String's cache never returns another address's text (collisions, high addresses, reuse). */
import { describe, expect, it } from 'vitest';
import { ipv4String } from './addr.js';

describe('ipv4String', () => {
  it('formats every address correctly through cache hits, misses and slot collisions', () => {
    let x = 12345;
    const b = new Uint8Array(8);
    const recent: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      // Half the time an address seen recently (cache hits), else a new one (misses, evictions).
      const addr = i % 2 === 0 && recent.length > 0 ? recent[x % recent.length] : x;
      if (recent.length < 64) recent.push(addr);
      else recent[i % 64] = addr;
      const off = i % 5;
      b[off] = addr >>> 24;
      b[off + 1] = (addr >>> 16) & 0xff;
      b[off + 2] = (addr >>> 8) & 0xff;
      b[off + 3] = addr & 0xff;
      expect(ipv4String(b, off)).toBe(`${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`);
    }
    for (const [bytes, text] of [[[0, 0, 0, 0], '0.0.0.0'], [[255, 255, 255, 255], '255.255.255.255'], [[128, 0, 0, 1], '128.0.0.1']] as const) {
      expect(ipv4String(Uint8Array.from(bytes), 0)).toBe(text);
      expect(ipv4String(Uint8Array.from(bytes), 0)).toBe(text);
    }
  });
});
