import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import type { CheckResult, NetworkProbeConfig } from '@vigie/shared';

/** A TCP port check: open (with the connect time) or closed/filtered. */
export function checkTcp(t: NetworkProbeConfig['tcp'][number], signal: AbortSignal, now: () => number): Promise<CheckResult> {
  const started = performance.now();
  const base = { check: 'network', target: `tcp ${t.host}:${t.port}`, observedAt: now() };
  return new Promise((resolve) => {
    const socket = connect({ host: t.host, port: t.port, signal });
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

/** A DNS check: resolution time of a name, through a given resolver or the system's. */
export async function checkDns(d: NetworkProbeConfig['dns'][number], now: () => number): Promise<CheckResult> {
  const resolver = new Resolver({ timeout: 3000, tries: 1 });
  if (d.resolver) resolver.setServers([d.resolver]);
  const base = { check: 'network', target: `dns ${d.name}${d.resolver ? ` @${d.resolver}` : ''}`, observedAt: now() };
  const started = performance.now();
  try {
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
    return {
      ...base,
      status: 'critical',
      code: 'DNS_FAILED',
      message: `${d.name} does not resolve: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    };
  }
}
