import { type Kysely, type Selectable, sql } from 'kysely';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import type { BillingSettingsTable } from '../../store/schema-billing.js';

export type SellerRow = Pick<Selectable<BillingSettingsTable>, 'seller' | 'bank' | 'vat_on_debits'>;

/** The provider's identity row (one row, id 1): the seller printed on every invoice. */
export class SettingsRepository {
  constructor(private readonly db: RelationalStore) {}

  /** What the settings page shows: identity, bank, and the logo's type and size (not its bytes). */
  async read() {
    return this.db.kysely
      .selectFrom('billing_settings')
      .select(['seller', 'bank', 'logo_type', 'logo_updated_at', sql<number | null>`length(logo)`.as('logo_size')])
      .where('id', '=', 1)
      .executeTakeFirst();
  }

  /** The seller of an invoice being issued, inside its transaction `ex`. */
  async seller(ex: Kysely<DB> = this.db.kysely): Promise<SellerRow | undefined> {
    return ex.selectFrom('billing_settings').select(['seller', 'bank', 'vat_on_debits']).where('id', '=', 1).executeTakeFirst();
  }

  async upsert(seller: string, bank: string | null, now: number, ex: Kysely<DB> = this.db.kysely): Promise<void> {
    await ex
      .insertInto('billing_settings')
      .values({ id: 1, seller, bank, updated_at: now })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({ seller: eb.ref('excluded.seller'), bank: eb.ref('excluded.bank'), updated_at: eb.ref('excluded.updated_at') })),
      )
      .execute();
  }
}
