import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { staffSession, world } from './support/context.js';
import { type Answer, attemptSignIn, ok, type Session, signIn } from './support/http.js';
import { bodyFor, pathsFor, REFUSED, type Route, routeTable, SAFE } from './support/routes.js';
import { spellings } from './support/spellings.js';
import { enrolStaff, type SecondFactorSeed } from './support/staff.js';
import { Tally } from './support/tally.js';
import { freshCode } from './support/totp.js';

// The staff's second factor attacked (issue 16): the mandatory enrolment (an admin who has not set
// up TOTP reaches nothing else, whatever the path's spelling, and hears nothing live), codes and
// recovery codes accepted once, and guesses of the code — at sign-in (with the right password) and
// at a step-up (with a stolen session) — counted by the login limiter, across both workers. Each
// attack on an account of its own: the limiter then locks it for 15 minutes.
const w = world();
const tally = new Tally('second factor');
let admin: Session;
let routes: Route[];
afterAll(() => tally.flush());

/** A new admin account (as an admin creates it), enrolled over HTTP unless told not to. */
async function newAdmin(email: string): Promise<void> {
  ok(await admin.post('/api/v1/users', { email, name: email, role: 'admin', password: w.password }), `user ${email}`);
}
const said = (res: Answer) => `${res.status} ${res.text.slice(0, 160)}`;
/** Sign-in attempts come from their own loopback addresses: the suite's own address is not sprayed. */
let nextAddress = 1;
const from = () => `127.0.3.${nextAddress++}`;

/** The live socket's answer to a session: 101 when it opened (then closed at once), else the HTTP status. */
function liveSocket(s: Session): Promise<number> {
  return new Promise<number>((resolve) => {
    const ws = new WebSocket(`${w.url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie: s.cookie, origin: w.url } });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(0));
  });
}

beforeAll(async () => {
  admin = staffSession('admin');
  routes = await routeTable(w.url);
});

describe('mandatory enrolment', () => {
  it('an admin without TOTP reaches nothing but enrolment, however the path is spelled, and hears nothing live', async () => {
    await newAdmin('nouvel-admin@vigie.test');
    const fresh = await signIn(w.url, 'nouvel-admin@vigie.test', w.password, { from: from() });
    const exempt = (r: Route) => r.path.startsWith('/api/v1/auth/') || r.path === '/api/v1/enroll';
    for (const route of routes.filter((r) => !exempt(r))) {
      for (const path of pathsFor(route, w.acme)!) {
        for (const spelled of spellings(path)) {
          const res = await fresh.call(route.method, spelled, SAFE.has(route.method) ? {} : { body: bodyFor(route, w.acme, w.month) });
          tally.add(REFUSED.has(res.status), `admin without TOTP ${route.method} ${spelled} → ${said(res)}`);
        }
        // The plain spelling is refused for the right reason (not a 404 that would hide a gap): the
        // second factor, or an invalid body or query (checked first: the handler is never reached).
        const plain = await fresh.call(route.method, path, SAFE.has(route.method) ? {} : { body: bodyFor(route, w.acme, w.month) });
        const code = plain.body?.error?.code;
        tally.add(
          (plain.status === 403 && code === 'VIGIE_E_TOTP_ENROLMENT_REQUIRED') || (plain.status === 400 && code === 'VIGIE_E_VALIDATION'),
          `admin without TOTP ${route.method} ${path} → ${said(plain)}`,
        );
      }
    }
    const live = await liveSocket(fresh);
    tally.add(live === 403, `live socket of an admin without TOTP → ${live}`);
    // The controls: enrolment is reachable, and an enrolled admin reads the same route under a
    // spelling and opens the same live socket.
    expect(ok(await fresh.get('/api/v1/auth/totp'), 'totp status')).toMatchObject({ required: true, enabled: false });
    expect((await admin.get('/%61pi/v1/users')).status).toBe(200);
    expect(await liveSocket(admin)).toBe(101);
    expect(tally.takeLetThrough()).toEqual([]);
  });
});

describe('codes and recovery codes', () => {
  let seed: SecondFactorSeed;
  /** A session of the account, signed in with the app's code (reused: each code costs a time step). */
  let signedIn: Session;
  beforeAll(async () => {
    await newAdmin('gardien@vigie.test');
    seed = await enrolStaff(w.url, 'gardien@vigie.test', w.password);
  });

  it('accepts a code once, and a recovery code once, for its own account, at sign-in only', async () => {
    const code = await freshCode(seed.secret);
    expect((await attemptSignIn(w.url, 'gardien@vigie.test', w.password, { totp: code, from: from() })).status).toBe(200);
    const attempts: [string, Parameters<typeof attemptSignIn>[3]][] = [
      ['the same code again', { totp: code }],
      ['no code', {}],
      ['another account’s code', { totp: await freshCode(w.totp.remote.secret) }],
    ];
    for (const [what, o] of attempts) {
      const res = await attemptSignIn(w.url, 'gardien@vigie.test', w.password, { ...o, from: from() });
      tally.add(res.status === 401 || res.status === 403, `sign-in with ${what} → ${said(res)}`);
    }
    const [first, second] = seed.recoveryCodes as [string, string];
    // The control: a recovery code opens a session once.
    expect((await attemptSignIn(w.url, 'gardien@vigie.test', w.password, { recoveryCode: first, from: from() })).status).toBe(200);
    for (const [what, o, email] of [
      ['a recovery code used before', { recoveryCode: first }, 'gardien@vigie.test'],
      ['the same recovery code in lower case without dashes', { recoveryCode: first.toLowerCase().replace(/-/g, '') }, 'gardien@vigie.test'],
      ['another account’s recovery code', { recoveryCode: second }, w.emails.remote],
      ['a recovery code without the password', { recoveryCode: second, password: 'devine' }, 'gardien@vigie.test'],
    ] as const) {
      const { password, ...factor } = o as { recoveryCode: string; password?: string };
      const res = await attemptSignIn(w.url, email, password ?? w.password, { ...factor, from: from() });
      tally.add(res.status === 401 || res.status === 403, `sign-in with ${what} → ${said(res)}`);
    }
    // A recovery code is no step-up: scripts and reboots want the app's code.
    signedIn = await signIn(w.url, 'gardien@vigie.test', w.password, { totp: await freshCode(seed.secret), from: from() });
    const stepped = await signedIn.post('/api/v1/auth/step-up', { code: second });
    tally.add(stepped.status === 400 || stepped.status === 403, `step-up with a recovery code → ${said(stepped)}`);
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('counts wrong step-up codes like wrong passwords: a stolen session does not guess the code', async () => {
    const s = signedIn;
    // Ten guesses, each refused; the eleventh is refused even when it is the right code.
    for (let i = 0; i < 10; i++) {
      const res = await s.post('/api/v1/auth/step-up', { code: String(200_000 + i * 7919).padStart(6, '0') });
      tally.add(res.status === 403 || res.status === 429, `step-up guess ${i + 1} → ${said(res)}`);
    }
    const right = await s.post('/api/v1/auth/step-up', { code: await freshCode(seed.secret) });
    tally.add(right.status === 429, `the right step-up code after ten guesses → ${said(right)}`);
    const status = ok<{ stepUpUntil: number | null }>(await s.get('/api/v1/auth/totp'), 'status');
    tally.add(status.stepUpUntil === null, `the session was stepped up: ${JSON.stringify(status)}`);
    expect(tally.takeLetThrough()).toEqual([]);
  });
});

describe('guessing the code at sign-in', () => {
  it('with the right password, wrong codes count as failures on the account, across both workers: past 10, even the right code is refused', async () => {
    await newAdmin('veilleur@vigie.test');
    const seed = await enrolStaff(w.url, 'veilleur@vigie.test', w.password);
    for (let i = 0; i < 10; i++) {
      // Each on a new connection, from a new address: the cluster's primary deals them to both workers.
      const res = await attemptSignIn(w.url, 'veilleur@vigie.test', w.password, { totp: String(300_000 + i * 104_729).slice(-6), from: from() });
      tally.add(res.status === 403 && res.body?.error?.code === 'VIGIE_E_TOTP_INVALID', `sign-in guess ${i + 1} → ${said(res)}`);
    }
    const right = await freshCode(seed.secret);
    for (let i = 0; i < 3; i++) {
      const res = await attemptSignIn(w.url, 'veilleur@vigie.test', w.password, { totp: right, from: from() });
      tally.add(res.status === 429 && res.body?.error?.code === 'VIGIE_E_LOGIN_RATE_LIMITED', `the right code after ten guesses → ${said(res)}`);
    }
    expect(tally.takeLetThrough()).toEqual([]);
  });
});
