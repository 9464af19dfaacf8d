import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Collector, type CollectorConfig, createCollector, defaultConfig, enrolTotp, freshTotpCode, hashPassword, sqliteHandleOf } from '@vigie/collector';
import { dashboardDistDir } from '../src/index.js';

export const PASSWORD = 'mot-de-passe-de-test-assez-long';
export const HOSTILE_HOSTNAME = '<img src=x onerror=alert(1)>';
/** TOTP seeds of the seeded staff who have a second factor (every admin must), by e-mail. */
export const TOTP_SECRETS = new Map<string, string>();

const CLIENTS = [
  'Boulangerie Martin',
  'Cabinet Durand Avocats',
  'Clinique vétérinaire des Alpes',
  'Garage Lefebvre',
  'Mairie de Saint-Aubin',
  'Pharmacie du Centre',
  'Transports Moreau',
  'Atelier Bernard Architectes',
];
const SITES = ['Siège', 'Agence Lyon', 'Entrepôt'];
const OS = ['Windows 11 Pro 23H2', 'Windows 10 Pro 22H2', 'Debian GNU/Linux 12', 'Ubuntu 24.04 LTS', 'macOS 14.6', 'Windows Server 2022'];
const ROLES = ['PC', 'PORTABLE', 'SRV', 'NAS', 'POSTE'];

export interface Seeded {
  collector: Collector;
  url: string;
  dir: string;
  acme: { clientId: number; siteId: number };
  globex: { clientId: number; siteId: number };
  /** A device of Acme with an inventory, a day of metrics and a supplied item under warranty. */
  acmeDevice: number;
  globexDevice: number;
  hostileDevice: number;
  devicesTotal: number;
  close(): Promise<void>;
}

/**
 * A real collector (the same `createCollector` as `vigie-collector serve`) on loopback with a
 * temporary SQLite store, serving the built dashboard, with two named clients (Acme, Globex),
 * one user per role, and `bulk` more devices spread over other clients for the list benchmark.
 * `overrides` change the collector's configuration (an SMTP relay for the reports).
 */
export async function startSeededCollector(bulk: number, overrides: Partial<CollectorConfig> = {}): Promise<Seeded> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-dashboard-'));
  const collector = await createCollector(
    defaultConfig({
      dataDir: dir,
      port: 0,
      logLevel: 'silent',
      synchronous: 'normal',
      dashboardDir: dashboardDistDir,
      invoicing: false,
      rulesIntervalMs: 0,
      channel: { ...defaultConfig().channel, metricsIntervalSec: 1 },
      // No monthly run: from the 2nd of a month on, its catch-up would mail last month's reports
      // to the recipients a test sets, in the middle of that test (the reports test counts mails).
      reports: { ...defaultConfig().reports, schedule: null },
      ...overrides,
    }),
  );
  const url = await collector.listen();
  const { tenants, auth, db } = collector;
  const acmeId = await tenants.createClient('Acme SARL');
  const globexId = await tenants.createClient('Globex SAS');
  const acme = { clientId: acmeId, siteId: await tenants.createSite(acmeId, 'Siège Lyon') };
  const globex = { clientId: globexId, siteId: await tenants.createSite(globexId, 'Paris La Défense') };
  const hash = await hashPassword(PASSWORD);
  const adminId = await auth.createUser({ email: 'admin@vigie.test', name: 'Alice Admin', role: 'admin', clientId: null, passwordHash: hash });
  // An admin must have a second factor (issue 16): enrolled as the dashboard would.
  TOTP_SECRETS.set('admin@vigie.test', (await enrolTotp(collector, { id: adminId, email: 'admin@vigie.test' })).secret);
  await auth.createUser({ email: 'tech@vigie.test', name: 'Thomas Technicien', role: 'technician', clientId: null, passwordHash: hash });
  await auth.createUser({ email: 'dsi@acme.test', name: 'Claire Dubois', role: 'client', clientId: acmeId, passwordHash: hash });
  await auth.createUser({ email: 'it@globex.test', name: 'Paul Girard', role: 'client', clientId: globexId, passwordHash: hash });

  const now = Date.now();
  const sql = sqliteHandleOf(db);
  const insertDevice = sql.prepare(
    `INSERT INTO devices (site_id, client_id, kind, hostname, platform, arch, os_name, serial, machine_uuid, inventory_hash, created_at, last_seen_at)
     VALUES (?, ?, 'agent', ?, ?, 'x64', ?, ?, NULL, NULL, ?, ?)`,
  );
  const insertCheck = sql.prepare(
    `INSERT INTO check_state (device_id, "check", target, status, code, message, "values", observed_at, since) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
  );
  const insertSearch = sql.prepare('INSERT INTO device_search (device_id, ips, software) VALUES (?, ?, ?)');
  const device = (siteId: number, clientId: number, hostname: string, os: string, serial: string, lastSeen: number | null) =>
    Number(
      insertDevice.run(siteId, clientId, hostname, os.startsWith('Windows') ? 'win32' : 'linux', os, serial, now - 90 * 86_400_000, lastSeen).lastInsertRowid,
    );

  const acmeDevice = device(acme.siteId, acmeId, 'PC-COMPTA-01', 'Windows 11 Pro 23H2', 'CN0ACME001', now);
  const globexDevice = device(globex.siteId, globexId, 'SRV-GLOBEX-01', 'Windows Server 2022', 'GX-SRV-0001', now);
  const hostileDevice = device(globex.siteId, globexId, HOSTILE_HOSTNAME, 'Debian GNU/Linux 12', 'HOSTILE-1', now);
  insertCheck.run(acmeDevice, 'backup', 'restic nas', 'warning', 'BACKUP_OLD', 'Dernière sauvegarde il y a 30 h', now, now - 3600_000);
  insertCheck.run(acmeDevice, 'antivirus', 'defender', 'ok', 'AV_OK', 'Signatures à jour', now, now - 86_400_000);

  // The bulk: `bulk` devices over eight more clients, in every state.
  let total = 3;
  sql.transaction(() => {
    const sites: [number, number][] = [];
    for (const name of CLIENTS) {
      const id = Number(sql.prepare('INSERT INTO clients (name, created_at) VALUES (?, ?)').run(name, now).lastInsertRowid);
      for (const s of SITES)
        sites.push([id, Number(sql.prepare('INSERT INTO sites (client_id, name, created_at) VALUES (?, ?, ?)').run(id, s, now).lastInsertRowid)]);
    }
    for (let i = 0; i < bulk; i++) {
      const [clientId, siteId] = sites[i % sites.length]!;
      const offline = i % 23 === 0;
      const id = device(
        siteId,
        clientId,
        `${ROLES[i % ROLES.length]}-${String(i + 1).padStart(5, '0')}`,
        OS[i % OS.length]!,
        `SN${(1_000_000 + i * 7919).toString(36).toUpperCase()}`,
        offline ? now - 2 * 86_400_000 : now - (i % 50) * 1000,
      );
      if (i % 17 === 0) insertCheck.run(id, 'disk', 'C:', 'critical', 'DISK_FULL', 'Disque plein à 97 %', now, now - 7200_000);
      else if (i % 7 === 0) insertCheck.run(id, 'antivirus', 'defender', 'warning', 'AV_OUTDATED', 'Signatures de plus de 3 jours', now, now - 86_400_000);
      else insertCheck.run(id, 'antivirus', 'defender', 'ok', 'AV_OK', 'Signatures à jour', now, now - 86_400_000);
      insertSearch.run(
        id,
        `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        i % 11 === 0 ? 'Microsoft Office 2021\nAdobe Acrobat Reader' : 'Mozilla Firefox\n7-Zip',
      );
      total++;
    }
  })();

  // A day of metrics every 5 minutes and two years hourly for the Acme device, so every range has a curve.
  const samples: { ts: number; values: Record<string, number> }[] = [];
  const wave = (t: number, base: number, amp: number, period: number) => Math.max(0, base + amp * Math.sin((t / period) * 2 * Math.PI));
  for (let t = now - 730 * 86_400_000; t < now - 86_400_000; t += 3600_000)
    samples.push({ ts: t, values: { 'cpu.usage_pct': wave(t, 25, 15, 86_400_000), 'mem.used_pct': wave(t, 55, 10, 7 * 86_400_000) } });
  for (let t = now - 86_400_000; t <= now; t += 300_000)
    samples.push({
      ts: t,
      values: {
        'cpu.usage_pct': wave(t, 30, 20, 3600_000 * 6) + (t % 7) * 2,
        'mem.used_pct': wave(t, 58, 6, 86_400_000),
        'fs.used_pct{mount=C:}': 71 + (t - now + 86_400_000) / 86_400_000,
        'net.rx_bps{iface=Ethernet}': wave(t, 400_000, 300_000, 3600_000 * 3),
      },
    });
  await collector.metrics.write([{ deviceId: acmeDevice, samples }]);
  await collector.metrics.maintain(Date.now()); // the 5-minute and hourly rollups the longer ranges read

  return {
    collector,
    url,
    dir,
    acme,
    globex,
    acmeDevice,
    globexDevice,
    hostileDevice,
    devicesTotal: total,
    async close() {
      await collector.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A signed-in API client (cookie + CSRF), as the dashboard itself is. */
export async function apiSession(url: string, email: string) {
  const secret = TOTP_SECRETS.get(email);
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, ...(secret ? { totp: await freshTotpCode(secret) } : {}) }),
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const call = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { cookie, 'x-csrf-token': csrfToken };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    const parsed = text ? JSON.parse(text) : null;
    if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return parsed;
  };
  return { get: (p: string) => call('GET', p), post: (p: string, b: unknown = {}) => call('POST', p, b), put: (p: string, b: unknown) => call('PUT', p, b) };
}
