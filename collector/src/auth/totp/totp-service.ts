import { createHash, randomBytes } from 'node:crypto';
import { STEP_UP_WINDOW_MS, VigieError } from '@vigie/shared';
import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';
import QRCode from 'qrcode';
import { appendAudit } from '../../audit/repository.js';
import type { Database } from '../../store/database.js';
import type { SecretBox } from './secret-box.js';

export const TOTP_ISSUER = 'Vigie';
const RECOVERY_CODES = 10;
/** A started set-up that was not confirmed is forgotten after this long. */
const PENDING_MS = 15 * 60_000;
/** One time step either side: the phone's clock may be 30 s off. */
const TOLERANCE_SEC = 30;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Recovery codes: 80 random bits, Crockford-like alphabet, grouped for reading aloud. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
function recoveryCode(): string {
  const bytes = randomBytes(16);
  let s = '';
  for (let i = 0; i < 16; i++) s += ALPHABET[bytes[i]! % ALPHABET.length];
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}-${s.slice(12)}`;
}
const normaliseRecovery = (c: string) => c.toUpperCase().replace(/[^A-Z0-9]/g, '');

/** The current code for a seed (tests, and nothing else, need to compute one). */
export function totpCode(secret: string, at = Date.now()): string {
  return generateSync({ secret, epoch: Math.floor(at / 1000) });
}

export interface TotpStatus {
  enabled: boolean;
  /** An admin, or someone allowed to run commands on some client: the second factor is mandatory. */
  required: boolean;
  recoveryCodesLeft: number;
  stepUpUntil: number | null;
}

/**
 * Staff second factor: TOTP (RFC 6238, otplib) with a seed sealed at rest, ten single-use recovery
 * codes stored as hashes, each code usable once (its time step is remembered), and the step-up — a
 * fresh code, bound to one session, that authorises scripts and reboots for 5 minutes.
 */
export class TotpService {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
  ) {}

  private get sql() {
    return this.db.sqlite;
  }

  required(user: { id: number; role: string }): boolean {
    if (user.role === 'admin') return true;
    if (user.role === 'client') return false;
    return this.sql.prepare('SELECT 1 FROM remote_permissions WHERE user_id = ? LIMIT 1').get(user.id) !== undefined;
  }

  /** Whether a user (by id) may use the API beyond enrolment: TOTP not required, or enabled. Under the write lock. */
  mayProceed(userId: number): Promise<boolean> {
    return this.db.writeLock(() => {
      const u = this.sql.prepare('SELECT id, role FROM users WHERE id = ?').get(userId) as { id: number; role: string } | undefined;
      return !u || !this.required(u) || this.enabled(u.id);
    });
  }

  enabled(userId: number): boolean {
    return this.sql.prepare('SELECT 1 FROM user_totp WHERE user_id = ? AND enabled_at IS NOT NULL').get(userId) !== undefined;
  }

  status(user: { id: number; role: string }, sessionIdHash: string | undefined, now = Date.now()): TotpStatus {
    const left = this.sql.prepare('SELECT COUNT(*) AS n FROM user_recovery_codes WHERE user_id = ? AND used_at IS NULL').get(user.id) as { n: number };
    const step = sessionIdHash
      ? (this.sql.prepare('SELECT at FROM session_step_ups WHERE session_id_hash = ?').get(sessionIdHash) as { at: number } | undefined)
      : undefined;
    const until = step && step.at + STEP_UP_WINDOW_MS > now ? step.at + STEP_UP_WINDOW_MS : null;
    return { enabled: this.enabled(user.id), required: this.required(user), recoveryCodesLeft: left.n, stepUpUntil: until };
  }

  /** Starts (or restarts) enrolment: a new seed, its otpauth:// URI and a QR code as an SVG data: URL. */
  async beginSetup(user: { id: number; email: string }, now = Date.now()): Promise<{ secret: string; uri: string; qrSvg: string }> {
    if (this.enabled(user.id))
      throw new VigieError('CONFLICT', 'La double authentification est déjà active : demandez à un administrateur de la réinitialiser');
    const secret = generateSecret();
    const uri = generateURI({ issuer: TOTP_ISSUER, label: user.email, secret });
    const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    await this.db.writeTransaction(() => {
      this.sql
        .prepare(
          `INSERT INTO user_totp (user_id, pending_enc, pending_at) VALUES (?, ?, ?)
           ON CONFLICT (user_id) DO UPDATE SET pending_enc = excluded.pending_enc, pending_at = excluded.pending_at`,
        )
        .run(user.id, this.box.seal(secret), now);
    });
    return { secret, uri, qrSvg: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
  }

  /** Confirms enrolment with a first code; returns the recovery codes, shown this once. */
  async confirmSetup(userId: number, code: string, now = Date.now()): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
    await this.db.writeTransaction(() => {
      const row = this.sql.prepare('SELECT pending_enc, pending_at, enabled_at FROM user_totp WHERE user_id = ?').get(userId) as
        | { pending_enc: string | null; pending_at: number | null; enabled_at: number | null }
        | undefined;
      if (row?.enabled_at) throw new VigieError('CONFLICT', 'La double authentification est déjà active');
      if (!row?.pending_enc || !row.pending_at || now - row.pending_at > PENDING_MS)
        throw new VigieError('VALIDATION', 'Aucune configuration en cours : recommencez la configuration');
      const secret = this.box.open(row.pending_enc);
      const step = this.check(secret, code, 0, now);
      if (step === undefined) throw new VigieError('TOTP_INVALID', 'Code incorrect : vérifiez l’heure de votre téléphone et réessayez');
      this.sql
        .prepare('UPDATE user_totp SET secret_enc = ?, pending_enc = NULL, pending_at = NULL, enabled_at = ?, last_step = ? WHERE user_id = ?')
        .run(row.pending_enc, now, step, userId);
      this.sql.prepare('DELETE FROM user_recovery_codes WHERE user_id = ?').run(userId);
      const ins = this.sql.prepare('INSERT INTO user_recovery_codes (user_id, code_hash) VALUES (?, ?)');
      for (const c of codes) ins.run(userId, sha256(normaliseRecovery(c)));
      appendAudit(this.sql, `user:${userId}`, 'auth.totp.enable', `user:${userId}`, { recoveryCodes: codes.length }, { result: 'ok' }, now);
    });
    return codes;
  }

  /** The time step of a valid code not used before (replay refused), or undefined. */
  private check(secret: string, code: string, lastStep: number, now: number): number | undefined {
    if (!/^\d{6}$/.test(code.trim())) return undefined;
    const r = verifySync({ secret, token: code.trim(), epoch: Math.floor(now / 1000), epochTolerance: TOLERANCE_SEC, afterTimeStep: lastStep });
    // The TOTP strategy's result carries the matched time step (otplib's type is the TOTP/HOTP union).
    return r.valid ? (r as { timeStep?: number }).timeStep : undefined;
  }

  /**
   * Checks a code (and burns its time step) inside the caller's transaction. A recovery code is
   * accepted where `allowRecovery` (sign-in only) and burnt as well.
   */
  private consume(userId: number, input: { totp?: string; recoveryCode?: string }, allowRecovery: boolean, now: number): 'totp' | 'recovery' | undefined {
    const row = this.sql.prepare('SELECT secret_enc, last_step FROM user_totp WHERE user_id = ? AND enabled_at IS NOT NULL').get(userId) as
      | { secret_enc: string; last_step: number }
      | undefined;
    if (!row) return undefined;
    if (input.totp !== undefined) {
      const step = this.check(this.box.open(row.secret_enc), input.totp, row.last_step, now);
      if (step === undefined) return undefined;
      this.sql.prepare('UPDATE user_totp SET last_step = ? WHERE user_id = ?').run(step, userId);
      return 'totp';
    }
    if (allowRecovery && input.recoveryCode !== undefined) {
      const r = this.sql
        .prepare('UPDATE user_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL')
        .run(now, userId, sha256(normaliseRecovery(input.recoveryCode)));
      return r.changes === 1 ? 'recovery' : undefined;
    }
    return undefined;
  }

  /**
   * Sign-in's second step, for a user with TOTP enabled: a code from the app or a recovery code.
   * Throws TOTP_REQUIRED when neither came, TOTP_INVALID when it is wrong or already used.
   */
  async checkSignIn(userId: number, input: { totp?: string; recoveryCode?: string }, now = Date.now()): Promise<void> {
    if (!this.enabled(userId)) return;
    if (input.totp === undefined && input.recoveryCode === undefined) throw new VigieError('TOTP_REQUIRED');
    const used = await this.db.writeTransaction(() => {
      const how = this.consume(userId, input, true, now);
      if (how === 'recovery') appendAudit(this.sql, `user:${userId}`, 'auth.recovery-code.use', `user:${userId}`, null, { result: 'ok' }, now);
      return how;
    });
    if (!used) throw new VigieError('TOTP_INVALID');
  }

  /** Step-up: a fresh app code (never a recovery code), bound to this session, for 5 minutes. */
  async stepUp(user: { id: number }, sessionIdHash: string, code: string, now = Date.now()): Promise<number> {
    const ok = await this.db.writeTransaction(() => {
      const how = this.consume(user.id, { totp: code }, false, now);
      appendAudit(this.sql, `user:${user.id}`, 'auth.step-up', `user:${user.id}`, null, { result: how ? 'ok' : 'refused: VIGIE_E_TOTP_INVALID' }, now);
      if (!how) return false;
      this.sql
        .prepare('INSERT INTO session_step_ups (session_id_hash, at) VALUES (?, ?) ON CONFLICT (session_id_hash) DO UPDATE SET at = excluded.at')
        .run(sessionIdHash, now);
      return true;
    });
    if (!ok) throw new VigieError('TOTP_INVALID');
    return now + STEP_UP_WINDOW_MS;
  }

  /** Scripts and reboots need a step-up of this very session younger than 5 minutes. */
  assertSteppedUp(sessionIdHash: string | undefined, now = Date.now()): void {
    const row = sessionIdHash
      ? (this.sql.prepare('SELECT at FROM session_step_ups WHERE session_id_hash = ?').get(sessionIdHash) as { at: number } | undefined)
      : undefined;
    if (!row || now - row.at > STEP_UP_WINDOW_MS)
      throw new VigieError('STEP_UP_REQUIRED', 'Confirmez avec un nouveau code de votre application (valable 5 minutes)');
  }

  /** An admin resets someone's second factor (lost phone): they must enrol again at next sign-in. */
  async reset(adminId: number, userId: number, now = Date.now()): Promise<void> {
    await this.db.writeTransaction(() => {
      if (!this.sql.prepare('SELECT 1 FROM users WHERE id = ?').get(userId)) throw new VigieError('NOT_FOUND');
      this.sql.prepare('DELETE FROM user_totp WHERE user_id = ?').run(userId);
      this.sql.prepare('DELETE FROM user_recovery_codes WHERE user_id = ?').run(userId);
      this.sql.prepare('DELETE FROM session_step_ups WHERE session_id_hash IN (SELECT id_hash FROM sessions WHERE user_id = ?)').run(userId);
      // Every session ends: one left open (on a stolen laptop, with the lost phone) could otherwise
      // enrol a new authenticator without the password.
      this.sql.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
      appendAudit(this.sql, `user:${adminId}`, 'auth.totp.reset', `user:${userId}`, null, { result: 'ok' }, now);
    });
  }
}
