import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Proc, startProcess, waitFor } from '@vigie/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FlowAggregator } from './aggregator.js';
import type { FlowRecord } from './model.js';
import { FlowReceiver } from './receiver.js';
import { serviceOf } from './services.js';
import { SubnetSet } from './subnets.js';
import { mergeSummaries } from './summary.js';
import { ipLayerBytes, type PacketSpec, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, writePcap } from './test-support/pcap-writer.js';

// End to end with a real exporter: softflowd 1.1.0 (Debian) reads a capture this file writes,
// exports it as NetFlow v5, v9 and IPFIX to a FlowReceiver on a free loopback port, and the
// aggregated figures must be those of the capture. softflowd counts bytes at the IP layer
// (IP header + transport header + payload), so the capture's figures are counted the same way.

const SITE = ['192.168.10.0/24', '2001:db8:10::/48'];
let dir: string;
let pcap: string;
let packets: PacketSpec[];
const procs: Proc[] = [];
const receivers: FlowReceiver[] = [];

/** A TCP exchange: handshake, `rounds` request/response pairs, FIN both ways. */
function tcpSession(t: number, client: string, cport: number, server: string, sport: number, rounds: number, req: number, resp: number): PacketSpec[] {
  const c = { protocol: 'tcp' as const, src: client, dst: server, srcPort: cport, dstPort: sport };
  const s = { protocol: 'tcp' as const, src: server, dst: client, srcPort: sport, dstPort: cport };
  const out: PacketSpec[] = [
    { ...c, ts: t, payload: 0, tcpFlags: TCP_SYN },
    { ...s, ts: t + 1, payload: 0, tcpFlags: TCP_SYN | TCP_ACK },
    { ...c, ts: t + 2, payload: 0, tcpFlags: TCP_ACK },
  ];
  for (let i = 0; i < rounds; i++) {
    out.push({ ...c, ts: t + 3 + 2 * i, payload: req, tcpFlags: TCP_PSH | TCP_ACK });
    out.push({ ...s, ts: t + 4 + 2 * i, payload: resp + i, tcpFlags: TCP_PSH | TCP_ACK });
  }
  const end = t + 4 + 2 * rounds;
  out.push({ ...c, ts: end, payload: 0, tcpFlags: TCP_FIN | TCP_ACK }, { ...s, ts: end + 1, payload: 0, tcpFlags: TCP_FIN | TCP_ACK });
  return out;
}

function udpExchange(t: number, client: string, cport: number, server: string, sport: number, n: number, req: number, resp: number): PacketSpec[] {
  const out: PacketSpec[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ protocol: 'udp', src: client, dst: server, srcPort: cport, dstPort: sport, ts: t + 3 * i, payload: req });
    out.push({ protocol: 'udp', src: server, dst: client, srcPort: sport, dstPort: cport, ts: t + 3 * i + 1, payload: resp });
  }
  return out;
}

/** A few hosts of a small office: web, DNS, NTP, a file share, IPv6 HTTPS and QUIC. */
function officeTraffic(t0: number): PacketSpec[] {
  return [
    ...tcpSession(t0, '192.168.10.10', 50_001, '203.0.113.5', 443, 20, 517, 1_400),
    ...tcpSession(t0 + 100, '192.168.10.11', 50_002, '192.0.2.80', 80, 5, 300, 1_200),
    ...udpExchange(t0 + 200, '192.168.10.12', 40_000, '198.51.100.53', 53, 4, 40, 120),
    ...udpExchange(t0 + 300, '192.168.10.10', 123, '192.0.2.123', 123, 2, 48, 48),
    ...tcpSession(t0 + 400, '192.168.10.11', 50_003, '192.168.10.2', 445, 8, 150, 1_000),
    ...tcpSession(t0 + 500, '2001:db8:10::10', 50_004, '2001:db8:ffff::1', 443, 6, 600, 1_300),
    ...udpExchange(t0 + 600, '2001:db8:10::11', 50_005, '2001:db8:ffff::2', 443, 3, 1_200, 1_250),
  ].sort((a, b) => a.ts - b.ts);
}

interface Totals {
  bytes: number;
  packets: number;
  flows: number;
}

/** What the capture contains, counted the way a flow exporter counts (one flow per direction). */
function expectedFrom(pk: PacketSpec[]) {
  const site = new SubnetSet(SITE);
  const flows = new Set<string>();
  const total = { bytes: 0, packets: 0, flows: 0 };
  const bySrc = new Map<string, number>();
  const byDst = new Map<string, number>();
  const byService = new Map<string, number>();
  const direction = { inbound: 0, outbound: 0, internal: 0, transit: 0 };
  for (const p of pk) {
    const bytes = ipLayerBytes(p);
    const key = `${p.src} ${p.srcPort} ${p.dst} ${p.dstPort} ${p.protocol}`;
    if (!flows.has(key)) total.flows++;
    flows.add(key);
    total.bytes += bytes;
    total.packets++;
    bySrc.set(p.src, (bySrc.get(p.src) ?? 0) + bytes);
    byDst.set(p.dst, (byDst.get(p.dst) ?? 0) + bytes);
    const service = serviceOf(p.protocol === 'tcp' ? 6 : 17, p.srcPort, p.dstPort);
    byService.set(service, (byService.get(service) ?? 0) + bytes);
    const [s, d] = [site.has(p.src), site.has(p.dst)];
    direction[s && d ? 'internal' : s ? 'outbound' : d ? 'inbound' : 'transit'] += bytes;
  }
  return { total, bySrc, byDst, byService, direction };
}

beforeAll(() => {
  if (spawnSync('softflowd', ['-h']).error) throw new Error('softflowd is not installed: node scripts/setup.mjs --system (or apt-get install softflowd)');
  dir = mkdtempSync(join(tmpdir(), 'vigie-flows-'));
  // Recent times: the aggregator counts flows whose clock is over an hour off at their arrival.
  packets = officeTraffic(Date.now() - 30_000);
  pcap = join(dir, 'office.pcap');
  writeFileSync(pcap, writePcap(packets));
});

afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')));
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function poke(ctl: string): Promise<void> {
  return new Promise((resolve) => execFile('softflowctl', ['-c', ctl, 'statistics'], { timeout: 2_000 }, () => resolve()));
}

/** Replays the capture through softflowd towards a new receiver; returns what the receiver saw. */
async function replay(version: 5 | 9 | 10) {
  const aggregator = new FlowAggregator({ siteSubnets: SITE, topN: 20 }); // 12 hosts: all of them listed
  const records: FlowRecord[] = [];
  const receiver = new FlowReceiver({
    port: 0,
    host: '127.0.0.1',
    allowedExporters: ['127.0.0.1'],
    sink: {
      add(r, at) {
        records.push(r);
        aggregator.add(r, at);
      },
    },
  });
  receivers.push(receiver);
  const { port } = await receiver.start();
  const ctl = join(dir, `v${version}.ctl`);
  const proc = startProcess('softflowd', ['-d', '-r', pcap, '-n', `127.0.0.1:${port}`, '-v', String(version), '-p', join(dir, `v${version}.pid`), '-c', ctl]);
  procs.push(proc);
  // softflowd reads the capture, then waits on its control socket: poke it until it exits.
  await waitFor(
    `softflowd -v ${version} to exit`,
    async () => {
      if (proc.child.exitCode !== null) return true;
      await poke(ctl);
      return false;
    },
    20_000,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; softflowd said: ${proc.lines.join(' | ') || '(nothing)'}`);
  });
  expect(proc.child.exitCode, proc.lines.join('\n')).toBe(0);
  const exported = /Flows exported: (\d+) \((\d+) records\)/.exec(proc.lines.join('\n'));
  const expectedRecords = Number(exported?.[2] ?? Number.NaN);
  await waitFor(`${expectedRecords} records`, async () => records.length >= expectedRecords, 5_000, 20);
  return { receiver, records, summary: mergeSummaries(aggregator.flush(), 20), softflowdLines: proc.lines };
}

describe.each([
  // softflowd keeps times as milliseconds of uptime, truncated: ±1 ms. v9's header has whole seconds.
  { version: 5 as const, name: 'NetFlow v5', ipv6: false, timeSlackMs: 1 },
  { version: 9 as const, name: 'NetFlow v9', ipv6: true, timeSlackMs: 1000 },
  { version: 10 as const, name: 'IPFIX', ipv6: true, timeSlackMs: 1 },
])('softflowd $name export of a written capture', ({ version, ipv6, timeSlackMs }) => {
  it('aggregates to exactly the bytes, packets, flows, talkers, services and directions of the capture', async () => {
    const { receiver, records, summary } = await replay(version);
    // v5 carries IPv4 only: softflowd leaves the IPv6 packets out.
    const sent = packets.filter((p) => ipv6 || !p.src.includes(':'));
    const expected = expectedFrom(sent);

    expect(receiver.stats()).toMatchObject({ refused: 0, faults: 0, exporters: [{ address: '127.0.0.1', decodeErrors: 0, version }] });
    expect(summary.total).toEqual(expected.total);
    expect(new Map(summary.topSources.map((e) => [e.host, e.bytes]))).toEqual(expected.bySrc);
    expect(new Map(summary.topDestinations.map((e) => [e.host, e.bytes]))).toEqual(expected.byDst);
    expect(summary.otherSources).toEqual({ bytes: 0, packets: 0, flows: 0 });
    expect(summary.topSources[0]).toMatchObject({ host: '203.0.113.5', bytes: expected.bySrc.get('203.0.113.5') });
    expect(new Map(summary.services.map((e) => [e.service, e.bytes]))).toEqual(expected.byService);
    expect(Object.fromEntries(Object.entries(summary.direction).map(([k, v]) => [k, (v as Totals).bytes]))).toEqual(expected.direction);
    expect(summary.clockAdjustedFlows).toBe(0);

    // Times: each record spans the first to last packet of its direction.
    for (const r of records) {
      const own = sent.filter((p) => p.src === r.srcAddr && p.dst === r.dstAddr && p.srcPort === r.srcPort && p.dstPort === r.dstPort);
      expect(own.length, `${r.srcAddr} → ${r.dstAddr}`).toBe(r.packets);
      const first = Math.min(...own.map((p) => p.ts));
      const last = Math.max(...own.map((p) => p.ts));
      // softflowd gives both directions of a connection the connection's times.
      const both = sent.filter((p) => [p.src, p.dst].includes(r.srcAddr) && [p.src, p.dst].includes(r.dstAddr) && [p.srcPort, p.dstPort].includes(r.srcPort));
      const bothFirst = Math.min(...both.map((p) => p.ts));
      const bothLast = Math.max(...both.map((p) => p.ts));
      expect(r.start).toBeGreaterThanOrEqual(bothFirst - timeSlackMs);
      expect(r.start).toBeLessThanOrEqual(first + timeSlackMs);
      expect(r.end).toBeGreaterThanOrEqual(last - timeSlackMs);
      expect(r.end).toBeLessThanOrEqual(bothLast + timeSlackMs);
    }
  });
});
