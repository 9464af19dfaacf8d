import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monthPeriod } from '@vigie/shared';
import { type Postgres, startPostgres, waitFor } from '@vigie/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PatchRepository } from '../patches/repository.js';
import { Database } from '../store/database.js';
import { PostgresDatabase } from '../store/postgres-database.js';
import type { RelationalStore } from '../store/relational-store.js';
import { ReportArchive } from './archive.js';
import { ReportComments } from './comments.js';
import { DeliveryClaims } from './delivery.js';
import { JobStore } from './jobs.js';
import type { MonthlyReport } from './report-data.js';
import { ReportRepository } from './report-repository.js';
import { activityByMonth } from './statistics.js';

/**
 * Reports on both engines: the same fixtures written through typed Kysely into a SQLite file and
 * into a real PostgreSQL, the same calls, the same answers. Each test states SQLite's answer (what
 * the collector has always given) and expects PostgreSQL's to equal it. Concurrency: a second
 * collector is a second connection to the same store (a second Database on the SQLite file, a
 * second pool on PostgreSQL).
 */

const M = '2026-03';
const P = monthPeriod(M); // Paris: 2026-02-28T23:00Z → 2026-03-31T22:00Z (summer time from the 29th)
const HOUR = 3_600_000;
const MIN = 60_000;

let pg: Postgres;
let dir: string;
let sqlite: Database;
let sqliteTwin: Database;
let postgres: PostgresDatabase;
let postgresTwin: PostgresDatabase;

interface Seeded {
  acme: number;
  globex: number;
  tech: number;
  tickets: number[];
}
const seeded = new Map<RelationalStore, Seeded>();

async function seed(store: RelationalStore): Promise<Seeded> {
  const db = store.kysely;
  const id = <T extends { id: number }>(r: T) => r.id;
  const acme = id(await db.insertInto('clients').values({ name: 'Acme SARL', created_at: P.from }).returning('id').executeTakeFirstOrThrow());
  const globex = id(await db.insertInto('clients').values({ name: 'Globex', created_at: P.from }).returning('id').executeTakeFirstOrThrow());
  const tech = id(
    await db
      .insertInto('users')
      .values({ email: 'tech@vigie.test', name: 'Léa Martin', role: 'technician', client_id: null, password_hash: 'x', locale: 'fr', created_at: P.from })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  const site = id(await db.insertInto('sites').values({ client_id: acme, name: 'Paris', created_at: P.from }).returning('id').executeTakeFirstOrThrow());
  await db.insertInto('sites').values({ client_id: acme, name: 'Annecy', created_at: P.from }).execute();
  // Hostnames whose order differs between byte order and a case-blind one; one device created after the month.
  const devices: number[] = [];
  for (const [hostname, serial, created] of [
    ['srv-fichiers', ' prn-0050 ', P.from - HOUR],
    ['SRV-AD', 'SN-1', P.from - HOUR],
    ['Poste-Accueil', null, P.from + 10 * HOUR],
    ['zz-later', null, P.to + HOUR],
  ] as const) {
    devices.push(
      id(
        await db
          .insertInto('devices')
          .values({ site_id: site, client_id: acme, kind: 'agent', hostname, platform: 'linux', serial, created_at: created })
          .returning('id')
          .executeTakeFirstOrThrow(),
      ),
    );
  }
  // Tickets: one received the evening of Feb 28th UTC (March 1st in Paris), one in March, one before the month.
  const ticket = async (title: string, receivedAt: number, deadline: number | null, started: number | null) =>
    id(
      await db
        .insertInto('tickets')
        .values({
          client_id: acme,
          title,
          description: '',
          channel: 'portal',
          kind: 'urgent',
          mode: 'remote',
          priority: 'normal',
          status: 'new',
          received_at: receivedAt,
          sla_start_at: receivedAt,
          sla_deadline_at: deadline,
          intervention_started_at: started,
          created_at: receivedAt,
          updated_at: receivedAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
  const t1 = await ticket('Imprimante', P.from + 30 * MIN, P.from + 4 * HOUR, P.from + HOUR);
  const t2 = await ticket('VPN', P.from + 5 * 24 * HOUR, P.from + 5 * 24 * HOUR + 4 * HOUR, null);
  const t0 = await ticket('Ancien', P.from - 3 * 24 * HOUR, null, null);
  const status = (ticketId: number, at: number, from: string, to: string) =>
    db
      .insertInto('ticket_events')
      .values({ ticket_id: ticketId, at, author_id: tech, author: 'Léa Martin', type: 'status', body: JSON.stringify({ from, to }) })
      .execute();
  await status(t1, P.from + HOUR, 'new', 'in_progress');
  await status(t1, P.from + 2 * HOUR, 'in_progress', 'resolved');
  // Two events in the same millisecond: the id decides which is last.
  await status(t0, P.from - 2 * 24 * HOUR, 'new', 'resolved');
  await status(t0, P.from - 2 * 24 * HOUR, 'resolved', 'in_progress');
  await db
    .insertInto('ticket_events')
    .values({ ticket_id: t2, at: P.from + 5 * 24 * HOUR + MIN, author_id: tech, author: 'Léa Martin', type: 'comment', body: 'Vu.' })
    .execute();
  // Incidents: one open across the month's end, one resolved, one in Globex's (not counted).
  const incident = (clientId: number, fingerprint: string, severity: 'warning' | 'critical', opened: number, resolved: number | null) =>
    db
      .insertInto('incidents')
      .values({
        fingerprint,
        client_id: clientId,
        site_id: site,
        device_id: null,
        rule_id: 1,
        target: 'x',
        severity,
        status: resolved ? 'resolved' : 'open',
        suppressed: null,
        message: 'm',
        opened_at: opened,
        resolved_at: resolved,
        ticket_id: null,
      })
      .execute();
  await incident(acme, 'a', 'critical', P.from + HOUR, null);
  await incident(acme, 'b', 'warning', P.from + 2 * HOUR, P.from + 3 * HOUR);
  await incident(globex, 'c', 'critical', P.from + 2 * HOUR, null);
  // A supplied item whose serial matches srv-fichiers' once trimmed and upper-cased.
  await db
    .insertInto('supplied_items')
    .values({
      client_id: acme,
      description: 'Imprimante Brother',
      serial: 'PRN-0050',
      serial_key: 'PRN-0050',
      delivered_on: '2026-03-08',
      warranty_months: 24,
      warranty_end: '2028-03-08',
      created_at: P.from,
    })
    .execute();
  await db
    .insertInto('billing_settings')
    .values({ id: 1, seller: JSON.stringify({ name: 'Sibio', address: ['Lyon'] }), vat_on_debits: 0, updated_at: P.from })
    .execute();
  // Remote actions: two in the same millisecond (the id orders them), a key rotation left out.
  const command = (cmdId: string, action: string, at: number) =>
    sql`INSERT INTO commands (id, client_id, device_id, agent_id, action, args, key_id, envelope, signature, nonce, state, created_at, not_before, expires_at, issued_by, exit_code)
        VALUES (${cmdId}, ${acme}, ${devices[0]}, 'agent-1', ${action}, '{}', 'k', 'e', 's', ${cmdId}, 'succeeded', ${at}, ${at}, ${at + HOUR}, ${tech}, 0)`.execute(
      db,
    );
  await command('c-b', 'reboot', P.from + 3 * HOUR);
  await command('c-a', 'shutdown', P.from + 3 * HOUR);
  await command('c-k', 'key-rotate', P.from + 3 * HOUR);
  const s: Seeded = { acme, globex, tech, tickets: [t0, t1, t2] };
  seeded.set(store, s);
  return s;
}

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  dir = mkdtempSync(join(tmpdir(), 'vigie-reports-engines-'));
  sqlite = new Database({ path: join(dir, 'vigie.db') });
  const url = await pg.createDatabase('vigie_reports');
  postgres = new PostgresDatabase({ url, maxConnections: 10 });
  postgresTwin = new PostgresDatabase({ url, maxConnections: 10 });
  await sqlite.migrate();
  await postgres.migrate();
  sqliteTwin = new Database({ path: join(dir, 'vigie.db') });
  for (const store of [sqlite, postgres]) await seed(store);
}, 120_000);

afterAll(async () => {
  await sqliteTwin?.close();
  await sqlite?.close();
  await postgres?.close();
  await postgresTwin?.close();
  if (pg) {
    await waitFor(
      'the pools to disconnect',
      async () => pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'vigie_reports'")[0]?.trim() === '0',
      10_000,
      20,
    );
    await pg.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the same calls on each engine, with a second collector's connection to the same store (a second Database on the SQLite file, a second pool on PostgreSQL). */
async function onBoth<T>(call: (store: RelationalStore, twin: RelationalStore) => Promise<T>): Promise<{ sqlite: T; postgres: T }> {
  return { sqlite: await call(sqlite, sqliteTwin), postgres: await call(postgres, postgresTwin) };
}

const report = (clientId: number, month: string, generatedAt: number) => ({ clientId, month, partial: false, generatedAt }) as unknown as MonthlyReport;

describe('the archive on SQLite and PostgreSQL', () => {
  test('two collectors archiving the same month at once leave one report, its revision counting each save', async () => {
    const r = await onBoth(async (store, twin) => {
      const { acme } = seeded.get(store)!;
      const saves = [store, twin, store, twin, store].map((s, i) =>
        new ReportArchive(s).save({
          report: report(acme, '2025-11', 1000 + i),
          lang: 'fr',
          pdf: Buffer.from(`%PDF-${i}`),
          pages: 1,
          generationMs: 5,
          by: `w${i}`,
        }),
      );
      const saved = await Promise.all(saves);
      const archive = new ReportArchive(store);
      const rows = await store.kysely.selectFrom('reports').select(['client_id', 'month', 'revision']).where('month', '=', '2025-11').execute();
      const found = (await archive.find(acme, '2025-11'))!;
      return {
        ids: new Set(saved.map((s) => s.id)).size,
        revisions: saved.map((s) => s.revision).sort(),
        rows: rows.length,
        revision: found.revision,
        size: found.size,
      };
    });
    expect(r.sqlite).toEqual({ ids: 1, revisions: [1, 2, 3, 4, 5], rows: 1, revision: 5, size: 6 });
    expect(r.postgres).toEqual(r.sqlite);
  });

  test('lists by year, newest month first then by client; settings fall back to the contract; the PDF comes back as bytes', async () => {
    const r = await onBoth(async (store) => {
      const { acme, globex } = seeded.get(store)!;
      const archive = new ReportArchive(store);
      for (const [clientId, month] of [
        [globex, '2026-01'],
        [acme, '2026-01'],
        [acme, '2025-12'],
        [acme, '2024-12'],
      ] as const)
        await archive.save({ report: report(clientId, month, 1), lang: 'en', pdf: Buffer.from([0, 1, 2, 255]), pages: 2, generationMs: 1, by: 't' });
      const list = (years: number[], clientId?: number) =>
        archive.list({ years, clientId }).then((rows) => rows.map((x) => `${x.client_id === acme ? 'acme' : 'globex'} ${x.month}`));
      const one = (await archive.find(acme, '2024-12'))!;
      await archive.putSettings(globex, { recipients: ['it@globex.test', 'it@globex.test'], lang: 'en' }, 5);
      return {
        y2026: await list([2026]),
        y2025and2024acme: await list([2025, 2024], acme),
        none: await list([]),
        pdf: [...(await archive.pdf(one.id))!.pdf],
        data: (await archive.data(one.id))?.month,
        settings: [await archive.settings(acme), await archive.settings(globex)],
        missing: await archive.putSettings(99_999, { recipients: [], lang: 'fr' }).catch((e: Error) => e.message),
      };
    });
    expect(r.sqlite).toEqual({
      y2026: ['acme 2026-01', 'globex 2026-01'],
      y2025and2024acme: ['acme 2025-12', 'acme 2025-11', 'acme 2024-12'],
      none: [],
      pdf: [0, 1, 2, 255],
      data: '2024-12',
      settings: [
        { recipients: [], ownRecipients: false, lang: null },
        { recipients: ['it@globex.test'], ownRecipients: true, lang: 'en' },
      ],
      missing: 'No such client',
    });
    expect(r.postgres).toEqual(r.sqlite);
  });
});

describe('delivery claims on SQLite and PostgreSQL', () => {
  test('of four collectors claiming a report at once one sends; after a failure one takes over; once sent nobody does', async () => {
    const r = await onBoth(async (store, twin) => {
      const { acme } = seeded.get(store)!;
      const reportId = (await new ReportArchive(store).find(acme, '2025-11'))!.id;
      const claimers = [store, twin, store, twin].map((s, i) => new DeliveryClaims(s, `w${i}`, 60_000));
      const input = { subjectId: reportId, claim: 'report:2025-11', kind: 'scheduled' as const, jobId: null };
      const first = await Promise.all(claimers.map((c) => c.claim(input, 100)));
      const winner = first.find((x) => x.claimed)!;
      if (!winner.claimed) throw new Error('nobody claimed');
      await claimers[0]!.finish(winner.id, { status: 'failed', recipients: ['a@acme.test'], revision: 1, error: 'relais' }, 110);
      const retry = await Promise.all(claimers.map((c) => c.claim(input, 120)));
      const again = retry.find((x) => x.claimed)!;
      if (!again.claimed) throw new Error('nobody took over');
      await claimers[1]!.finish(again.id, { status: 'sent', recipients: ['a@acme.test'], revision: 1, messageId: '<m@x>' }, 130);
      const late = await claimers[2]!.claim(input, 140);
      const [row] = await new ReportArchive(store).deliveries([reportId]);
      return {
        first: first.map((x) => (x.claimed ? 'claimed' : x.reason)).sort(),
        retry: retry.map((x) => (x.claimed ? `claimed ${x.attempts}` : x.reason)).sort(),
        late: late.claimed ? 'claimed' : late.reason,
        row: { status: row?.status, attempts: row?.attempts, sentAt: row?.sent_at, error: row?.error, recipients: row?.recipients },
      };
    });
    expect(r.sqlite).toEqual({
      first: ['busy', 'busy', 'busy', 'claimed'],
      retry: ['busy', 'busy', 'busy', 'claimed 2'],
      late: 'sent',
      row: { status: 'sent', attempts: 2, sentAt: 130, error: null, recipients: '["a@acme.test"]' },
    });
    expect(r.postgres).toEqual(r.sqlite);
  });
});

describe('report jobs on SQLite and PostgreSQL', () => {
  test("the monthly run's claim makes one job however many collectors create it; one of them starts it", async () => {
    const r = await onBoth(async (store, twin) => {
      const created = await Promise.all(
        [store, twin, store, twin].map((s) =>
          new JobStore(s).create({ kind: 'scheduled', month: '2026-02', send: true, regenerate: false, maxAttempts: 3, claim: 'scheduled:2026-02' }, 10),
        ),
      );
      const id = created.find((x) => x !== undefined)!;
      const started = await Promise.all([store, twin, store, twin].map((s, i) => new JobStore(s).start(id, `w${i}`, 60_000, 20)));
      const jobs = new JobStore(store);
      const row = (await jobs.get(id))!;
      await jobs.progress(id, row.worker!, [{ clientId: 1, clientName: 'Acme', status: 'done' }], 60_000, 30);
      await jobs.finish(id, row.worker!, { status: 'retrying', nextAttemptAt: 40, error: 'relais' }, 35);
      const retrying = (await jobs.get(id))!;
      return {
        created: created.filter((x) => x !== undefined).length,
        started: started.filter(Boolean).length,
        attempt: row.attempt,
        startedAt: row.started_at,
        retrying: { status: retrying.status, done: retrying.done, total: retrying.total, finished: retrying.finished_at, lease: retrying.lease_until },
        dueBefore: await jobs.due(60_000, 39),
        // The job itself, not its id: on PostgreSQL the losing creates may use up sequence values first.
        dueAt: (await jobs.due(60_000, 40)).map((x) => (x === id ? 'the job' : x)),
        byClaim: (await jobs.byClaim('scheduled:2026-02'))?.id === id,
        list: (await jobs.list({ status: 'retrying', limit: 5 })).map((j) => j.month),
      };
    });
    expect(r.sqlite).toEqual({
      created: 1,
      started: 1,
      attempt: 1,
      startedAt: 20,
      retrying: { status: 'retrying', done: 1, total: 1, finished: null, lease: null },
      dueBefore: [],
      dueAt: ['the job'],
      byClaim: true,
      list: ['2026-02'],
    });
    expect(r.postgres).toEqual(r.sqlite);
  });
});

describe("a client's month read in one snapshot, on SQLite and PostgreSQL", () => {
  test('every query of the report gives the same rows, in the same order', async () => {
    const r = await onBoth(async (store) => {
      const { acme, tickets } = seeded.get(store)!;
      await new ReportComments(store).put(acme, M, '  Mois chargé : migration.  ', { id: seeded.get(store)!.tech, actor: 'user:tech' }, 77);
      return new ReportRepository(store, (on) => new PatchRepository(on)).snapshot(async (q) => ({
        patches: (await q.patchCompliance(acme, P.to, 30)).map((d) => `${d.hostname}: ${d.state}`),
        client: await q.client(acme),
        provider: await q.providerName(),
        identity: await q.providerIdentity(),
        comment: await q.comment(acme, M),
        sites: (await q.sites(acme)).map((s) => s.name),
        devices: (await q.devices(acme, P.to)).map((d) => d.hostname),
        incidents: (await q.incidents(acme, P.from, P.to)).map((i) => i.severity),
        incidentsOpenAtEnd: await q.incidentsOpenAt(acme, P.to),
        received: (await q.ticketsReceivedBetween(acme, P.from, P.to)).map((t) => t.title),
        active: (await q.ticketsActiveBetween(acme, P.from, P.to)).map((t) => t.title),
        due: await q.ticketsDueBetween(acme, P.from, P.to),
        events: (await q.events(tickets, P.to)).map((e) => `${e.type}:${e.from ?? '-'}>${e.to ?? '-'}`),
        openAtStart: await q.ticketsOpenAt(acme, P.from),
        openAtEnd: await q.ticketsOpenAt(acme, P.to),
        delivered: await q.delivered(acme, '2026-03-01', '2026-03-31'),
        warranties: (await q.warranties(acme, '2028-01-01', '2028-12-31')).map((w) => w.warranty_end),
        remote: (await q.remoteActions(acme, P.from, P.to)).map((a) => `${a.action} ${a.by} ${a.script}`),
      }));
    });
    expect(r.sqlite).toEqual({
      client: { id: expect.any(Number), name: 'Acme SARL' },
      patches: ['Poste-Accueil: unknown', 'SRV-AD: unknown', 'srv-fichiers: unknown'],
      provider: 'Sibio',
      identity: { name: 'Sibio', address: ['Lyon'], hasLogo: false },
      comment: { text: 'Mois chargé : migration.', authorName: 'Léa Martin', updatedAt: 77 },
      sites: ['Annecy', 'Paris'],
      // Byte order, as SQLite has always sorted (the test cluster's C.UTF-8 collation sorts the same).
      devices: ['Poste-Accueil', 'SRV-AD', 'srv-fichiers'],
      incidents: ['critical', 'warning'],
      incidentsOpenAtEnd: 1,
      received: ['Imprimante', 'VPN'],
      active: ['Imprimante', 'VPN'],
      due: [
        { deadline: P.from + 4 * 3_600_000, startedAt: P.from + 3_600_000 },
        { deadline: P.from + 5 * 24 * 3_600_000 + 4 * 3_600_000, startedAt: null },
      ],
      events: ['status:new>resolved', 'status:resolved>in_progress', 'status:new>in_progress', 'status:in_progress>resolved', 'comment:->-'],
      // Before the month: the older ticket, its last move (same millisecond, higher id) reopening it.
      openAtStart: 1,
      openAtEnd: 2,
      delivered: [{ description: 'Imprimante Brother', serial: 'PRN-0050', delivered_on: '2026-03-08', hostname: 'srv-fichiers' }],
      warranties: ['2028-03-08'],
      remote: ['shutdown Léa Martin null', 'reboot Léa Martin null'],
    });
    expect(r.postgres).toEqual(r.sqlite);
  });

  test('the comment is audited in the same transaction; an empty text removes it', async () => {
    const r = await onBoth(async (store) => {
      const { globex, tech } = seeded.get(store)!;
      const comments = new ReportComments(store);
      await comments.put(globex, M, 'Rien à signaler.', { id: tech, actor: 'user:tech' }, 1);
      const before = await comments.get(globex, M);
      await comments.put(globex, M, '   ', { id: tech, actor: 'user:tech' }, 2);
      const audit = await store.kysely
        .selectFrom('audit_log')
        .select(['action', 'target', 'details'])
        .where('target', '=', `client:${globex}`)
        .orderBy('id')
        .execute();
      return { before, after: await comments.get(globex, M), audit: audit.map((a) => `${a.action} ${a.details}`) };
    });
    expect(r.sqlite).toEqual({
      before: { text: 'Rien à signaler.', authorName: 'Léa Martin', updatedAt: 1 },
      after: undefined,
      audit: ['report.comment {"month":"2026-03","length":16}', 'report.comment {"month":"2026-03","length":0}'],
    });
    expect(r.postgres).toEqual(r.sqlite);
  });
});

describe('statistics by Paris month on SQLite and PostgreSQL', () => {
  test('a ticket received on Feb 28th at 23:30 UTC counts in March, as Paris saw it; the numbers are the same on both engines', async () => {
    const r = await onBoth(async (store) => {
      const { acme } = seeded.get(store)!;
      const s = await activityByMonth(store, acme, ['2026-02', '2026-03', '2026-04']);
      return s.months.map((m) => [m.month, m.ticketsOpened, m.ticketsResolved, m.incidents, m.incidentsCritical]);
    });
    expect(r.sqlite).toEqual([
      ['2026-02', 1, 1, 0, 0],
      ['2026-03', 2, 1, 2, 1],
      ['2026-04', 0, 0, 0, 0],
    ]);
    expect(r.postgres).toEqual(r.sqlite);
    await expect(activityByMonth(postgres, 99_999, ['2026-03'])).rejects.toMatchObject({ code: 'VIGIE_E_NOT_FOUND' });
  });
});
