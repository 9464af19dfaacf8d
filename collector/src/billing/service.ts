import {
  addDays,
  addMonths,
  assertLocalDate,
  businessDayOnOrAfter,
  contractRefusal,
  type InterventionKind,
  type InterventionMode,
  isBusinessDay,
  isProgrammed,
  type LocalDate,
  parisDate,
  refusal,
  VigieError,
} from '@vigie/shared';
import type { SessionUser } from '../auth/repository.js';
import type { Database } from '../store/database.js';
import { interventionStart, takeInCharge } from '../tickets/intervention-start.js';
import type { TicketService } from '../tickets/service.js';
import { type BillingUnit, type PriceGrid, type Quote, quote, supplyOrderSurcharge, UNIT_MINUTES } from './billing-units.js';
import { noticeEndDate, termOn } from './contract-terms.js';
import type { BankDetails, LegalIdentity } from './invoice-document.js';
import { proposeRevision, validateRevision } from './price-revision.js';
import { syntecReferenceAt } from './syntec-reference.js';

const KINDS = ['programmed', 'urgent'] as const;
const MODES = ['on_site', 'remote'] as const;

/** A refusal under the contract's rules, said in French as the contract says it. */
function fail(message: string): never {
  throw contractRefusal(message);
}

/** A grid as stored: only known cells, integer cents ≥ 0; at least one price. */
export function normaliseGrid(input: unknown): PriceGrid {
  const grid: PriceGrid = { programmed: { on_site: {}, remote: {} }, urgent: { on_site: {}, remote: {} } };
  if (typeof input !== 'object' || input === null) fail('Grille tarifaire manquante');
  let count = 0;
  for (const [kind, modes] of Object.entries(input)) {
    if (!KINDS.includes(kind as InterventionKind)) fail(`Type d’intervention inconnu dans la grille : ${kind}`);
    if (typeof modes !== 'object' || modes === null) fail(`Grille invalide pour ${kind}`);
    for (const [mode, units] of Object.entries(modes as object)) {
      if (!MODES.includes(mode as InterventionMode)) fail(`Mode d’intervention inconnu dans la grille : ${mode}`);
      if (typeof units !== 'object' || units === null) fail(`Grille invalide pour ${kind}/${mode}`);
      for (const [unit, price] of Object.entries(units as object)) {
        if (!(unit in UNIT_MINUTES)) fail(`Unité inconnue dans la grille : ${unit}`);
        if (!Number.isSafeInteger(price) || (price as number) < 0)
          fail(`Prix invalide pour ${kind}/${mode}/${unit} (centimes entiers ≥ 0 attendus) : ${price}`);
        grid[kind as InterventionKind][mode as InterventionMode][unit as BillingUnit] = price as number;
        count++;
      }
    }
  }
  if (count === 0) fail('La grille tarifaire ne contient aucun prix');
  return grid;
}

function syntecValue(v: number, name: string): number {
  if (!Number.isFinite(v) || v <= 0 || v > 100_000) fail(`Indice Syntec ${name} invalide : ${v}`);
  return v;
}

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
  paymentMethod?: 'direct_debit' | 'transfer' | 'cheque' | 'card' | 'other';
}

export interface GridRow {
  id: number;
  client_id: number;
  valid_from: LocalDate;
  valid_to: LocalDate | null;
  grid: string;
  syntec_index: string;
  syntec_index_date: LocalDate | null;
  reason: 'initial' | 'revision' | 'amendment';
  created_at: number;
}

interface ContractRow {
  client_id: number;
  start_date: LocalDate;
  term_months: number;
  notice_months: number;
  vat_rate_bp: number;
  payment_days: number;
  payment_method: string;
  buyer: string;
  recipients: string;
  notice_received_on: LocalDate | null;
  notice_from: 'client' | 'provider' | null;
  end_date: LocalDate | null;
  created_at: number;
  updated_at: number;
}

export interface InterventionInput {
  technicianId?: number;
  /** Paris date; defaults to the start's date. */
  date?: LocalDate;
  startedAt?: number;
  endedAt?: number;
  minutes?: number;
  kind?: InterventionKind;
  mode?: InterventionMode;
  programmedMode?: 'planned' | 'recurring';
  occurrenceId?: number;
  travelCents?: number;
  mealCents?: number;
  lodgingCents?: number;
  notes?: string;
}

export interface InterventionRow {
  id: number;
  client_id: number;
  ticket_id: number;
  technician_id: number | null;
  date: LocalDate;
  started_at: number | null;
  ended_at: number | null;
  minutes: number;
  kind: InterventionKind;
  mode: InterventionMode;
  programmed_mode: 'planned' | 'recurring' | null;
  occurrence_id: number | null;
  travel_cents: number;
  meal_cents: number;
  lodging_cents: number;
  notes: string;
  grid_id: number;
  unit: BillingUnit;
  unit_count: number;
  unit_price_cents: number;
  amount_cents: number;
  rule: string;
  invoice_id: number | null;
  created_at: number;
  updated_at: number;
}

export interface ScheduleInput {
  ticketId: number;
  title: string;
  mode: InterventionMode;
  period: 'weekly' | 'monthly';
  firstDate: LocalDate;
  untilDate?: LocalDate;
  /** 'HH:MM', Paris time. */
  startTime: string;
  reservedMinutes: number;
}

export interface OccurrenceRow {
  id: number;
  schedule_id: number;
  slot: number;
  date: LocalDate;
  start_time: string;
  reserved_minutes: number;
  status: 'scheduled' | 'done' | 'cancelled';
  changed_by: 'client' | 'adjustment' | null;
  /** The date the programme's rule gave, when it fell on a weekend or public holiday (held on the next business day). */
  moved_from: LocalDate | null;
}

interface ScheduleRow {
  id: number;
  client_id: number;
  ticket_id: number;
  title: string;
  mode: InterventionMode;
  period: 'weekly' | 'monthly';
  first_date: LocalDate;
  until_date: LocalDate | null;
  start_time: string;
  reserved_minutes: number;
  active: number;
  created_at: number;
}

export interface ChangeRequest {
  date?: LocalDate;
  startTime?: string;
  minutes?: number;
  cancel?: boolean;
}

export interface OrderInput {
  supplier: string;
  reference?: string;
  orderedOn: LocalDate;
  ticketId?: number;
  lines: { description: string; unitPriceCents: number; quantity: number; warrantyMonths?: number }[];
}

export interface DeliveryInput {
  deliveredOn: LocalDate;
  siteId?: number;
  items: { lineId: number; serial?: string; warrantyMonths?: number }[];
}

export interface PickupInput {
  pickedUpOn: LocalDate;
  description: string;
  weightGrams: number;
  transportCents: number;
  handlingCents: number;
  recyclingRateCentsPerKg: number;
  bsdReference?: string;
  ticketId?: number;
}

/** Recurring programmes: how many occurrences ahead are kept materialised. */
const OCCURRENCES_AHEAD = 12;
/** 2.6.1 "disproportionnée": this many consecutive occurrences using at most this share of the reservation. */
export const ADJUST_AFTER_OCCURRENCES = 3;
export const ADJUST_MAX_SHARE = 0.5;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export const serialKey = (serial: string) => serial.trim().toUpperCase();

/** Rounds up to the next multiple of 15 minutes. */
const ceilQuarter = (minutes: number) => Math.ceil(minutes / 15) * 15;

const SYSTEM = { system: 'billing' } as const;

/**
 * Contracts, grids, quotes, interventions, recurring programmes, supply orders and DEEE pickups
 * (contract 2.4–2.6, 5.2, 6). Writes run in one immediate transaction each; invoicing is in
 * `InvoiceService`.
 */
export class BillingService {
  constructor(
    private readonly db: Database,
    private readonly tickets: TicketService,
  ) {}

  private read<T>(fn: () => T): Promise<T> {
    return this.db.writeLock(fn);
  }

  private get sql() {
    return this.db.sqlite;
  }

  private assertClient(clientId: number): void {
    if (!this.sql.prepare('SELECT 1 FROM clients WHERE id = ?').get(clientId)) throw new VigieError('NOT_FOUND', 'No such client');
  }

  private ticketOf(ticketId: number, clientId?: number): { id: number; client_id: number; kind: InterventionKind; mode: InterventionMode; title: string } {
    const t = this.sql.prepare('SELECT id, client_id, kind, mode, title FROM tickets WHERE id = ?').get(ticketId) as
      | { id: number; client_id: number; kind: InterventionKind; mode: InterventionMode; title: string }
      | undefined;
    if (!t || (clientId !== undefined && t.client_id !== clientId)) throw new VigieError('NOT_FOUND', 'No such ticket for this client');
    return t;
  }

  // ---- settings: the provider's identity printed on invoices -------------------------------------

  async getSettings(): Promise<{
    seller: LegalIdentity | null;
    bank: BankDetails | null;
    logo: { type: string; size: number; updatedAt: number } | null;
  }> {
    return this.read(() => {
      const r = this.sql.prepare('SELECT seller, bank, logo_type, length(logo) AS logo_size, logo_updated_at FROM billing_settings WHERE id = 1').get() as
        | { seller: string; bank: string | null; logo_type: string | null; logo_size: number | null; logo_updated_at: number | null }
        | undefined;
      return {
        seller: r ? JSON.parse(r.seller) : null,
        bank: r?.bank ? JSON.parse(r.bank) : null,
        logo: r?.logo_type ? { type: r.logo_type, size: r.logo_size ?? 0, updatedAt: r.logo_updated_at ?? 0 } : null,
      };
    });
  }

  async putSettings(seller: LegalIdentity, bank: BankDetails | null, now = Date.now()): Promise<void> {
    if (!seller.siren || !/^\d{9}$/.test(seller.siren.replace(/\s/g, '')))
      throw refusal('VALIDATION', 'seller_siren_required', 'The provider’s SIREN (9 digits) is required on an invoice', {}, '/seller/siren');
    if (!seller.vatNumber) throw refusal('VALIDATION', 'seller_vat_required', 'The provider’s VAT number is required on an invoice', {}, '/seller/vatNumber');
    if (seller.address.length === 0)
      throw refusal('VALIDATION', 'seller_address_required', 'The provider’s address is required on an invoice', {}, '/seller/address');
    return this.db.writeTransaction(() => {
      this.sql
        .prepare(
          'INSERT INTO billing_settings (id, seller, bank, updated_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seller = excluded.seller, bank = excluded.bank, updated_at = excluded.updated_at',
        )
        .run(JSON.stringify(seller), bank ? JSON.stringify(bank) : null, now);
    });
  }

  // ---- contracts (art. 6) and grids (art. 2.6, 5.2) ----------------------------------------------

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
      const existing = this.sql.prepare('SELECT * FROM billing_contracts WHERE client_id = ?').get(clientId) as ContractRow | undefined;
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
        this.sql
          .prepare(
            'UPDATE billing_contracts SET vat_rate_bp = ?, payment_days = ?, payment_method = ?, buyer = ?, recipients = ?, updated_at = ? WHERE client_id = ?',
          )
          .run(
            input.vatRateBp ?? existing.vat_rate_bp,
            input.paymentDays ?? existing.payment_days,
            input.paymentMethod ?? existing.payment_method,
            JSON.stringify(input.buyer),
            JSON.stringify(input.recipients ?? JSON.parse(existing.recipients)),
            now,
            clientId,
          );
        return;
      }
      if (!grid) throw refusal('VALIDATION', 'contract_needs_grid', 'A new contract needs its price grid', {}, '/grid');
      // Contract 5.2: S0 is the index known at signature — given, or the last one entered before it.
      const s0 =
        input.syntecIndex !== undefined
          ? { value: input.syntecIndex, publishedOn: input.syntecIndexDate ?? null }
          : syntecReferenceAt(
              input.startDate,
              (this.sql.prepare('SELECT published_on, value FROM syntec_indices').all() as { published_on: string; value: string }[]).map((r) => ({
                publishedOn: r.published_on,
                value: Number(r.value),
              })),
            );
      this.sql
        .prepare(
          'INSERT INTO billing_contracts (client_id, start_date, vat_rate_bp, payment_days, payment_method, buyer, recipients, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          clientId,
          input.startDate,
          vat,
          days,
          input.paymentMethod ?? 'direct_debit',
          JSON.stringify(input.buyer),
          JSON.stringify(input.recipients ?? []),
          now,
          now,
        );
      this.sql
        .prepare(
          "INSERT INTO price_grids (client_id, valid_from, grid, syntec_index, syntec_index_date, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, 'initial', ?, ?)",
        )
        .run(clientId, input.startDate, JSON.stringify(grid), String(s0.value), s0.publishedOn, user.id, now);
    });
  }

  private contractRow(clientId: number): ContractRow {
    const c = this.sql.prepare('SELECT * FROM billing_contracts WHERE client_id = ?').get(clientId) as ContractRow | undefined;
    if (!c) throw refusal('NOT_FOUND', 'no_contract', 'This client has no contract');
    return c;
  }

  /** The contract as the portal and the technician see it, on `on` (a Paris date). */
  async getContract(clientId: number, on: LocalDate) {
    return this.read(() => {
      const c = this.contractRow(clientId);
      const grids = this.sql.prepare('SELECT * FROM price_grids WHERE client_id = ? ORDER BY valid_from').all(clientId) as GridRow[];
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
      this.sql
        .prepare('UPDATE billing_contracts SET notice_received_on = ?, notice_from = ?, end_date = ?, updated_at = ? WHERE client_id = ?')
        .run(input.receivedOn, input.from, end, now, clientId);
      return { receivedOn: input.receivedOn, from: input.from, endDate: end };
    });
  }

  /** The grid in force on `date` (synchronous; call under the lock). */
  private gridRowOn(clientId: number, date: LocalDate): GridRow {
    const c = this.sql.prepare('SELECT start_date, end_date FROM billing_contracts WHERE client_id = ?').get(clientId) as
      | { start_date: LocalDate; end_date: LocalDate | null }
      | undefined;
    if (!c) fail('Ce client n’a pas de contrat : aucune grille tarifaire');
    if (date < c.start_date) fail(`Le ${date} précède le début du contrat (${c.start_date})`);
    if (c.end_date && date > c.end_date) fail(`Le ${date} suit la fin du contrat (${c.end_date})`);
    const g = this.sql.prepare('SELECT * FROM price_grids WHERE client_id = ? AND valid_from <= ? ORDER BY valid_from DESC LIMIT 1').get(clientId, date) as
      | GridRow
      | undefined;
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
      return { ...quote(JSON.parse(g.grid) as PriceGrid, kind, mode, minutes), gridId: g.id, validFrom: g.valid_from };
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
    const last = this.sql.prepare('SELECT * FROM price_grids WHERE client_id = ? ORDER BY valid_from DESC LIMIT 1').get(clientId) as GridRow | undefined;
    if (!last) fail('Ce client n’a pas de contrat');
    if (validFrom <= last.valid_from) fail(`Une nouvelle grille doit commencer après la dernière (${last.valid_from})`);
    const invoiced = this.sql
      .prepare('SELECT 1 FROM interventions WHERE client_id = ? AND date >= ? AND invoice_id IS NOT NULL LIMIT 1')
      .get(clientId, validFrom);
    if (invoiced)
      throw new VigieError('CONFLICT', `Des interventions facturées datent du ${validFrom} ou après : la grille ne peut pas changer rétroactivement`);
    this.sql.prepare('UPDATE price_grids SET valid_to = ? WHERE id = ?').run(addDays(validFrom, -1), last.id);
    const r = this.sql
      .prepare(
        'INSERT INTO price_grids (client_id, valid_from, grid, syntec_index, syntec_index_date, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(clientId, validFrom, JSON.stringify(grid), String(syntec), syntecDate, reason, user.id, now);
    return Number(r.lastInsertRowid);
  }

  async amendGrid(clientId: number, validFrom: LocalDate, input: unknown, user: SessionUser, now = Date.now()): Promise<number> {
    assertLocalDate(validFrom);
    const grid = normaliseGrid(input);
    return this.db.writeTransaction(() => {
      const prev = this.gridRowOn(clientId, addDays(validFrom, -1));
      return this.insertGrid(clientId, validFrom, grid, Number(prev.syntec_index), prev.syntec_index_date, 'amendment', user, now);
    });
  }

  // ---- ECB rates (5.1) and Syntec indices (5.2) ---------------------------------------------------

  async addEcbRate(from: LocalDate, rateBp: number, user: SessionUser, now = Date.now()): Promise<void> {
    assertLocalDate(from);
    if (!Number.isSafeInteger(rateBp) || rateBp < -1000 || rateBp > 5000) fail(`Taux BCE invalide (points de base entiers, ex. 2,15 % → 215) : ${rateBp}`);
    return this.db.writeTransaction(() => {
      this.sql
        .prepare(
          'INSERT INTO ecb_rates (from_date, rate_bp, entered_by, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (from_date) DO UPDATE SET rate_bp = excluded.rate_bp, entered_by = excluded.entered_by',
        )
        .run(from, rateBp, user.id, now);
    });
  }

  async ecbRates(): Promise<{ from: LocalDate; rateBp: number }[]> {
    return this.read(
      () => this.sql.prepare('SELECT from_date AS "from", rate_bp AS rateBp FROM ecb_rates ORDER BY from_date').all() as { from: LocalDate; rateBp: number }[],
    );
  }

  async addSyntecIndex(publishedOn: LocalDate, value: number, user: SessionUser, now = Date.now()): Promise<void> {
    assertLocalDate(publishedOn);
    syntecValue(value, 'S1');
    return this.db.writeTransaction(() => {
      this.sql
        .prepare(
          'INSERT INTO syntec_indices (published_on, value, entered_by, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (published_on) DO UPDATE SET value = excluded.value',
        )
        .run(publishedOn, String(value), user.id, now);
    });
  }

  async syntecIndices(): Promise<{ publishedOn: LocalDate; value: number }[]> {
    return this.read(() =>
      (this.sql.prepare('SELECT published_on, value FROM syntec_indices ORDER BY published_on').all() as { published_on: string; value: string }[]).map(
        (r) => ({
          publishedOn: r.published_on,
          value: Number(r.value),
        }),
      ),
    );
  }

  /** S0, S1 and the grid in force before a revision on `validFrom` (a 1 January). */
  private revisionBasis(clientId: number, validFrom: LocalDate) {
    assertLocalDate(validFrom);
    if (!validFrom.endsWith('-01-01')) fail('Les prix se révisent le 1er janvier (art. 5.2)');
    const before = this.gridRowOn(clientId, addDays(validFrom, -1));
    const already = this.sql.prepare("SELECT 1 FROM price_grids WHERE client_id = ? AND valid_from = ? AND reason = 'revision'").get(clientId, validFrom);
    if (already) throw new VigieError('CONFLICT', `Les prix ont déjà été révisés au ${validFrom}`);
    const s1row = this.sql
      .prepare('SELECT published_on, value FROM syntec_indices WHERE published_on <= ? ORDER BY published_on DESC LIMIT 1')
      .get(validFrom) as { published_on: string; value: string } | undefined;
    if (!s1row) fail(`Aucun indice Syntec saisi à la date du ${validFrom} : saisissez le dernier indice publié`);
    return { before, s0: Number(before.syntec_index), s1: Number(s1row.value), s1PublishedOn: s1row.published_on };
  }

  /** Contract 5.2: the grid proposed on 1 January, every price at its cap. */
  async revisionProposal(clientId: number, validFrom: LocalDate) {
    return this.read(() => {
      const { before, s0, s1, s1PublishedOn } = this.revisionBasis(clientId, validFrom);
      const oldGrid = JSON.parse(before.grid) as PriceGrid;
      return { validFrom, s0, s1, s1PublishedOn, ratio: Math.max(s1 / s0, 1) + 0.01, currentGrid: oldGrid, proposedGrid: proposeRevision(oldGrid, s0, s1) };
    });
  }

  /** Contract 5.2: a revised grid, refused if any price exceeds its cap; S1 becomes the next S0. */
  async applyRevision(clientId: number, validFrom: LocalDate, input: unknown, user: SessionUser, now = Date.now()): Promise<number> {
    const grid = normaliseGrid(input);
    return this.db.writeTransaction(() => {
      const { before, s0, s1, s1PublishedOn } = this.revisionBasis(clientId, validFrom);
      validateRevision(JSON.parse(before.grid) as PriceGrid, grid, s0, s1);
      return this.insertGrid(clientId, validFrom, grid, s1, s1PublishedOn, 'revision', user, now);
    });
  }

  // ---- interventions (2.6) -------------------------------------------------------------------------

  private billedQuote(
    clientId: number,
    kind: InterventionKind,
    mode: InterventionMode,
    minutes: number,
    date: LocalDate,
    occurrence: OccurrenceRow | undefined,
    interventionId = Number.MAX_SAFE_INTEGER,
  ): { q: Quote; gridId: number } {
    const g = this.gridRowOn(clientId, date);
    const grid = JSON.parse(g.grid) as PriceGrid;
    // The reservation is billed once per occurrence, on its first intervention; a further one on the
    // same occurrence (a second visit, a request sent twice) is billed on its own time.
    const firstOnOccurrence =
      occurrence !== undefined &&
      !this.sql.prepare('SELECT 1 FROM interventions WHERE occurrence_id = ? AND id < ? LIMIT 1').get(occurrence.id, interventionId);
    if (occurrence && firstOnOccurrence && occurrence.reserved_minutes > minutes) {
      // 2.6.1: the reserved time of a recurring occurrence is billed in full, which is why the
      // provider shortens the reservation when it proves out of proportion.
      const q = quote(grid, kind, mode, occurrence.reserved_minutes);
      return {
        q: { ...q, rule: `Intervention récurrente : ${occurrence.reserved_minutes} min réservées facturées en totalité (art. 2.6.1) — ${q.rule}` },
        gridId: g.id,
      };
    }
    return { q: quote(grid, kind, mode, minutes), gridId: g.id };
  }

  private resolveInterventionInput(t: { kind: InterventionKind; mode: InterventionMode }, input: InterventionInput) {
    let minutes = input.minutes;
    if (input.startedAt !== undefined || input.endedAt !== undefined) {
      if (input.startedAt === undefined || input.endedAt === undefined) fail('Début et fin vont ensemble');
      if (input.endedAt <= input.startedAt) fail('La fin d’une intervention doit suivre son début');
      const observed = Math.ceil((input.endedAt - input.startedAt) / 60_000);
      if (minutes !== undefined && minutes !== observed) fail(`Durée (${minutes} min) différente de fin − début (${observed} min)`);
      minutes = observed;
    }
    if (minutes === undefined) fail('Durée ou début et fin requis');
    if (!Number.isSafeInteger(minutes) || minutes <= 0) fail(`Durée invalide (minutes > 0 attendues) : ${minutes}`);
    if (minutes > 24 * 60) fail('Une intervention dure au plus 24 h : enregistrez une intervention par jour');
    const date = input.date ?? (input.startedAt !== undefined ? parisDate(input.startedAt) : undefined);
    if (date === undefined) fail('Date de l’intervention requise');
    assertLocalDate(date);
    const kind = input.kind ?? t.kind;
    const mode = input.mode ?? t.mode;
    const expenses = { travel: input.travelCents ?? 0, meal: input.mealCents ?? 0, lodging: input.lodgingCents ?? 0 };
    for (const [k, v] of Object.entries(expenses)) if (!Number.isSafeInteger(v) || v < 0) fail(`Frais ${k} invalides (centimes ≥ 0) : ${v}`);
    if (mode === 'remote' && expenses.travel + expenses.meal + expenses.lodging > 0)
      fail('Frais de déplacement, repas et hébergement : seulement pour une intervention sur site (art. 2.6)');
    if (kind === 'urgent' && (input.programmedMode || input.occurrenceId)) fail('Une intervention urgente n’est ni planifiée ni récurrente');
    const programmedMode = kind === 'programmed' ? (input.occurrenceId ? 'recurring' : (input.programmedMode ?? 'planned')) : null;
    if (programmedMode === 'recurring' && !input.occurrenceId) fail('Une intervention récurrente se rattache à une occurrence de sa programmation');
    return { minutes, date, kind, mode, expenses, programmedMode };
  }

  async recordIntervention(ticketId: number, input: InterventionInput, user: SessionUser, now = Date.now()): Promise<InterventionRow> {
    return this.db
      .writeTransaction(() => {
        const t = this.ticketOf(ticketId);
        const r = this.resolveInterventionInput(t, input);
        const technicianId = input.technicianId ?? user.id;
        const tech = this.sql.prepare('SELECT role FROM users WHERE id = ?').get(technicianId) as { role: string } | undefined;
        if (!tech || tech.role === 'client') fail('L’intervenant doit être un technicien ou un administrateur');
        let occurrence: OccurrenceRow | undefined;
        if (input.occurrenceId !== undefined) {
          occurrence = this.sql
            .prepare('SELECT o.* FROM recurring_occurrences o JOIN recurring_schedules s ON s.id = o.schedule_id WHERE o.id = ? AND s.client_id = ?')
            .get(input.occurrenceId, t.client_id) as OccurrenceRow | undefined;
          if (!occurrence) throw new VigieError('NOT_FOUND', 'No such occurrence for this client');
          if (occurrence.status === 'cancelled') fail('Cette occurrence a été annulée');
          if (r.kind !== 'programmed') fail('Une occurrence récurrente est une intervention programmée');
        }
        const { q, gridId } = this.billedQuote(t.client_id, r.kind, r.mode, r.minutes, r.date, occurrence);
        const ins = this.sql
          .prepare(
            `INSERT INTO interventions (client_id, ticket_id, technician_id, date, started_at, ended_at, minutes, kind, mode, programmed_mode, occurrence_id,
               travel_cents, meal_cents, lodging_cents, notes, grid_id, unit, unit_count, unit_price_cents, amount_cents, rule, created_by, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            t.client_id,
            ticketId,
            technicianId,
            r.date,
            input.startedAt ?? null,
            input.endedAt ?? null,
            r.minutes,
            r.kind,
            r.mode,
            r.programmedMode,
            occurrence?.id ?? null,
            r.expenses.travel,
            r.expenses.meal,
            r.expenses.lodging,
            input.notes ?? '',
            gridId,
            q.unit,
            q.count,
            q.unitPriceCents,
            q.amountCents,
            q.rule,
            user.id,
            now,
            now,
          );
        const id = Number(ins.lastInsertRowid);
        takeInCharge(this.sql, ticketId, interventionStart(input.startedAt, r.date));
        if (occurrence) this.sql.prepare("UPDATE recurring_occurrences SET status = 'done' WHERE id = ?").run(occurrence.id);
        this.timelineEvent(ticketId, now, `user:${user.id}`, user.id, 'intervention', {
          interventionId: id,
          date: r.date,
          minutes: r.minutes,
          kind: r.kind,
          mode: r.mode,
          ...quoteBody(q),
        });
        // 2.6.1: the programme's adjustment, if this occurrence completes a run of disproportionate
        // reservations, is part of the same write.
        const adjusted = occurrence ? this.adjustSchedule(occurrence.schedule_id, now) : undefined;
        return { id, clientId: t.client_id, adjusted };
      })
      .then(async ({ id, clientId, adjusted }) => {
        this.tickets.announce({ ticketId, clientId, type: 'time', actor: `user:${user.id}` });
        if (adjusted) this.tickets.announce({ ticketId: adjusted.ticketId, clientId: adjusted.clientId, type: 'comment', actor: SYSTEM.system });
        return (await this.intervention(id))!;
      });
  }

  private timelineEvent(ticketId: number, at: number, author: string, authorId: number | null, type: string, body: Record<string, unknown>): void {
    this.sql
      .prepare('INSERT INTO ticket_events (ticket_id, at, author_id, author, type, body) VALUES (?, ?, ?, ?, ?, ?)')
      .run(ticketId, at, authorId, author, type, JSON.stringify(body));
    this.sql.prepare('UPDATE tickets SET updated_at = ? WHERE id = ?').run(at, ticketId);
  }

  async intervention(id: number): Promise<InterventionRow | undefined> {
    return this.read(() => this.sql.prepare('SELECT * FROM interventions WHERE id = ?').get(id) as InterventionRow | undefined);
  }

  async interventions(f: { clientId?: number; ticketId?: number; from?: LocalDate; to?: LocalDate; limit?: number }): Promise<InterventionRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.clientId !== undefined) where.push('client_id = ?') && args.push(f.clientId);
    if (f.ticketId !== undefined) where.push('ticket_id = ?') && args.push(f.ticketId);
    if (f.from !== undefined) where.push('date >= ?') && args.push(f.from);
    if (f.to !== undefined) where.push('date <= ?') && args.push(f.to);
    return this.read(
      () =>
        this.sql
          .prepare(`SELECT * FROM interventions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY date, id LIMIT ?`)
          .all(...args, f.limit ?? 1000) as InterventionRow[],
    );
  }

  /** Corrects an intervention not yet invoiced (an invoiced one is frozen: credit note). */
  async updateIntervention(id: number, input: InterventionInput, user: SessionUser, now = Date.now()): Promise<InterventionRow> {
    return this.db
      .writeTransaction(() => {
        const cur = this.sql.prepare('SELECT * FROM interventions WHERE id = ?').get(id) as InterventionRow | undefined;
        if (!cur) throw new VigieError('NOT_FOUND');
        if (cur.invoice_id !== null)
          throw new VigieError('CONFLICT', 'Intervention déjà facturée : une facture émise ne se modifie pas, corrigez-la par un avoir');
        const merged: InterventionInput = {
          technicianId: input.technicianId ?? cur.technician_id ?? undefined,
          date: input.date ?? (input.startedAt !== undefined ? undefined : cur.date),
          kind: input.kind ?? cur.kind,
          mode: input.mode ?? cur.mode,
          programmedMode: input.programmedMode ?? cur.programmed_mode ?? undefined,
          occurrenceId: cur.occurrence_id ?? undefined,
          travelCents: input.travelCents ?? cur.travel_cents,
          mealCents: input.mealCents ?? cur.meal_cents,
          lodgingCents: input.lodgingCents ?? cur.lodging_cents,
          notes: input.notes ?? cur.notes,
          ...(input.startedAt !== undefined || input.endedAt !== undefined
            ? { startedAt: input.startedAt, endedAt: input.endedAt }
            : input.minutes !== undefined
              ? { minutes: input.minutes }
              : cur.started_at !== null && cur.ended_at !== null
                ? { startedAt: cur.started_at, endedAt: cur.ended_at }
                : { minutes: cur.minutes }),
        };
        const t = this.ticketOf(cur.ticket_id);
        const r = this.resolveInterventionInput(t, merged);
        const occurrence = cur.occurrence_id
          ? (this.sql.prepare('SELECT * FROM recurring_occurrences WHERE id = ?').get(cur.occurrence_id) as OccurrenceRow)
          : undefined;
        const { q, gridId } = this.billedQuote(cur.client_id, r.kind, r.mode, r.minutes, r.date, occurrence, id);
        this.sql
          .prepare(
            `UPDATE interventions SET technician_id = ?, date = ?, started_at = ?, ended_at = ?, minutes = ?, kind = ?, mode = ?, programmed_mode = ?,
               travel_cents = ?, meal_cents = ?, lodging_cents = ?, notes = ?, grid_id = ?, unit = ?, unit_count = ?, unit_price_cents = ?, amount_cents = ?, rule = ?, updated_at = ?
             WHERE id = ?`,
          )
          .run(
            merged.technicianId ?? null,
            r.date,
            merged.startedAt ?? null,
            merged.endedAt ?? null,
            r.minutes,
            r.kind,
            r.mode,
            r.programmedMode,
            r.expenses.travel,
            r.expenses.meal,
            r.expenses.lodging,
            merged.notes ?? '',
            gridId,
            q.unit,
            q.count,
            q.unitPriceCents,
            q.amountCents,
            q.rule,
            now,
            id,
          );
        takeInCharge(this.sql, cur.ticket_id, interventionStart(merged.startedAt, r.date));
        this.timelineEvent(cur.ticket_id, now, `user:${user.id}`, user.id, 'intervention_changed', {
          interventionId: id,
          before: { date: cur.date, minutes: cur.minutes, kind: cur.kind, mode: cur.mode, amountCents: cur.amount_cents },
          date: r.date,
          minutes: r.minutes,
          kind: r.kind,
          mode: r.mode,
          ...quoteBody(q),
        });
        return cur;
      })
      .then(async (cur) => {
        this.tickets.announce({ ticketId: cur.ticket_id, clientId: cur.client_id, type: 'time', actor: `user:${user.id}` });
        return (await this.intervention(id))!;
      });
  }

  async deleteIntervention(id: number, user: SessionUser, now = Date.now()): Promise<void> {
    return this.db.writeTransaction(() => {
      const cur = this.sql.prepare('SELECT * FROM interventions WHERE id = ?').get(id) as InterventionRow | undefined;
      if (!cur) throw new VigieError('NOT_FOUND');
      if (cur.invoice_id !== null)
        throw new VigieError('CONFLICT', 'Intervention déjà facturée : une facture émise ne se modifie pas, corrigez-la par un avoir');
      this.sql.prepare('DELETE FROM interventions WHERE id = ?').run(id);
      // The occurrence is to be done again only when no other intervention on it remains.
      if (cur.occurrence_id)
        this.sql
          .prepare(
            "UPDATE recurring_occurrences SET status = 'scheduled' WHERE id = ? AND status = 'done' AND NOT EXISTS (SELECT 1 FROM interventions WHERE occurrence_id = ?)",
          )
          .run(cur.occurrence_id, cur.occurrence_id);
      this.timelineEvent(cur.ticket_id, now, `user:${user.id}`, user.id, 'intervention_deleted', { interventionId: id, date: cur.date, minutes: cur.minutes });
    });
  }

  // ---- recurring programmes (2.6.1) ----------------------------------------------------------------

  async createSchedule(clientId: number, input: ScheduleInput, user: SessionUser, now = Date.now()): Promise<number> {
    assertLocalDate(input.firstDate);
    if (input.untilDate !== undefined) {
      assertLocalDate(input.untilDate);
      if (input.untilDate < input.firstDate) fail('La fin de la programmation précède son début');
    }
    if (!TIME.test(input.startTime)) fail(`Heure invalide (HH:MM) : ${input.startTime}`);
    if (!Number.isSafeInteger(input.reservedMinutes) || input.reservedMinutes <= 0 || input.reservedMinutes > 8 * 60)
      fail('Durée réservée invalide (1 à 480 min par occurrence)');
    return this.db.writeTransaction(() => {
      const t = this.ticketOf(input.ticketId, clientId);
      if (!isProgrammed(now, input.firstDate)) fail('Une programmation récurrente commence au moins 5 jours ouvrés après la demande (art. 2.6.1)');
      this.gridRowOn(t.client_id, input.firstDate);
      const r = this.sql
        .prepare(
          'INSERT INTO recurring_schedules (client_id, ticket_id, title, mode, period, first_date, until_date, start_time, reserved_minutes, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          clientId,
          input.ticketId,
          input.title,
          input.mode,
          input.period,
          input.firstDate,
          input.untilDate ?? null,
          input.startTime,
          input.reservedMinutes,
          user.id,
          now,
        );
      const id = Number(r.lastInsertRowid);
      this.materialise(id, parisDate(now));
      this.timelineEvent(input.ticketId, now, `user:${user.id}`, user.id, 'recurring', {
        scheduleId: id,
        text: `Programmation récurrente (${input.period === 'weekly' ? 'hebdomadaire' : 'mensuelle'}) : ${input.reservedMinutes} min réservées à partir du ${input.firstDate} à ${input.startTime}`,
      });
      return id;
    });
  }

  private slotDate(s: ScheduleRow, slot: number): LocalDate {
    return s.period === 'weekly' ? addDays(s.first_date, 7 * slot) : addMonths(s.first_date, slot);
  }

  /** Keeps OCCURRENCES_AHEAD scheduled occurrences from `today` on (under the lock). */
  private materialise(scheduleId: number, today: LocalDate): void {
    const s = this.sql.prepare('SELECT * FROM recurring_schedules WHERE id = ?').get(scheduleId) as ScheduleRow;
    if (!s.active) return;
    const last = this.sql.prepare('SELECT MAX(slot) AS slot FROM recurring_occurrences WHERE schedule_id = ?').get(scheduleId) as { slot: number | null };
    const ahead = (
      this.sql.prepare('SELECT COUNT(*) AS n FROM recurring_occurrences WHERE schedule_id = ? AND date >= ?').get(scheduleId, today) as { n: number }
    ).n;
    const ins = this.sql.prepare(
      "INSERT OR IGNORE INTO recurring_occurrences (schedule_id, slot, date, moved_from, start_time, reserved_minutes, status) VALUES (?, ?, ?, ?, ?, ?, 'scheduled')",
    );
    let slot = (last.slot ?? -1) + 1;
    for (let n = ahead; n < OCCURRENCES_AHEAD; slot++) {
      const nominal = this.slotDate(s, slot);
      if (s.until_date && nominal > s.until_date) break;
      // A Saturday, a Sunday or a public holiday: the next business day (the list says it moved).
      const date = businessDayOnOrAfter(nominal);
      ins.run(scheduleId, slot, date, date === nominal ? null : nominal, s.start_time, s.reserved_minutes);
      if (date >= today) n++;
    }
  }

  async schedule(scheduleId: number, now = Date.now()) {
    return this.db.writeTransaction(() => {
      const s = this.sql.prepare('SELECT * FROM recurring_schedules WHERE id = ?').get(scheduleId) as ScheduleRow | undefined;
      if (!s) return undefined;
      this.materialise(scheduleId, parisDate(now));
      const occurrences = this.sql
        .prepare(
          `SELECT o.*, (SELECT COALESCE(SUM(minutes), 0) FROM interventions i WHERE i.occurrence_id = o.id) AS recorded_minutes
           FROM recurring_occurrences o WHERE o.schedule_id = ? ORDER BY o.date, o.slot`,
        )
        .all(scheduleId) as (OccurrenceRow & { recorded_minutes: number })[];
      const changes = this.sql.prepare('SELECT * FROM recurring_changes WHERE schedule_id = ? ORDER BY id').all(scheduleId);
      return { schedule: s, occurrences, changes };
    });
  }

  async schedules(clientId: number | undefined) {
    return this.read(() =>
      clientId === undefined
        ? this.sql.prepare('SELECT * FROM recurring_schedules ORDER BY id').all()
        : this.sql.prepare('SELECT * FROM recurring_schedules WHERE client_id = ? ORDER BY id').all(clientId),
    ) as Promise<ScheduleRow[]>;
  }

  async scheduleClient(scheduleId: number): Promise<number | undefined> {
    return this.read(
      () => (this.sql.prepare('SELECT client_id FROM recurring_schedules WHERE id = ?').get(scheduleId) as { client_id: number } | undefined)?.client_id,
    );
  }

  /**
   * Contract 2.6.1: a client's change of date or duration of an occurrence counts only if it reaches
   * the provider at least 5 business days before the next intervention of the programme. Refused
   * requests are kept, with their reason, and answered with an error.
   */
  async requestChange(scheduleId: number, occurrenceId: number, change: ChangeRequest, receivedAt: number, user: SessionUser) {
    if (change.date !== undefined) {
      assertLocalDate(change.date);
      if (!isBusinessDay(change.date)) throw refusal('VALIDATION', 'recurring_weekend', `${change.date} is not a business day`, { date: change.date }, '/date');
    }
    if (change.startTime !== undefined && !TIME.test(change.startTime)) fail(`Heure invalide (HH:MM) : ${change.startTime}`);
    if (change.minutes !== undefined && (!Number.isSafeInteger(change.minutes) || change.minutes <= 0 || change.minutes > 480))
      fail('Durée invalide (1 à 480 min)');
    if (!change.cancel && change.date === undefined && change.startTime === undefined && change.minutes === undefined) fail('Aucun changement demandé');
    return this.db
      .writeTransaction(() => {
        const s = this.sql.prepare('SELECT * FROM recurring_schedules WHERE id = ?').get(scheduleId) as ScheduleRow | undefined;
        if (!s) throw new VigieError('NOT_FOUND');
        const today = parisDate(receivedAt);
        this.materialise(scheduleId, today);
        const occ = this.sql.prepare('SELECT * FROM recurring_occurrences WHERE id = ? AND schedule_id = ?').get(occurrenceId, scheduleId) as
          | OccurrenceRow
          | undefined;
        if (!occ) throw new VigieError('NOT_FOUND', 'No such occurrence');
        if (occ.status !== 'scheduled') fail('Cette occurrence n’est plus programmée');
        const next = this.sql
          .prepare("SELECT * FROM recurring_occurrences WHERE schedule_id = ? AND status = 'scheduled' AND date >= ? ORDER BY date, slot LIMIT 1")
          .get(scheduleId, today) as OccurrenceRow | undefined;
        let reason = '';
        if (!next || occ.date < today) reason = 'Occurrence passée';
        else if (!isProgrammed(receivedAt, next.date))
          reason = `Demande reçue le ${today} : moins de 5 jours ouvrés avant la prochaine intervention du ${next.date} (art. 2.6.1)`;
        else if (change.date !== undefined && !isProgrammed(receivedAt, change.date))
          reason = `La nouvelle date (${change.date}) doit être à 5 jours ouvrés ou plus de la demande (art. 2.6.1)`;
        const accepted = reason === '';
        if (accepted) reason = 'Reçue au moins 5 jours ouvrés avant la prochaine intervention (art. 2.6.1)';
        this.sql
          .prepare(
            'INSERT INTO recurring_changes (schedule_id, occurrence_id, received_at, requested_date, requested_start_time, requested_minutes, accepted, reason, requested_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            scheduleId,
            occurrenceId,
            receivedAt,
            change.date ?? null,
            change.startTime ?? null,
            change.minutes ?? (change.cancel ? 0 : null),
            accepted ? 1 : 0,
            reason,
            user.id,
          );
        const what = change.cancel
          ? `annulation de l’occurrence du ${occ.date}`
          : `occurrence du ${occ.date} → ${[change.date, change.startTime, change.minutes !== undefined ? `${change.minutes} min` : undefined].filter(Boolean).join(', ')}`;
        this.timelineEvent(s.ticket_id, receivedAt, `user:${user.id}`, user.id, 'recurring', {
          scheduleId,
          text: `${accepted ? 'Changement accepté' : 'Changement refusé'} : ${what}. ${reason}`,
        });
        if (accepted) {
          if (change.cancel) this.sql.prepare("UPDATE recurring_occurrences SET status = 'cancelled', changed_by = 'client' WHERE id = ?").run(occurrenceId);
          else
            this.sql
              .prepare("UPDATE recurring_occurrences SET date = ?, start_time = ?, reserved_minutes = ?, changed_by = 'client' WHERE id = ?")
              .run(change.date ?? occ.date, change.startTime ?? occ.start_time, change.minutes ?? occ.reserved_minutes, occurrenceId);
        }
        return { accepted, reason, clientId: s.client_id, ticketId: s.ticket_id };
      })
      .then((r) => {
        this.tickets.announce({ ticketId: r.ticketId, clientId: r.clientId, type: 'comment', actor: `user:${user.id}` });
        if (!r.accepted) throw new VigieError('CONFLICT', r.reason, { accepted: false });
        return r;
      });
  }

  /**
   * Contract 2.6.1: when the last ADJUST_AFTER_OCCURRENCES done occurrences each used at most
   * ADJUST_MAX_SHARE of their reservation, the following occurrences are shortened to the longest
   * time recorded plus a quarter (to the next quarter-hour), and the client is told in the ticket.
   * Occurrences the client changed keep their requested duration.
   * Runs inside the transaction that records the intervention completing the run.
   */
  private adjustSchedule(scheduleId: number, now: number): { from: number; to: number; clientId: number; ticketId: number } | undefined {
    const s = this.sql.prepare('SELECT * FROM recurring_schedules WHERE id = ?').get(scheduleId) as ScheduleRow | undefined;
    if (!s) return undefined;
    const done = this.sql
      .prepare(
        `SELECT o.id, o.date, o.reserved_minutes, (SELECT COALESCE(SUM(minutes), 0) FROM interventions i WHERE i.occurrence_id = o.id) AS recorded
         FROM recurring_occurrences o WHERE o.schedule_id = ? AND o.status = 'done' ORDER BY o.date DESC, o.slot DESC LIMIT ?`,
      )
      .all(scheduleId, ADJUST_AFTER_OCCURRENCES) as { id: number; date: LocalDate; reserved_minutes: number; recorded: number }[];
    if (done.length < ADJUST_AFTER_OCCURRENCES) return undefined;
    if (!done.every((o) => o.recorded <= o.reserved_minutes * ADJUST_MAX_SHARE)) return undefined;
    const target = Math.max(15, ceilQuarter(Math.max(...done.map((o) => o.recorded)) * 1.25));
    if (target >= s.reserved_minutes) return undefined;
    const after = done[0]!.date;
    this.sql.prepare('UPDATE recurring_schedules SET reserved_minutes = ? WHERE id = ?').run(target, scheduleId);
    const changed = this.sql
      .prepare(
        "UPDATE recurring_occurrences SET reserved_minutes = ?, changed_by = 'adjustment' WHERE schedule_id = ? AND status = 'scheduled' AND date > ? AND (changed_by IS NULL OR changed_by = 'adjustment') AND reserved_minutes > ?",
      )
      .run(target, scheduleId, after, target).changes;
    const list = done
      .slice()
      .reverse()
      .map((o) => `${o.date} : ${o.recorded} min sur ${o.reserved_minutes}`)
      .join(', ');
    this.timelineEvent(s.ticket_id, now, 'system:billing', null, 'recurring', {
      scheduleId,
      text: `Ajustement automatique de la programmation (art. 2.6.1) : les ${done.length} dernières interventions ont consommé bien moins que le temps réservé (${list}). Les prochaines occurrences (${changed}) sont réservées pour ${target} min au lieu de ${s.reserved_minutes} min.`,
    });
    return { from: s.reserved_minutes, to: target, clientId: s.client_id, ticketId: s.ticket_id };
  }

  // ---- supply orders (2.4) and supplied items ------------------------------------------------------

  async createOrder(clientId: number, input: OrderInput, user: SessionUser, now = Date.now()): Promise<number> {
    assertLocalDate(input.orderedOn);
    if (!input.supplier.trim()) fail('Fournisseur requis');
    if (input.lines.length === 0) fail('Une commande a au moins une ligne');
    for (const l of input.lines) {
      if (!l.description.trim()) fail('Chaque ligne a une désignation');
      if (!Number.isSafeInteger(l.unitPriceCents) || l.unitPriceCents < 0) fail(`Prix invalide (centimes ≥ 0) : ${l.unitPriceCents}`);
      if (!Number.isSafeInteger(l.quantity) || l.quantity <= 0 || l.quantity > 1000) fail(`Quantité invalide : ${l.quantity}`);
      if (l.warrantyMonths !== undefined && (!Number.isSafeInteger(l.warrantyMonths) || l.warrantyMonths < 0 || l.warrantyMonths > 120))
        fail(`Garantie invalide (0 à 120 mois) : ${l.warrantyMonths}`);
    }
    return this.db.writeTransaction(() => {
      this.assertClient(clientId);
      if (input.ticketId !== undefined) this.ticketOf(input.ticketId, clientId);
      const g = this.gridRowOn(clientId, input.orderedOn);
      const fee = supplyOrderSurcharge(JSON.parse(g.grid) as PriceGrid);
      const r = this.sql
        .prepare(
          `INSERT INTO supply_orders (client_id, ticket_id, supplier, reference, ordered_on, status, grid_id, fee_unit, fee_count, fee_unit_price_cents, fee_amount_cents, fee_rule, created_by, created_at)
           VALUES (?, ?, ?, ?, ?, 'ordered', ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          clientId,
          input.ticketId ?? null,
          input.supplier,
          input.reference ?? '',
          input.orderedOn,
          g.id,
          fee.unit,
          fee.count,
          fee.unitPriceCents,
          fee.amountCents,
          fee.rule,
          user.id,
          now,
        );
      const id = Number(r.lastInsertRowid);
      const line = this.sql.prepare(
        'INSERT INTO supply_order_lines (order_id, description, unit_price_cents, quantity, warranty_months) VALUES (?, ?, ?, ?, ?)',
      );
      for (const l of input.lines) line.run(id, l.description, l.unitPriceCents, l.quantity, l.warrantyMonths ?? 12);
      if (input.ticketId !== undefined)
        this.timelineEvent(input.ticketId, now, `user:${user.id}`, user.id, 'supply_order', { orderId: id, supplier: input.supplier, fee: quoteBody(fee) });
      return id;
    });
  }

  /** Contract 2.4 / 3: on delivery each item gets its date, warranty and serial, and joins the inventory. */
  async deliverOrder(orderId: number, input: DeliveryInput, now = Date.now()): Promise<void> {
    assertLocalDate(input.deliveredOn);
    return this.db.writeTransaction(() => {
      const o = this.sql.prepare('SELECT * FROM supply_orders WHERE id = ?').get(orderId) as
        | { id: number; client_id: number; status: string; ordered_on: LocalDate }
        | undefined;
      if (!o) throw new VigieError('NOT_FOUND');
      if (o.status !== 'ordered') throw new VigieError('CONFLICT', `Commande ${o.status === 'delivered' ? 'déjà livrée' : 'annulée'}`);
      if (input.deliveredOn < o.ordered_on) fail('Livraison antérieure à la commande');
      if (input.siteId !== undefined && !this.sql.prepare('SELECT 1 FROM sites WHERE id = ? AND client_id = ?').get(input.siteId, o.client_id))
        throw new VigieError('NOT_FOUND', 'No such site for this client');
      const lines = this.sql.prepare('SELECT * FROM supply_order_lines WHERE order_id = ?').all(orderId) as {
        id: number;
        description: string;
        quantity: number;
        warranty_months: number;
      }[];
      const byLine = new Map(lines.map((l) => [l.id, 0]));
      for (const it of input.items) {
        if (!byLine.has(it.lineId)) fail(`Ligne ${it.lineId} absente de cette commande`);
        byLine.set(it.lineId, byLine.get(it.lineId)! + 1);
        if (it.serial !== undefined && (it.serial.trim() === '' || it.serial.length > 100)) fail('Numéro de série vide ou trop long');
        if (it.warrantyMonths !== undefined && (!Number.isSafeInteger(it.warrantyMonths) || it.warrantyMonths < 0 || it.warrantyMonths > 120))
          fail(`Garantie invalide (0 à 120 mois) : ${it.warrantyMonths}`);
      }
      for (const l of lines)
        if (byLine.get(l.id) !== l.quantity) fail(`« ${l.description} » : ${l.quantity} article(s) commandé(s), ${byLine.get(l.id)} livré(s) décrit(s)`);
      const serials = input.items.filter((i) => i.serial).map((i) => serialKey(i.serial!));
      if (new Set(serials).size !== serials.length) fail('Numéro de série en double dans la livraison');
      const ins = this.sql.prepare(
        `INSERT INTO supplied_items (client_id, site_id, order_id, line_id, description, serial, serial_key, delivered_on, warranty_months, warranty_end, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const it of input.items) {
        const l = lines.find((x) => x.id === it.lineId)!;
        const months = it.warrantyMonths ?? l.warranty_months;
        const serial = it.serial?.trim() ?? null;
        ins.run(
          o.client_id,
          input.siteId ?? null,
          orderId,
          l.id,
          l.description,
          serial,
          serial ? serialKey(serial) : null,
          input.deliveredOn,
          months,
          warrantyEnd(input.deliveredOn, months),
          now,
        );
      }
      this.sql.prepare("UPDATE supply_orders SET status = 'delivered', delivered_on = ? WHERE id = ?").run(input.deliveredOn, orderId);
    });
  }

  async cancelOrder(orderId: number): Promise<void> {
    return this.db.writeTransaction(() => {
      const o = this.sql.prepare('SELECT status, fee_invoice_id FROM supply_orders WHERE id = ?').get(orderId) as
        | { status: string; fee_invoice_id: number | null }
        | undefined;
      if (!o) throw new VigieError('NOT_FOUND');
      if (o.status !== 'ordered') throw new VigieError('CONFLICT', 'Seule une commande en cours peut être annulée');
      // The handling fee of a validated order stays due (2.4): only the goods are cancelled.
      this.sql.prepare("UPDATE supply_orders SET status = 'cancelled' WHERE id = ?").run(orderId);
    });
  }

  async orderClient(orderId: number): Promise<number | undefined> {
    return this.read(() => (this.sql.prepare('SELECT client_id FROM supply_orders WHERE id = ?').get(orderId) as { client_id: number } | undefined)?.client_id);
  }

  async orders(clientId: number | undefined) {
    return this.read(() => {
      const orders = (
        clientId === undefined
          ? this.sql.prepare('SELECT * FROM supply_orders ORDER BY id').all()
          : this.sql.prepare('SELECT * FROM supply_orders WHERE client_id = ? ORDER BY id').all(clientId)
      ) as { id: number }[];
      const lines = this.sql.prepare('SELECT * FROM supply_order_lines WHERE order_id = ? ORDER BY id');
      return orders.map((o) => ({ ...o, lines: lines.all(o.id) }));
    });
  }

  /** The client's supplied hardware and software (contract 3), each with the device it matches by serial. */
  async suppliedItems(clientId: number | undefined) {
    return this.read(
      () =>
        this.sql
          .prepare(
            `SELECT s.id, s.client_id, s.site_id, s.order_id, s.description, s.serial, s.delivered_on, s.warranty_months, s.warranty_end, s.retired_on,
               o.supplier, o.reference AS order_reference,
               (SELECT d.id FROM devices d WHERE d.client_id = s.client_id AND s.serial_key IS NOT NULL AND upper(trim(d.serial)) = s.serial_key ORDER BY d.id LIMIT 1) AS device_id
             FROM supplied_items s LEFT JOIN supply_orders o ON o.id = s.order_id
             ${clientId === undefined ? '' : 'WHERE s.client_id = ?'} ORDER BY s.delivered_on, s.id`,
          )
          .all(...(clientId === undefined ? [] : [clientId])) as SuppliedItemView[],
    );
  }

  // ---- DEEE pickups (2.5) ----------------------------------------------------------------------------

  async createPickup(clientId: number, input: PickupInput, user: SessionUser, now = Date.now()): Promise<number> {
    assertLocalDate(input.pickedUpOn);
    if (!input.description.trim()) fail('Décrivez les équipements enlevés');
    if (!Number.isSafeInteger(input.weightGrams) || input.weightGrams <= 0) fail(`Poids invalide (grammes > 0) : ${input.weightGrams}`);
    for (const [k, v] of [
      ['transport', input.transportCents],
      ['acheminement et conditionnement', input.handlingCents],
      ['recyclage au kg', input.recyclingRateCentsPerKg],
    ] as const)
      if (!Number.isSafeInteger(v) || v < 0) fail(`Frais de ${k} invalides (centimes ≥ 0) : ${v}`);
    // 2.5: recycling by total weight, rounded to the cent (half up), computed exactly.
    const recycling = Number((BigInt(input.weightGrams) * BigInt(input.recyclingRateCentsPerKg) * 2n + 1000n) / 2000n);
    return this.db.writeTransaction(() => {
      this.assertClient(clientId);
      if (input.ticketId !== undefined) this.ticketOf(input.ticketId, clientId);
      const c = this.sql.prepare('SELECT 1 FROM billing_contracts WHERE client_id = ?').get(clientId);
      if (!c) fail('Ce client n’a pas de contrat');
      const r = this.sql
        .prepare(
          `INSERT INTO recycling_pickups (client_id, ticket_id, picked_up_on, description, weight_grams, transport_cents, handling_cents, recycling_rate_cents_per_kg, recycling_cents, bsd_reference, created_by, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          clientId,
          input.ticketId ?? null,
          input.pickedUpOn,
          input.description,
          input.weightGrams,
          input.transportCents,
          input.handlingCents,
          input.recyclingRateCentsPerKg,
          recycling,
          input.bsdReference ?? null,
          user.id,
          now,
        );
      return Number(r.lastInsertRowid);
    });
  }

  /** The waste tracking form (BSD) reference, which arrives after the pickup (2.5). */
  async setBsd(pickupId: number, reference: string): Promise<void> {
    if (!reference.trim() || reference.length > 100) fail('Référence de BSD invalide');
    return this.db.writeTransaction(() => {
      const r = this.sql.prepare('UPDATE recycling_pickups SET bsd_reference = ? WHERE id = ?').run(reference.trim(), pickupId);
      if (r.changes === 0) throw new VigieError('NOT_FOUND');
    });
  }

  async pickupClient(pickupId: number): Promise<number | undefined> {
    return this.read(
      () => (this.sql.prepare('SELECT client_id FROM recycling_pickups WHERE id = ?').get(pickupId) as { client_id: number } | undefined)?.client_id,
    );
  }

  async pickups(clientId: number | undefined) {
    return this.read(() =>
      clientId === undefined
        ? this.sql.prepare('SELECT * FROM recycling_pickups ORDER BY picked_up_on, id').all()
        : this.sql.prepare('SELECT * FROM recycling_pickups WHERE client_id = ? ORDER BY picked_up_on, id').all(clientId),
    );
  }
}

export interface SuppliedItemView {
  id: number;
  client_id: number;
  site_id: number | null;
  order_id: number | null;
  description: string;
  serial: string | null;
  delivered_on: LocalDate;
  warranty_months: number;
  warranty_end: LocalDate;
  retired_on: LocalDate | null;
  supplier: string | null;
  order_reference: string | null;
  device_id: number | null;
}

/** Last day under warranty: delivered 2026-03-15 with 12 months → 2027-03-14. */
export function warrantyEnd(deliveredOn: LocalDate, months: number): LocalDate {
  return months === 0 ? deliveredOn : addDays(addMonths(deliveredOn, months), -1);
}

function gridView(g: GridRow) {
  return {
    id: g.id,
    validFrom: g.valid_from,
    validTo: g.valid_to,
    reason: g.reason,
    syntecIndex: Number(g.syntec_index),
    syntecIndexDate: g.syntec_index_date,
    grid: JSON.parse(g.grid) as PriceGrid,
  };
}

function quoteBody(q: Quote) {
  return { unit: q.unit, count: q.count, unitPriceCents: q.unitPriceCents, amountCents: q.amountCents, rule: q.rule };
}
