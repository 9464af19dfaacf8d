import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDeb, dpkgStatus, privateAptConfig, writeFlatRepo } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeContext } from '../probe.js';
import { aptPending, forgetAptAnswer } from './apt.js';

// The real apt-get of this machine, on a package set the test builds: two local repositories (one
// whose suite ends in -security), a dpkg status saying which versions are installed, and an apt
// configuration that keeps all of apt's state in a temp folder (APT_CONFIG), so nothing depends on
// what this machine has installed.
const dir = mkdtempSync(join(tmpdir(), 'vigie-apt-real-'));
let env: NodeJS.ProcessEnv;
let statusFile: string;
let listsDir: string;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  const debs = join(dir, 'debs');
  const main = writeFlatRepo(join(dir, 'repo-main'), { origin: 'Vigie', label: 'Vigie', suite: 'vigie', codename: 'vigie', version: '1' }, [
    buildDeb(debs, { name: 'vigie-test-pkg', version: '1.1' }),
  ]);
  const security = writeFlatRepo(
    join(dir, 'repo-security'),
    { origin: 'Vigie', label: 'Vigie-Security', suite: 'vigie-security', codename: 'vigie-security', version: '1' },
    [buildDeb(debs, { name: 'vigie-test-sec', version: '2.0-1+sec1' })],
  );
  const apt = privateAptConfig(
    join(dir, 'apt'),
    [main, security],
    dpkgStatus([
      { name: 'vigie-test-pkg', version: '1.0' },
      { name: 'vigie-test-sec', version: '2.0-1' },
    ]),
  );
  statusFile = apt.statusFile;
  listsDir = apt.listsDir;
  env = { ...process.env, APT_CONFIG: apt.aptConfig, LC_ALL: 'C' };
  execFileSync('apt-get', ['update', '-q'], { env, stdio: 'ignore' });
});

/** The probe's context with the real commands, run with the test's apt configuration, counting them. */
function context(calls: string[]): ProbeContext {
  return {
    now: () => Date.now(),
    signal: new AbortController().signal,
    platform: 'linux',
    run: (file, args) =>
      new Promise((resolve) => {
        calls.push([file, ...args].join(' '));
        execFile(file, [...args], { env }, (err, stdout, stderr) =>
          resolve({ stdout, stderr, code: err ? Number((err as NodeJS.ErrnoException & { code: unknown }).code ?? -1) : 0 }),
        );
      }),
  };
}

describe('pending updates from a real apt-get', () => {
  it('lists each upgradable package with both versions; the one from a -security suite is a security update', async () => {
    forgetAptAnswer();
    const list = await aptPending(context([]), [statusFile, listsDir]);
    expect(list?.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      {
        name: 'vigie-test-pkg',
        arch: 'all',
        installedVersion: '1.0',
        candidateVersion: '1.1',
        security: false,
        rebootRequired: false,
        origin: 'Vigie:1/vigie',
      },
      {
        name: 'vigie-test-sec',
        arch: 'all',
        installedVersion: '2.0-1',
        candidateVersion: '2.0-1+sec1',
        security: true,
        rebootRequired: false,
        origin: 'Vigie-Security:1/vigie-security',
      },
    ]);
  });

  it('runs the simulation again only when what apt answers from changed (installed packages, lists)', async () => {
    forgetAptAnswer();
    const calls: string[] = [];
    const ctx = context(calls);
    const first = await aptPending(ctx, [statusFile, listsDir]);
    expect(await aptPending(ctx, [statusFile, listsDir])).toEqual(first);
    expect(calls).toHaveLength(1);
    // vigie-test-pkg 1.1 installed: dpkg's status changed, so apt is asked again and says so.
    writeFileSync(
      statusFile,
      dpkgStatus([
        { name: 'vigie-test-pkg', version: '1.1' },
        { name: 'vigie-test-sec', version: '2.0-1' },
      ]),
    );
    // Same size as before: apt (and the probe) must notice it by its time, as after a real dpkg run.
    utimesSync(statusFile, new Date(), new Date(Date.now() + 5000));
    const after = await aptPending(ctx, [statusFile, listsDir]);
    expect(calls).toHaveLength(2);
    expect(after?.map((u) => u.name)).toEqual(['vigie-test-sec']);
  });

  it('callers that ask while a simulation runs share it: one apt-get, the same answer (200 agents of a fleet, or the patches and security probes together)', async () => {
    forgetAptAnswer();
    const calls: string[] = [];
    const ctx = context(calls);
    const answers = await Promise.all(Array.from({ length: 20 }, () => aptPending(ctx, [statusFile, listsDir])));
    expect(calls).toHaveLength(1);
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]?.length).toBeGreaterThan(0);
    // The shared run is over: a change of state asks apt again.
    utimesSync(statusFile, new Date(), new Date(Date.now() + 10_000));
    await aptPending(ctx, [statusFile, listsDir]);
    expect(calls).toHaveLength(2);
  });
});
