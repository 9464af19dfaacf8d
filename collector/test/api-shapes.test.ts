import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, login, type Session, startHarness } from './harness.js';

// Issue 18, point 1: one source of truth for the API's shapes (schemas in @vigie/shared, used as
// Fastify response schemas), no update dropping what its form does not show, and every refusal
// carrying what a reader's sentence is made from.
let h: Harness;
let admin: Session;

const SELLER = {
  name: 'Sibio Infogérance',
  legalForm: 'SARL au capital de 20 000 €',
  address: ['12 rue des Lilas', '69003 Lyon'],
  siren: '812345678',
  siret: '81234567800021',
  vatNumber: 'FR45812345678',
  rcs: 'RCS Lyon 812 345 678',
  email: 'facturation@sibio.test',
  phone: '04 72 00 00 00',
  electronicAddress: '812345678_FACT',
  country: 'FR',
};
const BANK = { iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP', bank: 'Crédit Agricole Centre-Est' };

beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0, invoicing: false });
  admin = await login(h.url, 'admin@vigie.test');
});
afterAll(() => h?.close());

describe('one source of truth for the API’s shapes', () => {
  it('declares a response schema for every JSON route (files and downloads apart)', async () => {
    const doc = (await admin.get('/api/v1/openapi.json')).body as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };
    // These answer a file, not JSON: PDFs, XML, an attachment, the logo.
    const FILES = [/\/pdf$/, /\/xml$/, /\/ubl$/, /\/flow-report$/, /\/attachments\/\{attachmentId\}$/, /\/settings\/logo$/];
    const missing: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, op] of Object.entries(methods)) {
        const ok = Object.keys(op.responses ?? {}).some((code) => /^2\d\d$/.test(code));
        if (!ok && !(method === 'get' && FILES.some((re) => re.test(path)))) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(80);
  });

  it('keeps every field of the provider’s identity and bank through a save of what was read (the form sends it back)', async () => {
    expect((await admin.put('/api/v1/billing/settings', { seller: SELLER, bank: BANK })).status).toBe(200);
    const read = (await admin.get('/api/v1/billing/settings')).body;
    expect(read).toEqual({ seller: SELLER, bank: BANK, logo: null });
    expect((await admin.put('/api/v1/billing/settings', { seller: read.seller, bank: read.bank })).status).toBe(200);
    expect((await admin.get('/api/v1/billing/settings')).body).toEqual(read);
  });

  it('leaves a contract’s VAT rate, payment term and method as they were when an update does not carry them', async () => {
    const GRID = { programmed: { remote: { hour: 8800 } }, urgent: { remote: { hour: 11000 } } };
    const buyer = { name: 'Acme SARL', legalForm: 'SARL', address: ['1 place Bellecour', '69002 Lyon'], siren: '401234567', siret: '40123456700018' };
    const created = await admin.put(`/api/v1/billing/clients/${h.acme.clientId}/contract`, {
      startDate: '2025-01-01',
      vatRateBp: 850,
      paymentDays: 45,
      paymentMethod: 'transfer',
      buyer,
      grid: GRID,
      syntecIndex: 305.4,
      syntecIndexDate: '2024-12-01',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({ vatRateBp: 850, paymentDays: 45, paymentMethod: 'transfer', buyer });
    expect(created.body.grids[0]).toMatchObject({ syntecIndex: 305.4, syntecIndexDate: '2024-12-01' });
    const updated = await admin.put(`/api/v1/billing/clients/${h.acme.clientId}/contract`, { startDate: '2025-01-01', buyer: { ...buyer, name: 'Acme SAS' } });
    expect(updated.body).toMatchObject({ vatRateBp: 850, paymentDays: 45, paymentMethod: 'transfer', buyer: { name: 'Acme SAS', siret: '40123456700018' } });
  });
});

describe('refusals a reader can act on', () => {
  it('names the field and the rule a body broke', async () => {
    const r = await admin.put(`/api/v1/billing/clients/${h.globex.clientId}/contract`, {
      startDate: '2025-01-01',
      buyer: { name: 'Globex', address: ['Paris'], siren: '12345' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'VIGIE_E_VALIDATION', details: { field: '/buyer/siren', rule: 'pattern', in: 'body' } });
    const p = await admin.put(`/api/v1/policies/client/${h.acme.clientId}`, { metricsIntervalSec: 0 });
    expect(p.body.error.details).toMatchObject({ field: '/metricsIntervalSec', rule: 'minimum', limit: 1 });
    const missing = await admin.post('/api/v1/tickets', { clientId: h.acme.clientId, description: 'x' });
    expect(missing.body.error.details).toMatchObject({ field: '/title', rule: 'required' });
  });

  it('gives the contract’s reason, with its values, where the collector refuses on its own rules', async () => {
    // A Sunday at 11:00 in Paris: the hotline is closed (contract 2.6.3).
    const tech = await login(h.url, 'tech@vigie.test');
    const r = await tech.post('/api/v1/tickets', {
      clientId: h.acme.clientId,
      title: 'Appel',
      description: 'x',
      channel: 'phone',
      receivedAt: Date.parse('2026-03-15T10:00:00Z'),
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toMatchObject({ reason: 'hotline_closed', field: '/channel' });
    const dup = await admin.post('/api/v1/clients', { name: 'Acme SARL' });
    expect(dup.body.error).toMatchObject({ code: 'VIGIE_E_CONFLICT', details: { reason: 'client_name_taken', name: 'Acme SARL' } });
  });
});

describe('contracts carry their Syntec reference (contract 5.2)', () => {
  const GRID = { programmed: { remote: { hour: 8800 } }, urgent: { remote: { hour: 11000 } } };
  it('refuses a 2026 contract the 2019 index, and takes the one published before signature once entered', async () => {
    const c = await h.collector.tenants.createClient('Initech');
    const body = { startDate: '2026-03-02', buyer: { name: 'Initech', address: ['Paris'] }, grid: GRID };
    const stale = await admin.put(`/api/v1/billing/clients/${c}/contract`, body);
    expect(stale.status).toBe(400);
    expect(stale.body.error.details).toMatchObject({ reason: 'syntec_reference_stale', publishedOn: '2019-10-31', value: 274.7, field: '/syntecIndex' });
    expect((await admin.post('/api/v1/billing/syntec', { publishedOn: '2026-01-31', value: 312.6 })).status).toBe(201);
    expect((await admin.post('/api/v1/billing/syntec', { publishedOn: '2026-03-31', value: 313.9 })).status).toBe(201);
    const ok = await admin.put(`/api/v1/billing/clients/${c}/contract`, body);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.grids[0]).toMatchObject({ syntecIndex: 312.6, syntecIndexDate: '2026-01-31' });
    expect(ok.body.paymentMethod).toBe('direct_debit');
    // The cap of the next revision reads from it: 1 January 2027 with S1 = 313.9 → at most +1.42 %.
    const p = await admin.get(`/api/v1/billing/clients/${c}/revision?validFrom=2027-01-01`);
    expect(p.body).toMatchObject({ s0: 312.6, s1: 313.9 });
    expect(p.body.proposedGrid.urgent.remote.hour).toBe(Math.floor((11000 * (100 * 313.9 + 312.6)) / (100 * 312.6)));
  });
});
