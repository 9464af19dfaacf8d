import { timingSafeEqual } from 'node:crypto';
import { VigieError } from '@vigie/shared';
import { LoginBody, Ok, PasswordChangeBody, SignedIn } from '@vigie/shared/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audit } from '../audit/repository.js';
import type { SessionEndReason } from '../cluster/bus.js';
import type { RelationalStore } from '../store/relational-store.js';
import { requireUser } from './guard.js';
import { accountKeys, type LoginLimiter, loginKeys, trustedDeviceKeys } from './login-limiter.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { type AuthRepository, SESSION_IDLE_MS } from './repository.js';
import { DEVICE_COOKIE, DEVICE_COOKIE_PATH, DEVICE_TRUST_MS, TrustedDevices } from './trusted-devices.js';

export const SESSION_COOKIE = 'vigie_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Routes (as the router matched them) that change state without a session: they carry their own credential. */
const NO_CSRF = new Set(['/api/v1/auth/login', '/api/v1/enroll', '/api/v1/auth/password-reset', '/api/v1/auth/password-reset/confirm']);

function sameToken(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

// A real hash of a random password: verifying it costs the same as for a real user.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export interface AuthDeps {
  db: RelationalStore;
  auth: AuthRepository;
  limiter: LoginLimiter;
  secureCookies: boolean;
  /** Closes the live sockets of ended sessions, on every collector process. */
  sessionsEnded: (e: { userId: number; idHash?: string; reason: SessionEndReason }) => void;
  /** The second factor of a user who enabled TOTP; throws TOTP_REQUIRED or TOTP_INVALID. */
  secondFactor?: (userId: number, input: { totp?: string; recoveryCode?: string }) => Promise<void>;
}

export function registerAuth(app: FastifyInstance, deps: AuthDeps): void {
  const { auth, limiter } = deps;
  const devices = new TrustedDevices(deps.db);
  app.decorateRequest('user', null);
  app.decorateRequest('session', null);

  app.addHook('onRequest', async (req: FastifyRequest) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) {
      const s = await auth.resolveSession(token);
      if (s) {
        req.user = s.user;
        req.session = { idHash: s.idHash, csrfToken: s.csrfToken };
      }
    }
    // Every state-changing request made with a session carries its token, whatever its path looks
    // like: the exemptions are routes as the router matched them (after it decoded the path), never
    // the raw URL (`/%61pi/…` is `/api/…` to the router). An unmatched path is checked too.
    if (!SAFE.has(req.method) && req.session && !NO_CSRF.has(req.routeOptions.url ?? '')) {
      if (!sameToken(req.headers[CSRF_HEADER], req.session.csrfToken)) throw new VigieError('CSRF');
    }
  });

  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: deps.secureCookies };

  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        body: LoginBody,
        response: { 200: SignedIn },
      },
    },
    async (req: FastifyRequest<{ Body: { email: string; password: string; totp?: string; recoveryCode?: string } }>, reply: FastifyReply) => {
      const email = req.body.email.toLowerCase();
      // req.ip is the client's address: X-Forwarded-For counts only from the proxies of --trust-proxy.
      const trusted = await devices.find(req.cookies[DEVICE_COOKIE], email);
      const keys = trusted ? trustedDeviceKeys(trusted, limiter.limits) : loginKeys(req.ip, email, limiter.limits);
      // Counted before the password is checked: a burst of simultaneous guesses gets no more than the limit.
      const counted = await limiter.attempt(keys);
      if (counted.blocked) throw new VigieError('LOGIN_RATE_LIMITED');
      const user = await auth.findUserByEmail(email);
      const ok = await verifyPassword(req.body.password, user?.password_hash ?? DUMMY_HASH);
      if (!user || !ok) {
        req.log.info({ email: email.slice(0, 254) }, 'login failed');
        throw new VigieError('LOGIN_FAILED');
      }
      try {
        await deps.secondFactor?.(user.id, req.body);
      } catch (err) {
        // A wrong second factor counts like a wrong password; a missing one is the first step.
        if (!(err instanceof VigieError && err.code === 'VIGIE_E_TOTP_INVALID')) await counted.release();
        throw err;
      }
      await counted.release();
      const s = await auth.createSession(user.id);
      await audit(deps.db, `user:${user.id}`, 'auth.login', `user:${user.id}`, { ip: req.ip });
      // The session cookie first: scripts that read the first Set-Cookie keep working.
      reply.setCookie(SESSION_COOKIE, s.token, { ...cookieOptions, maxAge: Math.floor(SESSION_IDLE_MS / 1000) });
      if (trusted) await limiter.succeed(keys);
      else {
        const token = await devices.issue(user.id);
        reply.setCookie(DEVICE_COOKIE, token, { ...cookieOptions, path: DEVICE_COOKIE_PATH, maxAge: Math.floor(DEVICE_TRUST_MS / 1000) });
      }
      return {
        user: { id: user.id, email: user.email, name: user.name, role: user.role, clientId: user.client_id, locale: user.locale },
        csrfToken: s.csrfToken,
      };
    },
  );

  app.post('/api/v1/auth/logout', { schema: { tags: ['auth'], response: { 200: Ok } } }, async (req, reply) => {
    const user = requireUser(req);
    if (req.session) {
      await auth.deleteSession(req.session.idHash);
      deps.sessionsEnded({ userId: user.id, idHash: req.session.idHash, reason: 'logout' });
    }
    await audit(deps.db, `user:${user.id}`, 'auth.logout', `user:${user.id}`);
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return { ok: true };
  });

  // One's own password: the current one first (a session left open is not enough to take the
  // account), then every session of the account closes, this one included — sign in again.
  app.post(
    '/api/v1/auth/password',
    {
      schema: {
        tags: ['auth'],
        description: 'Changes one’s own password; every session of the account (and its live sockets) is closed.',
        body: PasswordChangeBody,
        response: { 200: Ok },
      },
    },
    async (req: FastifyRequest<{ Body: { currentPassword: string; newPassword: string } }>, reply: FastifyReply) => {
      const user = requireUser(req);
      const keys = accountKeys(user.email, limiter.limits);
      const counted = await limiter.attempt(keys);
      if (counted.blocked) throw new VigieError('LOGIN_RATE_LIMITED');
      if (!(await verifyPassword(req.body.currentPassword, (await auth.passwordHash(user.id)) ?? DUMMY_HASH))) {
        throw new VigieError('LOGIN_FAILED', 'Wrong current password');
      }
      await counted.release();
      await auth.changePassword(user.id, await hashPassword(req.body.newPassword));
      deps.sessionsEnded({ userId: user.id, reason: 'password-changed' });
      await audit(deps.db, `user:${user.id}`, 'auth.password', `user:${user.id}`);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return { ok: true };
    },
  );

  app.get('/api/v1/auth/me', { schema: { tags: ['auth'], response: { 200: SignedIn } } }, async (req) => {
    const user = requireUser(req);
    return { user, csrfToken: req.session?.csrfToken ?? '' };
  });
}
