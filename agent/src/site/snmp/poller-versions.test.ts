import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toChecksAndMetrics } from './checks.js';
import type { SnmpTargetConfig, SnmpV3Credentials } from './config.js';
import { SnmpPoller } from './poller.js';
import { freeUdpPort, SNMPD_COMMUNITY, SNMPD_V3, type Snmpd, startSnmpd } from './snmpd-fixture.js';

// SNMP v1, v2c and v3 (SHA/AES authPriv) against Debian's snmpd on loopback, and the ways a target
// can fail to answer: each must end as a clean `reachable: false`, with no secret in sight.

let snmpd: Snmpd;
beforeAll(async () => {
  snmpd = await startSnmpd();
});
afterAll(async () => {
  await snmpd?.stop();
});

type AuthPriv = Extract<SnmpV3Credentials, { level: 'authPriv' }>;
const v3 = (): AuthPriv => ({
  user: SNMPD_V3.user,
  level: 'authPriv',
  authProtocol: 'sha',
  authKey: SNMPD_V3.authKey,
  privProtocol: 'aes',
  privKey: SNMPD_V3.privKey,
});
const target = (over: Partial<SnmpTargetConfig>): SnmpTargetConfig =>
  ({ address: '127.0.0.1', port: snmpd.port, version: '2c', community: SNMPD_COMMUNITY, timeoutMs: 400, retries: 0, ping: false, ...over }) as SnmpTargetConfig;
const v3Target = (creds: Partial<AuthPriv> = {}): SnmpTargetConfig => ({
  address: '127.0.0.1',
  port: snmpd.port,
  version: '3',
  v3: { ...v3(), ...creds },
  timeoutMs: 400,
  retries: 0,
  ping: false,
});
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));

describe('each SNMP version reads the device', () => {
  it.each([
    ['v1', () => target({ version: '1' }), 32],
    ['v2c', () => target({ version: '2c' }), 64],
    ['v3 authPriv (SHA, AES)', () => v3Target(), 64],
  ] as const)('%s', async (_case, make, counterBits) => {
    const r = await new SnmpPoller(make()).poll(Date.now());
    expect(r).toMatchObject({ reachable: true, error: null, kind: 'network', target: `127.0.0.1:${snmpd.port}` });
    expect(r.identity).toMatchObject({ sysName: hostname(), sysObjectID: expect.stringMatching(/^1\.3\.6\.1\.4\.1\.8072\.3\.2\./) });
    const lo = r.interfaces.find((i) => i.type === 24);
    // SNMPv1 cannot carry Counter64: the poller falls back to the 32-bit counters.
    expect(lo).toMatchObject({ name: 'lo', counterBits });
    expect(toChecksAndMetrics(r).checks[0]).toMatchObject({ check: 'snmp-reachable', status: 'ok', code: 'SNMP_OK' });
  });
});

describe('a target that does not answer is a result, not a crash nor a hang', () => {
  it.each([
    ['wrong community (v2c): snmpd stays silent', () => target({ community: 'not-the-community' }), 'timeout', 'SNMP_TIMEOUT'],
    ['wrong community (v1)', () => target({ version: '1', community: 'not-the-community' }), 'timeout', 'SNMP_TIMEOUT'],
    ['wrong v3 auth key: the device reports a wrong digest', () => v3Target({ authKey: 'wrong-auth-key-1' }), 'auth', 'SNMP_AUTH_FAILED'],
    ['unknown v3 user', () => v3Target({ user: 'intruder' }), 'auth', 'SNMP_AUTH_FAILED'],
    ['wrong v3 privacy key: snmpd cannot decrypt and drops it', () => v3Target({ privKey: 'wrong-priv-key-1' }), 'timeout', 'SNMP_TIMEOUT'],
    ['DES privacy, which Node 17+ OpenSSL no longer has', () => v3Target({ privProtocol: 'des' }), 'unsupported', 'SNMP_ERROR'],
  ] as const)('%s', async (_case, make, kind, code) => {
    const config = make();
    // A hang would fail the test on its timeout; how long the poll takes is the agent-timings benchmark's.
    const r = await new SnmpPoller(config).poll(Date.now());
    expect(r).toMatchObject({ reachable: false, error: { kind }, identity: null, interfaces: [] });
    const out = toChecksAndMetrics(r);
    expect(out.checks).toMatchObject([{ check: 'snmp-reachable', status: 'critical', code }]);
    expect(out.metrics.snmp_up).toBe(0);
    // Neither the result nor the checks repeat a community or a key.
    const secrets = [SNMPD_COMMUNITY, 'not-the-community', SNMPD_V3.authKey, SNMPD_V3.privKey, 'wrong-auth-key-1', 'wrong-priv-key-1'];
    for (const s of secrets) expect(json(r) + json(out)).not.toContain(s);
  });

  it('no agent on the port: SNMP unreachable, ping (reported apart) still answers', async () => {
    const port = await freeUdpPort();
    const r = await new SnmpPoller(target({ port, ping: true })).poll(Date.now());
    expect(r).toMatchObject({ reachable: false, error: { kind: 'timeout' }, ping: { alive: true } });
    expect(toChecksAndMetrics(r).checks[0]?.message).toContain('il répond au ping');
  });

  it('a host that answers neither SNMP nor ping (TEST-NET-3)', async () => {
    const r = await new SnmpPoller(target({ address: '203.0.113.7', port: 161, ping: true })).poll(Date.now());
    expect(r).toMatchObject({ reachable: false, error: { kind: 'timeout' }, ping: { alive: false } });
    expect(toChecksAndMetrics(r).checks[0]?.message).toContain('ne répond pas non plus au ping');
  });

  it('the poller object does not show its secrets when logged', async () => {
    const { inspect } = await import('node:util');
    const poller = new SnmpPoller(v3Target());
    const shown = inspect(poller, { depth: 5 }) + JSON.stringify(poller) + String(poller.target);
    expect(shown).not.toContain(SNMPD_V3.authKey);
    expect(shown).not.toContain(SNMPD_V3.privKey);
  });
});
