import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { totpCode } from '@vigie/collector';

const STEP_MS = 30_000;

/**
 * Where the last time step used per seed is kept. The collector accepts a code once (and none of an
 * earlier step after it), and the suite's processes (the global set-up, then each test file in
 * turn) all sign in and step up: they share this file, in the run's own folder.
 */
function usedStepsFile(): string {
  const dir = process.env.VIGIE_SEC_TALLY;
  if (!dir) throw new Error('VIGIE_SEC_TALLY is not set: run the suite with npm run test:security');
  return join(dir, 'totp-steps.json');
}

/**
 * A code from the authenticator app of the user whose seed this is, in a time step no process of
 * the suite used before — as a person would type the next code their phone shows. The collector
 * accepts the step before and after the current one: up to three codes per 30 s, then this waits
 * for the next step.
 */
export async function freshCode(secret: string): Promise<string> {
  const file = usedStepsFile();
  for (;;) {
    const used = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>) : {};
    const now = Date.now();
    const step = Math.floor(now / STEP_MS);
    // The earlier step only while it is not about to fall out of the collector's window.
    const earliest = now % STEP_MS < 25_000 ? step - 1 : step;
    const next = Math.max((used[secret] ?? -1) + 1, earliest);
    if (next <= step + 1) {
      used[secret] = next;
      writeFileSync(file, JSON.stringify(used), { mode: 0o600 });
      return totpCode(secret, next * STEP_MS + STEP_MS / 2);
    }
    await new Promise((r) => setTimeout(r, STEP_MS - (now % STEP_MS) + 50));
  }
}
