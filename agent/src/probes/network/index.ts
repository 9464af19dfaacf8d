import { type CheckResult, networkProbeSpec } from '@vigie/shared';
import si from 'systeminformation';
import type { ProbeDefinition } from '../probe.js';
import { checkHttp } from './http-check.js';
import { checkInterfaces, type ErrorMemory, type InterfaceReading } from './interface-check.js';
import { checkPing, defaultGateway } from './ping-check.js';
import { checkDns, checkTcp } from './tcp-dns-checks.js';

const errorMemory: ErrorMemory = new Map();

async function readInterfaces(): Promise<InterfaceReading[]> {
  const [ifs, stats] = await Promise.all([si.networkInterfaces(), si.networkStats('*')]);
  const byName = new Map(stats.map((s) => [s.iface, s]));
  return (Array.isArray(ifs) ? ifs : [ifs])
    .filter((i) => !i.internal && !i.virtual && i.type !== 'virtual')
    .map((i) => {
      const st = byName.get(i.iface);
      return {
        iface: i.iface,
        operstate: st?.operstate ?? i.operstate,
        speedMbps: typeof i.speed === 'number' && i.speed > 0 ? i.speed : null,
        rxErrors: st?.rx_errors ?? 0,
        txErrors: st?.tx_errors ?? 0,
      };
    });
}

/** Network health: ping (gateway, hosts, an Internet target), HTTP(S) with certificate expiry, TCP ports, DNS resolution. */
export const networkProbe: ProbeDefinition<typeof networkProbeSpec.schema> = {
  spec: networkProbeSpec,
  platforms: ['linux', 'win32', 'darwin'],
  async collect(ctx, cfg) {
    const gateway = cfg.pingGateway ? await defaultGateway() : undefined;
    const pings: [string, 'gateway' | 'host' | 'internet'][] = [
      ...(gateway ? [[gateway, 'gateway'] as [string, 'gateway']] : []),
      ...cfg.pingHosts.map((h) => [h, 'host'] as [string, 'host']),
      ...(cfg.internetHost ? [[cfg.internetHost, 'internet'] as [string, 'internet']] : []),
    ];
    const jobs: Promise<CheckResult | CheckResult[]>[] = [
      ...pings.map(([host, role]) => checkPing(host, role, cfg, ctx.now)),
      ...cfg.http.map((t) => checkHttp(t, cfg, ctx.signal, ctx.now)),
      ...cfg.tcp.map((t) => checkTcp(t, ctx.signal, ctx.now)),
      ...cfg.dns.map((d) => checkDns(d, ctx.now)),
    ];
    if (cfg.interfaces) jobs.push(readInterfaces().then((r) => checkInterfaces(r, cfg, errorMemory, ctx.now())));
    return (await Promise.all(jobs)).flat();
  },
};
