import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GoldenUpdateRefused, updatingGolden, writeGoldenIfUpdating } from './golden-update.js';

describe('golden files', () => {
  it('are rewritten only when asked (UPDATE_GOLDEN=1), and never in CI', () => {
    expect(updatingGolden({})).toBe(false);
    expect(updatingGolden({ UPDATE_GOLDEN: '1' })).toBe(true);
    expect(updatingGolden({ CI: 'true' })).toBe(false);
    expect(updatingGolden({ UPDATE_GOLDEN: '1', CI: 'false' })).toBe(true);
    for (const CI of ['true', '1', 'woodpecker']) expect(() => updatingGolden({ UPDATE_GOLDEN: '1', CI })).toThrow(GoldenUpdateRefused);
  });

  it('a CI run asked to rewrite one fails and leaves the file as it was', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vigie-golden-')), 'expected.json');
    writeFileSync(file, '{"kept":true}\n');
    expect(() => writeGoldenIfUpdating(file, { rewritten: true }, { UPDATE_GOLDEN: '1', CI: 'true' })).toThrow(/never rewritten in CI/);
    expect(readFileSync(file, 'utf8')).toBe('{"kept":true}\n');
    expect(writeGoldenIfUpdating(file, { rewritten: true }, { UPDATE_GOLDEN: '1' })).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ rewritten: true });
  });

  it('every probe writes its golden files through this rule, none on its own', () => {
    const root = dirname(fileURLToPath(import.meta.url));
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? (e.name === 'testdata' ? [] : files(join(dir, e.name))) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const own = files(root).filter((f) => {
      if (f.endsWith('golden-update.ts') || f.endsWith('golden-update.test.ts')) return false;
      const text = readFileSync(f, 'utf8');
      return /UPDATE_GOLDEN/.test(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')) || /writeFileSync\([^)]*expected/.test(text);
    });
    expect(own.map((f) => f.slice(root.length + 1))).toEqual([]);
  });
});
