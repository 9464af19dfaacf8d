import type { Generated } from 'kysely';

/**
 * Billing tables (migrations 005-billing, 009-facturx, 016-ux-*), as Kysely sees them. Dates are
 * Europe/Paris calendar dates 'YYYY-MM-DD'; money is integer cents (excluding tax unless a column
 * says otherwise); JSON columns are text.
 */
type LocalDate = string;
type InterventionKind = 'programmed' | 'urgent';
type InterventionMode = 'on_site' | 'remote';

export interface BillingSettingsTable {
  id: number;
  /** JSON LegalIdentity. */
  seller: string;
  /** JSON BankDetails. */
  bank: string | null;
  vat_on_debits: Generated<number>;
  logo: Buffer | null;
  logo_type: string | null;
  logo_updated_at: number | null;
  updated_at: number;
}

export interface BillingContractsTable {
  client_id: number;
  start_date: LocalDate;
  term_months: Generated<number>;
  notice_months: Generated<number>;
  vat_rate_bp: Generated<number>;
  payment_days: Generated<number>;
  payment_method: Generated<string>;
  /** JSON LegalIdentity. */
  buyer: string;
  /** JSON string[]. */
  recipients: Generated<string>;
  notice_received_on: LocalDate | null;
  notice_from: 'client' | 'provider' | null;
  end_date: LocalDate | null;
  created_at: number;
  updated_at: number;
}

export interface PriceGridsTable {
  id: Generated<number>;
  client_id: number;
  valid_from: LocalDate;
  valid_to: LocalDate | null;
  /** JSON PriceGrid. */
  grid: string;
  /** Decimal text, kept exactly as published. */
  syntec_index: string;
  syntec_index_date: LocalDate | null;
  reason: 'initial' | 'revision' | 'amendment';
  created_by: number | null;
  created_at: number;
}

export interface EcbRatesTable {
  from_date: LocalDate;
  rate_bp: number;
  entered_by: number | null;
  created_at: number;
}

export interface SyntecIndicesTable {
  published_on: LocalDate;
  value: string;
  entered_by: number | null;
  created_at: number;
}

export interface InvoicesTable {
  id: Generated<number>;
  client_id: number;
  kind: 'invoice' | 'credit_note';
  year: number;
  seq: number;
  number: string;
  period_start: LocalDate;
  period_end: LocalDate;
  issued_on: LocalDate;
  due_on: LocalDate;
  corrects_invoice_id: number | null;
  releases_items: Generated<number>;
  total_excl_cents: number;
  vat_rate_bp: number;
  vat_cents: number;
  total_incl_cents: number;
  /** JSON InvoiceDocument, frozen at issue. */
  document: string;
  created_by: number | null;
  created_at: number;
}

export interface InvoicePdfsTable {
  invoice_id: number;
  pdf: Buffer;
  sha256: string;
  created_at: number;
}

export interface InvoiceXmlTable {
  invoice_id: number;
  xml: string;
  sha256: string;
  created_at: number;
}

export interface InterventionsTable {
  id: Generated<number>;
  client_id: number;
  ticket_id: number;
  technician_id: number | null;
  date: LocalDate;
  started_at: number | null;
  ended_at: number | null;
  minutes: number;
  kind: InterventionKind;
  mode: InterventionMode;
  programmed_mode: 'planned' | 'recurring' | null;
  occurrence_id: number | null;
  travel_cents: number;
  meal_cents: number;
  lodging_cents: number;
  notes: string;
  grid_id: number;
  /** A BillingUnit. */
  unit: string;
  unit_count: number;
  unit_price_cents: number;
  amount_cents: number;
  rule: string;
  invoice_id: number | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

export interface RecurringSchedulesTable {
  id: Generated<number>;
  client_id: number;
  ticket_id: number;
  title: string;
  mode: InterventionMode;
  period: 'weekly' | 'monthly';
  first_date: LocalDate;
  until_date: LocalDate | null;
  /** 'HH:MM', Paris time. */
  start_time: string;
  reserved_minutes: number;
  active: Generated<number>;
  created_by: number | null;
  created_at: number;
}

export interface RecurringOccurrencesTable {
  id: Generated<number>;
  schedule_id: number;
  slot: number;
  date: LocalDate;
  start_time: string;
  reserved_minutes: number;
  status: 'scheduled' | 'done' | 'cancelled';
  changed_by: 'client' | 'adjustment' | null;
  /** The date the programme's rule gave, when it fell on a weekend or public holiday (held on the next business day). */
  moved_from: LocalDate | null;
}

export interface RecurringChangesTable {
  id: Generated<number>;
  schedule_id: number;
  occurrence_id: number;
  received_at: number;
  requested_date: LocalDate | null;
  requested_start_time: string | null;
  requested_minutes: number | null;
  accepted: number;
  reason: string;
  requested_by: number | null;
}

export interface SupplyOrdersTable {
  id: Generated<number>;
  client_id: number;
  ticket_id: number | null;
  supplier: string;
  reference: string;
  ordered_on: LocalDate;
  status: 'ordered' | 'delivered' | 'cancelled';
  delivered_on: LocalDate | null;
  grid_id: number;
  /** A BillingUnit. */
  fee_unit: string;
  fee_count: number;
  fee_unit_price_cents: number;
  fee_amount_cents: number;
  fee_rule: string;
  fee_invoice_id: number | null;
  goods_invoice_id: number | null;
  created_by: number | null;
  created_at: number;
}

export interface SupplyOrderLinesTable {
  id: Generated<number>;
  order_id: number;
  description: string;
  unit_price_cents: number;
  quantity: number;
  warranty_months: number;
}

export interface SuppliedItemsTable {
  id: Generated<number>;
  client_id: number;
  site_id: number | null;
  order_id: number | null;
  line_id: number | null;
  description: string;
  serial: string | null;
  /** The serial trimmed and upper-cased, to match a device's. */
  serial_key: string | null;
  delivered_on: LocalDate;
  warranty_months: number;
  warranty_end: LocalDate;
  retired_on: LocalDate | null;
  created_at: number;
}

export interface RecyclingPickupsTable {
  id: Generated<number>;
  client_id: number;
  ticket_id: number | null;
  picked_up_on: LocalDate;
  description: string;
  weight_grams: number;
  transport_cents: number;
  handling_cents: number;
  recycling_rate_cents_per_kg: number;
  recycling_cents: number;
  bsd_reference: string | null;
  invoice_id: number | null;
  created_by: number | null;
  created_at: number;
}

export interface PaymentsTable {
  id: Generated<number>;
  invoice_id: number;
  client_id: number;
  paid_on: LocalDate;
  amount_cents: number;
  method: string;
  reference: string;
  created_by: number | null;
  created_at: number;
}

export interface DisputesTable {
  id: Generated<number>;
  invoice_id: number;
  client_id: number;
  opened_on: LocalDate;
  reason: string;
  notified_via: string;
  settled_on: LocalDate | null;
  settlement: string | null;
  created_by: number | null;
  created_at: number;
}

/** Invoice mails (009-facturx): one row per claim, across every collector on the database. */
export interface InvoiceDeliveriesTable {
  id: Generated<number>;
  invoice_id: number;
  claim: string;
  kind: 'scheduled' | 'resend';
  status: 'sending' | 'sent' | 'failed' | 'skipped';
  worker: string;
  lease_until: number;
  attempts: Generated<number>;
  /** JSON string[]. */
  recipients: Generated<string>;
  revision: number | null;
  message_id: string | null;
  error: string | null;
  job_id: number | null;
  requested_by: number | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

export interface BillingTables {
  billing_settings: BillingSettingsTable;
  billing_contracts: BillingContractsTable;
  price_grids: PriceGridsTable;
  ecb_rates: EcbRatesTable;
  syntec_indices: SyntecIndicesTable;
  invoices: InvoicesTable;
  invoice_pdfs: InvoicePdfsTable;
  invoice_xml: InvoiceXmlTable;
  interventions: InterventionsTable;
  recurring_schedules: RecurringSchedulesTable;
  recurring_occurrences: RecurringOccurrencesTable;
  recurring_changes: RecurringChangesTable;
  supply_orders: SupplyOrdersTable;
  supply_order_lines: SupplyOrderLinesTable;
  supplied_items: SuppliedItemsTable;
  recycling_pickups: RecyclingPickupsTable;
  payments: PaymentsTable;
  disputes: DisputesTable;
  invoice_deliveries: InvoiceDeliveriesTable;
}
