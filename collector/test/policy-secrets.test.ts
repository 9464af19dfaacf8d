import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../src/api/log-options.js';
import { enrollAgent, type Harness, login, startHarness } from './harness.js';

// Issue 13, point 8: a client's GET /devices/:id/policy returned `rest:https://acme:S3cret…@…` and
// `http://monitor:S3cret…@…`. Passwords inside URLs are masked for client users like SNMP
// communities, and never written to the collector's log.
let h: Harness;
let deviceId: number;
beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0, invoicing: false });
  deviceId = (await enrollAgent(h, h.acme.siteId)).deviceId;
});
afterAll(async () => h.close());

describe('passwords inside URLs in a policy', () => {
  it('are masked for the client user, kept for staff (who edit them)', async () => {
    const admin = await login(h.url, 'admin@vigie.test');
    const put = await admin.put(`/api/v1/policies/client/${h.acme.clientId}`, {
      probes: {
        network: { http: [{ url: 'http://monitor:S3cret-http@intranet.acme.fr/status' }] },
        backup: { targets: [{ kind: 'restic', repository: 'rest:https://acme:S3cret-rest@backup.acme.fr:8000/srv', passwordFile: '/etc/restic/pw' }] },
        snmp: { targets: [{ address: '192.168.10.1', version: '2c', community: 'S3cret-community' }] },
      },
    });
    expect(put.status).toBe(200);
    const client = await login(h.url, 'dsi@acme.test');
    const seen = await client.get(`/api/v1/devices/${deviceId}/policy`);
    expect(seen.status).toBe(200);
    const text = JSON.stringify(seen.body);
    expect(text).not.toContain('S3cret');
    expect(seen.body.policy.probes.network.http[0].url).toBe('http://monitor:••••@intranet.acme.fr/status');
    expect(seen.body.policy.probes.backup.targets[0].repository).toBe('rest:https://acme:••••@backup.acme.fr:8000/srv');
    const staff = await (await login(h.url, 'tech@vigie.test')).get(`/api/v1/devices/${deviceId}/policy`);
    expect(staff.body.policy.probes.network.http[0].url).toBe('http://monitor:S3cret-http@intranet.acme.fr/status');
  });

  it('never reach the collector’s log, in a message, a logged object or an error', () => {
    const lines: string[] = [];
    const log = pino(
      loggerOptions('info'),
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    log.info({ webhook: 'https://hooks:S3cret-hook@hooks.acme.fr/x' }, 'webhook https://hooks:S3cret-hook@hooks.acme.fr/x failed');
    log.error({ err: new Error('connect smtp://relay:S3cret-smtp@mail.acme.fr:587 refused') }, 'mail not sent');
    log.error({ err: 'database is locked at sqlite://u:S3cret-db@db.acme.fr' }, 'commit failed');
    const text = lines.join('');
    expect(lines).toHaveLength(3);
    // An error logged as its message stays a string (it was spread into one key per character).
    expect(JSON.parse(lines[2]!).err).toBe('database is locked at sqlite://u:••••@db.acme.fr');
    expect(text).not.toContain('S3cret');
    expect(text).toContain('https://hooks:••••@hooks.acme.fr/x');
    expect(text).toContain('smtp://relay:••••@mail.acme.fr:587');
  });
});
