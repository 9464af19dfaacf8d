import { describe, expect, it } from 'vitest';
import {
  backupFigures,
  type CheckRow,
  compliance,
  inventoryKind,
  longestGap,
  pct,
  responseTimes,
  slaCompliance,
  type TicketEvent,
  timing,
  weeksOfMonth,
} from './figures.js';
import { retryDelay } from './settings.js';

const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;
const period = { from: 1_000 * DAY, to: 1_031 * DAY };
const at = (day: number, hour = 0) => period.from + day * DAY + hour * H;

describe('mean and median of durations', () => {
  it.each([
    { durations: [], expected: { count: 0, meanMs: null, medianMs: null } },
    { durations: [5], expected: { count: 1, meanMs: 5, medianMs: 5 } },
    { durations: [30, 10, 20], expected: { count: 3, meanMs: 20, medianMs: 20 } },
    { durations: [10, 20, 30, 100], expected: { count: 4, meanMs: 40, medianMs: 25 }, why: 'even count: middle pair averaged; the mean feels the outlier' },
  ])('$durations', ({ durations, expected }) => {
    expect(timing(durations)).toEqual(expected);
  });

  it('percentages round down so that 100 means all', () => {
    expect([pct(3, 4), pct(2, 3), pct(0, 0), pct(999, 1000)]).toEqual([75, 66.66, null, 99.9]);
  });
});

describe('response times from the timeline', () => {
  const ev = (ticketId: number, when: number, type: string, author: string, to?: string, from?: string): TicketEvent => ({
    ticketId,
    at: when,
    type,
    author,
    to,
    from,
  });
  const tickets = new Map([
    [1, { receivedAt: at(2, 9) }],
    [2, { receivedAt: at(3, 9) }],
    [3, { receivedAt: period.from - 2 * DAY }],
    [4, { receivedAt: at(30, 20) }],
  ]);
  const events = [
    ev(1, at(2, 9), 'created', 'user:5'),
    ev(1, at(2, 9) + 20 * MIN, 'comment', 'user:9'), // a client's comment is not an acknowledgement
    ev(1, at(2, 10), 'status', 'user:2', 'acknowledged', 'new'),
    ev(1, at(2, 12), 'status', 'system:monitoring', 'resolved', 'acknowledged'),
    ev(2, at(3, 9) + 30 * MIN, 'assign', 'user:2'),
    ev(2, at(4, 9), 'status', 'user:2', 'resolved', 'in_progress'),
    ev(2, at(5, 9), 'status', 'user:2', 'in_progress', 'resolved'), // reopened…
    ev(2, at(6, 9), 'status', 'user:2', 'resolved', 'in_progress'), // …and resolved again: the last one counts
    ev(2, at(7, 9), 'status', 'user:2', 'closed', 'resolved'),
    ev(3, period.from - DAY, 'status', 'user:2', 'in_progress', 'new'), // acknowledged last month: not this month's figure
    ev(3, at(1, 9), 'status', 'user:2', 'closed', 'in_progress'), // closed without being resolved: a resolution
    ev(4, at(31, 1), 'status', 'user:2', 'acknowledged', 'new'), // after the period
  ];
  const r = responseTimes(tickets, events, period);

  it('acknowledgement is the first action of a person, for tickets acknowledged in the period', () => {
    expect(r.acknowledge).toEqual(timing([H, 30 * MIN]));
  });
  it('resolution is the last one in the period; closing an unresolved ticket resolves it', () => {
    expect(r.resolve).toEqual(timing([3 * H, 3 * DAY, 3 * DAY + 9 * H]));
    expect([...r.resolvedAt.keys()].sort()).toEqual([1, 2, 3]);
    expect([...r.closedIds].sort()).toEqual([2, 3]);
  });
});

describe('SLA compliance over the tickets due in the period (contract 2.6)', () => {
  it.each([
    { tickets: [], expected: { withDeadline: 0, met: 0, missed: 0, breached: 0, compliancePct: null } },
    {
      tickets: [
        { deadline: 100, startedAt: 100 }, // on the deadline is in time
        { deadline: 100, startedAt: 50 },
        { deadline: 100, startedAt: 101 },
        { deadline: 100, startedAt: null },
      ],
      expected: { withDeadline: 4, met: 2, missed: 1, breached: 1, compliancePct: 50 },
    },
  ])('$expected.withDeadline tickets', ({ tickets, expected }) => {
    expect(slaCompliance(tickets)).toEqual(expected);
  });
});

describe('weeks of a month, Monday to Sunday, cut to the month', () => {
  it.each([
    { first: '2026-10-01', last: '2026-10-31', weeks: ['2026-10-01', '2026-10-05', '2026-10-12', '2026-10-19', '2026-10-26'] },
    { first: '2026-06-01', last: '2026-06-30', weeks: ['2026-06-01', '2026-06-08', '2026-06-15', '2026-06-22', '2026-06-29'], why: 'starts on a Monday' },
    { first: '2027-02-01', last: '2027-02-28', weeks: ['2027-02-01', '2027-02-08', '2027-02-15', '2027-02-22'] },
  ])('$first', ({ first, last, weeks }) => {
    expect(weeksOfMonth(first, last)).toEqual(weeks);
  });
});

describe('longest stretch without a successful backup', () => {
  it.each([
    {
      case: 'daily backups, one missed night',
      successes: Array.from({ length: 31 }, (_, d) => at(d, 2)).filter((_, d) => d !== 2),
      watched: at(0, 3),
      ms: 2 * DAY,
      atEnd: false,
    },
    { case: 'nothing since before the month: the whole month', successes: [period.from - 5 * DAY], watched: at(0, 1), ms: 31 * DAY, atEnd: true },
    { case: 'no backup ever: from the first observation', successes: [], watched: at(10), ms: 21 * DAY, atEnd: true },
    { case: 'a known success before the month: counted from the start', successes: [period.from - H, at(2)], watched: at(1), ms: 29 * DAY, atEnd: true },
    { case: 'the gap up to the month end is the longest', successes: [at(0, 2), at(5, 2)], watched: at(0, 3), ms: 26 * DAY - 2 * H, atEnd: true },
  ])('$case', ({ successes, watched, ms, atEnd }) => {
    expect(longestGap(successes, period.from, period.to, watched)).toEqual({ ms, atEnd });
  });
});

describe('backup figures from the check history', () => {
  const row = (day: number, status: string, lastSuccessAt: number | null, target = 'restic nas'): CheckRow => ({
    deviceId: 7,
    target,
    status,
    code: status === 'ok' ? 'BACKUP_OK' : 'BACKUP_TOO_OLD',
    message: '',
    values: { lastSuccessAt },
    observedAt: at(day, 3),
  });
  const rows = [row(0, 'ok', at(0, 2)), row(1, 'ok', at(1, 2)), row(2, 'warning', at(1, 2)), row(3, 'critical', at(1, 2)), row(4, 'ok', at(4, 2))];

  it('runs OK, restore points, the last success and the longest gap, per device and target', () => {
    expect(backupFigures(rows, new Map([[7, 'srv-1']]), period)).toEqual([
      {
        deviceId: 7,
        hostname: 'srv-1',
        target: 'restic nas',
        runs: 5,
        okRuns: 3,
        okPct: 60,
        restorePoints: 3,
        lastSuccessAt: at(4, 2),
        longestGapMs: 27 * DAY - 2 * H,
        gapAtEnd: true,
        statusAtEnd: 'ok',
      },
    ]);
  });

  it('a target with no result in the period is not reported', () => {
    expect(backupFigures([{ ...row(0, 'ok', 1), observedAt: period.to + 1 }], new Map(), period)).toEqual([]);
  });
});

describe('compliance at the end of the period', () => {
  const r = (deviceId: number, target: string, status: string, day: number): CheckRow => ({
    deviceId,
    target,
    status,
    code: status === 'ok' ? 'OK' : 'AV_SIGNATURES_OUTDATED',
    message: `${target} ${status}`,
    values: null,
    observedAt: at(day),
  });
  it('a device is compliant when each of its targets was OK on its last result', () => {
    const c = compliance(
      [r(1, 'firewall', 'warning', 1), r(1, 'firewall', 'ok', 5), r(1, 'updates', 'ok', 5), r(2, 'firewall', 'ok', 1), r(2, 'updates', 'warning', 9)],
      new Map([
        [1, 'pc-1'],
        [2, 'pc-2'],
      ]),
      period,
      3,
    );
    expect(c).toMatchObject({
      devicesReporting: 2,
      devicesCompliant: 1,
      okPct: 60,
      devicesSilent: 1,
      targets: [
        { target: 'firewall', reporting: 2, compliant: 2 },
        { target: 'updates', reporting: 2, compliant: 1 },
      ],
    });
    expect(c.findings.map((f) => `${f.hostname} ${f.target}`)).toEqual(['pc-2 updates']);
  });
});

describe('inventory changes: hardware or software', () => {
  it.each([
    { section: 'software', item: null, kind: 'software' },
    { section: 'os', item: null, kind: 'software' },
    { section: 'disks', item: null, kind: 'hardware' },
    { section: 'network', item: { iface: 'eth0', virtual: false }, kind: 'hardware' },
    { section: 'network', item: { iface: 'veth12ab', virtual: true }, kind: null },
    { section: 'filesystems', item: null, kind: null },
    { section: 'users', item: null, kind: null },
  ])('$section → $kind', ({ section, item, kind }) => {
    expect(inventoryKind(section, item)).toBe(kind);
  });
});

describe('scheduling arithmetic', () => {
  it.each([
    { attempt: 1, random: 0.5, delay: 60_000 },
    { attempt: 2, random: 0.5, delay: 120_000 },
    { attempt: 3, random: 0, delay: 192_000 },
    { attempt: 3, random: 1, delay: 288_000 },
    { attempt: 10, random: 0.5, delay: 3_600_000, why: 'capped' },
  ])('retry after attempt $attempt (jitter $random): $delay ms', ({ attempt, random, delay }) => {
    expect(retryDelay(attempt, { retryBaseMs: 60_000, retryMaxMs: 3_600_000 }, () => random)).toBe(delay);
  });
});
