import { Type } from '@sinclair/typebox';
import { VigieError } from '@vigie/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audit } from '../audit/repository.js';
import type { Database } from '../store/database.js';
import { requireUser } from './guard.js';
import { type LoginLimiter, loginKeys } from './login-limiter.js';
import { verifyPassword } from './passwords.js';
import { type AuthRepository, SESSION_IDLE_MS } from './repository.js';

export const SESSION_COOKIE = 'vigie_session';
export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Routes that change state without a session: they carry their own credential. */
const NO_CSRF = new Set(['/api/v1/auth/login', '/api/v1/enroll']);

// A real hash of a random password: verifying it costs the same as for a real user.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

const UserView = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: Type.String(),
  clientId: Type.Union([Type.Integer(), Type.Null()]),
  locale: Type.String(),
});

export interface AuthDeps {
  db: Database;
  auth: AuthRepository;
  limiter: LoginLimiter;
  secureCookies: boolean;
  /** The second factor of a user who enabled TOTP; throws TOTP_REQUIRED or TOTP_INVALID. */
  secondFactor?: (userId: number, input: { totp?: string; recoveryCode?: string }) => Promise<void>;
}

export function registerAuth(app: FastifyInstance, deps: AuthDeps): void {
  const { auth, limiter } = deps;
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
    const path = req.url.split('?')[0] ?? '';
    if (UNSAFE.has(req.method) && path.startsWith('/api/') && !NO_CSRF.has(path) && req.session) {
      if (req.headers[CSRF_HEADER] !== req.session.csrfToken) throw new VigieError('CSRF');
    }
  });

  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: deps.secureCookies };

  app.post(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        body: Type.Object(
          {
            email: Type.String({ minLength: 3, maxLength: 254 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            totp: Type.Optional(Type.String({ maxLength: 16 })),
            recoveryCode: Type.Optional(Type.String({ maxLength: 32 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ user: UserView, csrfToken: Type.String() }) },
      },
    },
    async (req: FastifyRequest<{ Body: { email: string; password: string; totp?: string; recoveryCode?: string } }>, reply: FastifyReply) => {
      const email = req.body.email.toLowerCase();
      const keys = loginKeys(req.ip, email);
      if (limiter.blocked(keys)) throw new VigieError('LOGIN_RATE_LIMITED');
      const user = await auth.findUserByEmail(email);
      const ok = await verifyPassword(req.body.password, user?.password_hash ?? DUMMY_HASH);
      if (!user || !ok) {
        limiter.fail(keys);
        req.log.info({ email: email.slice(0, 254) }, 'login failed');
        throw new VigieError('LOGIN_FAILED');
      }
      try {
        await deps.secondFactor?.(user.id, req.body);
      } catch (err) {
        // A wrong second factor counts like a wrong password; a missing one is the first step.
        if (err instanceof VigieError && err.code === 'VIGIE_E_TOTP_INVALID') limiter.fail(keys);
        throw err;
      }
      limiter.succeed(keys.slice(0, 1));
      const s = await auth.createSession(user.id);
      await audit(deps.db, `user:${user.id}`, 'auth.login', `user:${user.id}`, { ip: req.ip });
      reply.setCookie(SESSION_COOKIE, s.token, { ...cookieOptions, maxAge: Math.floor(SESSION_IDLE_MS / 1000) });
      return {
        user: { id: user.id, email: user.email, name: user.name, role: user.role, clientId: user.client_id, locale: user.locale },
        csrfToken: s.csrfToken,
      };
    },
  );

  app.post('/api/v1/auth/logout', { schema: { tags: ['auth'] } }, async (req, reply) => {
    const user = requireUser(req);
    if (req.session) await auth.deleteSession(req.session.idHash);
    await audit(deps.db, `user:${user.id}`, 'auth.logout', `user:${user.id}`);
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return { ok: true };
  });

  app.get('/api/v1/auth/me', { schema: { tags: ['auth'], response: { 200: Type.Object({ user: UserView, csrfToken: Type.String() }) } } }, async (req) => {
    const user = requireUser(req);
    return { user, csrfToken: req.session?.csrfToken ?? '' };
  });
}
