import { addDays, assertLocalDate, contractRefusal, daysBetween, type LocalDate } from '@vigie/shared';

/** Contract 5.1 (décret 2012-1115): flat recovery indemnity, once per overdue invoice. */
export const RECOVERY_INDEMNITY_CENTS = 4000;
/** Contract 5.1: ECB rate "majoré de 10 points de pourcentage", in basis points. */
export const PENALTY_MARGIN_BP = 1000;

/** An ECB main refinancing rate as an admin entered it: in force from `from`, in basis points (2.15 % → 215). */
export interface EcbRate {
  from: LocalDate;
  rateBp: number;
}

/** A motivated dispute (5.1): open from `openedOn`, settled on `settledOn` (null while open). */
export interface DisputePeriod {
  openedOn: LocalDate;
  settledOn: LocalDate | null;
}

export interface LatePenaltyInput {
  /** Sums still due on the invoice, tax included, in cents. */
  amountCents: number;
  /** Due date printed on the invoice (issue + 30 days net). */
  dueDate: LocalDate;
  /** Payment date, or today for an unpaid invoice. */
  asOf: LocalDate;
  ecbRates: readonly EcbRate[];
  disputes?: readonly DisputePeriod[];
}

export interface LatePenalty {
  /** Due date pushed back by the suspensions; null while an admissible dispute is still open. */
  effectiveDueDate: LocalDate | null;
  daysLate: number;
  /** ECB rate + 10 points, in basis points; null when not late. */
  annualRateBp: number | null;
  interestCents: number;
  indemnityCents: number;
  totalCents: number;
  /** Disputes opened after the (suspended) due date: 5.1 requires notice before it expires. */
  ignoredDisputes: DisputePeriod[];
}

/** A refusal under the contract's rules, said in French as the contract says it. */
function fail(message: string): never {
  throw contractRefusal(message);
}

/** The most recent ECB rate in force on `on`. */
export function ecbRateInForce(rates: readonly EcbRate[], on: LocalDate): EcbRate {
  assertLocalDate(on);
  let best: EcbRate | undefined;
  for (const r of rates) {
    assertLocalDate(r.from);
    if (!Number.isSafeInteger(r.rateBp)) fail(`Taux BCE invalide (points de base entiers attendus) : ${r.rateBp}`);
    if (r.from <= on && (!best || r.from > best.from)) best = r;
  }
  if (!best) fail(`Aucun taux BCE saisi en vigueur au ${on}`);
  return best;
}

/**
 * Contract 5.1: a motivated dispute "suspendra provisoirement le délai de paiement": the payment term
 * stops while the dispute is open and resumes afterwards, so the due date moves back by the dispute's
 * length in calendar days (settledOn − openedOn; overlapping disputes count once). Only a dispute
 * notified on or before the running due date suspends it.
 */
export function suspendedDueDate(dueDate: LocalDate, disputes: readonly DisputePeriod[], asOf: LocalDate): { due: LocalDate | null; ignored: DisputePeriod[] } {
  let due = dueDate;
  let coveredUntil: LocalDate | undefined;
  const ignored: DisputePeriod[] = [];
  for (const d of [...disputes].sort((x, y) => (x.openedOn < y.openedOn ? -1 : 1))) {
    assertLocalDate(d.openedOn);
    if (d.settledOn !== null) {
      assertLocalDate(d.settledOn);
      if (d.settledOn < d.openedOn) fail(`Litige clos (${d.settledOn}) avant son ouverture (${d.openedOn})`);
    }
    if (d.openedOn > asOf) continue; // not opened yet at asOf
    if (d.openedOn > due) {
      ignored.push(d);
      continue;
    }
    if (d.settledOn === null || d.settledOn > asOf) return { due: null, ignored };
    const start = coveredUntil && coveredUntil > d.openedOn ? coveredUntil : d.openedOn;
    if (d.settledOn > start) due = addDays(due, daysBetween(start, d.settledOn));
    if (!coveredUntil || d.settledOn > coveredUntil) coveredUntil = d.settledOn;
  }
  return { due, ignored };
}

/**
 * Contract 5.1: penalties on an overdue invoice from the day after its (suspended) due date:
 * amount × (ECB rate + 10 points) × days / 365, pro rata per calendar day, rounded to the nearest
 * cent with half a cent rounded up, computed exactly in integers; plus 40 € once. The ECB rate is
 * the most recent one in force on the first late day, fixed for the whole delay.
 */
export function latePenalty(input: LatePenaltyInput): LatePenalty {
  const { amountCents, dueDate, asOf, ecbRates, disputes = [] } = input;
  if (!Number.isSafeInteger(amountCents) || amountCents < 0) fail(`Montant dû invalide (centimes entiers ≥ 0 attendus) : ${amountCents}`);
  assertLocalDate(dueDate);
  assertLocalDate(asOf);

  const { due, ignored } = suspendedDueDate(dueDate, disputes, asOf);
  const none = { annualRateBp: null, interestCents: 0, indemnityCents: 0, totalCents: 0, ignoredDisputes: ignored };
  if (due === null) return { effectiveDueDate: null, daysLate: 0, ...none };
  const daysLate = Math.max(0, daysBetween(due, asOf));
  if (daysLate === 0 || amountCents === 0) return { effectiveDueDate: due, daysLate, ...none };

  const annualRateBp = ecbRateInForce(ecbRates, addDays(due, 1)).rateBp + PENALTY_MARGIN_BP;
  if (annualRateBp < 0) fail(`Taux de pénalité négatif : ${annualRateBp} pb`);
  const numerator = BigInt(amountCents) * BigInt(annualRateBp) * BigInt(daysLate);
  const denominator = 10_000n * 365n;
  const interestCents = Number((2n * numerator + denominator) / (2n * denominator));
  return {
    effectiveDueDate: due,
    daysLate,
    annualRateBp,
    interestCents,
    indemnityCents: RECOVERY_INDEMNITY_CENTS,
    totalCents: interestCents + RECOVERY_INDEMNITY_CENTS,
    ignoredDisputes: ignored,
  };
}
