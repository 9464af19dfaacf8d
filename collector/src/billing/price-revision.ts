import type { InterventionKind, InterventionMode } from '@vigie/shared';
import { VigieError } from '@vigie/shared';
import { type BillingUnit, type PriceGrid, UNIT_MINUTES } from './billing-units.js';

/** Contract 5.2: Syntec index of reference at signature, 31/10/2019. */
export const SYNTEC_S0_2019 = 274.7;

/** A positive decimal number as an exact fraction numerator / 10^scale (274.7 → 2747 / 10). */
function toDecimal(value: number, name: string): { digits: bigint; scale: number } {
  if (!Number.isFinite(value) || value <= 0) throw new VigieError('VALIDATION', `Indice Syntec ${name} invalide (nombre > 0 attendu) : ${value}`);
  // String() gives the shortest decimal that reads back as the same double: what the admin typed.
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (!m) throw new VigieError('VALIDATION', `Indice Syntec ${name} illisible : ${value}`);
  const fraction = m[2] ?? '';
  const exponent = Number(m[3] ?? 0);
  const scale = fraction.length - exponent;
  const digits = BigInt(m[1]! + fraction);
  return scale >= 0 ? { digits, scale } : { digits: digits * 10n ** BigInt(-scale), scale: 0 };
}

/**
 * Contract 5.2: the highest revised price, P1 = ⌊P0 × (max(S1/S0, 1) + 0.01)⌋ in cents. Computed on
 * exact fractions: P0 × (100·S1 + S0) / (100·S0), so P0 = 10000 with S1 = S0 gives exactly 10100.
 */
export function capPrice(p0Cents: number, s0: number, s1: number): number {
  if (!Number.isSafeInteger(p0Cents) || p0Cents < 0) throw new VigieError('VALIDATION', `Prix P0 invalide (centimes entiers ≥ 0 attendus) : ${p0Cents}`);
  const a = toDecimal(s0, 'S0');
  const b = toDecimal(s1, 'S1');
  const scale = Math.max(a.scale, b.scale);
  const A = a.digits * 10n ** BigInt(scale - a.scale);
  let B = b.digits * 10n ** BigInt(scale - b.scale);
  if (B < A) B = A; // "sans pouvoir être inférieure à 1"
  return Number((BigInt(p0Cents) * (100n * B + A)) / (100n * A));
}

export interface RevisionCell {
  kind: InterventionKind;
  mode: InterventionMode;
  unit: BillingUnit;
}

export interface RevisionViolation extends RevisionCell {
  oldCents: number | undefined;
  newCents: number | undefined;
  capCents: number | undefined;
  reason: 'above_cap' | 'unit_added' | 'unit_removed' | 'invalid_price';
}

const CELLS: readonly RevisionCell[] = (['programmed', 'urgent'] as const).flatMap((kind) =>
  (['on_site', 'remote'] as const).flatMap((mode) => (Object.keys(UNIT_MINUTES) as BillingUnit[]).map((unit) => ({ kind, mode, unit }))),
);

/** Contract 5.2: the grid proposed on 1 January, every price at its cap. */
export function proposeRevision(oldGrid: PriceGrid, s0: number, s1: number): PriceGrid {
  const next: PriceGrid = { programmed: { on_site: {}, remote: {} }, urgent: { on_site: {}, remote: {} } };
  for (const { kind, mode, unit } of CELLS) {
    const p0 = oldGrid[kind]?.[mode]?.[unit];
    if (p0 !== undefined) next[kind][mode][unit] = capPrice(p0, s0, s1);
  }
  return next;
}

/** Every cell of a revision that 5.2 forbids; empty when the new grid is acceptable. */
export function revisionViolations(oldGrid: PriceGrid, newGrid: PriceGrid, s0: number, s1: number): RevisionViolation[] {
  const out: RevisionViolation[] = [];
  for (const cell of CELLS) {
    const oldCents = oldGrid[cell.kind]?.[cell.mode]?.[cell.unit];
    const newCents = newGrid[cell.kind]?.[cell.mode]?.[cell.unit];
    if (oldCents === undefined && newCents === undefined) continue;
    if (newCents !== undefined && (!Number.isSafeInteger(newCents) || newCents < 0)) {
      out.push({ ...cell, oldCents, newCents, capCents: undefined, reason: 'invalid_price' });
    } else if (oldCents === undefined) {
      out.push({ ...cell, oldCents, newCents, capCents: undefined, reason: 'unit_added' });
    } else if (newCents === undefined) {
      out.push({ ...cell, oldCents, newCents, capCents: capPrice(oldCents, s0, s1), reason: 'unit_removed' });
    } else {
      const capCents = capPrice(oldCents, s0, s1);
      if (newCents > capCents) out.push({ ...cell, oldCents, newCents, capCents, reason: 'above_cap' });
    }
  }
  return out;
}

const REASON_TEXT: Record<RevisionViolation['reason'], (v: RevisionViolation) => string> = {
  above_cap: (v) => `${v.newCents} > plafond ${v.capCents} (P0 = ${v.oldCents})`,
  unit_added: () => 'unité ajoutée : hors révision, avenant requis (art. 7)',
  unit_removed: () => 'unité retirée : renchérirait le moindre coût (art. 2.6), avenant requis (art. 7)',
  invalid_price: (v) => `prix invalide ${v.newCents} (centimes entiers ≥ 0 attendus)`,
};

/**
 * Contract 5.2: refuses a revised grid with any price above P0 × (max(S1/S0, 1) + 0.01). A revision
 * changes prices, not the grid's shape: adding or removing a unit is refused too (see REASON_TEXT).
 * The error lists every offending cell, in its message and in `details`.
 */
export function validateRevision(oldGrid: PriceGrid, newGrid: PriceGrid, s0: number, s1: number): void {
  const violations = revisionViolations(oldGrid, newGrid, s0, s1);
  if (violations.length === 0) return;
  const list = violations.map((v) => `${v.kind}/${v.mode}/${v.unit} : ${REASON_TEXT[v.reason](v)}`).join(' ; ');
  throw new VigieError('VALIDATION', `Révision refusée (art. 5.2, S0 = ${s0}, S1 = ${s1}) — ${list}`, { violations });
}
