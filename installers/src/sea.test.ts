import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCollector, type TestCollector } from '../test/collector.js';
import { readExecutableHeader, seaFuseState } from '../test/executable-format.js';
import { type Proc, run, startProcess, waitFor } from '../test/processes.js';
import { AGENT_EXEC_ARGV } from './agent-exec-argv.js';
import { fetchRuntime } from './node-runtime.js';
import { SEA_FUSE } from './sea.js';
import type { Target } from './targets.js';

const VERSION_LINE = 'vigie-agent 0.1.0 (protocol v1)';
const exe = (target: Target) => inject('seaBuilds').find((b) => b.target === target)!.path;
const WINE = '/usr/lib/wine/wine64';
// Only the system directories: the executable carries its own runtime.
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

describe('single executables on the Node 22 runtime from the npm registry', () => {
  it('builds all four targets into one file each', () => {
    expect(inject('seaBuilds').map((b) => [b.target, b.path.split('/').pop()])).toEqual([
      ['linux-x64', 'vigie-agent-linux-x64'],
      ['linux-arm64', 'vigie-agent-linux-arm64'],
      ['win-x64', 'vigie-agent-win-x64.exe'],
      ['darwin-x64', 'vigie-agent-darwin-x64'],
    ]);
    for (const b of inject('seaBuilds')) expect(statSync(b.path).size).toBeGreaterThan(60 * 2 ** 20);
  });

  it('flips the SEA fuse in every executable, which is still unflipped in the plain runtimes', () => {
    for (const b of inject('seaBuilds')) {
      expect(seaFuseState(readFileSync(b.path), SEA_FUSE), b.target).toBe('flipped');
      expect(seaFuseState(readFileSync(fetchRuntime(b.target)), SEA_FUSE), b.target).toBe('unflipped');
    }
  });

  it('linux-x64 runs with an empty environment (no Node on PATH) and reports its version and protocol', () => {
    const out = execFileSync(exe('linux-x64'), ['--version'], { env: {}, cwd: tmpdir(), encoding: 'utf8' });
    expect(out.trim()).toBe(VERSION_LINE);
    const sample = JSON.parse(execFileSync(exe('linux-x64'), ['metrics', '--json'], { env: {}, cwd: tmpdir(), encoding: 'utf8' }));
    expect(sample.values['mem.total_bytes']).toBeGreaterThan(0);
  });

  it('linux-x64 carries the agent’s Node options and starts without a warning (its code cache was written under them)', () => {
    const bytes = readFileSync(exe('linux-x64'));
    for (const flag of AGENT_EXEC_ARGV) expect(bytes.includes(flag), flag).toBe(true);
    const r = spawnSync(exe('linux-x64'), ['--version'], { env: {}, cwd: tmpdir(), encoding: 'utf8' });
    expect(r.stdout.trim()).toBe(VERSION_LINE);
    expect(r.stderr).toBe('');
  });

  it('linux-arm64 is an AArch64 ELF executable', () => {
    expect(readExecutableHeader(readFileSync(exe('linux-arm64')))).toMatchObject({ format: 'elf', machine: 'arm64' });
    expect(readExecutableHeader(readFileSync(exe('linux-x64')))).toMatchObject({ format: 'elf', machine: 'x64' });
  });

  it('darwin-x64 is an x86-64 Mach-O with the blob in its own NODE_SEA segment', () => {
    const h = readExecutableHeader(readFileSync(exe('darwin-x64')));
    expect(h).toMatchObject({ format: 'macho', machine: 'x64' });
    expect(h.segments).toContain('NODE_SEA');
    expect(h.segments).toContain('__LINKEDIT');
    // postject drops Node's now-void signature: install.sh signs ad hoc on the Mac; a provider signs and notarizes.
    expect(h.codeSignature).toBe(false);
  });

  it('win-x64 is an x86-64 PE executable (MZ, PE signature, machine 0x8664)', () => {
    const bytes = readFileSync(exe('win-x64'));
    expect(bytes.toString('latin1', 0, 2)).toBe('MZ');
    expect(readExecutableHeader(bytes)).toMatchObject({ format: 'pe', machine: 'x64' });
    // The runtime's Authenticode signature was removed before injecting (a voided signature is worse than none).
    const verify = spawnSync('osslsigncode', ['verify', '-in', exe('win-x64')], { encoding: 'utf8' });
    expect(verify.stdout + verify.stderr).toContain('No signature found');
  });

  it.skipIf(!existsSync(WINE))(
    'win-x64 prints its version under wine',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigie-wine-'));
      const env = { PATH: SYSTEM_PATH, HOME: dir, WINEPREFIX: join(dir, 'prefix'), WINEDEBUG: '-all', NODE_SKIP_PLATFORM_CHECK: '1' };
      try {
        // Under wine, writing to a pipe fails: stdout goes to a file.
        const outFile = join(dir, 'version.txt');
        const fd = openSync(outFile, 'w');
        const r = spawnSync(WINE, [exe('win-x64'), '--version'], { env, stdio: ['ignore', fd, 'ignore'], timeout: 120_000 });
        closeSync(fd);
        expect(r.status).toBe(0);
        expect(readFileSync(outFile, 'utf8').trim()).toBe(VERSION_LINE);
      } finally {
        spawnSync('/usr/lib/wine/wineserver64', ['-k'], { env });
        rmSync(dir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});

// linux-arm64 runs here under qemu-user (Debian's qemu-user-static, with the arm64 C and C++
// runtimes from libc6-arm64-cross and libstdc++6-arm64-cross); the commands it spawns run natively.
const QEMU = ['/usr/bin/qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu'];
const hasQemu = existsSync(QEMU[0]!) && existsSync('/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1');
const RUNNERS: { target: Target; arch: string; runner: string[]; skip: boolean }[] = [
  { target: 'linux-x64', arch: 'x64', runner: [], skip: false },
  { target: 'linux-arm64', arch: 'arm64', runner: QEMU, skip: !hasQemu },
];

describe.each(RUNNERS)('the $target executable enrolls and reports to a real collector', ({ target, arch, runner, skip }) => {
  let collector: TestCollector;
  let stateDir: string;
  let agent: Proc | undefined;
  const command = (args: string[]): [string, string[]] => (runner.length > 0 ? [runner[0]!, [...runner.slice(1), exe(target), ...args]] : [exe(target), args]);
  beforeAll(async () => {
    if (skip) return;
    collector = await startCollector(1);
    stateDir = mkdtempSync(join(tmpdir(), 'vigie-sea-agent-'));
  });
  afterAll(async () => {
    await agent?.stop();
    await collector?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it.skipIf(skip)('shows the device with its inventory and live metrics to a technician', async () => {
    const env = { PATH: SYSTEM_PATH, VIGIE_ENROLL_TOKEN: collector.tokens[0]! };
    const out = await run(...command(['enroll', '--url', collector.base, '--state-dir', stateDir]), env);
    const deviceId = Number(/device (\d+)/.exec(out)?.[1]);
    expect(deviceId).toBeGreaterThan(0);
    expect(statSync(join(stateDir, 'credential.json')).mode & 0o777).toBe(0o600);
    agent = startProcess(...command(['run', '--state-dir', stateDir]), { PATH: SYSTEM_PATH });
    const dev = await waitFor('inventory through the API', async () => {
      const r = await collector.techGet(`/api/v1/devices/${deviceId}`);
      return r.body?.inventory ? r.body : undefined;
    });
    expect(dev.device.status).toBe('online');
    expect(dev.inventory.os.hostname).toBe(hostname());
    expect(dev.inventory.os.arch).toBe(arch);
    // Every package dpkg lists as installed on this machine, however many (installed, or with triggers pending).
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax
    const dpkg = execFileSync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}\n'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /^.[iWt]/.test(l)).length;
    expect(dev.inventory.software.length).toBe(dpkg);
    const points = await waitFor('live metrics', async () => {
      const r = await collector.techGet(`/api/v1/devices/${deviceId}/metrics?name=mem.used_bytes&from=${Date.now() - 120_000}&step=1s`);
      const pts = r.body.series?.[0]?.points ?? [];
      return pts.length >= 2 ? pts : undefined;
    });
    expect(points.every((p: [number, number]) => p[1] > 0)).toBe(true);
    expect(await agent.stop()).toBe(0);
  });
});
