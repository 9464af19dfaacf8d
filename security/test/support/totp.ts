import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshTotpCode, type UsedTotpSteps } from '@vigie/collector';

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
const read = (file: string): Record<string, number> => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>) : {});
const usedBySuite: UsedTotpSteps = {
  get: (secret) => read(usedStepsFile())[secret],
  set: (secret, step) => {
    const file = usedStepsFile();
    writeFileSync(file, JSON.stringify({ ...read(file), [secret]: step }), { mode: 0o600 });
  },
};

/**
 * A code from the authenticator app of the user whose seed this is, in a time step no process of
 * the suite used before — as a person would type the next code their phone shows (the collector's
 * harness picks the step; past three codes in 30 s it waits for the next one).
 */
export function freshCode(secret: string): Promise<string> {
  return freshTotpCode(secret, usedBySuite);
}
