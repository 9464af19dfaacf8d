import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProbeContext, runCommand } from '../probe.js';
import { observeBorg } from './borg.js';
import { observeRestic } from './restic.js';

// Issue 13, point 7: a Borg repository `--rsh=sh -c '…'` reached `borg info` as an option and ran a
// program. The collector's schema refuses such values now; here the observers are called directly,
// as if a value had slipped past it, with the real borg and restic from Debian.
let dir: string;
let marker: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-optinj-'));
  marker = join(dir, 'pwned');
  process.env.BORG_BASE_DIR = join(dir, 'borg-home');
  process.env.RESTIC_CACHE_DIR = join(dir, 'restic-cache');
});
afterAll(() => {
  delete process.env.BORG_REPO;
  rmSync(dir, { recursive: true, force: true });
});
const ctx = (): ProbeContext => {
  const ac = new AbortController();
  return { now: Date.now, signal: ac.signal, platform: 'linux', run: (f, a, o) => runCommand(f, a, ac.signal, o) };
};

describe('a policy value is never read as an option of the program it is given to', () => {
  it('borg: `--rsh=…` as the repository runs nothing (it is a repository name after `--`)', async () => {
    // With BORG_REPO set, borg would connect with the given "rsh" — a shell that creates the marker.
    // (sh never reaches the ssh address: nothing leaves this machine.)
    process.env.BORG_REPO = 'ssh://vigie@127.0.0.1/./repo';
    const o = await observeBorg(ctx(), { kind: 'borg', repository: `--rsh=sh -c 'touch ${marker}'` });
    delete process.env.BORG_REPO;
    expect(existsSync(marker)).toBe(false);
    expect(o.outcome).toBe('unreadable');
    expect(o.detail).toContain('does not exist');
  });

  it('restic: a repository, password file or host starting with `-` stays a value', async () => {
    const o = await observeRestic(ctx(), {
      kind: 'restic',
      repository: `-o=sftp.command=sh -c 'touch ${marker}'`,
      passwordFile: '--insecure-no-password',
      host: '--no-lock',
    });
    expect(existsSync(marker)).toBe(false);
    expect(o.outcome).toBe('unreadable');
  });
});
