import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AntivirusProbeConfig, antivirusProbeSpec, type CheckResult } from '@vigie/shared';
import { writeGoldenIfUpdating } from '../golden-update.js';

/** Test support: testdata/<case>/ holds recorded command outputs, case.json ({now}) and expected.json. */
export const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

export interface GoldenCase {
  name: string;
  now: number;
  /** A recorded file of the case, or undefined when the case has none. */
  file(name: string): string | undefined;
  expected: unknown;
  check(actual: unknown): void;
}

export function goldenCases(prefix: string, expect: (actual: unknown, expected: unknown) => void): GoldenCase[] {
  return readdirSync(TESTDATA, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith(prefix))
    .map((e) => {
      const dir = join(TESTDATA, e.name);
      const file = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined);
      const expectedFile = join(dir, 'expected.json');
      const expected = existsSync(expectedFile) ? JSON.parse(readFileSync(expectedFile, 'utf8')) : undefined;
      return {
        name: e.name,
        now: Date.parse((JSON.parse(file('case.json') ?? '{}') as { now: string }).now),
        file,
        expected,
        check(actual: unknown) {
          const plain = JSON.parse(JSON.stringify(actual));
          if (!writeGoldenIfUpdating(expectedFile, plain)) expect(plain, expected);
        },
      };
    });
}

export const DEFAULTS: AntivirusProbeConfig = antivirusProbeSpec.defaults;

/** The part of results a golden file pins: what a technician sees. */
export const brief = (results: CheckResult[]) => results.map((r) => ({ target: r.target, status: r.status, code: r.code, message: r.message }));
