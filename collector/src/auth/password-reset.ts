import { createHash, randomBytes } from 'node:crypto';
import { refusal, VigieError } from '@vigie/shared';
import { Ok, PasswordResetBody, PasswordResetRequestBody } from '@vigie/shared/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createTransport, type Transporter } from 'nodemailer';
import { audit } from '../audit/repository.js';
import type { SessionEndReason } from '../cluster/bus.js';
import type { RelationalStore } from '../store/relational-store.js';
import type { LimitKey, LoginLimiter } from './login-limiter.js';
import { hashPassword } from './passwords.js';
import type { AuthRepository } from './repository.js';

/** A reset link works this long, and once. */
export const RESET_TTL_MS = 30 * 60_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Asking for links: a few per account and some per address in the login limiter's window; a wrong token counts per address. */
const requestKeys = (ip: string, email: string): LimitKey[] => [
  { key: `reset-account:${email.toLowerCase()}`, max: 3 },
  { key: `reset-address:${ip}`, max: 20 },
];
const confirmKeys = (ip: string): LimitKey[] => [{ key: `reset-token:${ip}`, max: 10 }];

export interface PasswordResetDeps {
  db: RelationalStore;
  auth: AuthRepository;
  limiter: LoginLimiter;
  /** The notifications' SMTP relay and sender (the same settings as every other mail). */
  mail: { smtpUrl?: string | undefined; from: string; publicUrl?: string | undefined };
  sessionsEnded: (e: { userId: number; reason: SessionEndReason }) => void;
}

function mailText(lang: string, name: string, link: string | undefined, token: string): { subject: string; text: string } {
  const minutes = RESET_TTL_MS / 60_000;
  if (lang === 'en')
    return {
      subject: 'Vigie: resetting your password',
      text: `Hello ${name},\n\nSomeone (you, we hope) asked to reset the password of your Vigie account.\n${link ? `Open this link within ${minutes} minutes to choose a new one:\n${link}` : `On the sign-in page, choose "Forgotten password", then "I have a code", and enter this code within ${minutes} minutes:\n${token}`}\n\nThe link works once. If you did not ask for it, ignore this message: your password stays as it is.\n`,
    };
  return {
    subject: 'Vigie\u00a0: réinitialisation de votre mot de passe',
    text: `Bonjour ${name},\n\nQuelqu\u2019un (vous, nous l\u2019espérons) a demandé à réinitialiser le mot de passe de votre compte Vigie.\n${link ? `Ouvrez ce lien dans les ${minutes}\u00a0minutes pour en choisir un nouveau\u00a0:\n${link}` : `Sur la page de connexion, choisissez «\u00a0Mot de passe oublié\u00a0», puis «\u00a0J\u2019ai un code\u00a0», et saisissez ce code dans les ${minutes}\u00a0minutes\u00a0:\n${token}`}\n\nLe lien ne sert qu\u2019une fois. Si vous n\u2019avez rien demandé, ignorez ce message\u00a0: votre mot de passe reste inchangé.\n`,
  };
}

/**
 * Password reset by e-mail: asked with an address (the same answer whether an account has it or
 * not), a random token mailed through the notifications' relay — its hash only is stored — valid
 * 30 minutes and once; using it sets the new password and closes every session of the account.
 * Requests and wrong tokens are limited; every step is audited.
 */
export function registerPasswordReset(app: FastifyInstance, deps: PasswordResetDeps): { close(): void } {
  const { db, auth, limiter } = deps;
  const transport: Transporter | undefined = deps.mail.smtpUrl
    ? createTransport({ url: deps.mail.smtpUrl, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 })
    : undefined;

  app.post(
    '/api/v1/auth/password-reset',
    {
      schema: {
        tags: ['auth'],
        description: 'Mails a password reset link to the account with this address, if there is one.',
        body: PasswordResetRequestBody,
        response: { 202: Ok },
      },
    },
    async (req: FastifyRequest<{ Body: { email: string } }>, reply) => {
      const email = req.body.email.trim().toLowerCase();
      // Every request counts, and is counted before anything else (a burst cannot read the count
      // before any of it is written).
      if ((await limiter.attempt(requestKeys(req.ip, email))).blocked) throw new VigieError('LOGIN_RATE_LIMITED', 'Too many reset requests, try again later');
      if (!transport) throw refusal('UNAVAILABLE', 'smtp_not_configured', 'No SMTP relay is configured (--smtp-relay): password resets cannot be mailed');
      const user = await auth.findUserByEmail(email);
      reply.code(202);
      if (!user || user.disabled_at !== null) {
        await audit(db, 'anonymous', 'auth.password-reset.unknown', `email:${sha256(email).slice(0, 16)}`, { ip: req.ip });
        return { ok: true };
      }
      const token = randomBytes(32).toString('base64url');
      const now = Date.now();
      await auth.issuePasswordReset(user.id, sha256(token), now, now + RESET_TTL_MS);
      const link = deps.mail.publicUrl ? `${deps.mail.publicUrl.replace(/\/$/, '')}/#/reset?token=${token}` : undefined;
      const m = mailText(user.locale, user.name, link, token);
      try {
        await transport.sendMail({ from: deps.mail.from, to: user.email, subject: m.subject, text: m.text });
        await audit(db, 'anonymous', 'auth.password-reset.mailed', `user:${user.id}`, { ip: req.ip });
      } catch (err) {
        // The answer stays the same (it must not tell whether the account exists); the failure is logged and audited.
        req.log.error({ err, userId: user.id }, 'password reset mail failed');
        await audit(db, 'anonymous', 'auth.password-reset.mail-failed', `user:${user.id}`, { error: (err as Error).message });
      }
      return { ok: true };
    },
  );

  app.post(
    '/api/v1/auth/password-reset/confirm',
    {
      schema: {
        tags: ['auth'],
        description: 'Sets a new password with a reset token; every session of the account closes.',
        body: PasswordResetBody,
        response: { 200: Ok },
      },
    },
    async (req: FastifyRequest<{ Body: { token: string; newPassword: string } }>) => {
      // Counted before the (slow) hashing and the token check; taken back if the token was good.
      const attempt = await limiter.attempt(confirmKeys(req.ip));
      if (attempt.blocked) throw new VigieError('LOGIN_RATE_LIMITED');
      let userId: number | undefined;
      try {
        const hash = await hashPassword(req.body.newPassword);
        // Token checked and spent, password replaced and sessions closed: one transaction.
        userId = await auth.resetPassword(sha256(req.body.token), hash, Date.now());
      } catch (err) {
        await attempt.release();
        throw err;
      }
      if (userId !== undefined) await attempt.release();
      if (userId === undefined) {
        await audit(db, 'anonymous', 'auth.password-reset.refused', 'auth', { ip: req.ip });
        throw refusal('VALIDATION', 'reset_token_invalid', 'This reset link is unknown, expired or already used', {}, '/token');
      }
      deps.sessionsEnded({ userId, reason: 'password-changed' });
      await audit(db, `user:${userId}`, 'auth.password-reset', `user:${userId}`, { ip: req.ip });
      return { ok: true };
    },
  );
  return { close: () => transport?.close() };
}
