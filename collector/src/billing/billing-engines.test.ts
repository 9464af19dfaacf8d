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
import { RecurringRepository } from './recurring/repository.js';
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

  test('a supply order’s fee read by two issues at once (no trigger guards it): billed once, the loser refused', async () => {
    const { sqlite, postgres } = await onBoth('billing_orders', async (a, b) => {
      await seedMonth(a, 1);
      const grid = await a.kysely.selectFrom('price_grids').select('id').executeTakeFirstOrThrow();
      await a.kysely
        .insertInto('supply_orders')
        .values({
          client_id: 1,
          supplier: 'LDLC Pro',
          reference: 'CMD-4521',
          ordered_on: '2026-03-20',
          status: 'ordered',
          grid_id: grid.id,
          fee_unit: 'quarter_hour',
          fee_count: 1,
          fee_unit_price_cents: 2250,
          fee_amount_cents: 2250,
          fee_rule: 'Gestion de commande : un quart d’heure urgent (art. 2.4)',
          created_at: ISSUE_AT,
        })
        .execute();
      const read = await new BillableItemRepository(a).uninvoiced(1, '2026-03-31');
      // Only the order: the interventions' triggers would refuse a second billing anyway; the fee's only guard is the mark's condition.
      const items = { interventions: [], feeOrders: read.feeOrders, goodsOrders: [], pickups: [] };
      const attempt = (db: RelationalStore, period: [string, string]) =>
        db.kysely.transaction().execute(async (tx) => {
          const invoices = new InvoiceRepository(db);
          const { seq, number } = await nextNumber(invoices, 'invoice', 2026, tx);
          const id = await invoices.insert(
            {
              client_id: 1,
              kind: 'invoice',
              year: 2026,
              seq,
              number,
              period_start: period[0],
              period_end: period[1],
              issued_on: '2026-04-02',
              due_on: '2026-05-02',
              total_excl_cents: 2250,
              vat_rate_bp: 2000,
              vat_cents: 450,
              total_incl_cents: 2700,
              document: '{}',
              created_at: ISSUE_AT,
            },
            tx,
          );
          await new BillableItemRepository(db).markInvoiced(id, items, tx);
          return number;
        });
      const results = await Promise.allSettled([attempt(a, ['2026-03-01', '2026-03-31']), attempt(b, ['2026-02-01', '2026-02-28'])]);
      const order = await a.kysely
        .selectFrom('supply_orders as o')
        .innerJoin('invoices as i', 'i.id', 'o.fee_invoice_id')
        .select('i.number')
        .executeTakeFirst();
      return {
        orders: read.feeOrders.length,
        outcomes: results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)).sort(),
        feeBilledBy: order?.number,
        invoices: (await a.kysely.selectFrom('invoices').select('number').execute()).map((r) => r.number),
      };
    });
    expect(sqlite).toEqual({
      orders: 1,
      outcomes: ['F2026-0001', 'Facturation concurrente : 1 frais de commande déjà facturé(s) par une autre émission, facture non émise'],
      feeBilledBy: 'F2026-0001',
      invoices: ['F2026-0001'],
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

describe('contracts and recurring programmes on SQLite and PostgreSQL', () => {
  test('contract and grid reads: same rows, the grid in force by date, invoiced work found; a notice recorded once by two collectors', async () => {
    const { sqlite, postgres } = await onBoth('billing_contracts', async (a, b) => {
      await seedMonth(a, 2);
      const contracts = new ContractRepository(a);
      const now = Date.parse('2026-06-01T08:00:00Z');
      const first = (await contracts.lastGrid(1))!;
      await a.kysely.transaction().execute(async (tx) => {
        await contracts.closeGrid(first.id, '2026-06-30', tx);
        await contracts.insertGrid({ client_id: 1, valid_from: '2026-07-01', grid: '{}', syntec_index: '301.2', reason: 'amendment', created_at: now }, tx);
      });
      await issuingOn(a).generate(1, MONTH, ISSUE_AT);
      const race = await Promise.all([
        new ContractRepository(a).recordNotice(2, '2026-06-01', 'client', '2026-12-31', now),
        new ContractRepository(b).recordNotice(2, '2026-06-02', 'provider', '2027-01-31', now),
      ]);
      const c2 = (await contracts.contractOf(2))!;
      return {
        exists: [await contracts.clientExists(1), await contracts.clientExists(99)],
        noContract: await contracts.contractOf(99),
        terms: (({ start_date, term_months, notice_months, vat_rate_bp, payment_days, payment_method, recipients }) => ({
          start_date,
          term_months,
          notice_months,
          vat_rate_bp,
          payment_days,
          payment_method,
          recipients,
        }))((await contracts.contractOf(1))!),
        underContract: [await contracts.clientsUnderContract('2025-12-31'), await contracts.clientsUnderContract('2026-03-31')],
        grids: (await contracts.grids(1)).map((g) => [g.valid_from, g.valid_to, g.syntec_index, g.reason]),
        inForce: [
          (await contracts.gridFrom(1, '2026-06-30'))?.valid_from,
          (await contracts.gridFrom(1, '2026-07-01'))?.valid_from,
          (await contracts.gridFrom(1, '2025-12-31'))?.valid_from,
        ],
        revised: await contracts.revisedOn(1, '2026-07-01'),
        invoicedFrom: [
          await contracts.invoicedWorkFrom(1, '2026-03-01'),
          await contracts.invoicedWorkFrom(1, '2026-03-13'),
          await contracts.invoicedWorkFrom(2, '2026-01-01'),
        ],
        noticeWinners: race.filter(Boolean).length,
        notice: [c2.notice_received_on !== null, c2.end_date === (c2.notice_from === 'client' ? '2026-12-31' : '2027-01-31')],
      };
    });
    expect(sqlite).toEqual({
      exists: [true, false],
      noContract: undefined,
      terms: {
        start_date: '2026-01-01',
        term_months: 12,
        notice_months: 3,
        vat_rate_bp: 2000,
        payment_days: 30,
        payment_method: 'direct_debit',
        recipients: '[]',
      },
      underContract: [[], [1, 2]],
      grids: [
        ['2026-01-01', '2026-06-30', '298.6', 'initial'],
        ['2026-07-01', null, '301.2', 'amendment'],
      ],
      inForce: ['2026-01-01', '2026-07-01', undefined],
      revised: false,
      invoicedFrom: [true, false, false],
      noticeWinners: 1,
      notice: [true, true],
    });
    expect(postgres).toEqual(sqlite);
  }, 120_000);

  test('occurrences: materialised once by two collectors, recorded minutes summed, the adjustment and the client’s changes as on SQLite', async () => {
    const { sqlite, postgres } = await onBoth('billing_recurring', async (a, b) => {
      await seedMonth(a, 1, { recurring: true });
      const repo = new RecurringRepository(a);
      const twin = new RecurringRepository(b);
      const schedule = (await repo.schedules(1))[0]!;
      // Slots 1..4 written by both collectors at once: each slot once.
      const slots = [1, 2, 3, 4].map((slot) => ({
        schedule_id: schedule.id,
        slot,
        date: `2026-0${3 + slot}-0${slot + 1}`,
        moved_from: slot === 2 ? '2026-05-02' : null,
        start_time: '09:00',
        reserved_minutes: 120,
      }));
      await Promise.all(slots.flatMap((o) => [repo.insertOccurrence(o), twin.insertOccurrence(o)]));
      const occurrences = await repo.occurrencesWithRecorded(schedule.id);
      const done = occurrences[0]!;
      const later = occurrences.slice(1);
      await repo.markDone(later[0]!.id);
      const doneBefore = await repo.lastDone(schedule.id, 3);
      // The client moves one occurrence and cancels another; the same cancellation from a second collector is refused.
      const moved = await repo.moveByClient(later[1]!.id, '2026-05-04', '14:00', 90);
      const cancels = await Promise.all([repo.cancelByClient(later[2]!.id), twin.cancelByClient(later[2]!.id)]);
      const shortened = await repo.shortenAfter(schedule.id, '2026-03-31', 60);
      await repo.setReservedMinutes(schedule.id, 60);
      await repo.reopenIfUnworked(done.id); // worked: stays done
      await repo.reopenIfUnworked(later[0]!.id); // not worked: scheduled again
      await repo.insertChange({
        schedule_id: schedule.id,
        occurrence_id: later[2]!.id,
        received_at: ISSUE_AT,
        requested_minutes: 0,
        accepted: 1,
        reason: 'Reçue au moins 5 jours ouvrés avant la prochaine intervention (art. 2.6.1)',
      });
      return {
        slots: occurrences.map((o) => [o.slot, o.date, o.moved_from, o.status, o.recorded_minutes]),
        lastSlot: await repo.lastSlot(schedule.id),
        noSlot: await repo.lastSlot(999),
        countFrom: await repo.countFrom(schedule.id, '2026-05-01'),
        doneBefore: doneBefore.map((o) => [o.date, o.reserved_minutes, o.recorded]),
        moved,
        cancelWinners: cancels.filter(Boolean).length,
        shortened,
        next: (await repo.nextScheduled(schedule.id, '2026-04-01'))?.date,
        after: (await repo.occurrencesWithRecorded(schedule.id)).map((o) => [o.slot, o.date, o.start_time, o.status, o.changed_by, o.reserved_minutes]),
        ofClient: [(await repo.occurrenceOfClient(done.id, 1))?.id === done.id, await repo.occurrenceOfClient(done.id, 2)],
        ofSchedule: (await repo.occurrenceOfSchedule(done.id, schedule.id))?.slot,
        reserved: (await repo.schedule(schedule.id))?.reserved_minutes,
        changes: (await repo.changes(schedule.id)).map((c) => [c.requested_date, c.requested_minutes, c.accepted]),
        client: await repo.scheduleClient(schedule.id),
      };
    });
    expect(sqlite).toEqual({
      slots: [
        [0, '2026-03-05', null, 'done', 75],
        [1, '2026-04-02', null, 'scheduled', 0],
        [2, '2026-05-03', '2026-05-02', 'scheduled', 0],
        [3, '2026-06-04', null, 'scheduled', 0],
        [4, '2026-07-05', null, 'scheduled', 0],
      ],
      lastSlot: 4,
      noSlot: null,
      countFrom: 3,
      doneBefore: [
        ['2026-04-02', 120, 0],
        ['2026-03-05', 120, 75],
      ],
      moved: true,
      cancelWinners: 1,
      // Slot 1 is done, slot 2 the client moved, slot 3 cancelled: only slot 4 is shortened.
      shortened: 1,
      next: '2026-04-02',
      after: [
        [0, '2026-03-05', '09:00', 'done', null, 120],
        [1, '2026-04-02', '09:00', 'scheduled', null, 120],
        [2, '2026-05-04', '14:00', 'scheduled', 'client', 90],
        [3, '2026-06-04', '09:00', 'cancelled', 'client', 120],
        [4, '2026-07-05', '09:00', 'scheduled', 'adjustment', 60],
      ],
      ofClient: [true, undefined],
      ofSchedule: 0,
      reserved: 60,
      changes: [[null, 0, 1]],
      client: 1,
    });
    expect(postgres).toEqual(sqlite);
  }, 120_000);
});
