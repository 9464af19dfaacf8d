import type { FlowSummary } from './flows.js';

// Merging flow summaries (a month of per-minute buckets into one): used by the collector for its
// hourly rollups and reports, and by the agent when nobody drains its buckets.

interface Totals {
  bytes: number;
  packets: number;
  flows: number;
}
const zeroTotals = (): Totals => ({ bytes: 0, packets: 0, flows: 0 });
function addTotals(into: Totals, t: Totals): void {
  into.bytes += t.bytes;
  into.packets += t.packets;
  into.flows += t.flows;
}
const subtractTotals = (a: Totals, b: Totals): Totals => ({ bytes: a.bytes - b.bytes, packets: a.packets - b.packets, flows: a.flows - b.flows });
/** Heaviest first; equal weights in key order so that summaries are deterministic. */
function byBytesDesc<T extends Totals>(keyOf: (e: T) => string): (a: T, b: T) => number {
  return (a, b) => b.bytes - a.bytes || (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0);
}

export const DEFAULT_FLOW_TOP_N = 10;

function pickTotals(t: Totals): Totals {
  return { bytes: t.bytes, packets: t.packets, flows: t.flows };
}

/** Sums entries by key over several lists; keeps the heaviest `n`; the rest goes to `other`. */
function mergeTop<E extends Totals>(lists: E[][], others: Totals[], keyOf: (e: E) => string, n: number): { top: E[]; other: Totals } {
  const merged = new Map<string, E>();
  const all = zeroTotals();
  for (const list of lists) {
    for (const e of list) {
      addTotals(all, e);
      const k = keyOf(e);
      const m = merged.get(k);
      if (m) addTotals(m, e);
      else merged.set(k, { ...e });
    }
  }
  for (const o of others) addTotals(all, o);
  const top = [...merged.values()].sort(byBytesDesc(keyOf)).slice(0, n);
  const kept = zeroTotals();
  for (const e of top) addTotals(kept, e);
  return { top, other: subtractTotals(all, kept) };
}

/**
 * One summary for several (e.g. a month of 5-minute buckets): exact totals, directions,
 * protocols and services; top lists re-ranked over the merged entries, the rest in `other…`.
 * A host that was in the top list of some buckets only is ranked on what those buckets kept,
 * so merged top entries are lower bounds while totals stay exact.
 */
export function mergeSummaries(summaries: readonly FlowSummary[], topN = DEFAULT_FLOW_TOP_N): FlowSummary {
  if (summaries.length === 0) throw new Error('mergeSummaries needs at least one summary');
  const total = zeroTotals();
  const direction = { inbound: zeroTotals(), outbound: zeroTotals(), internal: zeroTotals(), transit: zeroTotals() };
  let clockAdjustedFlows = 0;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const s of summaries) {
    start = Math.min(start, s.start);
    end = Math.max(end, s.end);
    addTotals(total, s.total);
    for (const d of ['inbound', 'outbound', 'internal', 'transit'] as const) addTotals(direction[d], s.direction[d]);
    clockAdjustedFlows += s.clockAdjustedFlows;
  }
  const sources = mergeTop(
    summaries.map((s) => s.topSources),
    summaries.map((s) => s.otherSources),
    (e) => e.host,
    topN,
  );
  const destinations = mergeTop(
    summaries.map((s) => s.topDestinations),
    summaries.map((s) => s.otherDestinations),
    (e) => e.host,
    topN,
  );
  const conversations = mergeTop(
    summaries.map((s) => s.topConversations),
    summaries.map((s) => s.otherConversations),
    (e) => `${e.a} ${e.b}`,
    topN,
  );
  const protocols = mergeTop(
    summaries.map((s) => s.protocols),
    [],
    (e) => String(e.protocol),
    Number.POSITIVE_INFINITY,
  );
  const services = mergeTop(
    summaries.map((s) => s.services),
    [],
    (e) => e.service,
    Number.POSITIVE_INFINITY,
  );
  return {
    start,
    end,
    total,
    direction,
    topSources: sources.top,
    otherSources: pickTotals(sources.other),
    topDestinations: destinations.top,
    otherDestinations: pickTotals(destinations.other),
    topConversations: conversations.top,
    otherConversations: pickTotals(conversations.other),
    protocols: protocols.top,
    services: services.top,
    clockAdjustedFlows,
  };
}
