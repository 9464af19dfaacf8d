import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '@vigie/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffSession, world } from './support/context.js';
import { ok, type Session } from './support/http.js';
import { MetadataTrap, RebindingDns } from './support/outbound-trap.js';
import { Tally } from './support/tally.js';

// SSRF through the agent's probes: a real agent gets a policy naming cloud metadata services in
// every spelling (decimal, hex, octal, IPv4-mapped and NAT64 IPv6, trailing dot, DNS names, a name
// that rebinds, HTTP redirects) for every outbound probe kind — ping, HTTP, TCP, DNS resolver, SNMP.
// The trap stands on those addresses in the namespace: nothing may reach it. Then the controls: the
// same probes with the policy's opt-in do reach it (so the trap would have seen an attack).
const w = world();
const tally = new Tally('ssrf');
const trap = new MetadataTrap();
const dns = new RebindingDns('rebind.vigie-sec.test', '127.0.0.1', '169.254.169.254');
let admin: Session;
let redirector: Server;
let redirectPort: number;

/** Every spelling of a metadata address a resolver, ping or a URL parser reads as one. */
const HOSTS = [
  '169.254.169.254',
  '2852039166',
  '0xa9fea9fe',
  '0xA9.0xFE.0xA9.0xFE',
  '0251.0376.0251.0376',
  '0251.254.169.254',
  '169.254.43518',
  '169.254.169.254.',
  '100.100.100.200',
  '1684301000',
  '0x646464c8',
  '168.63.129.16',
  '2822734096',
  '::ffff:169.254.169.254',
  '::ffff:a9fe:a9fe',
  '0:0:0:0:0:ffff:a9fe:a9fe',
  '64:ff9b::a9fe:a9fe',
  '::a9fe:a9fe',
  '::ffff:100.100.100.200',
  'fd00:ec2::254',
  'fd00:ec2:0:0:0:0:0:254',
  'fd20:ce::254',
  'metadata.vigie-sec.test',
  'wireserver.vigie-sec.test',
  'metadata6.vigie-sec.test',
];
const urlHost = (h: string) => (h.includes(':') ? `[${h}]` : h);
const REDIRECTS = ['http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/latest/', 'http://2852039166/', 'http://metadata.vigie-sec.test/'];

async function checksOf(deviceId: number, since: number): Promise<Map<string, { code: string; values: any }>> {
  const body = ok(await admin.get(`/api/v1/devices/${deviceId}/checks?history=0`), 'checks');
  return new Map(
    (body.current as { target: string; code: string; values: any; observed_at?: number; observedAt?: number }[])
      .filter((c) => (c.observed_at ?? c.observedAt ?? 0) >= since)
      .map((c) => [c.target, { code: c.code, values: c.values }]),
  );
}

async function putDevicePolicy(probes: Record<string, unknown>): Promise<number> {
  const since = Date.now();
  ok(await admin.put(`/api/v1/policies/device/${w.acme.device}`, { probes }), 'policy');
  return since;
}

beforeAll(async () => {
  admin = staffSession('admin');
  await trap.start();
  await dns.start();
  redirector = createServer((req, res) => {
    const to = REDIRECTS[Number(req.url?.slice(1))] ?? '/';
    res.writeHead(req.url === '/4' ? 307 : 302, { location: to }).end();
  });
  await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
  redirectPort = (redirector.address() as AddressInfo).port;
});
afterAll(async () => {
  await putDevicePolicy({});
  tally.flush();
  dns.stop();
  await trap.stop();
  await new Promise((r) => redirector.close(r));
});

describe('SSRF through every outbound probe', () => {
  it('the network probe (ping, HTTP, TCP, DNS resolver) reaches no metadata address, whatever the spelling', async () => {
    const http = [
      ...HOSTS.map((h) => ({ url: `http://${urlHost(h)}/latest/meta-data/` })),
      { url: 'http://rebind.vigie-sec.test/latest/meta-data/' },
      ...REDIRECTS.map((_, i) => ({ url: `http://intranet.vigie-sec.test:${redirectPort}/${i}` })),
    ];
    const network = {
      intervalSec: 10,
      timeoutSec: 25,
      pingGateway: false,
      interfaces: false,
      pingCount: 1,
      pingHosts: [...HOSTS, 'rebind.vigie-sec.test'],
      http: http.slice(0, 32),
      tcp: [...HOSTS, 'rebind.vigie-sec.test'].map((host) => ({ host, port: 80 })),
      dns: HOSTS.slice(0, 16).map((resolver) => ({ name: 'vigie-sec.test', resolver })),
    };
    expect(http.length).toBeLessThanOrEqual(32);
    const since = await putDevicePolicy({ network });
    const expected = [
      ...network.pingHosts.map((h) => `ping ${h}`),
      ...network.http.map((t) => `http ${t.url}`),
      ...network.tcp.map((t) => `tcp ${t.host}:80`),
      ...network.dns.map((d) => `dns ${d.name} @${d.resolver}`),
    ];
    const results = await waitFor(
      'every network check reported',
      async () => {
        const r = await checksOf(w.acme.device, since);
        return expected.every((t) => r.has(t)) && r;
      },
      90_000,
      500,
    );
    for (const target of expected) {
      const r = results.get(target)!;
      const refusedCode = r.code === 'TARGET_REFUSED' || r.code === 'HTTP_TARGET_REFUSED';
      // A redirect is answered, not followed; the rebinding name is checked once and connected to
      // as checked (127.0.0.1); the trap shows either way whether anything got through.
      const answeredSafely = /redirect|intranet|rebind/.test(target) && !trap.hits.some((h) => h.startsWith('http') || h.startsWith('tcp'));
      tally.add(refusedCode || answeredSafely, `${target} → ${r.code} ${JSON.stringify(r.values)}`);
    }
    const packets = trap.packets();
    tally.add(trap.hits.length === 0, `the trap was reached: ${trap.hits.join('; ')}`);
    tally.add(
      Object.values(packets).every((n) => n === 0),
      `packets sent to metadata addresses: ${JSON.stringify(packets)}`,
    );
    expect(tally.takeLetThrough()).toEqual([]);
    expect(dns.queries).toBeGreaterThan(0);
  }, 120_000);

  it('the SNMP poller (and its ping) reaches no metadata address, whatever the spelling', async () => {
    const since = await putDevicePolicy({
      snmp: { intervalSec: 10, targets: HOSTS.map((address) => ({ address, version: '2c', community: 'public', timeoutMs: 300, retries: 0, ping: true })) },
    });
    const keyOf = (a: string) => (a.includes(':') ? `snmp:[${a}]` : `snmp:${a}`);
    const db = new Database(join(w.dataDir, 'vigie.db'), { readonly: true });
    try {
      const rows = await waitFor(
        'every SNMP target reported',
        async () => {
          const r = db
            .prepare(
              `SELECT d.external_key AS key, c.code FROM check_state c JOIN devices d ON d.id = c.device_id
               WHERE d.site_id = ? AND d.external_key LIKE 'snmp:%' AND c.observed_at >= ?`,
            )
            .all(w.acme.site, since) as { key: string; code: string }[];
          return HOSTS.every((h) => r.some((x) => x.key === keyOf(h))) && r;
        },
        90_000,
        500,
      );
      for (const h of HOSTS) {
        const code = rows.find((r) => r.key === keyOf(h))?.code;
        tally.add(code === 'SNMP_TARGET_REFUSED', `snmp ${h} → ${code}`);
      }
    } finally {
      db.close();
    }
    const packets = trap.packets();
    tally.add(trap.hits.length === 0, `the trap was reached: ${trap.hits.join('; ')}`);
    tally.add(
      Object.values(packets).every((n) => n === 0),
      `packets sent to metadata addresses: ${JSON.stringify(packets)}`,
    );
    expect(tally.takeLetThrough()).toEqual([]);
  }, 120_000);

  it('controls: with the policy’s opt-in, the same probes do reach the trap (so it would have seen an attack)', async () => {
    const since = await putDevicePolicy({
      network: {
        intervalSec: 10,
        pingGateway: false,
        interfaces: false,
        pingCount: 1,
        allowLinkLocal: true,
        tcp: [{ host: '169.254.169.254', port: 80 }],
        http: [{ url: 'http://fd00:ec2::254/x'.replace('fd00:ec2::254', '[fd00:ec2::254]') }],
        pingHosts: ['2852039166'],
      },
      snmp: {
        intervalSec: 10,
        allowLinkLocal: true,
        targets: [{ address: '0xa9fea9fe', version: '2c', community: 'public', timeoutMs: 300, retries: 0, ping: false }],
      },
    });
    await waitFor(
      'the opted-in checks reported',
      async () => {
        const r = await checksOf(w.acme.device, since);
        return r.get('tcp 169.254.169.254:80')?.code === 'TCP_OPEN' && r.has('ping 2852039166') && r.has('http http://[fd00:ec2::254]/x');
      },
      90_000,
      500,
    );
    await waitFor('the SNMP datagram reached the trap', async () => trap.hits.some((h) => h.startsWith('udp 169.254.169.254:161')), 60_000, 250);
    expect(trap.hits.some((h) => h.startsWith('tcp 169.254.169.254:80'))).toBe(true);
    expect(trap.hits.some((h) => h.startsWith('http fd00:ec2::254'))).toBe(true);
    expect(trap.packets()['169.254.0.0/16']).toBeGreaterThan(0);
    expect(trap.packets()['fd00:ec2::254']).toBeGreaterThan(0);
  }, 150_000);
});
