import { ok, type Session, signIn } from './http.js';
import { freshCode } from './totp.js';

/** A staff member's second factor as its phone and its sheet of recovery codes hold it. */
export interface SecondFactorSeed {
  secret: string;
  recoveryCodes: string[];
}

/**
 * First sign-in of a staff member who must have TOTP (an admin, a technician with the `remote`
 * permission), as a person does it in the dashboard: password, then set-up (the seed behind the QR
 * code), then a first code from the app; the recovery codes are shown once.
 */
export async function enrolStaff(url: string, email: string, password: string): Promise<{ session: Session } & SecondFactorSeed> {
  const session = await signIn(url, email, password);
  const setup = ok<{ secret: string; uri: string }>(await session.post('/api/v1/auth/totp/setup'), `TOTP set-up of ${email}`);
  if (!setup.uri.startsWith('otpauth://totp/')) throw new Error(`TOTP set-up of ${email}: no otpauth URI (${setup.uri})`);
  const { recoveryCodes } = ok<{ recoveryCodes: string[] }>(
    await session.post('/api/v1/auth/totp/confirm', { code: await freshCode(setup.secret) }),
    `TOTP confirmation of ${email}`,
  );
  return { session, secret: setup.secret, recoveryCodes };
}

/** A sign-in with the password and the app's next code. */
export async function signInStaff(url: string, email: string, password: string, seed: Pick<SecondFactorSeed, 'secret'>): Promise<Session> {
  return signIn(url, email, password, { totp: await freshCode(seed.secret) });
}

/** A fresh code for this very session: scripts, reboots and approvals are allowed from it for 5 minutes. */
export async function stepUp(session: Session, seed: Pick<SecondFactorSeed, 'secret'>): Promise<number> {
  return ok<{ stepUpUntil: number }>(await session.post('/api/v1/auth/step-up', { code: await freshCode(seed.secret) }), `step-up of ${session.email}`)
    .stepUpUntil;
}
