import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backupProbeSpec, resolveProbeConfig } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import { writeGoldenIfUpdating } from '../golden-update.js';
import type { ProbeContext } from '../probe.js';
import { backupProbe } from './index.js';
import { parseTmutilLatest } from './parse-darwin.js';
import { parseWbadminVersions } from './parse-windows.js';

// Golden files: testdata/<case>/ holds the outputs of the platform's commands (recorded or, where
// case.json says so, reconstructed), case.json (platform, clock, provenance, which output answers
// which command) and expected.json (the results). UPDATE_GOLDEN=1 rewrites expected.json.
process.env.TZ = 'UTC'; // Time Machine names backups in local time; the fixtures are read as UTC.
const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

interface Run {
  file: string;
  arg?: string;
  stdout?: string;
  stderr?: string;
  code?: number;
  missing?: boolean;
}
interface Case {
  platform: NodeJS.Platform;
  now: string;
  config?: object;
  modes?: object[];
  represents: string;
  recorded: boolean;
  provenance: string;
  runs: Run[];
}

const cases = readdirSync(TESTDATA, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

/** Answers the probe's commands with the case's outputs; a command the case does not list fails the test. */
function replay(dir: string, c: Case): ProbeContext {
  const read = (f?: string) => (f ? readFileSync(join(dir, f), 'utf8') : '');
  return {
    now: () => Date.parse(c.now),
    signal: new AbortController().signal,
    platform: c.platform,
    async run(file, args) {
      const r = c.runs.find((x) => x.file === file && (x.arg === undefined || x.arg === args[0]));
      if (!r) throw new Error(`the case has no output for ${file} ${args.join(' ')}`);
      if (r.missing) throw new Error(`${file} is not installed`);
      return { stdout: read(r.stdout), stderr: read(r.stderr), code: r.code ?? 0 };
    },
  };
}

describe('golden files: recorded outputs of Windows and macOS commands', () => {
  it('reads fixtures in UTC', () => expect(new Date('2020-01-01T00:00:00').getTime()).toBe(Date.UTC(2020, 0, 1)));

  it.each(cases)('%s', async (name) => {
    const dir = join(TESTDATA, name);
    const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Case;
    expect(c.represents.length).toBeGreaterThan(10);
    expect(c.provenance.length).toBeGreaterThan(20);
    const actual = [];
    for (const mode of c.modes ?? [{}]) {
      const r = resolveProbeConfig(backupProbeSpec, { ...c.config, ...mode });
      if (!r.ok) throw new Error(r.error);
      const results = await backupProbe.collect(replay(dir, c), r.config);
      actual.push({ mode, results: results.map(({ observedAt: _, check: __, ...rest }) => rest) });
    }
    const file = join(dir, 'expected.json');
    writeGoldenIfUpdating(file, actual);
    expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });
});

describe('parsers on details the golden files do not isolate', () => {
  it('wbadmin: the identifier is UTC and labels may be translated', () => {
    const fr = 'Heure de la sauvegarde : 21/09/2020 16:00\r\nCible de la sauvegarde : Disque fixe nommé F:\r\nIdentificateur de version : 09/21/2020-23:00\r\n';
    expect(parseWbadminVersions(fr)).toEqual([
      { versionId: '09/21/2020-23:00', at: Date.UTC(2020, 8, 21, 23, 0), location: 'Disque fixe nommé F:', canRecover: undefined },
    ]);
    expect(parseWbadminVersions('ERROR - No backup was found.\r\n')).toEqual([]);
  });

  it('tmutil: a configured destination without any backup yet is "none", not "unavailable"', () => {
    expect(parseTmutilLatest('No machine directory found for host.\n', '')).toEqual({ kind: 'none', said: 'No machine directory found for host.' });
  });
});
