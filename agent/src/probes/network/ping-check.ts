import type { CheckResult, NetworkProbeConfig } from '@vigie/shared';
import { OutboundRefusedError, type PingResponse, resolveOutbound, systemPing } from '../../outbound/index.js';
import { refusedResult } from './tcp-dns-checks.js';

const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : Number.parseFloat(String(v));
  return Number.isFinite(n) ? n : null;
};

/**
/**
 * Pings a host: loss and RTT min/avg/max. A host from the policy goes through the outbound guard
 * and ping gets the checked address; the default gateway comes from this machine's routing table.
 * When the ping program cannot be started (not installed, or not permitted) the result says so,
 * with its own code, instead of failing the whole probe: the other targets are still checked.
 */
export async function checkPing(host: string, role: 'gateway' | 'host' | 'internet', cfg: NetworkProbeConfig, now: () => number): Promise<CheckResult> {
  const base = { check: 'network', target: `ping ${host}`, observedAt: now() };
  let address: string;
  try {
    address = (await resolveOutbound(host, { allowLinkLocal: cfg.allowLinkLocal || role === 'gateway' })).address;
  } catch (err) {
    if (err instanceof OutboundRefusedError) return refusedResult(base, err);
    const values = { role, lossPct: 100, rttMinMs: null, rttAvgMs: null, rttMaxMs: null };
    return {
      ...base,
      status: 'critical',
      code: 'HOST_UNREACHABLE',
      message: `${host} does not resolve: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      values,
    };
  }
  let res: PingResponse;
  try {
    res = await systemPing(address, { count: cfg.pingCount, timeoutSec: 2, deadlineSec: cfg.pingCount + 2 });
  } catch (err) {
    // The package's words when the program could not be spawned (ENOENT, EACCES); anything else is the probe's error.
    if (!/error while executing the ping program/.test((err as Error).message)) throw err;
    return {
      ...base,
      status: 'unknown',
      code: 'PING_UNAVAILABLE',
      message: `${host}: the ping program could not be run (${(err as Error).message.trim()}); install it (Debian/Ubuntu: iputils-ping)`,
      values: { role },
    };
  }
  const loss = num(res.packetLoss) ?? (res.alive ? 0 : 100);
  const values = { role, lossPct: loss, rttMinMs: num(res.min), rttAvgMs: num(res.avg), rttMaxMs: num(res.max) };
  if (!res.alive || loss >= cfg.lossCriticalPct) {
    const what = role === 'gateway' ? 'The default gateway' : role === 'internet' ? 'The Internet target' : 'Host';
    return { ...base, status: 'critical', code: 'HOST_UNREACHABLE', message: `${what} ${host} does not answer ping (${loss} % loss)`, values };
  }
  if (loss >= cfg.lossWarningPct) return { ...base, status: 'warning', code: 'PING_LOSS', message: `${host}: ${loss} % packet loss`, values };
  return { ...base, status: 'ok', code: 'PING_OK', message: `${host}: ${loss} % loss, ${values.rttAvgMs ?? '?'} ms average`, values };
}
