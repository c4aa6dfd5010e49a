/**
 * A fixed-size log-scale histogram for non-negative values (response times in seconds,
 * counts): exact count/min/max/mean, percentiles within ~1% relative error. Memory is one
 * Uint32Array of BUCKETS entries allocated on the first value, whatever the number of values.
 */
import type { DistSummary } from './types.js';

/** Values below this land in bucket 0 (1 microsecond for times). */
const MIN_VALUE = 1e-6;
/** Bucket growth factor: each bucket is 2% wider than the previous one. */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
/** 1e-6 * 1.02^1600 ~ 5.7e7: covers response times up to over a year and counts to 5e7. */
const BUCKETS = 1600;

export class Histogram {
  private buckets: Uint32Array | undefined;
  count = 0;
  min = Infinity;
  max = -Infinity;
  sum = 0;

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
    if (this.buckets === undefined) this.buckets = new Uint32Array(BUCKETS);
    this.buckets[bucket]++;
  }

  static bucketOf(v: number): number {
    return bucketOf(v);
  }

  /** The value at quantile q (0..1): the geometric middle of its bucket, clamped to [min, max]. */
  quantile(q: number): number {
    if (this.count === 0 || this.buckets === undefined) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.buckets[i];
      if (seen >= rank) {
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

function bucketOf(v: number): number {
  if (v < MIN_VALUE) return 0;
  const i = 1 + Math.floor(Math.log(v / MIN_VALUE) / LOG_GROWTH);
  return i >= BUCKETS ? BUCKETS - 1 : i;
}

/** Per-name statistics (op, callback op, procedure): response times, errors, unanswered. */
export class OpStats {
  readonly hist = new Histogram();
  calls = 0;
  errors = 0;
  answered = 0;
}

const NUM_CACHE = 128;

export class OpStatsTable {
  private readonly rows = new Map<string, OpStats>();
  private readonly numNames: Array<string | undefined> = new Array<string | undefined>(NUM_CACHE).fill(undefined);
  private readonly numRows: OpStats[] = new Array<OpStats>(NUM_CACHE);

  get(name: string): OpStats {
    let r = this.rows.get(name);
    if (r === undefined) {
      r = new OpStats();
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
