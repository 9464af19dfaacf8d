import type { InterventionKind, InterventionMode } from '@vigie/shared';
import type { GridView } from '@vigie/shared/api';
import { type BillingUnit, type PriceGrid, UNIT_MINUTES } from '../billing-units.js';
import { fail } from '../contract-refusal.js';
import type { GridRow } from './repository.js';

const KINDS = ['programmed', 'urgent'] as const;
const MODES = ['on_site', 'remote'] as const;

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

/** The grid stored as JSON text. */
export const gridOf = (g: GridRow) => JSON.parse(g.grid) as PriceGrid;

/** A grid row as the API shows it. */
export function gridView(g: GridRow): Omit<GridView, 'grid'> & { grid: PriceGrid } {
  return {
    id: g.id,
    validFrom: g.valid_from,
    validTo: g.valid_to,
    reason: g.reason,
    syntecIndex: Number(g.syntec_index),
    syntecIndexDate: g.syntec_index_date,
    grid: gridOf(g),
  };
}
