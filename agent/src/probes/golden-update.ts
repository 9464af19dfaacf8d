import { writeFileSync } from 'node:fs';

// Test support for every probe's golden files (testdata/<case>/expected.json): one rule for when
// they may be rewritten. A developer runs `UPDATE_GOLDEN=1 npx vitest run …` and reviews the diff;
// a CI run (CI set, as every CI service sets it) never rewrites them, whatever it is asked: a test
// that rewrote its own expectations there would pass whatever the code does.

export class GoldenUpdateRefused extends Error {}

/** Whether this run rewrites golden files: UPDATE_GOLDEN=1, refused (thrown) when CI is set. */
export function updatingGolden(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.UPDATE_GOLDEN !== '1') return false;
  if (env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false')
    throw new GoldenUpdateRefused(`golden files are never rewritten in CI (CI=${env.CI}): unset UPDATE_GOLDEN, or update them outside CI and commit them`);
  return true;
}

/** Writes `actual` as a case's expected JSON when this run updates golden files; returns whether it did. */
export function writeGoldenIfUpdating(expectedFile: string, actual: unknown, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!updatingGolden(env)) return false;
  writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
  return true;
}
