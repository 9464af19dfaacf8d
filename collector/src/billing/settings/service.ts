import { refusal } from '@vigie/shared';
import type { Kysely } from 'kysely';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import { fail } from '../contract-refusal.js';
import type { BankDetails, LegalIdentity } from '../invoice-document.js';
import { type SellerRow, SettingsRepository } from './repository.js';

/** The provider's identity printed on invoices. */
export class SettingsService {
  readonly repo: SettingsRepository;

  constructor(private readonly db: RelationalStore) {
    this.repo = new SettingsRepository(db);
  }

  async getSettings(): Promise<{
    seller: LegalIdentity | null;
    bank: BankDetails | null;
    logo: { type: string; size: number; updatedAt: number } | null;
  }> {
    const r = await this.repo.read();
    return {
      seller: r ? JSON.parse(r.seller) : null,
      bank: r?.bank ? JSON.parse(r.bank) : null,
      logo: r?.logo_type ? { type: r.logo_type, size: r.logo_size ?? 0, updatedAt: r.logo_updated_at ?? 0 } : null,
    };
  }

  async putSettings(seller: LegalIdentity, bank: BankDetails | null, now = Date.now(), actor = 'system:billing'): Promise<void> {
    if (!seller.siren || !/^\d{9}$/.test(seller.siren.replace(/\s/g, '')))
      throw refusal('VALIDATION', 'seller_siren_required', 'The provider’s SIREN (9 digits) is required on an invoice', {}, '/seller/siren');
    if (!seller.vatNumber) throw refusal('VALIDATION', 'seller_vat_required', 'The provider’s VAT number is required on an invoice', {}, '/seller/vatNumber');
    if (seller.address.length === 0)
      throw refusal('VALIDATION', 'seller_address_required', 'The provider’s address is required on an invoice', {}, '/seller/address');
    await this.db.kysely.transaction().execute(async (tx) => {
      await this.repo.upsert(JSON.stringify(seller), bank ? JSON.stringify(bank) : null, now, tx);
      // The bank details are not copied into the log: who changed them and when is what it keeps.
      await appendAuditInTransaction(tx, this.db.dialect, actor, 'billing.settings', 'billing:settings', { siren: seller.siren, bank: bank !== null }, {}, now);
    });
  }

  /** The seller of an invoice being issued, inside its transaction `ex`; refused while not entered. */
  async sellerForInvoice(ex: Kysely<DB>): Promise<Seller> {
    return sellerOf(await this.repo.seller(ex));
  }
}

type Seller = { seller: LegalIdentity; bank: BankDetails | undefined; vatOnDebits: boolean };

function sellerOf(r: SellerRow | undefined): Seller {
  if (!r) fail('Identité du prestataire non renseignée (PUT /api/v1/billing/settings) : une facture ne peut pas être émise sans elle');
  return {
    seller: JSON.parse(r.seller) as LegalIdentity,
    bank: r.bank ? (JSON.parse(r.bank) as BankDetails) : undefined,
    vatOnDebits: r.vat_on_debits === 1,
  };
}
