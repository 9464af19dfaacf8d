import type { Kysely } from 'kysely';
import type { MigrationEngine } from './engine.js';
import { type EngineStatement, postgresRefusal, runStatements } from './sql-for-engine.js';

const INVOICE_CHANGED = 'VIGIE_IMMUTABLE: an issued invoice cannot be changed';
const INVOICE_DELETED = 'VIGIE_IMMUTABLE: an issued invoice cannot be deleted';
const INVOICED = 'VIGIE_INVOICED: this item is on an issued invoice';

/** An issued document's table refuses every UPDATE and DELETE (SQLite text as released). */
export function immutableTable(table: string, changed: string, deleted: string): EngineStatement[] {
  return [
    {
      sqlite: `CREATE TRIGGER ${table}_immutable_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${changed}'); END`,
      postgres: postgresRefusal({ name: `${table}_immutable_update`, table, event: 'UPDATE', message: changed }),
    },
    {
      sqlite: `CREATE TRIGGER ${table}_immutable_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${deleted}'); END`,
      postgres: postgresRefusal({ name: `${table}_immutable_delete`, table, event: 'DELETE', message: deleted }),
    },
  ];
}

/**
 * Billing (contract 2.4–2.6, 5, 6): contracts and their price grids with validity periods,
 * interventions, recurring programmes, supply orders and supplied items, DEEE pickups, invoices
 * (immutable once issued, gap-free numbers per year), payments, disputes, ECB rates, Syntec indices.
 * Dates are Europe/Paris calendar dates 'YYYY-MM-DD'; money is integer cents excluding tax unless
 * a column says otherwise.
 */
const STATEMENTS: (string | EngineStatement)[] = [
  `CREATE TABLE billing_settings (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     seller TEXT NOT NULL,
     bank TEXT,
     updated_at INTEGER NOT NULL)`,
  `CREATE TABLE billing_contracts (
     client_id INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
     start_date TEXT NOT NULL,
     term_months INTEGER NOT NULL DEFAULT 12 CHECK (term_months > 0),
     notice_months INTEGER NOT NULL DEFAULT 3 CHECK (notice_months >= 3),
     vat_rate_bp INTEGER NOT NULL DEFAULT 2000 CHECK (vat_rate_bp >= 0 AND vat_rate_bp <= 10000),
     payment_days INTEGER NOT NULL DEFAULT 30 CHECK (payment_days >= 0 AND payment_days <= 60),
     payment_method TEXT NOT NULL DEFAULT 'direct_debit',
     buyer TEXT NOT NULL,
     recipients TEXT NOT NULL DEFAULT '[]',
     notice_received_on TEXT,
     notice_from TEXT CHECK (notice_from IS NULL OR notice_from IN ('client', 'provider')),
     end_date TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL)`,
  `CREATE TABLE price_grids (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
     valid_from TEXT NOT NULL,
     valid_to TEXT,
     grid TEXT NOT NULL,
     syntec_index TEXT NOT NULL,
     reason TEXT NOT NULL CHECK (reason IN ('initial', 'revision', 'amendment')),
     created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL,
     UNIQUE (client_id, valid_from))`,
  `CREATE TABLE ecb_rates (
     from_date TEXT PRIMARY KEY,
     rate_bp INTEGER NOT NULL,
     entered_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL)`,
  `CREATE TABLE syntec_indices (
     published_on TEXT PRIMARY KEY,
     value TEXT NOT NULL,
     entered_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL)`,
  `CREATE TABLE invoices (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     client_id INTEGER NOT NULL REFERENCES clients(id),
     kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
     year INTEGER NOT NULL,
     seq INTEGER NOT NULL CHECK (seq > 0),
     number TEXT NOT NULL UNIQUE,
     period_start TEXT NOT NULL,
     period_end TEXT NOT NULL,
     issued_on TEXT NOT NULL,
     due_on TEXT NOT NULL,
     corrects_invoice_id INTEGER REFERENCES invoices(id),
     releases_items INTEGER NOT NULL DEFAULT 0,
     total_excl_cents INTEGER NOT NULL,
     vat_rate_bp INTEGER NOT NULL,
     vat_cents INTEGER NOT NULL,
     total_incl_cents INTEGER NOT NULL,
     document TEXT NOT NULL,
     created_by INTEGER,
     created_at INTEGER NOT NULL,
     UNIQUE (kind, year, seq))`,
  `CREATE UNIQUE INDEX invoices_one_per_month ON invoices (client_id, period_start) WHERE kind = 'invoice' AND corrects_invoice_id IS NULL AND releases_items = 0`,
  `CREATE INDEX invoices_client ON invoices (client_id, issued_on)`,
  ...immutableTable('invoices', INVOICE_CHANGED, INVOICE_DELETED),
  `CREATE TABLE invoice_pdfs (
     invoice_id INTEGER PRIMARY KEY REFERENCES invoices(id),
     pdf BLOB NOT NULL,
     sha256 TEXT NOT NULL,
     created_at INTEGER NOT NULL)`,
  ...immutableTable('invoice_pdfs', INVOICE_CHANGED, INVOICE_DELETED),
  `CREATE TABLE interventions (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
     ticket_id INTEGER NOT NULL REFERENCES tickets(id),
     technician_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
     date TEXT NOT NULL,
     started_at INTEGER,
     ended_at INTEGER,
     minutes INTEGER NOT NULL CHECK (minutes > 0),
     kind TEXT NOT NULL CHECK (kind IN ('programmed', 'urgent')),
     mode TEXT NOT NULL CHECK (mode IN ('on_site', 'remote')),
     programmed_mode TEXT CHECK (programmed_mode IS NULL OR programmed_mode IN ('planned', 'recurring')),
     occurrence_id INTEGER,
     travel_cents INTEGER NOT NULL DEFAULT 0 CHECK (travel_cents >= 0),
     meal_cents INTEGER NOT NULL DEFAULT 0 CHECK (meal_cents >= 0),
     lodging_cents INTEGER NOT NULL DEFAULT 0 CHECK (lodging_cents >= 0),
     notes TEXT NOT NULL DEFAULT '',
     grid_id INTEGER NOT NULL REFERENCES price_grids(id),
     unit TEXT NOT NULL,
     unit_count INTEGER NOT NULL,
     unit_price_cents INTEGER NOT NULL,
     amount_cents INTEGER NOT NULL,
     rule TEXT NOT NULL,
     invoice_id INTEGER REFERENCES invoices(id),
     created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL)`,
  `CREATE INDEX interventions_client_date ON interventions (client_id, date)`,
  `CREATE INDEX interventions_ticket ON interventions (ticket_id)`,
  `CREATE INDEX interventions_uninvoiced ON interventions (client_id, date) WHERE invoice_id IS NULL`,
  `CREATE TABLE recurring_schedules (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
     ticket_id INTEGER NOT NULL REFERENCES tickets(id),
     title TEXT NOT NULL,
     mode TEXT NOT NULL CHECK (mode IN ('on_site', 'remote')),
     period TEXT NOT NULL CHECK (period IN ('weekly', 'monthly')),
     first_date TEXT NOT NULL,
     until_date TEXT,
     start_time TEXT NOT NULL,
     reserved_minutes INTEGER NOT NULL CHECK (reserved_minutes > 0),
     active INTEGER NOT NULL DEFAULT 1,
     created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL)`,
  `CREATE TABLE recurring_occurrences (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     schedule_id INTEGER NOT NULL REFERENCES recurring_schedules(id) ON DELETE CASCADE,
     slot INTEGER NOT NULL,
     date TEXT NOT NULL,
     start_time TEXT NOT NULL,
     reserved_minutes INTEGER NOT NULL CHECK (reserved_minutes > 0),
     status TEXT NOT NULL CHECK (status IN ('scheduled', 'done', 'cancelled')),
     changed_by TEXT CHECK (changed_by IS NULL OR changed_by IN ('client', 'adjustment')),
     UNIQUE (schedule_id, slot))`,
  `CREATE INDEX recurring_occurrences_date ON recurring_occurrences (schedule_id, date)`,
  `CREATE TABLE recurring_changes (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     schedule_id INTEGER NOT NULL REFERENCES recurring_schedules(id) ON DELETE CASCADE,
     occurrence_id INTEGER NOT NULL REFERENCES recurring_occurrences(id) ON DELETE CASCADE,
     received_at INTEGER NOT NULL,
     requested_date TEXT,
     requested_start_time TEXT,
     requested_minutes INTEGER,
     accepted INTEGER NOT NULL,
     reason TEXT NOT NULL,
     requested_by INTEGER REFERENCES users(id) ON DELETE SET NULL)`,
  `CREATE TABLE supply_orders (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
     ticket_id INTEGER REFERENCES tickets(id),
     supplier TEXT NOT NULL,
     reference TEXT NOT NULL DEFAULT '',
     ordered_on TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('ordered', 'delivered', 'cancelled')),
     delivered_on TEXT,
     grid_id INTEGER NOT NULL REFERENCES price_grids(id),
     fee_unit TEXT NOT NULL,
     fee_count INTEGER NOT NULL,
     fee_unit_price_cents INTEGER NOT NULL,
     fee_amount_cents INTEGER NOT NULL,
     fee_rule TEXT NOT NULL,
     fee_invoice_id INTEGER REFERENCES invoices(id),
     goods_invoice_id INTEGER REFERENCES invoices(id),
     created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL)`,
  `CREATE TABLE supply_order_lines (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     order_id INTEGER NOT NULL REFERENCES supply_orders(id) ON DELETE CASCADE,
     description TEXT NOT NULL,
     unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
     quantity INTEGER NOT NULL CHECK (quantity > 0),
     warranty_months INTEGER NOT NULL DEFAULT 12 CHECK (warranty_months >= 0))`,
  `CREATE TABLE supplied_items (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
     site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL,
     order_id INTEGER REFERENCES supply_orders(id),
     line_id INTEGER REFERENCES supply_order_lines(id),
     description TEXT NOT NULL,
     serial TEXT,
     serial_key TEXT,
     delivered_on TEXT NOT NULL,
     warranty_months INTEGER NOT NULL CHECK (warranty_months >= 0),
     warranty_end TEXT NOT NULL,
     retired_on TEXT,
     created_at INTEGER NOT NULL)`,
  `CREATE INDEX supplied_items_serial ON supplied_items (client_id, serial_key)`,
  `CREATE INDEX supplied_items_warranty ON supplied_items (warranty_end) WHERE retired_on IS NULL`,
  `CREATE TABLE recycling_pickups (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
     ticket_id INTEGER REFERENCES tickets(id),
     picked_up_on TEXT NOT NULL,
     description TEXT NOT NULL,
     weight_grams INTEGER NOT NULL CHECK (weight_grams > 0),
     transport_cents INTEGER NOT NULL CHECK (transport_cents >= 0),
     handling_cents INTEGER NOT NULL CHECK (handling_cents >= 0),
     recycling_rate_cents_per_kg INTEGER NOT NULL CHECK (recycling_rate_cents_per_kg >= 0),
     recycling_cents INTEGER NOT NULL,
     bsd_reference TEXT,
     invoice_id INTEGER REFERENCES invoices(id),
     created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL)`,
  `CREATE TABLE payments (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     invoice_id INTEGER NOT NULL REFERENCES invoices(id),
     client_id INTEGER NOT NULL REFERENCES clients(id),
     paid_on TEXT NOT NULL,
     amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
     method TEXT NOT NULL,
     reference TEXT NOT NULL DEFAULT '',
     created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL)`,
  `CREATE INDEX payments_invoice ON payments (invoice_id)`,
  `CREATE TABLE disputes (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     invoice_id INTEGER NOT NULL REFERENCES invoices(id),
     client_id INTEGER NOT NULL REFERENCES clients(id),
     opened_on TEXT NOT NULL,
     reason TEXT NOT NULL,
     notified_via TEXT NOT NULL,
     settled_on TEXT,
     settlement TEXT,
     created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
     created_at INTEGER NOT NULL)`,
  `CREATE INDEX disputes_invoice ON disputes (invoice_id)`,
  // Once invoiced, what a billed item bills is frozen; the only change allowed is its release by a credit note
  // that cancels its invoice (releases_items), so that it can be billed again, corrected.
  ...(
    [
      [
        'interventions',
        'client_id, ticket_id, date, minutes, kind, mode, travel_cents, meal_cents, lodging_cents, unit, unit_count, unit_price_cents, amount_cents, invoice_id',
      ],
      ['recycling_pickups', 'client_id, picked_up_on, weight_grams, transport_cents, handling_cents, recycling_rate_cents_per_kg, recycling_cents, invoice_id'],
    ] as const
  ).flatMap(([t, billed]): EngineStatement[] => {
    const released = `NEW.invoice_id IS NULL
         AND EXISTS (SELECT 1 FROM invoices WHERE corrects_invoice_id = OLD.invoice_id AND releases_items = 1)`;
    return [
      {
        sqlite: `CREATE TRIGGER ${t}_invoiced_update BEFORE UPDATE OF ${billed} ON ${t}
       WHEN OLD.invoice_id IS NOT NULL AND NOT (${released})
       BEGIN SELECT RAISE(ABORT, '${INVOICED}'); END`,
        postgres: postgresRefusal({
          name: `${t}_invoiced_update`,
          table: t,
          event: 'UPDATE',
          of: billed,
          when: `OLD.invoice_id IS NOT NULL AND NOT (${released})`,
          message: INVOICED,
        }),
      },
      {
        sqlite: `CREATE TRIGGER ${t}_invoiced_delete BEFORE DELETE ON ${t} WHEN OLD.invoice_id IS NOT NULL
       BEGIN SELECT RAISE(ABORT, '${INVOICED}'); END`,
        postgres: postgresRefusal({ name: `${t}_invoiced_delete`, table: t, event: 'DELETE', when: 'OLD.invoice_id IS NOT NULL', message: INVOICED }),
      },
    ];
  }),
];

export async function up(db: Kysely<any>, engine: MigrationEngine): Promise<void> {
  await runStatements(db, engine, STATEMENTS);
}
