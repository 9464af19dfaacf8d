import { assertLocalDate, type LocalDate, parisDate, VigieError } from '@vigie/shared';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { SessionUser } from '../../auth/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';
import { fail } from '../contract-refusal.js';
import { type CreditNoteService, checkCreditInput } from '../credit-notes/service.js';
import { balanceAt, effectiveDue } from '../invoices/balance.js';
import type { InvoiceRepository } from '../invoices/repository.js';
import type { InvoiceIssuing } from '../invoices/service.js';
import type { PaymentRepository } from '../payments/repository.js';
import type { DisputeRepository } from './repository.js';

/** Disputes (contract 5.1): a motivated dispute suspends the payment term until it is settled. */
export class DisputeService {
  constructor(
    private readonly db: RelationalStore,
    private readonly invoices: InvoiceRepository,
    private readonly payments: PaymentRepository,
    readonly repo: DisputeRepository,
    private readonly creditNotes: CreditNoteService,
    private readonly issuing: InvoiceIssuing,
  ) {}

  /**
   * Contract 5.1: a motivated dispute, notified before the payment term expires, suspends it until
   * settled. A client user opens one on its own invoices (dated today); staff record one received
   * by registered letter or e-mail with its reception date.
   */
  async openDispute(
    invoiceId: number,
    input: { reason: string; openedOn?: LocalDate; notifiedVia?: 'portal' | 'email' | 'letter' },
    user: SessionUser,
    now = Date.now(),
  ) {
    const reason = input.reason.trim();
    if (reason.length < 20) fail('Une contestation doit être motivée (20 caractères au moins, art. 5.1)');
    if (reason.length > 5000) fail('Motif trop long (5 000 caractères au plus)');
    const today = parisDate(now);
    const openedOn = user.role === 'client' ? today : (input.openedOn ?? today);
    assertLocalDate(openedOn);
    if (openedOn > today) fail('Contestation datée dans le futur');
    return this.db.kysely.transaction().execute(async (tx) => {
      // The invoice locked: two disputes opened at once take turns, the second sees the first open.
      const inv = await this.payments.lockInvoice(tx, invoiceId);
      if (!inv || (user.role === 'client' && inv.client_id !== user.clientId)) throw new VigieError('NOT_FOUND');
      if (inv.kind !== 'invoice') fail('Seule une facture se conteste');
      if (openedOn < inv.issued_on) fail('Contestation antérieure à la facture');
      const disputes = await this.repo.ofInvoice(invoiceId, tx);
      if (disputes.some((d) => d.settled_on === null)) throw new VigieError('CONFLICT', 'Un litige est déjà ouvert sur cette facture');
      if ((await balanceAt(this.invoices, this.payments, inv, openedOn, tx)) <= 0) fail('Facture soldée : rien à contester');
      const due = effectiveDue(inv, disputes, openedOn);
      if (due !== null && openedOn > due) fail(`Contestation hors délai : elle devait être notifiée avant l’échéance du ${due} (art. 5.1)`);
      const notifiedVia = user.role === 'client' ? 'portal' : (input.notifiedVia ?? 'letter');
      const id = await this.repo.insert(
        { invoice_id: invoiceId, client_id: inv.client_id, opened_on: openedOn, reason, notified_via: notifiedVia, created_by: user.id, created_at: now },
        tx,
      );
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'dispute.open',
        `invoice:${invoiceId}`,
        { disputeId: id, openedOn, notifiedVia },
        { clientId: inv.client_id },
        now,
      );
      return id;
    });
  }

  /**
   * Settles a dispute (staff): the term resumes; an agreed reduction is a partial credit note. The
   * dispute is read, the credit note issued and the dispute closed in one transaction: two
   * settlements at once (two workers, a double click) make one credit note, the other is refused.
   */
  async settleDispute(disputeId: number, input: { settledOn?: LocalDate; settlement: string; creditExclCents?: number }, user: SessionUser, now = Date.now()) {
    const settledOn = input.settledOn ?? parisDate(now);
    assertLocalDate(settledOn);
    const settlement = input.settlement.trim();
    if (!settlement) fail('Décrivez l’issue du litige');
    const credit = input.creditExclCents === undefined ? undefined : { reason: `règlement du litige : ${settlement}`, amountExclCents: input.creditExclCents };
    if (credit) checkCreditInput(credit);
    const { invoiceId, creditNoteId } = await this.db.kysely.transaction().execute(async (tx) => {
      const d = await this.repo.lockDispute(tx, disputeId);
      if (!d) throw new VigieError('NOT_FOUND');
      if (d.settled_on !== null) throw new VigieError('CONFLICT', 'Litige déjà clos');
      if (settledOn < d.opened_on) fail('Clôture antérieure à l’ouverture du litige');
      const creditNoteId = credit ? await this.creditNotes.issueCreditNote(d.invoice_id, credit, user, now, tx) : undefined;
      // Conditional: even without the lock, a dispute is closed once.
      if (!(await this.repo.settle(disputeId, settledOn, settlement, tx))) throw new VigieError('CONFLICT', 'Litige déjà clos');
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'dispute.settle',
        `invoice:${d.invoice_id}`,
        { disputeId, settledOn, settlement, creditNoteId: creditNoteId ?? null },
        { clientId: d.client_id },
        now,
      );
      return { invoiceId: d.invoice_id, creditNoteId };
    });
    // The credit note's PDF, kept as issued (rendered outside the transaction; `pdf` renders it on demand otherwise).
    if (creditNoteId !== undefined) await this.issuing.pdf(creditNoteId);
    return invoiceId;
  }

  async disputeInvoice(disputeId: number): Promise<{ invoiceId: number; clientId: number } | undefined> {
    const r = await this.repo.invoiceOf(disputeId);
    return r ? { invoiceId: r.invoice_id, clientId: r.client_id } : undefined;
  }
}
