import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EngineStores, ISSUE_AT, issuingOn, MONTH, seedMonth } from './billing-engines-fixture.js';
import { ContractRepository } from './contracts/repository.js';
import { RecurringRepository } from './recurring/repository.js';

/**
 * Contracts' and recurring programmes' repositories on SQLite and on a real PostgreSQL: the same
 * calls give the same rows (grids in force by date, recorded minutes summed, orders total), and the
 * races two collectors could run (a notice, a slot, a cancellation) act once on both engines.
 */

const stores = new EngineStores();
beforeAll(() => stores.start('contracts-recurring-engines'));
afterAll(() => stores.stop());
const onBoth: EngineStores['onBoth'] = (name, run) => stores.onBoth(name, run);

describe('contracts and recurring programmes on SQLite and PostgreSQL', () => {
  test('contract and grid reads: same rows, the grid in force by date, invoiced work found; a notice recorded once by two collectors', async () => {
    const { sqlite, postgres } = await onBoth('billing_contracts', async (a, b) => {
      await seedMonth(a, 2);
      const contracts = new ContractRepository(a);
      const now = Date.parse('2026-06-01T08:00:00Z');
      const first = (await contracts.lastGrid(1))!;
      await a.kysely.transaction().execute(async (tx) => {
        await contracts.closeGrid(first.id, '2026-06-30', tx);
        await contracts.insertGrid({ client_id: 1, valid_from: '2026-07-01', grid: '{}', syntec_index: '301.2', reason: 'amendment', created_at: now }, tx);
      });
      await issuingOn(a).generate(1, MONTH, ISSUE_AT);
      const race = await Promise.all([
        new ContractRepository(a).recordNotice(2, '2026-06-01', 'client', '2026-12-31', now),
        new ContractRepository(b).recordNotice(2, '2026-06-02', 'provider', '2027-01-31', now),
      ]);
      const c2 = (await contracts.contractOf(2))!;
      return {
        exists: [await contracts.clientExists(1), await contracts.clientExists(99)],
        noContract: await contracts.contractOf(99),
        terms: (({ start_date, term_months, notice_months, vat_rate_bp, payment_days, payment_method, recipients }) => ({
          start_date,
          term_months,
          notice_months,
          vat_rate_bp,
          payment_days,
          payment_method,
          recipients,
        }))((await contracts.contractOf(1))!),
        underContract: [await contracts.clientsUnderContract('2025-12-31'), await contracts.clientsUnderContract('2026-03-31')],
        grids: (await contracts.grids(1)).map((g) => [g.valid_from, g.valid_to, g.syntec_index, g.reason]),
        inForce: [
          (await contracts.gridFrom(1, '2026-06-30'))?.valid_from,
          (await contracts.gridFrom(1, '2026-07-01'))?.valid_from,
          (await contracts.gridFrom(1, '2025-12-31'))?.valid_from,
        ],
        revised: await contracts.revisedOn(1, '2026-07-01'),
        invoicedFrom: [
          await contracts.invoicedWorkFrom(1, '2026-03-01'),
          await contracts.invoicedWorkFrom(1, '2026-03-13'),
          await contracts.invoicedWorkFrom(2, '2026-01-01'),
        ],
        noticeWinners: race.filter(Boolean).length,
        notice: [c2.notice_received_on !== null, c2.end_date === (c2.notice_from === 'client' ? '2026-12-31' : '2027-01-31')],
      };
    });
    expect(sqlite).toEqual({
      exists: [true, false],
      noContract: undefined,
      terms: {
        start_date: '2026-01-01',
        term_months: 12,
        notice_months: 3,
        vat_rate_bp: 2000,
        payment_days: 30,
        payment_method: 'direct_debit',
        recipients: '[]',
      },
      underContract: [[], [1, 2]],
      grids: [
        ['2026-01-01', '2026-06-30', '298.6', 'initial'],
        ['2026-07-01', null, '301.2', 'amendment'],
      ],
      inForce: ['2026-01-01', '2026-07-01', undefined],
      revised: false,
      invoicedFrom: [true, false, false],
      noticeWinners: 1,
      notice: [true, true],
    });
    expect(postgres).toEqual(sqlite);
  }, 120_000);

  test('occurrences: materialised once by two collectors, recorded minutes summed, the adjustment and the client’s changes as on SQLite', async () => {
    const { sqlite, postgres } = await onBoth('billing_recurring', async (a, b) => {
      await seedMonth(a, 1, { recurring: true });
      const repo = new RecurringRepository(a);
      const twin = new RecurringRepository(b);
      const schedule = (await repo.schedules(1))[0]!;
      // Slots 1..4 written by both collectors at once: each slot once.
      const slots = [1, 2, 3, 4].map((slot) => ({
        schedule_id: schedule.id,
        slot,
        date: `2026-0${3 + slot}-0${slot + 1}`,
        moved_from: slot === 2 ? '2026-05-02' : null,
        start_time: '09:00',
        reserved_minutes: 120,
      }));
      await Promise.all(slots.flatMap((o) => [repo.insertOccurrence(o), twin.insertOccurrence(o)]));
      const occurrences = await repo.occurrencesWithRecorded(schedule.id);
      const done = occurrences[0]!;
      const later = occurrences.slice(1);
      await repo.markDone(later[0]!.id);
      const doneBefore = await repo.lastDone(schedule.id, 3);
      // The client moves one occurrence and cancels another; the same cancellation from a second collector is refused.
      const moved = await repo.moveByClient(later[1]!.id, '2026-05-04', '14:00', 90);
      const cancels = await Promise.all([repo.cancelByClient(later[2]!.id), twin.cancelByClient(later[2]!.id)]);
      const shortened = await repo.shortenAfter(schedule.id, '2026-03-31', 60);
      await repo.setReservedMinutes(schedule.id, 60);
      await repo.reopenIfUnworked(done.id); // worked: stays done
      await repo.reopenIfUnworked(later[0]!.id); // not worked: scheduled again
      await repo.insertChange({
        schedule_id: schedule.id,
        occurrence_id: later[2]!.id,
        received_at: ISSUE_AT,
        requested_minutes: 0,
        accepted: 1,
        reason: 'Reçue au moins 5 jours ouvrés avant la prochaine intervention (art. 2.6.1)',
      });
      return {
        slots: occurrences.map((o) => [o.slot, o.date, o.moved_from, o.status, o.recorded_minutes]),
        lastSlot: await repo.lastSlot(schedule.id),
        noSlot: await repo.lastSlot(999),
        countFrom: await repo.countFrom(schedule.id, '2026-05-01'),
        doneBefore: doneBefore.map((o) => [o.date, o.reserved_minutes, o.recorded]),
        moved,
        cancelWinners: cancels.filter(Boolean).length,
        shortened,
        next: (await repo.nextScheduled(schedule.id, '2026-04-01'))?.date,
        after: (await repo.occurrencesWithRecorded(schedule.id)).map((o) => [o.slot, o.date, o.start_time, o.status, o.changed_by, o.reserved_minutes]),
        ofClient: [(await repo.occurrenceOfClient(done.id, 1))?.id === done.id, await repo.occurrenceOfClient(done.id, 2)],
        ofSchedule: (await repo.occurrenceOfSchedule(done.id, schedule.id))?.slot,
        reserved: (await repo.schedule(schedule.id))?.reserved_minutes,
        changes: (await repo.changes(schedule.id)).map((c) => [c.requested_date, c.requested_minutes, c.accepted]),
        client: await repo.scheduleClient(schedule.id),
      };
    });
    expect(sqlite).toEqual({
      slots: [
        [0, '2026-03-05', null, 'done', 75],
        [1, '2026-04-02', null, 'scheduled', 0],
        [2, '2026-05-03', '2026-05-02', 'scheduled', 0],
        [3, '2026-06-04', null, 'scheduled', 0],
        [4, '2026-07-05', null, 'scheduled', 0],
      ],
      lastSlot: 4,
      noSlot: null,
      countFrom: 3,
      doneBefore: [
        ['2026-04-02', 120, 0],
        ['2026-03-05', 120, 75],
      ],
      moved: true,
      cancelWinners: 1,
      // Slot 1 is done, slot 2 the client moved, slot 3 cancelled: only slot 4 is shortened.
      shortened: 1,
      next: '2026-04-02',
      after: [
        [0, '2026-03-05', '09:00', 'done', null, 120],
        [1, '2026-04-02', '09:00', 'scheduled', null, 120],
        [2, '2026-05-04', '14:00', 'scheduled', 'client', 90],
        [3, '2026-06-04', '09:00', 'cancelled', 'client', 120],
        [4, '2026-07-05', '09:00', 'scheduled', 'adjustment', 60],
      ],
      ofClient: [true, undefined],
      ofSchedule: 0,
      reserved: 60,
      changes: [[null, 0, 1]],
      client: 1,
    });
    expect(postgres).toEqual(sqlite);
  }, 120_000);
});
