import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes } from '@vigie/shared';
import { type Postgres, startPostgres, waitFor } from '@vigie/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appendAuditInTransaction, listAudit } from '../audit/repository.js';
import { verifyAuditLog } from '../audit/verify.js';
import type { SessionUser } from '../auth/repository.js';
import { DEFAULT_RULES } from '../rules/defaults.js';
import { RuleEngine } from '../rules/engine.js';
import { ruleVocabulary } from '../rules/vocabulary.js';
import { Database } from '../store/database.js';
import { PostgresDatabase } from '../store/postgres-database.js';
import type { RelationalStore } from '../store/relational-store.js';
import { SqliteMetricStore } from '../store/sqlite-metric-store.js';
import { ATTACHMENTS_PER_TICKET, TicketAttachments } from '../tickets/attachments.js';
import { TicketService } from '../tickets/service.js';
import { acknowledgeIncident } from './acknowledge.js';
import { listIncidents } from './list.js';
import { openMaintenanceWindow } from './maintenance.js';
import { IncidentsRepository } from './repository.js';
import { IncidentService, type Problem } from './service.js';

/**
 * Incidents, their tickets, rules, maintenance windows, attachments and the audit reads on SQLite
 * and on a real PostgreSQL: the same calls give the same answers. On PostgreSQL "two collectors"
 * are two pools on the same database; on SQLite the race runs on the one connection a process has
 * (a second better-sqlite3 handle in the same process would block the event loop in its busy wait).
 * Each race is a `Promise.all` of attempts spread over both.
 */

const T0 = 1_764_000_000_000; // beyond 2^31: bigint on PostgreSQL
const MIN = 60_000;
const DAY = 86_400_000;
const SETTINGS = { reopenWindowMs: 7 * DAY, quietPeriodMs: 10 * MIN };

let pg: Postgres;
let dir: string;
let sqlite: Database;
let postgres: PostgresDatabase;
let postgresTwin: PostgresDatabase;
let metrics: SqliteMetricStore;

const TECH: SessionUser = { id: 1, email: 'lea@vigie.test', name: 'Léa', role: 'technician', clientId: null, locale: 'fr' };
const TECH2: SessionUser = { id: 2, email: 'marc@vigie.test', name: 'Marc', role: 'technician', clientId: null, locale: 'fr' };

async function seed(store: RelationalStore): Promise<void> {
  const db = store.kysely;
  await db.insertInto('clients').values({ name: 'Acme', created_at: T0 }).execute();
  await db.insertInto('sites').values({ client_id: 1, name: 'Paris', created_at: T0 }).execute();
  await db
    .insertInto('users')
    .values([
      { email: TECH.email, name: TECH.name, role: 'technician', client_id: null, password_hash: 'x', locale: 'fr', created_at: T0 },
      { email: TECH2.email, name: TECH2.name, role: 'technician', client_id: null, password_hash: 'x', locale: 'fr', created_at: T0 },
    ])
    .execute();
  for (const hostname of ['SRV-FICHIERS', 'poste-compta']) {
    const d = await db
      .insertInto('devices')
      .values({ site_id: 1, client_id: 1, kind: 'agent', hostname, platform: 'linux', created_at: T0, last_seen_at: T0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('agents')
      .values({ id: `agent-${d.id}`, device_id: d.id, secret_hash: 'x', created_at: T0, last_seq: 0 })
      .execute();
  }
}

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  dir = mkdtempSync(join(tmpdir(), 'vigie-incidents-engines-'));
  sqlite = new Database({ path: join(dir, 'vigie.db') });
  await sqlite.migrate();
  const url = await pg.createDatabase('vigie_incidents');
  postgres = new PostgresDatabase({ url, maxConnections: 10 });
  postgresTwin = new PostgresDatabase({ url, maxConnections: 10 });
  await postgres.migrate();
  await seed(sqlite);
  await seed(postgres);
  // The rules engine reads newest samples from the metric store (none here: no threshold fires).
  metrics = await SqliteMetricStore.open(sqlite);
}, 120_000);

afterAll(async () => {
  await metrics?.close();
  await sqlite?.close();
  await postgres?.close();
  await postgresTwin?.close();
  if (pg) {
    await waitFor(
      'the pools to disconnect',
      async () => pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'vigie_incidents'")[0]?.trim() === '0',
      10_000,
      20,
    );
    await pg.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ENGINES = ['sqlite', 'postgres'] as const;
/** The engine under test and a second collector's handle on the same store. */
const storesOf = (engine: (typeof ENGINES)[number]): [RelationalStore, RelationalStore] => (engine === 'sqlite' ? [sqlite, sqlite] : [postgres, postgresTwin]);
const NOT_FOUND = { code: ErrorCodes.NOT_FOUND.code };
const CONFLICT = { code: ErrorCodes.CONFLICT.code };

const problem = (fingerprint: string, over: Partial<Problem> = {}): Problem => ({
  fingerprint,
  clientId: 1,
  siteId: 1,
  deviceId: 1,
  ruleId: 3,
  target: 'disk:/',
  severity: 'critical',
  message: 'Disque plein à 98 % sur SRV-FICHIERS',
  ...over,
});

async function ticketsOf(db: RelationalStore, fingerprint: string) {
  return db.kysely.selectFrom('tickets').select(['id', 'status']).where('fingerprint', '=', fingerprint).orderBy('id').execute();
}

async function eventsOf(db: RelationalStore, ticketId: number) {
  const rows = await db.kysely.selectFrom('ticket_events').select(['type', 'author', 'body']).where('ticket_id', '=', ticketId).orderBy('id').execute();
  return rows.map((r) => ({ type: r.type, author: r.author, body: JSON.parse(r.body) as Record<string, unknown> }));
}

/** An incident's life: opened, back, recovered, settled, reopened within the window, a suppressed one, flapping. */
async function incidentLife(db: RelationalStore) {
  const changes: string[] = [];
  const tickets = new TicketService(db);
  const svc = new IncidentService(db, tickets, SETTINGS, (change, incident) => changes.push(`${change}:${String(incident.status)}`));
  const fp = '1:1:3:disk:/';
  await svc.opened(problem(fp), T0);
  await svc.recovered(fp, 'Disque à 60 %', T0 + MIN);
  await svc.recovered(fp, 'Disque à 60 %', T0 + MIN + 1); // already recovering: nothing
  await svc.opened(problem(fp), T0 + 2 * MIN); // back within the quiet period: the same incident
  await svc.recovered(fp, 'Disque à 55 %', T0 + 3 * MIN);
  await svc.settle(T0 + 3 * MIN + SETTINGS.quietPeriodMs - 1); // not yet
  await svc.settle(T0 + 3 * MIN + SETTINGS.quietPeriodMs);
  await svc.opened(problem(fp), T0 + DAY); // within the reopen window: a new incident, the same ticket reopened
  await svc.flapping(fp, T0 + DAY + MIN, true);
  await svc.opened(problem('1:site-1:1:site', { deviceId: null, ruleId: 1, target: 'site', message: 'Site injoignable' }), T0 + DAY, 'maintenance');
  const incidents = (await listIncidents(db, { limit: 50 })).map(({ id: _id, ...rest }) => rest);
  const [ticket] = await ticketsOf(db, fp);
  return { changes, incidents, ticket: { status: ticket?.status }, events: await eventsOf(db, ticket!.id) };
}

describe('incidents on both engines', () => {
  test('an incident’s life gives the same incidents, ticket and timeline', async () => {
    const [sq, pgAnswer] = [await incidentLife(sqlite), await incidentLife(postgres)];
    expect(sq.changes).toEqual([
      'opened:open',
      'recovered:recovering',
      'opened:open',
      'recovered:recovering',
      'resolved:resolved',
      'opened:open',
      'flapping:open',
      'opened:open',
    ]);
    expect(sq.incidents.map((i) => [i.target, i.status, i.flapping, i.suppressed, i.ticket_id === null, i.device_name, i.client_name])).toEqual([
      ['site', 'open', 0, 'maintenance', true, null, 'Acme'],
      ['disk:/', 'open', 1, null, false, 'SRV-FICHIERS', 'Acme'],
      ['disk:/', 'resolved', 0, null, false, 'SRV-FICHIERS', 'Acme'],
    ]);
    expect(sq.ticket.status).toBe('in_progress');
    expect(sq.events.map((e) => (e.type === 'status' ? `status:${String(e.body.to)}` : e.type))).toEqual([
      'created',
      'comment',
      'comment',
      'comment',
      'status:resolved',
      'status:in_progress',
      'comment',
    ]);
    expect(pgAnswer).toEqual(sq);
  });

  test.each(ENGINES)('%s: two collectors opening the same problem at once open one incident and one ticket', async (_name) => {
    const [db, twin] = storesOf(_name);
    const fp = `1:2:3:race-open:${_name}`;
    const services = [db, twin].map((s) => new IncidentService(s, new TicketService(s), SETTINGS));
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => services[i % 2]!.opened(problem(fp, { deviceId: 2 }), T0 + 2 * DAY)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await ticketsOf(db, fp)).toHaveLength(1);
    const open = await db.kysely.selectFrom('incidents').select('ticket_id').where('fingerprint', '=', fp).where('status', '!=', 'resolved').execute();
    expect(open).toHaveLength(1);
  });

  test.each(ENGINES)('%s: two collectors evaluating the same rule at once open one ticket', async (name) => {
    const [db, twin] = storesOf(name);
    const engines = [db, twin].map(
      (s) =>
        new RuleEngine(s, metrics, new IncidentService(s, new TicketService(s), SETTINGS), {
          siteOutageMinAgents: 3,
          siteOutageMinShare: 0.5,
          isConnected: () => true,
          log: { error: (details, message) => expect.fail(`${message}: ${String(details.err)}`) },
        }),
    );
    // Both create the default rules at once: each exists once.
    await Promise.all(engines.map((e) => e.ensureDefaults()));
    await engines[0]!.ensureDefaults();
    const rules = await db.kysely.selectFrom('rules').select(['key']).orderBy('id').execute();
    expect(rules.map((r) => r.key)).toEqual(DEFAULT_RULES.map((r) => r.key));
    const backupRule = await db.kysely.selectFrom('rules').select('id').where('key', '=', 'backup-too-old').executeTakeFirstOrThrow();
    await db.kysely
      .insertInto('check_state')
      .values({
        device_id: 2,
        check: 'backup',
        target: 'nightly',
        status: 'critical',
        code: 'BACKUP_TOO_OLD',
        message: `no backup since 30 h (${name})`,
        values: null,
        observed_at: T0,
        since: T0,
      })
      .execute();
    await Promise.all(engines.map((e) => e.evaluate(T0 + 3 * DAY)));
    const fp = `1:2:${backupRule.id}:backup:nightly`;
    expect(await ticketsOf(db, fp)).toHaveLength(1);
    expect(await db.kysely.selectFrom('incidents').select('status').where('fingerprint', '=', fp).execute()).toEqual([{ status: 'open' }]);
    for (const e of engines) expect(e.stats.incidentWriteFailures).toBe(0);
  });

  test.each(ENGINES)('%s: acknowledged at once by two technicians through two collectors, one wins', async (_name) => {
    const [db, twin] = storesOf(_name);
    const fp = `1:1:3:race-ack:${_name}`;
    const tickets = new TicketService(db);
    await new IncidentService(db, tickets, SETTINGS).opened(problem(fp), T0 + 4 * DAY);
    const inc = await db.kysely.selectFrom('incidents').select(['id', 'ticket_id']).where('fingerprint', '=', fp).executeTakeFirstOrThrow();
    const stores = [db, twin];
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => acknowledgeIncident(stores[i % 2]!, new TicketService(stores[i % 2]!), inc.id, i % 2 ? TECH2 : TECH, T0 + 4 * DAY)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const audited = await db.kysely
      .selectFrom('audit_log')
      .select('actor')
      .where('action', '=', 'incident.acknowledge')
      .where('target', '=', `incident:${inc.id}`)
      .execute();
    expect(audited).toHaveLength(1);
    const statusEvents = (await eventsOf(db, inc.ticket_id!)).filter((e) => e.type === 'status');
    expect(statusEvents.map((e) => e.body.to)).toEqual(['acknowledged']);
    const acked = await db.kysely.selectFrom('incidents').select(['acknowledged_by']).where('id', '=', inc.id).executeTakeFirstOrThrow();
    expect(`user:${acked.acknowledged_by}`).toBe(audited[0]!.actor);
    await expect(acknowledgeIncident(db, tickets, 999_999, TECH)).rejects.toMatchObject(NOT_FOUND);
  });

  test.each(ENGINES)('%s: settled at once by two collectors, the ticket is resolved once', async (_name) => {
    const [db, twin] = storesOf(_name);
    const fp = `1:1:3:race-settle:${_name}`;
    const svc = new IncidentService(db, new TicketService(db), SETTINGS);
    await svc.opened(problem(fp), T0 + 5 * DAY);
    await svc.recovered(fp, 'ok', T0 + 5 * DAY + MIN);
    const other = new IncidentService(twin, new TicketService(twin), SETTINGS);
    const at = T0 + 5 * DAY + MIN + SETTINGS.quietPeriodMs;
    await Promise.all([svc.settle(at), other.settle(at), svc.settle(at), other.settle(at)]);
    const [ticket] = await ticketsOf(db, fp);
    expect(ticket?.status).toBe('resolved');
    expect((await eventsOf(db, ticket!.id)).filter((e) => e.type === 'status').map((e) => e.body.to)).toEqual(['resolved']);
  });

  test.each(ENGINES)('%s: a ticket moved at once through two collectors moves once; the others are refused', async (_name) => {
    const [db, twin] = storesOf(_name);
    const fp = `1:1:3:race-move:${_name}`;
    await new IncidentService(db, new TicketService(db), SETTINGS).opened(problem(fp), T0 + 6 * DAY);
    const [ticket] = await ticketsOf(db, fp);
    await new TicketService(db).addEvent(ticket!.id, { type: 'status', status: 'in_progress' }, { user: TECH }, T0 + 6 * DAY);
    const stores = [db, twin];
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) =>
        new TicketService(stores[i % 2]!).addEvent(ticket!.id, { type: 'status', status: 'resolved' }, { user: TECH }, T0 + 6 * DAY + 1),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject(CONFLICT);
    expect((await eventsOf(db, ticket!.id)).filter((e) => e.type === 'status').map((e) => e.body.to)).toEqual(['in_progress', 'resolved']);
  });
});

/** Rules, maintenance windows and their audit entries as the REST API writes them. */
async function rulesAndWindows(db: RelationalStore) {
  const repo = new IncidentsRepository(db);
  const ruleId = await repo.createRule({ name: 'CPU haute', type: 'threshold', severity: 'warning', params: { metric: 'cpu', above: 90 } }, 'user:1', T0);
  await repo.updateRule(
    ruleId,
    { name: 'CPU très haute', type: 'threshold', severity: 'critical', enabled: false, params: { metric: 'cpu', above: 95 } },
    'user:1',
    T0 + 1,
  );
  const missingRule = await repo
    .updateRule(999_999, { name: 'x', type: 'threshold', severity: 'warning', params: {} }, 'user:1')
    .catch((e: { code: string }) => e.code);
  // Two windows starting at the same time (the order breaks the tie by id), one on the site, one on the client.
  const w1 = await repo.createWindow({ scope: 'site', scopeId: 1, startsAt: T0, endsAt: T0 + DAY, reason: 'Travaux' }, 1, 'user:1', T0);
  await repo.createWindow({ scope: 'client', scopeId: 1, startsAt: T0, endsAt: T0 + 2 * DAY, reason: 'Déménagement' }, 1, 'user:1', T0);
  const w3 = await repo.createWindow({ scope: 'device', scopeId: 2, startsAt: T0 + DAY, endsAt: T0 + 2 * DAY, reason: 'Remplacement' }, 1, 'user:1', T0);
  const missingScope = await repo
    .createWindow({ scope: 'device', scopeId: 999, startsAt: T0, endsAt: T0 + 1, reason: 'x' }, 1, 'user:1', T0)
    .catch((e: { code: string }) => e.code);
  const device = { id: 1, site_id: 1, client_id: 1 };
  const openNow = await openMaintenanceWindow(db.kysely, device, T0 + 1000);
  const openLater = await openMaintenanceWindow(db.kysely, { id: 2, site_id: 99, client_id: 99 }, T0 + DAY + 5);
  const none = await openMaintenanceWindow(db.kysely, device, T0 + 3 * DAY);
  await repo.deleteWindow(w3, 'user:1');
  const missingWindow = await repo.deleteWindow(w3, 'user:1').catch((e: { code: string }) => e.code);
  const rules = (await repo.rules()).filter((r) => r.key === null);
  const windows = (await repo.windows()).map((w) => {
    const { id, ...rest } = w as { id: number; reason: string };
    return { ...rest, first: id === w1 };
  });
  const audit = (await listAudit(db, { action: 'MAINTENANCE.' })).map((e) => [e.action, e.target]);
  const ruleAudit = (await listAudit(db, { action: 'rule.', actor: 'user:1' })).map((e) => [e.action, e.details]);
  // Wildcards in the filter are taken literally: nothing is named like this.
  const literal = await listAudit(db, { action: 'rule_' });
  return {
    rules: rules.map(({ id: _id, ...r }) => r),
    missingRule,
    missingScope,
    missingWindow,
    openNow: openNow && { ends_at: openNow.ends_at },
    openLater: openLater && { ends_at: openLater.ends_at },
    none,
    windows,
    audit,
    ruleAudit,
    literal,
  };
}

describe('rules, windows and the audit reads on both engines', () => {
  test('give the same answers', async () => {
    const [sq, pgAnswer] = [await rulesAndWindows(sqlite), await rulesAndWindows(postgres)];
    expect(sq.rules).toEqual([
      { key: null, name: 'CPU très haute', type: 'threshold', severity: 'critical', enabled: 0, params: { metric: 'cpu', above: 95 }, updated_at: T0 + 1 },
    ]);
    expect([sq.missingRule, sq.missingScope, sq.missingWindow]).toEqual(Array(3).fill(ErrorCodes.NOT_FOUND.code));
    expect(sq.openNow).toEqual({ ends_at: T0 + 2 * DAY }); // the latest ending of the site's and the client's
    expect(sq.openLater).toEqual({ ends_at: T0 + 2 * DAY }); // the device's own window (looked up before it was deleted)
    expect(sq.none).toBeUndefined();
    expect(sq.windows.map((w) => [w.reason, w.first])).toEqual([
      ['Déménagement', false],
      ['Travaux', true],
    ]);
    expect(sq.audit).toEqual([
      ['maintenance.delete', expect.stringMatching(/^maintenance:\d+$/)],
      ['maintenance.create', 'device:2'],
      ['maintenance.create', 'client:1'],
      ['maintenance.create', 'site:1'],
    ]);
    expect(sq.ruleAudit).toEqual([
      ['rule.update', { name: 'CPU très haute', enabled: false }],
      ['rule.create', { name: 'CPU haute' }],
    ]);
    expect(sq.literal).toEqual([]);
    expect(pgAnswer).toEqual(sq);
  });

  test('the audit chain verifies on both, with the same number of entries once the same calls ran', async () => {
    for (const db of [sqlite, postgres]) {
      await db.kysely.transaction().execute((tx) => appendAuditInTransaction(tx, db.dialect, 'user:1', 'test.entry', 'x:1', { n: 1 }, {}, T0));
    }
    const [sq, pgAnswer] = [await verifyAuditLog(sqlite), await verifyAuditLog(postgres)];
    expect(sq).toMatchObject({ ok: true, problems: [] });
    expect(sq.entries).toBeGreaterThan(5);
    expect(pgAnswer).toEqual(sq);
  });
});

describe('ticket attachments on both engines', () => {
  test.each(ENGINES)('%s: stored, listed and read back byte for byte; the limit holds under concurrent uploads', async (_name) => {
    const [db, twin] = storesOf(_name);
    const fp = `1:1:3:attachments:${_name}`;
    await new IncidentService(db, new TicketService(db), SETTINGS).opened(problem(fp), T0 + 7 * DAY);
    const [ticket] = await ticketsOf(db, fp);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10]);
    const first = await new TicketAttachments(db).add(ticket!.id, '../../capture écran.png', png, 1, T0);
    const list = await new TicketAttachments(db).list(ticket!.id);
    expect(list).toEqual([{ id: first, name: 'capture écran.png', type: 'image/png', size: png.length, createdAt: T0, authorName: 'Léa' }]);
    const back = await new TicketAttachments(twin).get(ticket!.id, first);
    expect(back && Buffer.compare(back.data, png)).toBe(0);
    expect(await new TicketAttachments(db).get(ticket!.id + 1, first)).toBeUndefined();
    const stores = [db, twin];
    const results = await Promise.allSettled(
      Array.from({ length: ATTACHMENTS_PER_TICKET + 3 }, (_, i) =>
        new TicketAttachments(stores[i % 2]!).add(ticket!.id, `log-${i}.txt`, Buffer.from(`ligne ${i}\n`), 1, T0),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(ATTACHMENTS_PER_TICKET - 1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject(CONFLICT);
    expect(await new TicketAttachments(db).list(ticket!.id)).toHaveLength(ATTACHMENTS_PER_TICKET);
    expect((await eventsOf(db, ticket!.id)).filter((e) => e.type === 'attachment')).toHaveLength(ATTACHMENTS_PER_TICKET);
  });
});

describe('the rule builder’s vocabulary on both engines', () => {
  test('the same metrics (counted per device, in code-unit order) and checks', async () => {
    const answers = [];
    for (const db of [sqlite, postgres]) {
      await db.kysely
        .insertInto('series')
        .values([
          { device_id: 1, key: 'cpu', name: 'cpu', labels: '{}' },
          { device_id: 2, key: 'cpu', name: 'cpu', labels: '{}' },
          { device_id: 1, key: 'disk_used{mount=/}', name: 'disk_used', labels: '{"mount":"/"}' },
          { device_id: 1, key: 'disk_used{mount=/home}', name: 'disk_used', labels: '{"mount":"/home"}' },
          { device_id: 2, key: 'Temp', name: 'Temp', labels: '{}' },
        ])
        .execute();
      await db.kysely
        .insertInto('check_state')
        .values({ device_id: 1, check: 'custom-probe', target: 't', status: 'ok', code: 'CUSTOM_OK', message: 'ok', values: null, observed_at: T0, since: T0 })
        .execute();
      answers.push(await ruleVocabulary(db));
    }
    const [sq, pgAnswer] = answers;
    expect(sq!.metrics).toEqual([
      { name: 'Temp', devices: 1 },
      { name: 'cpu', devices: 2 },
      { name: 'disk_used', devices: 1 },
    ]);
    expect(sq!.checks.find((c) => c.check === 'custom-probe')).toEqual({ check: 'custom-probe', codes: ['CUSTOM_OK'] });
    expect(sq!.checks.find((c) => c.check === 'backup')?.codes).toContain('BACKUP_TOO_OLD');
    expect(pgAnswer).toEqual(sq);
  });
});

// Last: it edits the audit log behind the triggers' back.
describe('the audit walk on both engines', () => {
  test('finds an entry edited behind the triggers’ back, the same way', async () => {
    const found = [];
    for (const db of [sqlite, postgres]) {
      await sql.raw(db.dialect === 'postgres' ? 'DROP TRIGGER audit_log_no_update ON audit_log' : 'DROP TRIGGER audit_log_no_update').execute(db.kysely);
      const first = await db.kysely.selectFrom('audit_log').select('id').orderBy('id').limit(1).executeTakeFirstOrThrow();
      await db.kysely.updateTable('audit_log').set({ result: 'ok' }).where('id', '=', first.id).execute();
      found.push({ first: first.id, verification: await verifyAuditLog(db) });
    }
    const [sq, pgAnswer] = found;
    expect(sq!.verification).toMatchObject({ ok: false, problems: [{ id: sq!.first, problem: 'was edited: its content no longer matches its hash' }] });
    expect(pgAnswer!.verification).toEqual({ ...sq!.verification, entries: pgAnswer!.verification.entries });
    expect(pgAnswer!.verification.problems.map((p) => p.problem)).toEqual(sq!.verification.problems.map((p) => p.problem));
  });
});
