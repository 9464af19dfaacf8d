import { createHash, randomBytes } from 'node:crypto';
import { STEP_UP_WINDOW_MS, VigieError } from '@vigie/shared';
import type { Transaction } from 'kysely';
import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';
import QRCode from 'qrcode';
import { appendAuditInTransaction } from '../../audit/repository.js';
import type { RelationalStore } from '../../store/relational-store.js';
import type { DB } from '../../store/schema.js';
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
    private readonly db: RelationalStore,
    private readonly box: SecretBox,
  ) {}

  private get kysely() {
    return this.db.kysely;
  }

  async required(user: { id: number; role: string }): Promise<boolean> {
    if (user.role === 'admin') return true;
    if (user.role === 'client') return false;
    const row = await this.kysely.selectFrom('remote_permissions').select('user_id').where('user_id', '=', user.id).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /** Whether a user (by id) may use the API beyond enrolment: TOTP not required, or enabled. */
  async mayProceed(userId: number): Promise<boolean> {
    const u = await this.kysely.selectFrom('users').select(['id', 'role']).where('id', '=', userId).executeTakeFirst();
    return !u || !(await this.required(u)) || (await this.enabled(u.id));
  }

  async enabled(userId: number): Promise<boolean> {
    const row = await this.kysely
      .selectFrom('user_totp')
      .select('user_id')
      .where('user_id', '=', userId)
      .where('enabled_at', 'is not', null)
      .executeTakeFirst();
    return row !== undefined;
  }

  private async stepUpAt(sessionIdHash: string | undefined): Promise<number | undefined> {
    if (!sessionIdHash) return undefined;
    const row = await this.kysely.selectFrom('session_step_ups').select('at').where('session_id_hash', '=', sessionIdHash).executeTakeFirst();
    return row?.at;
  }

  async status(user: { id: number; role: string }, sessionIdHash: string | undefined, now = Date.now()): Promise<TotpStatus> {
    const left = await this.kysely
      .selectFrom('user_recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', user.id)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    const at = await this.stepUpAt(sessionIdHash);
    const until = at !== undefined && at + STEP_UP_WINDOW_MS > now ? at + STEP_UP_WINDOW_MS : null;
    return { enabled: await this.enabled(user.id), required: await this.required(user), recoveryCodesLeft: Number(left.n), stepUpUntil: until };
  }

  /** Starts (or restarts) enrolment: a new seed, its otpauth:// URI and a QR code as an SVG data: URL. */
  async beginSetup(user: { id: number; email: string }, now = Date.now()): Promise<{ secret: string; uri: string; qrSvg: string }> {
    if (await this.enabled(user.id))
      throw new VigieError('CONFLICT', 'La double authentification est déjà active : demandez à un administrateur de la réinitialiser');
    const secret = generateSecret();
    const uri = generateURI({ issuer: TOTP_ISSUER, label: user.email, secret });
    const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    await this.kysely
      .insertInto('user_totp')
      .values({ user_id: user.id, pending_enc: this.box.seal(secret), pending_at: now })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet((eb) => ({ pending_enc: eb.ref('excluded.pending_enc'), pending_at: eb.ref('excluded.pending_at') })),
      )
      .execute();
    return { secret, uri, qrSvg: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
  }

  /** Confirms enrolment with a first code; returns the recovery codes, shown this once. */
  async confirmSetup(userId: number, code: string, now = Date.now()): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
    await this.kysely.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('user_totp')
        .select(['pending_enc', 'pending_at', 'enabled_at'])
        .where('user_id', '=', userId)
        // Two confirmations at once: the second waits and then finds it enabled (SQLite's BEGIN IMMEDIATE already serialises).
        .$if(this.db.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (row?.enabled_at) throw new VigieError('CONFLICT', 'La double authentification est déjà active');
      if (!row?.pending_enc || !row.pending_at || now - row.pending_at > PENDING_MS)
        throw new VigieError('VALIDATION', 'Aucune configuration en cours : recommencez la configuration');
      const secret = this.box.open(row.pending_enc);
      const step = this.check(secret, code, 0, now);
      if (step === undefined) throw new VigieError('TOTP_INVALID', 'Code incorrect : vérifiez l’heure de votre téléphone et réessayez');
      await tx
        .updateTable('user_totp')
        .set({ secret_enc: row.pending_enc, pending_enc: null, pending_at: null, enabled_at: now, last_step: step })
        .where('user_id', '=', userId)
        .execute();
      await tx.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
      await tx
        .insertInto('user_recovery_codes')
        .values(codes.map((c) => ({ user_id: userId, code_hash: sha256(normaliseRecovery(c)) })))
        .execute();
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${userId}`,
        'auth.totp.enable',
        `user:${userId}`,
        { recoveryCodes: codes.length },
        { result: 'ok' },
        now,
      );
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
   * accepted where `allowRecovery` (sign-in only) and burnt as well. Each burn is one conditional
   * UPDATE (the step only moves forward, a code is spent only while unused): of two concurrent uses
   * of one code, on any engine, one wins.
   */
  private async consume(
    tx: Transaction<DB>,
    userId: number,
    input: { totp?: string; recoveryCode?: string },
    allowRecovery: boolean,
    now: number,
  ): Promise<'totp' | 'recovery' | undefined> {
    const row = await tx
      .selectFrom('user_totp')
      .select(['secret_enc', 'last_step'])
      .where('user_id', '=', userId)
      .where('enabled_at', 'is not', null)
      .executeTakeFirst();
    if (!row?.secret_enc) return undefined;
    if (input.totp !== undefined) {
      const step = this.check(this.box.open(row.secret_enc), input.totp, row.last_step, now);
      if (step === undefined) return undefined;
      const burnt = await tx
        .updateTable('user_totp')
        .set({ last_step: step })
        .where('user_id', '=', userId)
        .where('last_step', '<', step)
        .returning('user_id')
        .executeTakeFirst();
      return burnt ? 'totp' : undefined;
    }
    if (allowRecovery && input.recoveryCode !== undefined) {
      const spent = await tx
        .updateTable('user_recovery_codes')
        .set({ used_at: now })
        .where('user_id', '=', userId)
        .where('code_hash', '=', sha256(normaliseRecovery(input.recoveryCode)))
        .where('used_at', 'is', null)
        .returning('id')
        .execute();
      return spent.length === 1 ? 'recovery' : undefined;
    }
    return undefined;
  }

  /**
   * Sign-in's second step, for a user with TOTP enabled: a code from the app or a recovery code.
   * Throws TOTP_REQUIRED when neither came, TOTP_INVALID when it is wrong or already used.
   */
  async checkSignIn(userId: number, input: { totp?: string; recoveryCode?: string }, now = Date.now()): Promise<void> {
    if (!(await this.enabled(userId))) return;
    if (input.totp === undefined && input.recoveryCode === undefined) throw new VigieError('TOTP_REQUIRED');
    const used = await this.kysely.transaction().execute(async (tx) => {
      const how = await this.consume(tx, userId, input, true, now);
      if (how === 'recovery')
        await appendAuditInTransaction(tx, this.db.dialect, `user:${userId}`, 'auth.recovery-code.use', `user:${userId}`, null, { result: 'ok' }, now);
      return how;
    });
    if (!used) throw new VigieError('TOTP_INVALID');
  }

  /** Step-up: a fresh app code (never a recovery code), bound to this session, for 5 minutes. */
  async stepUp(user: { id: number }, sessionIdHash: string, code: string, now = Date.now()): Promise<number> {
    const ok = await this.kysely.transaction().execute(async (tx) => {
      const how = await this.consume(tx, user.id, { totp: code }, false, now);
      await appendAuditInTransaction(
        tx,
        this.db.dialect,
        `user:${user.id}`,
        'auth.step-up',
        `user:${user.id}`,
        null,
        { result: how ? 'ok' : 'refused: VIGIE_E_TOTP_INVALID' },
        now,
      );
      if (!how) return false;
      await tx
        .insertInto('session_step_ups')
        .values({ session_id_hash: sessionIdHash, at: now })
        .onConflict((oc) => oc.column('session_id_hash').doUpdateSet((eb) => ({ at: eb.ref('excluded.at') })))
        .execute();
      return true;
    });
    if (!ok) throw new VigieError('TOTP_INVALID');
    return now + STEP_UP_WINDOW_MS;
  }

  /** Scripts and reboots need a step-up of this very session younger than 5 minutes. */
  async assertSteppedUp(sessionIdHash: string | undefined, now = Date.now()): Promise<void> {
    const at = await this.stepUpAt(sessionIdHash);
    if (at === undefined || now - at > STEP_UP_WINDOW_MS)
      throw new VigieError('STEP_UP_REQUIRED', 'Confirmez avec un nouveau code de votre application (valable 5 minutes)');
  }

  /** An admin resets someone's second factor (lost phone): they must enrol again at next sign-in. */
  async reset(adminId: number, userId: number, now = Date.now()): Promise<void> {
    await this.kysely.transaction().execute(async (tx) => {
      if (!(await tx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst())) throw new VigieError('NOT_FOUND');
      await tx.deleteFrom('user_totp').where('user_id', '=', userId).execute();
      await tx.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
      await tx
        .deleteFrom('session_step_ups')
        .where('session_id_hash', 'in', tx.selectFrom('sessions').select('id_hash').where('user_id', '=', userId))
        .execute();
      // Every session ends: one left open (on a stolen laptop, with the lost phone) could otherwise
      // enrol a new authenticator without the password.
      await tx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      await appendAuditInTransaction(tx, this.db.dialect, `user:${adminId}`, 'auth.totp.reset', `user:${userId}`, null, { result: 'ok' }, now);
    });
  }
}
