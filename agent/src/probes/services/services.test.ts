import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveProbeConfig, type ServicesProbeConfig, servicesProbeSpec } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGoldenIfUpdating } from '../golden-update.js';
import { type ProbeContext, runCommand } from '../probe.js';
import { servicesProbe } from './index.js';
import { launchdObservation, parseLaunchctlList, parsePs } from './parse-darwin.js';
import { parseProcStat, parseSystemctlShow, processMatches, unitObservation } from './parse-linux.js';
import { parseProcesses, parseServices, serviceObservation } from './parse-windows.js';

const config = (over: Partial<ServicesProbeConfig>): ServicesProbeConfig => {
  const r = resolveProbeConfig(servicesProbeSpec, over);
  if (!r.ok) throw new Error(r.error);
  return r.config;
};
const realContext = (): ProbeContext => {
  const ac = new AbortController();
  return { now: Date.now, signal: ac.signal, platform: 'linux', run: (f, a, o) => runCommand(f, a, ac.signal, o) };
};

// Real processes under names of our own: a copy of /bin/sleep as a "daemon", a copy of `yes`
// writing to /dev/null as a CPU-busy process.
const dir = mkdtempSync(join(tmpdir(), 'vigie-services-'));
const children: ChildProcess[] = [];
beforeAll(() => {
  copyFileSync('/bin/sleep', join(dir, 'vigie-fakedmn'));
  copyFileSync('/usr/bin/yes', join(dir, 'vigie-busy'));
  children.push(spawn(join(dir, 'vigie-fakedmn'), ['300'], { stdio: 'ignore' }));
  children.push(spawn(join(dir, 'vigie-busy'), [], { stdio: 'ignore' }));
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

describe('services probe on this machine (no systemd as PID 1: process-table fallback)', () => {
  it('reports a running process required by name as running, and an unknown name as critical, saying which method was used', async () => {
    const results = await servicesProbe.collect(realContext(), config({ required: ['vigie-fakedmn.service', 'vigie-absent-daemon'], topN: 0 }));
    expect(results.map((r) => [r.target, r.status, r.code])).toEqual([
      ['vigie-fakedmn.service', 'ok', 'SERVICE_RUNNING'],
      ['vigie-absent-daemon', 'critical', 'SERVICE_STOPPED'],
    ]);
    expect(results[0]?.values?.method).toBe('process-table');
    expect(results[0]?.values?.pid).toBe(children[0]?.pid);
    expect(String(results[0]?.values?.note)).toMatch(/systemd unavailable/);
  });

  it('ranks the CPU-busy child among the top processes by CPU, with flat values', async () => {
    const [top] = await servicesProbe.collect(realContext(), config({ topN: 5, cpuSampleMs: 400 }));
    expect(top).toMatchObject({ check: 'services', target: 'top-processes', status: 'ok', code: 'TOP_PROCESSES' });
    const values = top?.values ?? {};
    // Other test files may run beside this one: the busy child is in the top 5, not necessarily first.
    const rank = [1, 2, 3, 4, 5].find((i) => values[`cpu${i}_name`] === 'vigie-busy');
    expect(rank).toBeDefined();
    expect(values[`cpu${rank}_pid`]).toBe(children[1]?.pid);
    // A busy loop takes a whole core when the machine is idle; on a loaded 2-core machine, less.
    expect(values[`cpu${rank}_pct`]).toBeGreaterThan(10);
    expect(values.mem1_rss).toBeGreaterThan(0);
    expect(Object.keys(values).filter((k) => /^cpu\d+_name$/.test(k))).toHaveLength(5);
    for (const v of Object.values(values)) expect(['string', 'number'].includes(typeof v) || v === null).toBe(true);
  });

  it('refuses a unit name that systemctl would read as an option', () => {
    expect(resolveProbeConfig(servicesProbeSpec, { required: ['--host=evil'] }).ok).toBe(false);
  });
});

describe('Linux parsers', () => {
  it('reads /proc/<pid>/stat whose name holds spaces and parentheses', () => {
    const s = parseProcStat('4242 (my (odd) name) R 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 1 0 1000 10000000 2048 18446744073709551615');
    expect(s).toMatchObject({ pid: 4242, comm: 'my (odd) name', state: 'R', ticks: 300, rssPages: 2048 });
  });
  it('matches the kernel name truncated to 15 characters, or argv[0]', () => {
    expect(processMatches('postgresql-main-daemon', 'postgresql-main', '')).toBe(true);
    expect(processMatches('cron.service', 'cron', '')).toBe(true);
    expect(processMatches('ssh', 'sshd', 'sshd')).toBe(false);
  });
});

// Golden cases: recorded or reconstructed command outputs (see testdata/README.md).
const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const PARSERS: Record<string, (text: string) => unknown> = {
  'linux-systemd-252-show': (t) => {
    const blocks = parseSystemctlShow(t);
    return blocks.map((b) => unitObservation(b.Id ?? '?', b));
  },
  'windows-10-22h2-get-service-ps5.1': (t) => {
    const list = parseServices(t);
    return {
      services: list,
      observations: ['spooler', 'Windows Update', 'VeeamEndpointBackupSvc', 'RemoteRegistry', 'NoSuchSvc'].map((n) => serviceObservation(n, list)),
    };
  },
  'windows-single-service-ps5.1': (t) => parseServices(t),
  'windows-10-22h2-get-process-ps5.1': (t) => parseProcesses(t),
  'macos-14-launchctl-list': (t) => {
    const jobs = parseLaunchctlList(t);
    return { jobs, observations: ['com.apple.Finder', 'com.microsoft.autoupdate.helper', 'com.example.none'].map((n) => launchdObservation(n, jobs)) };
  },
  'macos-14-ps': (t) => parsePs(t),
};

describe('golden outputs of the platforms this machine is not', () => {
  for (const name of readdirSync(TESTDATA, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)) {
    it(name, () => {
      const parse = PARSERS[name];
      if (!parse) throw new Error(`no parser mapped for testdata/${name}`);
      const caseDir = join(TESTDATA, name);
      const input = ['input.txt', 'input.json'].map((f) => join(caseDir, f)).find((f) => existsSync(f));
      const actual = parse(readFileSync(input ?? '', 'utf8'));
      const expectedFile = join(caseDir, 'expected.json');
      writeGoldenIfUpdating(expectedFile, actual);
      expect(actual).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')));
    });
  }
});
