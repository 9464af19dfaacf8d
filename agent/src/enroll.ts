import { hostname } from 'node:os';
import { type EnrollResponse, VigieError } from '@vigie/shared';
import { pinKey } from './remote/trust-store.js';
import { type Credential, ensureStateDir, saveCredential } from './state.js';
import { allTls, isLoopback, isRedirectRefusal, parseCollectorUrls } from './transport/collector-urls.js';
import { AGENT_VERSION } from './version.js';

export interface EnrollOptions {
  /** The collectors, primary first (each value may hold several URLs separated by commas). */
  urls: readonly string[];
  token: string;
  stateDir: string;
  /** Plain http/ws collectors on another machine are allowed (a closed lab); kept in the credential. */
  allowPlain?: boolean;
  facts?: { hostname?: string; serial?: string; machineUuid?: string };
}

/**
 * Exchanges a site enrollment token for this agent's own credential, stored readable by its user
 * only, and pins the provider's command-signing key (the only key whose envelopes it will obey).
 * The collectors are asked in order: one that cannot be reached is skipped, the first to answer
 * decides (they share one store, so a refusal from one is the answer of all). The pinned key is
 * then the one every collector's signed commands are checked against, whichever relays them.
 */
export async function enroll(opts: EnrollOptions): Promise<Credential> {
  const urls = parseCollectorUrls(opts.urls, { allowPlain: opts.allowPlain === true });
  const body = {
    token: opts.token.trim(),
    hostname: (opts.facts?.hostname ?? hostname()).slice(0, 255) || 'unknown',
    platform: process.platform,
    arch: process.arch,
    agentVersion: AGENT_VERSION,
    ...(opts.facts?.serial ? { serial: opts.facts.serial.slice(0, 256) } : {}),
    ...(opts.facts?.machineUuid ? { machineUuid: opts.facts.machineUuid.slice(0, 256) } : {}),
  };
  let res: Response | undefined;
  const unreachable: string[] = [];
  for (const base of urls) {
    try {
      // Never followed: a 307/308 would resend the token elsewhere (even from https to http), and the
      // answer pins the key whose commands the agent obeys.
      res = await fetch(`${base}/api/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'error',
      });
      break;
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      if (isRedirectRefusal(err)) {
        throw new VigieError(
          'AGENT_COLLECTOR_REDIRECTED',
          `enrollment refused: ${base} answered with a redirect; the token is sent only to the collector URLs given (give the final URL)`,
        );
      }
      unreachable.push(`${base} (${cause?.code ?? cause?.message ?? (err as Error).message})`);
    }
  }
  if (!res) throw Object.assign(new Error(`enrollment failed: no collector could be reached: ${unreachable.join(', ')}`), { code: 'UNREACHABLE' });
  const payload = (await res.json().catch(() => ({}))) as Partial<EnrollResponse> & { error?: { code: string; message: string } };
  if (res.status !== 201 || !payload.agentId || !payload.secret) {
    const code = payload.error?.code ?? `HTTP ${res.status}`;
    throw Object.assign(new Error(`enrollment refused: ${code}: ${payload.error?.message ?? res.statusText}`), { code });
  }
  const cred: Credential = {
    url: urls[0]!,
    urls,
    ...(opts.allowPlain && !urls.every(isLoopback) && !allTls(urls) ? { allowPlain: true } : {}),
    agentId: payload.agentId,
    secret: payload.secret,
    deviceId: payload.deviceId ?? 0,
    enrolledAt: new Date().toISOString(),
  };
  // The provider key is pinned before the credential is saved: an enrolled agent always knows whom it obeys.
  await ensureStateDir(opts.stateDir);
  if (payload.commandKey) await pinKey(opts.stateDir, payload.commandKey);
  await saveCredential(opts.stateDir, cred);
  return cred;
}

export function notEnrolled(): VigieError {
  return new VigieError('AGENT_NOT_ENROLLED');
}
