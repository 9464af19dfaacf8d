import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Postgres, startPostgres } from '@vigie/testkit';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AUDIT_GENESIS, auditHash } from '../audit/chain.js';
import { createMigrator, Database } from './database.js';
import { postgresObjects, postgresShape, type SchemaShape, sqliteObjects, sqliteShape } from './engine-schemas.js';
import { PostgresDatabase } from './postgres-database.js';
import type { DB } from './schema.js';
import { KNOWN_NULLABILITY_GAPS, SCHEMA_TS_COLUMNS } from './schema-declared-columns.js';

const AT = 1_764_000_000_000; // a UTC millisecond timestamp: beyond 2^31, so stored as bigint on PostgreSQL

/** Tenant, device, ticket (with its device and an event) written and read back through typed Kysely. */
async function roundTrip(db: Kysely<DB>) {
  const client = await db.insertInto('clients').values({ name: 'Boulangerie Martin', created_at: AT }).returning('id').executeTakeFirstOrThrow();
  const site = await db.insertInto('sites').values({ client_id: client.id, name: 'Lyon', created_at: AT }).returning('id').executeTakeFirstOrThrow();
  const device = await db
    .insertInto('devices')
    .values({
      site_id: site.id,
      client_id: client.id,
      kind: 'agent',
      hostname: 'POSTE-CAISSE-01',
      platform: 'win32',
      serial: 'SN-42',
      created_at: AT,
      last_seen_at: AT + 1,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const ticket = await db
    .insertInto('tickets')
    .values({
      client_id: client.id,
      title: 'Disque presque plein',
      description: 'C: à 95 %',
      channel: 'monitoring',
      kind: 'urgent',
      mode: 'remote',
      priority: 'high',
      status: 'new',
      received_at: AT,
      sla_start_at: AT,
      sla_deadline_at: AT + 4 * 3_600_000,
      created_at: AT,
      updated_at: AT,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('ticket_devices').values({ ticket_id: ticket.id, device_id: device.id }).execute();
  await db
    .insertInto('ticket_events')
    .values({ ticket_id: ticket.id, at: AT, author: 'système', type: 'comment', body: 'Ouvert par la règle disque' })
    .execute();
  await db
    .updateTable('tickets')
    .set({ status: 'acknowledged', updated_at: AT + 60_000 })
    .where('id', '=', ticket.id)
    .execute();
  return {
    client: await db.selectFrom('clients').selectAll().where('id', '=', client.id).executeTakeFirstOrThrow(),
    device: await db.selectFrom('devices').selectAll().where('id', '=', device.id).executeTakeFirstOrThrow(),
    ticket: await db.selectFrom('tickets').selectAll().where('id', '=', ticket.id).executeTakeFirstOrThrow(),
    events: await db.selectFrom('ticket_events').select(['at', 'author', 'type', 'body']).where('ticket_id', '=', ticket.id).execute(),
    openTickets: await db
      .selectFrom('tickets as t')
      .innerJoin('ticket_devices as td', 'td.ticket_id', 't.id')
      .innerJoin('devices as d', 'd.id', 'td.device_id')
      .select(['d.hostname', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('t.sla_deadline_at').as('deadline')])
      .where('t.client_id', '=', client.id)
      .groupBy('d.hostname')
      .execute(),
  };
}

/** What the triggers and checks refuse, as the application sees it: the error's message. */
async function refusals(db: Kysely<DB>, clientId: number): Promise<string[]> {
  const entry = { at: AT, actor: 'user:1', action: 'ticket.create', target: 'ticket:1', details: null, clientId, deviceId: null, result: 'ok' };
  await db
    .insertInto('audit_log')
    .values({
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      details: entry.details,
      client_id: clientId,
      device_id: null,
      result: entry.result,
      prev_hash: AUDIT_GENESIS,
      hash: auditHash(AUDIT_GENESIS, entry),
    })
    .execute();
  const attempts = [
    () => db.updateTable('audit_log').set({ actor: 'user:2' }).execute(),
    () => db.deleteFrom('audit_log').execute(),
    () => db.insertInto('audit_log').values({ at: AT, actor: 'x', action: 'y', target: 'z', prev_hash: AUDIT_GENESIS, hash: 'forged' }).execute(),
    // reports.month is checked by GLOB on SQLite, by the equivalent regular expression on PostgreSQL
    () =>
      sql`INSERT INTO reports (client_id, month, lang, data, pdf, sha256, pages, partial, generated_at, generated_by, generation_ms)
          VALUES (${clientId}, 'mai 2026', 'fr', '{}', ${Buffer.from('%PDF')}, 'x', 1, 0, ${AT}, 'test', 1)`.execute(db),
  ];
  const messages: string[] = [];
  for (const attempt of attempts) {
    const outcome = await attempt().then(
      () => 'accepted',
      (e: Error) => e.message,
    );
    messages.push(/CHECK constraint|check constraint/.test(outcome) ? 'check constraint' : outcome);
  }
  // The same month, well formed, is accepted: the refusal above was the check, not the row.
  await sql`INSERT INTO reports (client_id, month, lang, data, pdf, sha256, pages, partial, generated_at, generated_by, generation_ms)
            VALUES (${clientId}, '2026-05', 'fr', '{}', ${Buffer.from('%PDF')}, 'x', 1, 0, ${AT}, 'test', 1)`.execute(db);
  return messages;
}

/**
 * Contract 5 (invoices): an issued invoice never changes, a billed intervention's billed fields are
 * frozen until a credit note releases them; its notes stay editable. Returns each write's outcome.
 */
async function billingOutcomes(db: Kysely<DB>, clientId: number, ticketId: number): Promise<string[]> {
  const one = async <T>(q: { execute(db: Kysely<DB>): Promise<{ rows: T[] }> }) => (await q.execute(db)).rows[0] as T;
  const grid = await one<{ id: number }>(sql`INSERT INTO price_grids (client_id, valid_from, grid, syntec_index, reason, created_at)
    VALUES (${clientId}, '2026-01-01', '{}', '274.7', 'initial', ${AT}) RETURNING id`);
  const invoice = await one<{ id: number }>(sql`INSERT INTO invoices (client_id, kind, year, seq, number, period_start, period_end, issued_on, due_on,
      total_excl_cents, vat_rate_bp, vat_cents, total_incl_cents, document, created_at)
    VALUES (${clientId}, 'invoice', 2026, 1, 'F-2026-0001', '2026-05-01', '2026-05-31', '2026-06-01', '2026-07-01', 9000, 2000, 1800, 10800, '{}', ${AT}) RETURNING id`);
  const intervention = await one<{ id: number }>(sql`INSERT INTO interventions (client_id, ticket_id, date, minutes, kind, mode, grid_id, unit, unit_count,
      unit_price_cents, amount_cents, rule, invoice_id, created_at, updated_at)
    VALUES (${clientId}, ${ticketId}, '2026-05-12', 30, 'urgent', 'remote', ${grid.id}, 'hour', 1, 9000, 9000, '2.4', ${invoice.id}, ${AT}, ${AT}) RETURNING id`);
  const attempts = [
    sql`UPDATE interventions SET minutes = 60 WHERE id = ${intervention.id}`,
    sql`UPDATE interventions SET notes = 'client absent le matin' WHERE id = ${intervention.id}`,
    sql`DELETE FROM interventions WHERE id = ${intervention.id}`,
    sql`UPDATE invoices SET document = '{"edited":true}' WHERE id = ${invoice.id}`,
    sql`DELETE FROM invoices WHERE id = ${invoice.id}`,
    // A credit note cancelling the invoice releases its items: they may leave it, then be corrected.
    sql`INSERT INTO invoices (client_id, kind, year, seq, number, period_start, period_end, issued_on, due_on, corrects_invoice_id, releases_items,
        total_excl_cents, vat_rate_bp, vat_cents, total_incl_cents, document, created_at)
      VALUES (${clientId}, 'credit_note', 2026, 1, 'A-2026-0001', '2026-05-01', '2026-05-31', '2026-06-02', '2026-06-02', ${invoice.id}, 1, -9000, 2000, -1800, -10800, '{}', ${AT})`,
    sql`UPDATE interventions SET invoice_id = NULL WHERE id = ${intervention.id}`,
    sql`UPDATE interventions SET minutes = 60 WHERE id = ${intervention.id}`,
  ];
  const outcomes: string[] = [];
  for (const attempt of attempts) {
    outcomes.push(
      await attempt.execute(db).then(
        () => 'accepted',
        (e: Error) => e.message,
      ),
    );
  }
  return outcomes;
}

let pg: Postgres;
let dir: string;
let sqlite: Database;
let postgres: PostgresDatabase;

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  dir = mkdtempSync(join(tmpdir(), 'vigie-engines-'));
  sqlite = new Database({ path: join(dir, 'vigie.db') });
  postgres = new PostgresDatabase({ url: await pg.createDatabase('vigie'), maxConnections: 2 });
  await sqlite.migrate();
  await postgres.migrate();
});

afterAll(async () => {
  await sqlite?.close();
  await postgres?.close();
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the same migrations on SQLite and PostgreSQL', () => {
  test('every migration is applied on PostgreSQL, and a second run applies none and changes nothing', async () => {
    const applied = await postgres.kysely.withTables<{ kysely_migration: { name: string } }>().selectFrom('kysely_migration').select('name').execute();
    const onSqlite = await sqlite.kysely.withTables<{ kysely_migration: { name: string } }>().selectFrom('kysely_migration').select('name').execute();
    expect(applied.map((r) => r.name).sort()).toEqual(onSqlite.map((r) => r.name).sort());
    expect(applied.length).toBeGreaterThanOrEqual(24);
    for (const db of [sqlite, postgres]) {
      const shape = db.dialect === 'sqlite' ? await sqliteShape(db.kysely) : await postgresShape(db.kysely);
      const again = await createMigrator(db.kysely, db.dialect).migrateToLatest();
      expect(again.error, db.dialect).toBeUndefined();
      expect(again.results, db.dialect).toEqual([]);
      expect(db.dialect === 'sqlite' ? await sqliteShape(db.kysely) : await postgresShape(db.kysely)).toEqual(shape);
    }
  });

  test('two collectors migrating one fresh PostgreSQL database at once both succeed, each migration applied once', async () => {
    const url = await pg.createDatabase('vigie_race');
    const a = new PostgresDatabase({ url, maxConnections: 2 });
    const b = new PostgresDatabase({ url, maxConnections: 2 });
    try {
      await Promise.all([a.migrate(), b.migrate()]); // Kysely serialises them with an advisory lock
      const names = await a.kysely.withTables<{ kysely_migration: { name: string } }>().selectFrom('kysely_migration').select('name').execute();
      const expected = await sqlite.kysely.withTables<{ kysely_migration: { name: string } }>().selectFrom('kysely_migration').select('name').execute();
      expect(names.map((r) => r.name).sort()).toEqual(expected.map((r) => r.name).sort());
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('both engines have the same tables and columns, with the same nullability and type family', async () => {
    const s: SchemaShape = await sqliteShape(sqlite.kysely);
    const p: SchemaShape = await postgresShape(postgres.kysely);
    expect(Object.keys(s).length).toBeGreaterThan(60);
    expect(Object.keys(p).sort()).toEqual(Object.keys(s).sort());
    for (const table of Object.keys(s)) expect(p[table], table).toEqual(s[table]);
  });

  test('every table and column of schema.ts exists on both engines, nullable exactly where its type says', async () => {
    for (const shape of [await sqliteShape(sqlite.kysely), await postgresShape(postgres.kysely)]) {
      for (const [table, columns] of Object.entries(SCHEMA_TS_COLUMNS)) {
        for (const [column, declared] of Object.entries(columns)) {
          const actual = shape[table]?.[column];
          expect(actual, `${table}.${column}`).toBeDefined();
          if (KNOWN_NULLABILITY_GAPS.has(`${table}.${column}`)) expect(actual?.nullable, `${table}.${column}`).toBe(declared === 'not null');
          else expect(actual?.nullable ? 'nullable' : 'not null', `${table}.${column}`).toBe(declared);
        }
      }
    }
  });

  test('every named index and trigger of SQLite exists on PostgreSQL', async () => {
    const s = await sqliteObjects(sqlite.kysely);
    const p = await postgresObjects(postgres.kysely);
    expect(s.triggers.length).toBeGreaterThan(15);
    expect(p.indexes).toEqual(expect.arrayContaining(s.indexes));
    expect(p.triggers.sort()).toEqual(s.triggers.sort());
  });

  test('typed Kysely round trips (tenant, device, ticket) read back the same values, as numbers, on both engines', async () => {
    const onSqlite = await roundTrip(sqlite.kysely);
    const onPostgres = await roundTrip(postgres.kysely);
    expect(onPostgres).toEqual(onSqlite);
    expect(onPostgres.ticket.sla_deadline_at).toBe(AT + 4 * 3_600_000);
    expect(onPostgres.ticket.status).toBe('acknowledged');
    expect(onPostgres.device.last_seen_at).toBe(AT + 1);
    expect(onPostgres.openTickets).toEqual([{ hostname: 'POSTE-CAISSE-01', n: 1, deadline: AT + 4 * 3_600_000 }]);
  });

  test('the append-only audit log, its hash chain and the report month check refuse the same writes on both engines', async () => {
    const clientOf = async (db: Kysely<DB>) => (await db.selectFrom('clients').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
    const onSqlite = await refusals(sqlite.kysely, await clientOf(sqlite.kysely));
    const onPostgres = await refusals(postgres.kysely, await clientOf(postgres.kysely));
    expect(onSqlite).toEqual([
      'VIGIE_IMMUTABLE: the audit log is append-only',
      'VIGIE_IMMUTABLE: the audit log is append-only',
      'VIGIE_IMMUTABLE: an audit entry must extend the chain',
      'check constraint',
    ]);
    expect(onPostgres).toEqual(onSqlite);
  });

  test('an issued invoice and its billed interventions refuse the same changes on both engines (contract 5)', async () => {
    const firstTicket = async (db: Kysely<DB>) => await db.selectFrom('tickets').select(['id', 'client_id']).orderBy('id').executeTakeFirstOrThrow();
    const s = await firstTicket(sqlite.kysely);
    const p = await firstTicket(postgres.kysely);
    const onSqlite = await billingOutcomes(sqlite.kysely, s.client_id, s.id);
    expect(onSqlite).toEqual([
      'VIGIE_INVOICED: this item is on an issued invoice',
      'accepted',
      'VIGIE_INVOICED: this item is on an issued invoice',
      'VIGIE_IMMUTABLE: an issued invoice cannot be changed',
      'VIGIE_IMMUTABLE: an issued invoice cannot be deleted',
      'accepted',
      'accepted',
      'accepted',
    ]);
    expect(await billingOutcomes(postgres.kysely, p.client_id, p.id)).toEqual(onSqlite);
  });

  test('PostgreSQL serves the device search (a substring LIKE over addresses and software) from its trigram indexes', async () => {
    const plan = await postgres.kysely.transaction().execute(async (tx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(tx); // an empty table would otherwise be scanned
      const like = '%10.0.0%';
      return (await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT device_id FROM device_search WHERE ips LIKE ${like} OR software LIKE ${like}`.execute(tx)).rows
        .map((r) => r['QUERY PLAN'])
        .join('\n');
    });
    expect(plan).toMatch(/Bitmap Index Scan on device_search_ips/);
    expect(plan).toMatch(/Bitmap Index Scan on device_search_software/);
  });

  test('PostgreSQL bigints come back as numbers, and one beyond 2^53 is refused rather than rounded', async () => {
    const ok = await sql<{
      n: number;
      s: number;
    }>`SELECT ${2 ** 53 - 1}::bigint AS n, sum(x)::numeric AS s FROM (VALUES (${AT}::bigint), (1::bigint)) v(x)`.execute(postgres.kysely);
    expect(ok.rows).toEqual([{ n: 2 ** 53 - 1, s: AT + 1 }]);
    await expect(sql`SELECT 9007199254740993::bigint AS n`.execute(postgres.kysely)).rejects.toThrow(/beyond what a JavaScript number holds/);
  });
});
