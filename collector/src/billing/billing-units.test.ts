import { VigieError } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import { type PriceGrid, quote, supplyOrderSurcharge } from './billing-units.js';

/** A grid in cents excluding tax, shaped like a real one: the day is cheaper than 8 hours. */
const GRID: PriceGrid = {
  programmed: {
    on_site: { day: 60000, half_day: 30000, hour: 9000, quarter_hour: 2500 },
    remote: { day: 48000, half_day: 24000, hour: 7000, quarter_hour: 2000 },
  },
  urgent: {
    on_site: { day: 80000, half_day: 42000, hour: 12000, quarter_hour: 3200 },
    remote: { day: 64000, half_day: 33000, hour: 9500, quarter_hour: 2600 },
  },
};

/** Every unit costs exactly its length in minutes × 1 €: all units of a same count-covered duration tie. */
const FLAT: PriceGrid = {
  programmed: { on_site: {}, remote: { day: 48000, half_day: 21000, hour: 6000, quarter_hour: 1500 } },
  urgent: { on_site: { hour: 12000, quarter_hour: 3000 }, remote: { hour: 9000 } },
};

describe('2.6 — une seule unité, au moindre coût pour le client', () => {
  it.each([
    ['2.6 — 50 min on site → ½ journée (flat minimum)', GRID, 'programmed', 'on_site', 50, 'half_day', 1, 30000],
    ['2.6 — 209 min on site → still ½ journée', GRID, 'programmed', 'on_site', 209, 'half_day', 1, 30000],
    ['2.6 — 1 min urgent on site → ½ journée urgente', GRID, 'urgent', 'on_site', 1, 'half_day', 1, 42000],
    ['2.6 — exactly 210 min on site: ordinary rule, ½ journée is cheapest', GRID, 'programmed', 'on_site', 210, 'half_day', 1, 30000],
    ['2.6 — 211 min on site: 4 hours (36 000) beat 2 half-days and 1 day (60 000)', GRID, 'programmed', 'on_site', 211, 'hour', 4, 36000],
    ['2.6 — 8 h on site: 1 day (60 000) beats 8 hours (72 000)', GRID, 'programmed', 'on_site', 480, 'day', 1, 60000],
    ['2.6 — 9 h on site: 9 hours (81 000) beat 2 days (120 000) and 3 half-days (90 000)', GRID, 'programmed', 'on_site', 540, 'hour', 9, 81000],
    ['2.6 — 9 h urgent remote: 9 hours (85 500) beat 36 quarter-hours (93 600)', GRID, 'urgent', 'remote', 540, 'hour', 9, 85500],
    ['2.6 — 10 min remote → 1 quarter-hour', GRID, 'programmed', 'remote', 10, 'quarter_hour', 1, 2000],
    ['2.6 — 50 min remote: 1 hour (7 000) beats 4 quarter-hours (8 000)', GRID, 'programmed', 'remote', 50, 'hour', 1, 7000],
    ['2.6 — 70 min remote: 5 quarter-hours (10 000) cost less than 2 hours (14 000)', GRID, 'programmed', 'remote', 70, 'quarter_hour', 5, 10000],
    ['2.6 — 7 h remote: tie day = 2 half-days (48 000) → the larger unit, the day', GRID, 'programmed', 'remote', 420, 'day', 1, 48000],
    ['2.6 — 60 min remote: tie 1 hour = 4 quarter-hours → the hour', FLAT, 'programmed', 'remote', 60, 'hour', 1, 6000],
    ['2.6 — 210 min remote: tie ½ journée = 3.5 h in quarter-hours → the half-day', FLAT, 'programmed', 'remote', 210, 'half_day', 1, 21000],
    ['2.6 — 61 min remote: 5 quarter-hours (7 500) beat 2 hours (12 000)', FLAT, 'programmed', 'remote', 61, 'quarter_hour', 5, 7500],
    ['2.6 — only the units priced in the grid count: 10 min → 1 hour', FLAT, 'urgent', 'remote', 10, 'hour', 1, 9000],
    ['2.6 — on site ≥ ½ journée with no half-day price: lowest among the others', FLAT, 'urgent', 'on_site', 240, 'hour', 4, 48000],
    ['2.6 — fractional minutes are rounded up by the count', GRID, 'programmed', 'remote', 15.5, 'quarter_hour', 2, 4000],
  ] as const)('%s', (_clause, grid, kind, mode, minutes, unit, count, amountCents) => {
    const q = quote(grid, kind, mode, minutes);
    expect({ unit: q.unit, count: q.count, amountCents: q.amountCents }).toEqual({ unit, count, amountCents });
    expect(q.amountCents).toBe(q.count * q.unitPriceCents);
    expect(q.rule).toMatch(/art\. 2\.6/);
  });

  it('2.6 — the rule text explains the on-site minimum', () => {
    expect(quote(GRID, 'programmed', 'on_site', 50).rule).toBe('Sur site < ½ journée : facturé ½ journée (art. 2.6)');
  });

  it('2.6 — the rule text names the tie it broke', () => {
    expect(quote(FLAT, 'programmed', 'remote', 60).rule).toBe(
      "Moindre coût pour le client (art. 2.6) : 1 × heure pour 60 min ; à coût égal avec 4 × quart d'heure, la plus grande unité",
    );
  });

  it.each([
    ['2.6 — zero minutes', GRID, 'programmed', 'remote', 0, /Durée/],
    ['2.6 — negative minutes', GRID, 'programmed', 'remote', -15, /Durée/],
    ['2.6 — NaN minutes', GRID, 'programmed', 'remote', Number.NaN, /Durée/],
    ['2.6 — infinite minutes', GRID, 'programmed', 'remote', Number.POSITIVE_INFINITY, /Durée/],
    ['2.6 — on site < ½ journée, grid without a half-day price', FLAT, 'urgent', 'on_site', 50, /½ journée urgente sur site/],
    ['2.6 — no unit priced for that kind and mode', FLAT, 'programmed', 'on_site', 300, /aucun prix/],
    ['2.6 — unknown mode', GRID, 'programmed', 'teleport', 60, /inconnu/],
  ] as const)('refuses: %s', (_clause, grid, kind, mode, minutes, message) => {
    const run = () => quote(grid, kind, mode as never, minutes);
    expect(run).toThrow(VigieError);
    expect(run).toThrow(message);
  });

  it.each([
    ['a fractional price', 1250.5],
    ['a negative price', -100],
  ])('refuses a grid with %s', (_what, price) => {
    const bad: PriceGrid = { ...GRID, programmed: { ...GRID.programmed, remote: { hour: price } } };
    expect(() => quote(bad, 'programmed', 'remote', 60)).toThrow(/Prix invalide/);
  });

  it('refuses a grid missing a whole kind', () => {
    const bad = { programmed: GRID.programmed } as unknown as PriceGrid;
    expect(() => quote(bad, 'urgent', 'remote', 60)).toThrow(/Grille tarifaire sans prix/);
  });
});

describe('2.4 — commande de fourniture : forfait d’un quart d’heure d’intervention urgente', () => {
  it('2.4 — one urgent remote quarter-hour', () => {
    expect(supplyOrderSurcharge(GRID)).toEqual({
      unit: 'quarter_hour',
      count: 1,
      unitPriceCents: 2600,
      amountCents: 2600,
      rule: "Commande de fourniture : forfait ¼ h d'intervention urgente, à distance (art. 2.4) — 1 × quart d'heure",
    });
  });

  it('2.4 + 2.6 — a grid without an urgent remote quarter-hour counts the 15 min at its lowest cost (1 hour)', () => {
    const q = supplyOrderSurcharge(FLAT);
    expect([q.unit, q.count, q.amountCents]).toEqual(['hour', 1, 9000]);
  });

  it('2.4 — refuses a grid with no urgent remote price at all', () => {
    const bad: PriceGrid = { ...GRID, urgent: { ...GRID.urgent, remote: {} } };
    expect(() => supplyOrderSurcharge(bad)).toThrow(VigieError);
  });
});
