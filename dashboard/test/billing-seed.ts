import { parisDate } from '@vigie/shared';
import { TEST_PRICE_GRID as GRID } from '@vigie/testkit';
import { apiSession, type Seeded } from './seed.js';

function previousMonth(): string {
  const [y, m] = parisDate(Date.now()).split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/**
 * Through the billing API, as an admin and a technician would: Acme's contract and price grid,
 * last month's interventions and a delivered order (its serial is the Acme device's), and last
 * month's invoice. Returns the ticket the interventions were recorded on.
 */
export async function seedBilling(s: Seeded): Promise<{ ticketId: number; month: string }> {
  const admin = await apiSession(s.url, 'admin@vigie.test');
  const tech = await apiSession(s.url, 'tech@vigie.test');
  const month = previousMonth();
  const d = (day: number) => `${month}-${String(day).padStart(2, '0')}`;
  await admin.put('/api/v1/billing/settings', {
    seller: {
      name: 'Sibio Infogérance',
      legalForm: 'SARL au capital de 20 000 €',
      address: ['12 rue des Lilas', '69003 Lyon'],
      siren: '812345678',
      siret: '81234567800021',
      vatNumber: 'FR45812345678',
      email: 'facturation@sibio.test',
    },
    bank: { iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' },
  });
  const startYear = Number(month.slice(0, 4)) - 2;
  await admin.put(`/api/v1/billing/clients/${s.acme.clientId}/contract`, {
    startDate: `${startYear}-01-01`,
    buyer: { name: 'Acme SARL', address: ['1 place Bellecour', '69002 Lyon'], siren: '401234567', vatNumber: 'FR11401234567' },
    grid: GRID,
    syntecIndex: 274.7,
    syntecIndexDate: '2019-10-31',
  });
  await admin.put(`/api/v1/billing/clients/${s.globex.clientId}/contract`, {
    startDate: `${startYear}-01-01`,
    buyer: { name: 'Globex SAS', address: ['2 parvis de la Défense', '92800 Puteaux'], siren: '502345678', vatNumber: 'FR11502345678' },
    grid: GRID,
    syntecIndex: 274.7,
    syntecIndexDate: '2019-10-31',
  });
  const ticket = await tech.post('/api/v1/tickets', {
    clientId: s.acme.clientId,
    title: 'Poste comptabilité bloqué au démarrage',
    description: 'Le poste PC-COMPTA-01 reste sur l’écran de démarrage depuis ce matin.',
    channel: 'email',
    receivedAt: Date.parse(`${d(4)}T08:30:00Z`),
    deviceIds: [s.acmeDevice],
  });
  await tech.post(`/api/v1/tickets/${ticket.id}/interventions`, { date: d(5), minutes: 50, kind: 'urgent', mode: 'remote', notes: 'Profil réparé' });
  await tech.post(`/api/v1/tickets/${ticket.id}/interventions`, { date: d(12), minutes: 90, kind: 'urgent', mode: 'on_site', travelCents: 4500 });
  const order = await tech.post(`/api/v1/billing/clients/${s.acme.clientId}/orders`, {
    supplier: 'LDLC Pro',
    reference: 'DEV-2291',
    orderedOn: d(8),
    ticketId: ticket.id,
    lines: [
      { description: 'PC Dell OptiPlex 7090', unitPriceCents: 89900, quantity: 1, warrantyMonths: 36 },
      { description: 'Écran Dell P2422H', unitPriceCents: 21900, quantity: 1, warrantyMonths: 24 },
    ],
  });
  await tech.post(`/api/v1/billing/orders/${order.id}/deliver`, {
    deliveredOn: d(15),
    items: [
      { lineId: order.lines[0].id, serial: 'CN0ACME001' },
      { lineId: order.lines[1].id, serial: 'CN0SCREEN42' },
    ],
  });
  await admin.post('/api/v1/billing/invoices/generate', { month, clientId: s.acme.clientId });
  return { ticketId: ticket.id, month };
}
