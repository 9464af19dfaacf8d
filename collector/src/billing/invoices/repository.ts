import type { LocalDate } from '@vigie/shared';
import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import type { InvoicesTable } from '../../store/schema-billing.js';
import type { BalanceCredit } from './balance.js';

export type InvoiceRow = Selectable<InvoicesTable>;
export type NewInvoice = Omit<Insertable<InvoicesTable>, 'id'>;
/** A credit note as an invoice's view lists it. */
export interface CreditNoteSummary {
  id: number;
  number: string;
  issuedOn: LocalDate;
  totalInclCents: number;
  cancels: number;
}

/** Where a statement runs: the store itself, or the caller's transaction (`Transaction<DB>` is one). */
export type BillingExecutor = Kysely<DB>;

/**
 * Invoices and credit notes (5.1), immutable once written (the database refuses any change), and
 * the Factur-X PDF and CII XML kept as issued. Each method runs on the store, or inside the caller's
 * transaction when given one (`ex`).
 */
export class InvoiceRepository {
  constructor(private readonly db: RelationalStore) {}

  /**
   * Makes the issuers of invoice and credit-note numbers take turns until the caller's transaction
   * ends. SQLite's BEGIN IMMEDIATE already holds the one write lock; on PostgreSQL two collectors
   * could otherwise both read the same MAX(seq) (the UNIQUE (kind, year, seq) would then refuse the
   * second issue instead of giving it the next number). Taken before anything of the issue is read.
   */
  async lockNumbering(tx: BillingExecutor): Promise<void> {
    if (this.db.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext('vigie.invoice_numbering'))`.execute(tx);
  }

  async invoice(id: number, ex: BillingExecutor = this.db.kysely): Promise<InvoiceRow | undefined> {
    return ex.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async find(id: number): Promise<InvoiceRow | undefined> {
    return this.invoice(id);
  }

  /** The latest invoice of a client's month (a rectifying one replaces a cancelled one). */
  async monthInvoice(clientId: number, periodStart: LocalDate, ex: BillingExecutor = this.db.kysely): Promise<InvoiceRow | undefined> {
    return ex
      .selectFrom('invoices')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('kind', '=', 'invoice')
      .where('period_start', '=', periodStart)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Whether a credit note cancelled the invoice and released its items. */
  async cancelledWithRelease(invoiceId: number, ex: BillingExecutor = this.db.kysely): Promise<boolean> {
    const r = await ex
      .selectFrom('invoices')
      .select('id')
      .where('corrects_invoice_id', '=', invoiceId)
      .where('kind', '=', 'credit_note')
      .where('releases_items', '=', 1)
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  }

  async list(f: { clientId?: number; year?: number; fromYear?: number }, ex: BillingExecutor = this.db.kysely): Promise<InvoiceRow[]> {
    let q = ex.selectFrom('invoices').selectAll();
    if (f.clientId !== undefined) q = q.where('client_id', '=', f.clientId);
    if (f.year !== undefined) q = q.where('year', '=', f.year);
    if (f.fromYear !== undefined) q = q.where('year', '>=', f.fromYear);
    return q.orderBy('issued_on', 'desc').orderBy('id', 'desc').execute();
  }

  async ofClient(clientId: number, ex: BillingExecutor = this.db.kysely): Promise<InvoiceRow[]> {
    return ex.selectFrom('invoices').selectAll().where('client_id', '=', clientId).orderBy('issued_on').orderBy('id').execute();
  }

  /** The highest number used for `kind` in `year` (0 when none). Inside the issuing transaction, after `lockNumbering`. */
  async lastSeq(kind: InvoiceRow['kind'], year: number, ex: BillingExecutor = this.db.kysely): Promise<number> {
    const r = await ex
      .selectFrom('invoices')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('kind', '=', kind)
      .where('year', '=', year)
      .executeTakeFirst();
    return r?.seq == null ? 0 : Number(r.seq);
  }

  async insert(i: NewInvoice, ex: BillingExecutor = this.db.kysely): Promise<number> {
    const r = await ex
      .insertInto('invoices')
      .values({ ...i, corrects_invoice_id: i.corrects_invoice_id ?? null, releases_items: i.releases_items ?? 0, created_by: i.created_by ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  /** Credit notes on an invoice, as the balance reads them. */
  async creditsOf(invoiceId: number, ex: BillingExecutor = this.db.kysely): Promise<BalanceCredit[]> {
    return ex
      .selectFrom('invoices')
      .select(['kind', 'corrects_invoice_id', 'issued_on', 'total_incl_cents'])
      .where('corrects_invoice_id', '=', invoiceId)
      .where('kind', '=', 'credit_note')
      .execute();
  }

  /** Credit notes on an invoice, excluding tax (negative). */
  async creditedExcl(invoiceId: number, ex: BillingExecutor = this.db.kysely): Promise<number> {
    const r = await ex
      .selectFrom('invoices')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('total_excl_cents'), sql<number>`0`).as('s'))
      .where('corrects_invoice_id', '=', invoiceId)
      .where('kind', '=', 'credit_note')
      .executeTakeFirstOrThrow();
    return Number(r.s);
  }

  async creditNotesOf(invoiceId: number, ex: BillingExecutor = this.db.kysely): Promise<CreditNoteSummary[]> {
    return ex
      .selectFrom('invoices')
      .select(['id', 'number', 'issued_on as issuedOn', 'total_incl_cents as totalInclCents', 'releases_items as cancels'])
      .where('corrects_invoice_id', '=', invoiceId)
      .where('kind', '=', 'credit_note')
      .orderBy('id')
      .execute();
  }

  async keptPdf(invoiceId: number, ex: BillingExecutor = this.db.kysely): Promise<Buffer | undefined> {
    return (await ex.selectFrom('invoice_pdfs').select('pdf').where('invoice_id', '=', invoiceId).executeTakeFirst())?.pdf;
  }

  /**
   * Keeps the issued PDF and its XML once, in the caller's transaction; returns whether this call
   * kept them (two renderings at once: the first one written wins, the other is dropped).
   */
  async keepDocuments(
    invoiceId: number,
    pdf: { data: Buffer; sha256: string },
    xml: { data: string; sha256: string },
    now: number,
    tx: BillingExecutor,
  ): Promise<boolean> {
    const kept = await tx
      .insertInto('invoice_pdfs')
      .values({ invoice_id: invoiceId, pdf: pdf.data, sha256: pdf.sha256, created_at: now })
      .onConflict((oc) => oc.column('invoice_id').doNothing())
      .returning('invoice_id')
      .executeTakeFirst();
    if (!kept) return false;
    await tx.insertInto('invoice_xml').values({ invoice_id: invoiceId, xml: xml.data, sha256: xml.sha256, created_at: now }).execute();
    return true;
  }

  async documentAndXml(invoiceId: number): Promise<{ document: string; xml: string | null } | undefined> {
    return this.db.kysely
      .selectFrom('invoices as i')
      .leftJoin('invoice_xml as x', 'x.invoice_id', 'i.id')
      .select(['i.document', 'x.xml'])
      .where('i.id', '=', invoiceId)
      .executeTakeFirst();
  }
}
