import { createConnection, createServer } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toChecksAndMetrics } from './checks.js';
import { joinInterfaceTables } from './interfaces.js';
import { IF_COLUMNS, IFX_COLUMNS } from './oids.js';
import { SnmpPoller } from './poller.js';
import type { SnmpValue } from './session.js';
import { SNMPD_COMMUNITY, SNMPD_SYSTEM, type Snmpd, startSnmpd } from './snmpd-fixture.js';

// Identity and IF-MIB of the host snmpd runs on, and rates over two polls with traffic made on
// loopback between them. snmpd 5.9 caches the interface table for about 3 s, so the second poll
// waits that long after the traffic.

const TRAFFIC_BYTES = 8 * 1024 * 1024;
const IF_CACHE_MS = 3_500;

let snmpd: Snmpd;
beforeAll(async () => {
  snmpd = await startSnmpd();
});
afterAll(async () => {
  await snmpd?.stop();
});

/** Sends `bytes` through a TCP connection on 127.0.0.1: they cross lo once each way of the count. */
async function loopbackTraffic(bytes: number): Promise<void> {
  const server = createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve, reject) => {
    const client = createConnection(port, '127.0.0.1', () => client.end(Buffer.alloc(bytes)));
    client.on('close', () => resolve());
    client.on('error', reject);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('identity of the snmpd host', () => {
  it('sysName, sysDescr, sysObjectID, sysLocation, sysContact, sysUpTime; no ENTITY-MIB there, so no serials; kind network', async () => {
    const r = await new SnmpPoller({ address: '127.0.0.1', port: snmpd.port, version: '2c', community: SNMPD_COMMUNITY, ping: false }).poll(Date.now());
    expect(r.identity).toEqual({
      sysName: hostname(),
      sysDescr: expect.stringMatching(/^Linux /),
      sysObjectID: '1.3.6.1.4.1.8072.3.2.10', // NET-SNMP-TC netSnmpAgentOIDs.linux
      sysLocation: SNMPD_SYSTEM.location,
      sysContact: SNMPD_SYSTEM.contact,
      sysUpTime: expect.any(Number),
      serials: [],
    });
    expect(r.identity?.sysUpTime).toBeGreaterThanOrEqual(0);
    expect(r.identity?.sysUpTime).toBeLessThan(3600);
    expect(r.kind).toBe('network');
    expect(r.warnings).toEqual([]);
  });
});

describe('interfaces and their rates over two polls', () => {
  it('lo: named, typed, up, with a plausible rate from the traffic made between the polls (v2c 64-bit and v1 32-bit counters)', async () => {
    const v2c = new SnmpPoller({ address: '127.0.0.1', port: snmpd.port, version: '2c', community: SNMPD_COMMUNITY, ping: false });
    const v1 = new SnmpPoller({ address: '127.0.0.1', port: snmpd.port, version: '1', community: SNMPD_COMMUNITY, ping: false });
    const t1 = Date.now();
    const [first, first1] = await Promise.all([v2c.poll(t1), v1.poll(t1)]);
    const lo1 = first.interfaces.find((i) => i.name === 'lo');
    expect(lo1).toMatchObject({ type: 24, adminStatus: 'up', operStatus: 'up', counterBits: 64, speedBps: 10_000_000, inBps: null, noRate: 'first-poll' });
    expect(first1.interfaces.find((i) => i.name === 'lo')).toMatchObject({ counterBits: 32, noRate: 'first-poll' });

    await loopbackTraffic(TRAFFIC_BYTES);
    await new Promise((r) => setTimeout(r, IF_CACHE_MS));

    const t2 = Date.now();
    const [second, second1] = await Promise.all([v2c.poll(t2), v1.poll(t2)]);
    const seconds = (t2 - t1) / 1000;
    for (const r of [second, second1]) {
      const lo = r.interfaces.find((i) => i.name === 'lo');
      expect(lo?.noRate).toBeUndefined();
      // At least the bytes sent crossed lo (other processes on this machine may add some).
      const inBytes = ((lo?.inBps ?? 0) * seconds) / 8;
      expect(inBytes).toBeGreaterThanOrEqual(TRAFFIC_BYTES);
      expect(lo?.inBps).toBeLessThan(100e9);
      expect(lo?.outBps).toBe(lo?.inBps); // loopback: what goes out comes in
      expect(lo?.inErrors).toBe(0);
      expect(lo?.inDiscards).toBe(0);
    }

    const { metrics, checks } = toChecksAndMetrics(second);
    expect(metrics['net_if_in_bps{if=lo}']).toBeGreaterThan(0);
    expect(checks.find((c) => c.target === `127.0.0.1:${snmpd.port} if lo`)).toMatchObject({ check: 'snmp-interface', status: 'ok', code: 'IF_UP' });
  });
});

describe('joinInterfaceTables: ifTable + ifXTable', () => {
  const ifRow = (over: Record<number, SnmpValue>) =>
    new Map<number, SnmpValue>(
      Object.entries({
        [IF_COLUMNS.descr]: Buffer.from('GigabitEthernet0/1'),
        [IF_COLUMNS.type]: 6,
        [IF_COLUMNS.speed]: 4_294_967_295,
        [IF_COLUMNS.adminStatus]: 1,
        [IF_COLUMNS.operStatus]: 2,
        [IF_COLUMNS.inOctets]: 1000,
        [IF_COLUMNS.outOctets]: 2000,
        ...over,
      }).map(([k, v]) => [Number(k), v]),
    );

  it('prefers ifName, ifHighSpeed and the HC counters when the device has them', () => {
    const ifx = new Map([
      [
        '10101',
        new Map<number, SnmpValue>([
          [IFX_COLUMNS.name, Buffer.from('Gi0/1')],
          [IFX_COLUMNS.highSpeed, 10_000],
          [IFX_COLUMNS.hcInOctets, 2n ** 40n],
          [IFX_COLUMNS.hcOutOctets, 5n],
          [IFX_COLUMNS.alias, Buffer.from('Uplink FAI')],
          [IFX_COLUMNS.counterDiscontinuityTime, 0],
        ]),
      ],
    ]);
    const [r] = joinInterfaceTables(new Map([['10101', ifRow({})]]), ifx);
    expect(r?.info).toMatchObject({
      index: 10101,
      name: 'Gi0/1',
      descr: 'GigabitEthernet0/1',
      alias: 'Uplink FAI',
      speedBps: 10e9,
      adminStatus: 'up',
      operStatus: 'down',
      counterBits: 64,
    });
    expect(r?.counters).toMatchObject({ identity: 'Gi0/1', inOctets: { value: 2n ** 40n, bits: 64 }, discontinuityCs: 0 });
  });

  it('falls back to ifDescr, ifSpeed and the 32-bit counters without ifXTable', () => {
    const [r] = joinInterfaceTables(new Map([['3', ifRow({ [IF_COLUMNS.speed]: 100_000_000 })]]), new Map());
    expect(r?.info).toMatchObject({ name: 'GigabitEthernet0/1', speedBps: 100e6, counterBits: 32 });
    expect(r?.counters.inOctets).toEqual({ value: 1000n, bits: 32 });
  });

  it('sorts by ifIndex and survives garbage in the columns', () => {
    const rows = joinInterfaceTables(
      new Map([
        ['7', ifRow({ [IF_COLUMNS.adminStatus]: 99, [IF_COLUMNS.operStatus]: Buffer.from('x'), [IF_COLUMNS.descr]: null })],
        ['2', ifRow({})],
        ['not-an-index', ifRow({})],
      ]),
      new Map(),
    );
    expect(rows.map((r) => r.info.index)).toEqual([2, 7]);
    expect(rows[1]?.info).toMatchObject({ name: 'ifIndex 7', adminStatus: 'unknown', operStatus: 'unknown' });
  });
});
