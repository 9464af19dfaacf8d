import { assertLocalDate, type LocalDate, parisDate, refusal, VigieError } from '@vigie/shared';
import type { PaymentMethod } from '@vigie/shared/api';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { SessionUser } from '../../auth/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';
import { fail } from '../contract-refusal.js';
import { balanceAt } from '../invoices/balance.js';
import type { InvoiceRepository } from '../invoices/repository.js';
import type { PaymentRepository } from './repository.js';

export type { PaymentMethod } from '@vigie/shared/api';

/** Payments on invoices (contract 5.1), never above what is left to pay. */
export class PaymentService {
  constructor(
    private readonly db: RelationalStore,
    private readonly invoices: InvoiceRepository,
    readonly repo: PaymentRepository,
  ) {}

  /**
   * Records a payment, audited in the same transaction. The invoice is locked for the balance
   * check, so payments sent at once (two workers, two collectors) are counted one after the other.
   * A payment whose reference is already recorded on the invoice with the same amount, date and
   * method is that payment sent again (a double click, a retrying proxy): it is answered, not
   * recorded twice; with other figures the reference is refused.
   */
  async addPayment(
    invoiceId: number,
    input: { paidOn: LocalDate; amountCents: number; method: PaymentMethod; reference?: string },
    user: SessionUser,
    now = Date.now(),
  ): Promise<number> {
    assertLocalDate(input.paidOn);
    if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) fail('Montant du règlement invalide (centimes > 0)');
    const reference = input.reference ?? '';
    return this.db.kysely.transaction().execute(async (tx) => {
      const inv = await this.repo.lockInvoice(tx, invoiceId);
      if (!inv) throw new VigieError('NOT_FOUND');
      if (inv.kind !== 'invoice') fail('Un règlement s’impute sur une facture, pas sur un avoir');
      if (input.paidOn < inv.issued_on) fail('Règlement antérieur à l’émission de la facture');
      if (input.paidOn > parisDate(now)) fail('Règlement daté dans le futur');
      if (reference !== '') {
        const same = await this.repo.byReference(invoiceId, reference, tx);
        if (same) {
          if (same.amount_cents === input.amountCents && same.paid_on === input.paidOn && same.method === input.method) return same.id;
          throw new VigieError('CONFLICT', `Référence « ${reference} » déjà enregistrée sur cette facture pour un autre règlement`);
        }
      }
      const balance = await balanceAt(this.invoices, this.repo, inv, '9999-12-31', tx);
      if (input.amountCents > balance)
        throw refusal(
          'VALIDATION',
          'payment_above_balance',
          `The payment exceeds the balance due (${balance} cents)`,
          { balanceCents: balance },
          '/amountCents',
        );
      const id = await this.repo.insert(
        {
          invoice_id: invoiceId,
          client_id: inv.client_id,
          paid_on: input.paidOn,
          amount_cents: input.amountCents,
          method: input.method,
          reference,
          created_by: user.id,
          created_at: now,
        },
        tx,
      );
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'payment.add',
        `invoice:${invoiceId}`,
        { paymentId: id, paidOn: input.paidOn, amountCents: input.amountCents, method: input.method, reference, balanceBeforeCents: balance },
        { clientId: inv.client_id },
        now,
      );
      return id;
    });
  }
}
