/** Rollup buckets: pure folding of points or finer buckets into coarser ones. */
export const ROLLUP_5M = 300_000;
export const ROLLUP_1H = 3_600_000;

export interface Bucket {
  ts: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  lastTs: number;
}

/** Folds ascending-or-not buckets (a raw point is a bucket of one) into buckets of `width` ms. */
export function foldBuckets(items: Iterable<Bucket>, width: number): Bucket[] {
  const out = new Map<number, Bucket>();
  for (const it of items) {
    const ts = it.ts - (it.ts % width);
    const b = out.get(ts);
    if (!b) {
      out.set(ts, { ts, count: it.count, sum: it.sum, min: it.min, max: it.max, last: it.last, lastTs: it.lastTs });
      continue;
    }
    b.count += it.count;
    b.sum += it.sum;
    if (it.min < b.min) b.min = it.min;
    if (it.max > b.max) b.max = it.max;
    if (it.lastTs >= b.lastTs) {
      b.last = it.last;
      b.lastTs = it.lastTs;
    }
  }
  return [...out.values()].sort((a, b) => a.ts - b.ts);
}
