import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanRefusedError, scanAddresses } from './cidr.js';
import { scanSubnet } from './scan.js';
import { SNMPD_COMMUNITY, type Snmpd, startSnmpd } from './snmpd-fixture.js';

describe('scanAddresses: which ranges a scan may cover', () => {
  it.each([
    ['127.0.0.0/30', ['127.0.0.1', '127.0.0.2']],
    ['127.0.0.1/30 (host bits set: the network is meant)', ['127.0.0.1', '127.0.0.2']],
    ['192.168.1.8/31', ['192.168.1.8', '192.168.1.9']],
    ['10.20.30.40/32', ['10.20.30.40']],
    ['::1/128', ['::1']],
    ['fd12:3456:789a::/126', ['fd12:3456:789a::', 'fd12:3456:789a::1', 'fd12:3456:789a::2', 'fd12:3456:789a::3']],
  ])('%s', (cidr, expected) => {
    expect(scanAddresses(cidr.split(' ')[0]!)).toEqual(expected);
  });

  it('covers a /22 (1024 addresses, less network and broadcast)', () => {
    const all = scanAddresses('172.16.4.0/22');
    expect(all).toHaveLength(1022);
    expect([all[0], all.at(-1)]).toEqual(['172.16.4.1', '172.16.7.254']);
    expect(scanAddresses('fd00::/118')).toHaveLength(1024);
  });

  it.each([
    ['192.168.0.0/16', 'too-large'],
    ['10.0.0.0/21', 'too-large'],
    ['fd00::/64', 'too-large'],
    ['8.8.8.0/24', 'public'],
    ['172.32.0.0/24', 'public'],
    ['169.254.1.0/24', 'public'],
    ['2001:db8::/120', 'public'],
    ['fe80::/120', 'public'],
    ['10.0.0.0', 'invalid'],
    ['10.0.0.0/33', 'invalid'],
    ['300.1.1.0/24', 'invalid'],
    ['-c 5/24', 'invalid'],
  ])('refuses %s (%s)', (cidr, reason) => {
    expect(() => scanAddresses(cidr)).toThrow(ScanRefusedError);
    try {
      scanAddresses(cidr);
    } catch (err) {
      expect((err as ScanRefusedError).reason).toBe(reason);
    }
  });

  it('scans a public range only when explicitly allowed, and never more than 1024 addresses', () => {
    expect(scanAddresses('198.51.100.0/24', { allowPublic: true })).toHaveLength(254);
    expect(() => scanAddresses('198.51.0.0/16', { allowPublic: true })).toThrow(/at most 1024/);
  });
});

describe('scanSubnet against a real snmpd', () => {
  let snmpd: Snmpd;
  beforeAll(async () => {
    snmpd = await startSnmpd();
  });
  afterAll(async () => {
    await snmpd?.stop();
  });

  it('finds the one address of 127.0.0.0/30 where snmpd answers', async () => {
    const found = await scanSubnet('127.0.0.0/30', { community: SNMPD_COMMUNITY, port: snmpd.port, timeoutMs: 500 });
    expect(found).toEqual([
      {
        address: '127.0.0.1',
        sysObjectID: expect.stringMatching(/^1\.3\.6\.1\.4\.1\.8072\./),
        sysName: expect.any(String),
        sysDescr: expect.stringContaining('Linux'),
      },
    ]);
    // 127.0.0.2 stays silent: its timeout ends the scan (timed by the agent-timings benchmark).
  });

  it('finds nothing with the wrong community', async () => {
    expect(await scanSubnet('127.0.0.0/30', { community: 'not-the-community', port: snmpd.port, timeoutMs: 300 })).toEqual([]);
  });

  it('refuses a /16 and a public range before sending anything', async () => {
    await expect(scanSubnet('10.0.0.0/16', { port: snmpd.port })).rejects.toMatchObject({ reason: 'too-large' });
    await expect(scanSubnet('203.0.113.0/24', { port: snmpd.port })).rejects.toMatchObject({ reason: 'public' });
  });
});
