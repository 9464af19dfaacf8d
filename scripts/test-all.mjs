#!/usr/bin/env node
// `npm test`: install what is missing, check types and lint, then run every package's tests one
// package at a time (the machine has 2 cores and several suites start real servers).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPnpm } from './pnpm.mjs';
import { installNodePackages, installSystemPackages } from './setup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
installNodePackages();
installSystemPackages();
// Every package's tests run, one package at a time, even after one fails (pnpm -r stops at the
// first failing package): the summary then lists every failure, not the first.
const workspace = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
const packages = [...workspace.split(/^allowBuilds:/m)[0].matchAll(/^\s+-\s+(\S+)\s*$/gm)].map((m) => m[1]);
const order = ['shared', 'testkit', ...packages.filter((p) => p !== 'shared' && p !== 'testkit')].filter((p) => packages.includes(p));
const steps = [
  ['typecheck', ['-r', '--workspace-concurrency=2', 'run', 'typecheck']],
  ['lint', ['exec', 'biome', 'check', '.']],
  ...order
    .filter((dir) => existsSync(join(root, dir, 'package.json')) && JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).scripts?.test)
    .flatMap((dir) => [
      [`tests (${dir})`, ['--filter', `./${dir}`, 'run', 'test']],
      // The collector's test files once more on PostgreSQL (collector/scripts/test-postgres.mjs lists what stays SQLite-only).
      ...(dir === 'collector' ? [['tests (collector on PostgreSQL)', ['--filter', './collector', 'run', 'test:postgres']]] : []),
    ]),
];
const reportDir = mkdtempSync(join(tmpdir(), 'vigie-test-report-'));
process.env.VIGIE_TEST_REPORT_DIR = reportDir;
const failed = [];
for (const [name, args] of steps) {
  console.log(`\n=== ${name} ===`);
  if (runPnpm(args) !== 0) failed.push(name);
}
let passed = 0;
let failedTests = 0;
let skipped = 0;
const failures = [];
for (const f of readdirSync(reportDir)) {
  const r = JSON.parse(readFileSync(join(reportDir, f), 'utf8'));
  passed += r.numPassedTests;
  failedTests += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  for (const file of r.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (t.status !== 'failed') continue;
      const why = String(t.failureMessages?.[0] ?? '')
        .split('\n')
        .slice(0, 6)
        .join('\n    ');
      failures.push(`${f.replace(/\.json$/, '')} › ${file.name.split('/').slice(-2).join('/')} › ${t.fullName}\n    ${why}`);
    }
  }
}
rmSync(reportDir, { recursive: true, force: true });
if (passed + failedTests === 0) failed.push('no test ran');
if (failures.length > 0) console.error(`\nfailed tests:\n${failures.map((l) => `  ${l}`).join('\n')}`);
console.log(`\n${passed} passed, ${failedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (failed.length > 0) {
  console.error(`\nFAILED: ${failed.join(', ')}`);
  process.exit(1);
}
console.log('\nall checks and tests passed');
