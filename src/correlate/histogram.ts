/**
 * A log-scale histogram for non-negative values (response times in seconds, counts): exact
 * count/min/max/mean, percentiles within ~1% relative error. Buckets are fixed (BUCKETS of
 * them, 2% wide), but only the range of buckets values fell in is allocated: a window of
 * counters that widens as needed. Response times of one op cluster within a few hundred
 * buckets, and there is one histogram per op and client, so full 1600-bucket arrays made
 * every sample touch a different cold 6 KB block (and memory grow with clients x ops).
 */
import type { DistSummary } from './types.js';

/** Values below this land in bucket 0 (1 microsecond for times). */
const MIN_VALUE = 1e-6;
/** Bucket growth factor: each bucket is 2% wider than the previous one. */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
/** 1e-6 * 1.02^1600 ~ 5.7e7: covers response times up to over a year and counts to 5e7. */
const BUCKETS = 1600;
/** Counters allocated at the first value (around its bucket), and the least a window grows by. */
const INITIAL_WINDOW = 64;

/**
 * What the statistics rows of many tables may still take, shared by them (the per-client
 * tables: ten thousand clients with a row per op each, and a hostile capture's response
 * times spread over every bucket, would be gigabytes). Beyond it, a new row goes to its
 * table's other row, and a histogram that cannot widen stops giving percentiles (NaN); counts,
 * min, max and mean stay exact.
 */
export class StatsBudget {
  constructor(
    public rows: number,
    public counters: number,
  ) {}
}

export class Histogram {
  /** Counters of buckets first .. first + counts.length - 1. */
  private counts: Uint32Array | undefined;
  private first = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;
  sum = 0;
  /** A value fell outside the counters and the budget allowed no more: no percentiles. */
  private incomplete = false;

  constructor(private readonly budget?: StatsBudget) {}

  add(v: number): void {
    if (!Number.isFinite(v)) return;
    if (v < 0) v = 0; // clock steps in a capture can make a reply precede its call
    this.addInBucket(v, bucketOf(v));
  }

  /** add() for a value whose bucket (Histogram.bucketOf) the caller already has: one
   *  response time goes to the rows of every op of its compound. v must be finite, >= 0. */
  addInBucket(v: number, bucket: number): void {
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    const c = this.counts;
    const i = bucket - this.first;
    if (c !== undefined && i >= 0 && i < c.length) c[i]++;
    else this.widen(bucket);
  }

  /** Counts one value in a bucket outside the window: allocates or widens it (at least doubling). */
  private widen(bucket: number): void {
    if (this.incomplete) return;
    const c = this.counts;
    const budget = this.budget;
    if (c === undefined) {
      if (budget !== undefined && !spend(budget, INITIAL_WINDOW)) {
        this.incomplete = true;
        return;
      }
      const first = Math.max(0, Math.min(bucket - (INITIAL_WINDOW >>> 1), BUCKETS - INITIAL_WINDOW));
      this.counts = new Uint32Array(INITIAL_WINDOW);
      this.first = first;
      this.counts[bucket - first]++;
      return;
    }
    const grow = Math.max(c.length, INITIAL_WINDOW);
    let lo = this.first;
    let hi = this.first + c.length;
    if (bucket < lo) lo = Math.max(0, Math.min(bucket, lo - grow));
    else hi = Math.min(BUCKETS, Math.max(bucket + 1, hi + grow));
    if (budget !== undefined && !spend(budget, hi - lo - c.length)) {
      this.incomplete = true;
      return;
    }
    const wider = new Uint32Array(hi - lo);
    wider.set(c, this.first - lo);
    this.counts = wider;
    this.first = lo;
    wider[bucket - lo]++;
  }

  static bucketOf(v: number): number {
    return bucketOf(v);
  }

  /** The value at quantile q (0..1): the geometric middle of its bucket, clamped to [min, max]. */
  quantile(q: number): number {
    const c = this.counts;
    if (this.incomplete) return NaN;
    if (this.count === 0 || c === undefined) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let k = 0; k < c.length; k++) {
      seen += c[k];
      if (seen >= rank) {
        const i = this.first + k;
        const mid = i === 0 ? this.min : MIN_VALUE * Math.pow(GROWTH, i - 0.5);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  summary(): DistSummary {
    if (this.count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p99: 0, max: 0 };
    return {
      count: this.count,
      min: this.min,
      mean: this.sum / this.count,
      p50: this.quantile(0.5),
      p99: this.quantile(0.99),
      max: this.max,
    };
  }
}

/** Takes n counters from the budget if it has them. */
function spend(budget: StatsBudget, n: number): boolean {
  if (budget.counters < n) return false;
  budget.counters -= n;
  return true;
}

function bucketOf(v: number): number {
  if (v < MIN_VALUE) return 0;
  const i = 1 + Math.floor(Math.log(v / MIN_VALUE) / LOG_GROWTH);
  return i >= BUCKETS ? BUCKETS - 1 : i;
}

/** Per-name statistics (op, callback op, procedure): response times (it is their histogram:
 *  every answer of every op updates one, and a separate object was one more pointer to
 *  follow, to another place in memory), errors, unanswered. */
export class OpStats extends Histogram {
  calls = 0;
  errors = 0;
  answered = 0;
}

const NUM_CACHE = 128;

/** Rows of one statistics table at most; later new names are counted in OTHER_ROW. */
export const MAX_STATS_ROWS = 1024;
export const OTHER_ROW = otherRowName(MAX_STATS_ROWS);

/** The row that counts the names beyond a table's maxRows. */
export function otherRowName(maxRows: number): string {
  return `other (beyond ${maxRows} kinds)`;
}

export class OpStatsTable {
  private readonly rows = new Map<string, OpStats>();
  private readonly otherRow: string;

  /** `budget`: shared with other tables (rows and counters); the other row is not charged. */
  constructor(
    private readonly maxRows = MAX_STATS_ROWS,
    private readonly budget?: StatsBudget,
  ) {
    this.otherRow = otherRowName(maxRows);
  }

  private readonly numNames: Array<string | undefined> = new Array<string | undefined>(NUM_CACHE).fill(undefined);
  private readonly numRows: OpStats[] = new Array<OpStats>(NUM_CACHE);

  get(name: string): OpStats {
    let r = this.rows.get(name);
    if (r === undefined) {
      // Names can carry values from the wire ("prog 7 v3 proc 9", "UNKNOWN_4711"): bounded.
      if (name !== this.otherRow) {
        if (this.rows.size >= this.maxRows || (this.budget !== undefined && this.budget.rows <= 0)) return this.get(this.otherRow);
        if (this.budget !== undefined) this.budget.rows--;
      }
      r = new OpStats(this.budget);
      this.rows.set(name, r);
    }
    return r;
  }

  /** get() for an op by its wire number: a small array in front of the Map (every message
   *  does this for each of its ops). The name is checked, so any number/name pairing works. */
  getByNum(num: number, name: string): OpStats {
    if (num >= 0 && num < NUM_CACHE && this.numNames[num] === name) return this.numRows[num];
    const r = this.get(name);
    if (num >= 0 && num < NUM_CACHE) {
      this.numNames[num] = name;
      this.numRows[num] = r;
    }
    return r;
  }

  entries(): IterableIterator<[string, OpStats]> {
    return this.rows.entries();
  }

  get size(): number {
    return this.rows.size;
  }
}
