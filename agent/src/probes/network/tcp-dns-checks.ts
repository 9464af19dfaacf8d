import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import type { CheckResult, NetworkProbeConfig } from '@vigie/shared';
import { OutboundRefusedError, resolveOutbound } from '../../outbound/index.js';

type Base = Pick<CheckResult, 'check' | 'target' | 'observedAt'>;

/** The guard's refusal as a result: the target was not contacted. */
export function refusedResult(base: Base, err: OutboundRefusedError): CheckResult {
  return {
    ...base,
    status: 'unknown',
    code: 'TARGET_REFUSED',
    message: `${base.target.slice(base.target.indexOf(' ') + 1)}: ${err.message}`,
    values: { address: err.address, reason: err.reason },
  };
}

/** A TCP port check: open (with the connect time) or closed/filtered. Connects to the address the guard checked. */
export async function checkTcp(t: NetworkProbeConfig['tcp'][number], cfg: NetworkProbeConfig, signal: AbortSignal, now: () => number): Promise<CheckResult> {
  const base = { check: 'network', target: `tcp ${t.host}:${t.port}`, observedAt: now() };
  let address: string;
  try {
    address = (await resolveOutbound(t.host, { allowLinkLocal: cfg.allowLinkLocal })).address;
  } catch (err) {
    if (err instanceof OutboundRefusedError) return refusedResult(base, err);
    const e = err as NodeJS.ErrnoException;
    return { ...base, status: 'critical', code: 'TCP_CLOSED', message: `${t.host}:${t.port}: ${e.code ?? e.message}`, values: { error: e.code ?? null } };
  }
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: address, port: t.port, signal });
    socket.once('connect', () => {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      socket.destroy();
      resolve({ ...base, status: 'ok', code: 'TCP_OPEN', message: `${t.host}:${t.port} accepts connections (${ms} ms)`, values: { connectMs: ms } });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve({
        ...base,
        status: 'critical',
        code: 'TCP_CLOSED',
        message: `${t.host}:${t.port}: ${err.code ?? err.message}`,
        values: { error: err.code ?? null },
      });
    });
  });
}

/** A DNS check: resolution time of a name, through a given resolver (checked by the guard) or the system's. */
export async function checkDns(d: NetworkProbeConfig['dns'][number], cfg: NetworkProbeConfig, now: () => number): Promise<CheckResult> {
  const resolver = new Resolver({ timeout: 3000, tries: 1 });
  const base = { check: 'network', target: `dns ${d.name}${d.resolver ? ` @${d.resolver}` : ''}`, observedAt: now() };
  const started = performance.now();
  try {
    if (d.resolver) resolver.setServers([(await resolveOutbound(d.resolver, { allowLinkLocal: cfg.allowLinkLocal })).address]);
    const addrs = await resolver.resolve4(d.name).catch(() => resolver.resolve6(d.name));
    const ms = Math.round((performance.now() - started) * 10) / 10;
    return {
      ...base,
      status: 'ok',
      code: 'DNS_OK',
      message: `${d.name} → ${addrs.slice(0, 3).join(', ')} in ${ms} ms`,
      values: { resolveMs: ms, answers: addrs.length },
    };
  } catch (err) {
    if (err instanceof OutboundRefusedError) return refusedResult(base, err);
    return {
      ...base,
      status: 'critical',
      code: 'DNS_FAILED',
      message: `${d.name} does not resolve: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    };
  }
}
