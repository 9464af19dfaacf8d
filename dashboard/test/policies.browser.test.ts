import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, screenshot, signIn, type TestBrowser } from './browser.js';
import { apiSession, PASSWORD, type Seeded, startSeededCollector } from './seed.js';

// Issue 7, policies and rules: the policy editor per client, site and device drawn from the probes'
// schemas (what it saves is read back from the API), its raw JSON fallback with the collector's
// validation error, rules created and edited, a maintenance window in Paris time, a user disabled.
let s: Seeded;
let tb: TestBrowser;
let tech: Page;
let api: Awaited<ReturnType<typeof apiSession>>;

const text = async (page: Page, sel: string) => (await page.locator(sel).first().textContent()) ?? '';
const probe = (page: Page, id: string) => page.locator(`[data-probe="${id}"]`);
const field = (scope: Locator, name: string) => scope.locator(`[data-field="${name}"]`).first();
async function open(p: Locator): Promise<void> {
  if (!(await p.evaluate((d) => (d as HTMLDetailsElement).open))) await p.locator('summary').first().click();
}

beforeAll(async () => {
  const t0 = Date.now();
  s = await startSeededCollector(0);
  tb = await launch();
  tech = (await tb.page()).page;
  await signIn(tech, s.url, 'tech@vigie.test', PASSWORD);
  api = await apiSession(s.url, 'tech@vigie.test');
  console.log(`[policies] collector and Chromium started in ${Date.now() - t0} ms`);
});

afterAll(async () => {
  await tb?.close();
  await s?.close();
});

describe('policy editor', () => {
  it('sets a client’s network targets, backup target, required services, antivirus and security from structured forms', async () => {
    // The addresses typed here (a LAN, an Internet target) are what a provider types; no agent is
    // connected to this collector, so none is ever sent them (real agents: real-agent.ts, loopback only).
    expect(s.collector.channel.stats.connections).toBe(0);
    await tech.goto(`${s.url}/#/policies?clientId=${s.acme.clientId}`);
    await expect.poll(() => text(tech, 'h1')).toBe('Politiques de collecte');
    await expect.poll(() => text(tech, '[data-testid=policy-version]')).toBe('Rien n’est encore réglé à ce niveau\u00a0: tout est hérité.');

    const general = tech.locator('main section').first();
    await general.getByLabel('Intervalle des mesures (s)').fill('30');

    const network = probe(tech, 'network');
    await open(network);
    // The defaults show as placeholders: nothing is set until typed.
    expect(await network.getByLabel('Pings par contrôle').getAttribute('placeholder')).toBe('4');
    await network.getByLabel('Hôtes à pinger (un par ligne)').fill('192.168.10.1\n192.168.10.254');
    await network.getByLabel('Cible Internet').fill('1.1.1.1');
    const http = field(network, 'http');
    await http.getByRole('button', { name: 'Ajouter' }).click();
    await http.locator('[data-item="0"]').getByLabel('URL').fill('https://intranet.acme.test/sante');
    await http.locator('[data-item="0"]').getByLabel('Code HTTP attendu').fill('200');
    const tcp = field(network, 'tcp');
    await tcp.getByRole('button', { name: 'Ajouter' }).click();
    await tcp.locator('[data-item="0"]').getByLabel('Hôte').fill('srv-erp.acme.local');
    await tcp.locator('[data-item="0"]').getByLabel('Port').fill('1433');

    const backup = probe(tech, 'backup');
    await open(backup);
    await field(backup, 'targets').getByRole('button', { name: 'Ajouter' }).click();
    const target = field(backup, 'targets').locator('[data-item="0"]');
    expect(await target.getByLabel('Type').inputValue()).toBe('restic');
    await target.getByLabel('Dépôt').fill('sftp:nas.acme.local:/restic');
    await target.getByLabel('Fichier du mot de passe (sur l’agent)').fill('/etc/vigie/restic.pass');
    await backup.locator(':scope > .fields > [data-field="criticalAgeHours"] input').fill('48');

    const services = probe(tech, 'services');
    await open(services);
    await services.getByLabel('Services requis (un par ligne)').fill('Spooler\nMSSQLSERVER');

    const antivirus = probe(tech, 'antivirus');
    await open(antivirus);
    await antivirus.getByLabel('Signatures\u00a0: avertissement (h)').fill('24');
    await antivirus.getByLabel('Protection en temps réel exigée').selectOption('true');

    const security = probe(tech, 'security');
    await open(security);
    await security.getByLabel('Chiffrement du disque exigé').selectOption('false');
    await security.getByLabel('Administrateurs attendus (un par ligne)').fill('ACME\\admin-it');

    await tech.getByTestId('policy-save').click();
    await expect.poll(() => text(tech, '[data-testid=policy-saved]')).toMatch(/^Politique enregistrée \(version 1, \d+ équipements\)\.$/);
    const saved = await api.get(`/api/v1/policies/client/${s.acme.clientId}`);
    expect(saved.overrides).toEqual({
      metricsIntervalSec: 30,
      probes: {
        network: {
          pingHosts: ['192.168.10.1', '192.168.10.254'],
          internetHost: '1.1.1.1',
          http: [{ url: 'https://intranet.acme.test/sante', expectStatus: 200 }],
          tcp: [{ host: 'srv-erp.acme.local', port: 1433 }],
        },
        backup: { targets: [{ kind: 'restic', repository: 'sftp:nas.acme.local:/restic', passwordFile: '/etc/vigie/restic.pass' }], criticalAgeHours: 48 },
        services: { required: ['Spooler', 'MSSQLSERVER'] },
        antivirus: { signatureWarningHours: 24, requireRealTime: true },
        security: { requireDiskEncryption: false, expectedAdmins: ['ACME\\admin-it'] },
      },
    });
    await tech.evaluate(() => window.scrollTo(0, 0));
    await screenshot(tech, 'policies');

    // Read back: the form shows what is stored.
    await tech.reload();
    await expect.poll(() => probe(tech, 'network').getByLabel('Cible Internet').inputValue()).toBe('1.1.1.1');
    expect(await probe(tech, 'network').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    expect(await probe(tech, 'flows').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await probe(tech, 'services').getByLabel('Services requis (un par ligne)').inputValue()).toBe('Spooler\nMSSQLSERVER');
    expect(await text(tech, '[data-testid=policy-version]')).toMatch(/^Version 1, enregistrée le /);
  });

  it('sets a site’s SNMP targets (v2c and v3 authPriv) and its flow receiver', async () => {
    const scope = tech.getByTestId('policy-scope');
    await scope.getByLabel('Niveau', { exact: true }).selectOption('site');
    await expect.poll(() => scope.getByLabel('Site', { exact: true }).inputValue()).toBe(String(s.acme.siteId));
    await expect.poll(() => text(tech, '[data-testid=policy-version]')).toBe('Rien n’est encore réglé à ce niveau\u00a0: tout est hérité.');
    // What the client sets is what the site inherits.
    await open(probe(tech, 'network'));
    expect(await probe(tech, 'network').getByLabel('Cible Internet').getAttribute('placeholder')).toBe('1.1.1.1');

    const snmp = probe(tech, 'snmp');
    await open(snmp);
    expect(await snmp.textContent()).toContain('Rôle de site');
    const targets = field(snmp, 'targets');
    await targets.getByRole('button', { name: 'Ajouter' }).click();
    const printer = targets.locator('[data-item="0"]');
    await printer.getByLabel('Version SNMP').selectOption('2c');
    await printer.getByLabel('Adresse').fill('192.168.10.20');
    await printer.getByLabel('Communauté').fill('lecture-acme');
    await targets.getByRole('button', { name: 'Ajouter' }).click();
    const ups = targets.locator('[data-item="1"]');
    await ups.getByLabel('Adresse').fill('192.168.10.30');
    await ups.getByLabel('Version SNMP').selectOption('3');
    expect(await ups.getByLabel('Adresse').inputValue()).toBe('192.168.10.30'); // kept across the version change
    await ups.getByLabel('Niveau de sécurité').selectOption('authPriv');
    await ups.getByLabel('Utilisateur').fill('vigie');
    await ups.getByLabel('Authentification', { exact: true }).selectOption('sha256');
    await ups.getByLabel('Clé d’authentification').fill('auth-passphrase-1');
    expect(await ups.getByLabel('Clé d’authentification').getAttribute('type')).toBe('password');
    await ups.getByLabel('Chiffrement', { exact: true }).selectOption('aes');
    await ups.getByLabel('Clé de chiffrement').fill('priv-passphrase-1');
    await field(snmp, 'thresholds').getByLabel('Consommable\u00a0: critique (%)').fill('5');

    const flows = probe(tech, 'flows');
    await open(flows);
    await flows.getByLabel('Active').selectOption('true');
    await flows.getByLabel('Exportateurs acceptés (un par ligne)').fill('192.168.10.1');
    await flows.getByLabel('Réseaux du site (CIDR, un par ligne)').fill('192.168.10.0/24');

    await tech.getByTestId('policy-save').click();
    await expect.poll(() => text(tech, '[data-testid=policy-saved]')).toMatch(/^Politique enregistrée \(version 1/);
    const saved = await api.get(`/api/v1/policies/site/${s.acme.siteId}`);
    expect(saved.overrides).toEqual({
      probes: {
        snmp: {
          targets: [
            { version: '2c', address: '192.168.10.20', community: 'lecture-acme' },
            {
              version: '3',
              address: '192.168.10.30',
              v3: { level: 'authPriv', user: 'vigie', authProtocol: 'sha256', authKey: 'auth-passphrase-1', privProtocol: 'aes', privKey: 'priv-passphrase-1' },
            },
          ],
          // Set one threshold, and the object carries the defaults of the others (the schema wants them all).
          thresholds: { supplyWarningPct: 20, supplyCriticalPct: 5, upsChargeWarningPct: 50, criticalInterfaces: [] },
        },
        flows: { enabled: true, exporters: ['192.168.10.1'], siteSubnets: ['192.168.10.0/24'] },
      },
    });
  });

  it('edits a device’s policy in raw JSON, shows the collector’s validation error, and shows the merged result', async () => {
    await tech.goto(`${s.url}/#/devices/${s.acmeDevice}`);
    await tech.getByRole('link', { name: 'Politique de collecte' }).click();
    const scope = tech.getByTestId('policy-scope');
    await expect.poll(() => scope.getByLabel('Niveau', { exact: true }).inputValue()).toBe('device');
    await expect.poll(() => scope.getByLabel('Équipement', { exact: true }).inputValue()).toBe(String(s.acmeDevice));
    // Inherited from the client (the site sets nothing for this probe).
    await open(probe(tech, 'services'));
    expect(await probe(tech, 'services').getByLabel('Services requis (un par ligne)').getAttribute('placeholder')).toBe('Spooler, MSSQLSERVER');

    await tech.getByRole('tab', { name: 'JSON brut' }).click();
    const json = tech.getByTestId('policy-json');
    expect(JSON.parse(await json.inputValue())).toEqual({});
    await json.fill('{"probes": {"network": {"pingCount": 0}}}');
    await tech.getByTestId('policy-save').click();
    // Issue 18, point 2: the field by its label and the rule in French, not `network/pingCount: Expected integer…`.
    await expect.poll(() => text(tech, '[data-testid=policy-error]')).toMatch(/^Pings par contrôle\s: la valeur doit être au moins 1\.$/);
    expect((await api.get(`/api/v1/policies/device/${s.acmeDevice}`)).version).toBe(0);
    await json.fill('{"probes": {"network": {"pingCount": 2}}, "inventoryIntervalSec": 7200}');
    await tech.getByTestId('policy-save').click();
    await expect.poll(() => text(tech, '[data-testid=policy-saved]')).toBe('Politique enregistrée (version 1, 1 équipements).');
    // Back to the form, which reads what the JSON set.
    await tech.getByRole('tab', { name: 'Formulaire' }).click();
    await expect.poll(() => probe(tech, 'network').getByLabel('Pings par contrôle').inputValue()).toBe('2');
    await tech.getByText('Politique effective de l’équipement (tous niveaux fusionnés)').click();
    const effective = JSON.parse((await tech.getByTestId('policy-effective').textContent()) ?? '{}');
    expect(effective).toMatchObject({
      metricsIntervalSec: 30,
      inventoryIntervalSec: 7200,
      probes: { network: { pingCount: 2, pingHosts: ['192.168.10.1', '192.168.10.254'] }, services: { required: ['Spooler', 'MSSQLSERVER'] } },
    });
  });
});

describe('rules and maintenance', () => {
  it('creates a threshold rule, edits it, and edits the warranty rule’s days', async () => {
    await tech.goto(`${s.url}/#/rules`);
    await tech.getByTestId('new-rule').click();
    const form = tech.getByTestId('rule-form');
    await form.getByLabel('Nom').fill('Mémoire saturée');
    // Issue 18, point 2: the metric is picked among those that exist, by its name.
    await form.getByLabel('Mesure').selectOption('mem.used_pct');
    expect(await form.getByLabel('Mesure').locator('option:checked').textContent()).toMatch(/^Mémoire utilisée \(%\) — 1 équipement/);
    await form.getByLabel('Valeur', { exact: true }).fill('95');
    await form.getByLabel('Pendant (s)').fill('600');
    await form.getByRole('button', { name: 'Créer la règle' }).click();
    const row = tech.locator('tr[data-rule="Mémoire saturée"]');
    // Said as a sentence, not as its parameters.
    await expect.poll(() => row.textContent()).toContain('Mémoire utilisée (%) au-dessus de 95 pendant');
    expect(await row.textContent()).not.toContain('metric=');
    await row.getByRole('button', { name: 'Modifier' }).click();
    await form.getByLabel('Gravité', { exact: true }).selectOption('critical');
    await form.getByLabel('Valeur', { exact: true }).fill('97');
    await form.getByLabel('Rétabli à (valeur)').fill('90');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await expect.poll(() => row.textContent()).toContain('au-dessus de 97');
    const rule = (await api.get('/api/v1/rules')).rules.find((r: any) => r.name === 'Mémoire saturée');
    expect(rule).toMatchObject({
      type: 'threshold',
      severity: 'critical',
      enabled: 1,
      params: { metric: 'mem.used_pct', op: '>', value: 97, forSec: 600, recoverValue: 90 },
    });

    const warranty = tech.locator('tr[data-rule="Garantie bientôt terminée (< 90 jours)"]');
    await warranty.getByRole('button', { name: 'Modifier' }).click();
    await form.getByLabel('Jours avant la fin').fill('60');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await expect.poll(() => warranty.textContent()).toMatch(/Garantie finissant dans 60\sjours/);
    await warranty.getByRole('button', { name: 'Désactiver' }).click();
    await expect.poll(() => warranty.getByTestId('rule-enabled').textContent()).toBe('Non');
  });

  it('plans a maintenance window for a site in Paris time, and deletes it', async () => {
    const form = tech.getByTestId('maintenance-form');
    await form.getByLabel('Niveau', { exact: true }).selectOption('site');
    await form.getByLabel('Client', { exact: true }).selectOption(String(s.acme.clientId));
    await expect.poll(() => form.getByLabel('Site', { exact: true }).inputValue()).toBe(String(s.acme.siteId));
    // 31 March 2030: Paris is on summer time (UTC+2).
    await form.getByLabel('Début (heure de Paris)').fill('2030-03-31T22:00');
    await form.getByLabel('Fin (heure de Paris)').fill('2030-04-01T06:30');
    await form.getByLabel('Motif').fill('Remplacement du commutateur du siège');
    await form.getByRole('button', { name: 'Planifier' }).click();
    const row = tech.locator('tr[data-window="Remplacement du commutateur du siège"]');
    await expect.poll(() => row.textContent()).toContain('31/03/2030 22:00');
    expect(await row.textContent()).toContain('01/04/2030 06:30');
    const w = (await api.get('/api/v1/maintenance-windows')).windows.find((x: any) => x.reason === 'Remplacement du commutateur du siège');
    expect(w).toMatchObject({ scope: 'site', scope_id: s.acme.siteId, starts_at: Date.UTC(2030, 2, 31, 20, 0), ends_at: Date.UTC(2030, 3, 1, 4, 30) });
    await screenshot(tech, 'rules');
    await row.getByRole('button', { name: 'Supprimer' }).click();
    await expect.poll(() => row.count()).toBe(0);
  });
});

describe('users', () => {
  it('an admin disables a signed-in client user, who is sent back to the sign-in page and can no longer sign in; enabled again, can', async () => {
    const { page: client, context } = await tb.page();
    await signIn(client, s.url, 'dsi@acme.test', PASSWORD);
    const { page: admin, context: adminContext } = await tb.page();
    await signIn(admin, s.url, 'admin@vigie.test', PASSWORD);
    await admin.goto(`${s.url}/#/users`);
    const row = admin.locator('tr[data-user="dsi@acme.test"]');
    await expect.poll(() => row.getByTestId('user-state').textContent()).toBe('Actif');
    // No button to disable oneself.
    expect(await admin.locator('tr[data-user="admin@vigie.test"] button').count()).toBe(0);
    await row.getByRole('button', { name: 'Désactiver' }).click();
    await expect.poll(() => text(admin, '[data-testid=users-notice]')).toBe('Claire Dubois est désactivé\u00a0: ses sessions sont fermées.');
    await expect.poll(() => row.getByTestId('user-state').textContent()).toMatch(/^Désactivé le /);

    // Signed out at once, without doing anything: the collector closed its live socket and its session.
    await expect.poll(() => text(client, 'h1')).toBe('Connexion');
    expect(await text(client, '.error')).toBe('Votre session a expiré\u00a0: reconnectez-vous.');
    expect((await client.request.get(`${s.url}/api/v1/auth/me`)).status()).toBe(401);
    await client.getByLabel('Adresse e-mail').fill('dsi@acme.test');
    await client.getByLabel('Mot de passe').fill(PASSWORD);
    await client.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(() => text(client, '.error')).toBe('Identifiants incorrects.');

    await row.getByRole('button', { name: 'Réactiver' }).click();
    await expect.poll(() => row.getByTestId('user-state').textContent()).toBe('Actif');
    await client.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(() => text(client, 'h1')).toBe('Bonjour Claire Dubois');
    await context.close();
    await adminContext.close();
  });
});

describe('content security', () => {
  it('had no console error, page error or CSP violation on any page', () => {
    // Answers the browser logs as failed resources, on purpose: a session asked for before signing in
    // or after being disabled, and the refused sign-in (401); the policy the collector refused (400).
    const real = tb.problems.list.filter((p) => !/^console: Failed to load resource: the server responded with a status of (400|401)/.test(p));
    expect(real).toEqual([]);
  });
});
