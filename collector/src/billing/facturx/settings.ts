/**
 * The provider's e-invoicing settings: its option for paying VAT on debits (CGI art. 269-2-c),
 * printed on every invoice issued while it holds and deciding which payments are e-reported.
 */
import { VigieError } from '@vigie/shared';
import type { Database } from '../../store/database.js';

export interface EInvoicingSettings {
  vatOnDebits: boolean;
}

export async function eInvoicingSettings(db: Database): Promise<EInvoicingSettings> {
  return db.writeLock(() => {
    const r = db.sqlite.prepare('SELECT vat_on_debits FROM billing_settings WHERE id = 1').get() as { vat_on_debits: number } | undefined;
    return { vatOnDebits: r?.vat_on_debits === 1 };
  });
}

/** Changes the option; returns the previous value. The provider's identity must exist first. */
export async function setVatOnDebits(db: Database, vatOnDebits: boolean, now = Date.now()): Promise<boolean> {
  return db.writeTransaction(() => {
    const r = db.sqlite.prepare('SELECT vat_on_debits FROM billing_settings WHERE id = 1').get() as { vat_on_debits: number } | undefined;
    if (!r) throw new VigieError('VALIDATION', 'Renseignez d’abord l’identité du prestataire (PUT /api/v1/billing/settings)');
    db.sqlite.prepare('UPDATE billing_settings SET vat_on_debits = ?, updated_at = ? WHERE id = 1').run(vatOnDebits ? 1 : 0, now);
    return r.vat_on_debits === 1;
  });
}
