import { type CheckResult, networkProbeSpec } from '@vigie/shared';
import type { ProbeDefinition } from '../probe.js';
import { checkHttp } from './http-check.js';
import { checkInterfaces, type ErrorMemory, type InterfaceReading } from './interface-check.js';
import { linuxDefaultGateway, readLinuxInterfaces } from './interfaces-linux.js';
import { readSiInterfaces, siDefaultGateway } from './interfaces-portable.js';
import { checkPing } from './ping-check.js';
import { checkDns, checkTcp } from './tcp-dns-checks.js';

const errorMemory: ErrorMemory = new Map();

interface InterfaceSources {
  interfaces: (previous: Iterable<string>) => Promise<InterfaceReading[]>;
  gateway: () => Promise<string | undefined>;
}

const PORTABLE: InterfaceSources = { interfaces: readSiInterfaces, gateway: siDefaultGateway };
const BY_PLATFORM: Partial<Record<NodeJS.Platform, InterfaceSources>> = {
  linux: { interfaces: (previous) => readLinuxInterfaces({ previous }), gateway: () => linuxDefaultGateway() },
};

/** Network health: ping (gateway, hosts, an Internet target), HTTP(S) with certificate expiry, TCP ports, DNS resolution. */
export const networkProbe: ProbeDefinition<typeof networkProbeSpec.schema> = {
  spec: networkProbeSpec,
  platforms: ['linux', 'win32', 'darwin'],
  async collect(ctx, cfg) {
    const sources = BY_PLATFORM[ctx.platform] ?? PORTABLE;
    const gateway = cfg.pingGateway ? await sources.gateway().catch(() => undefined) : undefined;
    const pings: [string, 'gateway' | 'host' | 'internet'][] = [
      ...(gateway ? [[gateway, 'gateway'] as [string, 'gateway']] : []),
      ...cfg.pingHosts.map((h) => [h, 'host'] as [string, 'host']),
      ...(cfg.internetHost ? [[cfg.internetHost, 'internet'] as [string, 'internet']] : []),
    ];
    const jobs: Promise<CheckResult | CheckResult[]>[] = [
      ...pings.map(([host, role]) => checkPing(host, role, cfg, ctx.now)),
      ...cfg.http.map((t) => checkHttp(t, cfg, ctx.signal, ctx.now)),
      ...cfg.tcp.map((t) => checkTcp(t, cfg, ctx.signal, ctx.now)),
      ...cfg.dns.map((d) => checkDns(d, cfg, ctx.now)),
    ];
    if (cfg.interfaces) jobs.push(sources.interfaces([...errorMemory.keys()]).then((r) => checkInterfaces(r, cfg, errorMemory, ctx.now())));
    return (await Promise.all(jobs)).flat();
  },
};
