import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'plist';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCollector, type TestCollector } from '../test/collector.js';
import { type ArchiveBuild, buildMacArchive, MACOS, MACOS_ARCHIVE_FILES } from './macos.js';

let archive: ArchiveBuild;
let dir: string;
let collector: TestCollector;
const exe = (target: string) => inject('seaBuilds').find((b) => b.target === target)!.path;

function sh(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', [script, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err.code as number | undefined) ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-macos-'));
  archive = buildMacArchive(exe('darwin-x64'), dir);
  collector = await startCollector(1);
});
afterAll(async () => {
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the macOS launchd daemon', () => {
  const daemon = parse(readFileSync(join(MACOS, 'com.vigie.agent.plist'), 'utf8')) as Record<string, any>;

  it('is a well-formed property list (strict XML parser) that runs the agent from /Library/Vigie/Agent', () => {
    expect(daemon.Label).toBe('com.vigie.agent');
    expect(daemon.ProgramArguments).toEqual(['/Library/Vigie/Agent/vigie-agent', 'run', '--state-dir', '/Library/Application Support/Vigie/agent']);
    expect(daemon.RunAtLoad).toBe(true);
    expect(daemon.Umask).toBe(0o077);
    expect(daemon.StandardErrorPath).toBe('/Library/Logs/Vigie/agent.log');
  });

  it('keeps the agent alive only once it is enrolled (launchd watches the credential)', () => {
    expect(daemon.KeepAlive).toEqual({ PathState: { '/Library/Application Support/Vigie/agent/credential.json': true } });
  });
});

describe('the macOS archive (tar.gz with install and uninstall scripts)', () => {
  it('holds the darwin-x64 executable, the plist and the scripts, owned by root with their modes', () => {
    const listing = execFileSync('tar', ['-tvzf', archive.path], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/));
    const files = Object.fromEntries(listing.filter((c) => c[0]!.startsWith('-')).map((c) => [c[5], [c[0], c[1]]]));
    expect(files).toEqual({
      'vigie-agent/vigie-agent': ['-rwxr-xr-x', '0/0'],
      'vigie-agent/com.vigie.agent.plist': ['-rw-r--r--', '0/0'],
      'vigie-agent/install.sh': ['-rwxr-xr-x', '0/0'],
      'vigie-agent/uninstall.sh': ['-rwxr-xr-x', '0/0'],
    });
    expect(Object.keys(MACOS_ARCHIVE_FILES).length).toBe(4);
    const x = mkdtempSync(join(dir, 'x-'));
    execFileSync('tar', ['-xzf', archive.path, '-C', x]);
    expect(readFileSync(join(x, 'vigie-agent/vigie-agent')).equals(readFileSync(exe('darwin-x64')))).toBe(true);
  });

  // The scripts are plain sh: their logic runs here under VIGIE_PREFIX, with the linux-x64
  // executable standing in for the darwin one (launchctl, codesign and xattr are macOS-only and skipped).
  it('install.sh installs, enrolls from enroll.env (then deletes it); uninstall.sh --purge removes it all', async () => {
    const x = mkdtempSync(join(dir, 'run-'));
    execFileSync('tar', ['-xzf', archive.path, '-C', x]);
    const folder = join(x, 'vigie-agent');
    copyFileSync(exe('linux-x64'), join(folder, 'vigie-agent'));
    writeFileSync(join(folder, 'enroll.env'), `VIGIE_URL=${collector.base}\nVIGIE_ENROLL_TOKEN=${collector.tokens[0]}\n`, { mode: 0o600 });
    const prefix = mkdtempSync(join(dir, 'root-'));
    const r = await sh(join(folder, 'install.sh'), [], { VIGIE_PREFIX: prefix });
    expect(r.output).toContain('installed vigie-agent 0.1.0 (protocol v1)');
    expect(r.code).toBe(0);
    expect(statSync(join(prefix, 'Library/Vigie/Agent/vigie-agent')).mode & 0o777).toBe(0o755);
    expect(statSync(join(prefix, 'Library/LaunchDaemons/com.vigie.agent.plist')).mode & 0o777).toBe(0o644);
    const state = join(prefix, 'Library/Application Support/Vigie/agent');
    expect(statSync(state).mode & 0o777).toBe(0o700);
    expect(statSync(join(state, 'credential.json')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(folder, 'enroll.env'))).toBe(false);
    const ceiling = join(prefix, 'Library/Application Support/Vigie/remote.conf');
    expect([statSync(ceiling).mode & 0o777, statSync(ceiling).uid]).toEqual([0o644, 0]);
    expect(readFileSync(ceiling, 'utf8')).toMatch(/^remote: actions$/m);
    const { deviceId } = JSON.parse(readFileSync(join(state, 'credential.json'), 'utf8'));
    expect((await collector.techGet(`/api/v1/devices/${deviceId}`)).status).toBe(200);

    const u = await sh(join(folder, 'uninstall.sh'), ['--purge'], { VIGIE_PREFIX: prefix });
    expect(u.code).toBe(0);
    for (const p of ['Library/Vigie', 'Library/LaunchDaemons/com.vigie.agent.plist', 'Library/Application Support/Vigie', 'Library/Logs/Vigie']) {
      expect(existsSync(join(prefix, p)), p).toBe(false);
    }
  });
});
