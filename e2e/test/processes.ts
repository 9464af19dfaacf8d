import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { assertLoopbackOnly, LOOPBACK_ONLY_POLICY, type Proc, startProcess as startProgram } from '@vigie/testkit';

export { freePort, IsolatedNetwork, type Proc, waitFor } from '@vigie/testkit';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const COLLECTOR_BIN = join(root, 'collector', 'bin', 'vigie-collector.mjs');
export const AGENT_BIN = join(root, 'agent', 'bin', 'vigie-agent.mjs');
const execFileAsync = promisify(execFile);

/** Runs a CLI command to completion and parses its --json output. */
export async function cliJson(bin: string, args: string[]): Promise<any> {
  const { stdout } = await execFileAsync(process.execPath, [bin, ...args, '--json'], { encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

export async function cli(bin: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return stdout;
}

/** Starts a Node script of the project (a collector or an agent) as its own process. */
export function startProcess(bin: string, args: string[], env: Record<string, string> = {}): Proc {
  return startProgram(process.execPath, [bin, ...args], { ...process.env, ...env });
}

export async function httpJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

export async function loginAs(base: string, email: string, password: string) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return {
    cookie,
    csrf: csrfToken,
    get: (path: string) => httpJson(`${base}${path}`, { headers: { cookie } }),
    put: (path: string, body: unknown) =>
      httpJson(`${base}${path}`, {
        method: 'PUT',
        headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
  };
}

export type Session = Awaited<ReturnType<typeof loginAs>>;

/**
 * Sets a scope's policy for the test's agents; refuses (throws) one that would make a real agent
 * send anything beyond loopback (testkit's assertLoopbackOnly).
 */
export async function putTestPolicy(
  s: Session,
  scope: 'client' | 'site' | 'device',
  id: number,
  overrides: unknown,
): Promise<{ version: number; devices: number }> {
  assertLoopbackOnly(overrides);
  const r = await s.put(`/api/v1/policies/${scope}/${id}`, overrides);
  if (r.status !== 200) throw new Error(`policy ${scope} ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Before a real agent of this client starts: its network probe on loopback only (the collector's
 * default policy pings the machine's gateway), the agent running no probe until it has it.
 */
export async function keepOnLoopback(s: Session, clientId: number): Promise<void> {
  await putTestPolicy(s, 'client', clientId, LOOPBACK_ONLY_POLICY);
}
