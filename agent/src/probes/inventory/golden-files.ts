import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeGoldenIfUpdating } from '../golden-update.js';

/** Test support: testdata/<case>/input.{txt,json} + expected.json. `UPDATE_GOLDEN=1` rewrites expected.json. */
export const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

export interface GoldenCase {
  name: string;
  input: string;
  expected: unknown;
  /** Rewrites expected.json when this run updates golden files (never in CI); returns whether it did. */
  write(actual: unknown): boolean;
}

export function goldenCases(prefix: string): GoldenCase[] {
  return readdirSync(TESTDATA, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name.startsWith(prefix))
    .map((entry) => {
      const dir = join(TESTDATA, entry.name);
      const inputFile = ['input.txt', 'input.json'].map((f) => join(dir, f)).find((f) => existsSync(f));
      if (!inputFile) throw new Error(`${dir}: no input.txt or input.json`);
      const expectedFile = join(dir, 'expected.json');
      return {
        name: entry.name,
        input: readFileSync(inputFile, 'utf8'),
        expected: existsSync(expectedFile) ? JSON.parse(readFileSync(expectedFile, 'utf8')) : undefined,
        write: (actual: unknown) => writeGoldenIfUpdating(expectedFile, actual),
      };
    });
}
