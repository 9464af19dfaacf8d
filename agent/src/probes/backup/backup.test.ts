import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackupProbeConfig, backupProbeSpec, type EnvelopeOf, resolveProbeConfig } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog } from '../../log.js';
import { RemoteCommands } from '../../remote/remote-commands.js';
import { TestSigner } from '../../remote/test-signer.js';
import { pinKey } from '../../remote/trust-store.js';
import { sha256Hex } from '../../remote/verify.js';
import { type ProbeContext, runCommand } from '../probe.js';
import { ProbeRunner } from '../runner.js';
import { backupProbe } from './index.js';

// Real restic (0.14) and Borg (1.2) from Debian, against repositories this file creates; a real
// folder of dumps; real programs for the "exit status" check. Nothing here is simulated.
const HOUR = 3_600_000;
let dir: string;
const env = (extra: Record<string, string> = {}) => ({ ...process.env, ...extra });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-backup-'));
  // Borg's cache and security records, and restic's cache, stay in the temp folder (the probe inherits them).
  process.env.BORG_BASE_DIR = join(dir, 'borg-home');
  process.env.RESTIC_CACHE_DIR = join(dir, 'restic-cache');
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'compta.db'), 'x'.repeat(50_000));
  writeFileSync(join(dir, 'pw'), 'correct horse\n');
  writeFileSync(join(dir, 'wrong-pw'), 'battery staple\n');
  const restic = (repo: string, ...args: string[]) =>
    execFileSync('restic', ['-r', join(dir, repo), '--password-file', join(dir, 'pw'), '-q', ...args], { env: env() });
  restic('restic-nas', 'init');
  restic('restic-nas', 'backup', '--host', 'srv-acme', join(dir, 'data'));
  restic('restic-empty', 'init');
  execFileSync('borg', ['init', '-e', 'none', join(dir, 'borg-nas')], { env: env() });
  execFileSync('borg', ['create', `${join(dir, 'borg-nas')}::nightly-1`, join(dir, 'data')], { env: env() });
  execFileSync('borg', ['init', '-e', 'none', join(dir, 'borg-empty')], { env: env() });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (over: Partial<BackupProbeConfig>): BackupProbeConfig => {
  const r = resolveProbeConfig(backupProbeSpec, over);
  if (!r.ok) throw new Error(r.error);
  return r.config;
};
const ctx = (shiftMs = 0): ProbeContext => {
  const ac = new AbortController();
  return { now: () => Date.now() + shiftMs, signal: ac.signal, platform: 'linux', run: (f, a, o) => runCommand(f, a, ac.signal, o) };
};

describe('restic (snapshots --json) on repositories made by the test', () => {
  const target = (over: object = {}) => ({ kind: 'restic' as const, name: 'nas', repository: join(dir, 'restic-nas'), passwordFile: join(dir, 'pw'), ...over });

  it('reports the fresh snapshot as ok, with its age, time and id', async () => {
    const [r] = await backupProbe.collect(ctx(), config({ targets: [target()] }));
    expect(r).toMatchObject({ check: 'backup', target: 'restic nas', status: 'ok', code: 'BACKUP_OK' });
    expect(r!.values?.ageHours).toBeLessThan(0.1);
    expect(Math.abs((r!.values?.lastSuccessAt as number) - Date.now())).toBeLessThan(120_000);
    expect(r!.values?.host).toBe('srv-acme');
    expect(r!.values?.snapshot).toMatch(/^[0-9a-f]{8}$/);
  });

  it('reports the same snapshot 30 h later as warning and 60 h later as critical (defaults 26 h / 50 h)', async () => {
    const [w] = await backupProbe.collect(ctx(30 * HOUR), config({ targets: [target()] }));
    expect([w!.status, w!.code]).toEqual(['warning', 'BACKUP_TOO_OLD']);
    const [c] = await backupProbe.collect(ctx(60 * HOUR), config({ targets: [target()] }));
    expect([c!.status, c!.code]).toEqual(['critical', 'BACKUP_TOO_OLD']);
    expect(c!.message).toContain('2.5 days');
  });

  it('applies per-target thresholds over the probe-wide ones', async () => {
    const [r] = await backupProbe.collect(ctx(3 * HOUR), config({ targets: [target({ warningAgeHours: 1, criticalAgeHours: 2 })] }));
    expect([r!.status, r!.code]).toEqual(['critical', 'BACKUP_TOO_OLD']);
  });

  it('reports an empty repository, another host, a missing repository and a wrong password as critical', async () => {
    const res = await backupProbe.collect(
      ctx(),
      config({
        targets: [
          target({ name: 'empty', repository: join(dir, 'restic-empty') }),
          target({ name: 'other-host', host: 'pc-compta' }),
          target({ name: 'gone', repository: join(dir, 'restic-gone') }),
          target({ name: 'bad-pw', passwordFile: join(dir, 'wrong-pw') }),
        ],
      }),
    );
    expect(res.map((r) => `${r.target} ${r.status} ${r.code}`)).toEqual([
      'restic empty critical BACKUP_NONE',
      'restic other-host critical BACKUP_NONE',
      'restic gone critical BACKUP_REPO_UNREADABLE',
      'restic bad-pw critical BACKUP_REPO_UNREADABLE',
    ]);
    expect(res[3]!.message).toContain('wrong password');
  });
});

describe('Borg (info --json --last 1) on repositories made by the test', () => {
  it('reports the last archive with its age and original size', async () => {
    const [r] = await backupProbe.collect(ctx(), config({ targets: [{ kind: 'borg', name: 'nas', repository: join(dir, 'borg-nas') }] }));
    expect(r).toMatchObject({ target: 'borg nas', status: 'ok', code: 'BACKUP_OK' });
    expect(r!.values?.archive).toBe('nightly-1');
    expect(r!.values?.sizeBytes).toBe(50_000);
    expect(r!.values?.ageHours).toBeLessThan(0.1);
  });

  it('reports an empty repository and a missing one as critical, and an old archive as too old', async () => {
    const res = await backupProbe.collect(
      ctx(),
      config({
        targets: [
          { kind: 'borg', name: 'empty', repository: join(dir, 'borg-empty') },
          { kind: 'borg', name: 'gone', repository: join(dir, 'borg-gone') },
        ],
      }),
    );
    expect(res.map((r) => `${r.status} ${r.code}`)).toEqual(['critical BACKUP_NONE', 'critical BACKUP_REPO_UNREADABLE']);
    expect(res[1]!.message).toContain('does not exist');
    const [old] = await backupProbe.collect(ctx(51 * HOUR), config({ targets: [{ kind: 'borg', repository: join(dir, 'borg-nas') }] }));
    expect([old!.status, old!.code, old!.target]).toEqual(['critical', 'BACKUP_TOO_OLD', `borg ${join(dir, 'borg-nas')}`]);
  });
});

describe('newest file in a folder', () => {
  it('takes the newest matching file big enough to be a backup, and reports its age and size', async () => {
    const dumps = join(dir, 'dumps');
    mkdirSync(dumps);
    const at = (name: string, hoursAgo: number, body: string) => {
      writeFileSync(join(dumps, name), body);
      const t = new Date(Date.now() - hoursAgo * HOUR);
      utimesSync(join(dumps, name), t, t);
    };
    at('erp-2026-11-23.sql.gz', 72, 'a'.repeat(300));
    at('erp-2026-11-25.sql.gz', 30, 'b'.repeat(200));
    at('erp-2026-11-26.sql.gz', 1, ''); // the dump of last night failed and left an empty file
    at('notes.txt', 0, 'not a backup');
    const [r] = await backupProbe.collect(ctx(), config({ targets: [{ kind: 'folder', name: 'erp', path: dumps, pattern: '*.SQL.gz' }] }));
    expect([r!.status, r!.code]).toEqual(['warning', 'BACKUP_TOO_OLD']);
    expect(r!.values).toMatchObject({ file: 'erp-2026-11-25.sql.gz', sizeBytes: 200 });
    expect(r!.values?.ageHours).toBeCloseTo(30, 0);
  });

  it('reports a folder without backups and a missing folder as critical', async () => {
    mkdirSync(join(dir, 'empty-share'));
    const res = await backupProbe.collect(
      ctx(),
      config({
        targets: [
          { kind: 'folder', name: 'share', path: join(dir, 'empty-share') },
          { kind: 'folder', name: 'nas', path: join(dir, 'not-mounted') },
        ],
      }),
    );
    expect(res.map((r) => `${r.status} ${r.code}`)).toEqual(['critical BACKUP_NONE', 'critical BACKUP_FOLDER_MISSING']);
  });
});

describe('exit status of a library script the provider granted (the `command` kind)', () => {
  // A real agent remote module with a pinned provider key, a signed grant, a ceiling file that
  // allows scripts, and real /bin/sh runs.
  const provider = new TestSigner();
  const me = { agentId: 'agent-backup', deviceId: 4 };
  const ok = 'echo "Veeam: last job Success"\n';
  const ko = 'echo "last job: $VIGIE_PARAM_JOB failed" >&2\nexit 2\n';
  let remote: RemoteCommands;
  const grant = async (text: string, params: Record<string, string>, id: string) => {
    const env = provider.envelope<EnvelopeOf<'policy-script'>>({
      commandId: id,
      clientId: 1,
      deviceId: me.deviceId,
      agentId: me.agentId,
      notBefore: Date.now() - 1000,
      expiresAt: Date.now() + 86_400_000,
      action: 'policy-script',
      scriptSha256: sha256Hex(text),
      args: { language: 'sh', scriptName: id, scriptVersion: 1, params, timeoutSec: 30 },
    });
    await remote.handle(provider.sign(env, { script: text }));
  };
  const grantedCtx = (): ProbeContext => ({ ...ctx(), runGrantedScript: (sha, params, t) => remote.runGrantedScript(sha, params, t) });

  beforeAll(async () => {
    const stateDir = join(dir, 'agent-state');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(stateDir, 'remote.conf'), 'remote: scripts\n', { mode: 0o644 });
    await pinKey(stateDir, { keyId: provider.keyId, publicKey: provider.publicKey });
    remote = new RemoteCommands({ stateDir, me, log: createLog('error'), ceilingFile: join(stateDir, 'remote.conf'), emit: async () => {} });
    await remote.open();
    await grant(ok, {}, 'grant_ok_1');
    await grant(ko, { job: 'nightly' }, 'grant_ko_1');
  });

  it('is ok on 0, critical on anything else with what the script said', async () => {
    const res = await backupProbe.collect(
      grantedCtx(),
      config({
        targets: [
          { kind: 'command', name: 'vendor-ok', script: sha256Hex(ok) },
          { kind: 'command', name: 'vendor-ko', script: sha256Hex(ko), params: { job: 'nightly' } },
        ],
      }),
    );
    expect(res.map((r) => `${r.target} ${r.status} ${r.code}`)).toEqual(['command vendor-ok ok BACKUP_OK', 'command vendor-ko critical BACKUP_FAILED']);
    expect(res[0]!.message).toContain('Veeam: last job Success');
    expect(res[1]!.values?.exitCode).toBe(2);
    expect(res[1]!.message).toContain('last job: nightly failed');
  });

  it('runs nothing a policy names without a grant: another script, or the granted one with other parameters', async () => {
    const res = await backupProbe.collect(
      grantedCtx(),
      config({
        targets: [
          { kind: 'command', name: 'unknown', script: sha256Hex('id > /tmp/x\n') },
          { kind: 'command', name: 'other-params', script: sha256Hex(ko), params: { job: '$(id)' } },
        ],
      }),
    );
    expect(res.map((r) => `${r.status} ${r.code}`)).toEqual(['unknown BACKUP_CHECK_ERROR', 'unknown BACKUP_CHECK_ERROR']);
    expect(res[0]!.message).toContain('no valid signed grant');
  });

  it('refuses the attack of issue 16: a policy naming /bin/sh with arguments no longer validates', () => {
    const attack = { targets: [{ kind: 'command', name: 'x', command: '/bin/sh', args: ['-c', 'id > /tmp/x'] }] };
    expect(resolveProbeConfig(backupProbeSpec, attack).ok).toBe(false);
    expect(resolveProbeConfig(backupProbeSpec, { targets: [{ kind: 'command', name: 'x', script: 'not-a-hash' }] }).ok).toBe(false);
  });

  it('reports a script target as unknown when the probe runs with no remote module, while the other targets still report', async () => {
    const res = await backupProbe.collect(
      ctx(),
      config({
        targets: [
          { kind: 'command', name: 'veeam-cli', script: sha256Hex(ok) },
          { kind: 'restic', name: 'nas', repository: join(dir, 'restic-nas'), passwordFile: join(dir, 'pw') },
        ],
      }),
    );
    expect(res.map((r) => `${r.status} ${r.code}`)).toEqual(['unknown BACKUP_CHECK_ERROR', 'ok BACKUP_OK']);
    expect(res[0]!.message).toContain('no signed grant');
  });
});

describe('configuration and runner', () => {
  it('runs with no configuration on Linux and reports nothing (nothing to guess)', async () => {
    expect(await backupProbe.collect(ctx(), backupProbeSpec.defaults)).toEqual([]);
  });

  it('refuses an unknown kind and an unknown mode', () => {
    expect(resolveProbeConfig(backupProbeSpec, { targets: [{ kind: 'tape', path: '/dev/st0' }] }).ok).toBe(false);
    expect(resolveProbeConfig(backupProbeSpec, { timeMachine: 'always' }).ok).toBe(false);
  });

  it('goes through the runner with its timeout, as the agent runs it', async () => {
    const emitted: unknown[] = [];
    const runner = new ProbeRunner([backupProbe as never], async (r) => void emitted.push(...r), createLog('error'), 'linux');
    const cfg = config({ targets: [{ kind: 'restic', name: 'nas', repository: join(dir, 'restic-nas'), passwordFile: join(dir, 'pw') }] });
    const res = await runner.runOnce(backupProbe as never, cfg);
    expect(res[0]).toMatchObject({ check: 'backup', code: 'BACKUP_OK' });
    expect(emitted).toHaveLength(1);
  });
});
