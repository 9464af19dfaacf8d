import { VigieError } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import type { PriceGrid } from './billing-units.js';
import { capPrice, proposeRevision, revisionViolations, SYNTEC_S0_2019, validateRevision } from './price-revision.js';

describe('5.2 — P1 ≤ P0 × (S1/S0 + 0,01), ratio jamais inférieur à 1, arrondi au centime inférieur', () => {
  it.each([
    [10000, SYNTEC_S0_2019, 274.7, 10100, 'index unchanged: exactly +1 %'],
    [10000, SYNTEC_S0_2019, 277.447, 10200, 'S1/S0 = 1.01 exactly: +2 %'],
    [10000, SYNTEC_S0_2019, 302.2, 11101, 'index +10.01 %: 11 101.09 rounded down'],
    [9999, SYNTEC_S0_2019, 274.7, 10098, '10 098.99 rounded down'],
    [10000, SYNTEC_S0_2019, 260.1, 10100, 'index fell: ratio taken as 1 ("sans pouvoir être inférieure à 1")'],
    [10000, 277.5, 299.7, 10900, 'exact 10 900 where floating point gives 10 899'],
    [9000, 277.5, 281.2, 9210, 'exact 9 210 where floating point gives 9 209'],
    [0, SYNTEC_S0_2019, 290, 0, 'a free unit stays free'],
    [60000, 274.70000000000005, 274.7, 60600, 'S0 below S1 by float noise only: ratio floored at 1'],
  ])('P0 = %i, S0 = %s, S1 = %s → cap %i (%s)', (p0, s0, s1, cap) => {
    expect(capPrice(p0, s0, s1)).toBe(cap);
  });

  it.each([
    [100.5, 274.7, 280, /P0/],
    [-1, 274.7, 280, /P0/],
    [10000, 0, 280, /S0/],
    [10000, 274.7, -280, /S1/],
    [10000, Number.NaN, 280, /S0/],
    [10000, 274.7, Number.POSITIVE_INFINITY, /S1/],
  ])('refuses P0 = %s, S0 = %s, S1 = %s', (p0, s0, s1, message) => {
    expect(() => capPrice(p0, s0, s1)).toThrow(message);
  });
});

const OLD: PriceGrid = {
  programmed: { on_site: { day: 60000, half_day: 30000 }, remote: { hour: 7000, quarter_hour: 2000 } },
  urgent: { on_site: { half_day: 42000, hour: 12000 }, remote: { quarter_hour: 2600 } },
};
const clone = (g: PriceGrid): PriceGrid => structuredClone(g);

describe('5.2 — validation d’une grille révisée', () => {
  it('5.2 — the proposed grid is every price at its cap, and passes', () => {
    const next = proposeRevision(OLD, 274.7, 280);
    expect(next.programmed.on_site).toEqual({ day: 61757, half_day: 30878 }); // 60000 × (280/274.7 + 0.01) = 61 757.7…
    expect(() => validateRevision(OLD, next, 274.7, 280)).not.toThrow();
  });

  it('5.2 — a decrease is always allowed', () => {
    const next = clone(OLD);
    next.urgent.remote.quarter_hour = 2000;
    expect(revisionViolations(OLD, next, 274.7, 274.7)).toEqual([]);
  });

  it('5.2 — one cent above the cap is refused, naming the cell', () => {
    const next = proposeRevision(OLD, 274.7, 274.7);
    next.programmed.remote.hour = 7071; // cap 7070
    const run = () => validateRevision(OLD, next, 274.7, 274.7);
    expect(run).toThrow(VigieError);
    expect(run).toThrow('programmed/remote/hour : 7071 > plafond 7070 (P0 = 7000)');
  });

  it('5.2 — the error lists every offending cell, in its message and details', () => {
    const next = proposeRevision(OLD, 274.7, 274.7);
    next.programmed.on_site.day = 70000;
    next.urgent.remote.quarter_hour = 3000;
    try {
      validateRevision(OLD, next, 274.7, 274.7);
      expect.unreachable();
    } catch (e) {
      const err = e as VigieError;
      expect(err.code).toBe('VIGIE_E_VALIDATION');
      expect(err.message).toContain('programmed/on_site/day : 70000 > plafond 60600');
      expect(err.message).toContain('urgent/remote/quarter_hour : 3000 > plafond 2626');
      expect((err.details as { violations: unknown[] }).violations).toHaveLength(2);
    }
  });

  it.each([
    [
      '5.2 + 2.6 — removing a unit is refused (it could raise the lowest cost)',
      (g: PriceGrid) => {
        delete g.programmed.remote.quarter_hour;
      },
      'unit_removed',
    ],
    [
      '5.2 + 7 — adding a unit is not a revision (amendment)',
      (g: PriceGrid) => {
        g.urgent.remote.hour = 9000;
      },
      'unit_added',
    ],
    [
      '5.2 — a non-integer price is refused',
      (g: PriceGrid) => {
        g.urgent.on_site.hour = 12000.5;
      },
      'invalid_price',
    ],
  ])('%s', (_clause, edit, reason) => {
    const next = clone(OLD);
    edit(next);
    expect(revisionViolations(OLD, next, 274.7, 280).map((v) => v.reason)).toEqual([reason]);
    expect(() => validateRevision(OLD, next, 274.7, 280)).toThrow(VigieError);
  });
});
