import { assertLocalDate, type LocalDate } from '@vigie/shared';
import type { Kysely } from 'kysely';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { SessionUser } from '../../auth/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import { fail } from '../contract-refusal.js';
import type { EcbRate } from '../late-penalties.js';
import { PriceIndexRepository } from './repository.js';

/** A Syntec index value as the contract uses it (S0, S1): positive, plausible. */
export function syntecValue(v: number, name: string): number {
  if (!Number.isFinite(v) || v <= 0 || v > 100_000) fail(`Indice Syntec ${name} invalide : ${v}`);
  return v;
}

/** ECB rates (5.1) and Syntec indices (5.2). */
export class PriceIndexService {
  readonly repo: PriceIndexRepository;

  constructor(private readonly db: RelationalStore) {
    this.repo = new PriceIndexRepository(db);
  }

  async addEcbRate(from: LocalDate, rateBp: number, user: SessionUser, now = Date.now()): Promise<void> {
    assertLocalDate(from);
    if (!Number.isSafeInteger(rateBp) || rateBp < -1000 || rateBp > 5000) fail(`Taux BCE invalide (points de base entiers, ex. 2,15 % → 215) : ${rateBp}`);
    await this.db.kysely.transaction().execute(async (tx) => {
      await this.repo.upsertEcbRate(from, rateBp, user.id, now, tx);
      await appendAuditInTransaction(tx, this.db.dialect, `user:${user.id}`, 'billing.ecb-rate', `ecb-rate:${from}`, { from, rateBp }, {}, now);
    });
  }

  async ecbRates(): Promise<EcbRate[]> {
    return (await this.repo.ecbRatesByDate()).map((r) => ({ from: r.from_date, rateBp: r.rate_bp }));
  }

  async addSyntecIndex(publishedOn: LocalDate, value: number, user: SessionUser, now = Date.now()): Promise<void> {
    assertLocalDate(publishedOn);
    syntecValue(value, 'S1');
    await this.db.kysely.transaction().execute(async (tx) => {
      await this.repo.upsertSyntec(publishedOn, String(value), user.id, now, tx);
      await appendAuditInTransaction(tx, this.db.dialect, `user:${user.id}`, 'billing.syntec', `syntec:${publishedOn}`, { publishedOn, value }, {}, now);
    });
  }

  async syntecIndices(): Promise<{ publishedOn: LocalDate; value: number }[]> {
    return (await this.repo.syntecByDate()).map((r) => ({ publishedOn: r.published_on, value: Number(r.value) }));
  }

  /** The rates late penalties are computed with, inside a read (`ex`). */
  async ecbRatesNow(ex?: Kysely<DB>): Promise<EcbRate[]> {
    return (await this.repo.ecbRates(ex)).map((r) => ({ from: r.from_date, rateBp: r.rate_bp }));
  }
}
