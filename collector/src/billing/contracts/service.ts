import { addDays, assertLocalDate, type InterventionKind, type InterventionMode, type LocalDate, refusal, VigieError } from '@vigie/shared';
import type { PaymentMethod } from '@vigie/shared/api';
import type { SessionUser } from '../../auth/repository.js';
import type { Database } from '../../store/database.js';
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

/**
 * Contracts (art. 6), their price grids (art. 2.6, 7) and yearly revisions (art. 5.2), and quotes
 * under the grid in force. Writes run in one immediate transaction each.
 */
export class ContractService {
  readonly repo: ContractRepository;

  constructor(
    private readonly db: Database,
    private readonly indices: PriceIndexRepository,
  ) {
    this.repo = new ContractRepository(db);
  }

  private read<T>(fn: () => T): Promise<T> {
    return this.db.writeLock(fn);
  }

  /** Synchronous, inside the caller's transaction. */
  assertClient(clientId: number): void {
    if (!this.repo.clientExists(clientId)) throw new VigieError('NOT_FOUND', 'No such client');
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
    return this.db.writeTransaction(() => {
      this.assertClient(clientId);
      const existing = this.repo.contract(clientId);
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
        this.repo.updateTerms(clientId, {
          vat_rate_bp: input.vatRateBp ?? existing.vat_rate_bp,
          payment_days: input.paymentDays ?? existing.payment_days,
          payment_method: input.paymentMethod ?? existing.payment_method,
          buyer: JSON.stringify(input.buyer),
          recipients: JSON.stringify(input.recipients ?? JSON.parse(existing.recipients)),
          updated_at: now,
        });
        return;
      }
      if (!grid) throw refusal('VALIDATION', 'contract_needs_grid', 'A new contract needs its price grid', {}, '/grid');
      // Contract 5.2: S0 is the index known at signature — given, or the last one entered before it.
      const s0 =
        input.syntecIndex !== undefined
          ? { value: input.syntecIndex, publishedOn: input.syntecIndexDate ?? null }
          : syntecReferenceAt(
              input.startDate,
              this.indices.syntecIndices().map((r) => ({ publishedOn: r.published_on, value: Number(r.value) })),
            );
      this.repo.insertContract({
        client_id: clientId,
        start_date: input.startDate,
        vat_rate_bp: vat,
        payment_days: days,
        payment_method: input.paymentMethod ?? 'direct_debit',
        buyer: JSON.stringify(input.buyer),
        recipients: JSON.stringify(input.recipients ?? []),
        created_at: now,
        updated_at: now,
      });
      this.repo.insertGrid({
        client_id: clientId,
        valid_from: input.startDate,
        grid: JSON.stringify(grid),
        syntec_index: String(s0.value),
        syntec_index_date: s0.publishedOn,
        reason: 'initial',
        created_by: user.id,
        created_at: now,
      });
    });
  }

  private contractRow(clientId: number): ContractRow {
    const c = this.repo.contract(clientId);
    if (!c) throw refusal('NOT_FOUND', 'no_contract', 'This client has no contract');
    return c;
  }

  /** The contract as the portal and the technician see it, on `on` (a Paris date). */
  async getContract(clientId: number, on: LocalDate) {
    return this.read(() => {
      const c = this.contractRow(clientId);
      const grids = this.repo.grids(clientId);
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
    return this.db.writeTransaction(() => {
      const c = this.contractRow(clientId);
      if (c.notice_received_on)
        throw refusal('CONFLICT', 'notice_already', `A notice was already received on ${c.notice_received_on} (end on ${c.end_date})`, {
          receivedOn: c.notice_received_on,
          endDate: c.end_date ?? '',
        });
      if (input.receivedOn < c.start_date)
        throw refusal('VALIDATION', 'notice_before_start', 'A notice received before the contract was signed', { startDate: c.start_date }, '/receivedOn');
      const end = noticeEndDate(input.receivedOn, c.notice_months, input.endDate);
      this.repo.recordNotice(clientId, input.receivedOn, input.from, end, now);
      return { receivedOn: input.receivedOn, from: input.from, endDate: end };
    });
  }

  /** The grid in force on `date` (synchronous; call under the lock). */
  gridRowOn(clientId: number, date: LocalDate): GridRow {
    const c = this.repo.contract(clientId);
    if (!c) fail('Ce client n’a pas de contrat : aucune grille tarifaire');
    if (date < c.start_date) fail(`Le ${date} précède le début du contrat (${c.start_date})`);
    if (c.end_date && date > c.end_date) fail(`Le ${date} suit la fin du contrat (${c.end_date})`);
    const g = this.repo.gridFrom(clientId, date);
    if (!g) fail(`Aucune grille tarifaire en vigueur le ${date}`);
    return g;
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
    return this.read(() => {
      this.assertClient(clientId);
      const g = this.gridRowOn(clientId, date);
      return { ...quote(gridOf(g), kind, mode, minutes), gridId: g.id, validFrom: g.valid_from };
    });
  }

  /** A grid from `validFrom` on, closing the one before (amendment, art. 7, or revision, art. 5.2). */
  private insertGrid(
    clientId: number,
    validFrom: LocalDate,
    grid: PriceGrid,
    syntec: number,
    syntecDate: LocalDate | null,
    reason: 'revision' | 'amendment',
    user: SessionUser,
    now: number,
  ): number {
    const last = this.repo.lastGrid(clientId);
    if (!last) fail('Ce client n’a pas de contrat');
    if (validFrom <= last.valid_from) fail(`Une nouvelle grille doit commencer après la dernière (${last.valid_from})`);
    if (this.repo.invoicedWorkFrom(clientId, validFrom))
      throw new VigieError('CONFLICT', `Des interventions facturées datent du ${validFrom} ou après : la grille ne peut pas changer rétroactivement`);
    this.repo.closeGrid(last.id, addDays(validFrom, -1));
    return this.repo.insertGrid({
      client_id: clientId,
      valid_from: validFrom,
      grid: JSON.stringify(grid),
      syntec_index: String(syntec),
      syntec_index_date: syntecDate,
      reason,
      created_by: user.id,
      created_at: now,
    });
  }

  async amendGrid(clientId: number, validFrom: LocalDate, input: unknown, user: SessionUser, now = Date.now()): Promise<number> {
    assertLocalDate(validFrom);
    const grid = normaliseGrid(input);
    return this.db.writeTransaction(() => {
      const prev = this.gridRowOn(clientId, addDays(validFrom, -1));
      return this.insertGrid(clientId, validFrom, grid, Number(prev.syntec_index), prev.syntec_index_date, 'amendment', user, now);
    });
  }

  /** S0, S1 and the grid in force before a revision on `validFrom` (a 1 January). */
  private revisionBasis(clientId: number, validFrom: LocalDate) {
    assertLocalDate(validFrom);
    if (!validFrom.endsWith('-01-01')) fail('Les prix se révisent le 1er janvier (art. 5.2)');
    const before = this.gridRowOn(clientId, addDays(validFrom, -1));
    if (this.repo.revisedOn(clientId, validFrom)) throw new VigieError('CONFLICT', `Les prix ont déjà été révisés au ${validFrom}`);
    const s1row = this.indices.syntecOn(validFrom);
    if (!s1row) fail(`Aucun indice Syntec saisi à la date du ${validFrom} : saisissez le dernier indice publié`);
    return { before, s0: Number(before.syntec_index), s1: Number(s1row.value), s1PublishedOn: s1row.published_on };
  }

  /** Contract 5.2: the grid proposed on 1 January, every price at its cap. */
  async revisionProposal(clientId: number, validFrom: LocalDate) {
    return this.read(() => {
      const { before, s0, s1, s1PublishedOn } = this.revisionBasis(clientId, validFrom);
      const oldGrid = gridOf(before);
      return { validFrom, s0, s1, s1PublishedOn, ratio: Math.max(s1 / s0, 1) + 0.01, currentGrid: oldGrid, proposedGrid: proposeRevision(oldGrid, s0, s1) };
    });
  }

  /** Contract 5.2: a revised grid, refused if any price exceeds its cap; S1 becomes the next S0. */
  async applyRevision(clientId: number, validFrom: LocalDate, input: unknown, user: SessionUser, now = Date.now()): Promise<number> {
    const grid = normaliseGrid(input);
    return this.db.writeTransaction(() => {
      const { before, s0, s1, s1PublishedOn } = this.revisionBasis(clientId, validFrom);
      validateRevision(gridOf(before), grid, s0, s1);
      return this.insertGrid(clientId, validFrom, grid, s1, s1PublishedOn, 'revision', user, now);
    });
  }
}
