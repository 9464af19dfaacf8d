import { contractRefusal, type InterventionKind, type InterventionMode } from '@vigie/shared';

export type BillingUnit = 'day' | 'half_day' | 'hour' | 'quarter_hour';

/** Contract 2.6: journée = 8 h, demi-journée = 3,5 h, heure, quart d'heure. Largest first: ties go to the larger unit. */
export const UNIT_MINUTES: Readonly<Record<BillingUnit, number>> = { day: 480, half_day: 210, hour: 60, quarter_hour: 15 };
const UNITS_LARGEST_FIRST: readonly BillingUnit[] = ['day', 'half_day', 'hour', 'quarter_hour'];

export const UNIT_LABEL: Record<BillingUnit, string> = { day: 'journée', half_day: '½ journée', hour: 'heure', quarter_hour: "quart d'heure" };
export const KIND_LABEL: Record<InterventionKind, string> = { programmed: 'programmée', urgent: 'urgente' };
export const MODE_LABEL: Record<InterventionMode, string> = { on_site: 'sur site', remote: 'à distance' };

/** Unit prices in integer cents excluding tax; a unit absent from a cell is not offered for that kind and mode. */
export type PriceGrid = Record<InterventionKind, Record<InterventionMode, Partial<Record<BillingUnit, number>>>>;

export interface Quote {
  unit: BillingUnit;
  count: number;
  unitPriceCents: number;
  amountCents: number;
  /** Why this unit, in French, for the technician and the invoice line. */
  rule: string;
}

/** A refusal under the contract's rules, said in French as the contract says it. */
function fail(message: string): never {
  throw contractRefusal(message);
}

function priceOf(grid: PriceGrid, kind: InterventionKind, mode: InterventionMode, unit: BillingUnit): number | undefined {
  const cell = grid[kind]?.[mode];
  if (!cell) fail(`Grille tarifaire sans prix pour une intervention ${KIND_LABEL[kind] ?? kind} ${MODE_LABEL[mode] ?? mode}`);
  const price = cell[unit];
  if (price === undefined) return undefined;
  if (!Number.isSafeInteger(price) || price < 0) fail(`Prix invalide (centimes entiers ≥ 0 attendus) pour ${kind}/${mode}/${unit} : ${price}`);
  return price;
}

function line(unit: BillingUnit, count: number, unitPriceCents: number, rule: string): Quote {
  const amountCents = count * unitPriceCents;
  if (!Number.isSafeInteger(amountCents)) fail(`Montant hors limites : ${count} × ${unitPriceCents}`);
  return { unit, count, unitPriceCents, amountCents, rule };
}

const plural = (count: number, unit: BillingUnit) => `${count} × ${UNIT_LABEL[unit]}`;

/**
 * Contract 2.6: the observed duration is counted in one unit, kind and count chosen at the lowest cost
 * for the client among the units priced for that kind and mode (count = ⌈minutes / unit length⌉; on
 * equal cost the larger unit). On site, less than half a day is a flat half-day — that specific clause
 * wins over the lowest-cost one, so the grid must price the half-day.
 */
export function quote(grid: PriceGrid, kind: InterventionKind, mode: InterventionMode, minutes: number): Quote {
  if (!(kind in KIND_LABEL) || !(mode in MODE_LABEL)) fail(`Type ou mode d'intervention inconnu : ${kind}/${mode}`);
  if (!Number.isFinite(minutes) || minutes <= 0) fail(`Durée d'intervention invalide (minutes > 0 attendues) : ${minutes}`);

  if (mode === 'on_site' && minutes < UNIT_MINUTES.half_day) {
    const price = priceOf(grid, kind, mode, 'half_day');
    if (price === undefined) fail(`Grille sans prix de ½ journée ${KIND_LABEL[kind]} sur site : requis pour une intervention sur site < ½ journée (art. 2.6)`);
    return line('half_day', 1, price, 'Sur site < ½ journée : facturé ½ journée (art. 2.6)');
  }

  let best: Quote | undefined;
  const tied: string[] = [];
  for (const unit of UNITS_LARGEST_FIRST) {
    const price = priceOf(grid, kind, mode, unit);
    if (price === undefined) continue;
    const count = Math.ceil(minutes / UNIT_MINUTES[unit]);
    const candidate = line(unit, count, price, '');
    if (!best || candidate.amountCents < best.amountCents) {
      best = candidate;
      tied.length = 0;
    } else if (candidate.amountCents === best.amountCents) {
      tied.push(plural(count, unit));
    }
  }
  if (!best) fail(`Grille sans aucun prix pour une intervention ${KIND_LABEL[kind]} ${MODE_LABEL[mode]}`);
  const tie = tied.length ? ` ; à coût égal avec ${tied.join(', ')}, la plus grande unité` : '';
  best.rule = `Moindre coût pour le client (art. 2.6) : ${plural(best.count, best.unit)} pour ${minutes} min${tie}`;
  return best;
}

/**
 * Contract 2.4: each validated supply order adds, as a flat fee, one quarter-hour of urgent
 * intervention. That time (quotes, ordering, paperwork) is spent at the provider's, not at the client's
 * site, so it is priced as remote — on site it would fall under the half-day minimum of 2.6, which
 * would turn a quarter-hour into half a day. Like any duration it is counted at the lowest cost (2.6),
 * which is the urgent remote quarter-hour in any sane grid.
 */
export function supplyOrderSurcharge(grid: PriceGrid): Quote {
  const q = quote(grid, 'urgent', 'remote', UNIT_MINUTES.quarter_hour);
  return { ...q, rule: `Commande de fourniture : forfait ¼ h d'intervention urgente, à distance (art. 2.4) — ${plural(q.count, q.unit)}` };
}
