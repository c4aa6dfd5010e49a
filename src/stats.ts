/**
 * Counts why frames (or bytes) were not decoded. Every frame read is either dissected
 * into at least one RPC message or counted here with a reason: nothing is dropped silently.
 */
export class DropCounter {
  private readonly counts = new Map<string, number>();

  add(reason: string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }

  get(reason: string): number {
    return this.counts.get(reason) ?? 0;
  }

  /** Reasons with counts, largest first. */
  entries(): Array<[string, number]> {
    return [...this.counts.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
  }

  total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }
}
