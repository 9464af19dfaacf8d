import { createSocket } from 'node:dgram';
import { isValidAgentBody, type PolicyBody } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v5Datagram } from './flows/test-support/datagram-builders.js';
import { SiteRole, snmpDeviceKey } from './role.js';
import { freeUdpPort, SNMPD_COMMUNITY, type Snmpd, startSnmpd } from './snmp/snmpd-fixture.js';

/**
 * The site role inside the agent: what it emits for a policy's SNMP targets (against a real snmpd)
 * and for NetFlow received on its port, every message valid protocol v1; and nothing at all when
 * the policy does not ask for it.
 */
const policy = (probes: Record<string, unknown>): PolicyBody => ({ version: 1, metricsIntervalSec: 60, inventoryIntervalSec: 3600, heartbeatSec: 30, probes });
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let snmpd: Snmpd;
beforeAll(async () => {
  snmpd = await startSnmpd();
});
afterAll(async () => {
  await snmpd?.stop();
});

function recorder() {
  const sent: { type: string; body: any }[] = [];
  const warnings: string[] = [];
  const role = new SiteRole(
    async (type, body) => {
      // Every message the role emits must be what the collector accepts.
      expect(isValidAgentBody(type as never, body), `${type} ${JSON.stringify(body).slice(0, 300)}`).toBe(true);
      sent.push({ type, body });
    },
    { ...quiet, warn: (m: string, d?: Record<string, unknown>) => warnings.push(`${m} ${JSON.stringify(d ?? {})}`) },
  );
  return { role, sent, warnings };
}

describe('site role', () => {
  it('keys watched devices so that the collector tells them apart', () => {
    expect(snmpDeviceKey('192.168.1.20')).toBe('snmp:192.168.1.20');
    expect(snmpDeviceKey('192.168.1.20', 1161)).toBe('snmp:192.168.1.20:1161');
    expect(snmpDeviceKey('fd00::1')).toBe('snmp:[fd00::1]');
    expect(snmpDeviceKey('fd00::1', 1161)).toBe('snmp:[fd00::1]:1161');
  });

  it('does nothing without a site-role policy, and refuses an invalid one with a warning', async () => {
    const { role, sent, warnings } = recorder();
    role.apply(policy({}));
    role.apply(policy({ snmp: { targets: [{ address: '-oProxyCommand=x', version: '2c' }] } }));
    await role.pollAll();
    await role.stop();
    expect(sent).toEqual([]);
    expect(warnings.join('\n')).toMatch(/snmp policy refused/);
  });

  it('polls the targets: metrics and checks for the watched device, its identity once until it changes', async () => {
    const { role, sent } = recorder();
    role.apply(
      policy({ snmp: { intervalSec: 3600, targets: [{ address: '127.0.0.1', port: snmpd.port, version: '2c', community: SNMPD_COMMUNITY, ping: false }] } }),
    );
    try {
      const key = `snmp:127.0.0.1:${snmpd.port}`;
      await role.pollAll();
      expect(sent.map((m) => m.type)).toEqual(['metrics', 'checks', 'site-devices']);
      expect(sent[0]!.body.device).toBe(key);
      expect(sent[0]!.body.samples[0].values.snmp_up).toBe(1);
      expect(sent[1]!.body.results.find((r: any) => r.check === 'snmp-reachable')).toMatchObject({ status: 'ok', code: 'SNMP_OK' });
      expect(sent[2]!.body.devices).toEqual([expect.objectContaining({ key, address: '127.0.0.1', kind: 'network', reachable: true })]);
      await role.pollAll();
      expect(sent.map((m) => m.type).slice(3)).toEqual(['metrics', 'checks']);
    } finally {
      await role.stop();
    }
  }, 30_000);

  it('reports a target that does not answer as unreachable, and still identifies it', async () => {
    const { role, sent } = recorder();
    const dead = await freeUdpPort();
    role.apply(
      policy({ snmp: { intervalSec: 3600, targets: [{ address: '127.0.0.1', port: dead, version: '2c', timeoutMs: 200, retries: 0, ping: false }] } }),
    );
    try {
      await role.pollAll();
      const checks = sent.find((m) => m.type === 'checks')!.body.results;
      expect(checks[0]).toMatchObject({ check: 'snmp-reachable', status: 'critical', code: 'SNMP_TIMEOUT' });
      expect(sent.find((m) => m.type === 'site-devices')!.body.devices[0]).toMatchObject({ reachable: false, name: '127.0.0.1', kind: 'unknown' });
    } finally {
      await role.stop();
    }
  }, 30_000);

  it('receives NetFlow from an allowed exporter and sends what it holds when it stops', async () => {
    const { role, sent } = recorder();
    const port = await freeUdpPort();
    role.apply(policy({ flows: { enabled: true, port, bind: '127.0.0.1', exporters: ['127.0.0.1'], siteSubnets: ['192.168.10.0/24'] } }));
    const now = Date.now();
    const datagram = v5Datagram({ sysUptime: 100_000, unixSecs: Math.floor(now / 1000) }, [
      {
        src: '192.168.10.10',
        dst: '203.0.113.5',
        packets: 10,
        bytes: 8_000,
        first: 90_000,
        last: 99_000,
        srcPort: 50_000,
        dstPort: 443,
        protocol: 6,
        input: 1,
        output: 2,
      },
      {
        src: '203.0.113.5',
        dst: '192.168.10.10',
        packets: 12,
        bytes: 15_000,
        first: 90_000,
        last: 99_000,
        srcPort: 443,
        dstPort: 50_000,
        protocol: 6,
        input: 2,
        output: 1,
      },
    ]);
    await role.settled();
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.send(datagram, port, '127.0.0.1', () => r()));
    sock.close();
    await new Promise((r) => setTimeout(r, 300));
    await role.stop();
    const buckets = sent.filter((m) => m.type === 'flows').flatMap((m) => m.body.buckets);
    expect(buckets.length).toBeGreaterThan(0);
    const total = buckets.reduce((s: number, b: any) => s + b.summary.total.bytes, 0);
    expect(total).toBe(23_000);
    const b = buckets[0];
    expect(b.exporter).toBe('127.0.0.1');
    expect(b.summary.direction.outbound.bytes).toBe(b.summary.direction.inbound.bytes * (8_000 / 15_000));
    expect(b.interfaces.map((i: any) => i.index)).toEqual([1, 2]);
  }, 30_000);
});

describe('flow receiver state', () => {
  it('reports refused exporters and silence as checks of the agent', async () => {
    const { startFlowRole } = await import('./flows-role.js');
    const checks: any[] = [];
    const port = await freeUdpPort();
    const role = await startFlowRole(
      { enabled: true, port, bind: '0.0.0.0', exporters: ['127.0.0.1'], siteSubnets: [], bucketSec: 60, topN: 10 },
      async () => {},
      quiet,
      async (b) => {
        for (const r of b.results) {
          expect(isValidAgentBody('checks', { results: [r] })).toBe(true);
          checks.push(r);
        }
      },
      300,
    );
    try {
      // A router that is not in the allowlist (another loopback address).
      const sock = createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, '127.0.0.2', () => r()));
      await new Promise<void>((r) => sock.send(v5Datagram({ sysUptime: 1000, unixSecs: Math.floor(Date.now() / 1000) }, []), port, '127.0.0.1', () => r()));
      sock.close();
      const refused = await waitUntil(() => checks.find((c) => c.code === 'FLOWS_REFUSED'));
      expect(refused).toMatchObject({ check: 'flow-receiver', status: 'warning', values: { refused: 1 } });
      expect(refused.message).toContain('127.0.0.2');
      expect(await waitUntil(() => checks.find((c) => c.code === 'FLOWS_SILENT'))).toMatchObject({ status: 'warning' });
    } finally {
      await role.close();
    }
  });
});

async function waitUntil<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
