import { monthPeriod } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION } from '../store/metric-store.js';
import { availabilityPct, bucketFor, expectedWindow, heartbeatSeries } from './service.js';

const H = 3_600_000;
const DAY = 24 * H;
const utc = (iso: string) => Date.parse(iso);

describe('expected buckets run from creation (or month start) to month end (or now), whole buckets only', () => {
  const march = monthPeriod('2026-03');
  const FIVE = 300_000;
  it.each([
    { case: 'a past month, device older than it', createdAt: march.from - DAY, now: march.to + DAY, bucket: FIVE, expected: (30 * 24 + 23) * 12 },
    { case: 'a past month in hourly buckets', createdAt: march.from - DAY, now: march.to + DAY, bucket: H, expected: 30 * 24 + 23 },
    {
      case: 'device created mid-bucket: its first bucket is the next whole one',
      createdAt: march.to - H - 60_000,
      now: march.to + DAY,
      bucket: FIVE,
      expected: 12,
    },
    { case: 'current month: the running bucket is not owed yet', createdAt: march.from - DAY, now: march.from + 2 * H + 299_999, bucket: FIVE, expected: 24 },
    { case: 'device created after the period', createdAt: march.to + H, now: march.to + DAY, bucket: FIVE, expected: 0 },
  ])('$case', ({ createdAt, now, bucket, expected }) => {
    const w = expectedWindow(march, createdAt, now, bucket);
    expect(w.expected).toBe(expected);
    expect(w.to - w.from).toBe(expected * bucket);
  });
});

describe('availability percentage', () => {
  it.each([
    { seen: 0, expected: 8640, pct: 0 },
    { seen: 8640, expected: 8640, pct: 100 },
    { seen: 216, expected: 288, pct: 75 },
    { seen: 1, expected: 3, pct: 33.33 },
    { seen: 2, expected: 3, pct: 66.66 }, // rounded down
    { seen: 8639, expected: 8640, pct: 99.98 }, // one missing bucket never shows as 100
    { seen: 0, expected: 0, pct: null }, // nothing owed: no figure rather than 0 or 100
  ])('$seen of $expected buckets → $pct', ({ seen, expected, pct }) => {
    expect(availabilityPct(seen, expected)).toBe(pct);
  });
});

describe('resolution and counted series', () => {
  it('uses 5-minute buckets within their retention and hourly ones beyond', () => {
    const now = utc('2026-11-26T03:00:00Z');
    expect(bucketFor(monthPeriod('2026-10'), now, DEFAULT_RETENTION)).toMatchObject({ resolution: '5m', bucketMs: 300_000 });
    expect(bucketFor(monthPeriod('2025-12'), now, DEFAULT_RETENTION)).toMatchObject({ resolution: '5m' });
    expect(bucketFor(monthPeriod('2025-09'), now, DEFAULT_RETENTION)).toMatchObject({ resolution: '1h', bucketMs: H });
  });

  it("counts a device's uptime series, or all its series when it has none", () => {
    const info = (name: string) => ({ key: name, name, labels: {} });
    expect(heartbeatSeries([info('cpu.usage_pct'), info('uptime_s')])).toEqual(['uptime_s']);
    expect(heartbeatSeries([info('cpu.usage_pct'), info('fs.used_pct')])).toBeUndefined();
  });

  it('counts a device without an agent by its answered polls alone (issue 18, point 4)', () => {
    const info = (name: string) => ({ key: name, name, labels: {} });
    const series = [info('snmp_up'), info('snmp_uptime_s'), info('net_if_in_bps{if=Gi0/1}')];
    expect(heartbeatSeries(series, true)).toEqual(['snmp_up']);
    // Counted as an agent's device, any series would have stood in for a heartbeat.
    expect(heartbeatSeries(series)).toBeUndefined();
  });
});
