import { addTotals, byBytesDesc, CappedCounter, type Totals, zeroTotals } from './capped-counter.js';
import type { FlowRecord } from './model.js';
import { protocolName, serviceOf } from './services.js';
import { SubnetSet } from './subnets.js';
import { DEFAULT_TOP_N, type FlowSummary, mergeSummaries } from './summary.js';

export interface FlowAggregatorOptions {
  /** Bucket length, ms (default 5 min). Buckets are aligned on multiples of it since the epoch. */
  bucketMs?: number;
  /** Entries in each top list (default 10). */
  topN?: number;
  /** Keys tracked per top list and bucket before the lighter ones fold into the rest (default max(20 × topN, 500)). */
  trackedKeys?: number;
  /** The site's own networks, for inbound/outbound (default: RFC 1918 and IPv6 ULA). */
  siteSubnets?: readonly string[];
  /** How long after its end a bucket waits for late exports before drain() returns it (default 1 min). */
  graceMs?: number;
  /** Buckets held at once; past this the oldest is closed early (default 24). */
  maxOpenBuckets?: number;
  /** A flow whose end is further than this from its arrival is counted at its arrival (default 1 h). */
  maxClockSkewMs?: number;
}

export const DEFAULT_SITE_SUBNETS: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];
export const DEFAULT_BUCKET_MS = 5 * 60_000;

type Direction = 'inbound' | 'outbound' | 'internal' | 'transit';

class Bucket {
  readonly total = zeroTotals();
  readonly direction: Record<Direction, Totals> = { inbound: zeroTotals(), outbound: zeroTotals(), internal: zeroTotals(), transit: zeroTotals() };
  readonly sources: CappedCounter;
  readonly destinations: CappedCounter;
  readonly conversations: CappedCounter;
  readonly protocols = new Map<number, Totals>();
  readonly services = new Map<string, Totals>();
  clockAdjustedFlows = 0;

  constructor(
    readonly start: number,
    readonly end: number,
    trackedKeys: number,
  ) {
    this.sources = new CappedCounter(trackedKeys);
    this.destinations = new CappedCounter(trackedKeys);
    this.conversations = new CappedCounter(trackedKeys);
  }

  add(r: FlowRecord, direction: Direction): void {
    const t = { bytes: r.bytes, packets: r.packets, flows: 1 };
    addTotals(this.total, t);
    addTotals(this.direction[direction], t);
    this.sources.add(r.srcAddr, r.bytes, r.packets);
    this.destinations.add(r.dstAddr, r.bytes, r.packets);
    // A space cannot occur in an address: it separates the two ends of a conversation.
    this.conversations.add(r.srcAddr < r.dstAddr ? `${r.srcAddr} ${r.dstAddr}` : `${r.dstAddr} ${r.srcAddr}`, r.bytes, r.packets);
    addTo(this.protocols, r.protocol, t);
    addTo(this.services, serviceOf(r.protocol, r.srcPort, r.dstPort), t);
  }

  summarise(topN: number): FlowSummary {
    const sources = this.sources.top(topN);
    const destinations = this.destinations.top(topN);
    const conversations = this.conversations.top(topN);
    return {
      start: this.start,
      end: this.end,
      total: { ...this.total },
      direction: {
        inbound: { ...this.direction.inbound },
        outbound: { ...this.direction.outbound },
        internal: { ...this.direction.internal },
        transit: { ...this.direction.transit },
      },
      topSources: sources.top.map(({ key, ...t }) => ({ host: key, ...t })),
      otherSources: sources.other,
      topDestinations: destinations.top.map(({ key, ...t }) => ({ host: key, ...t })),
      otherDestinations: destinations.other,
      topConversations: conversations.top.map(({ key, ...t }) => {
        const [a = '', b = ''] = key.split(' ');
        return { a, b, ...t };
      }),
      otherConversations: conversations.other,
      protocols: [...this.protocols]
        .map(([protocol, t]) => ({ protocol, name: protocolName(protocol), ...t }))
        .sort(byBytesDesc((e) => String(e.protocol).padStart(3, '0'))),
      services: [...this.services].map(([service, t]) => ({ service, ...t })).sort(byBytesDesc((e) => e.service)),
      clockAdjustedFlows: this.clockAdjustedFlows,
    };
  }
}

function addTo<K>(map: Map<K, Totals>, key: K, t: Totals): void {
  const e = map.get(key);
  if (e) addTotals(e, t);
  else map.set(key, { ...t });
}

/**
 * Folds flow records into fixed time buckets (by flow end) with bounded memory, and hands out
 * closed buckets as JSON-ready summaries. Every record added is in exactly one summary: totals,
 * directions, protocols and services are exact; top lists are truncated with the remainder in
 * `other…`.
 */
export class FlowAggregator {
  readonly bucketMs: number;
  readonly topN: number;
  private readonly trackedKeys: number;
  private readonly graceMs: number;
  private readonly maxOpenBuckets: number;
  private readonly maxClockSkewMs: number;
  private readonly site: SubnetSet;
  private readonly open = new Map<number, Bucket>();
  /** Summaries of buckets closed early (too many open), waiting for drain(). */
  private closed: FlowSummary[] = [];

  constructor(options: FlowAggregatorOptions = {}) {
    this.bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
    this.topN = options.topN ?? DEFAULT_TOP_N;
    this.trackedKeys = options.trackedKeys ?? Math.max(20 * this.topN, 500);
    this.graceMs = options.graceMs ?? 60_000;
    this.maxOpenBuckets = options.maxOpenBuckets ?? 24;
    this.maxClockSkewMs = options.maxClockSkewMs ?? 3_600_000;
    this.site = new SubnetSet(options.siteSubnets ?? DEFAULT_SITE_SUBNETS);
    if (!Number.isInteger(this.bucketMs) || this.bucketMs < 1000) throw new Error(`bucketMs must be an integer ≥ 1000, got ${this.bucketMs}`);
    if (!Number.isInteger(this.topN) || this.topN < 1) throw new Error(`topN must be a positive integer, got ${this.topN}`);
    if (!(this.trackedKeys >= this.topN * 2)) throw new Error(`trackedKeys (${this.trackedKeys}) must be at least twice topN`);
    if (!(this.maxOpenBuckets >= 1)) throw new Error(`maxOpenBuckets must be at least 1, got ${this.maxOpenBuckets}`);
  }

  /** The bucket a time falls in: [start, start + bucketMs). */
  bucketStart(ms: number): number {
    return Math.floor(ms / this.bucketMs) * this.bucketMs;
  }

  add(record: FlowRecord, receivedAt = Date.now()): void {
    let at = record.end;
    const adjusted = Math.abs(at - receivedAt) > this.maxClockSkewMs;
    if (adjusted) at = receivedAt;
    const start = this.bucketStart(at);
    let bucket = this.open.get(start);
    if (!bucket) {
      bucket = new Bucket(start, start + this.bucketMs, this.trackedKeys);
      this.open.set(start, bucket);
    }
    bucket.add(record, this.directionOf(record));
    if (adjusted) bucket.clockAdjustedFlows++;
    if (this.open.size > this.maxOpenBuckets) this.closeOldest();
  }

  private directionOf(r: FlowRecord): Direction {
    const src = this.site.has(r.srcAddr);
    const dst = this.site.has(r.dstAddr);
    if (src && dst) return 'internal';
    if (src) return 'outbound';
    if (dst) return 'inbound';
    return 'transit';
  }

  private closeOldest(): void {
    const oldest = Math.min(...this.open.keys());
    const bucket = this.open.get(oldest)!;
    this.open.delete(oldest);
    this.closed.push(bucket.summarise(this.topN));
    // Nobody draining: fold the two oldest summaries together rather than grow or lose counts.
    if (this.closed.length > this.maxOpenBuckets) {
      this.closed.sort((a, b) => a.start - b.start);
      const [a, b] = this.closed.splice(0, 2) as [FlowSummary, FlowSummary];
      this.closed.unshift(mergeSummaries([a, b], this.topN));
    }
  }

  /** Summaries of the buckets closed at `now` (end + grace passed), oldest first; they are forgotten here. */
  drain(now = Date.now()): FlowSummary[] {
    const out = this.closed;
    this.closed = [];
    for (const [start, bucket] of this.open) {
      if (bucket.end + this.graceMs > now) continue;
      out.push(bucket.summarise(this.topN));
      this.open.delete(start);
    }
    return out.sort((a, b) => a.start - b.start);
  }

  /** Summaries of every bucket, closed or not (on shutdown). */
  flush(): FlowSummary[] {
    return this.drain(Number.POSITIVE_INFINITY);
  }

  get openBuckets(): number {
    return this.open.size;
  }
}
