/**
 * The provider's e-invoicing settings: its option for paying VAT on debits (CGI art. 269-2-c),
 * printed on every invoice issued while it holds and deciding which payments are e-reported.
 */
import { VigieError } from '@vigie/shared';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';

export interface EInvoicingSettings {
  vatOnDebits: boolean;
}

export async function eInvoicingSettings(db: RelationalStore): Promise<EInvoicingSettings> {
  const r = await db.kysely.selectFrom('billing_settings').select('vat_on_debits').where('id', '=', 1).executeTakeFirst();
  return { vatOnDebits: r?.vat_on_debits === 1 };
}

/**
 * Changes the option; returns the previous value. The provider's identity must exist first. A
 * change is audited in its transaction (`actor`); setting the value it already has is not a change.
 */
export async function setVatOnDebits(db: RelationalStore, vatOnDebits: boolean, actor: string, now = Date.now()): Promise<boolean> {
  return db.kysely.transaction().execute(async (tx) => {
    const r = await tx
      .selectFrom('billing_settings')
      .select('vat_on_debits')
      .where('id', '=', 1)
      .$if(db.dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    if (!r) throw new VigieError('VALIDATION', 'Renseignez d’abord l’identité du prestataire (PUT /api/v1/billing/settings)');
    const before = r.vat_on_debits === 1;
    await tx
      .updateTable('billing_settings')
      .set({ vat_on_debits: vatOnDebits ? 1 : 0, updated_at: now })
      .where('id', '=', 1)
      .execute();
    if (before !== vatOnDebits)
      await appendAuditInTransaction(tx, db.dialect, actor, 'billing.vat-on-debits', 'billing:settings', { from: before, to: vatOnDebits }, {}, now);
    return before;
  });
}
