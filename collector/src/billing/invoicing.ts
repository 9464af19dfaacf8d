import type { RelationalStore } from '../store/relational-store.js';
import { ContractRepository } from './contracts/repository.js';
import { CreditNoteService } from './credit-notes/service.js';
import { DisputeRepository } from './disputes/repository.js';
import { DisputeService } from './disputes/service.js';
import { BillableItemRepository } from './invoices/billable-items.js';
import { ClientFinance } from './invoices/finance.js';
import { InvoiceViews } from './invoices/invoice-view.js';
import { InvoiceRepository } from './invoices/repository.js';
import { InvoiceIssuing } from './invoices/service.js';
import { PaymentRepository } from './payments/repository.js';
import { PaymentService } from './payments/service.js';
import { PriceIndexService } from './price-indices/service.js';
import { SettingsService } from './settings/service.js';

export type { CreditInput } from './credit-notes/service.js';
export type { InvoiceRow } from './invoices/repository.js';
export { vatOf } from './invoices/vat.js';
export type { PaymentMethod } from './payments/service.js';

/** The services of invoicing's resources, one per resource. */
export interface InvoicingResources {
  /** Monthly invoices, their numbers and the Factur-X documents kept as issued. */
  issuing: InvoiceIssuing;
  views: InvoiceViews;
  finance: ClientFinance;
  creditNotes: CreditNoteService;
  payments: PaymentService;
  disputes: DisputeService;
}

/**
 * Invoicing (contract 5.1): monthly invoices with gap-free numbers per year, immutable once issued;
 * credit notes; payments; disputes that suspend the due date; late penalties; finance. Each is a
 * service of its own (with its repository and its Fastify plugin); this face keeps one handle for
 * the rest of the collector (reports, the invoice mailer, Factur-X routes).
 */
export class InvoiceService {
  readonly resources: InvoicingResources;

  constructor(db: RelationalStore) {
    const invoices = new InvoiceRepository(db);
    const items = new BillableItemRepository(db);
    const payments = new PaymentRepository(db);
    const disputes = new DisputeRepository(db);
    const settings = new SettingsService(db);
    const issuing = new InvoiceIssuing(db, invoices, items, new ContractRepository(db), settings);
    const creditNotes = new CreditNoteService(db, invoices, items, payments, settings, issuing);
    this.resources = {
      issuing,
      views: new InvoiceViews(db, invoices, payments, disputes, new PriceIndexService(db)),
      finance: new ClientFinance(db, invoices, payments, disputes),
      creditNotes,
      payments: new PaymentService(db, invoices, payments),
      disputes: new DisputeService(db, invoices, payments, disputes, creditNotes, issuing),
    };
  }

  private get r() {
    return this.resources;
  }

  /** Called once an issued invoice's Factur-X file is kept (the mailer sends it). */
  get onIssued(): ((invoiceId: number) => void) | undefined {
    return this.r.issuing.onIssued;
  }
  set onIssued(fn: ((invoiceId: number) => void) | undefined) {
    this.r.issuing.onIssued = fn;
  }

  generate: InvoiceIssuing['generate'] = (...a) => this.r.issuing.generate(...a);
  generateOne: InvoiceIssuing['generateOne'] = (...a) => this.r.issuing.generateOne(...a);
  generateAll: InvoiceIssuing['generateAll'] = (...a) => this.r.issuing.generateAll(...a);
  row: InvoiceIssuing['row'] = (...a) => this.r.issuing.row(...a);
  pdf: InvoiceIssuing['pdf'] = (...a) => this.r.issuing.pdf(...a);
  xml: InvoiceIssuing['xml'] = (...a) => this.r.issuing.xml(...a);
  get: InvoiceViews['get'] = (...a) => this.r.views.get(...a);
  list: InvoiceViews['list'] = (...a) => this.r.views.list(...a);
  finance: ClientFinance['finance'] = (...a) => this.r.finance.finance(...a);
  creditNote: CreditNoteService['creditNote'] = (...a) => this.r.creditNotes.creditNote(...a);
  addPayment: PaymentService['addPayment'] = (...a) => this.r.payments.addPayment(...a);
  openDispute: DisputeService['openDispute'] = (...a) => this.r.disputes.openDispute(...a);
  settleDispute: DisputeService['settleDispute'] = (...a) => this.r.disputes.settleDispute(...a);
  disputeInvoice: DisputeService['disputeInvoice'] = (...a) => this.r.disputes.disputeInvoice(...a);
}
