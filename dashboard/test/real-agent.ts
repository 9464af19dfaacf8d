import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { assertLoopbackOnly, LOOPBACK_ONLY_POLICY, type Proc, startProcess } from '@vigie/testkit';
import { apiSession, type Seeded } from './seed.js';

const AGENT_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'agent', 'bin', 'vigie-agent.mjs');

/** Sets a scope's policy on a collector whose agents are real: refused when it would make one reach beyond loopback. */
export async function putAgentPolicy(s: Seeded, scope: 'client' | 'site' | 'device', id: number, overrides: unknown): Promise<void> {
  assertLoopbackOnly(overrides);
  await (await apiSession(s.url, 'tech@vigie.test')).put(`/api/v1/policies/${scope}/${id}`, overrides);
}

/**
 * A real agent process on this machine for a browser test, enrolled on `site`: its client's policy is
 * made loopback-only first (the collector's default would ping the machine's gateway), and the agent
 * runs no probe before it has that policy.
 */
export async function startRealAgent(s: Seeded, site: { clientId: number; siteId: number }): Promise<{ proc: Proc; dir: string }> {
  await putAgentPolicy(s, 'client', site.clientId, LOOPBACK_ONLY_POLICY);
  const dir = mkdtempSync(join(tmpdir(), 'vigie-dashboard-agent-'));
  const token = await s.collector.enrollment.createToken(site.siteId);
  // Asynchronously: the collector answers from this very process.
  await promisify(execFile)(process.execPath, [AGENT_BIN, 'enroll', '--url', s.url, '--state-dir', dir], {
    env: { ...process.env, VIGIE_ENROLL_TOKEN: token.token },
  });
  return { proc: startProcess(process.execPath, [AGENT_BIN, 'run', '--state-dir', dir, '--log-level', 'warn']), dir };
}
