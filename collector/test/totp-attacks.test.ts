import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_LIMITS, type LoginLimits } from '../src/auth/login-limiter.js';
import { hashPassword } from '../src/auth/passwords.js';
import { freshTotpCode } from '../src/auth/totp/test-codes.js';
import { type Harness, login, PASSWORD, startHarness, TOTP_SECRETS } from './harness.js';

// The second factor under attack (issue 16, found by the security suite): the mandatory enrolment
// must hold however the path is spelled, and a stolen session must not guess step-up codes forever.
const LIMITS: LoginLimits = { ...DEFAULT_LOGIN_LIMITS, perAccount: 4 };
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ rulesIntervalMs: 0, invoicing: false, loginLimits: LIMITS });
});
afterAll(async () => h.close());

describe('an admin who has not enrolled TOTP yet', () => {
  it('reaches nothing but enrolment, whatever spelling of the path the router still reads as the route', async () => {
    await h.collector.auth.createUser({
      email: 'nouvel-admin@vigie.test',
      name: 'Nouvel admin',
      role: 'admin',
      clientId: null,
      passwordHash: await hashPassword(PASSWORD),
    });
    const s = await login(h.url, 'nouvel-admin@vigie.test');
    const enrolled = await login(h.url, 'admin@vigie.test');
    const spellings = [
      '/api/v1/users',
      '/%61pi/v1/users',
      '/%61%70%69/v1/users',
      '/api/v1/%75sers',
      '/api//v1/users',
      '/api/v1/users/',
      '/api/v1/users?x=/api/v1/auth/',
    ];
    // The spellings the router reads as the route: an enrolled admin gets the list with them.
    const read = [];
    for (const path of spellings) if ((await enrolled.get(path)).status === 200) read.push(path);
    expect(read).toEqual(expect.arrayContaining(['/api/v1/users', '/%61pi/v1/users', '/api/v1/%75sers']));
    for (const path of read) {
      const r = await s.get(path);
      expect([path, r.status, r.body?.error?.code]).toEqual([path, 403, 'VIGIE_E_TOTP_ENROLMENT_REQUIRED']);
    }
    // Enrolment itself stays reachable (the control: the check does not refuse everything).
    expect((await s.get('/api/v1/auth/totp')).body).toMatchObject({ required: true, enabled: false });
    expect((await s.get('/%61pi/v1/auth/me')).status).toBe(200);
  });
});

describe('the step-up', () => {
  it('counts wrong codes like wrong passwords: past the account’s limit even the right code is refused', async () => {
    const admin = await login(h.url, 'admin@vigie.test');
    for (let i = 0; i < LIMITS.perAccount; i++)
      expect((await admin.post('/api/v1/auth/step-up', { code: String(100000 + i) })).body.error.code).toBe('VIGIE_E_TOTP_INVALID');
    const right = await admin.post('/api/v1/auth/step-up', { code: await freshTotpCode(TOTP_SECRETS.get('admin@vigie.test')!) });
    expect([right.status, right.body.error?.code]).toEqual([429, 'VIGIE_E_LOGIN_RATE_LIMITED']);
    expect((await admin.get('/api/v1/auth/totp')).body.stepUpUntil).toBeNull();
  });
});
