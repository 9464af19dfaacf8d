import { addDays, monthOf, monthPeriod, monthsEndingWith, parisDate } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Harness, login, startHarness } from './harness.js';
import { type SeededSeries, seedHourlyRollups } from './hourly-rollups-seed.js';

/**
 * Contract 3's statistics over two years, answered from a realistic volume: 20 devices with two
 * years of hourly heartbeat rollups (≈ 350 000 rows), 40 tickets, 15 incidents and 20 interventions
 * a month, and a monthly invoice. The figures are checked against the seed; the time is printed
 * (information for the README, target < 300 ms), never asserted.
 */

const H = 3_600_000;
const DEVICES = 20;
const MONTHS = 24;
let h: Harness;
const months = monthsEndingWith(monthOf(parisDate(Date.now())), MONTHS);
const first = monthPeriod(months[0]!);
/** Device i misses the hours whose index is a multiple of 40 + i. */
const missed = (i: number, hourIndex: number) => hourIndex % (40 + i) === 0;
let seededHours = 0;

beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0, invoicing: false });
  const admin = await login(h.url, 'admin@vigie.test');
  const grid = { programmed: { remote: { hour: 8800 } }, urgent: { remote: { hour: 11000, quarter_hour: 3000 } } };
  const contract = await admin.put(`/api/v1/billing/clients/${h.acme.clientId}/contract`, {
    startDate: parisDate(first.from - 40 * 24 * H),
    buyer: { name: 'Acme SARL', address: ['1 place Bellecour', '69002 Lyon'], siren: '401234567' },
    grid,
    syntecIndex: 274.7,
    syntecIndexDate: '2019-10-31',
  });
  expect(contract.status, JSON.stringify(contract.body)).toBe(200);
  const now = Date.now();
  const started = performance.now();
  const { db, metrics } = h.collector;
  const heartbeats: SeededSeries[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const device = await db.kysely
      .insertInto('devices')
      .values({
        site_id: h.acme.siteId,
        client_id: h.acme.clientId,
        kind: 'agent',
        hostname: `pc-${String(i).padStart(2, '0')}`,
        platform: 'windows',
        created_at: first.from - 30 * 24 * H,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const hours: number[] = [];
    for (let t = first.from, k = 0; t < now - H; t += H, k++) if (!missed(i, k)) hours.push(t);
    heartbeats.push({ deviceId: device.id, key: 'uptime_s', hours });
    seededHours += hours.length;
  }
  await seedHourlyRollups(db, metrics, heartbeats);
  const rollupsAt = performance.now();
  await db.kysely.transaction().execute(async (tx) => {
    const gridId = (await tx.selectFrom('price_grids').select('id').where('client_id', '=', h.acme.clientId).executeTakeFirstOrThrow()).id;
    for (const [mi, m] of months.entries()) {
      const p = monthPeriod(m);
      const span = Math.min(p.to, now) - p.from;
      const at = (k: number, of: number) => p.from + Math.floor((span * k) / of);
      const tickets = await tx
        .insertInto('tickets')
        .values(
          Array.from({ length: 40 }, (_, k) => ({
            client_id: h.acme.clientId,
            title: `T ${m} ${k}`,
            description: '',
            channel: 'email',
            kind: 'urgent',
            mode: 'remote',
            priority: 'high',
            status: 'resolved',
            received_at: at(k, 40),
            sla_start_at: at(k, 40),
            sla_deadline_at: at(k, 40) + 8 * H,
            created_at: at(k, 40),
            updated_at: at(k, 40),
          })),
        )
        .returning(['id', 'received_at'])
        .execute();
      const events = tickets.flatMap(({ id, received_at: t }) => [
        { ticket_id: id, at: t, author_id: null, author: 'user:1', type: 'created', body: '{}' },
        { ticket_id: id, at: t + 600_000, author_id: null, author: 'user:2', type: 'status', body: JSON.stringify({ from: 'new', to: 'acknowledged' }) },
        // Resolved two hours later: in the same month, except near its end.
        ...(t + 2 * H < now
          ? [
              {
                ticket_id: id,
                at: t + 2 * H,
                author_id: null,
                author: 'user:2',
                type: 'status',
                body: JSON.stringify({ from: 'acknowledged', to: 'resolved' }),
              },
            ]
          : []),
      ]);
      await tx.insertInto('ticket_events').values(events).execute();
      const first20 = [...tickets].sort((a, b) => a.received_at - b.received_at).slice(0, 20);
      await tx
        .insertInto('interventions')
        .values(
          first20.map(({ id, received_at: t }) => ({
            client_id: h.acme.clientId,
            ticket_id: id,
            date: parisDate(t),
            minutes: 45,
            kind: 'urgent',
            mode: 'remote',
            grid_id: gridId,
            unit: 'hour',
            unit_count: 1,
            unit_price_cents: 11000,
            amount_cents: 11000,
            rule: 'test',
            notes: '',
            travel_cents: 0,
            meal_cents: 0,
            lodging_cents: 0,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
      await tx
        .insertInto('incidents')
        .values(
          Array.from({ length: 15 }, (_, k) => ({
            fingerprint: `i-${m}-${k}`,
            client_id: h.acme.clientId,
            site_id: h.acme.siteId,
            device_id: null,
            rule_id: 1,
            target: 'x',
            severity: k % 3 === 0 ? 'critical' : 'warning',
            status: 'resolved',
            message: 'x',
            opened_at: at(k, 15),
            resolved_at: at(k, 15) + H,
          })),
        )
        .execute();
      if (mi < months.length - 1) {
        const issued = `${months[mi + 1]}-01`;
        const [y] = issued.split('-').map(Number) as [number];
        await tx
          .insertInto('invoices')
          .values({
            client_id: h.acme.clientId,
            kind: 'invoice',
            year: y,
            seq: mi + 1,
            number: `F-${mi}`,
            period_start: `${m}-01`,
            period_end: addDays(issued, -1),
            issued_on: issued,
            due_on: addDays(issued, 30),
            total_excl_cents: 220_000,
            vat_rate_bp: 2000,
            vat_cents: 44_000,
            total_incl_cents: 264_000,
            document: '{}',
            created_at: now,
          })
          .execute();
      }
    }
  });
  console.info(
    `seeded 2 years for ${DEVICES} devices on ${db.dialect} (metrics: ${metrics.kind}) in ${Math.round(performance.now() - started)} ms: ` +
      `${seededHours} hourly rollups in ${Math.round(rollupsAt - started)} ms, tickets and billing in ${Math.round(performance.now() - rollupsAt)} ms`,
  );
}, 120_000);
afterAll(async () => h?.close());

describe('statistics over two years', () => {
  it('answers the 24 monthly series; time printed for the README', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    // The engine the run asked for (VIGIE_TEST_DATABASE=postgres: relational store and metrics on PostgreSQL).
    const engine = inject('vigieTestPostgres') ? 'postgres' : 'sqlite';
    expect([h.collector.db.dialect, h.collector.metrics.kind]).toEqual([engine, engine]);
    // Every heartbeat written is an hourly rollup the statistics read.
    const devices = await h.collector.db.kysely.selectFrom('devices').select('id').where('client_id', '=', h.acme.clientId).execute();
    const counts = await h.collector.metrics.bucketCounts({
      resolution: '1h',
      devices: devices.map(({ id }) => ({ deviceId: id, names: ['uptime_s'], windows: [{ from: first.from, to: Date.now() }] })),
    });
    const rows = counts.flat().reduce((a, b) => a + b, 0);
    expect(rows).toBe(seededHours);
    const times: number[] = [];
    let body: any;
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const r = await tech.get(`/api/v1/clients/${h.acme.clientId}/stats?months=${MONTHS}`);
      times.push(performance.now() - t0);
      expect(r.status).toBe(200);
      body = r.body;
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.info(
      `GET /api/v1/clients/:id/stats?months=24 over ${rows} hourly rollup rows (${DEVICES} devices): first ${Math.round(times[0]!)} ms, ` +
        `median ${Math.round(sorted[3]!)} ms, max ${Math.round(sorted[6]!)} ms (target < 300 ms)`,
    );
    expect(body.months.map((m: any) => m.month)).toEqual(months);
    // A whole past month, checked against the seed.
    const m = months[MONTHS - 3]!;
    const p = monthPeriod(m);
    const startIndex = (p.from - first.from) / H;
    const hours = (p.to - p.from) / H;
    let seen = 0;
    for (let i = 0; i < DEVICES; i++) for (let k = startIndex; k < startIndex + hours; k++) if (!missed(i, k)) seen++;
    expect(body.months[MONTHS - 3]).toEqual({
      month: m,
      ticketsOpened: 40,
      ticketsResolved: 40,
      incidents: 15,
      incidentsCritical: 5,
      availabilityPct: Math.floor((seen * 10_000) / (DEVICES * hours)) / 100,
      interventions: 20,
      interventionMinutes: 900,
      interventionAmountCents: 220_000,
      invoicedExclCents: 220_000,
      invoicedInclCents: 264_000,
    });
  }, 60_000);
});
