import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowBucket } from '@vigie/shared';
import { sampleInventory } from '@vigie/shared/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_DETAIL_RETENTION_MS } from '../src/flows/service.js';
import { enrollAgent, type Harness, login, startHarness, TestAgent } from './harness.js';

/**
 * Network flows at the collector: per-minute aggregates from a site agent over the real channel,
 * hourly rollups that keep the totals exact, retention, the site view and the monthly report,
 * scoped to the client.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0, invoicing: false });
});
afterAll(async () => h.close());

const HOUR = 3_600_000;
const zero = { bytes: 0, packets: 0, flows: 0 };
function bucket(start: number, bytes: number, src: string, service: string, ifIndex = 2): FlowBucket {
  const t = { bytes, packets: Math.ceil(bytes / 1000), flows: 2 };
  return {
    exporter: '192.168.10.1',
    summary: {
      start,
      end: start + 60_000,
      total: t,
      direction: { inbound: zero, outbound: t, internal: zero, transit: zero },
      topSources: [{ host: src, ...t }],
      otherSources: zero,
      topDestinations: [{ host: '203.0.113.5', ...t }],
      otherDestinations: zero,
      topConversations: [{ a: src, b: '203.0.113.5', ...t }],
      otherConversations: zero,
      protocols: [{ protocol: 6, name: 'tcp', ...t }],
      services: [{ service, ...t }],
      clockAdjustedFlows: 0,
    },
    interfaces: [{ index: ifIndex, inBytes: 0, inPackets: 0, outBytes: bytes, outPackets: t.packets }],
  };
}

describe('flows at the collector', () => {
  it('stores per-minute buckets, rolls them up hourly with exact totals, and answers the site view', async () => {
    const cred = await enrollAgent(h, h.acme.siteId, 'acme-router-watcher');
    const a = await TestAgent.connect(h.wsUrl, cred);
    const hour = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    try {
      await a.hello();
      // The exporter also counts traffic it could not attribute to an interface (#0, "unknown"): not an interface.
      const busiest = bucket(hour + 60_000, 3_000_000, '192.168.10.11', 'https');
      busiest.interfaces = [...busiest.interfaces, { index: 0, inBytes: 700_000, inPackets: 700, outBytes: 0, outPackets: 0 }];
      const buckets = [bucket(hour, 1_000_000, '192.168.10.10', 'https'), busiest, bucket(hour + HOUR, 500_000, '192.168.10.10', 'dns')];
      await a.waitAck(a.send('flows', { buckets }));
      // The inventory knows 192.168.10.11: the accounting PC, named in the report.
      const pc = await enrollAgent(h, h.acme.siteId, 'PC-COMPTA');
      const pa = await TestAgent.connect(h.wsUrl, pc);
      await pa.hello({ hostname: 'PC-COMPTA' });
      await pa.waitAck(
        pa.send('inventory', {
          ...sampleInventory,
          os: { ...sampleInventory.os, hostname: 'PC-COMPTA' },
          network: [{ ...sampleInventory.network[0]!, ipv4: ['192.168.10.11'] }],
        }),
      );
      pa.close();
    } finally {
      a.close();
    }
    const tech = await login(h.url, 'tech@vigie.test');
    const detail = await tech.get(`/api/v1/sites/${h.acme.siteId}/flows?from=${hour}&to=${hour + 2 * HOUR}`);
    expect(detail.status, JSON.stringify(detail.body)).toBe(200);
    expect(detail.body).toMatchObject({ resolution: 'detail' });
    expect(detail.body.summary.total).toEqual({ bytes: 4_500_000, packets: 4_500, flows: 6 });
    expect(detail.body.summary.topSources.map((s: any) => [s.host, s.bytes])).toEqual([
      ['192.168.10.11', 3_000_000],
      ['192.168.10.10', 1_500_000],
    ]);
    expect(detail.body.series.map((p: any) => p.bytes)).toEqual([1_000_000, 3_000_000, 500_000]);
    // The busiest minute: 3 MB in 60 s = 400 kbit/s.
    expect(detail.body.peak).toMatchObject({ t: hour + 60_000, bps: 400_000 });
    expect(detail.body.interfaces).toEqual([expect.objectContaining({ exporter: '192.168.10.1', index: 2, outBytes: 4_500_000, peakOutBps: 400_000 })]);
    // Hourly: the same totals from the rollups.
    const hourly = await tech.get(`/api/v1/sites/${h.acme.siteId}/flows?from=${hour - 5 * 86_400_000}&to=${hour + 2 * HOUR}`);
    expect(hourly.body).toMatchObject({ resolution: 'hour' });
    expect(hourly.body.summary.total).toEqual(detail.body.summary.total);
    expect(hourly.body.series.map((p: any) => p.bytes)).toEqual([4_000_000, 500_000]);
    const rows = await h.collector.db.kysely.selectFrom('flow_hourly').select(['hour', 'bytes']).where('site_id', '=', h.acme.siteId).orderBy('hour').execute();
    expect(rows).toEqual([
      { hour, bytes: 4_000_000 },
      { hour: hour + HOUR, bytes: 500_000 },
    ]);
  });

  it('keeps the minute detail 30 days and the hourly rollups beyond', async () => {
    const flows = (h.collector as any).flows ?? undefined;
    const svc = flows ?? new (await import('../src/flows/service.js')).FlowService(h.collector.db, h.collector.metrics);
    await svc.maintain(Date.now() + FLOW_DETAIL_RETENTION_MS + 3 * HOUR);
    const count = (table: 'flow_buckets' | 'flow_hourly') =>
      h.collector.db.kysely
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
    expect(await count('flow_buckets')).toEqual({ n: 0 });
    expect(await count('flow_hourly')).toEqual({ n: 2 });
  });

  it('a client sees its own sites’ flows and report only', async () => {
    const acme = await login(h.url, 'dsi@acme.test');
    const globex = await login(h.url, 'it@globex.test');
    const from = Date.now() - 10 * 86_400_000;
    expect((await acme.get(`/api/v1/sites/${h.acme.siteId}/flows?from=${from}`)).status).toBe(200);
    expect((await globex.get(`/api/v1/sites/${h.acme.siteId}/flows?from=${from}`)).status).toBe(404);
    expect((await globex.get(`/api/v1/clients/${h.acme.clientId}/flow-report?month=2026-11`)).status).toBe(404);
    expect((await acme.get(`/api/v1/sites/${h.acme.siteId}/flows?from=${from}&to=${from - 1}`)).status).toBe(400);
  });

  it('renders the monthly flow report with volumes, top hosts and applications', async () => {
    const hourStart = (
      await h.collector.db.kysely
        .selectFrom('flow_hourly')
        .select((eb) => eb.fn.min('hour').as('h'))
        .executeTakeFirstOrThrow()
    ).h;
    const month = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).format(hourStart);
    const tech = await login(h.url, 'tech@vigie.test');
    for (const lang of ['fr', 'en']) {
      const r = await fetch(`${h.url}/api/v1/clients/${h.acme.clientId}/flow-report?month=${month}&lang=${lang}`, { headers: { cookie: tech.cookie } });
      expect(r.status).toBe(200);
      const dir = mkdtempSync(join(tmpdir(), 'vigie-flow-report-'));
      try {
        writeFileSync(join(dir, 'r.pdf'), Buffer.from(await r.arrayBuffer()));
        const text = execFileSync('pdftotext', ['-layout', join(dir, 'r.pdf'), '-'], { encoding: 'utf8' }).replace(/[\s\u00a0\u202f]+/g, ' ');
        if (lang === 'fr') {
          for (const s of [
            'Rapport mensuel des flux réseau',
            'Acme SARL',
            'Siège Lyon',
            'Volume total : 4,5 Mo',
            // Issue 18, point 11: hosts named where the inventory knows them, packets and flows beside bytes,
            // and the peak of the busiest minute (3 MB in 60 s), not an hourly average (4 MB in an hour: 8,9 kbit/s).
            'PC-COMPTA (192.168.10.11) 3 Mo 3 000 2',
            'Paquets et flux : 4 500 paquets, 6 flux',
            'Pointe : 400 kbit/s, débit de la minute la plus chargée',
            'https',
            'dns',
            '#2 (192.168.10.1)',
          ])
            expect(text, s).toContain(s);
          expect(text).not.toContain('#0 (192.168.10.1)');
        } else {
          for (const s of ['Monthly network flow report', 'Total volume: 4.5 MB', 'Top 10 sources']) expect(text, s).toContain(s);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
