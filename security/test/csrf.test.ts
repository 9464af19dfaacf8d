import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffSession, world } from './support/context.js';
import { ok, type Session, signIn } from './support/http.js';
import { bodyFor, pathsFor, type Route, routeTable, SAFE } from './support/routes.js';
import { spellings } from './support/spellings.js';
import { stepUp } from './support/staff.js';
import { Tally } from './support/tally.js';

// CSRF, generated from the route table: every state-changing route, under every spelling of its
// path the router may still read as that route (percent-encoding, double slashes, case, trailing
// dots and slashes, dot segments, parameters), with the admin's cookie and no token, or another
// session's token, must be refused before it acts. The admin's session is stepped up (a fresh TOTP):
// scripts, reboots and approvals would be allowed from it — only the missing token stops them.
const w = world();
/** Routes that act without a session (their own credential or none): no CSRF token to check. */
const NO_SESSION = new Set(['/api/v1/auth/login', '/api/v1/enroll', '/api/v1/auth/password-reset', '/api/v1/auth/password-reset/confirm']);
const tally = new Tally('csrf');
let routes: Route[];
let admin: Session;
let tech: Session;
let steppedUpUntil = 0;
/** The step-up lasts 5 minutes: renewed when less than one is left, so that every attack meets a stepped-up session. */
const keepSteppedUp = async () => {
  if (steppedUpUntil - Date.now() < 60_000) steppedUpUntil = await stepUp(admin, w.totp.admin);
};

beforeAll(async () => {
  routes = await routeTable(w.url);
  admin = staffSession('admin');
  steppedUpUntil = await stepUp(admin, w.totp.admin);
  tech = await signIn(w.url, w.emails.tech, w.password);
});
afterAll(() => tally.flush());

describe('CSRF (route table × path spellings)', () => {
  it('refuses every state-changing request made with the admin’s cookie alone, however its path is written', async () => {
    const before = ok(await admin.get('/api/v1/users'), 'users');
    for (const route of routes.filter((r) => !SAFE.has(r.method) && !NO_SESSION.has(r.path))) {
      await keepSteppedUp();
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
    // And the session was stepped up: a script run (which needs it) goes through with the token.
    await keepSteppedUp();
    const run = await admin.call('POST', '/%61pi/v1/commands', {
      body: { target: { kind: 'device', id: w.acme.device }, action: 'script', scriptVersionId: w.script.approved },
    });
    expect(run.status, run.text).toBe(201);
  });
});
