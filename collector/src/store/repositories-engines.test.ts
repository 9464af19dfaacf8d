import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Postgres, startPostgres } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChecksRepository } from '../checks/repository.js';
import { DevicesRepository } from '../devices/repository.js';
import { needsAttention } from '../overview/attention.js';
import { OverviewRepository } from '../overview/repository.js';
import { Database } from './database.js';
import { PostgresDatabase } from './postgres-database.js';
import type { RelationalStore } from './relational-store.js';

/**
 * The converted repositories on both engines: the same fixtures written through typed Kysely into a
 * SQLite file and into a real PostgreSQL, the same calls, the same answers. Each test states the
 * SQLite answer (what the collector has always given) and expects PostgreSQL's to equal it.
 */

const NOW = 1_764_000_000_000; // beyond 2^31: a bigint on PostgreSQL
const DAY = 86_400_000;

async function seed(store: RelationalStore): Promise<void> {
  const db = store.kysely;
  const acme = await db.insertInto('clients').values({ name: 'Acme', created_at: NOW }).returning('id').executeTakeFirstOrThrow();
  const bakery = await db.insertInto('clients').values({ name: 'Boulangerie Martin', created_at: NOW }).returning('id').executeTakeFirstOrThrow();
  const acmeSite = await db.insertInto('sites').values({ client_id: acme.id, name: 'Paris', created_at: NOW }).returning('id').executeTakeFirstOrThrow();
  const bakerySite = await db.insertInto('sites').values({ client_id: bakery.id, name: 'Lyon', created_at: NOW }).returning('id').executeTakeFirstOrThrow();
  const devices = [
    { site: acmeSite.id, client: acme.id, hostname: 'SRV-FICHIERS', serial: 'SN_100', os: 'Debian 12', seen: NOW - 1000 },
    { site: acmeSite.id, client: acme.id, hostname: 'poste-compta', serial: 'SN-200', os: 'Windows 11 Pro', seen: NOW - 10 * DAY },
    { site: bakerySite.id, client: bakery.id, hostname: 'POSTE-CAISSE-01', serial: ' sn-42 ', os: 'Windows 10', seen: NOW - 500 },
    { site: bakerySite.id, client: bakery.id, hostname: 'Poste-Caisse-02', serial: null, os: 'Windows 10', seen: NOW - 500 },
    { site: bakerySite.id, client: bakery.id, hostname: 'nas-50%', serial: 'NAS1', os: 'DSM 7', seen: NOW - 500 },
  ];
  for (const [i, d] of devices.entries()) {
    const row = await db
      .insertInto('devices')
      .values({
        site_id: d.site,
        client_id: d.client,
        kind: 'agent',
        hostname: d.hostname,
        platform: 'linux',
        serial: d.serial,
        os_name: d.os,
        created_at: NOW,
        last_seen_at: d.seen,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('agents')
      .values({ id: `agent-${i}`, device_id: row.id, secret_hash: 'x', created_at: NOW, last_seq: 0, agent_version: '1.4.0', revoked_at: i === 4 ? NOW : null })
      .execute();
  }
  // Inventories: an older then a newer one for the first device (the search reads the newer).
  const inventory = (ips: string[], v6: string[], software: string[]) =>
    JSON.stringify({ network: [{ name: 'eth0', ipv4: ips, ipv6: v6 }], software: software.map((name) => ({ name, version: '1' })) });
  await db
    .insertInto('inventory_snapshots')
    .values([
      { device_id: 1, collected_at: NOW - DAY, received_at: NOW - DAY, hash: 'a', data: inventory(['10.9.9.9'], [], ['OldApp']) },
      { device_id: 1, collected_at: NOW, received_at: NOW, hash: 'b', data: inventory(['10.0.0.5'], ['fe80::1'], ['Samba', 'OpenSSH']) },
      { device_id: 2, collected_at: NOW, received_at: NOW, hash: 'c', data: inventory(['10.0.1.7'], [], ['Mozilla Firefox', 'Sage Compta']) },
      {
        device_id: 3,
        collected_at: NOW,
        received_at: NOW,
        hash: 'd',
        data: JSON.stringify({ network: [], software: [{ name: 'Caisse+ POS' }, { name: null }] }),
      },
    ])
    .execute();
  await db
    .insertInto('check_state')
    .values([
      {
        device_id: 1,
        check: 'disk',
        target: '/',
        status: 'critical',
        code: 'DISK_FULL',
        message: '98 %',
        values: '{"used":98}',
        observed_at: NOW,
        since: NOW - DAY,
      },
      { device_id: 1, check: 'service', target: 'smbd', status: 'ok', code: 'RUNNING', message: 'ok', values: null, observed_at: NOW, since: NOW - DAY },
      { device_id: 2, check: 'disk', target: 'C:', status: 'warning', code: 'DISK_LOW', message: '85 %', values: null, observed_at: NOW, since: NOW },
      { device_id: 3, check: 'disk', target: 'C:', status: 'ok', code: 'DISK_OK', message: '40 %', values: null, observed_at: NOW, since: NOW },
      { device_id: 4, check: 'disk', target: 'C:', status: 'unknown', code: 'NO_DATA', message: '?', values: null, observed_at: NOW, since: NOW },
    ])
    .execute();
  await db
    .insertInto('check_results')
    .values([
      { device_id: 1, check: 'disk', target: '/', status: 'warning', code: 'DISK_LOW', message: '90 %', values: null, observed_at: NOW - 500 * DAY },
      { device_id: 1, check: 'disk', target: '/', status: 'critical', code: 'DISK_FULL', message: '98 %', values: '{"used":98}', observed_at: NOW },
      { device_id: 1, check: 'service', target: 'smbd', status: 'ok', code: 'RUNNING', message: 'ok', values: null, observed_at: NOW },
      { device_id: 1, check: 'service', target: 'nmbd', status: 'ok', code: 'RUNNING', message: 'ok', values: null, observed_at: NOW },
    ])
    .execute();
  await db
    .insertInto('agent_events')
    .values([
      { device_id: 1, seq: 1, kind: 'boot', severity: 'info', message: 'old', data: null, occurred_at: NOW - 450 * DAY, received_at: NOW - 450 * DAY },
      { device_id: 1, seq: 2, kind: 'boot', severity: 'info', message: 'recent', data: null, occurred_at: NOW - DAY, received_at: NOW - DAY },
    ])
    .execute();
  await db
    .insertInto('supplied_items')
    .values([
      {
        client_id: bakery.id,
        description: 'Terminal de caisse',
        serial: 'SN-42',
        serial_key: 'SN-42',
        delivered_on: '2025-03-01',
        warranty_months: 36,
        warranty_end: '2028-03-01',
        created_at: NOW,
      },
      {
        client_id: bakery.id,
        description: 'Écran client',
        serial: 'sn-42',
        serial_key: 'SN-42',
        delivered_on: '2025-06-01',
        warranty_months: 12,
        warranty_end: '2026-06-01',
        created_at: NOW,
      },
      {
        client_id: acme.id,
        description: 'Autre client, même numéro',
        serial: 'SN-42',
        serial_key: 'SN-42',
        delivered_on: '2025-01-01',
        warranty_months: 12,
        warranty_end: '2026-01-01',
        created_at: NOW,
      },
    ])
    .execute();
  // Incidents and tickets for the overview; a third client whose name sorts between the others ignoring case.
  await db.insertInto('clients').values({ name: 'alpha Conseil', created_at: NOW }).execute();
  const incident = (deviceId: number | null, target: string, severity: 'warning' | 'critical', status: string, openedAt: number) => ({
    fingerprint: `${deviceId}:${target}`,
    client_id: deviceId !== null && deviceId >= 3 ? bakery.id : acme.id,
    site_id: deviceId !== null && deviceId >= 3 ? bakerySite.id : acmeSite.id,
    device_id: deviceId,
    rule_id: 1,
    target,
    severity,
    status,
    message: `incident ${target}`,
    opened_at: openedAt,
  });
  await db
    .insertInto('incidents')
    .values([
      incident(1, 'disk:/', 'critical', 'open', NOW - 3000),
      incident(2, 'cpu.load', 'warning', 'open', NOW - 9000),
      incident(null, 'site:Paris', 'critical', 'open', NOW - 3000),
      incident(3, 'disk:C:', 'warning', 'resolved', NOW - 9000),
    ])
    .execute();
  const ticket = (clientId: number, title: string, status: 'new' | 'resolved', deadline: number | null, started: number | null) => ({
    client_id: clientId,
    title,
    description: '',
    channel: 'monitoring' as const,
    kind: 'urgent' as const,
    mode: 'remote' as const,
    priority: 'high' as const,
    status,
    received_at: NOW,
    sla_start_at: NOW,
    sla_deadline_at: deadline,
    intervention_started_at: started,
    created_at: NOW,
    updated_at: NOW,
  });
  await db
    .insertInto('tickets')
    .values([
      ticket(acme.id, 'Serveur plein', 'new', NOW + 3_600_000, null),
      ticket(bakery.id, 'Caisse en panne', 'new', NOW - 60_000, null),
      ticket(bakery.id, 'Déjà pris en charge', 'new', NOW, NOW - 1000),
      ticket(bakery.id, 'Résolu', 'resolved', NOW, null),
      ticket(acme.id, 'Plus tard', 'new', NOW + 10 * DAY, null),
    ])
    .execute();
  await db.updateTable('devices').set({ site_data: '{"model":"HP LaserJet","reporterDeviceId":3}' }).where('id', '=', 5).execute();
}

let pg: Postgres;
let dir: string;
let sqlite: Database;
let postgres: PostgresDatabase;
const engines = () => [sqlite, postgres] as RelationalStore[];

/** The same calls on both engines: the SQLite answer, and PostgreSQL's. */
async function onBoth<T>(call: (store: RelationalStore) => Promise<T>): Promise<{ sqlite: T; postgres: T }> {
  return { sqlite: await call(sqlite), postgres: await call(postgres) };
}

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  dir = mkdtempSync(join(tmpdir(), 'vigie-repos-engines-'));
  sqlite = new Database({ path: join(dir, 'vigie.db') });
  postgres = new PostgresDatabase({ url: await pg.createDatabase('vigie'), maxConnections: 2 });
  for (const store of engines()) {
    await (store as Database | PostgresDatabase).migrate();
    await seed(store);
    await new DevicesRepository(store).refreshSearch([1, 2, 3, 4, 5]);
  }
});

afterAll(async () => {
  await sqlite?.close();
  await postgres?.close();
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('devices repository on SQLite and PostgreSQL', () => {
  const list = (store: RelationalStore, f: Partial<Parameters<DevicesRepository['list']>[0]>) =>
    new DevicesRepository(store).list({ limit: 50, offset: 0, ...f }).then((r) => ({ total: r.total, hostnames: r.rows.map((d) => d.hostname) }));

  test('lists by client name then hostname, pages with the same total', async () => {
    const all = await onBoth((s) => list(s, {}));
    expect(all.sqlite).toEqual({ total: 5, hostnames: ['SRV-FICHIERS', 'poste-compta', 'POSTE-CAISSE-01', 'Poste-Caisse-02', 'nas-50%'] });
    expect(all.postgres).toEqual(all.sqlite);
    const pages = await onBoth(async (s) => [
      await list(s, { limit: 2, offset: 0 }),
      await list(s, { limit: 2, offset: 2 }),
      await list(s, { limit: 2, offset: 4 }),
    ]);
    expect(pages.sqlite.map((p) => p.hostnames)).toEqual([['SRV-FICHIERS', 'poste-compta'], ['POSTE-CAISSE-01', 'Poste-Caisse-02'], ['nas-50%']]);
    expect(pages.sqlite.map((p) => p.total)).toEqual([5, 5, 5]);
    expect(pages.postgres).toEqual(pages.sqlite);
    const rows = await onBoth(async (s) => (await new DevicesRepository(s).list({ limit: 50, offset: 0, clientId: 2, offlineBefore: NOW - 3_600_000 })).rows);
    expect(rows.sqlite.map((r) => [r.hostname, r.state, r.health])).toEqual([
      ['POSTE-CAISSE-01', 'ok', 'ok'],
      ['Poste-Caisse-02', 'warning', 'warning'],
      ['nas-50%', 'offline', 'ok'],
    ]);
    expect(rows.postgres).toEqual(rows.sqlite);
  });

  test('searches names, serials, systems, addresses and software ignoring case, with % and _ taken literally', async () => {
    const searches = ['caisse', 'POSTE', 'debian', '10.0.0', 'FE80::', 'firefox', 'caisse+ pos', 'oldapp', 'sn_', '50%', '%', 'windows 1', 'zzz'];
    const found = await onBoth(async (s) => {
      const out: Record<string, string[]> = {};
      for (const q of searches) out[q] = (await list(s, { q })).hostnames;
      return out;
    });
    expect(found.sqlite).toEqual({
      caisse: ['POSTE-CAISSE-01', 'Poste-Caisse-02'],
      POSTE: ['poste-compta', 'POSTE-CAISSE-01', 'Poste-Caisse-02'],
      debian: ['SRV-FICHIERS'],
      '10.0.0': ['SRV-FICHIERS'],
      'FE80::': ['SRV-FICHIERS'],
      firefox: ['poste-compta'],
      'caisse+ pos': ['POSTE-CAISSE-01'],
      oldapp: [], // an older inventory's software is not searched
      sn_: ['SRV-FICHIERS'],
      '50%': ['nas-50%'],
      '%': ['nas-50%'],
      'windows 1': ['poste-compta', 'POSTE-CAISSE-01', 'Poste-Caisse-02'],
      zzz: [],
    });
    expect(found.postgres).toEqual(found.sqlite);
    const paged = await onBoth((s) => list(s, { q: 'poste', limit: 1, offset: 1 }));
    expect(paged.sqlite).toEqual({ total: 3, hostnames: ['POSTE-CAISSE-01'] });
    expect(paged.postgres).toEqual(paged.sqlite);
  });

  test('reads one device, its site data and its supplied items; purges old history', async () => {
    const read = await onBoth(async (s) => {
      const repo = new DevicesRepository(s);
      return {
        device: await repo.get(3),
        site: await repo.siteData(5),
        none: await repo.siteData(1),
        supplied: await repo.suppliedItems(3),
        noSerial: await repo.suppliedItems(4),
      };
    });
    expect(read.sqlite.device).toMatchObject({
      hostname: 'POSTE-CAISSE-01',
      client_name: 'Boulangerie Martin',
      site_name: 'Lyon',
      agent_id: 'agent-2',
      health: 'ok',
      last_seen_at: NOW - 500,
    });
    expect(read.sqlite.site).toEqual({ model: 'HP LaserJet', reporterDeviceId: 3 });
    expect(read.sqlite.none).toBeNull();
    expect(read.sqlite.supplied.map((i) => [i.description, i.deliveredOn, i.warrantyEnd, i.supplier])).toEqual([
      ['Écran client', '2025-06-01', '2026-06-01', null],
      ['Terminal de caisse', '2025-03-01', '2028-03-01', null],
    ]);
    expect(read.sqlite.noSerial).toEqual([]);
    expect(read.postgres).toEqual(read.sqlite);
    const purged = await onBoth(async (s) => ({
      removed: await new DevicesRepository(s).purgeHistory(NOW),
      again: await new DevicesRepository(s).purgeHistory(NOW),
      events: (await new DevicesRepository(s).recentEvents(1, 10)).map((e) => e.message),
    }));
    expect(purged.sqlite).toEqual({ removed: 2, again: 0, events: ['recent'] });
    expect(purged.postgres).toEqual(purged.sqlite);
  });
});

describe('checks repository on SQLite and PostgreSQL', () => {
  test('a device’s checks and history, a client’s summary', async () => {
    const got = await onBoth(async (s) => {
      const repo = new ChecksRepository(s);
      return {
        client: await repo.clientOfDevice(3),
        unknownDevice: await repo.clientOfDevice(999),
        exists: [await repo.clientExists(1), await repo.clientExists(999)],
        device: await repo.ofDevice(1, 2),
        service: await repo.ofDevice(1, 10, 'service'),
        acme: await repo.clientSummary(1),
        bakery: await repo.clientSummary(2),
      };
    });
    expect(got.sqlite.client).toBe(2);
    expect(got.sqlite.unknownDevice).toBeUndefined();
    expect(got.sqlite.exists).toEqual([true, false]);
    expect(got.sqlite.device.current.map((c) => [c.check, c.target, c.status, c.since])).toEqual([
      ['disk', '/', 'critical', NOW - DAY],
      ['service', 'smbd', 'ok', NOW - DAY],
    ]);
    expect(got.sqlite.device.history).toHaveLength(2);
    expect(got.sqlite.service.history.map((h) => h.target)).toEqual(['nmbd', 'smbd']);
    expect(got.sqlite.acme).toEqual({
      findings: [
        { check: 'disk', code: 'DISK_FULL', status: 'critical', devices: 1 },
        { check: 'disk', code: 'DISK_LOW', status: 'warning', devices: 1 },
        { check: 'service', code: 'RUNNING', status: 'ok', devices: 1 },
      ],
      health: [
        { worst: 2, devices: 1 },
        { worst: 3, devices: 1 },
      ],
    });
    expect(got.sqlite.bakery.health).toEqual([
      { worst: null, devices: 1 },
      { worst: 0, devices: 1 },
      { worst: 1, devices: 1 },
    ]);
    expect(got.postgres).toEqual(got.sqlite);
  });
});

describe('overview on SQLite and PostgreSQL', () => {
  test('clients at a glance, what needs attention, SLA at risk', async () => {
    const got = await onBoth(async (s) => {
      const repo = new OverviewRepository(s);
      return {
        clients: await repo.clients(NOW - 3_600_000),
        attention: await needsAttention(s, 200),
        short: await needsAttention(s, 2),
        sla: await repo.slaAtRisk(NOW + DAY, 50),
      };
    });
    expect(got.sqlite.clients).toEqual([
      { id: 1, name: 'Acme', devices: { total: 2, ok: 0, warning: 0, critical: 1, offline: 1 }, openIncidents: 3, criticalIncidents: 2, openTickets: 2 },
      {
        id: 3,
        name: 'alpha Conseil',
        devices: { total: 0, ok: 0, warning: 0, critical: 0, offline: 0 },
        openIncidents: 0,
        criticalIncidents: 0,
        openTickets: 0,
      },
      {
        id: 2,
        name: 'Boulangerie Martin',
        devices: { total: 3, ok: 1, warning: 1, critical: 0, offline: 1 },
        openIncidents: 0,
        criticalIncidents: 0,
        openTickets: 2,
      },
    ]);
    expect(got.sqlite.attention.map((a) => [a.kind, a.severity, a.deviceName, a.check, a.target, a.incidentId])).toEqual([
      ['incident', 'critical', 'SRV-FICHIERS', 'disk', '/', 1],
      ['incident', 'critical', null, null, null, 3],
      ['incident', 'warning', 'poste-compta', null, null, 2],
      ['check', 'warning', 'poste-compta', 'disk', 'C:', null],
      ['check', 'unknown', 'Poste-Caisse-02', 'disk', 'C:', null],
    ]);
    expect(got.sqlite.short).toEqual(got.sqlite.attention.slice(0, 2));
    expect(got.sqlite.sla.map((t) => [t.title, t.clientName, t.deadlineAt])).toEqual([
      ['Caisse en panne', 'Boulangerie Martin', NOW - 60_000],
      ['Serveur plein', 'Acme', NOW + 3_600_000],
    ]);
    expect(got.postgres).toEqual(got.sqlite);
  });
});
