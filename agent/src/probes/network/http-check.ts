import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { CheckResult, NetworkProbeConfig } from '@vigie/shared';
import { type OutboundAddress, OutboundRefusedError, resolveOutbound } from '../../outbound/index.js';

type HttpTarget = NetworkProbeConfig['http'][number];
const MAX_BODY = 1024 * 1024;
const DAY = 86_400_000;

interface HttpOutcome {
  status: number;
  ms: number;
  body: string;
  cert?: { validTo: number; subject: string; issuer: string; authorized: boolean; authError?: string };
}

function fetchOnce(url: URL, address: string, insecure: boolean, signal: AbortSignal): Promise<HttpOutcome> {
  const started = performance.now();
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        signal,
        // Connect to the address the guard checked, so a second DNS answer cannot point elsewhere.
        lookup: (_h, _o, cb) => cb(null, [{ address, family: address.includes(':') ? 6 : 4 }] as never, undefined as never),
        rejectUnauthorized: !insecure,
        headers: { 'user-agent': 'vigie-agent network probe', accept: '*/*' },
        servername: url.hostname,
      },
      (res) => {
        let body = '';
        let cert: HttpOutcome['cert'];
        const socket = res.socket as TLSSocket;
        if (typeof socket.getPeerCertificate === 'function') {
          const c = socket.getPeerCertificate();
          if (c?.valid_to) {
            const cn = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : (v ?? ''));
            cert = { validTo: Date.parse(c.valid_to), subject: cn(c.subject?.CN), issuer: cn(c.issuer?.CN), authorized: socket.authorized };
            if (!socket.authorized && socket.authorizationError) cert = { ...cert, authError: String(socket.authorizationError) };
          }
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < MAX_BODY) body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body, ...(cert ? { cert } : {}) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** An HTTP(S) check: status, response time, expected content, and the TLS certificate's expiry. */
export async function checkHttp(target: HttpTarget, cfg: NetworkProbeConfig, signal: AbortSignal, now: () => number): Promise<CheckResult[]> {
  const at = now();
  const base = { check: 'network', target: `http ${target.url}`, observedAt: at };
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return [{ ...base, status: 'unknown', code: 'HTTP_BAD_URL', message: `Not a URL: ${target.url}` }];
  }
  let pinned: OutboundAddress;
  try {
    pinned = await resolveOutbound(url.hostname, { allowLinkLocal: cfg.allowLinkLocal });
  } catch (err) {
    if (err instanceof OutboundRefusedError)
      return [
        {
          ...base,
          status: 'unknown',
          code: 'HTTP_TARGET_REFUSED',
          message: `${target.url}: ${err.message}`,
          values: { address: err.address, reason: err.reason },
        },
      ];
    return [{ ...base, status: 'critical', code: 'HTTP_DNS_FAILED', message: `${url.hostname} does not resolve: ${(err as Error).message}` }];
  }
  // Redirects are not followed: a 3xx is the answer (a redirect to a metadata address leads nowhere).
  let out: HttpOutcome;
  try {
    out = await fetchOnce(url, pinned.address, target.insecure ?? false, signal);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const code =
      e.code === 'ABORT_ERR'
        ? 'HTTP_TIMEOUT'
        : e.code?.startsWith('CERT_') || e.code?.includes('SELF_SIGNED') || e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
          ? 'TLS_UNTRUSTED'
          : 'HTTP_UNREACHABLE';
    return [{ ...base, status: 'critical', code, message: `${target.url}: ${e.code ?? ''} ${e.message}`.trim(), values: { error: e.code ?? null } }];
  }
  const results: CheckResult[] = [];
  const values = { status: out.status, responseMs: Math.round(out.ms * 10) / 10 };
  const expected = target.expectStatus;
  if (expected !== undefined ? out.status !== expected : out.status >= 400) {
    results.push({
      ...base,
      status: 'critical',
      code: 'HTTP_STATUS',
      message: `${target.url} answered ${out.status}${expected ? `, expected ${expected}` : ''}`,
      values,
    });
  } else if (target.expectText !== undefined && !out.body.includes(target.expectText)) {
    results.push({ ...base, status: 'critical', code: 'HTTP_TEXT_MISSING', message: `${target.url} does not contain the expected text`, values });
  } else {
    results.push({ ...base, status: 'ok', code: 'HTTP_OK', message: `${target.url} answered ${out.status} in ${values.responseMs} ms`, values });
  }
  if (out.cert) {
    const daysLeft = Math.floor((out.cert.validTo - at) / DAY);
    const certBase = {
      check: 'network',
      target: `tls ${url.host}`,
      observedAt: at,
      values: { daysLeft, validTo: new Date(out.cert.validTo).toISOString(), subject: out.cert.subject, issuer: out.cert.issuer, trusted: out.cert.authorized },
    };
    if (daysLeft < 0)
      results.push({
        ...certBase,
        status: 'critical',
        code: 'TLS_CERT_EXPIRED',
        message: `Certificate of ${url.host} expired on ${certBase.values.validTo.slice(0, 10)}`,
      });
    else if (daysLeft < cfg.certCriticalDays)
      results.push({ ...certBase, status: 'critical', code: 'TLS_CERT_EXPIRING', message: `Certificate of ${url.host} expires in ${daysLeft} days` });
    else if (daysLeft < cfg.certWarningDays)
      results.push({ ...certBase, status: 'warning', code: 'TLS_CERT_EXPIRING', message: `Certificate of ${url.host} expires in ${daysLeft} days` });
    else results.push({ ...certBase, status: 'ok', code: 'TLS_CERT_OK', message: `Certificate of ${url.host} valid for ${daysLeft} days` });
  }
  return results;
}
