import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Postgres, startPostgres, waitFor } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AUDIT_GENESIS, auditHash } from '../audit/chain.js';
import { Database } from '../store/database.js';
import { PostgresDatabase } from '../store/postgres-database.js';
import type { RelationalStore } from '../store/relational-store.js';
import { LoginLimiter } from './login-limiter.js';
import { AuthRepository, SESSION_IDLE_MS } from './repository.js';
import { SecretBox } from './totp/secret-box.js';
import { TotpService, totpCode } from './totp/totp-service.js';
import { DEVICE_TRUST_MS, TrustedDevices } from './trusted-devices.js';

/**
 * The sign-in layer (users, sessions, login limits, password resets, trusted browsers) on SQLite and
 * on a real PostgreSQL: the same calls give the same results, so collectors sharing a PostgreSQL
 * share login limits and sessions. Concurrency on PostgreSQL goes through two pools (two collectors).
 */

const T0 = 1_764_000_000_000; // beyond 2^31: bigint on PostgreSQL
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

let pg: Postgres;
let dir: string;
let sqlite: Database;
let postgres: PostgresDatabase;
let postgresTwin: PostgresDatabase;

beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  dir = mkdtempSync(join(tmpdir(), 'vigie-auth-engines-'));
  sqlite = new Database({ path: join(dir, 'vigie.db') });
  const url = await pg.createDatabase('vigie_auth');
  postgres = new PostgresDatabase({ url, maxConnections: 10 });
  postgresTwin = new PostgresDatabase({ url, maxConnections: 10 });
  await sqlite.migrate();
  await postgres.migrate();
});

afterAll(async () => {
  await sqlite?.close();
  await postgres?.close();
  await postgresTwin?.close();
  // pg's pool.end() resolves before its connections have closed: a fast shutdown under them would
  // reach the test as unhandled FATAL errors, so wait for the server to see them go.
  if (pg) {
    await waitFor(
      'the pools to disconnect',
      async () => pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'vigie_auth'")[0]?.trim() === '0',
      10_000,
      20,
    );
    await pg.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The engine under test and, for concurrency, a second collector's connection to the same store (itself on SQLite). */
const engines = () =>
  [
    ['sqlite', sqlite, sqlite],
    ['postgres', postgres, postgresTwin],
  ] as const satisfies readonly (readonly [string, RelationalStore, RelationalStore])[];

async function sessionsAndUsers(db: RelationalStore) {
  const auth = new AuthRepository(db);
  const id = await auth.createUser({ email: 'Sessions@Vigie.test', name: 'Léa', role: 'technician', clientId: null, passwordHash: 'h1' });
  const found = await auth.findUserByEmail('sessions@VIGIE.test');
  const s = await auth.createSession(id, T0);
  const resolved = await auth.resolveSession(s.token, T0 + 1000);
  // Past a minute of activity the expiry slides: still valid after the first expiry.
  const touched = await auth.resolveSession(s.token, T0 + SESSION_IDLE_MS - 1000);
  const afterSlide = await auth.resolveSession(s.token, T0 + SESSION_IDLE_MS + 1000);
  const expired = await auth.resolveSession(s.token, T0 + 3 * SESSION_IDLE_MS);
  const ended = await auth.createSession(id, T0);
  await auth.deleteSession(sha256(ended.token));
  const old = await auth.createSession(id, T0 - 2 * SESSION_IDLE_MS);
  await auth.purgeExpiredSessions(T0);
  const stale = await db.kysely.selectFrom('sessions').select('id_hash').where('id_hash', '=', sha256(old.token)).executeTakeFirst();

  const d = await auth.createSession(id, T0);
  const disabled = await auth.setDisabled(id, true, T0 + 5);
  await auth.setDisabled(id, true, T0 + 9); // disabling twice keeps the first date
  const disabledAt = (await db.kysely.selectFrom('users').select('disabled_at').where('id', '=', id).executeTakeFirstOrThrow()).disabled_at;
  const whileDisabled = { session: await auth.resolveSession(d.token, T0 + 10), login: await auth.findUserByEmail('sessions@vigie.test') };
  const enabled = await auth.setDisabled(id, false, T0 + 20);
  const r = await auth.createSession(id, T0);
  const still = await auth.sessionStillValid(sha256(r.token), { role: 'technician', clientId: null }, T0 + 1);
  const roleChanged = await auth.setRole(id, 'admin', null);
  const afterRole = await auth.sessionStillValid(sha256(r.token), { role: 'technician', clientId: null }, T0 + 1);
  const unknown = { disable: await auth.setDisabled(999_999, true, T0), role: await auth.setRole(999_999, 'admin', null) };
  return {
    found: found && { email: found.email, role: found.role, locale: found.locale, disabled_at: found.disabled_at },
    resolved: resolved && { user: resolved.user, csrf: resolved.csrfToken === s.csrfToken },
    touched: touched?.user.email,
    afterSlide: afterSlide?.user.email,
    expired,
    ended: await auth.resolveSession(ended.token, T0 + 1),
    stale,
    disabled,
    disabledAt,
    whileDisabled,
    enabled,
    still,
    roleChanged,
    afterRole,
    unknown,
    users: (await auth.listUsers()).map((u) => ({ email: u.email, role: u.role, disabled_at: u.disabled_at })),
  };
}

async function loginLimits(db: RelationalStore, twin: RelationalStore) {
  const limiter = new LoginLimiter(db, { windowMs: 60_000 });
  const other = new LoginLimiter(twin, { windowMs: 60_000 });
  const account = [{ key: 'account:victim@vigie.test', max: 3 }];
  const steps: boolean[] = [];
  for (let i = 0; i < 3; i++) {
    steps.push(await limiter.blocked(account, T0 + i));
    await limiter.fail(account, T0 + i);
  }
  steps.push(await limiter.blocked(account, T0 + 10));
  steps.push(await other.blocked(account, T0 + 10)); // another collector sees the same lockout
  await other.succeed(account);
  steps.push(await limiter.blocked(account, T0 + 11));
  // Failing again locks again; past the window, with no reset, the lockout lifts by itself.
  for (let i = 0; i < 3; i++) await limiter.fail(account, T0 + 20 + i);
  steps.push(await limiter.blocked(account, T0 + 30));
  steps.push(await limiter.blocked(account, T0 + 20 + 60_000));

  // 20 failures at once, half through each collector: every one counted.
  const spray = [{ key: 'address:203.0.113.9', max: 20 }];
  await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : limiter).fail(spray, T0 + 100)));
  const counted = await db.kysely
    .selectFrom('login_failures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('key', '=', spray[0]!.key)
    .executeTakeFirstOrThrow();
  const blockedAt20 = await limiter.blocked(spray, T0 + 101);
  const blockedAt21 = await limiter.blocked([{ ...spray[0]!, max: 21 }], T0 + 101);
  const bounded = new LoginLimiter(db, { windowMs: 60_000, maxRows: 30 });
  for (let i = 0; i < 40; i++) await bounded.fail([{ key: `address:198.51.100.${i}`, max: 1 }], T0 + 200 + i);
  const left = await db.kysely.selectFrom('login_failures').select('key').orderBy('at').orderBy('key').execute();
  return {
    steps,
    counted: Number(counted.n),
    blockedAt20,
    blockedAt21,
    left: left.map((r) => r.key),
  };
}

async function passwordResets(db: RelationalStore, twin: RelationalStore) {
  const auth = new AuthRepository(db);
  const auth2 = new AuthRepository(twin);
  const devices = new TrustedDevices(db);
  const id = await auth.createUser({ email: 'reset@vigie.test', name: 'Marc', role: 'technician', clientId: null, passwordHash: 'old' });
  const session = await auth.createSession(id, T0);
  const device = await devices.issue(id, T0);
  await auth.issuePasswordReset(id, sha256('first'), T0, T0 + 1000);
  await auth.issuePasswordReset(id, sha256('second'), T0 + 1, T0 + 1000); // voids the first
  const voided = await auth.resetPassword(sha256('first'), 'new-1', T0 + 2);
  const expiredToken = await auth.resetPassword(sha256('second'), 'new-1', T0 + 1000);
  // The same token used twice at once, through two collectors: exactly one wins.
  const race = await Promise.all([auth.resetPassword(sha256('second'), 'new-a', T0 + 3), auth2.resetPassword(sha256('second'), 'new-b', T0 + 3)]);
  const again = await auth.resetPassword(sha256('second'), 'new-c', T0 + 4);
  await auth.issuePasswordReset(id, sha256('third'), T0 + 5, T0 + 1000);
  await auth.setDisabled(id, true, T0 + 6);
  const whileDisabled = await auth.resetPassword(sha256('third'), 'new-d', T0 + 7);
  return {
    voided,
    expiredToken,
    winners: race.filter((r) => r === id).length,
    losers: race.filter((r) => r === undefined).length,
    password: ['new-a', 'new-b'].includes((await auth.passwordHash(id)) ?? ''),
    sessionClosed: await auth.resolveSession(session.token, T0 + 10),
    deviceForgotten: await devices.find(device, 'reset@vigie.test', T0 + 10),
    again,
    whileDisabled,
    unusedLeft: (await db.kysely.selectFrom('password_resets').select('token_hash').where('used_at', 'is', null).execute()).map((r) => r.token_hash),
  };
}

async function trustedDevices(db: RelationalStore) {
  const auth = new AuthRepository(db);
  const devices = new TrustedDevices(db);
  const id = await auth.createUser({ email: 'device@vigie.test', name: 'Inès', role: 'technician', clientId: null, passwordHash: 'h' });
  const token = await devices.issue(id, T0);
  const found = await devices.find(token, 'DEVICE@vigie.test', T0 + 1);
  const tokens: string[] = [];
  for (let i = 1; i <= 20; i++) tokens.push(await devices.issue(id, T0 + i));
  const kept = await db.kysely.selectFrom('login_devices').select('token_hash').where('user_id', '=', id).execute();
  return {
    found: found === sha256(token),
    wrongAccount: await devices.find(tokens[5], 'reset@vigie.test', T0 + 30),
    unknown: await devices.find('nope', 'device@vigie.test', T0 + 30),
    tooLong: await devices.find('x'.repeat(129), 'device@vigie.test', T0 + 30),
    oldestGone: await devices.find(token, 'device@vigie.test', T0 + 30),
    newestKept: (await devices.find(tokens[19], 'device@vigie.test', T0 + 30)) === sha256(tokens[19]!),
    kept: kept.length,
    expired: await devices.find(tokens[19], 'device@vigie.test', T0 + 20 + DEVICE_TRUST_MS),
  };
}

/** A refusal's error code, or 'accepted'. */
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: { code?: string; message: string }) => e.code ?? e.message,
  );

async function secondFactor(db: RelationalStore, twin: RelationalStore) {
  const box = SecretBox.open(dir);
  const auth = new AuthRepository(db);
  const totp = new TotpService(db, box);
  const totp2 = new TotpService(twin, box); // a second collector
  const id = await auth.createUser({ email: 'totp@vigie.test', name: 'Zoé', role: 'admin', clientId: null, passwordHash: 'h' });
  const user = { id, role: 'admin', email: 'totp@vigie.test' };
  const before = { required: await totp.required(user), enabled: await totp.enabled(id), mayProceed: await totp.mayProceed(id) };
  const { secret } = await totp.beginSetup(user, T0);
  const wrongFirst = await outcome(totp.confirmSetup(id, '000000', T0));
  const codes = await totp.confirmSetup(id, totpCode(secret, T0), T0);
  const enabledNow = { enabled: await totp.enabled(id), mayProceed: await totp.mayProceed(id), again: await outcome(totp.beginSetup(user, T0)) };
  // The enrolment's code cannot sign in again; the next time step's can, once, even raced by two collectors.
  const replayEnrolment = await outcome(totp.checkSignIn(id, { totp: totpCode(secret, T0) }, T0 + 1000));
  const next = totpCode(secret, T0 + 30_000);
  const race = await Promise.all([outcome(totp.checkSignIn(id, { totp: next }, T0 + 30_000)), outcome(totp2.checkSignIn(id, { totp: next }, T0 + 30_000))]);
  const none = await outcome(totp.checkSignIn(id, {}, T0 + 30_000));
  // A recovery code works once (raced too), any spelling; never for a step-up.
  const spelled = codes[0]!.toLowerCase().replaceAll('-', ' ');
  const recovery = await Promise.all([
    outcome(totp.checkSignIn(id, { recoveryCode: codes[0]! }, T0 + 31_000)),
    outcome(totp2.checkSignIn(id, { recoveryCode: spelled }, T0 + 31_000)),
  ]);
  const session = await auth.createSession(id, T0);
  const idHash = sha256(session.token);
  const stepUpBefore = await outcome(totp.assertSteppedUp(idHash, T0 + 60_000));
  const stepUpWithRecovery = await outcome(totp.stepUp(user, idHash, codes[1]!, T0 + 60_000));
  const steppedUntil = await totp.stepUp(user, idHash, totpCode(secret, T0 + 60_000), T0 + 60_000);
  const stepUpAfter = await outcome(totp.assertSteppedUp(idHash, T0 + 61_000));
  // Ten refused step-ups at once through two collectors: each audited, the hash chain never forks.
  const refusedAtOnce = await Promise.all(Array.from({ length: 10 }, (_, i) => outcome((i % 2 ? totp2 : totp).stepUp(user, idHash, '000000', T0 + 62_000))));
  const stepUpOtherSession = await outcome(totp.assertSteppedUp(sha256('another'), T0 + 61_000));
  const stepUpLate = await outcome(totp.assertSteppedUp(idHash, T0 + 60_000 + 6 * 60_000));
  const status = await totp.status(user, idHash, T0 + 61_000);
  await totp.reset(id, id, T0 + 70_000);
  const afterReset = {
    enabled: await totp.enabled(id),
    mayProceed: await totp.mayProceed(id),
    session: await auth.resolveSession(session.token, T0 + 70_001),
    status: await totp.status(user, idHash, T0 + 70_001),
    unknownUser: await outcome(totp.reset(id, 999_999, T0)),
  };
  const entries = await db.kysely.selectFrom('audit_log').selectAll().orderBy('id').execute();
  let prev = AUDIT_GENESIS;
  let chainHolds = true;
  for (const e of entries) {
    const content = {
      at: e.at,
      actor: e.actor,
      action: e.action,
      target: e.target,
      details: e.details,
      clientId: e.client_id,
      deviceId: e.device_id,
      result: e.result,
    };
    chainHolds &&= e.prev_hash === prev && e.hash === auditHash(prev, content);
    prev = e.hash;
  }
  const audit = entries.map((e) => ({ actor: e.actor, action: e.action, target: e.target, result: e.result }));
  return {
    before,
    wrongFirst,
    codes: codes.length,
    enabledNow,
    replayEnrolment,
    race: race.sort(),
    none,
    recovery: recovery.sort(),
    stepUpBefore,
    stepUpWithRecovery,
    steppedUntil,
    stepUpAfter,
    refusedAtOnce: [...new Set(refusedAtOnce)],
    stepUpOtherSession,
    stepUpLate,
    status,
    afterReset,
    audit,
    chainHolds,
  };
}

describe('the sign-in layer on SQLite and on PostgreSQL', () => {
  test('users and sessions: create, resolve, slide, expire, end, purge, disable, change role — same results', async () => {
    const [s, p] = [await sessionsAndUsers(sqlite), await sessionsAndUsers(postgres)];
    expect(s).toMatchObject({
      found: { email: 'sessions@vigie.test', role: 'technician', locale: 'fr', disabled_at: null },
      resolved: { user: { email: 'sessions@vigie.test', name: 'Léa', role: 'technician', clientId: null, locale: 'fr' }, csrf: true },
      touched: 'sessions@vigie.test',
      afterSlide: 'sessions@vigie.test',
      expired: undefined,
      ended: undefined,
      stale: undefined,
      disabled: true,
      disabledAt: T0 + 5,
      whileDisabled: { session: undefined, login: undefined },
      enabled: true,
      still: true,
      roleChanged: true,
      afterRole: false,
      unknown: { disable: false, role: false },
    });
    expect(p).toEqual(s);
  });

  test('login limits: lockout at the threshold, seen by another collector, reset; 20 concurrent failures counted exactly; bounded table', async () => {
    const results = [];
    for (const [name, db, twin] of engines()) results.push({ name, ...(await loginLimits(db, twin)) });
    const [s, p] = results;
    expect(s).toMatchObject({ steps: [false, false, false, true, true, false, true, false], counted: 20, blockedAt20: true, blockedAt21: false });
    // Past 30 rows the oldest failures go, never everything: the newest 30 keys stay.
    expect(s!.left).toEqual(Array.from({ length: 30 }, (_, i) => `address:198.51.100.${i + 10}`));
    expect({ ...p, name: 'sqlite' }).toEqual(s);
  });

  test('password reset: a new link voids the previous, a token works once (even raced by two collectors), never expired nor for a disabled account', async () => {
    const results = [];
    for (const [, db, twin] of engines()) results.push(await passwordResets(db, twin));
    const [s, p] = results;
    expect(s).toEqual({
      voided: undefined,
      expiredToken: undefined,
      winners: 1,
      losers: 1,
      password: true,
      sessionClosed: undefined,
      deviceForgotten: undefined,
      again: undefined,
      whileDisabled: undefined,
      unusedLeft: [sha256('third')],
    });
    expect(p).toEqual(s);
  });

  test('trusted browsers: bound to one account, expire, at most 20 per account with the oldest going first', async () => {
    const [s, p] = [await trustedDevices(sqlite), await trustedDevices(postgres)];
    expect(s).toEqual({
      found: true,
      wrongAccount: undefined,
      unknown: undefined,
      tooLong: undefined,
      oldestGone: undefined,
      newestKept: true,
      kept: 20,
      expired: undefined,
    });
    expect(p).toEqual(s);
  });

  test('second factor: enrolment, codes used once (raced by two collectors), recovery codes once, step-up bound to a session, reset — audited alike', async () => {
    const results = [];
    for (const [, db, twin] of engines()) results.push(await secondFactor(db, twin));
    const [s, p] = results;
    expect(s).toMatchObject({
      before: { required: true, enabled: false, mayProceed: false },
      wrongFirst: 'VIGIE_E_TOTP_INVALID',
      codes: 10,
      enabledNow: { enabled: true, mayProceed: true, again: 'VIGIE_E_CONFLICT' },
      replayEnrolment: 'VIGIE_E_TOTP_INVALID',
      race: ['VIGIE_E_TOTP_INVALID', 'accepted'],
      none: 'VIGIE_E_TOTP_REQUIRED',
      recovery: ['VIGIE_E_TOTP_INVALID', 'accepted'],
      stepUpBefore: 'VIGIE_E_STEP_UP_REQUIRED',
      stepUpWithRecovery: 'VIGIE_E_TOTP_INVALID',
      steppedUntil: T0 + 60_000 + 5 * 60_000,
      stepUpAfter: 'accepted',
      refusedAtOnce: ['VIGIE_E_TOTP_INVALID'],
      stepUpOtherSession: 'VIGIE_E_STEP_UP_REQUIRED',
      stepUpLate: 'VIGIE_E_STEP_UP_REQUIRED',
      status: { enabled: true, required: true, recoveryCodesLeft: 9, stepUpUntil: T0 + 60_000 + 5 * 60_000 },
      afterReset: {
        enabled: false,
        mayProceed: false,
        session: undefined,
        status: { enabled: false, required: true, recoveryCodesLeft: 0, stepUpUntil: null },
        unknownUser: 'VIGIE_E_NOT_FOUND',
      },
    });
    const refused = Array(11).fill('auth.step-up refused: VIGIE_E_TOTP_INVALID');
    expect(s!.audit.map((a) => `${a.action} ${a.result}`)).toEqual([
      'auth.totp.enable ok',
      'auth.recovery-code.use ok',
      refused[0],
      'auth.step-up ok',
      ...refused.slice(1),
      'auth.totp.reset ok',
    ]);
    expect(s!.chainHolds).toBe(true);
    expect(p).toEqual(s);
  });
});
