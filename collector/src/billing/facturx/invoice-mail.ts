/**
 * Invoices e-mailed to the client's billing recipients (the contract's), with the kept Factur-X PDF
 * attached: once per invoice across every collector on the database, through the same claim rows
 * as report mails (reports/delivery.ts, table invoice_deliveries). A failed sending is retried with
 * the reports' backoff until its last attempt; every collector polls for what is due, so a sending
 * interrupted by a stopped collector is taken over once its lease expires.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { frenchDate } from '@vigie/shared';
import { type Selectable, sql } from 'kysely';
import { audit } from '../../audit/repository.js';
import { DeliveryClaims, type ReportTransport } from '../../reports/delivery.js';
import type { ReportLog } from '../../reports/runner.js';
import { type ReportSettings, retryDelay } from '../../reports/settings.js';
import type { RelationalStore } from '../../store/relational-store.js';
import type { InvoiceDeliveriesTable } from '../../store/schema-billing.js';
import type { InvoiceDocument } from '../invoice-document.js';
import type { InvoiceService } from '../invoicing.js';

export type InvoiceDeliveryRow = Selectable<InvoiceDeliveriesTable>;

export type DeliveryOutcome = 'sent' | 'already-sent' | 'in-progress-elsewhere' | 'skipped' | 'failed';

/** The claim of an invoice's one automatic sending. */
export const issueClaim = (invoiceId: number) => `invoice:${invoiceId}`;

export function invoiceDeliveryView(d: InvoiceDeliveryRow, maxAttempts: number) {
  return {
    id: d.id,
    kind: d.kind,
    status: d.status,
    attempts: d.attempts,
    maxAttempts,
    willRetry: d.status === 'failed' && d.attempts < maxAttempts,
    recipients: JSON.parse(d.recipients) as string[],
    messageId: d.message_id,
    error: d.error,
    createdAt: d.created_at,
    updatedAt: d.updated_at,
    sentAt: d.sent_at,
  };
}

const enDate = (d: string) => new Date(`${d}T12:00:00Z`).toLocaleDateString('en-GB', { day: '2-digit', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** The covering mail, in the client's language; the attached PDF is the legal original (French). */
export function invoiceMail(doc: InvoiceDocument, lang: 'fr' | 'en'): { subject: string; text: string; filename: string } {
  const credit = doc.kind === 'credit_note';
  const money = new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { style: 'currency', currency: 'EUR' });
  const total = money.format(Math.abs(doc.totalInclTaxCents) / 100);
  const seller = doc.seller.name;
  const text =
    lang === 'fr'
      ? [
          'Bonjour,',
          '',
          credit
            ? `Veuillez trouver ci-joint notre avoir n° ${doc.number} du ${frenchDate(doc.issuedOn)}, d’un montant de ${total} TTC, sur la facture n° ${doc.correctsNumber ?? ''}.`
            : `Veuillez trouver ci-jointe notre facture n° ${doc.number} du ${frenchDate(doc.issuedOn)}, d’un montant de ${total} TTC, échéance le ${frenchDate(doc.dueOn)}.`,
          `${doc.paymentTerms}.`,
          '',
          'Le fichier joint est une facture électronique Factur-X (EN 16931)\u00a0: un PDF lisible qui contient aussi la facture structurée (factur-x.xml), que votre logiciel comptable ou votre plateforme agréée peut importer.',
          '',
          'Cordialement,',
          seller,
        ]
      : [
          'Hello,',
          '',
          credit
            ? `Please find attached our credit note ${doc.number} of ${enDate(doc.issuedOn)}, for ${total} including VAT, on invoice ${doc.correctsNumber ?? ''}.`
            : `Please find attached our invoice ${doc.number} of ${enDate(doc.issuedOn)}, for ${total} including VAT, due on ${enDate(doc.dueOn)}.`,
          '',
          'The attachment is a Factur-X electronic invoice (EN 16931): a readable PDF that also holds the structured invoice (factur-x.xml) for your accounting software or e-invoicing platform.',
          '',
          'Best regards,',
          seller,
        ];
  const title = lang === 'fr' ? (credit ? 'Avoir' : 'Facture') : credit ? 'Credit note' : 'Invoice';
  return { subject: `${title} ${doc.number} \u2014 ${seller}`, text: text.join('\n'), filename: `${doc.number}.pdf` };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

export interface InvoiceMailerDeps {
  db: RelationalStore;
  invoices: InvoiceService;
  transport: ReportTransport;
  /** The reports' delivery policy: attempts, backoff, poll period, lease. */
  settings: ReportSettings;
  log: ReportLog;
  workerId?: number;
}

export class InvoiceMailer {
  readonly worker: string;
  private readonly claims: DeliveryClaims<InvoiceDeliveryRow>;
  private readonly inFlight = new Set<Promise<unknown>>();
  private poll: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly d: InvoiceMailerDeps) {
    this.worker = `${hostname()}:${process.pid}:w${d.workerId ?? 1}:${randomUUID().slice(0, 8)}`;
    this.claims = new DeliveryClaims<InvoiceDeliveryRow>(d.db, this.worker, d.settings.leaseMs, { table: 'invoice_deliveries', subject: 'invoice_id' });
  }

  get maxAttempts(): number {
    return this.d.settings.maxAttempts;
  }

  /** An invoice was issued (its Factur-X file kept): send it now, in the background. */
  issued(invoiceId: number): void {
    if (this.stopping) return;
    this.track(this.deliver(invoiceId, { claim: issueClaim(invoiceId), kind: 'scheduled' }));
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err) => this.d.log.error({ err: message(err) }, 'invoice mail crashed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  /** Mails the kept PDF under `claim`; never twice for one claim, whichever collector tries. */
  async deliver(invoiceId: number, o: { claim: string; kind: 'scheduled' | 'resend' }): Promise<{ delivery: DeliveryOutcome; error?: string }> {
    const info = await this.d.db.kysely
      .selectFrom('invoices as i')
      .leftJoin('billing_contracts as c', 'c.client_id', 'i.client_id')
      .select(['i.document', 'c.recipients'])
      // report_settings is the reports' table (typed by their conversion): its language read as is.
      .select(sql<'fr' | 'en' | null>`(SELECT s.lang FROM report_settings s WHERE s.client_id = i.client_id)`.as('lang'))
      .where('i.id', '=', invoiceId)
      .executeTakeFirst();
    if (!info) return { delivery: 'failed', error: 'no such invoice' };
    const recipients = JSON.parse(info.recipients ?? '[]') as string[];
    const c = await this.claims.claim({ subjectId: invoiceId, claim: o.claim, kind: o.kind, jobId: null });
    if (!c.claimed) return { delivery: c.reason === 'sent' ? 'already-sent' : 'in-progress-elsewhere' };
    const skip = !this.d.transport.configured
      ? 'no SMTP relay configured (--smtp-relay)'
      : recipients.length === 0
        ? 'no billing recipients for this client'
        : null;
    if (skip) {
      await this.claims.finish(c.id, { status: 'skipped', recipients, revision: 1, error: skip });
      await audit(this.d.db, 'system:billing', 'invoice.mail', `invoice:${invoiceId}`, { status: 'skipped', reason: skip, attempt: c.attempts });
      return { delivery: 'skipped', error: skip };
    }
    try {
      const doc = JSON.parse(info.document) as InvoiceDocument;
      const mail = invoiceMail(doc, info.lang ?? 'fr');
      const pdf = await this.d.invoices.pdf(invoiceId);
      const sent = await this.d.transport.send({ to: recipients, subject: mail.subject, text: mail.text, filename: mail.filename, pdf });
      await this.claims.finish(c.id, { status: 'sent', recipients, revision: 1, messageId: sent.messageId });
      await audit(this.d.db, 'system:billing', 'invoice.mail', `invoice:${invoiceId}`, { status: 'sent', recipients, attempt: c.attempts });
      this.d.log.info({ invoiceId, recipients: recipients.length, attempt: c.attempts }, 'invoice mailed');
      return { delivery: 'sent' };
    } catch (err) {
      const error = message(err);
      await this.claims.finish(c.id, { status: 'failed', recipients, revision: 1, error });
      await audit(this.d.db, 'system:billing', 'invoice.mail', `invoice:${invoiceId}`, { status: 'failed', error, attempt: c.attempts });
      const last = c.attempts >= this.maxAttempts;
      this.d.log[last ? 'error' : 'warn'](
        { invoiceId, attempt: c.attempts, err: error },
        last ? 'invoice mail failed after its last attempt' : 'invoice mail failed, will be retried',
      );
      return { delivery: 'failed', error };
    }
  }

  /**
   * A staff request: the invoice's automatic sending now (when it failed, was skipped or never
   * happened), or with `again`, one more sending of an invoice already sent (a new claim).
   */
  async send(invoiceId: number, again: boolean): Promise<{ delivery: DeliveryOutcome; error?: string }> {
    if (!again) return this.deliver(invoiceId, { claim: issueClaim(invoiceId), kind: 'scheduled' });
    return this.deliver(invoiceId, { claim: `resend:${invoiceId}:${randomUUID()}`, kind: 'resend' });
  }

  async deliveries(invoiceIds: readonly number[]): Promise<InvoiceDeliveryRow[]> {
    if (invoiceIds.length === 0) return [];
    return this.d.db.kysely.selectFrom('invoice_deliveries').selectAll().where('invoice_id', 'in', invoiceIds).orderBy('id').execute();
  }

  /** Every delivery of the invoices of one client (of every client when `clientId` is undefined), oldest first. */
  async deliveriesOfClient(clientId: number | undefined): Promise<InvoiceDeliveryRow[]> {
    return this.d.db.kysely
      .selectFrom('invoice_deliveries as d')
      .innerJoin('invoices as i', 'i.id', 'd.invoice_id')
      .selectAll('d')
      .$if(clientId !== undefined, (q) => q.where('i.client_id', '=', clientId!))
      .orderBy('d.id')
      .execute();
  }

  /**
   * What is owed an attempt now: issued Factur-X invoices never claimed (their collector stopped
   * before sending), failed sendings whose backoff has elapsed, sendings whose lease expired.
   */
  async due(now = Date.now()): Promise<{ invoiceId: number; claim: string; kind: 'scheduled' | 'resend' }[]> {
    const { settings } = this.d;
    const k = this.d.db.kysely;
    const fresh = await k
      .selectFrom('invoice_xml as x')
      .select('x.invoice_id')
      // The claim is `issueClaim(id)`; `||` with an integer concatenates on both engines.
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('invoice_deliveries as d').select('d.id').where('d.claim', '=', sql<string>`'invoice:' || x.invoice_id`))),
      )
      .orderBy('x.invoice_id')
      .limit(20)
      .execute();
    const rows = await k
      .selectFrom('invoice_deliveries')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'failed'), eb('attempts', '<', settings.maxAttempts)]),
          eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)]),
        ]),
      )
      .orderBy('id')
      .limit(100)
      .execute();
    // Jitter from the row's id: stable between polls, different between rows.
    const jitter = (id: number) => () => ((id * 2654435761) % 1000) / 1000;
    const retries = rows.filter((r) => r.status === 'sending' || r.updated_at + retryDelay(r.attempts, settings, jitter(r.id)) <= now);
    return [
      ...fresh.map((f) => ({ invoiceId: f.invoice_id, claim: issueClaim(f.invoice_id), kind: 'scheduled' as const })),
      ...retries.map((r) => ({ invoiceId: r.invoice_id, claim: r.claim, kind: r.kind })),
    ];
  }

  /** One poll at a time: every due attempt, one after the other. */
  pollDue(now = Date.now()): Promise<void> {
    this.polling ??= (async () => {
      try {
        for (const d of await this.due(now)) {
          if (this.stopping) break;
          await this.deliver(d.invoiceId, d);
        }
      } catch (err) {
        this.d.log.error({ err: message(err) }, 'invoice mail poll failed');
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  start(): void {
    this.poll = setInterval(() => void this.pollDue(), this.d.settings.pollMs);
    this.poll.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.poll) clearInterval(this.poll);
    await this.polling;
    await Promise.allSettled([...this.inFlight]);
  }
}
