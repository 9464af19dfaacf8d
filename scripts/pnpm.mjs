#!/usr/bin/env node
// Runs the pinned pnpm through npx, so a fresh machine needs only Node.js and npm.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function pnpmVersion() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return String(pkg.packageManager).replace(/^pnpm@/, '');
}

export function pnpmEnv() {
  const env = { ...process.env };
  // pnpm 12 ignores nodedir in .npmrc; without it node-gyp tries to download Node headers.
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';
  return env;
}

export function runPnpm(args, options = {}) {
  const res = spawnSync('npx', ['-y', `pnpm@${pnpmVersion()}`, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: pnpmEnv(),
    ...options,
  });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(runPnpm(process.argv.slice(2)));
}
