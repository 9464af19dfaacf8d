import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalDate } from '@vigie/shared';
import { type Postgres, startPostgres, TEST_PRICE_GRID, waitFor } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SessionUser } from '../auth/repository.js';
import { DEFAULT_REPORT_SETTINGS } from '../reports/settings.js';
import { Database } from '../store/database.js';
import { PostgresDatabase } from '../store/postgres-database.js';
import type { RelationalStore } from '../store/relational-store.js';
import { DisputeRepository } from './disputes/repository.js';
import { DisputeService } from './disputes/service.js';
import { paymentsForEReporting } from './facturx/e-reporting.js';
import { InvoiceMailer, issueClaim } from './facturx/invoice-mail.js';
import { eInvoicingSettings, setVatOnDebits } from './facturx/settings.js';
import { InterventionRepository } from './interventions/repository.js';
import { balanceAt } from './invoices/balance.js';
import { InvoiceRepository } from './invoices/repository.js';
import { PaymentRepository } from './payments/repository.js';
import { PaymentService } from './payments/service.js';
import { PriceIndexRepository } from './price-indices/repository.js';
import { capPrice, proposeRevision } from './price-revision.js';
import { RecyclingRepository } from './recycling/repository.js';
import { clearLogo, readLogo, writeLogo } from './settings/logo.js';
import { SettingsService } from './settings/service.js';
import { SupplyRepository } from './supplies/repository.js';
import { SupplyService } from './supplies/service.js';
import { TicketTimeline } from './ticket-timeline.js';

/**
 * Billing's resources (payments, disputes, interventions, supplies, DEEE pickups, ECB and Syntec
 * indices, the ticket timeline, the provider's settings and logo, payment e-reporting, invoice mails) on a SQLite file and on a real PostgreSQL: the same calls give the
 * same answers (SQLite's, what the collector always gave), money stays integer cents, and what is
 * at stake in money holds with two collectors at once: on PostgreSQL through two pools; on SQLite
 * through the one connection a process has (a second handle in the same process would block the
 * event loop in its busy wait; two processes on one file: test/billing-concurrency.test.ts).
 */

const T0 = 1_764_000_000_000; // beyond 2^31: bigint on PostgreSQL
const NOW = Date.parse('2026-12-05T10:00:00Z');

let pg: Postgres;
let dir: string;
let sqlite: Database;
let postgres: PostgresDatabase;
let postgresTwin: PostgresDatabase;

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  dir = mkdtempSync(join(tmpdir(), 'vigie-billing-engines-'));
  sqlite = new Database({ path: join(dir, 'vigie.db') });
  await sqlite.migrate();
  const url = await pg.createDatabase('vigie_billing_b');
  postgres = new PostgresDatabase({ url, maxConnections: 10 });
  postgresTwin = new PostgresDatabase({ url, maxConnections: 10 });
  await postgres.migrate();
});

afterAll(async () => {
  await sqlite?.close();
  await postgres?.close();
  await postgresTwin?.close();
  if (pg) {
    await waitFor(
      'the pools to disconnect',
      async () => pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'vigie_billing_b'")[0]?.trim() === '0',
      10_000,
      20,
    );
    await pg.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const engines = () =>
  [
    ['sqlite', sqlite, sqlite],
    ['postgres', postgres, postgresTwin],
  ] as const satisfies readonly (readonly [string, RelationalStore, RelationalStore])[];

/** Runs `fn` on each engine; the answers of both, SQLite's first. */
async function onBoth<T>(fn: (db: RelationalStore, twin: RelationalStore, engine: string) => Promise<T>): Promise<[T, T]> {
  const out: T[] = [];
  for (const [engine, db, twin] of engines()) out.push(await fn(db, twin, engine));
  return out as [T, T];
}

// InvoiceRepository (k-billing-a converts it) is still typed on the SQLite `Database`; the one method
// these services call on it, creditsOf, is on typed Kysely already.
const invoiceRepo = (db: RelationalStore) => new InvoiceRepository(db as Database);

let seq = 0;
/** A client with an admin, a technician, a ticket, a contract and its grid. */
async function fixtures(db: RelationalStore) {
  const k = db.kysely;
  const n = ++seq;
  const client = await k
    .insertInto('clients')
    .values({ name: `Client ${n}`, created_at: T0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const user = (role: 'admin' | 'technician') =>
    k
      .insertInto('users')
      .values({ email: `${role}${n}@vigie.test`, name: role, role, client_id: null, password_hash: 'x', locale: 'fr', created_at: T0, disabled_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
  const admin = await user('admin');
  const tech = await user('technician');
  const ticket = await k
    .insertInto('tickets')
    .values({
      client_id: client.id,
      title: 'Poste bloqué',
      description: '',
      channel: 'portal',
      kind: 'urgent',
      mode: 'remote',
      priority: 'normal',
      status: 'new',
      assignee_id: null,
      received_at: T0,
      sla_start_at: T0,
      sla_deadline_at: null,
      planned_date: null,
      intervention_started_at: null,
      resolved_at: null,
      closed_at: null,
      fingerprint: null,
      created_by: null,
      created_at: T0,
      updated_at: T0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await k.insertInto('billing_contracts').values({ client_id: client.id, start_date: '2025-01-01', buyer: '{}', created_at: T0, updated_at: T0 }).execute();
  const grid = await k
    .insertInto('price_grids')
    .values({
      client_id: client.id,
      valid_from: '2025-01-01',
      valid_to: null,
      grid: '{}',
      syntec_index: '274.7',
      syntec_index_date: '2019-10-31',
      reason: 'initial',
      created_by: null,
      created_at: T0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const sessionUser = { id: admin.id, role: 'admin', clientId: null } as SessionUser;
  return { clientId: client.id, adminId: admin.id, techId: tech.id, ticketId: ticket.id, gridId: grid.id, admin: sessionUser };
}

let invoiceSeq = 0;
async function invoice(
  db: RelationalStore,
  clientId: number,
  totalIncl: number,
  issuedOn: LocalDate = '2026-11-30',
  document = '{"lines":[]}',
  period: [LocalDate, LocalDate] = ['2026-11-01', '2026-11-30'],
) {
  const s = ++invoiceSeq;
  const r = await db.kysely
    .insertInto('invoices')
    .values({
      client_id: clientId,
      kind: 'invoice',
      year: 2026,
      seq: s,
      number: `F2026-${String(s).padStart(4, '0')}`,
      period_start: period[0],
      period_end: period[1],
      issued_on: issuedOn,
      due_on: '2026-12-30',
      corrects_invoice_id: null,
      total_excl_cents: totalIncl - totalIncl / 6,
      vat_rate_bp: 2000,
      vat_cents: totalIncl / 6,
      total_incl_cents: totalIncl,
      document,
      created_by: null,
      created_at: T0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

const services = (db: RelationalStore) => {
  const payments = new PaymentRepository(db);
  return { payments, service: new PaymentService(db, invoiceRepo(db), payments) };
};

/** What a rejected promise said: its message (or that it was not rejected). */
const outcome = (p: Promise<unknown>) =>
  p.then(
    (v) => ({ ok: v }),
    (e: Error) => ({ error: e.message }),
  );

describe('payments (contract 5.1)', () => {
  test('recorded in integer cents, listed in order, a reference sent twice recorded once, audited in the same transaction', async () => {
    const [s, p] = await onBoth(async (db) => {
      const f = await fixtures(db);
      const inv = await invoice(db, f.clientId, 120_000);
      const { payments, service } = services(db);
      const first = await service.addPayment(inv, { paidOn: '2026-12-02', amountCents: 30_001, method: 'transfer', reference: 'VIR 1' }, f.admin, NOW);
      const again = await service.addPayment(inv, { paidOn: '2026-12-02', amountCents: 30_001, method: 'transfer', reference: 'VIR 1' }, f.admin, NOW);
      const otherFigures = await outcome(
        service.addPayment(inv, { paidOn: '2026-12-02', amountCents: 5, method: 'transfer', reference: 'VIR 1' }, f.admin, NOW),
      );
      await service.addPayment(inv, { paidOn: '2026-12-01', amountCents: 10_000, method: 'cheque' }, f.admin, NOW);
      const above = await outcome(service.addPayment(inv, { paidOn: '2026-12-03', amountCents: 80_000, method: 'cheque' }, f.admin, NOW));
      const future = await outcome(service.addPayment(inv, { paidOn: '2026-12-06', amountCents: 1, method: 'cheque' }, f.admin, NOW));
      const audited = await db.kysely
        .selectFrom('audit_log')
        .select(['actor', 'action', 'target', 'client_id'])
        .where('action', '=', 'payment.add')
        .where('target', '=', `invoice:${inv}`)
        .orderBy('id')
        .execute();
      return {
        sameId: first === again,
        invoiceId: inv,
        otherFigures,
        above,
        future,
        list: (await payments.ofInvoice(inv)).map(({ id: _id, ...rest }) => rest),
        paidAll: await payments.paidOn(inv),
        paidBy1st: await payments.paidOn(inv, '2026-12-01'),
        balance: await balanceAt(invoiceRepo(db), payments, (await invoiceRepo(db).find(inv))!, '9999-12-31', db.kysely),
        ofClient: await payments.ofClient(f.clientId),
        audited: audited.map((a) => ({ ...a, client_id: a.client_id === f.clientId })),
      };
    });
    expect(s).toEqual({
      sameId: true,
      invoiceId: expect.any(Number),
      otherFigures: { error: 'Référence « VIR 1 » déjà enregistrée sur cette facture pour un autre règlement' },
      above: { error: 'The payment exceeds the balance due (79999 cents)' },
      future: { error: 'Règlement daté dans le futur' },
      list: [
        { paidOn: '2026-12-01', amountCents: 10_000, method: 'cheque', reference: '' },
        { paidOn: '2026-12-02', amountCents: 30_001, method: 'transfer', reference: 'VIR 1' },
      ],
      paidAll: 40_001,
      paidBy1st: 10_000,
      balance: 79_999,
      ofClient: [
        { invoice_id: s.invoiceId, paid_on: '2026-12-01', amount_cents: 10_000 },
        { invoice_id: s.invoiceId, paid_on: '2026-12-02', amount_cents: 30_001 },
      ],
      audited: [
        { actor: expect.stringMatching(/^user:\d+$/), action: 'payment.add', target: expect.any(String), client_id: true },
        { actor: expect.stringMatching(/^user:\d+$/), action: 'payment.add', target: expect.any(String), client_id: true },
      ],
    });
    expect(p).toEqual(s);
    // Integer cents, as JS numbers, on both engines.
    expect(typeof p.paidAll).toBe('number');
  });

  test('the same payment sent by two collectors at once (same reference) is recorded once', async () => {
    const [s, p] = await onBoth(async (db, twin) => {
      const f = await fixtures(db);
      const inv = await invoice(db, f.clientId, 120_000);
      const a = services(db).service;
      const b = services(twin).service;
      const input = { paidOn: '2026-12-02' as LocalDate, amountCents: 60_000, method: 'transfer' as const, reference: 'VIR DOUBLE' };
      const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? b : a).addPayment(inv, input, f.admin, NOW)));
      const rows = await db.kysely.selectFrom('payments').select(['amount_cents']).where('invoice_id', '=', inv).execute();
      const audits = await db.kysely.selectFrom('audit_log').select('id').where('action', '=', 'payment.add').where('target', '=', `invoice:${inv}`).execute();
      return { distinctIds: new Set(ids).size, rows, audits: audits.length, paid: await services(db).payments.paidOn(inv) };
    });
    expect(s).toEqual({ distinctIds: 1, rows: [{ amount_cents: 60_000 }], audits: 1, paid: 60_000 });
    expect(p).toEqual(s);
  });

  test('payments sent by two collectors at once never exceed the invoice: the balance is exact', async () => {
    const [s, p] = await onBoth(async (db, twin) => {
      const f = await fixtures(db);
      const inv = await invoice(db, f.clientId, 120_000);
      const a = services(db).service;
      const b = services(twin).service;
      // Seven payments of 300.01 € on 1 200.00 €: three fit (900.03 €), then 299.97 € is left and the rest are refused.
      const results = await Promise.all(
        Array.from({ length: 7 }, (_, i) =>
          outcome((i % 2 ? b : a).addPayment(inv, { paidOn: '2026-12-02', amountCents: 30_001, method: 'transfer' }, f.admin, NOW)),
        ),
      );
      const refused = results.filter((r) => 'error' in r).map((r) => (r as { error: string }).error);
      const payments = services(db).payments;
      return {
        accepted: results.length - refused.length,
        refused: [...new Set(refused)],
        paid: await payments.paidOn(inv),
        balance: await balanceAt(invoiceRepo(db), payments, (await invoiceRepo(db).find(inv))!, '9999-12-31', db.kysely),
      };
    });
    expect(s).toEqual({ accepted: 3, refused: ['The payment exceeds the balance due (29997 cents)'], paid: 90_003, balance: 29_997 });
    expect(p).toEqual(s);
  });
});

describe('disputes (contract 5.1)', () => {
  test('opened by two collectors at once: one dispute; settled at once: closed once; both audited', async () => {
    const [s, p] = await onBoth(async (db, twin) => {
      const f = await fixtures(db);
      const inv = await invoice(db, f.clientId, 120_000);
      const service = (d: RelationalStore) => {
        const payments = new PaymentRepository(d);
        // No credit note is asked here: the credit-note path (InvoiceIssuing, on k-billing-a) is not needed.
        return new DisputeService(d, invoiceRepo(d), payments, new DisputeRepository(d), undefined as never, undefined as never);
      };
      const input = { reason: 'Intervention facturée deux fois selon nous', openedOn: '2026-12-03' as LocalDate, notifiedVia: 'email' as const };
      const opened = await Promise.all(Array.from({ length: 6 }, (_, i) => outcome(service(i % 2 ? twin : db).openDispute(inv, input, f.admin, NOW))));
      const disputes = new DisputeRepository(db);
      const rows = await disputes.ofInvoice(inv);
      const id = rows[0]!.id;
      const settled = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          outcome(service(i % 2 ? twin : db).settleDispute(id, { settledOn: '2026-12-04', settlement: 'Accord amiable' }, f.admin, NOW)),
        ),
      );
      const audits = await db.kysely
        .selectFrom('audit_log')
        .select('action')
        .where('target', '=', `invoice:${inv}`)
        .where('action', 'like', 'dispute.%')
        .orderBy('id')
        .execute();
      return {
        openedOk: opened.filter((r) => 'ok' in r).length,
        openedRefused: [...new Set(opened.filter((r) => 'error' in r).map((r) => (r as { error: string }).error))],
        settledOk: settled.filter((r) => 'ok' in r).length,
        settledRefused: [...new Set(settled.filter((r) => 'error' in r).map((r) => (r as { error: string }).error))],
        row: await disputes
          .dispute(id)
          .then((d) => d && { opened_on: d.opened_on, settled_on: d.settled_on, settlement: d.settlement, notified_via: d.notified_via }),
        ofClient: (await disputes.ofClient(f.clientId)).length,
        invoiceOf: (await disputes.invoiceOf(id))?.invoice_id === inv,
        audits: audits.map((a) => a.action),
      };
    });
    expect(s).toEqual({
      openedOk: 1,
      openedRefused: ['Un litige est déjà ouvert sur cette facture'],
      settledOk: 1,
      settledRefused: ['Litige déjà clos'],
      row: { opened_on: '2026-12-03', settled_on: '2026-12-04', settlement: 'Accord amiable', notified_via: 'email' },
      ofClient: 1,
      invoiceOf: true,
      audits: ['dispute.open', 'dispute.settle'],
    });
    expect(p).toEqual(s);
  });
});

const intervention = (f: Awaited<ReturnType<typeof fixtures>>, date: LocalDate, minutes: number) => ({
  client_id: f.clientId,
  ticket_id: f.ticketId,
  technician_id: f.techId,
  date,
  started_at: null,
  ended_at: null,
  minutes,
  kind: 'urgent' as const,
  mode: 'remote' as const,
  programmed_mode: null,
  occurrence_id: null,
  travel_cents: 0,
  meal_cents: 0,
  lodging_cents: 0,
  notes: '',
  grid_id: f.gridId,
  unit: 'hour',
  unit_count: 1,
  unit_price_cents: 11_000,
  amount_cents: 11_000,
  rule: 'Moindre coût',
  created_by: f.adminId,
  created_at: T0,
  updated_at: T0,
});

describe('interventions (contract 2.6)', () => {
  test('listed by date then id; a billed one stays frozen: the triggers refuse its change or deletion on both engines', async () => {
    const [s, p] = await onBoth(async (db) => {
      const f = await fixtures(db);
      const repo = new InterventionRepository(db);
      const b = await repo.insert(intervention(f, '2026-11-12', 90));
      const a = await repo.insert(intervention(f, '2026-11-05', 50));
      const c = await repo.insert({ ...intervention(f, '2026-11-12', 30), technician_id: null });
      const inv = await invoice(db, f.clientId, 13_200);
      // Invoicing attaches it (k-billing-a's billable items do this): allowed once, from NULL.
      await db.kysely.updateTable('interventions').set({ invoice_id: inv }).where('id', '=', a).execute();
      const { client_id: _c, ticket_id: _t, occurrence_id: _o, created_by: _b, created_at: _a, ...change } = intervention(f, '2026-11-05', 50);
      const edit = await outcome(repo.update(a, { ...change, minutes: 500, amount_cents: 99_000 }));
      const del = await outcome(repo.delete(a));
      const editOpen = await outcome(repo.update(b, { ...change, date: '2026-11-13', minutes: 95 }));
      await repo.delete(c);
      return {
        order: (await repo.list({ clientId: f.clientId })).map((r) => [r.id === a ? 'a' : r.id === b ? 'b' : 'c', r.date, r.minutes, r.amount_cents]),
        edit: 'error' in edit && /VIGIE_INVOICED/.test(edit.error),
        del: 'error' in del && /VIGIE_INVOICED/.test(del.error),
        editOpen,
        role: await repo.technicianRole(f.techId),
        kept: (await repo.find(a))?.amount_cents,
      };
    });
    expect(s).toEqual({
      order: [
        ['a', '2026-11-05', 50, 11_000],
        ['b', '2026-11-13', 95, 11_000],
      ],
      edit: true,
      del: true,
      editOpen: { ok: undefined },
      role: 'technician',
      kept: 11_000,
    });
    expect(p).toEqual(s);
  });

  test('the ticket timeline: events in the work’s transaction; taken in charge at the earliest start', async () => {
    const [s, p] = await onBoth(async (db) => {
      const f = await fixtures(db);
      const timeline = new TicketTimeline(db);
      await db.kysely.transaction().execute(async (tx) => {
        await timeline.takeInCharge(tx, f.ticketId, T0 + 5000);
        await timeline.takeInCharge(tx, f.ticketId, T0 + 9000); // later: keeps the earlier
        await timeline.record(tx, f.ticketId, T0 + 9000, `user:${f.techId}`, f.techId, 'intervention', { minutes: 50, amountCents: 11_000 });
      });
      const rolledBack = await outcome(
        db.kysely.transaction().execute(async (tx) => {
          await timeline.record(tx, f.ticketId, T0 + 10_000, 'system:billing', null, 'recurring', {});
          throw new Error('the work failed');
        }),
      );
      const t = await db.kysely.selectFrom('tickets').select(['intervention_started_at', 'updated_at']).where('id', '=', f.ticketId).executeTakeFirstOrThrow();
      const events = await db.kysely.selectFrom('ticket_events').select(['type', 'author', 'body']).where('ticket_id', '=', f.ticketId).orderBy('id').execute();
      return {
        ticket: (await timeline.ticketOf(f.ticketId, f.clientId)).title,
        otherClient: await outcome(timeline.ticketOf(f.ticketId, f.clientId + 1000)),
        t,
        rolledBack,
        events: events.map((e) => ({ ...e, body: JSON.parse(e.body) })),
      };
    });
    expect(s).toEqual({
      ticket: 'Poste bloqué',
      otherClient: { error: 'No such ticket for this client' },
      t: { intervention_started_at: T0 + 5000, updated_at: T0 + 9000 },
      rolledBack: { error: 'the work failed' },
      events: [{ type: 'intervention', author: expect.stringMatching(/^user:/), body: { minutes: 50, amountCents: 11_000 } }],
    });
    expect(p).toEqual(s);
  });
});

describe('supply orders and supplied items (contract 2.4, 3)', () => {
  test('an order with its lines, delivered once, its items listed with the device carrying the serial', async () => {
    const [s, p] = await onBoth(async (db, twin) => {
      const f = await fixtures(db);
      const repo = new SupplyRepository(db);
      const site = await db.kysely
        .insertInto('sites')
        .values({ client_id: f.clientId, name: 'Siège', created_at: T0 })
        .returning('id')
        .executeTakeFirstOrThrow();
      const id = await db.kysely.transaction().execute((tx) =>
        repo.insertOrder(
          {
            client_id: f.clientId,
            ticket_id: null,
            supplier: 'LDLC Pro',
            reference: 'CMD-1',
            ordered_on: '2026-11-02',
            grid_id: f.gridId,
            fee_unit: 'quarter_hour',
            fee_count: 1,
            fee_unit_price_cents: 3000,
            fee_amount_cents: 3000,
            fee_rule: '2.4',
            created_by: f.adminId,
            created_at: T0,
          },
          [
            { description: 'Portable', unit_price_cents: 95_000, quantity: 1, warranty_months: 36 },
            { description: 'Licence', unit_price_cents: 12_000, quantity: 1, warranty_months: 0 },
          ],
          tx,
        ),
      );
      const lines = await repo.lines(id);
      // The client's device carrying the first item's serial (as its agent reported it, spaced and in lower case).
      const device = await db.kysely
        .insertInto('devices')
        .values({
          site_id: site.id,
          client_id: f.clientId,
          kind: 'agent',
          hostname: 'pc-compta',
          platform: null,
          arch: null,
          os_name: null,
          serial: ' sn-1 ',
          machine_uuid: null,
          inventory_hash: null,
          created_at: T0,
          last_seen_at: null,
          watcher_id: null,
          site_data: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      // Two collectors mark it delivered at once: one does.
      const twinRepo = new SupplyRepository(twin);
      const marked = await Promise.all([
        db.kysely.transaction().execute((tx) => repo.markDelivered(id, '2026-11-15', tx)),
        twin.kysely.transaction().execute((tx) => twinRepo.markDelivered(id, '2026-11-15', tx)),
      ]);
      await db.kysely.transaction().execute((tx) =>
        repo.insertItems(
          [
            {
              client_id: f.clientId,
              site_id: site.id,
              order_id: id,
              line_id: lines[0]!.id,
              description: 'Portable',
              serial: 'sn-1',
              serial_key: 'SN-1',
              delivered_on: '2026-11-15',
              warranty_months: 36,
              warranty_end: '2029-11-14',
              created_at: T0,
            },
            {
              client_id: f.clientId,
              site_id: null,
              order_id: id,
              line_id: lines[1]!.id,
              description: 'Licence',
              serial: null,
              serial_key: null,
              delivered_on: '2026-11-15',
              warranty_months: 0,
              warranty_end: '2026-11-15',
              created_at: T0,
            },
          ],
          tx,
        ),
      );
      const cancelled = await db.kysely.transaction().execute((tx) => repo.markCancelled(id, tx));
      const items = await repo.suppliedItems(f.clientId);
      const orders = await repo.orders(f.clientId);
      return {
        lines: lines.map((l) => [l.description, l.unit_price_cents, l.quantity, l.warranty_months]),
        marked: marked.filter(Boolean).length,
        cancelled,
        orders: orders.map((o) => [o.status, o.delivered_on, o.fee_amount_cents]),
        client: (await repo.orderClient(id)) === f.clientId,
        site: [await repo.siteOfClient(site.id, f.clientId), await repo.siteOfClient(site.id, f.clientId + 1000)],
        items: items.map(({ id: _i, client_id: _c, site_id, order_id: _o, device_id, ...rest }) => ({
          ...rest,
          site: site_id !== null,
          device: device_id === device.id,
        })),
        linesOf: (await repo.linesOf([id])).length,
      };
    });
    expect(s).toEqual({
      lines: [
        ['Portable', 95_000, 1, 36],
        ['Licence', 12_000, 1, 0],
      ],
      marked: 1,
      cancelled: false,
      orders: [['delivered', '2026-11-15', 3000]],
      client: true,
      site: [true, false],
      items: [
        {
          description: 'Portable',
          serial: 'sn-1',
          delivered_on: '2026-11-15',
          warranty_months: 36,
          warranty_end: '2029-11-14',
          retired_on: null,
          supplier: 'LDLC Pro',
          order_reference: 'CMD-1',
          site: true,
          device: true,
        },
        {
          description: 'Licence',
          serial: null,
          delivered_on: '2026-11-15',
          warranty_months: 0,
          warranty_end: '2026-11-15',
          retired_on: null,
          supplier: 'LDLC Pro',
          order_reference: 'CMD-1',
          site: false,
          device: false,
        },
      ],
      linesOf: 2,
    });
    expect(p).toEqual(s);
  });
});

describe('supply deliveries by the service (contract 2.4, 3)', () => {
  test('one order delivered by two collectors at once: delivered once, its items once, one audit entry; then not cancellable', async () => {
    const [s, p] = await onBoth(async (db, twin) => {
      const f = await fixtures(db);
      const repo = new SupplyRepository(db);
      const id = await db.kysely.transaction().execute((tx) =>
        repo.insertOrder(
          {
            client_id: f.clientId,
            ticket_id: null,
            supplier: 'LDLC Pro',
            reference: 'CMD-2',
            ordered_on: '2026-11-02',
            grid_id: f.gridId,
            fee_unit: 'quarter_hour',
            fee_count: 1,
            fee_unit_price_cents: 3000,
            fee_amount_cents: 3000,
            fee_rule: '2.4',
            created_by: f.adminId,
            created_at: T0,
          },
          [{ description: 'Écran', unit_price_cents: 21_000, quantity: 2, warranty_months: 24 }],
          tx,
        ),
      );
      const [line] = await repo.lines(id);
      // Delivery and cancellation do not read the contract (only ordering does).
      const service = (d: RelationalStore) => new SupplyService(d, undefined as never);
      const input = {
        deliveredOn: '2026-11-16' as LocalDate,
        items: [
          { lineId: line!.id, serial: 'EC-1' },
          { lineId: line!.id, serial: 'EC-2' },
        ],
      };
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => outcome(service(i % 2 ? twin : db).deliverOrder(id, input, `user:${f.adminId}`, T0))),
      );
      const cancel = await outcome(service(twin).cancelOrder(id, `user:${f.adminId}`, T0));
      const audits = await db.kysely.selectFrom('audit_log').select('action').where('target', '=', `supply-order:${id}`).execute();
      return {
        ok: results.filter((r) => 'ok' in r).length,
        refused: [...new Set(results.filter((r) => 'error' in r).map((r) => (r as { error: string }).error))],
        cancel,
        items: (await service(db).suppliedItems(f.clientId)).map((i) => [i.serial, i.warranty_end]),
        orders: (await service(db).orders(f.clientId)).map((o) => [o.status, o.lines.length]),
        audits: audits.map((a) => a.action),
      };
    });
    expect(s).toEqual({
      ok: 1,
      refused: ['Commande déjà livrée'],
      cancel: { error: 'Seule une commande en cours peut être annulée' },
      items: [
        ['EC-1', '2028-11-15'],
        ['EC-2', '2028-11-15'],
      ],
      orders: [['delivered', 1]],
      audits: ['supply.deliver'],
    });
    expect(p).toEqual(s);
  });
});

describe('DEEE pickups (contract 2.5)', () => {
  test('recorded, its BSD set, frozen once invoiced', async () => {
    const [s, p] = await onBoth(async (db) => {
      const f = await fixtures(db);
      const repo = new RecyclingRepository(db);
      const id = await repo.insert({
        client_id: f.clientId,
        ticket_id: f.ticketId,
        picked_up_on: '2026-11-20',
        description: '3 écrans',
        weight_grams: 12_345,
        transport_cents: 4000,
        handling_cents: 2500,
        recycling_rate_cents_per_kg: 35,
        recycling_cents: 432,
        bsd_reference: null,
        created_by: f.adminId,
        created_at: T0,
      });
      const bsd = (await repo.setBsd(id, 'BSD-2026-01')) === f.clientId;
      const missing = await repo.setBsd(id + 1000, 'BSD-X');
      const inv = await invoice(db, f.clientId, 8316);
      await db.kysely.updateTable('recycling_pickups').set({ invoice_id: inv }).where('id', '=', id).execute();
      const change = await outcome(db.kysely.updateTable('recycling_pickups').set({ weight_grams: 1 }).where('id', '=', id).execute());
      return {
        bsd,
        missing,
        hasContract: [await repo.hasContract(f.clientId), await repo.hasContract(f.clientId + 1000)],
        change: 'error' in change && /VIGIE_INVOICED/.test(change.error),
        list: (await repo.list(f.clientId)).map((r) => [r.weight_grams, r.recycling_cents, r.bsd_reference]),
      };
    });
    expect(s).toEqual({ bsd: true, missing: undefined, hasContract: [true, false], change: true, list: [[12_345, 432, 'BSD-2026-01']] });
    expect(p).toEqual(s);
  });
});

describe('ECB rates and Syntec indices (contract 5.1, 5.2)', () => {
  test('entered, corrected, read in date order; the revision they give is the same on both engines', async () => {
    const [s, p] = await onBoth(async (db) => {
      const f = await fixtures(db);
      const repo = new PriceIndexRepository(db as Database);
      await repo.upsertSyntec('2025-10-31', '3010', f.adminId, T0);
      await repo.upsertSyntec('2019-10-31', '274.7', f.adminId, T0);
      await repo.upsertSyntec('2025-10-31', '301.6', f.adminId, T0 + 1); // corrected
      await repo.upsertEcbRate('2025-06-11', 215, f.adminId, T0);
      await repo.upsertEcbRate('2024-09-18', 365, f.adminId, T0);
      await repo.upsertEcbRate('2025-06-11', 216, f.adminId, T0 + 1);
      const syntec = await repo.syntecByDate();
      const [s0, s1] = syntec.map((r) => Number(r.value)) as [number, number];
      return {
        syntec,
        ecb: await repo.ecbRates(),
        ecbByDate: await repo.ecbRatesByDate(),
        cap: capPrice(11_000, s0, s1),
        revised: proposeRevision(TEST_PRICE_GRID, s0, s1),
      };
    });
    expect(s.syntec).toEqual([
      { published_on: '2019-10-31', value: '274.7' },
      { published_on: '2025-10-31', value: '301.6' },
    ]);
    expect(s.ecb).toEqual([
      { from_date: '2024-09-18', rate_bp: 365 },
      { from_date: '2025-06-11', rate_bp: 216 },
    ]);
    // P1 = ⌊11 000 × (301.6 / 274.7 + 0.01)⌋ = ⌊11 000 × 1.10792…⌋
    expect(s.cap).toBe(Math.floor((11_000 * (100 * 3016 + 2747)) / (100 * 2747)));
    expect(s.cap).toBe(12_187);
    expect(p).toEqual(s);
  });
});

describe('the provider’s settings, logo and e-reporting (contract 5.1, CGI art. 269 and 290 A)', () => {
  test('identity, logo bytes, VAT on debits and the month’s payments extract: the same on both engines, each change audited', async () => {
    const [s, p] = await onBoth(async (db) => {
      const f = await fixtures(db);
      const settings = new SettingsService(db);
      const before = { vat: await outcome(setVatOnDebits(db, true, 'user:1', T0)), logo: await writeLogo(db, Buffer.from([1]), 'image/png', 'user:1', T0) };
      const seller = { name: 'Sibio', address: ['20 rue Raymond Poincaré', '91330 Yerres'], siren: '812345678', vatNumber: 'FR45812345678' };
      await settings.putSettings(seller, null, T0, `user:${f.adminId}`);
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
      const stored = await writeLogo(db, png, 'image/png', `user:${f.adminId}`, T0 + 1);
      const read = await settings.getSettings();
      const logo = await readLogo(db);
      const wasDebits = [await setVatOnDebits(db, true, `user:${f.adminId}`, T0 + 2), await setVatOnDebits(db, true, `user:${f.adminId}`, T0 + 3)];
      const now = await eInvoicingSettings(db);
      const seller2 = await db.kysely.transaction().execute((tx) => settings.sellerForInvoice(tx));
      await clearLogo(db, `user:${f.adminId}`, T0 + 4);
      // Two payments in November on an invoice of services, one in December: November's extract.
      const doc = { lines: [{ type: 'intervention', amountCents: 100_000 }], buyer: { name: 'Acme SARL', siren: '401234567' }, vatOnDebits: false };
      const inv = await invoice(db, f.clientId, 120_000, '2026-10-31', JSON.stringify(doc));
      const { service } = services(db);
      for (const [paidOn, amountCents] of [
        ['2026-11-30', 20_000],
        ['2026-11-02', 33_333],
        ['2026-12-01', 1],
      ] as const)
        await service.addPayment(inv, { paidOn, amountCents, method: 'transfer' }, f.admin, NOW);
      const report = await paymentsForEReporting(db, '2026-11');
      const audits = await db.kysely.selectFrom('audit_log').select('action').where('target', '=', 'billing:settings').orderBy('id').execute();
      return {
        before,
        stored,
        read,
        logo: logo && { type: logo.type, bytes: [...logo.data] },
        afterClear: await readLogo(db),
        wasDebits,
        now,
        seller2,
        report: { ...report, payments: report.payments.map(({ paymentId: _p, invoiceId: _i, clientId: _c, invoiceNumber: _n, ...rest }) => rest) },
        audits: audits.map((a) => a.action),
      };
    });
    expect(s).toEqual({
      before: { vat: { error: 'Renseignez d’abord l’identité du prestataire (PUT /api/v1/billing/settings)' }, logo: false },
      stored: true,
      read: {
        seller: { name: 'Sibio', address: ['20 rue Raymond Poincaré', '91330 Yerres'], siren: '812345678', vatNumber: 'FR45812345678' },
        bank: null,
        logo: { type: 'image/png', size: 10, updatedAt: T0 + 1 },
      },
      logo: { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff] },
      afterClear: undefined,
      wasDebits: [false, true],
      now: { vatOnDebits: true },
      seller2: expect.objectContaining({ vatOnDebits: true, bank: undefined }),
      report: expect.objectContaining({
        month: '2026-11',
        payments: [
          expect.objectContaining({ paidOn: '2026-11-02', amountCents: 33_333, servicesInclCents: 33_333, servicesVatCents: 5556, servicesExclCents: 27_777 }),
          expect.objectContaining({ paidOn: '2026-11-30', amountCents: 20_000, servicesInclCents: 20_000, servicesVatCents: 3333, servicesExclCents: 16_667 }),
        ],
        totals: [{ vatRateBp: 2000, exclCents: 44_444, vatCents: 8889, inclCents: 53_333, payments: 2 }],
      }),
      audits: ['billing.settings', 'billing.logo', 'billing.vat-on-debits', 'billing.logo.delete'],
    });
    expect(p).toEqual(s);
  });
});

describe('invoice mails (Factur-X)', () => {
  test('deliveries listed by invoice and by client; what is due: never-claimed invoices, failed ones past their backoff, expired leases', async () => {
    const [s, p] = await onBoth(async (db) => {
      const f = await fixtures(db);
      // The mailer's reads only: its claims (reports/delivery.ts) and InvoiceService are not on Kysely yet.
      const mailer = new InvoiceMailer({
        db: db as Database,
        invoices: undefined as never,
        transport: undefined as never,
        settings: { ...DEFAULT_REPORT_SETTINGS, maxAttempts: 3, retryBaseMs: 60_000, retryMaxMs: 600_000 },
        log: undefined as never,
      });
      const ids = [];
      for (let i = 0; i < 5; i++) {
        const id = await invoice(db, f.clientId, 1200, '2026-11-30', undefined, [`2026-0${i + 1}-01`, `2026-0${i + 1}-28`]);
        await db.kysely.insertInto('invoice_xml').values({ invoice_id: id, xml: '<x/>', sha256: 'h', created_at: T0 }).execute();
        ids.push(id);
      }
      const [fresh, sent, failed, sending, exhausted] = ids as [number, number, number, number, number];
      const delivery = (invoiceId: number, status: 'sent' | 'failed' | 'sending', attempts: number, updatedAt: number, leaseUntil: number) =>
        db.kysely
          .insertInto('invoice_deliveries')
          .values({
            invoice_id: invoiceId,
            claim: issueClaim(invoiceId),
            kind: 'scheduled',
            status,
            worker: 'w',
            lease_until: leaseUntil,
            attempts,
            recipients: '["compta@acme.test"]',
            revision: 1,
            message_id: null,
            error: null,
            job_id: null,
            requested_by: null,
            created_at: T0,
            updated_at: updatedAt,
            sent_at: null,
          })
          .execute();
      await delivery(sent, 'sent', 1, T0, T0);
      await delivery(failed, 'failed', 1, T0, T0);
      await delivery(sending, 'sending', 1, T0 + 3_600_000, T0 + 1000);
      await delivery(exhausted, 'failed', 3, T0, T0);
      const name = (id: number) => ({ [fresh]: 'fresh', [sent]: 'sent', [failed]: 'failed', [sending]: 'sending', [exhausted]: 'exhausted' })[id];
      const soon = await mailer.due(T0 + 1); // the failed one's backoff (≥ 48 s) not elapsed; the lease not expired
      const later = await mailer.due(T0 + 3_600_000 + 1);
      return {
        soon: soon.map((d) => [name(d.invoiceId), d.kind]),
        later: later.map((d) => [name(d.invoiceId), d.claim === issueClaim(d.invoiceId)]),
        byInvoice: (await mailer.deliveries([sending, sent, fresh])).map((d) => [name(d.invoice_id), d.status, d.attempts, JSON.parse(d.recipients)]),
        none: await mailer.deliveries([]),
        ofClient: (await mailer.deliveriesOfClient(f.clientId)).map((d) => name(d.invoice_id)),
        otherClient: await mailer.deliveriesOfClient(f.clientId + 1000),
      };
    });
    expect(s).toEqual({
      soon: [['fresh', 'scheduled']],
      later: [
        ['fresh', true],
        ['failed', true],
        ['sending', true],
      ],
      byInvoice: [
        ['sent', 'sent', 1, ['compta@acme.test']],
        ['sending', 'sending', 1, ['compta@acme.test']],
      ],
      none: [],
      ofClient: ['sent', 'failed', 'sending', 'exhausted'],
      otherClient: [],
    });
    expect(p).toEqual(s);
  });
});
