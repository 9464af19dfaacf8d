import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresRefusal } from '../store/migrations/sql-for-engine.js';
import type { RelationalStore } from '../store/relational-store.js';
import { auditChain, EngineStores, ISSUE_AT, invoicingState, issuingOn, MONTH, seedMonth } from './billing-engines-fixture.js';
import { BillableItemRepository } from './invoices/billable-items.js';
import { nextNumber } from './invoices/numbering.js';
import { InvoiceRepository } from './invoices/repository.js';

/**
 * Invoicing on SQLite and on a real PostgreSQL: the same month gives the same invoices, numbers and
 * integer cents; and what the single SQLite writer guaranteed holds with two collectors (two pools)
 * on PostgreSQL: numbers gap-free and unique, an item on one invoice only, an issued invoice
 * immutable, every issue audited in its own transaction with an unforked hash chain.
 */

const stores = new EngineStores();
beforeAll(() => stores.start('billing-engines'));
afterAll(() => stores.stop());
const onBoth: EngineStores['onBoth'] = (name, run) => stores.onBoth(name, run);

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
        noCreditYet: [await invoices.creditedExcl(first.id), (await invoices.creditsOf(first.id)).length, await invoices.cancelledWithRelease(first.id)],
        audit: await auditChain(db),
      };
    });
    // What SQLite, the engine the collector always ran on, gives.
    expect(sqlite.run).toEqual([
      { clientId: 1, number: 'F2026-0001', issued: true },
      { clientId: 2, number: 'F2026-0002', issued: true },
      { clientId: 3, number: 'F2026-0003', issued: true },
    ]);
    // The next pass finds them issued: the same invoices, none issued again.
    expect(sqlite.again).toEqual(sqlite.run.map((r) => ({ ...r, issued: false })));
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
    // Each issue, then its Factur-X PDF and XML kept: each in its own transaction, with its entry.
    expect(sqlite.audit).toEqual({ linked: true, actions: Array(3).fill(['invoice.issue', 'invoice.documents.keep']).flat() });
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
    expect(sqlite.audit.linked).toBe(true);
    // Issues and keeps interleave as the two collectors race: the entries, in any order.
    for (const r of [sqlite, postgres]) r.audit.actions.sort();
    expect(sqlite.audit.actions).toEqual([...Array(N).fill('invoice.documents.keep'), ...Array(N).fill('invoice.issue')]);
    expect(postgres).toEqual(sqlite);
  }, 180_000);

  test('an invoice issued whose PDF could not be kept is reported issued, with the error (not "not issued"); kept when next read', async () => {
    const { sqlite, postgres } = await onBoth('billing_docs', async (db) => {
      await seedMonth(db, 1);
      const refuse =
        db.dialect === 'postgres'
          ? postgresRefusal({ name: 'refuse_pdf', table: 'invoice_pdfs', event: 'INSERT', message: 'disque plein' })
          : ["CREATE TRIGGER refuse_pdf BEFORE INSERT ON invoice_pdfs BEGIN SELECT RAISE(ABORT, 'disque plein'); END"];
      for (const statement of refuse) await sql.raw(statement).execute(db.kysely);
      const issuing = issuingOn(db);
      const run = await issuing.generateAll(MONTH, ISSUE_AT);
      // One client's run says the same: found issued, its documents still not kept.
      const one = await issuing.generateOne(1, MONTH, ISSUE_AT + 60_000);
      const drop = db.dialect === 'postgres' ? ['DROP TRIGGER refuse_pdf ON invoice_pdfs', 'DROP FUNCTION refuse_pdf()'] : ['DROP TRIGGER refuse_pdf'];
      for (const statement of drop) await sql.raw(statement).execute(db.kysely);
      const invoices = new InvoiceRepository(db);
      const [issued] = await invoices.list({ year: 2026 });
      const keptBefore = await invoices.keptPdf(issued!.id);
      const pdf = await issuing.pdf(issued!.id);
      const again = await issuing.generateAll(MONTH, ISSUE_AT + 3_600_000);
      return {
        run,
        one: { ...one, id: one.id === issued!.id },
        again,
        invoices: (await invoices.list({ year: 2026 })).map((i) => i.number),
        keptBefore: keptBefore !== undefined && keptBefore !== null,
        pdf: pdf.subarray(0, 5).toString('latin1'),
        keptAfter: (await invoices.keptPdf(issued!.id))?.equals(pdf) ?? false,
      };
    });
    expect(sqlite.run).toEqual([{ clientId: 1, number: 'F2026-0001', issued: true, error: expect.stringMatching(/^documents not kept: .*disque plein/) }]);
    expect(sqlite.one).toEqual({
      clientId: 1,
      number: 'F2026-0001',
      id: true,
      issued: false,
      error: expect.stringMatching(/^documents not kept: .*disque plein/),
    });
    expect(sqlite).toMatchObject({
      again: [{ clientId: 1, number: 'F2026-0001', issued: false }],
      invoices: ['F2026-0001'],
      keptBefore: false,
      pdf: '%PDF-',
      keptAfter: true,
    });
    expect(postgres).toEqual(sqlite);
  }, 120_000);

  test('two month-end runs racing (two collectors): one invoice per client, the loser finds it issued', async () => {
    const { sqlite, postgres } = await onBoth('billing_runs', async (a, b) => {
      await seedMonth(a, 4, { recurring: true });
      const [runA, runB] = await Promise.all([issuingOn(a).generateAll(MONTH, ISSUE_AT), issuingOn(b).generateAll(MONTH, ISSUE_AT)]);
      const state = await invoicingState(a);
      const withoutIssued = (run: typeof runA) => JSON.stringify(run.map(({ issued, ...r }) => r));
      return {
        same: withoutIssued(runA) === withoutIssued(runB),
        // Per client, which of the two runs issued its invoice: exactly one of them.
        issuedBy: runA.map((r, i) => [r.issued, runB[i]!.issued].filter(Boolean).length),
        run: runA,
        count: state.invoices.length,
        billedBy: state.billedBy,
        audit: await auditChain(a),
      };
    });
    expect(sqlite.same).toBe(true);
    expect(sqlite.issuedBy).toEqual([1, 1, 1, 1]);
    expect(postgres.issuedBy).toEqual([1, 1, 1, 1]);
    expect(sqlite.count).toBe(4);
    expect(sqlite.run.map((r) => r.error)).toEqual([undefined, undefined, undefined, undefined]);
    for (const r of [sqlite, postgres]) r.audit.actions.sort();
    expect(sqlite.audit.actions.filter((a) => a === 'invoice.issue')).toHaveLength(4);
    expect(sqlite.audit.actions.filter((a) => a === 'invoice.documents.keep')).toHaveLength(4);
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
