import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { addBusinessDays, addDays, parisDate } from '@vigie/shared';
import { freePort, TEST_PRICE_GRID as GRID, type Proc, startProcess, waitFor } from '@vigie/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../src/billing/billing-units.js';
import { enrolTotpOverHttp, login, type Session } from './harness.js';

/**
 * Every billing mutation of the REST API, fired N times at once (identical requests, as a double
 * click, a retrying proxy or two technicians would send them) at a real collector process running
 * two workers on one store, so that requests really run side by side: money and numbers are never
 * doubled. Each request of a burst is accepted or refused as a whole, and what the database holds
 * afterwards is what one request (or, where each request makes a new thing by design, exactly N)
 * would have made.
 */

const N = 8;
const PASSWORD = 'correct horse battery staple';
const COLLECTOR_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vigie-collector.mjs');
let dir: string;
let url: string;
let collector: Proc;
let db: Database.Database;
let admin: Session;
let tech: Session;

const SELLER = { name: 'Sibio Infogérance', address: ['12 rue des Lilas', '69003 Lyon'], siren: '812345678', vatNumber: 'FR45812345678' };

const today = () => parisDate(Date.now());
const prevMonth = () => {
  const [y, m] = today().split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};
/** One HTTP/1.1 exchange on an open keep-alive connection (responses carry a content-length). */
interface Reply {
  status: number;
  body: any;
  raw: Buffer;
}

function exchange(socket: Socket, head: string, payload = ''): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers = buf.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      socket.off('data', onData);
      const raw = buf.subarray(end + 4, end + 4 + length);
      const json = /\r\ncontent-type: *application\/json/i.test(headers) && raw.length > 0;
      resolve({ status: Number(headers.split(' ')[1]), body: json ? JSON.parse(raw.toString('utf8')) : null, raw });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(head + payload);
  });
}

/**
 * N identical requests at once, as N browsers or proxies with their connections already open
 * would send them: each connection is opened and used once first (so the collector has accepted
 * it), then the N requests are written in the same tick and the collector reads them together.
 */
async function burst(s: Session, method: string, path: string, body?: unknown): Promise<Reply[]> {
  const { hostname, port } = new URL(url);
  const sockets = await Promise.all(
    Array.from(
      { length: N },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(Number(port), hostname, () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  const host = `host: ${hostname}:${port}\r\nconnection: keep-alive\r\n`;
  await Promise.all(sockets.map((socket) => exchange(socket, `GET /healthz HTTP/1.1\r\n${host}\r\n`)));
  const payload = body === undefined ? '' : JSON.stringify(body);
  const head =
    `${method} ${path} HTTP/1.1\r\n${host}cookie: ${s.cookie}\r\nx-csrf-token: ${s.csrf}\r\n` +
    (body === undefined ? '\r\n' : `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n`);
  try {
    return await Promise.all(sockets.map((socket) => exchange(socket, head, payload)));
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

/** The statuses of a burst, sorted: `[200, 409, 409, …]`. */
const statuses = (rs: Reply[]) => rs.map((r) => r.status).sort((a, b) => a - b);
/** One status once and another N − 1 times. */
const onceThen = (first: number, rest: number) => [first, ...Array(N - 1).fill(rest)].sort((a, b) => a - b);
const count = (sql: string, ...args: unknown[]) => (db.prepare(sql).get(...args) as { n: number }).n;

let clients = 0;
/** A client of its own for each case, under contract since 2025-01-01 with GRID. */
async function clientUnderContract(): Promise<number> {
  const created = await admin.post('/api/v1/clients', { name: `Concurrente ${++clients} SARL` });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id as number;
  const r = await admin.put(`/api/v1/billing/clients/${id}/contract`, {
    startDate: '2025-01-01',
    // S0, the Syntec index at signature (the collector knows none for 2025).
    syntecIndex: 305.4,
    syntecIndexDate: '2024-12-01',
    buyer: { name: `Concurrente ${clients} SARL`, address: ['1 place Bellecour', '69002 Lyon'] },
    grid: GRID,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return id;
}
async function ticketOf(clientId: number): Promise<number> {
  const r = await tech.post('/api/v1/tickets', { clientId, title: 'Poste lent', description: 'Demande par e-mail', channel: 'email' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}
/** A client with last month's invoice (one 2-hour urgent remote intervention: 220 € HT, 264 € TTC). */
async function invoicedClient(): Promise<{ clientId: number; invoiceId: number; totalIncl: number }> {
  const clientId = await clientUnderContract();
  const ticketId = await ticketOf(clientId);
  const rec = await tech.post(`/api/v1/tickets/${ticketId}/interventions`, { date: `${prevMonth()}-10`, minutes: 120, kind: 'urgent', mode: 'remote' });
  expect(rec.status, JSON.stringify(rec.body)).toBe(201);
  const g = await admin.post('/api/v1/billing/invoices/generate', { month: prevMonth(), clientId });
  expect(g.status, JSON.stringify(g.body)).toBe(200);
  const invoiceId = g.body.results[0].id as number;
  const inv = await admin.get(`/api/v1/billing/invoices/${invoiceId}`);
  return { clientId, invoiceId, totalIncl: inv.body.totalInclCents };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-billing-race-'));
  const cli = (...args: string[]) => promisify(execFile)(process.execPath, [COLLECTOR_BIN, ...args, '--data-dir', dir, '--json']);
  await cli('user', 'create', '--email', 'admin@vigie.test', '--role', 'admin', '--password', PASSWORD);
  await cli('user', 'create', '--email', 'tech@vigie.test', '--role', 'technician', '--password', PASSWORD);
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  collector = startProcess(process.execPath, [
    COLLECTOR_BIN,
    'serve',
    '--workers',
    '2',
    '--port',
    String(port),
    '--data-dir',
    dir,
    '--rules-interval',
    '0',
    '--log-level',
    'warn',
  ]);
  // Both workers answer (each /healthz is served by one of them, in turn).
  await waitFor('two workers up', async () => (await fetch(`${url}/healthz`)).ok && (await fetch(`${url}/healthz`)).ok, 60_000);
  db = new Database(join(dir, 'vigie.db'), { readonly: true });
  // An admin must enrol TOTP before anything else (issue 16): its first sign-in does, as in the dashboard.
  admin = await enrolTotpOverHttp(url, 'admin@vigie.test');
  tech = await login(url, 'tech@vigie.test');
  expect((await admin.put('/api/v1/billing/settings', { seller: SELLER })).status).toBe(200);
}, 90_000);
afterAll(async () => {
  db?.close();
  const code = await collector?.stop();
  if (code !== 0) console.error(collector.lines.join('\n'));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('disputes, credit notes and payments (art. 5.1)', () => {
  it('a dispute settled N times at once with an agreed reduction issues one credit note, once', async () => {
    const { invoiceId } = await invoicedClient();
    const opened = await admin.post(`/api/v1/billing/invoices/${invoiceId}/disputes`, {
      reason: 'Intervention facturée deux fois selon notre comptabilité',
      notifiedVia: 'email',
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const disputeId = opened.body.disputes[0].id as number;
    const creditNotesBefore = count("SELECT count(*) AS n FROM invoices WHERE kind = 'credit_note'");
    const rs = await burst(admin, 'POST', `/api/v1/billing/disputes/${disputeId}/settle`, { settlement: 'Geste commercial de 50 € HT', creditExclCents: 5000 });
    expect(statuses(rs)).toEqual(onceThen(200, 409));
    expect(count("SELECT count(*) AS n FROM invoices WHERE kind = 'credit_note'") - creditNotesBefore).toBe(1);
    const inv = await admin.get(`/api/v1/billing/invoices/${invoiceId}`);
    expect(inv.body.creditedCents).toBe(6000); // 50 € HT + 20 % VAT, once
    expect(inv.body.disputes).toMatchObject([{ id: disputeId, settledOn: today(), settlement: 'Geste commercial de 50 € HT' }]);
  });

  it('a dispute opened N times at once is one dispute', async () => {
    const { invoiceId } = await invoicedClient();
    const rs = await burst(admin, 'POST', `/api/v1/billing/invoices/${invoiceId}/disputes`, {
      reason: 'Le déplacement facturé n’a pas eu lieu',
      notifiedVia: 'letter',
    });
    expect(statuses(rs)).toEqual(onceThen(201, 409));
    expect(count('SELECT count(*) AS n FROM disputes WHERE invoice_id = ?', invoiceId)).toBe(1);
  });

  it('a payment of the balance sent N times at once is paid once', async () => {
    const { invoiceId, totalIncl } = await invoicedClient();
    const rs = await burst(admin, 'POST', `/api/v1/billing/invoices/${invoiceId}/payments`, { paidOn: today(), amountCents: totalIncl, method: 'transfer' });
    expect(statuses(rs)).toEqual(onceThen(201, 400));
    expect(rs.find((r) => r.status === 400)!.body.error.details).toMatchObject({ reason: 'payment_above_balance', balanceCents: 0 });
    const inv = await admin.get(`/api/v1/billing/invoices/${invoiceId}`);
    expect(inv.body).toMatchObject({ paidCents: totalIncl, balanceCents: 0, status: 'paid' });
  });

  it('a cancelling credit note asked N times at once is issued once, with one number', async () => {
    const { invoiceId, totalIncl } = await invoicedClient();
    const before = count("SELECT count(*) AS n FROM invoices WHERE kind = 'credit_note'");
    const rs = await burst(admin, 'POST', `/api/v1/billing/invoices/${invoiceId}/credit-notes`, { reason: 'Facture émise par erreur', release: true });
    expect(statuses(rs)).toEqual(onceThen(201, 400));
    expect(count("SELECT count(*) AS n FROM invoices WHERE kind = 'credit_note'") - before).toBe(1);
    expect(count("SELECT count(*) AS n FROM invoices WHERE kind = 'credit_note' AND corrects_invoice_id = ?", invoiceId)).toBe(1);
    const inv = await admin.get(`/api/v1/billing/invoices/${invoiceId}`);
    expect(inv.body).toMatchObject({ status: 'cancelled', creditedCents: totalIncl });
    // Credit note numbers stay gap-free and unique.
    const numbers = (db.prepare("SELECT seq FROM invoices WHERE kind = 'credit_note' ORDER BY seq").all() as { seq: number }[]).map((r) => r.seq);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });

  it('a partial credit note of what is left to credit, asked N times at once, is issued once', async () => {
    const { invoiceId } = await invoicedClient();
    const rs = await burst(admin, 'POST', `/api/v1/billing/invoices/${invoiceId}/credit-notes`, { reason: 'Remise accordée', amountExclCents: 22000 });
    expect(statuses(rs)).toEqual(onceThen(201, 400));
    expect(rs.find((r) => r.status === 400)!.body.error.message).toMatch(/Avoir supérieur au montant restant à créditer \(0 c HT\)/);
    expect(count("SELECT count(*) AS n FROM invoices WHERE kind = 'credit_note' AND corrects_invoice_id = ?", invoiceId)).toBe(1);
  });
});

describe('invoices (art. 5.1)', () => {
  it('the month’s invoice generated N times at once is one invoice with one number; its items are invoiced once', async () => {
    const clientId = await clientUnderContract();
    const ticketId = await ticketOf(clientId);
    for (const date of [`${prevMonth()}-03`, `${prevMonth()}-17`])
      expect((await tech.post(`/api/v1/tickets/${ticketId}/interventions`, { date, minutes: 45, kind: 'urgent', mode: 'remote' })).status).toBe(201);
    const invoicesBefore = count("SELECT count(*) AS n FROM invoices WHERE kind = 'invoice'");
    const rs = await burst(admin, 'POST', '/api/v1/billing/invoices/generate', { month: prevMonth(), clientId });
    expect(statuses(rs)).toEqual(Array(N).fill(200));
    const numbers = new Set(rs.map((r) => r.body.results[0].number));
    expect(numbers.size).toBe(1);
    // Exactly one call says it issued the invoice; the others found it issued.
    expect(rs.map((r) => r.body.results[0].issued).sort()).toEqual([...Array(N - 1).fill(false), true]);
    expect(count("SELECT count(*) AS n FROM invoices WHERE kind = 'invoice'") - invoicesBefore).toBe(1);
    const [inv] = db.prepare("SELECT id, number, total_excl_cents FROM invoices WHERE client_id = ? AND kind = 'invoice'").all(clientId) as {
      id: number;
      number: string;
      total_excl_cents: number;
    }[];
    expect([...numbers]).toEqual([inv!.number]);
    expect(inv!.total_excl_cents).toBe(2 * quote(GRID, 'urgent', 'remote', 45).amountCents);
    expect(count('SELECT count(*) AS n FROM interventions WHERE client_id = ? AND invoice_id = ?', clientId, inv!.id)).toBe(2);
    const seqs = (db.prepare("SELECT seq FROM invoices WHERE kind = 'invoice' ORDER BY seq").all() as { seq: number }[]).map((r) => r.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('the PDF of an invoice asked N times at once is rendered and kept once, the same bytes for all', async () => {
    const { invoiceId } = await invoicedClient();
    db.prepare('SELECT 1').get();
    const rs = await burst(admin, 'GET', `/api/v1/billing/invoices/${invoiceId}/pdf`);
    expect(statuses(rs)).toEqual(Array(N).fill(200));
    expect(new Set(rs.map((r) => r.raw.toString('base64'))).size).toBe(1);
    expect(rs[0]!.raw.subarray(0, 5).toString()).toBe('%PDF-');
    expect(count('SELECT count(*) AS n FROM invoice_pdfs WHERE invoice_id = ?', invoiceId)).toBe(1);
  });

  it('the month-end run started N times at once issues at most one invoice per client and month', async () => {
    const clientId = await clientUnderContract();
    const ticketId = await ticketOf(clientId);
    expect(
      (await tech.post(`/api/v1/tickets/${ticketId}/interventions`, { date: `${prevMonth()}-20`, minutes: 30, kind: 'urgent', mode: 'remote' })).status,
    ).toBe(201);
    const rs = await burst(admin, 'POST', '/api/v1/billing/invoices/generate', { month: prevMonth() });
    expect(statuses(rs)).toEqual(Array(N).fill(200));
    // An invoice cancelled by a credit note releasing its items is replaced by a rectifying one: not a double.
    const perClient = db
      .prepare(
        `SELECT client_id, count(*) AS n FROM invoices i WHERE kind = 'invoice' AND period_start = ?
           AND NOT EXISTS (SELECT 1 FROM invoices c WHERE c.corrects_invoice_id = i.id AND c.kind = 'credit_note' AND c.releases_items = 1)
         GROUP BY client_id HAVING n > 1`,
      )
      .all(`${prevMonth()}-01`);
    expect(perClient).toEqual([]);
    expect(count("SELECT count(*) AS n FROM invoices WHERE client_id = ? AND kind = 'invoice'", clientId)).toBe(1);
  });
});

describe('contracts, grids, rates and indices (art. 2.6, 5.1, 5.2, 6)', () => {
  it('a contract created N times at once exists once, with one initial grid', async () => {
    const created = await admin.post('/api/v1/clients', { name: 'Contrat Unique SARL' });
    const clientId = created.body.id as number;
    const rs = await burst(admin, 'PUT', `/api/v1/billing/clients/${clientId}/contract`, {
      startDate: '2025-01-01',
      syntecIndex: 305.4,
      syntecIndexDate: '2024-12-01',
      buyer: { name: 'Contrat Unique SARL', address: ['Lyon'] },
      grid: GRID,
    });
    expect(statuses(rs)).toEqual(onceThen(200, 400));
    expect(count('SELECT count(*) AS n FROM billing_contracts WHERE client_id = ?', clientId)).toBe(1);
    expect(count('SELECT count(*) AS n FROM price_grids WHERE client_id = ?', clientId)).toBe(1);
  });

  it('a notice received N times at once is recorded once', async () => {
    const clientId = await clientUnderContract();
    const rs = await burst(admin, 'POST', `/api/v1/billing/clients/${clientId}/contract/notice`, { receivedOn: today(), from: 'client' });
    expect(statuses(rs)).toEqual(onceThen(200, 409));
    expect(db.prepare('SELECT notice_received_on FROM billing_contracts WHERE client_id = ?').get(clientId)).toEqual({ notice_received_on: today() });
  });

  it('an amendment of the grid sent N times at once adds one grid', async () => {
    const clientId = await clientUnderContract();
    const grid = structuredClone(GRID);
    grid.urgent.remote.hour = 12000;
    const rs = await burst(admin, 'POST', `/api/v1/billing/clients/${clientId}/grids`, { validFrom: addDays(today(), 30), grid });
    expect(statuses(rs)).toEqual(onceThen(201, 400));
    expect(count("SELECT count(*) AS n FROM price_grids WHERE client_id = ? AND reason = 'amendment'", clientId)).toBe(1);
    expect(count('SELECT count(*) AS n FROM price_grids WHERE client_id = ? AND valid_to IS NULL', clientId)).toBe(1);
  });

  it('a price revision applied N times at once adds one revised grid', async () => {
    const clientId = await clientUnderContract();
    const next = `${Number(today().slice(0, 4)) + 1}-01-01`;
    expect((await admin.post('/api/v1/billing/syntec', { publishedOn: today(), value: 290.1 })).status).toBe(201);
    const proposal = await admin.get(`/api/v1/billing/clients/${clientId}/revision?validFrom=${next}`);
    expect(proposal.status, JSON.stringify(proposal.body)).toBe(200);
    const rs = await burst(admin, 'POST', `/api/v1/billing/clients/${clientId}/revision`, { validFrom: next, grid: proposal.body.proposedGrid });
    expect(statuses(rs)).toEqual(onceThen(201, 409));
    expect(count("SELECT count(*) AS n FROM price_grids WHERE client_id = ? AND reason = 'revision'", clientId)).toBe(1);
  });

  it('an ECB rate, a Syntec index and the provider’s identity sent N times at once are each stored once', async () => {
    expect(statuses(await burst(admin, 'POST', '/api/v1/billing/ecb-rates', { from: '2026-06-11', rateBp: 215 }))).toEqual(Array(N).fill(201));
    expect(statuses(await burst(admin, 'POST', '/api/v1/billing/syntec', { publishedOn: '2026-05-31', value: 288.4 }))).toEqual(Array(N).fill(201));
    expect(statuses(await burst(admin, 'PUT', '/api/v1/billing/settings', { seller: SELLER }))).toEqual(Array(N).fill(200));
    expect(count("SELECT count(*) AS n FROM ecb_rates WHERE from_date = '2026-06-11'")).toBe(1);
    expect(count("SELECT count(*) AS n FROM syntec_indices WHERE published_on = '2026-05-31'")).toBe(1);
    expect(count('SELECT count(*) AS n FROM billing_settings')).toBe(1);
  });
});

describe('interventions (art. 2.6)', () => {
  it('an intervention recorded N times at once is N interventions, each billed its own quote once', async () => {
    const clientId = await clientUnderContract();
    const ticketId = await ticketOf(clientId);
    const rs = await burst(tech, 'POST', `/api/v1/tickets/${ticketId}/interventions`, { date: today(), minutes: 50, kind: 'urgent', mode: 'remote' });
    expect(statuses(rs)).toEqual(Array(N).fill(201));
    const amount = quote(GRID, 'urgent', 'remote', 50).amountCents;
    expect(db.prepare('SELECT count(*) AS n, sum(amount_cents) AS total FROM interventions WHERE ticket_id = ?').get(ticketId)).toEqual({
      n: N,
      total: N * amount,
    });
    expect(count("SELECT count(*) AS n FROM ticket_events WHERE ticket_id = ? AND type = 'intervention'", ticketId)).toBe(N);
  });

  it('a correction sent N times at once leaves the intervention billed once, at its new quote', async () => {
    const clientId = await clientUnderContract();
    const ticketId = await ticketOf(clientId);
    const rec = await tech.post(`/api/v1/tickets/${ticketId}/interventions`, { date: today(), minutes: 50, kind: 'urgent', mode: 'remote' });
    const rs = await burst(tech, 'PATCH', `/api/v1/billing/interventions/${rec.body.id}`, { minutes: 200 });
    expect(statuses(rs)).toEqual(Array(N).fill(200));
    expect(db.prepare('SELECT count(*) AS n, sum(amount_cents) AS total FROM interventions WHERE ticket_id = ?').get(ticketId)).toEqual({
      n: 1,
      total: quote(GRID, 'urgent', 'remote', 200).amountCents,
    });
  });

  it('a deletion sent N times at once deletes once', async () => {
    const clientId = await clientUnderContract();
    const ticketId = await ticketOf(clientId);
    const rec = await tech.post(`/api/v1/tickets/${ticketId}/interventions`, { date: today(), minutes: 50, kind: 'urgent', mode: 'remote' });
    const rs = await burst(tech, 'DELETE', `/api/v1/billing/interventions/${rec.body.id}`);
    expect(statuses(rs)).toEqual(onceThen(204, 404));
    expect(count("SELECT count(*) AS n FROM ticket_events WHERE ticket_id = ? AND type = 'intervention_deleted'", ticketId)).toBe(1);
  });
});

describe('recurring programmes (art. 2.6.1)', () => {
  /** A weekly programme of 180 min starting three weeks from now (well over 5 business days ahead). */
  async function programme(): Promise<{ clientId: number; ticketId: number; scheduleId: number; occurrences: { id: number; date: string }[] }> {
    const clientId = await clientUnderContract();
    const ticketId = await ticketOf(clientId);
    const firstDate = addBusinessDays(today(), 15);
    const r = await tech.post(`/api/v1/billing/clients/${clientId}/recurring`, {
      ticketId,
      title: 'Maintenance hebdomadaire',
      mode: 'remote',
      period: 'weekly',
      firstDate,
      startTime: '14:00',
      reservedMinutes: 180,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return { clientId, ticketId, scheduleId: r.body.schedule.id, occurrences: r.body.occurrences };
  }

  it('a programme read N times at once materialises its occurrences once', async () => {
    const { scheduleId } = await programme();
    db.prepare('SELECT 1').get();
    const rs = await burst(tech, 'GET', `/api/v1/billing/recurring/${scheduleId}`);
    expect(statuses(rs)).toEqual(Array(N).fill(200));
    expect(count('SELECT count(*) AS n FROM recurring_occurrences WHERE schedule_id = ?', scheduleId)).toBe(12);
    expect(count('SELECT count(DISTINCT slot) AS n FROM recurring_occurrences WHERE schedule_id = ?', scheduleId)).toBe(12);
  });

  it('N interventions at once on one occurrence bill its reservation once', async () => {
    const { ticketId, occurrences } = await programme();
    const o = occurrences[0]!;
    const rs = await burst(tech, 'POST', `/api/v1/tickets/${ticketId}/interventions`, {
      date: o.date,
      minutes: 20,
      kind: 'programmed',
      mode: 'remote',
      occurrenceId: o.id,
    });
    expect(statuses(rs)).toEqual(Array(N).fill(201));
    const rows = db.prepare('SELECT amount_cents, rule FROM interventions WHERE occurrence_id = ? ORDER BY id').all(o.id) as {
      amount_cents: number;
      rule: string;
    }[];
    expect(rows).toHaveLength(N);
    // The first bears the 180 reserved minutes (art. 2.6.1), the others their own 20 minutes.
    expect(rows[0]!.amount_cents).toBe(quote(GRID, 'programmed', 'remote', 180).amountCents);
    expect(rows[0]!.rule).toMatch(/180 min réservées facturées en totalité/);
    for (const r of rows.slice(1)) expect(r.amount_cents).toBe(quote(GRID, 'programmed', 'remote', 20).amountCents);
    expect(db.prepare('SELECT status FROM recurring_occurrences WHERE id = ?').get(o.id)).toEqual({ status: 'done' });
  });

  it('a cancellation of an occurrence asked N times at once is accepted and recorded once', async () => {
    const { scheduleId, occurrences } = await programme();
    const o = occurrences[2]!;
    const rs = await burst(tech, 'POST', `/api/v1/billing/recurring/${scheduleId}/occurrences/${o.id}/change`, { cancel: true });
    expect(statuses(rs)).toEqual(onceThen(200, 400));
    expect(count('SELECT count(*) AS n FROM recurring_changes WHERE occurrence_id = ? AND accepted = 1', o.id)).toBe(1);
    expect(db.prepare('SELECT status FROM recurring_occurrences WHERE id = ?').get(o.id)).toEqual({ status: 'cancelled' });
  });

  it('a programme created N times at once is N programmes of 12 occurrences each', async () => {
    const clientId = await clientUnderContract();
    const ticketId = await ticketOf(clientId);
    const rs = await burst(tech, 'POST', `/api/v1/billing/clients/${clientId}/recurring`, {
      ticketId,
      title: 'Sauvegardes mensuelles',
      mode: 'remote',
      period: 'monthly',
      firstDate: addBusinessDays(today(), 10),
      startTime: '09:00',
      reservedMinutes: 60,
    });
    expect(statuses(rs)).toEqual(Array(N).fill(201));
    expect(
      db
        .prepare(
          'SELECT count(*) AS n FROM recurring_schedules s WHERE s.client_id = ? AND (SELECT count(*) FROM recurring_occurrences o WHERE o.schedule_id = s.id) = 12',
        )
        .get(clientId),
    ).toEqual({ n: N });
  });
});

describe('supply orders and DEEE pickups (art. 2.4, 2.5)', () => {
  const order = {
    supplier: 'LDLC Pro',
    reference: 'CMD-42',
    orderedOn: '2026-01-05',
    lines: [{ description: 'Écran 27 pouces', unitPriceCents: 24900, quantity: 2 }],
  };

  it('an order placed N times at once is N orders, each with one flat urgent quarter-hour', async () => {
    const clientId = await clientUnderContract();
    const rs = await burst(tech, 'POST', `/api/v1/billing/clients/${clientId}/orders`, order);
    expect(statuses(rs)).toEqual(Array(N).fill(201));
    expect(db.prepare('SELECT count(*) AS n, sum(fee_amount_cents) AS fees FROM supply_orders WHERE client_id = ?').get(clientId)).toEqual({
      n: N,
      fees: N * GRID.urgent.remote.quarter_hour,
    });
    expect(count('SELECT count(*) AS n FROM supply_order_lines l JOIN supply_orders o ON o.id = l.order_id WHERE o.client_id = ?', clientId)).toBe(N);
  });

  it('a delivery recorded N times at once adds its items to the inventory once', async () => {
    const clientId = await clientUnderContract();
    const placed = await tech.post(`/api/v1/billing/clients/${clientId}/orders`, order);
    const lineId = placed.body.lines[0].id as number;
    const rs = await burst(tech, 'POST', `/api/v1/billing/orders/${placed.body.id}/deliver`, {
      deliveredOn: '2026-01-12',
      items: [
        { lineId, serial: 'CN-0001' },
        { lineId, serial: 'CN-0002' },
      ],
    });
    expect(statuses(rs)).toEqual(onceThen(200, 409));
    expect(count('SELECT count(*) AS n FROM supplied_items WHERE order_id = ?', placed.body.id)).toBe(2);
  });

  it('an order cancelled N times at once is cancelled once', async () => {
    const clientId = await clientUnderContract();
    const placed = await tech.post(`/api/v1/billing/clients/${clientId}/orders`, order);
    const rs = await burst(tech, 'POST', `/api/v1/billing/orders/${placed.body.id}/cancel`);
    expect(statuses(rs)).toEqual(onceThen(200, 409));
    expect(db.prepare('SELECT status FROM supply_orders WHERE id = ?').get(placed.body.id)).toEqual({ status: 'cancelled' });
  });

  it('a pickup recorded N times at once is N pickups, each weighed once; its BSD set N times is one reference', async () => {
    const clientId = await clientUnderContract();
    const rs = await burst(tech, 'POST', `/api/v1/billing/clients/${clientId}/pickups`, {
      pickedUpOn: '2026-02-03',
      description: '3 unités centrales',
      weightGrams: 24_500,
      transportCents: 4000,
      handlingCents: 1500,
      recyclingRateCentsPerKg: 35,
    });
    expect(statuses(rs)).toEqual(Array(N).fill(201));
    expect(db.prepare('SELECT count(*) AS n, sum(recycling_cents) AS cents FROM recycling_pickups WHERE client_id = ?').get(clientId)).toEqual({
      n: N,
      cents: N * 858, // 24.5 kg × 0.35 € = 8.575 € → 8.58 €
    });
    const pickupId = rs[0]!.body.id as number;
    expect(statuses(await burst(tech, 'PUT', `/api/v1/billing/pickups/${pickupId}/bsd`, { reference: 'BSD-2026-0042' }))).toEqual(Array(N).fill(200));
    expect(db.prepare('SELECT bsd_reference FROM recycling_pickups WHERE id = ?').get(pickupId)).toEqual({ bsd_reference: 'BSD-2026-0042' });
  });
});

describe('the audit log', () => {
  it('holds one entry per accepted billing change, appended by both workers at once, and its hash chain verifies', async () => {
    const clientId = await clientUnderContract();
    // This burst's entries only: the hook audits after the answer is sent, so the contract just set
    // may be audited at any moment during the burst (counting every billing entry raced with it).
    const audited = () =>
      (
        db
          .prepare(
            "SELECT count(*) AS n FROM audit_log WHERE action = 'billing.post clients/:id/pickups' AND CAST(json_extract(details, '$.params.id') AS INTEGER) = ?",
          )
          .get(clientId) as { n: number }
      ).n;
    const rs = await burst(tech, 'POST', `/api/v1/billing/clients/${clientId}/pickups`, {
      pickedUpOn: '2026-02-04',
      description: '2 écrans',
      weightGrams: 9_000,
      transportCents: 2000,
      handlingCents: 500,
      recyclingRateCentsPerKg: 35,
    });
    expect(statuses(rs)).toEqual(Array(N).fill(201));
    await waitFor('the burst audited', async () => audited() >= N, 10_000, 50);
    expect(audited()).toBe(N);
    const { stdout } = await promisify(execFile)(process.execPath, [COLLECTOR_BIN, 'audit', 'verify', '--data-dir', dir, '--json']);
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(r).toMatchObject({ ok: true, problems: [] });
    expect(r.entries).toBeGreaterThan(N);
  });
});
