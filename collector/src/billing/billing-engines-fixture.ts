import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Postgres, startPostgres, waitFor } from '@vigie/testkit';
import { AUDIT_GENESIS } from '../audit/chain.js';
import { Database } from '../store/database.js';
import { PostgresDatabase } from '../store/postgres-database.js';
import type { RelationalStore } from '../store/relational-store.js';
import { ContractRepository } from './contracts/repository.js';
import type { InvoiceDocument } from './invoice-document.js';
import { BillableItemRepository } from './invoices/billable-items.js';
import { InvoiceRepository } from './invoices/repository.js';
import { InvoiceIssuing } from './invoices/service.js';
import { SettingsService } from './settings/service.js';

/**
 * What billing's dual-engine tests share (billing-engines.test.ts, contracts-recurring-engines.test.ts):
 * fresh stores on a SQLite file and on a real PostgreSQL, with a second collector's handle on each,
 * and a month of billable work written the same way into both.
 *
 * SQLite's "second collector" is the same handle: two better-sqlite3 handles in one process would
 * block each other's event loop in busy_timeout. Two collector processes on one SQLite file are
 * test/billing-concurrency.test.ts.
 */

// 2 April 2026, 10:00 in Paris: March 2026 is over, its invoices are issued today (beyond 2^31: bigint on PostgreSQL).
export const ISSUE_AT = Date.parse('2026-04-02T08:00:00Z');
export const MONTH = '2026-03';
const SELLER = {
  name: 'Sibio',
  legalForm: 'SARL au capital de 10 000 €',
  address: ['20 rue Raymond Poincaré', 'Escalier B', '91330 Yerres'],
  siren: '812345678',
  vatNumber: 'FR40812345678',
  rcs: 'RCS Évry 812 345 678',
};

type Engine = 'sqlite' | 'postgres';

/** One private PostgreSQL cluster and one temporary directory per test file (`start` in beforeAll, `stop` in afterAll). */
export class EngineStores {
  private pg: Postgres | undefined;
  private dir: string | undefined;
  private readonly opened: { close(): Promise<void> }[] = [];
  private readonly pgDatabases: string[] = [];

  async start(prefix: string): Promise<void> {
    this.pg = await startPostgres({ fast: true });
    this.dir = mkdtempSync(join(tmpdir(), `vigie-${prefix}-`));
  }

  async stop(): Promise<void> {
    for (const db of this.opened) await db.close();
    const pg = this.pg;
    if (pg) {
      const names = this.pgDatabases.map((n) => `'${n}'`).join(', ');
      // pg's pool.end() resolves before its connections have closed: wait for the server to see them go.
      await waitFor(
        'the pools to disconnect',
        async () => names === '' || pg.psql(`SELECT count(*) FROM pg_stat_activity WHERE datname IN (${names})`)[0]?.trim() === '0',
        10_000,
        20,
      );
      await pg.stop();
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** `run` on fresh stores of each engine (SQLite first: the answer the collector always gave), with a second collector's handle. */
  async onBoth<T>(name: string, run: (a: RelationalStore, b: RelationalStore) => Promise<T>): Promise<{ sqlite: T; postgres: T }> {
    const [sa, sb] = await this.twoCollectors('sqlite', name);
    const sqlite = await run(sa, sb);
    const [pa, pb] = await this.twoCollectors('postgres', name);
    const postgres = await run(pa, pb);
    return { sqlite, postgres };
  }

  /** A fresh, migrated store on `engine`, and a second collector's handle on the same data (itself on SQLite). */
  private async twoCollectors(engine: Engine, name: string): Promise<[RelationalStore, RelationalStore]> {
    if (!this.pg || !this.dir) throw new Error('EngineStores.start() first');
    if (engine === 'sqlite') {
      const db = new Database({ path: join(this.dir, `${name}.db`) });
      this.opened.push(db);
      await db.migrate();
      return [db, db];
    }
    const url = await this.pg.createDatabase(name);
    this.pgDatabases.push(name);
    const a = new PostgresDatabase({ url, maxConnections: 5 });
    const b = new PostgresDatabase({ url, maxConnections: 5 });
    this.opened.push(a, b);
    await a.migrate();
    return [a, b];
  }
}

export const issuingOn = (db: RelationalStore) =>
  new InvoiceIssuing(db, new InvoiceRepository(db), new BillableItemRepository(db), new ContractRepository(db), new SettingsService(db));

/** Clients under contract since January, each with March's work: the amounts are as the services priced them (integer cents). */
export async function seedMonth(db: RelationalStore, clients: number, opts: { recurring?: boolean } = {}): Promise<{ clientIds: number[]; adminId: number }> {
  const k = db.kysely;
  const now = Date.parse('2026-01-05T09:00:00Z');
  const admin = await k
    .insertInto('users')
    .values({ email: 'admin@sibio.test', name: 'Alice Admin', role: 'admin', client_id: null, password_hash: 'x', locale: 'fr', created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await k
    .insertInto('billing_settings')
    .values({ id: 1, seller: JSON.stringify(SELLER), bank: JSON.stringify({ iban: 'FR7630006000011234567890189', bic: 'AGRIFRPPXXX' }), updated_at: now })
    .execute();
  const clientIds: number[] = [];
  for (let c = 0; c < clients; c++) {
    const client = await k
      .insertInto('clients')
      .values({ name: `Client ${c + 1}`, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    clientIds.push(client.id);
    await k
      .insertInto('billing_contracts')
      .values({
        client_id: client.id,
        start_date: '2026-01-01',
        buyer: JSON.stringify({ name: `Client ${c + 1} SAS`, address: [`${c + 1} rue de la Paix`, '75002 Paris'], siren: `55210055${c}` }),
        created_at: now,
        updated_at: now,
      })
      .execute();
    const grid = await k
      .insertInto('price_grids')
      .values({ client_id: client.id, valid_from: '2026-01-01', grid: '{}', syntec_index: '298.6', reason: 'initial', created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const ticket = await k
      .insertInto('tickets')
      .values({
        client_id: client.id,
        title: `Serveur de fichiers ${c + 1} inaccessible`,
        description: 'Le partage ne répond plus',
        channel: 'portal',
        kind: 'urgent',
        mode: 'remote',
        priority: 'high',
        status: 'resolved',
        received_at: now,
        sla_start_at: now,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const work = (date: string, over: Record<string, unknown>) => ({
      client_id: client.id,
      ticket_id: ticket.id,
      technician_id: admin.id,
      date,
      minutes: 90,
      kind: 'urgent' as const,
      mode: 'remote' as const,
      travel_cents: 0,
      meal_cents: 0,
      lodging_cents: 0,
      notes: '',
      grid_id: grid.id,
      unit: 'quarter_hour',
      unit_count: 6,
      unit_price_cents: 2250 + c,
      amount_cents: 6 * (2250 + c),
      rule: 'Urgence à distance : au quart d’heure (art. 2.6)',
      created_at: now,
      updated_at: now,
      ...over,
    });
    // Same date twice: the id breaks the tie, on both engines.
    await k.insertInto('interventions').values(work('2026-03-12', {})).execute();
    await k
      .insertInto('interventions')
      .values(
        work('2026-03-12', {
          kind: 'programmed',
          mode: 'on_site',
          minutes: 210,
          unit: 'half_day',
          unit_count: 1,
          unit_price_cents: 31_000,
          amount_cents: 31_000,
          travel_cents: 4500,
          meal_cents: 1890,
        }),
      )
      .execute();
    // April's work is not March's invoice.
    await k.insertInto('interventions').values(work('2026-04-01', {})).execute();
    if (opts.recurring) {
      const schedule = await k
        .insertInto('recurring_schedules')
        .values({
          client_id: client.id,
          ticket_id: ticket.id,
          title: 'Maintenance mensuelle',
          mode: 'on_site',
          period: 'monthly',
          first_date: '2026-03-05',
          start_time: '09:00',
          reserved_minutes: 120,
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const occ = await k
        .insertInto('recurring_occurrences')
        .values({ schedule_id: schedule.id, slot: 0, date: '2026-03-05', start_time: '09:00', reserved_minutes: 120, status: 'done' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await k
        .insertInto('interventions')
        .values(
          work('2026-03-05', {
            kind: 'programmed',
            mode: 'on_site',
            programmed_mode: 'recurring',
            occurrence_id: occ.id,
            minutes: 75,
            unit: 'hour',
            unit_count: 2,
            unit_price_cents: 8500,
            amount_cents: 17_000,
            rule: 'Intervention récurrente : 120 min réservées facturées en totalité (art. 2.6.1)',
          }),
        )
        .execute();
    }
  }
  return { clientIds, adminId: admin.id };
}

/** What the month's invoicing left in the store, engine-independent (ids by position). */
export async function invoicingState(db: RelationalStore) {
  const k = db.kysely;
  const invoices = await k.selectFrom('invoices').selectAll().orderBy('id').execute();
  const interventions = await k.selectFrom('interventions').select(['id', 'client_id', 'date', 'invoice_id']).orderBy('id').execute();
  const numberOf = new Map(invoices.map((i) => [i.id, i.number]));
  return {
    invoices: invoices.map((i) => {
      const doc = JSON.parse(i.document) as InvoiceDocument;
      return {
        number: i.number,
        seq: i.seq,
        year: i.year,
        client: i.client_id,
        period: [i.period_start, i.period_end],
        issuedOn: i.issued_on,
        dueOn: i.due_on,
        totals: [i.total_excl_cents, i.vat_rate_bp, i.vat_cents, i.total_incl_cents],
        lines: doc.lines.map((l) => [l.type, l.date, l.quantity, l.unitPriceCents, l.amountCents]),
        docTotal: doc.totalInclTaxCents,
      };
    }),
    billedBy: interventions.map((i) => [i.client_id, i.date, i.invoice_id === null ? null : numberOf.get(i.invoice_id)]),
  };
}

/** The audit log's chain: each entry follows the previous one's hash (no fork), and the actions in order. */
export async function auditChain(db: RelationalStore) {
  const rows = await db.kysely.selectFrom('audit_log').select(['id', 'action', 'target', 'prev_hash', 'hash']).orderBy('id').execute();
  let prev = AUDIT_GENESIS;
  let linked = true;
  for (const r of rows) {
    if (r.prev_hash !== prev) linked = false;
    prev = r.hash;
  }
  return { linked, actions: rows.map((r) => r.action) };
}
