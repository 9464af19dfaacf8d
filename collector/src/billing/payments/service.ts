import { assertLocalDate, type LocalDate, parisDate, refusal, VigieError } from '@vigie/shared';
import type { PaymentMethod } from '@vigie/shared/api';
import type { SessionUser } from '../../auth/repository.js';
import type { Database } from '../../store/database.js';
import { fail } from '../contract-refusal.js';
import { balanceAt } from '../invoices/balance.js';
import type { InvoiceRepository } from '../invoices/repository.js';
import type { PaymentRepository } from './repository.js';

export type { PaymentMethod } from '@vigie/shared/api';

/** Payments on invoices (contract 5.1), never above what is left to pay. */
export class PaymentService {
  constructor(
    private readonly db: Database,
    private readonly invoices: InvoiceRepository,
    readonly repo: PaymentRepository,
  ) {}

  async addPayment(
    invoiceId: number,
    input: { paidOn: LocalDate; amountCents: number; method: PaymentMethod; reference?: string },
    user: SessionUser,
    now = Date.now(),
  ) {
    assertLocalDate(input.paidOn);
    if (!Number.isSafeInteger(input.amountCents) || input.amountCents <= 0) fail('Montant du règlement invalide (centimes > 0)');
    return this.db.kysely.transaction().execute(async (tx) => {
      const inv = await this.invoices.invoice(invoiceId, tx);
      if (!inv) throw new VigieError('NOT_FOUND');
      if (inv.kind !== 'invoice') fail('Un règlement s’impute sur une facture, pas sur un avoir');
      if (input.paidOn < inv.issued_on) fail('Règlement antérieur à l’émission de la facture');
      if (input.paidOn > parisDate(now)) fail('Règlement daté dans le futur');
      const balance = await balanceAt(this.invoices, this.repo, inv, '9999-12-31', tx);
      if (input.amountCents > balance)
        throw refusal(
          'VALIDATION',
          'payment_above_balance',
          `The payment exceeds the balance due (${balance} cents)`,
          { balanceCents: balance },
          '/amountCents',
        );
      return this.repo.insert({
        invoice_id: invoiceId,
        client_id: inv.client_id,
        paid_on: input.paidOn,
        amount_cents: input.amountCents,
        method: input.method,
        reference: input.reference ?? '',
        created_by: user.id,
        created_at: now,
      });
    });
  }
}
