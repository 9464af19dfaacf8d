import type { Collector } from '../../app.js';
import { totpCode } from './totp-service.js';

// For test harnesses only: a user enrolled in TOTP the way the dashboard does it (set-up, then a
// first code), and codes that each fall in a time step not used before — the collector refuses a
// code twice, so past three sign-ins in 30 s it waits for the next step, as a person would.

/** The last time step a code was taken from, per seed: this process's memory unless the harness spans processes. */
export interface UsedTotpSteps {
  get(secret: string): number | undefined;
  set(secret: string, step: number): void;
}
const inThisProcess: UsedTotpSteps = new Map<string, number>();

export async function enrolTotp(collector: Collector, user: { id: number; email: string }): Promise<{ secret: string; recoveryCodes: string[] }> {
  const { secret } = await collector.remote.totp.beginSetup(user);
  const code = await freshTotpCode(secret);
  const recoveryCodes = await collector.remote.totp.confirmSetup(user.id, code);
  return { secret, recoveryCodes };
}

export async function freshTotpCode(secret: string, used: UsedTotpSteps = inThisProcess): Promise<string> {
  for (;;) {
    const now = Date.now();
    const step = Math.floor(now / 30_000);
    const last = used.get(secret) ?? -1;
    // The collector accepts the step before and after the current one (a phone's clock may be off):
    // up to three codes per 30 s, the earlier step only while it is not about to fall out.
    const earliest = now % 30_000 < 25_000 ? step - 1 : step;
    const next = Math.max(last + 1, earliest);
    if (next <= step + 1) {
      used.set(secret, next);
      return totpCode(secret, next * 30_000 + 15_000);
    }
    await new Promise((r) => setTimeout(r, 30_000 - (now % 30_000) + 50));
  }
}
