import { hostname } from 'node:os';
import { type EnrollResponse, VigieError } from '@vigie/shared';
import { pinKey } from './remote/trust-store.js';
import { type Credential, ensureStateDir, saveCredential } from './state.js';
import { isRedirectRefusal, needsPlainOptIn, parseCollectorUrls } from './transport/collector-urls.js';
import { AGENT_VERSION } from './version.js';

export interface EnrollOptions {
  /** The collectors, primary first (each value may hold several URLs separated by commas). */
  urls: readonly string[];
  token: string;
  stateDir: string;
  /** Plain http/ws collectors on another machine are allowed (a closed lab); kept in the credential. */
  allowPlain?: boolean;
  facts?: { hostname?: string; serial?: string; machineUuid?: string };
  /** How long one collector may take to answer (ENROLL_TIMEOUT_MS). */
  timeoutMs?: number;
}

/**
 * Exchanges a site enrollment token for this agent's own credential, stored readable by its user
 * only, and pins the provider's command-signing key (the only key whose envelopes it will obey).
 * The collectors are asked in order: one that cannot be reached or does not decide is skipped
 * (see `ask`), the first to decide (they share one store, so a refusal from one is the answer of all). The pinned key is
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
  let accepted: Partial<EnrollResponse> | undefined;
  const skipped: string[] = [];
  for (const base of urls) {
    const answer = await ask(base, body, opts.timeoutMs ?? ENROLL_TIMEOUT_MS);
    if ('skipped' in answer) {
      skipped.push(`${base} (${answer.skipped})`);
      continue;
    }
    if ('refused' in answer) {
      throw Object.assign(new Error(`enrollment refused: ${answer.refused.code}: ${answer.refused.message}`), { code: answer.refused.code });
    }
    accepted = answer.accepted;
    break;
  }
  if (!accepted?.agentId || !accepted.secret) {
    throw new VigieError('AGENT_ENROLL_UNREACHABLE', `enrollment failed: no collector could be reached: ${skipped.join(', ')}`);
  }
  const payload = accepted as Partial<EnrollResponse> & Pick<EnrollResponse, 'agentId' | 'secret'>;
  const cred: Credential = {
    url: urls[0]!,
    urls,
    ...(needsPlainOptIn(urls, opts.allowPlain) ? { allowPlain: true } : {}),
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

/** How long one collector may take to answer before the next of the list is asked. */
export const ENROLL_TIMEOUT_MS = 15_000;

type Answer = { accepted: Partial<EnrollResponse> } | { refused: { code: string; message: string } } | { skipped: string };

/**
 * One collector's answer. Only a collector that decides is believed: an enrollment, or a refusal
 * with a catalogue code (they share one store, so its refusal is the answer of all). Anything else
 * (no connection, no answer in time, a 5xx, a page from a proxy or a dying server without a
 * VIGIE_E_* code) says nothing about the token: the next collector is asked.
 */
async function ask(base: string, body: object, timeoutMs: number): Promise<Answer> {
  let res: Response;
  let text: string;
  try {
    // Never followed: a 307/308 would resend the token elsewhere (even from https to http), and the
    // answer pins the key whose commands the agent obeys.
    res = await fetch(`${base}/api/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    if (isRedirectRefusal(err)) {
      throw new VigieError(
        'AGENT_COLLECTOR_REDIRECTED',
        `enrollment refused: ${base} answered with a redirect; the token is sent only to the collector URLs given (give the final URL)`,
      );
    }
    if ((err as Error).name === 'TimeoutError') return { skipped: `no answer in ${Math.round(timeoutMs / 1000)} s` };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { skipped: cause?.code ?? cause?.message ?? (err as Error).message };
  }
  let payload: Partial<EnrollResponse> & { error?: { code?: unknown; message?: unknown } };
  try {
    payload = JSON.parse(text);
  } catch {
    return { skipped: `HTTP ${res.status}, not a collector's answer` };
  }
  if (res.status === 201 && payload.agentId && payload.secret) return { accepted: payload };
  const code = typeof payload.error?.code === 'string' && payload.error.code.startsWith('VIGIE_E_') ? payload.error.code : undefined;
  if (res.status >= 500 || !code) return { skipped: `HTTP ${res.status}${code ? ` ${code}` : ''}` };
  return { refused: { code, message: typeof payload.error?.message === 'string' ? payload.error.message : res.statusText } };
}

export function notEnrolled(): VigieError {
  return new VigieError('AGENT_NOT_ENROLLED');
}
