export interface Totals {
  bytes: number;
  packets: number;
  flows: number;
}

export function zeroTotals(): Totals {
  return { bytes: 0, packets: 0, flows: 0 };
}

export function addTotals(into: Totals, t: Totals): void {
  into.bytes += t.bytes;
  into.packets += t.packets;
  into.flows += t.flows;
}

export function subtractTotals(a: Totals, b: Totals): Totals {
  return { bytes: a.bytes - b.bytes, packets: a.packets - b.packets, flows: a.flows - b.flows };
}

/** Heaviest first; equal weights in key order so that summaries are deterministic. */
export function byBytesDesc<T extends Totals>(keyOf: (e: T) => string): (a: T, b: T) => number {
  return (a, b) => b.bytes - a.bytes || (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);
}

/**
 * Per-key totals with a fixed number of keys. When the table is full, the lighter half is folded
 * into `rest`, so that memory stays bounded while every byte stays counted: the sum of the kept
 * entries plus `rest` is always the sum of everything added. A kept entry's totals are exact
 * for the time it has been kept (a lower bound if it was evicted earlier); eviction takes the
 * lightest, so heavy keys stay once they have weight.
 */
export class CappedCounter {
  private readonly entries = new Map<string, Totals>();
  readonly rest: Totals = zeroTotals();
  /** Keys folded into `rest` (one key evicted twice counts twice). */
  evictions = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 2)) throw new Error(`capacity must be at least 2, got ${capacity}`);
  }

  add(key: string, bytes: number, packets: number, flows = 1): void {
    const e = this.entries.get(key);
    if (e) {
      e.bytes += bytes;
      e.packets += packets;
      e.flows += flows;
      return;
    }
    if (this.entries.size >= this.capacity) this.evictLighterHalf();
    this.entries.set(key, { bytes, packets, flows });
  }

  private evictLighterHalf(): void {
    const sorted = [...this.entries].sort((a, b) => a[1].bytes - b[1].bytes);
    for (const [key, t] of sorted.slice(0, Math.ceil(sorted.length / 2))) {
      addTotals(this.rest, t);
      this.entries.delete(key);
      this.evictions++;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** The `n` heaviest keys, and everything else (lighter keys and evicted ones) as one total. */
  top(n: number): { top: (Totals & { key: string })[]; other: Totals } {
    const all = [...this.entries].map(([key, t]) => ({ key, ...t }));
    all.sort(byBytesDesc((e) => e.key));
    const top = all.slice(0, n);
    const other = { ...this.rest };
    for (const e of all.slice(n)) addTotals(other, e);
    return { top, other };
  }
}
