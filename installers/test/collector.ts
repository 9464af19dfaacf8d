// A real collector process with one client, one site, a technician and single-use enrollment tokens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertLoopbackOnly, LOOPBACK_ONLY_POLICY } from '@vigie/testkit';
import { freePort, type Proc, run, startProcess, waitFor } from './processes.js';

const COLLECTOR_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'collector', 'bin', 'vigie-collector.mjs');
const TECH_EMAIL = 'tech@installers.test';
const TECH_PASSWORD = 'installers-password-long-enough';

export interface TestCollector {
  base: string;
  /** Single-use enrollment tokens for the site, created before the collector started. */
  tokens: string[];
  proc: Proc;
  /** GET as a logged-in technician. */
  techGet(path: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

async function cliJson(args: string[]): Promise<any> {
  const out = await run(process.execPath, [COLLECTOR_BIN, ...args, '--json']);
  return JSON.parse(out.trim().split('\n').pop()!);
}

export async function startCollector(tokenCount = 1): Promise<TestCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-installers-collector-'));
  const data = ['--data-dir', dir];
  const client = await cliJson(['client', 'create', '--name', 'Installers SARL', ...data]);
  const site = await cliJson(['site', 'create', '--client', 'Installers SARL', '--name', 'Atelier', ...data]);
  await cliJson(['user', 'create', '--email', TECH_EMAIL, '--role', 'technician', '--password', TECH_PASSWORD, ...data]);
  const tokens: string[] = [];
  for (let i = 0; i < tokenCount; i++) tokens.push((await cliJson(['token', 'create', '--site', String(site.id), '--uses', '1', ...data])).token);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = startProcess(process.execPath, [COLLECTOR_BIN, 'serve', '--port', String(port), ...data, '--metrics-interval', '1', '--log-level', 'warn']);
  await waitFor(
    'collector up',
    async () => {
      // A collector that exited will never answer: say why at once, with what it printed.
      if (proc.child.exitCode !== null || proc.child.signalCode !== null)
        throw new Error(`collector exited (${proc.child.exitCode ?? proc.child.signalCode}): ${proc.lines.slice(-20).join('\n')}`);
      return (await fetch(`${base}/healthz`)).status === 200;
    },
    90_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\ncollector output:\n${proc.lines.slice(-20).join('\n')}`);
  });
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: TECH_EMAIL, password: TECH_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`technician login: ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  // The agents these tests run report from this machine: their network probe stays on loopback
  // (the default policy would ping the machine's gateway); they run no probe before this policy.
  assertLoopbackOnly(LOOPBACK_ONLY_POLICY);
  const put = await fetch(`${base}/api/v1/policies/client/${client.id}`, {
    method: 'PUT',
    headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify(LOOPBACK_ONLY_POLICY),
  });
  if (put.status !== 200) throw new Error(`loopback-only policy: ${put.status} ${await put.text()}`);
  return {
    base,
    tokens,
    proc,
    async techGet(path) {
      const res = await fetch(`${base}${path}`, { headers: { cookie } });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
