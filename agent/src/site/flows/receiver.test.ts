import { createSocket, type SocketType } from 'node:dgram';
import { waitFor } from '@vigie/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { FlowRecord } from './model.js';
import { FlowReceiver, type FlowReceiverOptions } from './receiver.js';
import { v5Datagram } from './test-support/datagram-builders.js';

// The receiver on real UDP sockets on loopback (IPv4, IPv6, dual stack), port 0 so the kernel
// picks a free one.
const T = 1_767_225_600;
const v5 = (bytes = 1500) =>
  v5Datagram({ sysUptime: 10_000, unixSecs: T }, [
    { src: '192.168.1.10', dst: '203.0.113.7', packets: 3, bytes, first: 9_000, last: 9_500, srcPort: 50_000, dstPort: 443, protocol: 6 },
  ]);

const receivers: FlowReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

async function listen(over: Partial<FlowReceiverOptions> = {}) {
  const got: FlowRecord[] = [];
  const receiver = new FlowReceiver({ port: 0, host: '127.0.0.1', allowedExporters: ['127.0.0.1'], sink: { add: (r) => got.push(r) }, ...over });
  receivers.push(receiver);
  const bound = await receiver.start();
  return { receiver, got, bound };
}

async function send(type: SocketType, to: string, port: number, ...datagrams: Buffer[]) {
  const s = createSocket(type);
  for (const d of datagrams) await new Promise<void>((resolve, reject) => s.send(d, port, to, (err) => (err ? reject(err) : resolve())));
  s.close();
}

describe('FlowReceiver', () => {
  it('feeds the sink with flows from an allowed exporter and keeps per-exporter stats', async () => {
    const before = Date.now();
    const { receiver, got, bound } = await listen();
    await send('udp4', '127.0.0.1', bound.port, v5(1500), v5(2500), Buffer.from([0, 5, 0, 1]));
    await waitFor('3 datagrams', async () => receiver.stats().datagrams === 3, 5_000, 20);
    expect(got.map((r) => [r.exporter, r.srcAddr, r.bytes])).toEqual([
      ['127.0.0.1', '192.168.1.10', 1500],
      ['127.0.0.1', '192.168.1.10', 2500],
    ]);
    const stats = receiver.stats();
    expect(stats).toMatchObject({ datagrams: 3, flows: 2, refused: 0, faults: 0 });
    expect(stats.exporters).toEqual([
      { address: '127.0.0.1', datagrams: 3, flows: 2, decodeErrors: 1, errors: { 'truncated-header': 1 }, version: 5, lastSeen: expect.any(Number) },
    ]);
    expect(stats.exporters[0]!.lastSeen).toBeGreaterThanOrEqual(before);
  });

  it('drops and counts datagrams from exporters outside the allowlist', async () => {
    const { receiver, got, bound } = await listen({ allowedExporters: ['192.0.2.0/24', '2001:db8::/32'] });
    await send('udp4', '127.0.0.1', bound.port, v5(), v5());
    await waitFor('2 refusals', async () => receiver.stats().refused === 2, 5_000, 20);
    expect(got).toEqual([]);
    expect(receiver.stats()).toMatchObject({ datagrams: 0, refused: 2, recentlyRefused: ['127.0.0.1'], exporters: [] });
  });

  it('binds IPv6 only', async () => {
    const { receiver, got, bound } = await listen({ ipv6: true, ipv6Only: true, host: '::1', allowedExporters: ['::1'] });
    expect(bound.address).toBe('::1');
    await send('udp6', '::1', bound.port, v5());
    await waitFor('a flow', async () => got.length === 1, 5_000, 20);
    expect(receiver.stats().exporters[0]).toMatchObject({ address: '::1', flows: 1 });
  });

  it('on a dual-stack socket, sees an IPv4 exporter as its IPv4 address (not ::ffff:…)', async () => {
    const { got, bound } = await listen({ ipv6: true, host: '::', allowedExporters: ['127.0.0.0/8'] });
    await send('udp4', '127.0.0.1', bound.port, v5());
    await waitFor('a flow', async () => got.length === 1, 5_000, 20);
    expect(got[0]?.exporter).toBe('127.0.0.1');
  });

  it('tracks at most maxExporters exporters; datagrams from more are counted and dropped', () => {
    const got: FlowRecord[] = [];
    const r = new FlowReceiver({ allowedExporters: ['10.0.0.0/8'], sink: { add: (f) => got.push(f) }, memory: { maxExporters: 2 } });
    for (const from of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']) r.ingest(v5(), from, 1);
    expect(r.stats()).toMatchObject({ datagrams: 3, overExporterLimit: 1 });
    expect(r.stats().exporters.map((e) => [e.address, e.datagrams])).toEqual([
      ['10.0.0.1', 2],
      ['10.0.0.2', 1],
    ]);
    expect(got).toHaveLength(3);
  });

  it('passes its memory limits to the template store', () => {
    const r = new FlowReceiver({ allowedExporters: ['10.0.0.0/8'], sink: { add() {} }, memory: { maxPendingSets: 3 } });
    // v9 data sets whose template never comes.
    const header = Buffer.from([0, 9, 0, 1, 0, 0, 0, 0, 0x69, 0x55, 0xb9, 0x00, 0, 0, 0, 1, 0, 0, 0, 0]);
    const data = Buffer.from([1, 0, 0, 12, 10, 0, 0, 1, 10, 0, 0, 2]);
    for (let i = 0; i < 10; i++) r.ingest(Buffer.concat([header, data]), '10.0.0.1');
    expect(r.stats().decoder).toMatchObject({ pendingSets: 3, pendingDropped: 7 });
  });

  it('survives a sink that throws, counting the fault', () => {
    const r = new FlowReceiver({
      allowedExporters: ['10.0.0.1'],
      sink: {
        add() {
          throw new Error('disk full');
        },
      },
    });
    expect(() => r.ingest(v5(), '10.0.0.1')).not.toThrow();
    expect(r.stats()).toMatchObject({ faults: 1, lastFault: 'disk full' });
  });

  it('fails to start on a port already taken, and refuses to start twice', async () => {
    const { receiver, bound } = await listen();
    await expect(receiver.start()).rejects.toThrow(/already started/);
    const other = new FlowReceiver({ port: bound.port, host: '127.0.0.1', allowedExporters: [], sink: { add() {} } });
    await expect(other.start()).rejects.toThrow(/EADDRINUSE/);
  });
});
