import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentBodyError, type Inventory } from '@vigie/shared';
import { describe, expect, it } from 'vitest';
import { goldenCases } from './golden-files.js';
import { fillDpkgInstallDates, parseDpkgQuery, parseRpmQa } from './software-linux.js';

const emptyInventory = (software: Inventory['software']): Inventory => ({
  collectedAt: 0,
  system: {},
  bios: {},
  baseboard: {},
  chassis: {},
  cpu: {},
  memory: { modules: [] },
  disks: [],
  filesystems: [],
  network: [],
  os: { platform: 'linux', hostname: 'h' },
  users: [],
  software,
});

describe.each([
  ['debian-', parseDpkgQuery],
  ['rhel-', parseRpmQa],
])('golden %s cases', (prefix, parse) => {
  it.each(goldenCases(prefix).map((c) => [c.name, c] as const))('%s', (_name, golden) => {
    const actual = parse(golden.input);
    golden.write(actual);
    expect(actual).toEqual(golden.expected);
    expect(agentBodyError('inventory', emptyInventory(actual))).toBeUndefined();
  });
});

describe('parseDpkgQuery', () => {
  it('keeps installed packages only (status column ii/hi, not rc or iU)', () => {
    const names = parseDpkgQuery('a\t1\tm\tall\t1\t1\tii \nb\t1\tm\tall\t1\t1\trc \nc\t1\tm\tall\t1\t1\tiU \nd\t1\tm\tall\t1\t1\thi \n').map((p) => p.name);
    expect(names).toEqual(['a', 'd']);
  });

  it('reads Installed-Size as KiB and Last-Modified as epoch seconds', () => {
    const [p] = parseDpkgQuery('bash\t5.2\tMatthias Klose <doko@debian.org>\tamd64\t7164\t1747699200\tii \n');
    expect(p).toEqual({
      name: 'bash',
      version: '5.2',
      publisher: 'Matthias Klose',
      installedAt: '2025-05-20T00:00:00.000Z',
      source: 'dpkg',
      arch: 'amd64',
      sizeBytes: 7164 * 1024,
    });
  });

  it('returns [] for empty output', () => {
    expect(parseDpkgQuery('')).toEqual([]);
  });
});

describe('fillDpkgInstallDates (dpkg without db-fsys:Last-Modified)', () => {
  it('uses the mtime of <pkg>.list, then <pkg>:<arch>.list, and never stats odd names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigie-dpkg-'));
    try {
      const when = new Date('2024-01-02T03:04:05.000Z');
      for (const file of ['plain.list', 'multi:amd64.list']) {
        await writeFile(join(dir, file), '');
        await utimes(join(dir, file), when, when);
      }
      const items = parseDpkgQuery(
        'plain\t1\tm\tall\t1\t\tii \nmulti\t1\tm\tamd64\t1\t\tii \nmissing\t1\tm\tall\t1\t\tii \n../etc/passwd\t1\tm\tall\t1\t\tii \n',
      );
      await fillDpkgInstallDates(items, dir);
      expect(items.map((i) => [i.name, i.installedAt])).toEqual([
        ['plain', when.toISOString()],
        ['multi', when.toISOString()],
        ['missing', undefined],
        ['../etc/passwd', undefined],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('parseRpmQa', () => {
  it('treats (none) as absent and drops an empty release', () => {
    const [p] = parseRpmQa('local-build\t1.0-(none)\t(none)\tx86_64\t1024\t1715004000\n');
    expect(p).toEqual({ name: 'local-build', version: '1.0', installedAt: '2024-05-06T14:00:00.000Z', source: 'rpm', arch: 'x86_64', sizeBytes: 1024 });
  });
});
