import { type CheckResult, networkProbeSpec } from '@vigie/shared';
import type { ProbeDefinition } from '../probe.js';
import { checkHttp } from './http-check.js';
import { checkDns, checkTcp } from './tcp-dns-checks.js';

/** Network health: HTTP(S) with certificate expiry, TCP ports, DNS resolution. */
export const networkProbe: ProbeDefinition<typeof networkProbeSpec.schema> = {
  spec: networkProbeSpec,
  platforms: ['linux', 'win32', 'darwin'],
  async collect(ctx, cfg) {
    const jobs: Promise<CheckResult | CheckResult[]>[] = [
      ...cfg.http.map((t) => checkHttp(t, cfg, ctx.signal, ctx.now)),
      ...cfg.tcp.map((t) => checkTcp(t, ctx.signal, ctx.now)),
      ...cfg.dns.map((d) => checkDns(d, ctx.now)),
    ];
    return (await Promise.all(jobs)).flat();
  },
};
