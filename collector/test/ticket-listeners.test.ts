import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Harness, login, startHarness } from './harness.js';

// After a ticket change is committed, its listeners (the live view, the notifications) read the
// ticket again. Their failures used to vanish (`() => {}` in the live publish, an empty catch in
// the ticket service): now each is logged and counted on /metrics, and the change itself stays.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0, invoicing: false });
});
afterAll(async () => h.close());

const failures = async (): Promise<number> => {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const m = /^vigie_ticket_listener_failures_total\{worker="1"\} (\d+)$/m.exec(text);
  if (!m) throw new Error('vigie_ticket_listener_failures_total not on /metrics');
  return Number(m[1]);
};

function openLive(cookie: string): Promise<{ ws: WebSocket; messages: any[] }> {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie } });
  const messages: any[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  return new Promise((resolve, reject) => {
    ws.once('message', () => resolve({ ws, messages }));
    ws.once('error', reject);
  });
}

const until = async (what: string, pred: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 200; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never: ${what}`);
};

describe('ticket change listeners', () => {
  it('a listener that cannot read the ticket is logged and counted; the change is kept; a readable ticket is published as before', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const live = await openLive(tech.cookie);
    const created = await tech.post('/api/v1/tickets', { clientId: h.acme.clientId, title: 'Serveur lent', description: 'Depuis ce matin', channel: 'email' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as number;
    // The same wait that follows the failure below sees a change published: the live view works.
    await until('the creation published live', () => live.messages.some((m) => m.type === 'ticket' && m.data.ticket.id === id));
    expect(await failures()).toBe(0);

    // A timeline event the ticket service cannot parse (a damaged row): every later read of this ticket fails.
    await h.collector.db.kysely.updateTable('ticket_events').set({ body: '{' }).where('ticket_id', '=', id).execute();
    const heard = live.messages.length;
    // The route's own answer reads the ticket too (a 500 saying so); the comment is committed before.
    const commented = await tech.post(`/api/v1/tickets/${id}/events`, { type: 'comment', text: 'Redémarrage prévu à 18 h' });
    expect(commented.status).toBe(500);
    // Both listeners (live view and notifications) failed, each counted once.
    await until('both listener failures counted', async () => (await failures()) === 2);
    expect(live.messages.length).toBe(heard);
    // The comment was committed all the same.
    const kept = await h.collector.db.kysely
      .selectFrom('ticket_events')
      .select('body')
      .where('ticket_id', '=', id)
      .where('type', '=', 'comment')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(kept.body)).toMatchObject({ text: 'Redémarrage prévu à 18 h' });
    live.ws.close();
  });
});
