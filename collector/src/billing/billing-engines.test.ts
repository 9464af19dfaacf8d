import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Postgres, startPostgres, waitFor } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AUDIT_GENESIS } from '../audit/chain.js';
import { Database } from '../store/database.js';
import { PostgresDatabase } from '../store/postgres-database.js';
import type { RelationalStore } from '../store/relational-store.js';
import { ContractRepository } from './contracts/repository.js';
import type { InvoiceDocument } from './invoice-document.js';
import { BillableItemRepository } from './invoices/billable-items.js';
import { nextNumber } from './invoices/numbering.js';
import { InvoiceRepository } from './invoices/repository.js';
import { InvoiceIssuing } from './invoices/service.js';
import { SettingsService } from './settings/service.js';

/**
 * Invoicing on SQLite and on a real PostgreSQL: the same month gives the same invoices, numbers and
 * integer cents; and what the single SQLite writer guaranteed holds with two collectors (two pools)
 * on PostgreSQL: numbers gap-free and unique, an item on one invoice only, an issued invoice
 * immutable, every issue audited in its own transaction with an unforked hash chain.
 *
 * SQLite's "second collector" is the same handle: two better-sqlite3 handles in one process would
 * block each other's event loop in busy_timeout. Two collector processes on one SQLite file are
 * test/billing-concurrency.test.ts.
 */

// 2 April 2026, 10:00 in Paris: March 2026 is over, its invoices are issued today (beyond 2^31: bigint on PostgreSQL).
const ISSUE_AT = Date.parse('2026-04-02T08:00:00Z');
const MONTH = '2026-03';
const SELLER = {
  name: 'Sibio',
  legalForm: 'SARL au capital de 10 000 €',
  address: ['20 rue Raymond Poincaré', 'Escalier B', '91330 Yerres'],
  siren: '812345678',
  vatNumber: 'FR40812345678',
  rcs: 'RCS Évry 812 345 678',
};

let pg: Postgres;
let dir: string;
const opened: { close(): Promise<void> }[] = [];
const pgDatabases: string[] = [];

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  dir = mkdtempSync(join(tmpdir(), 'vigie-billing-engines-'));
});

afterAll(async () => {
  for (const db of opened) await db.close();
  if (pg) {
    const names = pgDatabases.map((n) => `'${n}'`).join(', ');
    await waitFor(
      'the pools to disconnect',
      async () => names === '' || pg.psql(`SELECT count(*) FROM pg_stat_activity WHERE datname IN (${names})`)[0]?.trim() === '0',
      10_000,
      20,
    );
    await pg.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Engine = 'sqlite' | 'postgres';

/** A fresh, migrated store on `engine`, and a second collector's handle on the same data (itself on SQLite). */
async function twoCollectors(engine: Engine, name: string): Promise<[RelationalStore, RelationalStore]> {
  if (engine === 'sqlite') {
    const db = new Database({ path: join(dir, `${name}.db`) });
    opened.push(db);
    await db.migrate();
    return [db, db];
  }
  const url = await pg.createDatabase(name);
  pgDatabases.push(name);
  const a = new PostgresDatabase({ url, maxConnections: 5 });
  const b = new PostgresDatabase({ url, maxConnections: 5 });
  opened.push(a, b);
  await a.migrate();
  return [a, b];
}

const issuingOn = (db: RelationalStore) =>
  new InvoiceIssuing(db, new InvoiceRepository(db), new BillableItemRepository(db), new ContractRepository(db), new SettingsService(db));

/** Clients under contract since January, each with March's work: the amounts are as the services priced them (integer cents). */
async function seedMonth(db: RelationalStore, clients: number, opts: { recurring?: boolean } = {}): Promise<{ clientIds: number[]; adminId: number }> {
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
async function invoicingState(db: RelationalStore) {
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
async function auditChain(db: RelationalStore) {
  const rows = await db.kysely.selectFrom('audit_log').select(['id', 'action', 'target', 'prev_hash', 'hash']).orderBy('id').execute();
  let prev = AUDIT_GENESIS;
  let linked = true;
  for (const r of rows) {
    if (r.prev_hash !== prev) linked = false;
    prev = r.hash;
  }
  return { linked, actions: rows.map((r) => r.action) };
}

async function onBoth<T>(name: string, run: (a: RelationalStore, b: RelationalStore) => Promise<T>): Promise<{ sqlite: T; postgres: T }> {
  const [sa, sb] = await twoCollectors('sqlite', name);
  const sqlite = await run(sa, sb);
  const [pa, pb] = await twoCollectors('postgres', name);
  const postgres = await run(pa, pb);
  return { sqlite, postgres };
}

describe('invoicing on SQLite and PostgreSQL', () => {
  test('a month issued: the same invoices, numbers, lines and integer cents; its items billed once; each issue audited', async () => {
    const { sqlite, postgres } = await onBoth('billing_month', async (db) => {
      await seedMonth(db, 3, { recurring: true });
      const issuing = issuingOn(db);
      const run = await issuing.generateAll(MONTH, ISSUE_AT);
      const again = await issuing.generateAll(MONTH, ISSUE_AT + 3_600_000);
      const invoices = new InvoiceRepository(db);
      const kept = await db.kysely.selectFrom('invoice_pdfs').select(['invoice_id', 'sha256']).orderBy('invoice_id').execute();
      const first = (await invoices.list({ fromYear: 2026 })).at(-1)!;
      return {
        run,
        again,
        state: await invoicingState(db),
        list: (await invoices.list({ year: 2026 })).map((i) => i.number),
        ofClient2: (await invoices.ofClient(2)).map((i) => i.number),
        kept: kept.length,
        pdfStarts: (await invoices.keptPdf(first.id))?.subarray(0, 5).toString('latin1'),
        xmlKept: (await invoices.documentAndXml(first.id))?.xml?.includes('<rsm:CrossIndustryInvoice') ?? false,
        lastSeq: await invoices.lastSeq('invoice', 2026),
        noCreditYet: [
          await invoices.creditedExcl(first.id),
          await invoices.creditedIncl(first.id, '2026-12-31'),
          await invoices.cancelledWithRelease(first.id),
        ],
        audit: await auditChain(db),
      };
    });
    // What SQLite, the engine the collector always ran on, gives.
    expect(sqlite.run).toEqual([
      { clientId: 1, number: 'F2026-0001' },
      { clientId: 2, number: 'F2026-0002' },
      { clientId: 3, number: 'F2026-0003' },
    ]);
    expect(sqlite.again).toEqual(sqlite.run);
    expect(sqlite.state.invoices[0]).toMatchObject({
      number: 'F2026-0001',
      seq: 1,
      period: ['2026-03-01', '2026-03-31'],
      issuedOn: '2026-04-02',
      dueOn: '2026-05-02',
      // 17 000 (recurring) + 13 500 + 31 000 + 4 500 + 1 890 = 67 890 HT, VAT 20 % = 13 578.
      totals: [67_890, 2000, 13_578, 81_468],
      lines: [
        ['intervention', '2026-03-05', 2, 8500, 17_000],
        ['intervention', '2026-03-12', 6, 2250, 13_500],
        ['intervention', '2026-03-12', 1, 31_000, 31_000],
        ['expense', '2026-03-12', 1, 4500, 4500],
        ['expense', '2026-03-12', 1, 1890, 1890],
      ],
      docTotal: 81_468,
    });
    expect(sqlite.state.billedBy.filter(([, date]) => date === '2026-04-01').every(([, , n]) => n === null)).toBe(true);
    expect(sqlite.state.billedBy.filter(([, date]) => date !== '2026-04-01').every(([c, , n]) => n === `F2026-000${c}`)).toBe(true);
    expect(sqlite.list).toEqual(['F2026-0003', 'F2026-0002', 'F2026-0001']);
    expect(sqlite.ofClient2).toEqual(['F2026-0002']);
    expect(sqlite).toMatchObject({ kept: 3, pdfStarts: '%PDF-', xmlKept: true, lastSeq: 3, noCreditYet: [0, 0, false] });
    expect(sqlite.audit).toEqual({ linked: true, actions: ['invoice.issue', 'invoice.issue', 'invoice.issue'] });
    // PostgreSQL gives the same.
    expect(postgres).toEqual(sqlite);
  }, 120_000);

  test('two collectors issuing at once: numbers 1..N, no gap, no duplicate; every item on its own client’s invoice once', async () => {
    const N = 8;
    const { sqlite, postgres } = await onBoth('billing_numbers', async (a, b) => {
      const { clientIds } = await seedMonth(a, N);
      const [one, two] = [issuingOn(a), issuingOn(b)];
      const issued = await Promise.all(clientIds.map((id, i) => (i % 2 === 0 ? one : two).generate(id, MONTH, ISSUE_AT)));
      const state = await invoicingState(a);
      return {
        numbers: issued.map((inv) => inv?.number).sort(),
        seqs: state.invoices.map((i) => i.seq).sort((x, y) => x - y),
        everyItemOnItsClientsInvoice: state.billedBy
          .filter(([, date]) => date !== '2026-04-01')
          .every(([client, , n]) => n === issued[clientIds.indexOf(client as number)]?.number),
        audit: await auditChain(a),
      };
    });
    const expected = Array.from({ length: N }, (_, i) => `F2026-${String(i + 1).padStart(4, '0')}`);
    expect(sqlite.numbers).toEqual(expected);
    expect(sqlite.seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(sqlite.everyItemOnItsClientsInvoice).toBe(true);
    expect(sqlite.audit).toEqual({ linked: true, actions: Array(N).fill('invoice.issue') });
    expect(postgres).toEqual(sqlite);
  }, 180_000);

  test('two month-end runs racing (two collectors): one invoice per client, the loser finds it issued', async () => {
    const { sqlite, postgres } = await onBoth('billing_runs', async (a, b) => {
      await seedMonth(a, 4, { recurring: true });
      const [runA, runB] = await Promise.all([issuingOn(a).generateAll(MONTH, ISSUE_AT), issuingOn(b).generateAll(MONTH, ISSUE_AT)]);
      const state = await invoicingState(a);
      return {
        same: JSON.stringify(runA) === JSON.stringify(runB),
        run: runA,
        count: state.invoices.length,
        billedBy: state.billedBy,
        audit: await auditChain(a),
      };
    });
    expect(sqlite.same).toBe(true);
    expect(sqlite.count).toBe(4);
    expect(sqlite.run.map((r) => r.error)).toEqual([undefined, undefined, undefined, undefined]);
    expect(sqlite.audit.actions).toEqual(Array(4).fill('invoice.issue'));
    expect(sqlite.audit.linked).toBe(true);
    // Which client got which number depends on who ran first: compare the sets, the rest exactly.
    expect(new Set(postgres.run.map((r) => r.number))).toEqual(new Set(sqlite.run.map((r) => r.number)));
    expect({ ...postgres, run: undefined, billedBy: postgres.billedBy.map(([c, d, n]) => [c, d, n !== null]) }).toEqual({
      ...sqlite,
      run: undefined,
      billedBy: sqlite.billedBy.map(([c, d, n]) => [c, d, n !== null]),
    });
  }, 180_000);

  test('items read by two issues at once (stale reads): the first marks them, the second is refused and leaves nothing, not even its number', async () => {
    const { sqlite, postgres } = await onBoth('billing_items', async (a, b) => {
      const { clientIds } = await seedMonth(a, 1, { recurring: true });
      const clientId = clientIds[0]!;
      const items = await new BillableItemRepository(a).uninvoiced(clientId, '2026-03-31');
      // Both read the same unbilled items before either writes (what a run without the issuing lock would do).
      // Two different periods (the table allows one invoice per client and month): the guard is the items'.
      const attempt = (db: RelationalStore, period: [string, string]) =>
        db.kysely.transaction().execute(async (tx) => {
          const invoices = new InvoiceRepository(db);
          const { seq, number } = await nextNumber(invoices, 'invoice', 2026, tx);
          const id = await invoices.insert(
            {
              client_id: clientId,
              kind: 'invoice',
              year: 2026,
              seq,
              number,
              period_start: period[0],
              period_end: period[1],
              issued_on: '2026-04-02',
              due_on: '2026-05-02',
              total_excl_cents: 1,
              vat_rate_bp: 2000,
              vat_cents: 0,
              total_incl_cents: 1,
              document: '{}',
              created_at: ISSUE_AT,
            },
            tx,
          );
          await new BillableItemRepository(db).markInvoiced(id, items, tx);
          return number;
        });
      const results = await Promise.allSettled([attempt(a, ['2026-03-01', '2026-03-31']), attempt(b, ['2026-02-01', '2026-02-28'])]);
      const after = await new BillableItemRepository(a).uninvoiced(clientId, '2026-03-31');
      return {
        items: items.interventions.length,
        outcomes: results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)).sort(),
        invoices: (await a.kysely.selectFrom('invoices').select('number').execute()).map((r) => r.number),
        leftToBill: after.interventions.length,
      };
    });
    expect(sqlite).toEqual({
      items: 3,
      outcomes: ['F2026-0001', 'Facturation concurrente : 3 intervention(s) déjà facturé(s) par une autre émission, facture non émise'],
      invoices: ['F2026-0001'],
      leftToBill: 0,
    });
    expect(postgres).toEqual(sqlite);
  }, 120_000);

  test('an issued invoice, its kept PDF and its billed items refuse every change on both engines', async () => {
    const refusal = async (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (err: Error) => err.message.match(/VIGIE_[A-Z]+: [^"\n]*/)?.[0] ?? err.message,
      );
    const { sqlite, postgres } = await onBoth('billing_immutable', async (db) => {
      await seedMonth(db, 1);
      const inv = (await issuingOn(db).generate(1, MONTH, ISSUE_AT))!;
      const k = db.kysely;
      const billed = await k.selectFrom('interventions').select('id').where('invoice_id', '=', inv.id).orderBy('id').executeTakeFirstOrThrow();
      return {
        total: await refusal(k.updateTable('invoices').set({ total_incl_cents: 1 }).where('id', '=', inv.id).execute()),
        remove: await refusal(k.deleteFrom('invoices').where('id', '=', inv.id).execute()),
        pdf: await refusal(k.updateTable('invoice_pdfs').set({ sha256: 'x' }).where('invoice_id', '=', inv.id).execute()),
        xml: await refusal(k.deleteFrom('invoice_xml').where('invoice_id', '=', inv.id).execute()),
        amount: await refusal(k.updateTable('interventions').set({ amount_cents: 1 }).where('id', '=', billed.id).execute()),
        unbill: await refusal(k.updateTable('interventions').set({ invoice_id: null }).where('id', '=', billed.id).execute()),
        // What is not billed still changes (the refusals above are the triggers, not a read-only store).
        notBilled: await refusal(k.updateTable('interventions').set({ notes: 'ok' }).where('date', '=', '2026-04-01').execute()),
        unchanged: (await new InvoiceRepository(db).invoice(inv.id))?.total_incl_cents === inv.total_incl_cents,
      };
    });
    expect(sqlite).toEqual({
      total: 'VIGIE_IMMUTABLE: an issued invoice cannot be changed',
      remove: 'VIGIE_IMMUTABLE: an issued invoice cannot be deleted',
      pdf: 'VIGIE_IMMUTABLE: an issued invoice cannot be changed',
      xml: 'VIGIE_IMMUTABLE: an issued invoice cannot be deleted',
      amount: 'VIGIE_INVOICED: this item is on an issued invoice',
      unbill: 'VIGIE_INVOICED: this item is on an issued invoice',
      notBilled: 'accepted',
      unchanged: true,
    });
    expect(postgres).toEqual(sqlite);
  }, 120_000);
});
