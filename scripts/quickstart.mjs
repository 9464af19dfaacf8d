#!/usr/bin/env node
// `npm start`: install what is missing, then run Vigie on this machine — the collector on its
// embedded SQLite store, a local agent enrolled automatically and reporting, the dashboard served.
// State lives in ./.vigie/ (delete it to start afresh).
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPnpm } from './pnpm.mjs';
import { installNodePackages, installSystemPackages, RUNTIME_PACKAGES } from './setup.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const state = join(root, '.vigie');
const dataDir = join(state, 'collector');
const agentDir = join(state, 'agent');
const host = process.env.VIGIE_HOST ?? '127.0.0.1';
const port = Number(process.env.VIGIE_PORT ?? 8080);
const url = `http://${host}:${port}`;
const collectorBin = join(root, 'collector', 'bin', 'vigie-collector.mjs');
const agentBin = join(root, 'agent', 'bin', 'vigie-agent.mjs');
const adminFile = join(state, 'first-admin.json');

installNodePackages();
// What the agent needs on this machine (its network probe pings): installed as the tests' set-up does.
installSystemPackages(RUNTIME_PACKAGES);
// The dashboard is a Vite build (dashboard/dist/), well under a second: always from the current sources.
if (runPnpm(['--silent', '--filter', '@vigie/dashboard', 'run', 'build']) !== 0) throw new Error('dashboard build failed');
mkdirSync(state, { recursive: true, mode: 0o700 });

const collectorCli = (...args) =>
  JSON.parse(
    execFileSync(process.execPath, [collectorBin, ...args, '--data-dir', dataDir, '--json'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop(),
  );

// First run: a client for this machine, a site, the first admin (password kept in .vigie/, mode 0600).
if (!existsSync(adminFile)) {
  const client = collectorCli('client', 'create', '--name', 'Mon entreprise');
  const site = collectorCli('site', 'create', '--client', String(client.id), '--name', 'Siège');
  const admin = collectorCli('user', 'create', '--email', 'admin@vigie.local', '--name', 'Administrateur', '--role', 'admin');
  writeFileSync(adminFile, JSON.stringify({ email: admin.email, password: admin.password, siteId: site.id }, null, 2), { mode: 0o600 });
  chmodSync(adminFile, 0o600);
}
const admin = JSON.parse(readFileSync(adminFile, 'utf8'));

const children = [];
const run = (name, args, env = {}) => {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[vigie] ${name} stopped (${signal ?? code}); stopping Vigie`);
      stop(1);
    }
  });
  children.push(child);
  return child;
};
let stopping = false;
const stop = (code = 0) => {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 1500).unref();
};
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run('collector', [
  collectorBin,
  'serve',
  '--data-dir',
  dataDir,
  '--host',
  host,
  '--port',
  String(port),
  '--dashboard-dir',
  join(root, 'dashboard', 'dist'),
  // Agent installers, once built with `npm run build:installers`, are offered on the enrollment page.
  '--downloads-dir',
  join(root, 'installers', 'dist'),
  '--metrics-interval',
  '15',
  '--log-level',
  'warn',
]);

async function waitHealthy() {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`collector did not answer on ${url}`);
}
await waitHealthy();

if (!existsSync(join(agentDir, 'credential.json'))) {
  const token = collectorCli('token', 'create', '--site', String(admin.siteId), '--uses', '1', '--ttl-hours', '1', '--label', 'agent local');
  execFileSync(process.execPath, [agentBin, 'enroll', '--url', url, '--state-dir', agentDir], {
    stdio: 'inherit',
    env: { ...process.env, VIGIE_ENROLL_TOKEN: token.token },
  });
}
run('agent', [agentBin, 'run', '--state-dir', agentDir, '--log-level', 'warn']);

console.log(`
  Vigie is running.
    Dashboard : ${url}/
    Login     : ${admin.email}
    Password  : ${admin.password}      (kept in .vigie/first-admin.json)
                then an authenticator app (TOTP): the dashboard shows its QR code at the first sign-in
    API       : ${url}/api/v1/openapi.json   ·  health ${url}/healthz  ·  Prometheus ${url}/metrics
  This machine's agent is enrolled and reporting (metrics every 15 s). Ctrl+C stops everything.
`);
