/**
 * IPv4 fragment reassembly with bounded memory. Datagrams are keyed by (source, destination,
 * protocol, identification); they are given up (and their frames counted through `onDrop`)
 * when they time out in capture time, when the table is full, or at flush().
 */
import { insertionPoint } from '../sorted.js';

export interface Ipv4ReassemblerOptions {
  /** Datagrams being reassembled at once; the oldest is evicted beyond this (default 1024). */
  maxDatagrams?: number;
  /** Bytes of fragment data held in total; the oldest datagrams are evicted beyond this (default 64 MiB). */
  maxBufferedBytes?: number;
  /** Capture-time seconds after the first fragment before a datagram is given up (default 30). */
  timeoutSec?: number;
  /** Called once per datagram given up, with the number of frames (fragments) it had. */
  onDrop?: (reason: string, frames: number) => void;
}

/** Largest IP payload: a datagram is at most 65535 bytes including its header. */
const MAX_PAYLOAD = 65535;
/**
 * Fragments of one datagram at most: a 64 KiB datagram cut at the smallest IPv4 MTU (68)
 * has 1366. Empty fragments add no bytes, so without a count they could pile up without
 * bound (and each insert moves the ones after it).
 */
const MAX_FRAGMENTS = 2048;
/** What a held fragment costs beyond its payload (object, array slot), in the byte bound. */
const FRAGMENT_COST = 64;

interface Fragment {
  offset: number;
  data: Uint8Array;
}

interface Pending {
  firstSec: number;
  frames: number;
  bytes: number;
  /** Payload length, known once the last fragment (MF = 0) arrived; -1 before. */
  total: number;
  /** Largest fragment end seen. */
  maxEnd: number;
  /** Sorted by offset. */
  fragments: Fragment[];
}

export type FragmentResult =
  /** The datagram is complete: its whole IP payload. */
  | { done: true; payload: Uint8Array }
  /** Kept; more fragments needed. */
  | { done: false }
  /** This fragment (and the datagram it belonged to) was given up, for `reason`. */
  | { done: false; dropped: string };

export const REASON_INCOMPLETE = 'IPv4 fragment (incomplete)';
export const REASON_EVICTED = 'IPv4 fragment (evicted)';
export const REASON_TOO_LARGE = 'IPv4 fragment (datagram too large)';
export const REASON_INCONSISTENT = 'IPv4 fragment (inconsistent)';
export const REASON_TOO_MANY = 'IPv4 fragment (too many fragments)';

export class Ipv4Reassembler {
  private readonly table = new Map<string, Pending>();
  private readonly maxDatagrams: number;
  private readonly maxBufferedBytes: number;
  private readonly timeoutSec: number;
  private readonly onDrop: (reason: string, frames: number) => void;
  private bufferedBytes = 0;
  /** Datagrams completed, and given up by reason (frames counted). */
  readonly stats = { reassembled: 0, droppedFrames: new Map<string, number>() };

  constructor(opts: Ipv4ReassemblerOptions = {}) {
    this.maxDatagrams = opts.maxDatagrams ?? 1024;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 64 * 1024 * 1024;
    this.timeoutSec = opts.timeoutSec ?? 30;
    this.onDrop = opts.onDrop ?? (() => {});
  }

  /** Datagrams currently waiting for fragments. */
  get pending(): number {
    return this.table.size;
  }

  /**
   * Adds one fragment: `key` identifies the datagram, `offset` is in bytes, `more` is the MF
   * flag, `data` the fragment's payload (copied). Frames of
   * datagrams given up later are reported through onDrop; a fragment refused right away is
   * not (the caller reports that frame with the returned reason).
   */
  add(key: string, offset: number, more: boolean, data: Uint8Array, sec: number): FragmentResult {
    this.expire(sec);
    const end = offset + data.length;
    let p = this.table.get(key);
    if (end > MAX_PAYLOAD) {
      if (p !== undefined) this.give(key, p, REASON_TOO_LARGE);
      return { done: false, dropped: REASON_TOO_LARGE };
    }
    if (p === undefined) {
      while (this.table.size >= this.maxDatagrams) this.evictOldest();
      p = { firstSec: sec, frames: 0, bytes: 0, total: -1, maxEnd: 0, fragments: [] };
      this.table.set(key, p);
    }
    p.frames++;
    if (!more) p.total = end;
    if (end > p.maxEnd) p.maxEnd = end;
    // Insert in offset order; later duplicates stay behind earlier ones, so the first copy wins.
    const frags = p.fragments;
    if (frags.length >= MAX_FRAGMENTS) {
      p.frames--; // this frame is reported by the caller through the returned reason
      this.give(key, p, REASON_TOO_MANY);
      return { done: false, dropped: REASON_TOO_MANY };
    }
    // After the fragments at or before this offset (binary search: a scan was quadratic).
    const i = insertionPoint(frags.length, (k) => frags[k].offset, offset);
    // Copied: a reference would keep the whole 1 MiB read chunk of the frame alive.
    frags.splice(i, 0, { offset, data: new Uint8Array(data) });
    p.bytes += data.length;
    this.bufferedBytes += data.length + FRAGMENT_COST;
    // Overlapping retransmissions could grow a datagram without bound; cap it at twice the maximum.
    if (p.bytes > 2 * MAX_PAYLOAD || (p.total >= 0 && p.maxEnd > p.total)) {
      // Data past the last fragment's end, or endless overlapping copies.
      p.frames--; // this frame is reported by the caller through the returned reason
      this.give(key, p, REASON_INCONSISTENT);
      return { done: false, dropped: REASON_INCONSISTENT };
    }
    while (this.bufferedBytes > this.maxBufferedBytes && this.table.size > 0) {
      const oldestKey = this.table.keys().next().value as string;
      const oldest = this.table.get(oldestKey)!;
      if (oldestKey === key) {
        p.frames--;
        this.give(key, p, REASON_EVICTED);
        return { done: false, dropped: REASON_EVICTED };
      }
      this.give(oldestKey, oldest, REASON_EVICTED);
    }
    if (p.total < 0) return { done: false };
    // Complete when the sorted fragments cover [0, total) without a hole.
    let covered = 0;
    for (const f of frags) {
      if (f.offset > covered) return { done: false };
      const fEnd = f.offset + f.data.length;
      if (fEnd > covered) covered = fEnd;
    }
    if (covered < p.total) return { done: false };
    const out = new Uint8Array(p.total);
    // Copy in reverse sorted order so that, on overlap, the earlier-offset fragment's bytes win.
    for (let j = frags.length - 1; j >= 0; j--) out.set(frags[j].data, frags[j].offset);
    this.table.delete(key);
    this.bufferedBytes -= p.bytes + FRAGMENT_COST * p.fragments.length;
    this.stats.reassembled++;
    return { done: true, payload: out };
  }

  /** Gives up datagrams whose first fragment is older than the timeout at capture time `sec`. */
  expire(sec: number): void {
    if (this.table.size === 0) return;
    const limit = sec - this.timeoutSec;
    // Map order is insertion order, which is first-fragment order: stop at the first young one.
    for (const [key, p] of this.table) {
      if (p.firstSec >= limit) break;
      this.give(key, p, REASON_INCOMPLETE);
    }
  }

  /** End of capture: everything still waiting is incomplete. */
  flush(): void {
    for (const [key, p] of this.table) this.give(key, p, REASON_INCOMPLETE);
  }

  private evictOldest(): void {
    const first = this.table.entries().next().value as [string, Pending];
    this.give(first[0], first[1], REASON_EVICTED);
  }

  private give(key: string, p: Pending, reason: string): void {
    this.table.delete(key);
    this.bufferedBytes -= p.bytes + FRAGMENT_COST * p.fragments.length;
    this.count(reason, p.frames);
  }

  private count(reason: string, frames: number): void {
    if (frames <= 0) return;
    this.stats.droppedFrames.set(reason, (this.stats.droppedFrames.get(reason) ?? 0) + frames);
    this.onDrop(reason, frames);
  }
}
