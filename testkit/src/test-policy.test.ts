import { describe, expect, it } from 'vitest';
import { assertLoopbackOnly, beyondLoopback, LOOPBACK_ONLY_POLICY } from './test-policy.js';

describe('a test agent’s policy', () => {
  it('the loopback-only policy, and what the tests push to real agents, pass', () => {
    expect(beyondLoopback(LOOPBACK_ONLY_POLICY)).toEqual([]);
    expect(
      beyondLoopback({
        probes: {
          network: { pingGateway: false, pingHosts: ['127.0.0.2', '::1'], http: [{ url: 'https://localhost:8443/' }], tcp: [{ host: '127.0.0.1', port: 1 }] },
          snmp: { targets: [{ address: '127.0.0.1', port: 1161 }], scan: { cidr: '127.0.0.0/30' } },
          flows: { enabled: true, port: 2055, bind: '127.0.0.1', exporters: ['127.0.0.1'], siteSubnets: ['192.168.10.0/24'] },
          backup: { targets: [{ kind: 'restic', repository: '/tmp/restic-repo' }] },
        },
      }),
    ).toEqual([]);
    // No network settings at this level: inherited from the client's loopback-only ones.
    expect(beyondLoopback({ metricsIntervalSec: 5 })).toEqual([]);
  });

  it.each([
    ['the gateway ping left to its default', { probes: { network: { pingHosts: ['127.0.0.1'] } } }, 'network.pingGateway'],
    ['a TEST-NET host', { probes: { network: { pingGateway: false, pingHosts: ['203.0.113.1'] } } }, 'network.pingHosts: 203.0.113.1'],
    ['a LAN host', { probes: { network: { pingGateway: false, pingHosts: ['192.168.10.1'] } } }, 'network.pingHosts: 192.168.10.1'],
    ['an Internet target', { probes: { network: { pingGateway: false, internetHost: '1.1.1.1' } } }, 'network.internetHost: 1.1.1.1'],
    ['a web site', { probes: { network: { pingGateway: false, http: [{ url: 'https://intranet.acme.test/' }] } } }, 'network.http: intranet.acme.test'],
    ['the system resolver', { probes: { network: { pingGateway: false, dns: [{ name: 'acme.test' }] } } }, 'network.dns resolver: undefined'],
    ['an SNMP device on the LAN', { probes: { snmp: { targets: [{ address: '192.168.10.20' }] } } }, 'snmp.targets: 192.168.10.20'],
    ['a subnet scan', { probes: { snmp: { targets: [], scan: { cidr: '10.0.0.0/24' } } } }, 'snmp.scan.cidr: 10.0.0.0/24'],
    ['a flow receiver on every address', { probes: { flows: { enabled: true, exporters: ['127.0.0.1'] } } }, 'flows.bind: undefined'],
    [
      'a remote restic repository',
      { probes: { backup: { targets: [{ kind: 'restic', repository: 'sftp:nas.acme.local:/restic' }] } } },
      'backup.targets repository',
    ],
  ])('refuses %s', (_what, policy, found) => {
    expect(beyondLoopback(policy).join('; ')).toContain(found);
    expect(() => assertLoopbackOnly(policy)).toThrow(/must target loopback only; refused/);
  });
});
