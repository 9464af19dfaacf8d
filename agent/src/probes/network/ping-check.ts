import type { CheckResult, NetworkProbeConfig } from '@vigie/shared';
import ping from 'ping';

const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : Number.parseFloat(String(v));
  return Number.isFinite(n) ? n : null;
};

/** Pings a host (system ping through the `ping` package): loss and RTT min/avg/max. */
export async function checkPing(host: string, role: 'gateway' | 'host' | 'internet', cfg: NetworkProbeConfig, now: () => number): Promise<CheckResult> {
  const base = { check: 'network', target: `ping ${host}`, observedAt: now() };
  const res = await ping.promise.probe(host, { min_reply: cfg.pingCount, timeout: 2, deadline: cfg.pingCount + 2 });
  const loss = num(res.packetLoss) ?? (res.alive ? 0 : 100);
  const values = { role, lossPct: loss, rttMinMs: num(res.min), rttAvgMs: num(res.avg), rttMaxMs: num(res.max) };
  if (!res.alive || loss >= cfg.lossCriticalPct) {
    const what = role === 'gateway' ? 'The default gateway' : role === 'internet' ? 'The Internet target' : 'Host';
    return { ...base, status: 'critical', code: 'HOST_UNREACHABLE', message: `${what} ${host} does not answer ping (${loss} % loss)`, values };
  }
  if (loss >= cfg.lossWarningPct) return { ...base, status: 'warning', code: 'PING_LOSS', message: `${host}: ${loss} % packet loss`, values };
  return { ...base, status: 'ok', code: 'PING_OK', message: `${host}: ${loss} % loss, ${values.rttAvgMs ?? '?'} ms average`, values };
}
