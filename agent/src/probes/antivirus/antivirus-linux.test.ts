import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AntivirusProbeConfig, antivirusProbeSpec, resolveProbeConfig } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog } from '../../log.js';
import { ProbeRunner } from '../runner.js';
import { runningProcesses } from './collect-linux.js';
import { antivirusProbe } from './index.js';
import { CVD_HEADER_BYTES, parseCvdHeader } from './parse-linux.js';

// Real ClamAV 1.4 from Debian (`clamav`, `clamav-daemon`) on databases this test makes: no mirror is
// reachable here, so the signatures are one made by `sigtool --md5` and containers are headers only.
const HOUR = 3_600_000;
let root: string;
let sample: string;

const config = (over: Partial<AntivirusProbeConfig>): AntivirusProbeConfig => {
  const r = resolveProbeConfig(antivirusProbeSpec, over);
  if (!r.ok) throw new Error(r.error);
  return r.config;
};

/** Runs the probe the way the agent does: through the runner, with real commands. */
async function probe(over: Partial<AntivirusProbeConfig>) {
  const runner = new ProbeRunner([antivirusProbe as never], async () => {}, createLog('error'), 'linux');
  return runner.runOnce(antivirusProbe as never, config(over));
}

function database(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  return dir;
}

/** A container header as freshclam's files start: fields, the epoch build time last, space padding. */
function header(builtAt: number, version = 27_549): string {
  const d = new Date(builtAt);
  const text = `${d.getUTCDate()} ${d.toUTCString().slice(8, 11)} ${d.getUTCFullYear()} ${d.toISOString().slice(11, 16).replace(':', '-')} +0000`;
  return `ClamAV-VDB:${text}:${version}:2072190:90:7b7e0c9b3c6f4c1a8a6a4b1c2d3e4f50:X:raynman:${Math.floor(builtAt / 1000)}`.padEnd(CVD_HEADER_BYTES, ' ');
}

function signedDatabase(name: string, containerBuiltAt: number | null): string {
  const dir = database(name);
  writeFileSync(join(dir, 'test.hdb'), execFileSync('sigtool', ['--md5', sample]));
  if (containerBuiltAt !== null) writeFileSync(join(dir, 'daily.cld'), header(containerBuiltAt));
  return dir;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'vigie-clamav-'));
  sample = join(root, 'sample.txt');
  writeFileSync(sample, 'Vigie test sample, flagged by a signature this test makes\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ClamAV without signatures is critical, never ok', () => {
  it('an empty database directory: ClamAV itself refuses to scan (exit 2), the probe says AV_NO_SIGNATURES', async () => {
    const dir = database('empty');
    let exit = 0;
    try {
      execFileSync('clamscan', ['--no-summary', '-d', dir, sample], { stdio: 'pipe' });
    } catch (err) {
      exit = (err as { status: number }).status;
    }
    expect(exit).toBe(2);
    const [r] = await probe({ clamavDatabaseDir: dir });
    expect([r?.target, r?.status, r?.code]).toEqual(['ClamAV', 'critical', 'AV_NO_SIGNATURES']);
    expect(r?.values?.signatureAgeHours).toBeNull();
  });

  it('a database directory that does not exist', async () => {
    const [r] = await probe({ clamavDatabaseDir: join(root, 'nowhere') });
    expect([r?.status, r?.code]).toEqual(['critical', 'AV_NO_SIGNATURES']);
  });

  it('a container whose header is not ClamAV-VDB counts for nothing', async () => {
    const dir = database('broken');
    writeFileSync(join(dir, 'main.cvd'), 'not a database'.padEnd(600, '\0'));
    const [r] = await probe({ clamavDatabaseDir: dir });
    expect([r?.status, r?.code]).toEqual(['critical', 'AV_NO_SIGNATURES']);
    expect(r?.message).toContain('unreadable: main.cvd');
  });
});

describe('signature age from the container header build time', () => {
  it('the sigtool signature is a database ClamAV loads: clamscan finds the sample (exit 1)', () => {
    const dir = signedDatabase('loadable', null);
    let out = '';
    try {
      execFileSync('clamscan', ['--no-summary', '-d', join(dir, 'test.hdb'), sample], { stdio: 'pipe' });
    } catch (err) {
      expect((err as { status: number }).status).toBe(1);
      out = String((err as { stdout: Buffer }).stdout);
    }
    expect(out).toContain('FOUND');
  });

  it('sigtool reads the crafted header as we do', () => {
    const dir = signedDatabase('info', Date.now() - 10 * 24 * HOUR);
    // sigtool prints the header, then exits 1: the crafted file has no valid body or digital signature.
    const info = spawnSync('sigtool', ['--info', join(dir, 'daily.cld')], { encoding: 'utf8' }).stdout;
    expect(info).toContain('Version: 27549');
    expect(info).toContain('Builder: raynman');
  });

  it('10 days old: critical over 7 days by default, warning when the policy allows 30 days', async () => {
    const dir = signedDatabase('old', Date.now() - 10 * 24 * HOUR);
    const [byDefault] = await probe({ clamavDatabaseDir: dir, clamavRequireDaemon: false, requireRealTime: false });
    expect([byDefault?.status, byDefault?.code]).toEqual(['critical', 'AV_SIGNATURES_OUTDATED']);
    expect(byDefault?.values?.signatureAgeDays).toBeCloseTo(10, 0);
    expect(byDefault?.values?.signatureVersion).toBe('daily 27549');
    const [lenient] = await probe({ clamavDatabaseDir: dir, clamavRequireDaemon: false, requireRealTime: false, signatureCriticalHours: 720 });
    expect([lenient?.status, lenient?.code]).toEqual(['warning', 'AV_SIGNATURES_OUTDATED']);
  });

  it('3 days old: warning over 48 h', async () => {
    const dir = signedDatabase('three-days', Date.now() - 72 * HOUR);
    const [r] = await probe({ clamavDatabaseDir: dir, clamavRequireDaemon: false, requireRealTime: false });
    expect([r?.status, r?.code, r?.message]).toEqual(['warning', 'AV_SIGNATURES_OUTDATED', expect.stringContaining('signatures 3 days old')]);
  });

  it('fresh: ok', async () => {
    const dir = signedDatabase('fresh', Date.now() - 2 * HOUR);
    const [r] = await probe({ clamavDatabaseDir: dir, clamavRequireDaemon: false, requireRealTime: false });
    expect([r?.status, r?.code]).toEqual(['ok', 'AV_OK']);
    expect(r?.values?.signatureAgeHours).toBeCloseTo(2, 0);
  });

  it('without containers, the age is the newest signature file date', async () => {
    const dir = signedDatabase('loose', null);
    const old = (Date.now() - 5 * 24 * HOUR) / 1000;
    utimesSync(join(dir, 'test.hdb'), old, old);
    const [r] = await probe({ clamavDatabaseDir: dir, clamavRequireDaemon: false, requireRealTime: false });
    expect([r?.status, r?.code]).toEqual(['warning', 'AV_SIGNATURES_OUTDATED']);
    expect(r?.message).toContain('age from file dates of test.hdb');
  });
});

describe('clamd, found in /proc (no systemd in containers)', () => {
  let clamd: ChildProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    // Only the sigtool signature: clamd would refuse a header-only container.
    dir = signedDatabase('daemon', null);
    const sock = join(root, 'clamd.sock');
    const conf = join(root, 'clamd.conf');
    writeFileSync(conf, `Foreground yes\nLocalSocket ${sock}\nDatabaseDirectory ${dir}\nPidFile ${join(root, 'clamd.pid')}\n`);
    clamd = spawn('clamd', ['-c', conf], { stdio: 'ignore' });
    for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(sock)).toBe(true);
  });
  afterAll(() => {
    if (clamd && clamd.exitCode === null) clamd.kill();
  });

  it('clamd running with fresh signatures but no on-access scanner: real-time off is a warning', async () => {
    expect((await runningProcesses()).has('clamd')).toBe(true);
    const [r] = await probe({ clamavDatabaseDir: dir });
    expect([r?.status, r?.code]).toEqual(['warning', 'AV_REALTIME_OFF']);
    expect(r?.values).toMatchObject({ enabled: true, realTime: false });
    expect(r?.message).toContain('clamd running');
  });

  it('with real-time not required: ok', async () => {
    const [r] = await probe({ clamavDatabaseDir: dir, requireRealTime: false });
    expect([r?.status, r?.code]).toEqual(['ok', 'AV_OK']);
  });

  it('once clamd stops: critical AV_DISABLED, unless the policy says ClamAV runs as scheduled scans', async () => {
    const exited = new Promise((r) => clamd?.once('exit', r));
    clamd?.kill();
    await exited;
    clamd = undefined;
    if ((await runningProcesses()).has('clamd')) return; // another clamd on this machine: nothing to assert
    const [r] = await probe({ clamavDatabaseDir: dir, requireRealTime: false });
    expect([r?.status, r?.code, r?.message]).toEqual(['critical', 'AV_DISABLED', expect.stringContaining('clamd stopped')]);
    const [tolerated] = await probe({ clamavDatabaseDir: dir, requireRealTime: false, clamavRequireDaemon: false });
    expect([tolerated?.status, tolerated?.code]).toEqual(['ok', 'AV_OK']);
  });
});

describe('parseCvdHeader', () => {
  it('uses the epoch field, ignoring the padding', () => {
    expect(parseCvdHeader(header(Date.UTC(2025, 1, 14, 7, 27)))).toEqual({
      version: 27549,
      signatures: 2072190,
      builder: 'raynman',
      buildTime: Date.UTC(2025, 1, 14, 7, 27),
    });
  });
  it('falls back to the text time of headers without the epoch field', () => {
    expect(parseCvdHeader('ClamAV-VDB:14 Feb 2025 07-27 +0100:27549:10:90:md5:sig:raynman')?.buildTime).toBe(Date.UTC(2025, 1, 14, 6, 27));
  });
  it('refuses what is not a header', () => {
    expect(parseCvdHeader('')).toBeNull();
    expect(parseCvdHeader('ClamAV-VDB:garbage')).toBeNull();
  });
});
