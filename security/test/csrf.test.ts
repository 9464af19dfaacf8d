import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from './support/context.js';
import { ok, type Session, signIn } from './support/http.js';
import { bodyFor, pathsFor, type Route, routeTable, SAFE } from './support/routes.js';
import { Tally } from './support/tally.js';

// CSRF, generated from the route table: every state-changing route, under every spelling of its
// path the router may still read as that route (percent-encoding, double slashes, case, trailing
// dots and slashes, dot segments, parameters), with the admin's cookie and no token, or another
// session's token, must be refused before it acts.
const w = world();
const tally = new Tally('csrf');
let routes: Route[];
let admin: Session;
let tech: Session;

/** `/api/v1/users/2/disable` written the ways an attacker would try. */
export function spellings(path: string): string[] {
  const [bare, query] = path.split('?');
  const segs = bare!.split('/').slice(1);
  const enc = (s: string, i = 0) => (s.length > i ? `${s.slice(0, i)}%${s.charCodeAt(i).toString(16)}${s.slice(i + 1)}` : s);
  const join = (parts: string[]) => `/${parts.join('/')}`;
  const last = segs.length - 1;
  const out = [
    path,
    join([enc(segs[0]!), ...segs.slice(1)]),
    join([enc(segs[0]!), enc(segs[1]!), ...segs.slice(2).map((s) => enc(s))]),
    join(segs.map((s, i) => (i === last ? enc(s, s.length - 1) : s))),
    `/${bare}`,
    join(segs).replace('/v1/', '/v1//'),
    join(segs.map((s, i) => (i === 0 ? s.toUpperCase() : s))),
    `${bare}.`,
    `${bare}/`,
    join([...segs.slice(0, 2), '.', ...segs.slice(2)]),
    join([...segs.slice(0, 2), 'x', '..', ...segs.slice(2)]),
    `${bare};jsessionid=1`,
    `${bare}%20`,
    `${bare}?_method=GET`,
  ];
  return [...new Set(out.map((p) => (query ? `${p}${p.includes('?') ? '&' : '?'}${query}` : p)))];
}

beforeAll(async () => {
  routes = await routeTable(w.url);
  admin = await signIn(w.url, w.emails.admin, w.password);
  tech = await signIn(w.url, w.emails.tech, w.password);
});
afterAll(() => tally.flush());

describe('CSRF (route table × path spellings)', () => {
  it('refuses every state-changing request made with the admin’s cookie alone, however its path is written', async () => {
    const before = ok(await admin.get('/api/v1/users'), 'users');
    for (const route of routes.filter((r) => !SAFE.has(r.method) && r.path !== '/api/v1/auth/login' && r.path !== '/api/v1/enroll')) {
      for (const path of pathsFor(route, w.acme)!) {
        for (const spelled of spellings(path)) {
          const body = bodyFor(route, w.acme, w.month);
          const noToken = await admin.call(route.method, spelled, { body, csrf: false });
          tally.add(noToken.status === 403 && noToken.body?.error?.code === 'VIGIE_E_CSRF', `${route.method} ${spelled} without token → ${noToken.status}`);
        }
        // Another session's token is no token for this one; a form-encoded post is no exception.
        const foreign = await admin.call(route.method, path, { body: bodyFor(route, w.acme, w.month), csrf: false, headers: { 'x-csrf-token': tech.csrf } });
        tally.add(foreign.status === 403, `${route.method} ${path} with another session's token → ${foreign.status}`);
        const form = await admin.call(route.method, path, { raw: 'a=1', csrf: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        tally.add(form.status === 403, `${route.method} ${path} as a form post → ${form.status}`);
      }
    }
    expect(tally.takeLetThrough()).toEqual([]);
    expect(ok(await admin.get('/api/v1/users'), 'users')).toEqual(before);
  });

  it('lets the same request through with the session’s own token (the control)', async () => {
    const res = await admin.call('POST', `/%61pi/v1/users/${w.globex.user}/enable`);
    expect(res.status).toBe(200);
  });
});
