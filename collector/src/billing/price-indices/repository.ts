import type { LocalDate } from '@vigie/shared';
import type { Kysely, Selectable } from 'kysely';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import type { EcbRatesTable, SyntecIndicesTable } from '../../store/schema-billing.js';

export type SyntecRow = Pick<Selectable<SyntecIndicesTable>, 'published_on' | 'value'>;
export type EcbRow = Pick<Selectable<EcbRatesTable>, 'from_date' | 'rate_bp'>;

/** ECB refinancing rates (late penalties, 5.1) and Syntec indices (price revision, 5.2), as entered by the provider. */
export class PriceIndexRepository {
  constructor(private readonly db: RelationalStore) {}

  async upsertEcbRate(from: LocalDate, rateBp: number, userId: number, now: number, ex: Kysely<DB> = this.db.kysely): Promise<void> {
    await ex
      .insertInto('ecb_rates')
      .values({ from_date: from, rate_bp: rateBp, entered_by: userId, created_at: now })
      .onConflict((oc) => oc.column('from_date').doUpdateSet((eb) => ({ rate_bp: eb.ref('excluded.rate_bp'), entered_by: eb.ref('excluded.entered_by') })))
      .execute();
  }

  async ecbRatesByDate(): Promise<EcbRow[]> {
    return this.db.kysely.selectFrom('ecb_rates').select(['from_date', 'rate_bp']).orderBy('from_date').execute();
  }

  /** For penalties computed inside a read (`ex`). */
  async ecbRates(ex: Kysely<DB> = this.db.kysely): Promise<EcbRow[]> {
    return ex.selectFrom('ecb_rates').select(['from_date', 'rate_bp']).orderBy('from_date').execute();
  }

  async upsertSyntec(publishedOn: LocalDate, value: string, userId: number, now: number, ex: Kysely<DB> = this.db.kysely): Promise<void> {
    await ex
      .insertInto('syntec_indices')
      .values({ published_on: publishedOn, value, entered_by: userId, created_at: now })
      .onConflict((oc) => oc.column('published_on').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
      .execute();
  }

  /** Every Syntec index by date (inside the caller's transaction `ex`: S0 of a contract being signed). */
  async syntecByDate(ex: Kysely<DB> = this.db.kysely): Promise<SyntecRow[]> {
    return ex.selectFrom('syntec_indices').select(['published_on', 'value']).orderBy('published_on').execute();
  }

  /** The last index published on or before `date` (inside the caller's transaction `ex`). */
  async syntecOn(date: LocalDate, ex: Kysely<DB> = this.db.kysely): Promise<SyntecRow | undefined> {
    return ex
      .selectFrom('syntec_indices')
      .select(['published_on', 'value'])
      .where('published_on', '<=', date)
      .orderBy('published_on', 'desc')
      .limit(1)
      .executeTakeFirst();
  }
}
