import { hostname } from 'node:os';
import { type EnrollResponse, VigieError } from '@vigie/shared';
import { type Credential, saveCredential } from './state.js';
import { AGENT_VERSION } from './version.js';

export interface EnrollOptions {
  url: string;
  token: string;
  stateDir: string;
  facts?: { hostname?: string; serial?: string; machineUuid?: string };
}

/** Exchanges a site enrollment token for this agent's own credential, stored readable by its user only. */
export async function enroll(opts: EnrollOptions): Promise<Credential> {
  const base = opts.url.replace(/\/+$/, '');
  const body = {
    token: opts.token.trim(),
    hostname: (opts.facts?.hostname ?? hostname()).slice(0, 255) || 'unknown',
    platform: process.platform,
    arch: process.arch,
    agentVersion: AGENT_VERSION,
    ...(opts.facts?.serial ? { serial: opts.facts.serial.slice(0, 256) } : {}),
    ...(opts.facts?.machineUuid ? { machineUuid: opts.facts.machineUuid.slice(0, 256) } : {}),
  };
  const res = await fetch(`${base}/api/v1/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const payload = (await res.json().catch(() => ({}))) as Partial<EnrollResponse> & { error?: { code: string; message: string } };
  if (res.status !== 201 || !payload.agentId || !payload.secret) {
    const code = payload.error?.code ?? `HTTP ${res.status}`;
    throw Object.assign(new Error(`enrollment refused: ${code}: ${payload.error?.message ?? res.statusText}`), { code });
  }
  const cred: Credential = {
    url: base,
    agentId: payload.agentId,
    secret: payload.secret,
    deviceId: payload.deviceId ?? 0,
    enrolledAt: new Date().toISOString(),
  };
  await saveCredential(opts.stateDir, cred);
  return cred;
}

export function notEnrolled(): VigieError {
  return new VigieError('AGENT_NOT_ENROLLED');
}
