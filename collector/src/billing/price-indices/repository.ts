import type { LocalDate } from '@vigie/shared';
import type { Selectable } from 'kysely';
import type { Database } from '../../store/database.js';
import type { EcbRatesTable, SyntecIndicesTable } from '../../store/schema-billing.js';

export type SyntecRow = Pick<Selectable<SyntecIndicesTable>, 'published_on' | 'value'>;
export type EcbRow = Pick<Selectable<EcbRatesTable>, 'from_date' | 'rate_bp'>;

/** ECB refinancing rates (late penalties, 5.1) and Syntec indices (price revision, 5.2), as entered by the provider. */
export class PriceIndexRepository {
  constructor(private readonly db: Database) {}

  private get sql() {
    return this.db.sqlite;
  }

  upsertEcbRate(from: LocalDate, rateBp: number, userId: number, now: number): void {
    this.sql
      .prepare(
        'INSERT INTO ecb_rates (from_date, rate_bp, entered_by, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (from_date) DO UPDATE SET rate_bp = excluded.rate_bp, entered_by = excluded.entered_by',
      )
      .run(from, rateBp, userId, now);
  }

  async ecbRatesByDate(): Promise<EcbRow[]> {
    return this.db.kysely.selectFrom('ecb_rates').select(['from_date', 'rate_bp']).orderBy('from_date').execute();
  }

  /** Synchronous, unordered: for penalties computed inside a read. */
  ecbRates(): EcbRow[] {
    return this.sql.prepare('SELECT from_date, rate_bp FROM ecb_rates').all() as EcbRow[];
  }

  upsertSyntec(publishedOn: LocalDate, value: string, userId: number, now: number): void {
    this.sql
      .prepare(
        'INSERT INTO syntec_indices (published_on, value, entered_by, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (published_on) DO UPDATE SET value = excluded.value',
      )
      .run(publishedOn, value, userId, now);
  }

  async syntecByDate(): Promise<SyntecRow[]> {
    return this.db.kysely.selectFrom('syntec_indices').select(['published_on', 'value']).orderBy('published_on').execute();
  }

  /** Synchronous, unordered: S0 of a contract being signed, inside its transaction. */
  syntecIndices(): SyntecRow[] {
    return this.sql.prepare('SELECT published_on, value FROM syntec_indices').all() as SyntecRow[];
  }

  /** The last index published on or before `date`. */
  syntecOn(date: LocalDate): SyntecRow | undefined {
    return this.sql.prepare('SELECT published_on, value FROM syntec_indices WHERE published_on <= ? ORDER BY published_on DESC LIMIT 1').get(date) as
      | SyntecRow
      | undefined;
  }
}
