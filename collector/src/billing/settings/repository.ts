import { type Selectable, sql } from 'kysely';
import type { Database } from '../../store/database.js';
import type { BillingSettingsTable } from '../../store/schema-billing.js';

export type SellerRow = Pick<Selectable<BillingSettingsTable>, 'seller' | 'bank' | 'vat_on_debits'>;

/** The provider's identity row (one row, id 1): the seller printed on every invoice. */
export class SettingsRepository {
  constructor(private readonly db: Database) {}

  /** What the settings page shows: identity, bank, and the logo's type and size (not its bytes). */
  async read() {
    return this.db.kysely
      .selectFrom('billing_settings')
      .select(['seller', 'bank', 'logo_type', 'logo_updated_at', sql<number | null>`length(logo)`.as('logo_size')])
      .where('id', '=', 1)
      .executeTakeFirst();
  }

  /** Synchronous, for an invoice being issued inside its transaction. */
  seller(): SellerRow | undefined {
    return this.db.sqlite.prepare('SELECT seller, bank, vat_on_debits FROM billing_settings WHERE id = 1').get() as SellerRow | undefined;
  }

  /** Synchronous: inside the caller's write transaction. */
  upsert(seller: string, bank: string | null, now: number): void {
    this.db.sqlite
      .prepare(
        'INSERT INTO billing_settings (id, seller, bank, updated_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seller = excluded.seller, bank = excluded.bank, updated_at = excluded.updated_at',
      )
      .run(seller, bank, now);
  }
}
