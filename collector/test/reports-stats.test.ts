import { addDays, monthOf, monthPeriod, monthsEndingWith, parisDate } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, login, startHarness } from './harness.js';
import { sqliteOf } from './test-database.js';

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
  const db = sqliteOf(h.collector.db);
  const now = Date.now();
  const started = performance.now();
  db.transaction(() => {
    const device = db.prepare("INSERT INTO devices (site_id, client_id, kind, hostname, platform, created_at) VALUES (?, ?, 'agent', ?, 'windows', ?)");
    const series = db.prepare("INSERT INTO series (device_id, key, name, labels) VALUES (?, 'uptime_s', 'uptime_s', '{}')");
    const rollup = db.prepare('INSERT INTO rollup_1h (series_id, ts, count, sum, min, max, last, last_ts) VALUES (?, ?, 12, 1, 1, 1, 1, ?)');
    for (let i = 0; i < DEVICES; i++) {
      const id = Number(device.run(h.acme.siteId, h.acme.clientId, `pc-${String(i).padStart(2, '0')}`, first.from - 30 * 24 * H).lastInsertRowid);
      const sid = Number(series.run(id).lastInsertRowid);
      for (let t = first.from, k = 0; t < now - H; t += H, k++) if (!missed(i, k)) rollup.run(sid, t, t + 59 * 60_000);
    }
    const ticket = db.prepare(
      `INSERT INTO tickets (client_id, title, description, channel, kind, mode, priority, status, received_at, sla_start_at, sla_deadline_at, created_at, updated_at)
       VALUES (?, ?, '', 'email', 'urgent', 'remote', 'high', 'resolved', ?, ?, ?, ?, ?)`,
    );
    const event = db.prepare('INSERT INTO ticket_events (ticket_id, at, author_id, author, type, body) VALUES (?, ?, NULL, ?, ?, ?)');
    const incident = db.prepare(
      `INSERT INTO incidents (fingerprint, client_id, site_id, device_id, rule_id, target, severity, status, message, opened_at, resolved_at)
       VALUES (?, ?, ?, NULL, 1, 'x', ?, 'resolved', 'x', ?, ?)`,
    );
    const gridId = (db.prepare('SELECT id FROM price_grids WHERE client_id = ?').get(h.acme.clientId) as { id: number }).id;
    const intervention = db.prepare(
      `INSERT INTO interventions (client_id, ticket_id, date, minutes, kind, mode, grid_id, unit, unit_count, unit_price_cents, amount_cents, rule, created_at, updated_at)
       VALUES (?, ?, ?, 45, 'urgent', 'remote', ?, 'hour', 1, 11000, 11000, 'test', ?, ?)`,
    );
    const invoice = db.prepare(
      `INSERT INTO invoices (client_id, kind, year, seq, number, period_start, period_end, issued_on, due_on, total_excl_cents, vat_rate_bp, vat_cents, total_incl_cents, document, created_at)
       VALUES (?, 'invoice', ?, ?, ?, ?, ?, ?, ?, ?, 2000, ?, ?, '{}', ?)`,
    );
    months.forEach((m, mi) => {
      const p = monthPeriod(m);
      const span = Math.min(p.to, now) - p.from;
      for (let k = 0; k < 40; k++) {
        const at = p.from + Math.floor((span * k) / 40);
        const tid = Number(ticket.run(h.acme.clientId, `T ${m} ${k}`, at, at, at + 8 * H, at, at).lastInsertRowid);
        event.run(tid, at, 'user:1', 'created', '{}');
        event.run(tid, at + 600_000, 'user:2', 'status', JSON.stringify({ from: 'new', to: 'acknowledged' }));
        // Resolved two hours later: in the same month, except near its end.
        if (at + 2 * H < now) event.run(tid, at + 2 * H, 'user:2', 'status', JSON.stringify({ from: 'acknowledged', to: 'resolved' }));
        if (k < 20) intervention.run(h.acme.clientId, tid, parisDate(at), gridId, now, now);
      }
      for (let k = 0; k < 15; k++) {
        const at = p.from + Math.floor((span * k) / 15);
        incident.run(`i-${m}-${k}`, h.acme.clientId, h.acme.siteId, k % 3 === 0 ? 'critical' : 'warning', at, at + H);
      }
      if (mi < months.length - 1) {
        const issued = `${months[mi + 1]}-01`;
        const [y] = issued.split('-').map(Number) as [number];
        invoice.run(h.acme.clientId, y, mi + 1, `F-${mi}`, `${m}-01`, addDays(issued, -1), issued, addDays(issued, 30), 220_000, 44_000, 264_000, now);
      }
    });
  })();
  console.info(`seeded 2 years for ${DEVICES} devices in ${Math.round(performance.now() - started)} ms`);
}, 120_000);
afterAll(async () => h?.close());

describe('statistics over two years', () => {
  it('answers the 24 monthly series; time printed for the README', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const rows = (sqliteOf(h.collector.db).prepare('SELECT count(*) AS n FROM rollup_1h').get() as { n: number }).n;
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
