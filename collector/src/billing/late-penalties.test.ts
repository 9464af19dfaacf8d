import { VigieError } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import { type DisputePeriod, ecbRateInForce, type LatePenaltyInput, latePenalty } from './late-penalties.js';

const RATES = [
  { from: '2025-06-11', rateBp: 215 },
  { from: '2026-04-15', rateBp: 190 },
];
const base: LatePenaltyInput = { amountCents: 100000, dueDate: '2026-03-31', asOf: '2026-04-30', ecbRates: RATES };
const dispute = (openedOn: string, settledOn: string | null): DisputePeriod => ({ openedOn, settledOn });

describe('5.1 — pénalités : taux BCE + 10 points, au prorata des jours, plus 40 € une fois', () => {
  it.each([
    ['5.1 — paid on the due date: nothing', { asOf: '2026-03-31' }, 0, null, 0, 0],
    ['5.1 — paid before the due date: nothing', { asOf: '2026-03-15' }, 0, null, 0, 0],
    ['5.1 — one day late: 1 000 € × 12.15 % / 365 = 33.29 c → 33 c, plus 40 €', { asOf: '2026-04-01' }, 1, 1215, 33, 4000],
    ['5.1 — 30 days late: 998.63 c → 999 c, plus 40 € once', {}, 30, 1215, 999, 4000],
    [
      '5.1 — half a cent rounds up: 25 c × 10 % × 73 / 365 = 0.5 c → 1 c',
      { amountCents: 25, ecbRates: [{ from: '2020-01-01', rateBp: 0 }], asOf: '2026-06-12' },
      73,
      1000,
      1,
      4000,
    ],
    [
      '5.1 — just under half a cent rounds down: 24 c → 0.48 c → 0 c',
      { amountCents: 24, ecbRates: [{ from: '2020-01-01', rateBp: 0 }], asOf: '2026-06-12' },
      73,
      1000,
      0,
      4000,
    ],
    [
      '5.1 — a leap year still divides by 365',
      { amountCents: 365000, dueDate: '2028-02-28', asOf: '2028-02-29', ecbRates: [{ from: '2020-01-01', rateBp: 0 }] },
      1,
      1000,
      100,
      4000,
    ],
    ['5.1 — nothing left due: no indemnity', { amountCents: 0 }, 30, null, 0, 0],
  ] as const)('%s', (_clause, over, daysLate, annualRateBp, interestCents, indemnityCents) => {
    const p = latePenalty({ ...base, ...over });
    expect({ daysLate: p.daysLate, annualRateBp: p.annualRateBp, interestCents: p.interestCents, indemnityCents: p.indemnityCents }).toEqual({
      daysLate,
      annualRateBp,
      interestCents,
      indemnityCents,
    });
    expect(p.totalCents).toBe(interestCents + indemnityCents);
  });

  it('5.1 — the ECB rate is the most recent one in force on the first late day', () => {
    expect(latePenalty(base).annualRateBp).toBe(1215); // late from 1 April: 2.15 %
    expect(latePenalty({ ...base, dueDate: '2026-04-20' }).annualRateBp).toBe(1190); // late from 21 April: 1.90 %
    expect(ecbRateInForce(RATES, '2026-04-15').rateBp).toBe(190);
    expect(ecbRateInForce(RATES, '2026-04-14').rateBp).toBe(215);
  });
});

describe('5.1 — un litige motivé suspend le délai de paiement', () => {
  it.each([
    ['5.1 — 20-day dispute before the due date moves it 20 days: 10 days late', [dispute('2026-03-20', '2026-04-09')], '2026-04-20', 10, 326],
    ['5.1 — dispute opened on the due date still suspends it', [dispute('2026-03-31', '2026-04-10')], '2026-04-10', 20, 666],
    ['5.1 — dispute notified after the due date does not suspend it', [dispute('2026-04-05', '2026-04-15')], '2026-03-31', 30, 999],
    [
      '5.1 — overlapping disputes count once (20 Mar → 14 Apr = 25 days)',
      [dispute('2026-04-01', '2026-04-14'), dispute('2026-03-20', '2026-04-09')],
      '2026-04-25',
      5,
      163,
    ],
    ['5.1 — 31-day dispute: due date moved to 1 May, not yet late on 30 April', [dispute('2026-03-01', '2026-04-01')], '2026-05-01', 0, 0],
  ])('%s', (_clause, disputes, effectiveDueDate, daysLate, interestCents) => {
    const p = latePenalty({ ...base, disputes });
    expect({ effectiveDueDate: p.effectiveDueDate, daysLate: p.daysLate, interestCents: p.interestCents }).toEqual({
      effectiveDueDate,
      daysLate,
      interestCents,
    });
  });

  it('5.1 — a late dispute is reported as ignored', () => {
    expect(latePenalty({ ...base, disputes: [dispute('2026-04-05', null)] }).ignoredDisputes).toEqual([dispute('2026-04-05', null)]);
  });

  it.each([
    ['still open', dispute('2026-03-25', null)],
    ['settled after asOf', dispute('2026-03-25', '2026-05-10')],
  ])('5.1 — dispute %s: due date suspended, nothing accrues', (_what, d) => {
    expect(latePenalty({ ...base, disputes: [d] })).toMatchObject({ effectiveDueDate: null, daysLate: 0, totalCents: 0 });
  });
});

describe('5.1 — entrées invalides', () => {
  it.each([
    ['negative amount', { amountCents: -1 }, /Montant/],
    ['fractional amount', { amountCents: 10.5 }, /Montant/],
    ['malformed due date', { dueDate: '31/03/2026' }, /Date/],
    ['dispute settled before it opened', { disputes: [dispute('2026-03-20', '2026-03-10')] }, /avant son ouverture/],
    ['no ECB rate in force', { ecbRates: [{ from: '2027-01-01', rateBp: 200 }] }, /Aucun taux BCE/],
    ['fractional ECB rate', { ecbRates: [{ from: '2020-01-01', rateBp: 2.15 }] }, /Taux BCE invalide/],
  ] as const)('refuses %s', (_what, over, message) => {
    const run = () => latePenalty({ ...base, ...over } as LatePenaltyInput);
    expect(run).toThrow(VigieError);
    expect(run).toThrow(message);
  });
});
