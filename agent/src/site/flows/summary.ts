import { type Static, Type } from '@sinclair/typebox';
import { addTotals, byBytesDesc, subtractTotals, type Totals, zeroTotals } from './capped-counter.js';

// The summary an agent sends for each closed bucket, and what the monthly report merges. Kept
// here until the site role is wired into protocol v1, where it belongs in shared/.

const strict = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });
const totalsFields = { bytes: Count, packets: Count, flows: Count };

export const FlowTotals = Type.Object(totalsFields, strict);
export const HostTotals = Type.Object({ host: Type.String(), ...totalsFields }, strict);
/** Traffic between two hosts in both directions; `a` sorts before `b`. */
export const ConversationTotals = Type.Object({ a: Type.String(), b: Type.String(), ...totalsFields }, strict);
export const ProtocolTotals = Type.Object({ protocol: Type.Integer({ minimum: 0, maximum: 255 }), name: Type.String(), ...totalsFields }, strict);
export const ServiceTotals = Type.Object({ service: Type.String(), ...totalsFields }, strict);

export const FlowSummary = Type.Object(
  {
    /** Interval covered, ms UTC, end exclusive. Two summaries may share an interval (flows exported late): they add up. */
    start: Type.Integer(),
    end: Type.Integer(),
    total: FlowTotals,
    /** Relative to the site subnets: inbound (outside → site), outbound, internal (site ↔ site), transit (neither). */
    direction: Type.Object({ inbound: FlowTotals, outbound: FlowTotals, internal: FlowTotals, transit: FlowTotals }, strict),
    /** Heaviest sources and destinations by bytes; `other…` holds the rest so that top + other = total. */
    topSources: Type.Array(HostTotals),
    otherSources: FlowTotals,
    topDestinations: Type.Array(HostTotals),
    otherDestinations: FlowTotals,
    topConversations: Type.Array(ConversationTotals),
    otherConversations: FlowTotals,
    /** Every protocol and service seen (bounded lists), heaviest first; each sums to `total`. */
    protocols: Type.Array(ProtocolTotals),
    services: Type.Array(ServiceTotals),
    /** Flows whose exporter clock was too far off: counted at the time they were received. */
    clockAdjustedFlows: Count,
  },
  strict,
);
export type FlowSummary = Static<typeof FlowSummary>;
export type HostTotals = Static<typeof HostTotals>;
export type ConversationTotals = Static<typeof ConversationTotals>;

export const DEFAULT_TOP_N = 10;

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
export function mergeSummaries(summaries: readonly FlowSummary[], topN = DEFAULT_TOP_N): FlowSummary {
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
