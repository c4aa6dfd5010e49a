/**
 * Counts why frames (or bytes) were not decoded. Every frame read is either dissected
 * into at least one RPC message or counted here with a reason: nothing is dropped silently.
 */

/** One reason's count, boxed so that counting is one lookup (a frame without RPC is common). */
interface Tally {
  n: number;
}

/**
 * Distinct reasons kept. Some reasons carry a value from the wire ("msg_type 7 is neither
 * CALL (0) nor REPLY (1)"): a hostile capture could make millions of them.
 */
export const MAX_REASONS = 256;
export const OTHER_REASONS = `other reasons (beyond ${MAX_REASONS} kinds)`;

export class DropCounter {
  private readonly counts = new Map<string, Tally>();
  /** The last reason counted and its box: runs of one reason skip the lookup altogether. */
  private lastReason = '';
  private lastTally: Tally | undefined = undefined;

  add(reason: string, n = 1): void {
    let t = this.lastTally;
    if (t === undefined || reason !== this.lastReason) {
      t = this.counts.get(reason);
      if (t === undefined) {
        if (this.counts.size >= MAX_REASONS) reason = OTHER_REASONS;
        t = this.counts.get(reason);
        if (t === undefined) {
          t = { n: 0 };
          this.counts.set(reason, t);
        }
      }
      this.lastReason = reason;
      this.lastTally = t;
    }
    t.n += n;
  }

  get(reason: string): number {
    return this.counts.get(reason)?.n ?? 0;
  }

  /** Reasons with counts, largest first. */
  entries(): Array<[string, number]> {
    return [...this.counts.entries()].map(([r, t]): [string, number] => [r, t.n]).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
  }

  total(): number {
    let t = 0;
    for (const c of this.counts.values()) t += c.n;
    return t;
  }
}
