import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PatchesBody, patchesProbeSpec, resolveProbeConfig } from '@vigie/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { writeGoldenIfUpdating } from '../golden-update.js';
import type { ProbeContext, ProbeReport } from '../probe.js';
import { forgetAptAnswer } from './apt.js';
import { WINDOWS_UPDATE_SCRIPT } from './collect-windows.js';
import { patchesProbe } from './index.js';
import { parseCheckUpdate, parseNeedsRestarting, rpmVersionCompare } from './parse-rpm.js';

// Each testdata folder is one machine: the commands the probe ran there and what they answered
// (answers.json; provenance in testdata/README.md), and the list the probe reports (expected.json).
// UPDATE_GOLDEN=1 rewrites the expected files outside CI (golden-update.ts): review the diff.
const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

interface Case {
  platform: NodeJS.Platform;
  /** Files that exist under the machine's root (run/reboot-required…). */
  files?: string[];
  answers: { command: string; stdout?: string; stderr?: string; code: number }[];
}

function replay(dir: string, c: Case, ran: string[]): ProbeContext {
  const read = (f: string | undefined) => (f ? readFileSync(join(dir, f), 'utf8') : '');
  return {
    now: () => 1_760_000_000_000,
    signal: new AbortController().signal,
    platform: c.platform,
    async run(file, args) {
      const line = [file, ...args].join(' ').replace(WINDOWS_UPDATE_SCRIPT, '<WINDOWS_UPDATE_SCRIPT>');
      ran.push(line);
      const a = c.answers.find((x) => x.command === line);
      if (!a) throw new Error(`${file} is not installed`);
      return { stdout: read(a.stdout), stderr: read(a.stderr), code: a.code };
    },
  };
}

describe('pending updates, machine by machine (golden)', () => {
  for (const name of readdirSync(TESTDATA, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)) {
    it(name, async () => {
      const dir = join(TESTDATA, name);
      const c = JSON.parse(readFileSync(join(dir, 'answers.json'), 'utf8')) as Case;
      const root = mkdtempSync(join(tmpdir(), 'vigie-patches-root-'));
      roots.push(root);
      for (const f of c.files ?? []) {
        mkdirSync(dirname(join(root, f)), { recursive: true });
        writeFileSync(join(root, f), '*** System restart required ***\n');
      }
      forgetAptAnswer();
      const ran: string[] = [];
      const reports: ProbeReport[] = [];
      const ctx = { ...replay(dir, c, ran), report: (r: ProbeReport) => void reports.push(r) };
      const cfg = resolveProbeConfig(patchesProbeSpec, { fileRoot: root });
      if (!cfg.ok) throw new Error(cfg.error);
      const results = await patchesProbe.collect(ctx, cfg.config);
      expect(reports).toHaveLength(1);
      const body = reports[0]!.body as PatchesBody;
      // Every recorded answer was asked for: a case cannot pass by falling back to another tool.
      for (const a of c.answers) expect(ran, a.command).toContain(a.command);
      const expectedFile = join(dir, 'expected.json');
      writeGoldenIfUpdating(expectedFile, body);
      expect(body).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')));
      expect(results[0]).toMatchObject({
        check: 'patches',
        status: 'ok',
        values: { pending: body.updates.length, security: body.updates.filter((u) => u.security).length, rebootPending: body.rebootPending },
      });
    });
  }
});

describe('rpm edge cases', () => {
  it('orders versions as rpm does', () => {
    expect(rpmVersionCompare('5.14.0-362.24.1.el9_3', '5.14.0-362.8.1.el9_3')).toBeGreaterThan(0);
    expect(rpmVersionCompare('1:1.0-1', '2.0-1')).toBeGreaterThan(0);
    expect(rpmVersionCompare('1.0~rc1-1', '1.0-1')).toBeLessThan(0);
    expect(rpmVersionCompare('1.0a-1', '1.0-1')).toBeGreaterThan(0);
    expect(rpmVersionCompare('2.06-77.el9', '2.06-77.el9')).toBe(0);
  });
  it('refuses a check-update answer it does not understand rather than listing garbage', () => {
    expect(() => parseCheckUpdate('Error: Failed to download metadata for repo baseos\nmore words here\n')).toThrow(/unexpected check-update/);
  });
  it('needs-restarting: a missing plugin is "cannot tell", not "no restart"', () => {
    expect(parseNeedsRestarting(1, 'No such command: needs-restarting. Please use /usr/bin/dnf --help')).toBeNull();
    expect(parseNeedsRestarting(0, 'Reboot should not be necessary.')).toBe(false);
  });
});
