import { describeCheck } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toChecksAndMetrics } from './checks.js';
import type { SnmpTargetConfig } from './config.js';
import { SnmpPoller } from './poller.js';
import { SNMPD_COMMUNITY, type Snmpd, startSnmpd } from './snmpd-fixture.js';

// Issue 13, point 6: an SNMP target of 169.254.169.254 was polled (and pinged). The poller goes
// through the outbound guard first: a refused target gets neither a ping nor an SNMP request.

let snmpd: Snmpd;
beforeAll(async () => {
  snmpd = await startSnmpd();
});
afterAll(async () => {
  await snmpd?.stop();
});

const pinged: string[] = [];
const pinger = async (address: string) => {
  pinged.push(address);
  return { alive: true, lossPct: 0, rttAvgMs: 0.1 };
};
const target = (address: string): SnmpTargetConfig => ({ address, version: '2c', community: SNMPD_COMMUNITY, timeoutMs: 300, retries: 0, ping: true });

describe('the SNMP poller and the outbound guard', () => {
  it.each(['169.254.169.254', '2852039166', '100.100.100.200', 'fd00:ec2::254', '::ffff:a9fe:a9fe'])(
    'refuses %s without pinging or polling it',
    async (address) => {
      pinged.length = 0;
      const r = await new SnmpPoller(target(address), { pinger }).poll(Date.now());
      expect(pinged).toEqual([]);
      expect(r.reachable).toBe(false);
      expect(r.error).toMatchObject({ kind: 'refused', refused: { reason: 'metadata' } });
      const [check] = toChecksAndMetrics(r).checks;
      expect(check).toMatchObject({ check: 'snmp-reachable', status: 'unknown', code: 'SNMP_TARGET_REFUSED' });
      expect(describeCheck(check!, 'fr')).toContain('est une adresse de métadonnées cloud');
    },
  );

  it('polls and pings the address it checked (loopback, a LAN address stays allowed)', async () => {
    pinged.length = 0;
    const r = await new SnmpPoller({ ...target('127.0.0.1'), port: snmpd.port }, { pinger }).poll(Date.now());
    expect(r.reachable).toBe(true);
    expect(pinged).toEqual(['127.0.0.1']);
  });
});
