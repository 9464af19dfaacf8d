import { monthPeriod } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatsRepository } from '../src/stats/repository.js';
import { AvailabilityService } from '../src/stats/service.js';
import { DEFAULT_RETENTION } from '../src/store/metric-store.js';
import { enrollAgent, type Harness, login, startHarness, TestAgent } from './harness.js';

const FIVE = 300_000;
const H = 3_600_000;
const DAY = 24 * H;

/** `YYYY-MM` of the Paris month `offset` months from the current one. */
function parisMonth(offset: number): string {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).format(Date.now()).split('-').map(Number);
  const d = new Date(Date.UTC(y!, m! - 1 + offset, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

type Sample = { ts: number; values: Record<string, number> };

let h: Harness;
const lastMonth = parisMonth(-1);
const oldMonth = parisMonth(-14); // beyond the 366 days of 5-minute rollups: hourly buckets
const last = monthPeriod(lastMonth);
const old = monthPeriod(oldMonth);
const ids: Record<string, number> = {};

/** Enrolls a device, backdates its creation and has its agent send `samples`. */
async function deviceReporting(siteId: number, hostname: string, createdAt: number, samples: Sample[]): Promise<void> {
  const cred = await enrollAgent(h, siteId, hostname);
  ids[hostname] = cred.deviceId;
  await h.collector.db.kysely.updateTable('devices').set({ created_at: createdAt }).where('id', '=', cred.deviceId).execute();
  if (samples.length === 0) return;
  const a = await TestAgent.connect(h.wsUrl, cred);
  await a.hello({ hostname });
  await a.waitAck(a.send('metrics', { samples }));
  a.close();
  await a.closed;
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

beforeAll(async () => {
  h = await startHarness();
  // pc-a: enrolled two minutes before the last day of last month began → owes that day's 288 buckets, reports in 216.
  const dayStart = last.to - DAY;
  await deviceReporting(h.acme.siteId, 'pc-a', dayStart - 120_000, [
    { ts: dayStart - 600_000, values: { uptime_s: 1 } }, // before its first owed bucket
    ...range(216).map((i) => ({ ts: dayStart + i * FIVE + 1000, values: { uptime_s: 100 + i, 'cpu.usage_pct': 5 } })),
    { ts: dayStart + 61_000, values: { uptime_s: 160 } }, // a second sample in an already seen bucket
    ...range(72, 216).map((i) => ({ ts: dayStart + i * FIVE + 1000, values: { 'cpu.usage_pct': 5 } })), // cpu alone proves nothing when uptime exists
    { ts: last.to + 1000, values: { uptime_s: 1 } }, // next month
  ]);
  // pc-b: no uptime series; any metric counts, each bucket once → 144 of 576 buckets.
  const twoDays = last.to - 2 * DAY;
  await deviceReporting(h.acme.siteId, 'pc-b', twoDays, [
    ...range(100).map((i) => ({ ts: twoDays + i * FIVE + 2000, values: { 'cpu.usage_pct': 20 } })),
    ...range(94, 50).map((i) => ({ ts: twoDays + i * FIVE + 3000, values: { 'fs.used_pct{mount=/}': 40 } })),
  ]);
  // pc-c: older than both months; reported 100 hours of the old month (three times an hour), nothing last month.
  await deviceReporting(
    h.acme.siteId,
    'pc-c',
    old.from - 30 * DAY,
    range(100).flatMap((hour) => [60_000, 1_260_000, 2_460_000].map((m) => ({ ts: old.from + hour * H + m, values: { uptime_s: hour * 3600 } }))),
  );
  // pc-d: enrolled now, so not part of any past month.
  await deviceReporting(h.acme.siteId, 'pc-d', Date.now(), []);
  await deviceReporting(h.globex.siteId, 'gx-1', last.from - DAY, [{ ts: last.from + 1000, values: { uptime_s: 1 } }]);
  await h.collector.metrics.maintain(Date.now());
});
afterAll(async () => h?.close());

describe('GET /api/v1/clients/:id/availability', () => {
  it("gives each device's share of last month's 5-minute buckets and the client's overall share", async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const res = await tech.get(`/api/v1/clients/${h.acme.clientId}/availability?month=${lastMonth}`);
    expect(res.status).toBe(200);
    const fullMonth = (last.to - last.from) / FIVE;
    expect(res.body).toEqual({
      clientId: h.acme.clientId,
      month: lastMonth,
      from: last.from,
      to: last.to,
      resolution: '5m',
      devices: [
        { deviceId: ids['pc-a'], hostname: 'pc-a', siteId: h.acme.siteId, availabilityPct: 75, expectedBuckets: 288, seenBuckets: 216 },
        { deviceId: ids['pc-b'], hostname: 'pc-b', siteId: h.acme.siteId, availabilityPct: 25, expectedBuckets: 576, seenBuckets: 144 },
        { deviceId: ids['pc-c'], hostname: 'pc-c', siteId: h.acme.siteId, availabilityPct: 0, expectedBuckets: fullMonth, seenBuckets: 0 },
      ],
      // Σ seen / Σ expected, rounded down to two decimals.
      clientAvailabilityPct: Math.floor((360 * 10_000) / (864 + fullMonth)) / 100,
    });
  });

  it('counts hourly buckets for a month older than the 5-minute retention', async () => {
    const admin = await login(h.url, 'admin@vigie.test');
    const res = await admin.get(`/api/v1/clients/${h.acme.clientId}/availability?month=${oldMonth}`);
    expect(res.status).toBe(200);
    const hours = (old.to - old.from) / H;
    expect(res.body.resolution).toBe('1h');
    expect(res.body.devices).toEqual([
      {
        deviceId: ids['pc-c'],
        hostname: 'pc-c',
        siteId: h.acme.siteId,
        availabilityPct: Math.floor(1_000_000 / hours) / 100,
        expectedBuckets: hours,
        seenBuckets: 100,
      },
    ]);
    expect(res.body.clientAvailabilityPct).toBe(Math.floor(1_000_000 / hours) / 100);
  });

  it('measures the current month up to the last whole bucket; a device enrolled just now owes nothing yet', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const res = await tech.get(`/api/v1/clients/${h.acme.clientId}/availability?month=${parisMonth(0)}`);
    expect(res.status).toBe(200);
    expect(res.body.to).toBeLessThanOrEqual(Date.now());
    expect(res.body.to % FIVE).toBe(0);
    const byName = Object.fromEntries(res.body.devices.map((d: any) => [d.hostname, d]));
    expect(byName['pc-c']).toMatchObject({ expectedBuckets: (res.body.to - res.body.from) / FIVE, seenBuckets: 0, availabilityPct: 0 });
    expect(byName['pc-d']).toMatchObject({ expectedBuckets: 0, seenBuckets: 0, availabilityPct: null });
  });

  it('lets a client user see its own client only; another client answers as not found', async () => {
    const acme = await login(h.url, 'dsi@acme.test');
    const own = await acme.get(`/api/v1/clients/${h.acme.clientId}/availability?month=${lastMonth}`);
    expect(own.status).toBe(200);
    expect(own.body.devices.map((d: any) => d.hostname)).toEqual(['pc-a', 'pc-b', 'pc-c']);
    const globex = await login(h.url, 'it@globex.test');
    const other = await globex.get(`/api/v1/clients/${h.acme.clientId}/availability?month=${lastMonth}`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('VIGIE_E_NOT_FOUND');
    expect(JSON.stringify(other.body)).not.toContain('pc-a');
    const mine = await globex.get(`/api/v1/clients/${h.globex.clientId}/availability?month=${lastMonth}`);
    expect(mine.body.devices.map((d: any) => d.hostname)).toEqual(['gx-1']);
    expect(mine.body.devices[0].seenBuckets).toBe(1);
  });

  it('answers 404 for a client that does not exist and 401 without a session', async () => {
    const admin = await login(h.url, 'admin@vigie.test');
    const missing = await admin.get(`/api/v1/clients/99999/availability?month=${lastMonth}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('VIGIE_E_NOT_FOUND');
    const anonymous = await fetch(`${h.url}/api/v1/clients/${h.acme.clientId}/availability?month=${lastMonth}`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as any).error.code).toBe('VIGIE_E_UNAUTHENTICATED');
  });

  it.each([
    { query: 'month=2026-13', why: 'no 13th month' },
    { query: 'month=last', why: 'not YYYY-MM' },
    { query: '', why: 'month is required' },
    { query: `month=${parisMonth(1)}`, why: 'a month that has not started' },
  ])('refuses $query: $why', async ({ query }) => {
    const tech = await login(h.url, 'tech@vigie.test');
    const res = await tech.get(`/api/v1/clients/${h.acme.clientId}/availability?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VIGIE_E_VALIDATION');
  });
});

describe('availability of several months in one go (the statistics)', () => {
  it('gives each month as asked alone: hourly and 5-minute months, devices enrolled mid-month, now or without uptime', async () => {
    const service = new AvailabilityService(new StatsRepository(h.collector.db), h.collector.metrics, DEFAULT_RETENTION);
    const months = range(15).map((i) => parisMonth(i - 14));
    const now = Date.now();
    const together = await service.months(h.acme.clientId, months, now);
    const alone = [];
    for (const m of months) alone.push(await service.monthly(h.acme.clientId, m, now));
    expect(together).toEqual(alone);
    // What the comparison covered: both resolutions, and buckets seen in the old month and the last one.
    expect(new Set(together.map((a) => a.resolution))).toEqual(new Set(['1h', '5m']));
    const seen = (month: string) => together.find((a) => a.month === month)!.devices.reduce((n, d) => n + d.seenBuckets, 0);
    expect(seen(oldMonth)).toBe(100);
    expect(seen(lastMonth)).toBe(360);
    await expect(service.months(h.acme.clientId, [lastMonth, parisMonth(1)], now)).rejects.toMatchObject({ code: 'VIGIE_E_VALIDATION' });
    await expect(service.months(99_999, months, now)).rejects.toMatchObject({ code: 'VIGIE_E_NOT_FOUND' });
  });
});
