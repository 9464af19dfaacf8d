import type { LocalDate } from '@vigie/shared';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../../store/database.js';
import type { DB } from '../../store/schema.js';
import type { InvoicesTable } from '../../store/schema-billing.js';

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

/**
 * Invoices and credit notes (5.1), immutable once written (the database refuses any change), and
 * the Factur-X PDF and CII XML kept as issued. Synchronous statements run inside the callers'
 * transactions or reads.
 */
export class InvoiceRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  invoice(id: number): InvoiceRow | undefined {
    return this.sql.prepare('SELECT * FROM invoices WHERE id = ?').get(id) as InvoiceRow | undefined;
  }

  async find(id: number): Promise<InvoiceRow | undefined> {
    return this.db.kysely.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The latest invoice of a client's month (a rectifying one replaces a cancelled one). */
  monthInvoice(clientId: number, periodStart: LocalDate): InvoiceRow | undefined {
    return this.sql
      .prepare("SELECT * FROM invoices WHERE client_id = ? AND kind = 'invoice' AND period_start = ? ORDER BY id DESC LIMIT 1")
      .get(clientId, periodStart) as InvoiceRow | undefined;
  }

  /** Whether a credit note cancelled the invoice and released its items. */
  cancelledWithRelease(invoiceId: number): boolean {
    return (
      this.sql.prepare("SELECT 1 FROM invoices WHERE corrects_invoice_id = ? AND kind = 'credit_note' AND releases_items = 1").get(invoiceId) !== undefined
    );
  }

  list(f: { clientId?: number; year?: number; fromYear?: number }): InvoiceRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.clientId !== undefined) where.push('client_id = ?') && args.push(f.clientId);
    if (f.year !== undefined) where.push('year = ?') && args.push(f.year);
    if (f.fromYear !== undefined) where.push('year >= ?') && args.push(f.fromYear);
    return this.sql
      .prepare(`SELECT * FROM invoices ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY issued_on DESC, id DESC`)
      .all(...args) as InvoiceRow[];
  }

  ofClient(clientId: number): InvoiceRow[] {
    return this.sql.prepare('SELECT * FROM invoices WHERE client_id = ? ORDER BY issued_on, id').all(clientId) as InvoiceRow[];
  }

  /** The highest number used for `kind` in `year` (0 when none). */
  lastSeq(kind: InvoiceRow['kind'], year: number): number {
    return (this.sql.prepare('SELECT MAX(seq) AS seq FROM invoices WHERE kind = ? AND year = ?').get(kind, year) as { seq: number | null }).seq ?? 0;
  }

  insert(i: NewInvoice): number {
    const r = this.sql
      .prepare(
        `INSERT INTO invoices (client_id, kind, year, seq, number, period_start, period_end, issued_on, due_on, corrects_invoice_id, releases_items, total_excl_cents, vat_rate_bp, vat_cents, total_incl_cents, document, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        i.client_id,
        i.kind,
        i.year,
        i.seq,
        i.number,
        i.period_start,
        i.period_end,
        i.issued_on,
        i.due_on,
        i.corrects_invoice_id ?? null,
        i.releases_items ?? 0,
        i.total_excl_cents,
        i.vat_rate_bp,
        i.vat_cents,
        i.total_incl_cents,
        i.document,
        i.created_by ?? null,
        i.created_at,
      );
    return Number(r.lastInsertRowid);
  }

  /**
   * Credit notes on an invoice, tax included (negative), issued by `date`; inside the caller's
   * transaction `ex` when given (typed Kysely on either engine: the balance a payment is checked
   * against is read in the payment's transaction).
   */
  async creditedIncl(invoiceId: number, date: LocalDate, ex: Kysely<DB> = this.db.kysely): Promise<number> {
    const r = await ex
      .selectFrom('invoices')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('total_incl_cents'), eb.lit(0)).as('s'))
      .where('corrects_invoice_id', '=', invoiceId)
      .where('kind', '=', 'credit_note')
      .where('issued_on', '<=', date)
      .executeTakeFirstOrThrow();
    return Number(r.s);
  }

  /** Credit notes on an invoice, excluding tax (negative). */
  creditedExcl(invoiceId: number): number {
    return (
      this.sql
        .prepare("SELECT COALESCE(SUM(total_excl_cents), 0) AS s FROM invoices WHERE corrects_invoice_id = ? AND kind = 'credit_note'")
        .get(invoiceId) as { s: number }
    ).s;
  }

  creditNotesOf(invoiceId: number): CreditNoteSummary[] {
    return this.sql
      .prepare(
        "SELECT id, number, issued_on AS issuedOn, total_incl_cents AS totalInclCents, releases_items AS cancels FROM invoices WHERE corrects_invoice_id = ? AND kind = 'credit_note' ORDER BY id",
      )
      .all(invoiceId) as CreditNoteSummary[];
  }

  keptPdf(invoiceId: number): Buffer | undefined {
    return (this.sql.prepare('SELECT pdf FROM invoice_pdfs WHERE invoice_id = ?').get(invoiceId) as { pdf: Buffer } | undefined)?.pdf;
  }

  /** Keeps the issued PDF and its XML once; returns whether this call kept them. */
  keepDocuments(invoiceId: number, pdf: { data: Buffer; sha256: string }, xml: { data: string; sha256: string }, now: number): boolean {
    const r = this.sql
      .prepare('INSERT OR IGNORE INTO invoice_pdfs (invoice_id, pdf, sha256, created_at) VALUES (?, ?, ?, ?)')
      .run(invoiceId, pdf.data, pdf.sha256, now);
    if (r.changes === 1)
      this.sql.prepare('INSERT INTO invoice_xml (invoice_id, xml, sha256, created_at) VALUES (?, ?, ?, ?)').run(invoiceId, xml.data, xml.sha256, now);
    return r.changes === 1;
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
