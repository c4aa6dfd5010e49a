/** Capture time for synthetic packets: whole seconds plus nanoseconds, advanced explicitly. */
export class Clock {
  sec: number;
  nsec: number;

  constructor(startSec = 1_795_000_000, startNsec = 0) {
    this.sec = startSec;
    this.nsec = startNsec;
  }

  /** Moves time forward by `ns` nanoseconds (>= 0). */
  advance(ns: number): void {
    let n = this.nsec + Math.round(ns);
    if (n >= 1_000_000_000) {
      this.sec += Math.floor(n / 1_000_000_000);
      n %= 1_000_000_000;
    }
    this.nsec = n;
  }

  advanceMs(ms: number): void {
    this.advance(ms * 1_000_000);
  }
}

/** Small deterministic PRNG (mulberry32) so generated captures are reproducible. */
export class Rng {
  private s: number;
  constructor(seed = 1) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}
