import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Proc, startProcess as startProgram } from '@vigie/testkit';

export { freePort, type Proc, waitFor } from '@vigie/testkit';

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
  return { get: (path: string) => httpJson(`${base}${path}`, { headers: { cookie } }) };
}
