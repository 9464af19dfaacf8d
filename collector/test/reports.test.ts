import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addDays, dayOfWeek, fromParis, isBusinessDay, monthOf, monthPeriod, parisDate, shiftMonth } from '@vigie/shared';
import { sampleInventory } from '@vigie/shared/fixtures';
import { TEST_PRICE_GRID as GRID } from '@vigie/testkit';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, createCollector } from '../src/app.js';
import type { SessionUser } from '../src/auth/repository.js';
import { defaultConfig } from '../src/config.js';
import { IncidentService } from '../src/incidents/service.js';
import { DEFAULT_REPORT_SETTINGS } from '../src/reports/settings.js';
import { enrollAgent, type Harness, login, type Session, startHarness, TestAgent } from './harness.js';

/**
 * Issue 9, end to end on a real collector: a month of history seeded through the API, a real agent
 * connection and the ticket, incident and billing services (with past times, which the API stamps
 * with the clock); the month's report generated, its PDF read back with pdftotext and its first page
 * rendered with pdftoppm; the scheduled run of two collectors on the same database file delivering
 * each client's report to a real SMTP server on loopback exactly once; retries with a failing relay;
 * two CLI processes; tenant scoping; the two-year statistics.
 */

const FIVE = 300_000;
// A 1×1 PNG (signature, IHDR, IDAT, IEND).
const LOGO_PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082',
  'hex',
);
const H = 3_600_000;
const MIN = 60_000;
const here = dirname(fileURLToPath(import.meta.url));

// ---- a real SMTP server on loopback --------------------------------------------------------------------------
interface Mail {
  to: string[];
  subject: string;
  text: string;
  pdfs: { filename: string; size: number }[];
}
const mails: Mail[] = [];
let relayFailing = false;
let relay: SMTPServer;
let relayUrl: string;
const reportMails = () => mails.filter((m) => m.pdfs.length > 0);

function startRelay(): Promise<void> {
  relay = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_addr, _session, cb) {
      if (relayFailing) return cb(Object.assign(new Error('relay busy, try again later'), { responseCode: 451 }));
      cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream).then((m) => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: m.subject ?? '',
          text: m.text ?? '',
          pdfs: m.attachments.filter((a) => a.contentType === 'application/pdf').map((a) => ({ filename: a.filename ?? '', size: a.size })),
        });
        cb();
      }, cb);
    },
  });
  return new Promise((resolve) =>
    relay.listen(0, '127.0.0.1', () => {
      relayUrl = `smtp://127.0.0.1:${(relay.server.address() as { port: number }).port}`;
      resolve();
    }),
  );
}

// ---- helpers ---------------------------------------------------------------------------------------------------
function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-report-'));
  try {
    writeFileSync(join(dir, 'r.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', join(dir, 'r.pdf'), '-'], { encoding: 'utf8' }).replace(/[\s\u00a0\u202f]+/g, ' ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function getPdf(s: Session, id: number, lang?: string): Promise<{ status: number; pdf: Buffer; type: string | null }> {
  const r = await fetch(`${h.url}/api/v1/reports/${id}/pdf${lang ? `?lang=${lang}` : ''}`, { headers: { cookie: s.cookie } });
  return { status: r.status, pdf: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type') };
}

const finished = (s: string) => s === 'succeeded' || s === 'failed';
async function jobDone(s: Session, id: number, until: (j: any) => boolean = (j) => finished(j.status)): Promise<any> {
  return waitFor(`job ${id}`, async () => {
    const r = await s.get(`/api/v1/reports/jobs/${id}`);
    return until(r.body) ? r.body : undefined;
  });
}

/** The n-th given weekday (0 = Sunday) of a month, as a Paris date. */
function nthWeekday(month: string, weekday: number, n: number): string {
  let d = `${month}-01`;
  while (dayOfWeek(d) !== weekday) d = addDays(d, 1);
  return addDays(d, 7 * (n - 1));
}

// ---- the month ------------------------------------------------------------------------------------------------
const M = shiftMonth(monthOf(parisDate(Date.now())), -1);
const P = monthPeriod(M);
const lastDay = addDays(parisDate(P.to), -1);
const day = (n: number) => `${M}-${String(n).padStart(2, '0')}`;
const at = (date: string, hh: number, mm = 0) => fromParis(date, hh, mm);
/** srv-fichiers stops reporting at the start of the month's last two days. */
const srvCut = at(addDays(lastDay, -1), 0);
/** IMP-ACCUEIL, a printer without an agent, stops answering its watcher's polls on the 15th. */
const printerCut = at(day(15), 0);
/** pc-compta is enrolled on the 16th. */
const pcCreated = at(day(16), 0);

let h: Harness;
let admin: Session;
let tech: Session;
let acmeUser: Session;
let globexUser: Session;
let techUser: SessionUser;
let siteGrenoble: number;
const ids: Record<string, number> = {};
let acmeReportId: number;

const buyer = (name: string, siren: string) => ({ name, address: ['1 place Bellecour', '69002 Lyon'], siren, vatNumber: `FR11${siren}` });

async function agentFor(siteId: number, hostname: string, createdAt: number): Promise<TestAgent> {
  const cred = await enrollAgent(h, siteId, hostname);
  ids[hostname] = cred.deviceId;
  await h.collector.db.kysely.updateTable('devices').set({ created_at: createdAt }).where('id', '=', cred.deviceId).execute();
  const a = await TestAgent.connect(h.wsUrl, cred);
  await a.hello({ hostname });
  return a;
}

const check = (check: string, target: string, status: string, code: string, message: string, observedAt: number, values?: Record<string, unknown>) => ({
  check,
  target,
  status,
  code,
  message,
  observedAt,
  ...(values ? { values } : {}),
});

async function seedDevices(): Promise<void> {
  // srv-fichiers, Lyon, older than the month: a heartbeat in every 5-minute slot until the last two days.
  const srv = await agentFor(h.acme.siteId, 'srv-fichiers', P.from - 10 * 24 * H);
  const beats = [];
  for (let t = P.from; t < srvCut; t += FIVE) beats.push({ ts: t + 1000, values: { uptime_s: (t - P.from) / 1000 } });
  await srv.waitAck(srv.send('metrics', { samples: beats }));
  // Backups: checked every night at 03:00; the 10th to the 12th found the last backup too old (from the 9th).
  const backups = [];
  for (let d = 1; d <= Number(lastDay.slice(8)); d++) {
    const bad = d >= 10 && d <= 12;
    const lastSuccessAt = at(day(bad ? 9 : d), 2);
    backups.push(
      bad
        ? check('backup', 'restic nas', 'critical', 'BACKUP_TOO_OLD', 'restic nas: last successful backup 2 days ago', at(day(d), 3), { lastSuccessAt })
        : check('backup', 'restic nas', 'ok', 'BACKUP_OK', 'restic nas: last successful backup 1 h ago', at(day(d), 3), { lastSuccessAt }),
    );
  }
  await srv.waitAck(srv.send('checks', { results: backups }));
  await srv.waitAck(
    srv.send('checks', {
      results: [
        check('antivirus', 'ClamAV', 'ok', 'AV_OK', 'ClamAV: up to date', at(day(1), 8)),
        check('antivirus', 'ClamAV', 'ok', 'AV_OK', 'ClamAV: up to date', at(day(28), 8)),
        check('security', 'firewall', 'ok', 'FIREWALL_ENABLED', 'Firewall active (nftables)', at(day(15), 8)),
        check('security', 'updates', 'ok', 'UPDATES_OK', 'No update pending', at(day(15), 8)),
        check('security', 'disk-encryption', 'warning', 'DISK_NOT_ENCRYPTED', 'System volume not encrypted (LUKS: none)', at(day(15), 8)),
      ],
    }),
  );
  // Inventory: a first one, then a disk and accounting software added, Firefox removed, LibreOffice updated.
  const inv1 = { ...sampleInventory, os: { ...sampleInventory.os, hostname: 'srv-fichiers' } };
  await srv.waitAck(srv.send('inventory', inv1));
  const inv2 = {
    ...inv1,
    disks: [...inv1.disks, { device: '/dev/sdb', model: 'WD Red 4TB', serial: 'WD-1234', sizeBytes: 4_000_787_030_016, type: 'HD', interface: 'SATA' }],
    software: [
      { name: 'libreoffice-core', version: '4:7.4.7-1+deb12u4', source: 'dpkg', arch: 'amd64' },
      { name: 'ciel-compta', version: '2026.1', source: 'dpkg' },
    ],
  };
  await srv.waitAck(srv.send('inventory', inv2));
  // Flows from the site's router, received by this agent (site role): two minutes on the 3rd and the 4th.
  const zero = { bytes: 0, packets: 0, flows: 0 };
  const minute = (start: number, bytes: number, src: string, service: string) => {
    const t = { bytes, packets: bytes / 1000, flows: 2 };
    return {
      exporter: '192.168.1.1',
      summary: {
        start,
        end: start + MIN,
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
      interfaces: [{ index: 2, inBytes: 0, inPackets: 0, outBytes: bytes, outPackets: t.packets }],
    };
  };
  await srv.waitAck(
    srv.send('flows', {
      buckets: [minute(at(day(3), 10), 1_200_000_000, '192.168.1.20', 'https'), minute(at(day(4), 10), 300_000_000, '192.168.1.21', 'smtp')],
    }),
  );
  // A printer srv-fichiers polls (site role), older than the month: it answered every poll of the first
  // half and none of the second (snmp_up 0, the poll made yet unanswered). It has no agent, hence no antivirus.
  await srv.waitAck(
    srv.send('site-devices', {
      devices: [
        {
          key: 'snmp:192.168.1.50',
          kind: 'printer',
          address: '192.168.1.50',
          name: 'IMP-ACCUEIL',
          serials: [{ serial: 'PRN-0050', description: 'Brother HL-L6400', class: 'chassis' }],
          reachable: true,
          observedAt: P.from,
        },
      ],
    }),
  );
  const polls = [];
  for (let t = P.from; t < P.to && t < Date.now(); t += FIVE) polls.push({ ts: t + 3000, values: { snmp_up: t < printerCut ? 1 : 0 } });
  await srv.waitAck(srv.send('metrics', { device: 'snmp:192.168.1.50', samples: polls }));
  const printer = await h.collector.db.kysely
    .selectFrom('devices')
    .select('id')
    .where('kind', '=', 'agentless')
    .where('hostname', '=', 'IMP-ACCUEIL')
    .executeTakeFirstOrThrow();
  ids['IMP-ACCUEIL'] = printer.id;
  await h.collector.db.kysely
    .updateTable('devices')
    .set({ created_at: P.from - 10 * 24 * H })
    .where('id', '=', printer.id)
    .execute();
  srv.close();
  await srv.closed;
  // The collector stamps inventory changes when it receives them: this one is moved into the month, as if received then.
  const diffs = await h.collector.db.kysely.selectFrom('inventory_changes').select('id').where('device_id', '=', ids['srv-fichiers']!).orderBy('id').execute();
  await h.collector.db.kysely
    .updateTable('inventory_changes')
    .set({ changed_at: at(day(14), 10) })
    .where(
      'id',
      'in',
      diffs.slice(1).map((d) => d.id),
    )
    .execute();

  // pc-compta, Grenoble, enrolled on the 16th: a heartbeat in every other slot.
  const pc = await agentFor(siteGrenoble, 'pc-compta', pcCreated);
  const half = [];
  for (let t = pcCreated; t < P.to; t += 2 * FIVE) half.push({ ts: t + 2000, values: { uptime_s: (t - pcCreated) / 1000 } });
  await pc.waitAck(pc.send('metrics', { samples: half }));
  await pc.waitAck(
    pc.send('checks', {
      results: [
        check('antivirus', 'Microsoft Defender', 'ok', 'AV_OK', 'Microsoft Defender: up to date', at(day(20), 9)),
        check('antivirus', 'Microsoft Defender', 'warning', 'AV_SIGNATURES_OUTDATED', 'Microsoft Defender: signatures 5 days old', at(day(27), 9), {
          signatureAgeHours: 120,
        }),
        check('security', 'firewall', 'ok', 'FIREWALL_ENABLED', 'Firewall active (Windows Defender Firewall)', at(day(20), 9)),
        check('security', 'updates', 'ok', 'UPDATES_OK', 'No update pending', at(day(20), 9)),
        check('security', 'disk-encryption', 'ok', 'DISK_ENCRYPTED', 'System volume encrypted (BitLocker)', at(day(20), 9)),
      ],
    }),
  );
  pc.close();
  await pc.closed;
  await h.collector.metrics.maintain(Date.now());
}

/** Tickets and incidents through the services, at their time in the month. */
async function seedTickets(): Promise<{ t1: number; t2: number; t3: number }> {
  const tickets = h.collector.tickets;
  const acmeSession = (await h.collector.auth.findUserByEmail('dsi@acme.test'))!;
  const client: SessionUser = { id: acmeSession.id, email: acmeSession.email, name: acmeSession.name, role: 'client', clientId: h.acme.clientId, locale: 'fr' };
  const asTech = { user: techUser };
  // T1: an e-mail on the first Monday, 10:00; acknowledged 30 min later, worked from 11:00, resolved 15:00.
  const mon1 = nthWeekday(M, 1, 1);
  const t1 = await tickets.create(
    { clientId: h.acme.clientId, title: 'Imprimante du 2e étage hors service', description: 'Par e-mail', channel: 'email', receivedAt: at(mon1, 10) },
    asTech,
    at(mon1, 10),
  );
  await tickets.addEvent(t1, { type: 'status', status: 'acknowledged' }, asTech, at(mon1, 10, 30));
  await tickets.addEvent(t1, { type: 'status', status: 'in_progress' }, asTech, at(mon1, 11));
  await tickets.addEvent(t1, { type: 'status', status: 'resolved' }, asTech, at(mon1, 15));
  // T2: from the portal on the second Monday, 09:00; assigned at 10:00 but worked only on Friday (deadline missed), closed the next Monday.
  const mon2 = nthWeekday(M, 1, 2);
  const fri2 = addDays(mon2, 4);
  const t2 = await tickets.create({ title: 'Messagerie lente', description: 'Depuis ce matin' }, { user: client }, at(mon2, 9));
  await tickets.addEvent(t2, { type: 'assign', assigneeId: techUser.id }, asTech, at(mon2, 10));
  await tickets.addEvent(t2, { type: 'status', status: 'in_progress' }, asTech, at(fri2, 9));
  await tickets.addEvent(t2, { type: 'status', status: 'resolved' }, asTech, at(fri2, 12));
  await tickets.addEvent(t2, { type: 'status', status: 'closed' }, asTech, at(addDays(mon2, 7), 9));
  // T3: a phone call (business hours) asking for a programmed migration; worked on from 30 min later, still open at the month's end.
  let tue3 = nthWeekday(M, 2, 3);
  while (!isBusinessDay(tue3)) tue3 = addDays(tue3, 1);
  const t3 = await tickets.create(
    {
      clientId: h.acme.clientId,
      title: 'Migration du serveur de fichiers',
      description: 'Au téléphone',
      channel: 'phone',
      receivedAt: at(tue3, 14, 30),
      plannedDate: addDays(tue3, 10),
    },
    asTech,
    at(tue3, 14, 30),
  );
  await tickets.addEvent(t3, { type: 'status', status: 'in_progress' }, asTech, at(tue3, 15));

  // Incidents: a critical one (03:00, acknowledged 03:20, recovered 05:00, resolved after the quiet period at 05:15), a warning, and one during maintenance.
  const incidents = new IncidentService(h.collector.db, tickets, { reopenWindowMs: 7 * 24 * H, quietPeriodMs: 10 * MIN });
  const problem = (fingerprint: string, severity: 'critical' | 'warning', message: string) => ({
    fingerprint,
    clientId: h.acme.clientId,
    siteId: h.acme.siteId,
    deviceId: ids['srv-fichiers']!,
    ruleId: 1,
    target: fingerprint,
    severity,
    message,
  });
  const thu1 = nthWeekday(M, 4, 1);
  await incidents.opened(problem('fs-root', 'critical', 'Disque / plein à 97 % sur srv-fichiers'), at(thu1, 3));
  const i1 = await h.collector.db.kysely.selectFrom('incidents').select('ticket_id').where('fingerprint', '=', 'fs-root').executeTakeFirstOrThrow();
  await tickets.addEvent(i1.ticket_id!, { type: 'status', status: 'acknowledged' }, asTech, at(thu1, 3, 20));
  await incidents.recovered('fs-root', 'Disque / à 70 %', at(thu1, 5));
  await incidents.settle(at(thu1, 5, 15));
  const thu4 = nthWeekday(M, 4, 4);
  await incidents.opened(problem('cpu', 'warning', 'Processeur à 95 % sur srv-fichiers'), at(thu4, 10));
  const i2 = await h.collector.db.kysely.selectFrom('incidents').select('ticket_id').where('fingerprint', '=', 'cpu').executeTakeFirstOrThrow();
  await tickets.addEvent(i2.ticket_id!, { type: 'status', status: 'in_progress' }, asTech, at(thu4, 11));
  await incidents.recovered('cpu', 'Processeur à 20 %', at(thu4, 13));
  await incidents.settle(at(thu4, 13, 30));
  const sun4 = nthWeekday(M, 0, 4);
  await incidents.opened(problem('ping', 'warning', 'Passerelle injoignable'), at(sun4, 2), 'maintenance');
  await incidents.recovered('ping', 'Passerelle joignable', at(sun4, 3));
  await incidents.settle(at(sun4, 4));
  return { t1, t2, t3 };
}

beforeAll(async () => {
  await startRelay();
  h = await startHarness({
    rulesIntervalMs: 0,
    invoicing: false,
    notifications: { smtpUrl: relayUrl, from: 'Sibio Infogérance <rapports@sibio.test>', webhooks: [], publicUrl: 'https://rmm.sibio.test' },
    reports: { ...DEFAULT_REPORT_SETTINGS, schedule: null, maxAttempts: 3, retryBaseMs: 400, retryMaxMs: 2000, pollMs: 100 },
  });
  admin = await login(h.url, 'admin@vigie.test');
  tech = await login(h.url, 'tech@vigie.test');
  acmeUser = await login(h.url, 'dsi@acme.test');
  globexUser = await login(h.url, 'it@globex.test');
  const t = (await h.collector.auth.findUserByEmail('tech@vigie.test'))!;
  techUser = { id: t.id, email: t.email, name: t.name, role: 'technician', clientId: null, locale: 'fr' };
  siteGrenoble = await h.collector.tenants.createSite(h.acme.clientId, 'Agence Grenoble');
  expect(
    (
      await admin.put('/api/v1/billing/settings', {
        seller: { name: 'Sibio Infogérance', address: ['12 rue des Lilas', '69003 Lyon'], siren: '812345678', vatNumber: 'FR45812345678' },
        bank: null,
      })
    ).status,
  ).toBe(200);
  const contract = await admin.put(`/api/v1/billing/clients/${h.acme.clientId}/contract`, {
    startDate: '2024-01-01',
    buyer: buyer('Acme SARL', '401234567'),
    grid: GRID,
    syntecIndex: 274.7,
    syntecIndexDate: '2019-10-31',
    recipients: ['direction@acme.test', 'compta@acme.test'],
  });
  expect(contract.status, JSON.stringify(contract.body)).toBe(200);
  expect(
    (
      await admin.put(`/api/v1/billing/clients/${h.globex.clientId}/contract`, {
        startDate: '2024-01-01',
        buyer: buyer('Globex SAS', '502345678'),
        grid: GRID,
        syntecIndex: 274.7,
        syntecIndexDate: '2019-10-31',
      })
    ).status,
  ).toBe(200);
  // Globex gets its reports in English at an address of its own (the contract has none).
  const settings = await tech.put(`/api/v1/clients/${h.globex.clientId}/report-settings`, { recipients: ['it-manager@globex.test'], lang: 'en' });
  expect(settings.status, JSON.stringify(settings.body)).toBe(200);
  expect(settings.body).toMatchObject({ recipients: ['it-manager@globex.test'], ownRecipients: true, lang: 'en' });

  await seedDevices();
  const { t1, t2, t3 } = await seedTickets();
  // Interventions through the API: 50 min urgent remote (1 h), 90 min on site (the half-day minimum) with travel, 130 min programmed remote (9 quarter-hours).
  const rec = async (ticketId: number, body: object) => {
    const r = await tech.post(`/api/v1/tickets/${ticketId}/interventions`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  };
  await rec(t1, { date: nthWeekday(M, 1, 1), minutes: 50, kind: 'urgent', mode: 'remote' });
  await rec(t2, { date: addDays(nthWeekday(M, 1, 2), 4), minutes: 90, kind: 'urgent', mode: 'on_site', travelCents: 4500 });
  await rec(t3, { date: day(25), minutes: 130, kind: 'programmed', mode: 'remote' });
  // Supplied two years ago: a laptop whose 24-month warranty ends next month, a UPS whose 36 months do not.
  const order = await tech.post(`/api/v1/billing/clients/${h.acme.clientId}/orders`, {
    supplier: 'LDLC Pro',
    reference: 'DEV-2291',
    orderedOn: addDays(`${M}-15`, -740),
    lines: [
      { description: 'Portable Dell Latitude 5440', unitPriceCents: 89900, quantity: 1, warrantyMonths: 24 },
      { description: 'Onduleur APC 1500', unitPriceCents: 45000, quantity: 1, warrantyMonths: 36 },
    ],
  });
  expect(order.status, JSON.stringify(order.body)).toBe(201);
  const [laptop, ups] = order.body.lines;
  const delivered = await tech.post(`/api/v1/billing/orders/${order.body.id}/deliver`, {
    deliveredOn: addDays(`${M}-15`, -730),
    items: [
      { lineId: laptop.id, serial: 'SN-LAT-0001' },
      { lineId: ups.id, serial: 'AS1234' },
    ],
  });
  expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);
  // Delivered this month: the printer srv-fichiers polls (its serial matches), listed in the report's inventory.
  const printerOrder = await tech.post(`/api/v1/billing/clients/${h.acme.clientId}/orders`, {
    supplier: 'LDLC Pro',
    reference: 'DEV-2417',
    orderedOn: day(2),
    lines: [{ description: 'Imprimante Brother HL-L6400', unitPriceCents: 62000, quantity: 1, warrantyMonths: 24 }],
  });
  expect(printerOrder.status, JSON.stringify(printerOrder.body)).toBe(201);
  const printerDelivered = await tech.post(`/api/v1/billing/orders/${printerOrder.body.id}/deliver`, {
    deliveredOn: day(8),
    items: [{ lineId: printerOrder.body.lines[0].id, serial: 'PRN-0050' }],
  });
  expect(printerDelivered.status, JSON.stringify(printerDelivered.body)).toBe(200);
  // The provider's logo (a 1×1 PNG), uploaded in the billing settings, drawn in the report's header.
  const logo = await fetch(`${h.url}/api/v1/billing/settings/logo`, {
    method: 'PUT',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/octet-stream' },
    body: LOGO_PNG,
  });
  expect(logo.status, await logo.clone().text()).toBe(200);
  expect(((await logo.json()) as { logo: unknown }).logo).toMatchObject({ type: 'image/png' });
  // The technician's word on the month, printed on the summary page.
  const comment = await tech.put(`/api/v1/clients/${h.acme.clientId}/reports/${M}/comment`, {
    text: 'Mois chargé : la migration du serveur de fichiers avance.\nL’imprimante de l’accueil ne répond plus depuis le 15 ; nous passons la voir.',
  });
  expect(comment.status, JSON.stringify(comment.body)).toBe(200);
  expect(comment.body).toMatchObject({ clientId: h.acme.clientId, month: M, authorName: techUser.name });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await new Promise<void>((r) => relay.close(() => r()));
});

describe('the monthly activity report (issue 9)', () => {
  it("generates a client's month through the API; its PDF holds the right figures", async () => {
    const started = await tech.post('/api/v1/reports/generate', { month: M, clientId: h.acme.clientId });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ kind: 'manual', month: M, clientId: h.acme.clientId, send: false });
    const job = await jobDone(tech, started.body.id);
    expect(job).toMatchObject({ status: 'succeeded', attempt: 1, total: 1, done: 1, failed: 0 });
    expect(job.results[0]).toMatchObject({ clientId: h.acme.clientId, clientName: 'Acme SARL', status: 'done', generated: true });
    acmeReportId = job.results[0].reportId;

    const list = await acmeUser.get(`/api/v1/reports?year=${M.slice(0, 4)}`);
    expect(list.status).toBe(200);
    expect(list.body.reports).toEqual([
      expect.objectContaining({ id: acmeReportId, clientId: h.acme.clientId, month: M, lang: 'fr', partial: false, revision: 1, deliveries: [] }),
    ]);
    const meta = list.body.reports[0];

    const { status, pdf, type } = await getPdf(acmeUser, acmeReportId);
    expect(status).toBe(200);
    expect(type).toBe('application/pdf');
    expect(pdf.length).toBe(meta.size);
    console.info(`report PDF: ${pdf.length} bytes, ${meta.pages} pages, generated in ${meta.generationMs} ms`);
    const t = pdfText(pdf);
    const squeezed = t.replace(/ /g, '');
    const fr = (p: number | null) => (p === null ? 'n.d.' : `${String(p).replace('.', ',')} %`);
    const srvExpected = (P.to - P.from) / FIVE;
    const srvSeen = (srvCut - P.from) / FIVE;
    const pcExpected = (P.to - pcCreated) / FIVE;
    const pcSeen = Math.ceil(pcExpected / 2);
    const printerSeen = (printerCut - P.from) / FIVE;
    const pctOf = (seen: number, expected: number) => Math.floor((seen * 10_000) / expected) / 100;
    const monthName = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(
      Date.UTC(Number(M.slice(0, 4)), Number(M.slice(5)) - 1, 1),
    );
    const frDate = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;
    for (const s of [
      "Rapport d'activité mensuel",
      monthName.charAt(0).toUpperCase() + monthName.slice(1),
      'Client : Acme SARL',
      `du ${frDate(`${M}-01`)} au ${frDate(lastDay)}`,
      'Sibio Infogérance',
      // Supervision: availability per device and per site from the heartbeats.
      '3 équipements supervisés, dont 1 ajouté ce mois-ci',
      `srv-fichiers (Siège Lyon) ${fr(pctOf(srvSeen, srvExpected))}`,
      `pc-compta (Agence Grenoble) ${fr(pctOf(pcSeen, pcExpected))}`,
      // Issue 18, point 4: the printer is up where it answered its watcher's polls, not wherever a poll was made.
      `IMP-ACCUEIL (Siège Lyon) ${fr(pctOf(printerSeen, srvExpected))}`,
      `Siège Lyon 2 ${fr(pctOf(srvSeen + printerSeen, 2 * srvExpected))}`,
      `Agence Grenoble 1 ${fr(pctOf(pcSeen, pcExpected))}`,
      `Acme SARL 3 ${fr(pctOf(srvSeen + printerSeen + pcSeen, 2 * srvExpected + pcExpected))}`,
      'Équipements sans agent (imprimantes, commutateurs, onduleurs) : tranches où ils ont répondu',
      // Issue 18, point 11: the summary page, with the month's highlights and the technician's comment.
      'Synthèse du mois',
      'Points marquants',
      'Délais contractuels respectés : 75 % (3 sur 4).',
      '1 matériel livré ce mois-ci.',
      'Le mot de votre technicien',
      'Mois chargé : la migration du serveur de fichiers avance.',
      'L’imprimante de l’accueil ne répond plus depuis le 15 ; nous passons la voir.',
      `${techUser.name}, le ${frDate(parisDate(Date.now()))}`,
      // The provider's identity in the header.
      '12 rue des Lilas',
      'SIREN 812345678',
      // Delivered hardware in the inventory changes, with the device it became.
      'Matériels livrés',
      `${frDate(day(8))} Imprimante Brother HL-L6400 PRN-0050 IMP-ACCUEIL`,
      '3 incidents : 1 critique, 2 alertes',
      '1 pendant une maintenance ou une panne de site (sans ticket)',
      // Tickets: 3 requests and 2 incident tickets; SLA over the 4 urgent ones due in the month.
      '5 ouverts, 4 résolus, 1 clôturé ; 1 en cours en fin de période',
      'Par canal : Portail 1, E-mail 1, Téléphone 1, Supervision 2',
      'Délais contractuels respectés : 75 % — 3 sur 4 tickets à échéance',
      '1 pris en charge en retard, 0 non pris en charge',
      'Messagerie lente Portail Haute Clôturé Dépassé',
      // Interventions with billed time and amounts.
      '3 interventions : 4 h 30 réalisées, 6 h 45 facturées, 748,00 € HT',
      'Frais de déplacement, repas et hébergement : 45,00 € HT',
      // Backups, antivirus, security, inventory, warranties, flows.
      `srv-fichiers restic nas ${fr(pctOf(Number(lastDay.slice(8)) - 3, Number(lastDay.slice(8))))}`,
      '1 équipement conforme sur 2 en fin de période ; 75 % des contrôles de la période conformes',
      // The findings in the report's language, from the check's code and values, not the agent's English.
      'pc-compta Microsoft Defender Alerte Microsoft Defender : signatures non mises à jour depuis 5 j',
      'Chiffrement du disque 2 1 (50 %)',
      'srv-fichiers Chiffrement du disque Alerte Le volume système n’est pas chiffré',
      'srv-fichiers Ajout WD Red 4TB (WD-1234)',
      '1 ajout, 1 retrait, 1 modification (mises à jour)',
      'srv-fichiers Ajout ciel-compta 2026.1',
      'srv-fichiers Retrait firefox-esr',
      'Portable Dell Latitude 5440 SN-LAT-0001',
      // Flows from the site role's store.
      '1,5 Go échangés en 4 flux, 1 exportateur',
      'https 1,2 Go',
      'smtp 300 Mo',
    ])
      expect(t).toContain(s);
    expect(t).not.toContain('Onduleur APC 1500'); // its warranty runs for another year
    // Response times: incidents 20 and 60 min to acknowledge, 2 h 15 and 3 h 30 to resolve; all tickets
    // 30, 60, 30, 20, 60 min to acknowledge (mean 40, median 30), and 5 h, 99 h, 2 h 15, 3 h 30 to resolve.
    for (const s of [
      '203.0.113.51,5Go0o', // host, received, sent
      '192.168.1.200o1,2Go',
      'Délaidepriseencharge240min40min',
      'Délaiderésolution22h532h53',
      'Délaidepriseencharge540min30min',
      'Délaiderésolution41j3h4h15',
      `${lastDay.slice(8)}/${lastDay.slice(5, 7)}/${lastDay.slice(0, 4)}02:004j`, // last backup on the last night; longest gap 4 days (9th → 13th)
    ])
      expect(squeezed).toContain(s);

    // The provider's logo is drawn on the first page (pdfimages lists the pictures a PDF holds, page by page).
    {
      const dir = mkdtempSync(join(tmpdir(), 'vigie-report-img-'));
      try {
        writeFileSync(join(dir, 'r.pdf'), pdf);
        const images = execFileSync('pdfimages', ['-list', join(dir, 'r.pdf')], { encoding: 'utf8' })
          .split('\n')
          .slice(2)
          .filter(Boolean);
        expect(images.map((l) => l.trim().split(/\s+/).slice(0, 5))).toContainEqual(['1', '0', 'image', '1', '1']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    // The first page as a provider would send it: rendered at 60 dpi, kept for the README.
    const dir = mkdtempSync(join(tmpdir(), 'vigie-report-png-'));
    try {
      writeFileSync(join(dir, 'r.pdf'), pdf);
      execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', join(dir, 'r.pdf'), join(dir, 'page')]);
      const png = join(dir, 'page-1.png');
      const size = statSync(png).size;
      expect(size).toBeGreaterThan(20_000); // text, tiles and bars: far from a blank page (~3 KB)
      const header = Buffer.alloc(24);
      const f = await import('node:fs/promises').then((m) => m.open(png));
      await f.read(header, 0, 24, 0);
      await f.close();
      expect(header.subarray(1, 4).toString()).toBe('PNG');
      expect([header.readUInt32BE(16), header.readUInt32BE(20)]).toEqual([497, 702]); // A4 (595 × 842 pt) at 60 dpi
      if (process.env.VIGIE_UPDATE_REPORT_SAMPLE) {
        mkdirSync(join(here, '../../docs'), { recursive: true });
        copyFileSync(png, join(here, '../../docs/report-sample.png'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders the archived report in English from the same frozen data', async () => {
    const { status, pdf } = await getPdf(tech, acmeReportId, 'en');
    expect(status).toBe(200);
    const t = pdfText(pdf);
    for (const s of [
      'Monthly activity report',
      'Client: Acme SARL',
      '3 interventions: 4 h 30 worked, 6 h 45 billed, €748.00 excl. VAT',
      '3 incidents: 1 critical, 2 warnings',
      'Microsoft Defender: signatures not updated for 5 d',
    ])
      expect(t).toContain(s);
  });

  it('a client with no data gets a report saying so for each source, in the language of its settings', async () => {
    const started = await admin.post('/api/v1/reports/generate', { month: M, clientId: h.globex.clientId });
    const job = await jobDone(admin, started.body.id);
    expect(job.status).toBe('succeeded');
    const list = await globexUser.get('/api/v1/reports');
    expect(list.body.reports.map((r: any) => [r.clientId, r.month, r.lang])).toEqual([[h.globex.clientId, M, 'en']]);
    const t = pdfText((await getPdf(globexUser, list.body.reports[0].id)).pdf);
    for (const s of [
      'Client: Globex SAS',
      'No device was monitored during the period',
      'No incident detected by monitoring',
      'No ticket was opened or handled',
      'No intervention was recorded',
      'No backup result was received',
      'No antivirus result was received',
      'No security posture result was received',
      'No hardware or software inventory change',
      'No warranty of supplied hardware ends',
      'No network flow data for the period',
    ])
      expect(t).toContain(s);
  });

  it('a client user reaches only its own reports, jobs and statistics; writes are staff only', async () => {
    const own = await acmeUser.get('/api/v1/reports');
    expect(own.body.reports.map((r: any) => r.clientId)).toEqual([h.acme.clientId]);
    const globexReport = (await globexUser.get('/api/v1/reports')).body.reports[0].id;
    expect((await getPdf(acmeUser, globexReport)).status).toBe(404);
    expect((await acmeUser.get(`/api/v1/reports/${globexReport}`)).status).toBe(404);
    expect((await acmeUser.get(`/api/v1/reports?clientId=${h.globex.clientId}`)).status).toBe(404);
    expect((await acmeUser.get(`/api/v1/clients/${h.globex.clientId}/stats?months=24`)).status).toBe(404);
    expect((await acmeUser.get(`/api/v1/clients/${h.globex.clientId}/report-settings`)).status).toBe(404);
    expect((await acmeUser.get(`/api/v1/reports?year=${Number(M.slice(0, 4)) - 3}`)).status).toBe(400); // online: current and previous year
    const jobs = await acmeUser.get('/api/v1/reports/jobs');
    expect(jobs.body.jobs.length).toBeGreaterThan(0);
    expect(jobs.body.jobs.every((j: any) => j.clientId === h.acme.clientId)).toBe(true);
    for (const [path, body] of [
      ['/api/v1/reports/generate', { month: M }],
      [`/api/v1/reports/${acmeReportId}/resend`, {}],
    ] as const) {
      const r = await acmeUser.post(path, body);
      expect(r.status, path).toBe(403);
      expect(r.body.error.code).toBe('VIGIE_E_FORBIDDEN');
    }
    expect((await acmeUser.put(`/api/v1/clients/${h.acme.clientId}/report-settings`, { recipients: ['x@acme.test'], lang: 'fr' })).status).toBe(403);
    // The technician's comment is staff-only (the client reads it in the report), audited when written.
    expect((await acmeUser.get(`/api/v1/clients/${h.acme.clientId}/reports/${M}/comment`)).status).toBe(403);
    expect((await acmeUser.put(`/api/v1/clients/${h.acme.clientId}/reports/${M}/comment`, { text: 'x' })).status).toBe(403);
    expect((await tech.get(`/api/v1/clients/${h.acme.clientId}/reports/${M}/comment`)).body.text).toContain('Mois chargé');
    expect((await tech.get(`/api/v1/clients/999999/reports/${M}/comment`)).status).toBe(404);
    expect((await tech.put(`/api/v1/clients/${h.acme.clientId}/reports/2026-13/comment`, { text: 'x' })).status).toBe(400);
    const audited = await h.collector.db.kysely
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('action', '=', 'report.comment')
      .executeTakeFirstOrThrow();
    expect(Number(audited.n)).toBe(1);
    const anonymous = await fetch(`${h.url}/api/v1/reports/${acmeReportId}/pdf`);
    expect(anonymous.status).toBe(401);
    // Staff see every client.
    expect((await tech.get('/api/v1/reports')).body.reports.map((r: any) => r.clientId).sort()).toEqual([h.acme.clientId, h.globex.clientId].sort());
    expect((await tech.post('/api/v1/reports/generate', { month: '2999-01' })).status).toBe(400);
  });
});

describe('scheduled delivery (node-cron) by two collectors on the same database file', () => {
  const extra: Collector[] = [];
  afterAll(async () => {
    for (const c of extra) await c.close();
  });

  it("mails each client's report for the previous month exactly once", async () => {
    const before = reportMails().length;
    // Two more collectors on the same SQLite file, each with the monthly job firing every second.
    for (let i = 0; i < 2; i++) {
      extra.push(
        await createCollector(
          defaultConfig({
            ...h.database,
            dataDir: h.dir,
            port: 0,
            logLevel: 'silent',
            synchronous: 'normal',
            rulesIntervalMs: 0,
            invoicing: false,
            notifications: { smtpUrl: relayUrl, from: 'Sibio Infogérance <rapports@sibio.test>', webhooks: [], publicUrl: 'https://rmm.sibio.test' },
            reports: { ...DEFAULT_REPORT_SETTINGS, schedule: '* * * * * *', pollMs: 100 },
          }),
        ),
      );
    }
    const job = await waitFor('the scheduled job', async () => {
      const j = await h.collector.reports.jobs.byClaim(`scheduled:${M}`);
      return j && finished(j.status) ? j : undefined;
    });
    // Both schedules keep firing (and the handlers are called at once by hand): nothing more goes out.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await Promise.all(extra.map((c) => c.reports.scheduler.onSchedule()))).toEqual([undefined, undefined]);
    const view = (await tech.get(`/api/v1/reports/jobs/${job.id}`)).body;
    expect(view).toMatchObject({ kind: 'scheduled', month: M, status: 'succeeded', total: 2, done: 2, failed: 0 });
    expect(view.results.map((r: any) => [r.clientName, r.delivery, r.generated])).toEqual([
      ['Acme SARL', 'sent', false], // the archived report, not a new one
      ['Globex SAS', 'sent', false],
    ]);
    const sent = reportMails().slice(before);
    expect(sent.map((m) => [m.to.sort().join(','), m.pdfs.map((p) => p.filename).join()])).toEqual(
      expect.arrayContaining([
        ['compta@acme.test,direction@acme.test', `rapport-activite-${M}-acme-sarl.pdf`],
        ['it-manager@globex.test', `activity-report-${M}-globex-sas.pdf`],
      ]),
    );
    expect(sent).toHaveLength(2);
    const acmeMail = sent.find((m) => m.to.includes('direction@acme.test'))!;
    expect(acmeMail.subject).toMatch(/^Rapport d'activité mensuel — .+ — Acme SARL$/);
    expect(acmeMail.text.replace(/[\u00a0\u202f]/g, ' ')).toContain('748,00 € HT');
    expect(acmeMail.text).toContain('https://rmm.sibio.test/#/reports');
    const report = await tech.get(`/api/v1/reports/${acmeReportId}`);
    expect(report.body.deliveries).toEqual([
      expect.objectContaining({ kind: 'scheduled', status: 'sent', attempts: 1, recipients: ['direction@acme.test', 'compta@acme.test'], revision: 1 }),
    ]);
  }, 30_000);
});

describe('a failing SMTP relay', () => {
  it('is retried with backoff, the job state telling so, and the report goes out once the relay recovers', async () => {
    const before = reportMails().length;
    relayFailing = true;
    const started = await tech.post(`/api/v1/reports/${acmeReportId}/resend`, {});
    expect(started.status).toBe(202);
    const retrying = await jobDone(tech, started.body.id, (j) => j.status === 'retrying');
    expect(retrying).toMatchObject({ kind: 'resend', attempt: 1, maxAttempts: 3, failed: 1 });
    expect(retrying.error).toMatch(/Acme SARL: .*451/);
    expect(retrying.nextAttemptAt).toBeGreaterThan(retrying.updatedAt);
    expect(retrying.results[0]).toMatchObject({ status: 'failed', delivery: 'failed' });
    const failedDelivery = (await tech.get(`/api/v1/reports/${acmeReportId}`)).body.deliveries.find((d: any) => d.jobId === started.body.id);
    expect(failedDelivery).toMatchObject({ kind: 'resend', status: 'failed' });
    relayFailing = false;
    const done = await jobDone(tech, started.body.id);
    expect(done).toMatchObject({ status: 'succeeded', attempt: 2, done: 1, failed: 0, error: null });
    expect(done.results[0]).toMatchObject({ status: 'done', delivery: 'sent' });
    expect(reportMails().length - before).toBe(1);
    const delivery = (await tech.get(`/api/v1/reports/${acmeReportId}`)).body.deliveries.find((d: any) => d.jobId === started.body.id);
    expect(delivery).toMatchObject({ status: 'sent', attempts: 2, error: null });
  }, 20_000);

  it('after the last attempt the job is reported failed, and nothing was sent', async () => {
    const before = reportMails().length;
    relayFailing = true;
    try {
      const started = await tech.post(`/api/v1/reports/${acmeReportId}/resend`, { lang: 'en' });
      const failed = await jobDone(tech, started.body.id);
      expect(failed).toMatchObject({ status: 'failed', attempt: 3, maxAttempts: 3, nextAttemptAt: null });
      expect(failed.error).toMatch(/451/);
      expect((await tech.get('/api/v1/reports/jobs?status=failed')).body.jobs.map((j: any) => j.id)).toContain(started.body.id);
      expect(reportMails().length).toBe(before);
    } finally {
      relayFailing = false;
    }
  }, 20_000);
});

describe('vigie-collector report (CLI)', () => {
  it('two processes on the same database: progress per client, a summary, and each client mailed once', async () => {
    const month = shiftMonth(M, -1);
    const before = reportMails().length;
    const bin = join(here, '../bin/vigie-collector.mjs');
    const run = () =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        const p = spawn(
          process.execPath,
          [
            bin,
            'report',
            ...(h.database.databaseUrl ? ['--database', h.database.databaseUrl] : ['--db', join(h.dir, 'vigie.db')]),
            '--month',
            month,
            '--send',
            '--smtp-relay',
            relayUrl,
          ],
          {
            env: { ...process.env, NODE_NO_WARNINGS: '1' },
          },
        );
        let out = '';
        let err = '';
        p.stdout.on('data', (c) => (out += c));
        p.stderr.on('data', (c) => (err += c));
        p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
      });
    const started = Date.now();
    const [a, b] = await Promise.all([run(), run()]);
    console.info(`two CLI runs of ${month} in ${Date.now() - started} ms`);
    for (const r of [a, b]) {
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(/\[1\/2\] Acme SARL \(client \d+\): report #\d+ generated \(\d+ pages?, \d+ ms\)/);
      expect(r.err).toMatch(/\[2\/2\] Globex SAS \(client \d+\): report #\d+ generated/);
      expect(r.out).toMatch(new RegExp(`${month}: 2 client\\(s\\), 2 done, 0 failed`));
    }
    const sent = reportMails().slice(before);
    expect(sent.map((m) => m.pdfs[0]!.filename).sort()).toEqual([`activity-report-${month}-globex-sas.pdf`, `rapport-activite-${month}-acme-sarl.pdf`]);
    expect([...`${a.out}${b.out}`.matchAll(/mails: (\d+) sent/g)].reduce((n, m) => n + Number(m[1]), 0)).toBe(2);
  }, 60_000);
});

describe('statistics over two years', () => {
  it('GET /api/v1/clients/:id/stats gives the monthly series, invoices included', async () => {
    const inv = await admin.post('/api/v1/billing/invoices/generate', { month: M });
    expect(inv.status, JSON.stringify(inv.body)).toBe(200);
    const invoice = (await admin.get('/api/v1/billing/invoices')).body.invoices.find((i: any) => i.clientId === h.acme.clientId);
    const started = performance.now();
    const r = await acmeUser.get(`/api/v1/clients/${h.acme.clientId}/stats?months=24`);
    console.info(`stats, 24 months (small data set): ${Math.round(performance.now() - started)} ms`);
    expect(r.status).toBe(200);
    expect(r.body.months).toHaveLength(24);
    const current = parisDate(Date.now()).slice(0, 7);
    expect(r.body.months.at(-1).month).toBe(current);
    const hours = (P.to - P.from) / H;
    const srvHours = (srvCut - P.from) / H;
    const pcHours = (P.to - pcCreated) / H;
    const printerHours = (printerCut - P.from) / H;
    expect(r.body.months.find((m: any) => m.month === M)).toEqual({
      month: M,
      ticketsOpened: 5,
      ticketsResolved: 4,
      incidents: 3,
      incidentsCritical: 1,
      // The printer counts the hours in which it answered a poll (issue 18, point 4).
      availabilityPct: Math.floor(((srvHours + printerHours + pcHours) * 10_000) / (2 * hours + pcHours)) / 100,
      interventions: 3,
      interventionMinutes: 270,
      interventionAmountCents: 74800,
      invoicedExclCents: 0,
      invoicedInclCents: 0,
    });
    // Invoices count in the month they are issued (this one, today).
    expect(r.body.months.at(-1)).toMatchObject({ invoicedExclCents: invoice.totalExclCents, invoicedInclCents: invoice.totalInclCents });
    expect(r.body.months[0]).toMatchObject({ ticketsOpened: 0, availabilityPct: null, interventions: 0 });
    expect((await tech.get(`/api/v1/clients/${h.acme.clientId}/stats?months=37`)).status).toBe(400);
  });
});

describe('a collector that was down when the monthly run was due', () => {
  it('runs it when it comes back, once, and not before the scheduled moment', async () => {
    const { ReportScheduler } = await import('../src/reports/scheduler.js');
    const r = h.collector.reports;
    const log = { info: () => {}, warn: () => {}, error: () => {} } as any;
    const s = new ReportScheduler(r.runner, r.jobs, { ...r.settings, schedule: '0 6 1 * *', timeZone: 'Europe/Paris' }, log);
    // 1 March 2027, 05:59 Paris: not due yet; 06:00: due; the 12th: still owed, but already done.
    expect(await s.catchUp(fromParis('2027-03-01', 5, 59))).toBeUndefined();
    expect(await r.jobs.byClaim('scheduled:2027-02')).toBeUndefined();
    const job = await s.catchUp(fromParis('2027-03-01', 6, 0));
    expect(job).toMatchObject({ kind: 'scheduled', month: '2027-02' });
    expect(await s.catchUp(fromParis('2027-03-12', 9, 0))).toBeUndefined();
    // A schedule it cannot reason about (every second, several days) is left to cron.
    const odd = new ReportScheduler(r.runner, r.jobs, { ...r.settings, schedule: '0 6 1,15 * *' }, log);
    expect(await odd.catchUp(fromParis('2027-04-20', 9, 0))).toBeUndefined();
  }, 60_000);
});
