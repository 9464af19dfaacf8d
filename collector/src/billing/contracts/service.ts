import { addDays, assertLocalDate, type InterventionKind, type InterventionMode, type LocalDate, refusal, VigieError } from '@vigie/shared';
import type { PaymentMethod } from '@vigie/shared/api';
import type { Kysely, Transaction } from 'kysely';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { SessionUser } from '../../auth/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
import { type PriceGrid, type Quote, quote } from '../billing-units.js';
import { fail } from '../contract-refusal.js';
import { noticeEndDate, termOn } from '../contract-terms.js';
import type { LegalIdentity } from '../invoice-document.js';
import type { PriceIndexRepository } from '../price-indices/repository.js';
import { syntecValue } from '../price-indices/service.js';
import { proposeRevision, validateRevision } from '../price-revision.js';
import { syntecReferenceAt } from '../syntec-reference.js';
import { gridOf, gridView, normaliseGrid } from './price-grid.js';
import { ContractRepository, type ContractRow, type GridRow } from './repository.js';

export interface ContractInput {
  startDate: LocalDate;
  vatRateBp?: number;
  paymentDays?: number;
  buyer: LegalIdentity;
  recipients?: string[];
  /** Required when the contract is created: the grid in force from startDate. */
  grid?: PriceGrid;
  /** Syntec index of reference of that grid (S0, contract 5.2) and its publication date; by default the last entered before signature. */
  syntecIndex?: number;
  syntecIndexDate?: LocalDate;
  /** Contract 5.1: direct debit unless agreed otherwise. */
  paymentMethod?: PaymentMethod;
}

/** The grid `g` found for `date` under contract `c`, refused when the contract does not cover that day. */
function gridInForce(c: ContractRow | undefined, g: GridRow | undefined, date: LocalDate): GridRow {
  if (!c) fail('Ce client n’a pas de contrat : aucune grille tarifaire');
  if (date < c.start_date) fail(`Le ${date} précède le début du contrat (${c.start_date})`);
  if (c.end_date && date > c.end_date) fail(`Le ${date} suit la fin du contrat (${c.end_date})`);
  if (!g) fail(`Aucune grille tarifaire en vigueur le ${date}`);
  return g;
}

/**
 * Contracts (art. 6), their price grids (art. 2.6, 7) and yearly revisions (art. 5.2), and quotes
 * under the grid in force. Writes run in one transaction each, audited in it.
 */
export class ContractService {
  readonly repo: ContractRepository;

  constructor(
    private readonly db: RelationalStore,
    private readonly indices: PriceIndexRepository,
  ) {
    this.repo = new ContractRepository(db);
  }

  /** One transaction (a consistent read, or a write); every read in it takes its `tx`. */
  private transaction<T>(fn: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.db.kysely.transaction().execute(fn);
  }

  /** Refused (NOT_FOUND) unless the client exists; read in the caller's transaction `tx`. */
  async assertClientIn(clientId: number, tx: Kysely<DB>): Promise<void> {
    if (!(await this.repo.clientExists(clientId, tx))) throw new VigieError('NOT_FOUND', 'No such client');
  }

  async putContract(clientId: number, input: ContractInput, user: SessionUser, now = Date.now()): Promise<void> {
    assertLocalDate(input.startDate);
    const vat = input.vatRateBp ?? 2000;
    if (!Number.isSafeInteger(vat) || vat < 0 || vat > 10_000) fail(`Taux de TVA invalide : ${vat} pb`);
    const days = input.paymentDays ?? 30;
    if (!Number.isSafeInteger(days) || days < 0 || days > 60) fail('Délai de paiement invalide (0 à 60 jours, art. L441-10 C. com.)');
    if (!input.buyer?.name?.trim() || input.buyer.address.length === 0)
      throw refusal('VALIDATION', 'buyer_required', 'The client’s name and address are required on an invoice', {}, '/buyer/address');
    const grid = input.grid === undefined ? undefined : normaliseGrid(input.grid);
    if (input.syntecIndex !== undefined) syntecValue(input.syntecIndex, 'S0');
    if (input.syntecIndexDate !== undefined) assertLocalDate(input.syntecIndexDate);
    return this.transaction(async (tx) => {
      await this.assertClientIn(clientId, tx);
      const existing = await this.repo.contractOf(clientId, tx);
      if (existing) {
        if (existing.start_date !== input.startDate)
          throw refusal('VALIDATION', 'contract_start_fixed', 'A contract’s signature date does not change (an amendment is needed, art. 7)', {}, '/startDate');
        if (grid)
          throw refusal(
            'VALIDATION',
            'contract_grid_fixed',
            'A running contract’s grid changes by yearly revision (5.2) or amendment (7), not here',
            {},
            '/grid',
          );
        // What the request does not carry stays as it was.
        await this.repo.updateTerms(
          clientId,
          {
            vat_rate_bp: input.vatRateBp ?? existing.vat_rate_bp,
            payment_days: input.paymentDays ?? existing.payment_days,
            payment_method: input.paymentMethod ?? existing.payment_method,
            buyer: JSON.stringify(input.buyer),
            recipients: JSON.stringify(input.recipients ?? JSON.parse(existing.recipients)),
            updated_at: now,
          },
          tx,
        );
        await appendAuditInTransaction(tx, this.db.dialect, `user:${user.id}`, 'contract.update', `client:${clientId}`, null, { clientId, result: 'ok' }, now);
        return;
      }
      if (!grid) throw refusal('VALIDATION', 'contract_needs_grid', 'A new contract needs its price grid', {}, '/grid');
      // Contract 5.2: S0 is the index known at signature — given, or the last one entered before it.
      const s0 =
        input.syntecIndex !== undefined
          ? { value: input.syntecIndex, publishedOn: input.syntecIndexDate ?? null }
          : syntecReferenceAt(
              input.startDate,
              (await this.indices.syntecByDate(tx)).map((r) => ({ publishedOn: r.published_on, value: Number(r.value) })),
            );
      await this.repo.insertContract(
        {
          client_id: clientId,
          start_date: input.startDate,
          vat_rate_bp: vat,
          payment_days: days,
          payment_method: input.paymentMethod ?? 'direct_debit',
          buyer: JSON.stringify(input.buyer),
          recipients: JSON.stringify(input.recipients ?? []),
          created_at: now,
          updated_at: now,
        },
        tx,
      );
      const gridId = await this.repo.insertGrid(
        {
          client_id: clientId,
          valid_from: input.startDate,
          grid: JSON.stringify(grid),
          syntec_index: String(s0.value),
          syntec_index_date: s0.publishedOn,
          reason: 'initial',
          created_by: user.id,
          created_at: now,
        },
        tx,
      );
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'contract.create',
        `client:${clientId}`,
        { startDate: input.startDate, gridId },
        { clientId, result: 'ok' },
        now,
      );
    });
  }

  private async contractRow(clientId: number, tx: Kysely<DB>): Promise<ContractRow> {
    const c = await this.repo.contractOf(clientId, tx);
    if (!c) throw refusal('NOT_FOUND', 'no_contract', 'This client has no contract');
    return c;
  }

  /** The contract as the portal and the technician see it, on `on` (a Paris date). */
  async getContract(clientId: number, on: LocalDate) {
    return this.transaction(async (tx) => {
      const c = await this.contractRow(clientId, tx);
      const grids = await this.repo.grids(clientId, tx);
      const term = termOn(c.start_date, c.term_months, on);
      const current = grids.filter((g) => g.valid_from <= on).at(-1);
      return {
        clientId,
        startDate: c.start_date,
        termMonths: c.term_months,
        noticeMonths: c.notice_months,
        currentTerm: term,
        tacitRenewals: term.index,
        vatRateBp: c.vat_rate_bp,
        paymentDays: c.payment_days,
        paymentMethod: c.payment_method,
        buyer: JSON.parse(c.buyer) as LegalIdentity,
        recipients: JSON.parse(c.recipients) as string[],
        notice: c.notice_received_on ? { receivedOn: c.notice_received_on, from: c.notice_from, endDate: c.end_date } : null,
        ended: c.end_date !== null && c.end_date < on,
        currentGrid: current ? gridView(current) : null,
        grids: grids.map(gridView),
      };
    });
  }

  /** Contract 6: a notice received on `receivedOn` ends the contract after at least 3 months. */
  async notice(clientId: number, input: { receivedOn: LocalDate; from: 'client' | 'provider'; endDate?: LocalDate }, now = Date.now()) {
    const already = (c: ContractRow) =>
      refusal('CONFLICT', 'notice_already', `A notice was already received on ${c.notice_received_on} (end on ${c.end_date})`, {
        receivedOn: c.notice_received_on ?? '',
        endDate: c.end_date ?? '',
      });
    return this.transaction(async (tx) => {
      const c = await this.contractRow(clientId, tx);
      if (c.notice_received_on) throw already(c);
      if (input.receivedOn < c.start_date)
        throw refusal('VALIDATION', 'notice_before_start', 'A notice received before the contract was signed', { startDate: c.start_date }, '/receivedOn');
      const end = noticeEndDate(input.receivedOn, c.notice_months, input.endDate);
      // Conditional: a notice recorded meanwhile by another collector is the first one.
      if (!(await this.repo.recordNotice(clientId, input.receivedOn, input.from, end, now, tx))) throw already(await this.contractRow(clientId, tx));
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        'system:contracts',
        'contract.notice',
        `client:${clientId}`,
        { receivedOn: input.receivedOn, from: input.from, endDate: end },
        { clientId, result: 'ok' },
        now,
      );
      return { receivedOn: input.receivedOn, from: input.from, endDate: end };
    });
  }

  /** The grid in force on `date`, read in `tx`. */
  async gridRowIn(clientId: number, date: LocalDate, tx: Kysely<DB>): Promise<GridRow> {
    return gridInForce(await this.repo.contractOf(clientId, tx), await this.repo.gridFrom(clientId, date, tx), date);
  }

  /** POST /billing/quote: the price of `minutes` of work on `date`, with the grid in force that day. */
  async quote(
    clientId: number,
    kind: InterventionKind,
    mode: InterventionMode,
    minutes: number,
    date: LocalDate,
  ): Promise<Quote & { gridId: number; validFrom: LocalDate }> {
    assertLocalDate(date);
    return this.transaction(async (tx) => {
      await this.assertClientIn(clientId, tx);
      const g = await this.gridRowIn(clientId, date, tx);
      return { ...quote(gridOf(g), kind, mode, minutes), gridId: g.id, validFrom: g.valid_from };
    });
  }

  /** A grid from `validFrom` on, closing the one before (amendment, art. 7, or revision, art. 5.2). */
  private async insertGrid(
    tx: Transaction<DB>,
    clientId: number,
    validFrom: LocalDate,
    grid: PriceGrid,
    syntec: number,
    syntecDate: LocalDate | null,
    reason: 'revision' | 'amendment',
    user: SessionUser,
    now: number,
  ): Promise<number> {
    const last = await this.repo.lastGrid(clientId, tx);
    if (!last) fail('Ce client n’a pas de contrat');
    if (validFrom <= last.valid_from) fail(`Une nouvelle grille doit commencer après la dernière (${last.valid_from})`);
    if (await this.repo.invoicedWorkFrom(clientId, validFrom, tx))
      throw new VigieError('CONFLICT', `Des interventions facturées datent du ${validFrom} ou après : la grille ne peut pas changer rétroactivement`);
    await this.repo.closeGrid(last.id, addDays(validFrom, -1), tx);
    const id = await this.repo.insertGrid(
      {
        client_id: clientId,
        valid_from: validFrom,
        grid: JSON.stringify(grid),
        syntec_index: String(syntec),
        syntec_index_date: syntecDate,
        reason,
        created_by: user.id,
        created_at: now,
      },
      tx,
    );
    await appendAuditInTransaction(
      tx,
      this.db.dialect,
      `user:${user.id}`,
      `contract.grid.${reason}`,
      `client:${clientId}`,
      { gridId: id, validFrom, closed: last.id },
      { clientId, result: 'ok' },
      now,
    );
    return id;
  }

  async amendGrid(clientId: number, validFrom: LocalDate, input: unknown, user: SessionUser, now = Date.now()): Promise<number> {
    assertLocalDate(validFrom);
    const grid = normaliseGrid(input);
    return this.transaction(async (tx) => {
      const prev = await this.gridRowIn(clientId, addDays(validFrom, -1), tx);
      return this.insertGrid(tx, clientId, validFrom, grid, Number(prev.syntec_index), prev.syntec_index_date, 'amendment', user, now);
    });
  }

  /** S0, S1 and the grid in force before a revision on `validFrom` (a 1 January). */
  private async revisionBasis(clientId: number, validFrom: LocalDate, tx: Kysely<DB>) {
    assertLocalDate(validFrom);
    if (!validFrom.endsWith('-01-01')) fail('Les prix se révisent le 1er janvier (art. 5.2)');
    const before = await this.gridRowIn(clientId, addDays(validFrom, -1), tx);
    if (await this.repo.revisedOn(clientId, validFrom, tx)) throw new VigieError('CONFLICT', `Les prix ont déjà été révisés au ${validFrom}`);
    const s1row = await this.indices.syntecOn(validFrom, tx);
    if (!s1row) fail(`Aucun indice Syntec saisi à la date du ${validFrom} : saisissez le dernier indice publié`);
    return { before, s0: Number(before.syntec_index), s1: Number(s1row.value), s1PublishedOn: s1row.published_on };
  }

  /** Contract 5.2: the grid proposed on 1 January, every price at its cap. */
  async revisionProposal(clientId: number, validFrom: LocalDate) {
    return this.transaction(async (tx) => {
      const { before, s0, s1, s1PublishedOn } = await this.revisionBasis(clientId, validFrom, tx);
      const oldGrid = gridOf(before);
      return { validFrom, s0, s1, s1PublishedOn, ratio: Math.max(s1 / s0, 1) + 0.01, currentGrid: oldGrid, proposedGrid: proposeRevision(oldGrid, s0, s1) };
    });
  }

  /** Contract 5.2: a revised grid, refused if any price exceeds its cap; S1 becomes the next S0. */
  async applyRevision(clientId: number, validFrom: LocalDate, input: unknown, user: SessionUser, now = Date.now()): Promise<number> {
    const grid = normaliseGrid(input);
    return this.transaction(async (tx) => {
      const { before, s0, s1, s1PublishedOn } = await this.revisionBasis(clientId, validFrom, tx);
      validateRevision(gridOf(before), grid, s0, s1);
      return this.insertGrid(tx, clientId, validFrom, grid, s1, s1PublishedOn, 'revision', user, now);
    });
  }
}
