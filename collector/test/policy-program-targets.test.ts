import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { backupProbeSpec, resolveProbeConfig } from '@vigie/shared';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, createCollector } from '../src/app.js';
import { defaultConfig } from '../src/config.js';
import { DEFAULT_REPORT_SETTINGS } from '../src/reports/settings.js';
import { enrollAgent, type Harness, login, startHarness } from './harness.js';

// Issue 16 replaced the backup target that named a program (`{kind: 'command', command, args}`)
// by an approved script named by its hash. Policies stored before still held the former shape: the
// agent refused their backup part as a whole (every backup target unchecked). Migration 011 takes
// those targets out, keeps the others, and tells staff in the audit log and on the policy.

const OLD_TARGET = { kind: 'command', name: 'veeam', command: '/usr/bin/veeamconfig', args: ['--job', 'nightly', '--password', 'S3cret-Veeam'] };
const BORG = { kind: 'borg', repository: 'ssh://borg@nas.acme.fr/./srv' };
const FOLDER = { kind: 'folder', path: '/srv/dumps', pattern: '*.sql.gz' };

let h: Harness;
let collector: Collector;
let url: string;
let deviceId: number;

beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0, invoicing: false });
  deviceId = (await enrollAgent(h, h.acme.siteId)).deviceId;
  await h.collector.close();
  // The store as a collector from before migration 011 left it: policies in the former shape.
  const store = new Database(join(h.dir, 'vigie.db'));
  const put = store.prepare('INSERT INTO policies (scope, scope_id, body, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, NULL)');
  put.run(
    'client',
    h.acme.clientId,
    JSON.stringify({ probes: { backup: { targets: [BORG, OLD_TARGET, FOLDER] }, network: { pingHosts: ['127.0.0.1'] } } }),
    3,
    1,
  );
  put.run('site', h.acme.siteId, JSON.stringify({ probes: { backup: { targets: [FOLDER] } } }), 2, 1);
  put.run('client', h.globex.clientId, JSON.stringify({ probes: { backup: { targets: [OLD_TARGET, { ...OLD_TARGET, name: 'acronis' }] } } }), 1, 1);
  store.prepare("DELETE FROM kysely_migration WHERE name = '011-policy-program-targets'").run();
  store.close();
  collector = await createCollector(
    defaultConfig({
      dataDir: h.dir,
      port: 0,
      logLevel: 'silent',
      rulesIntervalMs: 0,
      invoicing: false,
      reports: { ...DEFAULT_REPORT_SETTINGS, schedule: null },
    }),
  );
  url = await collector.listen();
});
afterAll(async () => {
  await collector?.close();
  rmSync(h.dir, { recursive: true, force: true });
});

describe('migration 011: backup targets that named a program', () => {
  it('are taken out of stored policies; the other targets and settings stay; the policy gets a new version', async () => {
    const tech = await login(url, 'tech@vigie.test');
    const acme = (await tech.get(`/api/v1/policies/client/${h.acme.clientId}`)).body;
    expect(acme.overrides).toEqual({ probes: { backup: { targets: [BORG, FOLDER] }, network: { pingHosts: ['127.0.0.1'] } } });
    expect(acme.version).toBe(4);
    const globex = (await tech.get(`/api/v1/policies/client/${h.globex.clientId}`)).body;
    expect(globex.overrides).toEqual({ probes: { backup: { targets: [] } } });
    // A policy without such a target is left as it was.
    const site = (await tech.get(`/api/v1/policies/site/${h.acme.siteId}`)).body;
    expect(site).toMatchObject({ version: 2, notices: [] });
    // What the agent receives now passes its backup check's validation (before, the whole probe was refused).
    const effective = (await tech.get(`/api/v1/devices/${deviceId}/policy`)).body.policy;
    expect(resolveProbeConfig(backupProbeSpec, effective.probes.backup)).toMatchObject({ ok: true });
    expect(resolveProbeConfig(backupProbeSpec, { targets: [OLD_TARGET] }).ok).toBe(false);
  });

  it('leaves a notice on the policy, in French and English, saying what went and how to bring it back (never the arguments)', async () => {
    const tech = await login(url, 'tech@vigie.test');
    const [notice, ...more] = (await tech.get(`/api/v1/policies/client/${h.acme.clientId}`)).body.notices;
    expect(more).toEqual([]);
    expect(notice.fr).toBe(
      'Cible de sauvegarde retirée\u00a0: «\u00a0veeam\u00a0» (/usr/bin/veeamconfig). Elle exécutait un programme nommé par la politique, ce que Vigie ne permet plus (une politique ne fait exécuter que des scripts approuvés). Les autres cibles sont conservées. Pour rétablir ce contrôle, ajoutez le script à la bibliothèque, faites-le approuver par un administrateur, puis désignez-le dans une cible «\u00a0command\u00a0» par son empreinte SHA-256.',
    );
    expect(notice.en).toMatch(/^Backup target removed: “veeam” \(\/usr\/bin\/veeamconfig\)\. It ran a program named by the policy/);
    const globex = (await tech.get(`/api/v1/policies/client/${h.globex.clientId}`)).body.notices[0];
    expect(globex.fr).toMatch(/^Cibles de sauvegarde retirées\u00a0: «\u00a0veeam\u00a0» \(\/usr\/bin\/veeamconfig\), «\u00a0acronis\u00a0»/);
    expect(JSON.stringify([notice, globex])).not.toContain('S3cret');
  });

  it('records each removal in the hash-chained audit log, for the policy’s client, and the chain still verifies', async () => {
    const admin = await login(url, 'admin@vigie.test');
    const entries = (await admin.get('/api/v1/audit?action=policy.backup-program-target-removed')).body.entries;
    expect(entries.map((e: any) => [e.actor, e.target, e.client_id, e.result])).toEqual([
      ['system:migration', `client:${h.globex.clientId}`, h.globex.clientId, 'ok'],
      ['system:migration', `client:${h.acme.clientId}`, h.acme.clientId, 'ok'],
    ]);
    expect(entries[1].details.removed).toEqual([{ name: 'veeam', program: '/usr/bin/veeamconfig', arguments: 4 }]);
    expect(JSON.stringify(entries)).not.toContain('S3cret');
    expect((await admin.get('/api/v1/audit/verify')).body).toMatchObject({ ok: true, problems: [] });
  });

  it('changes nothing when it runs again', async () => {
    await collector.close();
    const store = new Database(join(h.dir, 'vigie.db'));
    store.prepare("DELETE FROM kysely_migration WHERE name = '011-policy-program-targets'").run();
    store.close();
    collector = await createCollector(
      defaultConfig({
        dataDir: h.dir,
        port: 0,
        logLevel: 'silent',
        rulesIntervalMs: 0,
        invoicing: false,
        reports: { ...DEFAULT_REPORT_SETTINGS, schedule: null },
      }),
    );
    url = await collector.listen();
    const tech = await login(url, 'tech@vigie.test');
    const acme = (await tech.get(`/api/v1/policies/client/${h.acme.clientId}`)).body;
    expect(acme.version).toBe(4);
    expect(acme.notices).toHaveLength(1);
  });
});
