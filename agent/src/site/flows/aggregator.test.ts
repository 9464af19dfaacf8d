import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, it } from 'vitest';
import { FlowAggregator } from './aggregator.js';
import type { FlowRecord } from './model.js';
import { FlowSummary, mergeSummaries } from './summary.js';

const B = 300_000; // default bucket: 5 min
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, a bucket boundary
const summaryCheck = TypeCompiler.Compile(FlowSummary);

function flow(over: Partial<FlowRecord> = {}): FlowRecord {
  return {
    exporter: '192.168.1.1',
    ipVersion: 4,
    srcAddr: '192.168.1.10',
    dstAddr: '203.0.113.5',
    srcPort: 50_000,
    dstPort: 443,
    protocol: 6,
    bytes: 1000,
    packets: 2,
    start: T0,
    end: T0 + 1000,
    ...over,
  };
}

/** Sum of a top list plus its remainder, the invariant every summary keeps. */
function listTotal(top: { bytes: number; packets: number; flows: number }[], other: { bytes: number; packets: number; flows: number }) {
  return top.reduce((a, e) => ({ bytes: a.bytes + e.bytes, packets: a.packets + e.packets, flows: a.flows + e.flows }), { ...other });
}

describe('bucket boundaries', () => {
  it('puts a flow in the bucket its end falls in: [start, start + 5 min)', () => {
    const agg = new FlowAggregator();
    agg.add(flow({ end: T0 - 1, bytes: 1 }), T0);
    agg.add(flow({ end: T0, bytes: 10 }), T0);
    agg.add(flow({ end: T0 + B - 1, bytes: 100 }), T0 + B);
    agg.add(flow({ end: T0 + B, bytes: 1000 }), T0 + B);
    const out = agg.flush();
    expect(out.map((s) => [s.start, s.end, s.total.bytes, s.total.flows])).toEqual([
      [T0 - B, T0, 1, 1],
      [T0, T0 + B, 110, 2],
      [T0 + B, T0 + 2 * B, 1000, 1],
    ]);
  });

  it('drain() returns a bucket only once its end plus the grace period has passed, and only once', () => {
    const agg = new FlowAggregator({ graceMs: 60_000 });
    agg.add(flow({ end: T0 + 10 }), T0 + 20);
    expect(agg.drain(T0 + B + 59_999)).toEqual([]);
    const closed = agg.drain(T0 + B + 60_000);
    expect(closed.map((s) => s.start)).toEqual([T0]);
    expect(agg.drain(T0 + B + 60_000)).toEqual([]);
    expect(agg.openBuckets).toBe(0);
  });

  it('a flow exported after its bucket was drained comes out in a second summary of that interval, which adds up', () => {
    const agg = new FlowAggregator();
    agg.add(flow({ end: T0 + 10, bytes: 5 }), T0 + 20);
    const first = agg.drain(T0 + 2 * B);
    agg.add(flow({ end: T0 + 20, bytes: 7 }), T0 + 2 * B);
    const second = agg.drain(T0 + 2 * B + 1);
    expect([first[0]?.start, second[0]?.start]).toEqual([T0, T0]);
    expect(mergeSummaries([...first, ...second]).total).toEqual({ bytes: 12, packets: 4, flows: 2 });
  });

  it('counts a flow whose exporter clock is more than an hour off at the time it was received', () => {
    const agg = new FlowAggregator();
    agg.add(flow({ start: 0, end: 1_000 }), T0 + 5); // a router that booted in 1970 without NTP
    const [s] = agg.flush();
    expect(s).toMatchObject({ start: T0, clockAdjustedFlows: 1, total: { flows: 1 } });
  });

  it('honours another bucket length', () => {
    const agg = new FlowAggregator({ bucketMs: 60_000 });
    agg.add(flow({ end: T0 + 59_999 }), T0);
    agg.add(flow({ end: T0 + 60_000 }), T0);
    expect(agg.flush().map((s) => s.end - s.start)).toEqual([60_000, 60_000]);
  });
});

describe('exact totals under cardinality pressure', () => {
  it('50,000 distinct hosts with a top-10 limit: totals exact, top + other = total, the 10 heavy hosts found exactly', () => {
    const agg = new FlowAggregator({ topN: 10 });
    const expected = { bytes: 0, packets: 0, flows: 0 };
    const heavy = Array.from({ length: 10 }, (_, i) => `198.51.100.${i + 1}`);
    const heavyBytes = new Map<string, number>();
    const add = (r: FlowRecord) => {
      agg.add(r, T0 + 1000);
      expected.bytes += r.bytes;
      expected.packets += r.packets;
      expected.flows++;
    };
    for (let i = 0; i < 50_000; i++) {
      const host = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      add(flow({ srcAddr: host, dstAddr: `172.16.${(i >> 8) & 255}.${i & 255}`, bytes: 40 + (i % 1460), packets: 1 + (i % 3), dstPort: i % 2000 }));
      if (i % 500 === 0) {
        const h = heavy[(i / 500) % 10]!;
        const bytes = 1_000_000 + i;
        heavyBytes.set(h, (heavyBytes.get(h) ?? 0) + bytes);
        add(flow({ srcAddr: h, dstAddr: '192.168.1.50', bytes, packets: 700 }));
      }
    }
    const [s] = agg.flush();
    if (!s) throw new Error('no summary');
    expect(s.total).toEqual(expected);
    expect(listTotal(s.topSources, s.otherSources)).toEqual(expected);
    expect(listTotal(s.topDestinations, s.otherDestinations)).toEqual(expected);
    expect(listTotal(s.topConversations, s.otherConversations)).toEqual(expected);
    expect(listTotal(s.protocols, { bytes: 0, packets: 0, flows: 0 })).toEqual(expected);
    expect(listTotal(s.services, { bytes: 0, packets: 0, flows: 0 })).toEqual(expected);
    const d = s.direction;
    expect(listTotal([d.inbound, d.outbound, d.internal], d.transit)).toEqual(expected);
    expect(s.topSources).toHaveLength(10);
    expect(new Map(s.topSources.map((e) => [e.host, e.bytes]))).toEqual(heavyBytes);
    expect(s.topDestinations[0]).toMatchObject({ host: '192.168.1.50', bytes: [...heavyBytes.values()].reduce((a, b) => a + b) });
    expect(summaryCheck.Check(s)).toBe(true);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('keeps memory bounded by closing the oldest bucket early and folding undrained ones together, totals still exact', () => {
    const agg = new FlowAggregator({ maxOpenBuckets: 3 });
    for (let i = 0; i < 20; i++) agg.add(flow({ end: T0 + i * B, bytes: i + 1 }), T0 + i * B);
    expect(agg.openBuckets).toBe(3);
    const out = agg.flush();
    expect(out.length).toBeLessThanOrEqual(6);
    expect(out.reduce((a, s) => a + s.total.bytes, 0)).toBe((20 * 21) / 2);
    expect(out[0]?.start).toBe(T0);
    expect(out.at(-1)?.end).toBe(T0 + 20 * B);
  });
});

describe('what a bucket reports', () => {
  it('splits traffic by direction relative to the site subnets (IPv4 and IPv6)', () => {
    const agg = new FlowAggregator({ siteSubnets: ['192.168.1.0/24', '2001:db8:42::/48'] });
    agg.add(flow({ srcAddr: '192.168.1.10', dstAddr: '8.8.8.8', bytes: 1 }), T0);
    agg.add(flow({ srcAddr: '8.8.8.8', dstAddr: '192.168.1.10', bytes: 20 }), T0);
    agg.add(flow({ srcAddr: '192.168.1.10', dstAddr: '192.168.1.11', bytes: 300 }), T0);
    agg.add(flow({ srcAddr: '10.9.9.9', dstAddr: '8.8.8.8', bytes: 4000 }), T0);
    agg.add(flow({ ipVersion: 6, srcAddr: '2001:db8:42:1::5', dstAddr: '2606:4700::1', bytes: 50_000 }), T0);
    agg.add(flow({ ipVersion: 6, srcAddr: '2606:4700::1', dstAddr: '2001:db8:42:1::5', bytes: 600_000 }), T0);
    const [s] = agg.flush();
    expect(s?.direction).toEqual({
      outbound: { bytes: 50_001, packets: 4, flows: 2 },
      inbound: { bytes: 600_020, packets: 4, flows: 2 },
      internal: { bytes: 300, packets: 2, flows: 1 },
      transit: { bytes: 4000, packets: 2, flows: 1 },
    });
    expect(s?.topConversations[0]).toEqual({ a: '2001:db8:42:1::5', b: '2606:4700::1', bytes: 650_000, packets: 4, flows: 2 });
  });

  it('names protocols and well-known services, the rest under "other"', () => {
    const agg = new FlowAggregator();
    agg.add(flow({ protocol: 6, srcPort: 51_000, dstPort: 443, bytes: 5000 }), T0);
    agg.add(flow({ protocol: 6, srcPort: 443, dstPort: 51_000, bytes: 7000 }), T0);
    agg.add(flow({ protocol: 17, srcPort: 5353, dstPort: 53, bytes: 80 }), T0);
    agg.add(flow({ protocol: 17, srcPort: 40_000, dstPort: 443, bytes: 900 }), T0);
    agg.add(flow({ protocol: 6, srcPort: 40_000, dstPort: 40_001, bytes: 30 }), T0);
    agg.add(flow({ protocol: 1, srcPort: 0, dstPort: 0, bytes: 84 }), T0);
    agg.add(flow({ protocol: 50, srcPort: 0, dstPort: 0, bytes: 1400 }), T0);
    agg.add(flow({ protocol: 253, srcPort: 0, dstPort: 0, bytes: 2 }), T0);
    const [s] = agg.flush();
    expect(s?.services.map((e) => [e.service, e.bytes])).toEqual([
      ['https', 12_000],
      ['esp', 1400],
      ['quic', 900],
      ['icmp', 84],
      ['dns', 80],
      ['other', 32],
    ]);
    expect(s?.protocols.map((e) => [e.protocol, e.name, e.bytes])).toEqual([
      [6, 'tcp', 12_030],
      [50, 'esp', 1400],
      [17, 'udp', 980],
      [1, 'icmp', 84],
      [253, 'ip-253', 2],
    ]);
  });

  it('rejects a bad configuration with a readable message', () => {
    expect(() => new FlowAggregator({ siteSubnets: ['192.168.1.0/33'] })).toThrow(/prefix length/);
    expect(() => new FlowAggregator({ siteSubnets: ['intranet'] })).toThrow(/not an IP address/);
    expect(() => new FlowAggregator({ bucketMs: 10 })).toThrow(/bucketMs/);
    expect(() => new FlowAggregator({ topN: 10, trackedKeys: 5 })).toThrow(/trackedKeys/);
  });
});

describe('mergeSummaries (the monthly report)', () => {
  it('adds totals exactly and re-ranks the top lists over all buckets', () => {
    const agg = new FlowAggregator({ topN: 3 });
    // 12 buckets; host h<i> is heavy in bucket i only, 10.0.0.1 is moderate in every bucket.
    let bytes = 0;
    for (let b = 0; b < 12; b++) {
      const at = T0 + b * B + 1;
      agg.add(flow({ srcAddr: `10.0.1.${b}`, end: at, bytes: 1000 + b }), at);
      agg.add(flow({ srcAddr: '10.0.0.1', end: at, bytes: 500 }), at);
      for (let k = 0; k < 5; k++) agg.add(flow({ srcAddr: `10.0.2.${k}`, end: at, bytes: 10 }), at);
      bytes += 1000 + b + 500 + 50;
    }
    const buckets = agg.flush();
    expect(buckets).toHaveLength(12);
    const month = mergeSummaries(buckets, 3);
    expect(month).toMatchObject({ start: T0, end: T0 + 12 * B, total: { bytes, flows: 84 } });
    expect(month.topSources.map((e) => [e.host, e.bytes])).toEqual([
      ['10.0.0.1', 6000],
      ['10.0.1.11', 1011],
      ['10.0.1.10', 1010],
    ]);
    expect(listTotal(month.topSources, month.otherSources)).toEqual(month.total);
    expect(listTotal(month.topConversations, month.otherConversations)).toEqual(month.total);
    expect(summaryCheck.Check(month)).toBe(true);
    // Merging is associative on the totals: months of merged halves equal the whole.
    const halves = mergeSummaries([mergeSummaries(buckets.slice(0, 6), 3), mergeSummaries(buckets.slice(6), 3)], 3);
    expect(halves.total).toEqual(month.total);
    expect(halves.services).toEqual(month.services);
  });
});
