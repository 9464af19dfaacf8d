import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from './support/context.js';
import { call, type Session, signIn } from './support/http.js';
import { Tally } from './support/tally.js';

// Oversized and malformed input on the REST API: each refused with a catalogue error (never a
// crash, never a 500), and both collector processes still answer afterwards.
const w = world();
const tally = new Tally('oversized and malformed input');
let tech: Session;
beforeAll(async () => {
  tech = await signIn(w.url, w.emails.tech, w.password);
});
afterAll(() => tally.flush());

describe('oversized and malformed REST input', () => {
  it('refuses each with a 4xx and a catalogue code', async () => {
    const ticket = { clientId: w.acme.client, title: 'x', description: 'x' };
    const cases: [string, string, string, Parameters<typeof call>[3], number[]][] = [
      ['a 2 MiB body', 'POST', '/api/v1/tickets', { raw: JSON.stringify({ ...ticket, description: 'x'.repeat(2 * 1024 * 1024) }) }, [413]],
      ['malformed JSON', 'POST', '/api/v1/tickets', { raw: '{"clientId": 1, "title": ' }, [400]],
      ['JSON with trailing garbage', 'POST', '/api/v1/tickets', { raw: `${JSON.stringify(ticket)}}}}` }, [400]],
      ['100,000 nested arrays', 'POST', '/api/v1/tickets', { raw: `{"title":${'['.repeat(100_000)}${']'.repeat(100_000)}}` }, [400, 413]],
      ['an unknown field', 'POST', '/api/v1/tickets', { body: { ...ticket, clientId: w.acme.client, status: 'closed', id: 1 } }, [400]],
      [
        'a prototype key',
        'POST',
        '/api/v1/tickets',
        { raw: `{"__proto__":{"role":"admin"},"clientId":${w.acme.client},"title":"x","description":"x"}` },
        [400],
      ],
      ['a constructor key', 'PUT', `/api/v1/policies/client/${w.acme.client}`, { body: { probes: { constructor: { prototype: { polluted: 1 } } } } }, [400]],
      ['text/plain', 'POST', '/api/v1/tickets', { raw: JSON.stringify(ticket), headers: { 'content-type': 'text/plain' } }, [400, 415]],
      ['XML', 'POST', '/api/v1/tickets', { raw: '<ticket/>', headers: { 'content-type': 'application/xml' } }, [415]],
      ['an id past 2^53', 'GET', '/api/v1/tickets/123456789012345678901234567890', {}, [400, 404]],
      ['a negative id', 'GET', '/api/v1/tickets/-1', {}, [400, 404]],
      ['an SQL id', 'GET', '/api/v1/tickets/1%20OR%201=1', {}, [400, 404]],
      ['a path traversal', 'GET', '/api/v1/reports/..%2F..%2F..%2Fetc%2Fpasswd/pdf', {}, [400, 404]],
      ['a traversal in downloads', 'GET', '/downloads/..%2F..%2Fcollector%2Fdata%2Fvigie.db', {}, [400, 403, 404]],
      ['a huge limit', 'GET', '/api/v1/tickets?limit=1000000000', {}, [400]],
      ['an SQL search', 'GET', '/api/v1/devices?q=%27%20OR%201%3D1%20--', {}, [200, 400]],
      ['a 20 kB header', 'GET', '/api/v1/auth/me', { headers: { 'x-filler': 'a'.repeat(20_000) } }, [431]],
      ['a 100 kB URL', 'GET', `/api/v1/tickets?x=${'a'.repeat(100_000)}`, {}, [414, 431, 400]],
      ['a month that is no month', 'GET', `/api/v1/clients/${w.acme.client}/stats?months=99999`, {}, [400]],
    ];
    for (const [what, method, path, opts, expected] of cases) {
      const res = await tech.call(method, path, opts);
      const coded = res.status === 431 || res.status === 414 || typeof res.body?.error?.code === 'string' || (res.status === 200 && what === 'an SQL search');
      // An SQL search answers 200 with what matches the text: no device's name holds it.
      const clean = what !== 'an SQL search' || (res.body?.devices ?? []).length === 0;
      tally.add(expected.includes(res.status) && coded && clean, `${what} → ${res.status} ${res.text.slice(0, 160)}`);
    }
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('keeps answering on both collector processes', async () => {
    for (let i = 0; i < 6; i++) expect((await call(w.url, 'GET', '/healthz')).status).toBe(200);
  });
});
