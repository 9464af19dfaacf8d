import { type CheckResult, servicesProbeSpec } from '@vigie/shared';
import type { ProbeContext, ProbeDefinition } from '../probe.js';
import { darwinServices } from './collect-darwin.js';
import { linuxServices } from './collect-linux.js';
import { windowsServices } from './collect-windows.js';
import type { PlatformServices } from './model.js';
import { serviceResult, topProcessesResult } from './results.js';

const PLATFORMS: Partial<Record<NodeJS.Platform, (ctx: ProbeContext) => PlatformServices>> = {
  linux: (ctx) => linuxServices(ctx),
  win32: windowsServices,
  darwin: darwinServices,
};

/** Required services running (systemd / process table, Windows SCM, launchd) and the top processes by CPU and memory. */
export const servicesProbe: ProbeDefinition<typeof servicesProbeSpec.schema> = {
  spec: servicesProbeSpec,
  platforms: ['linux', 'win32', 'darwin'],
  async collect(ctx, cfg) {
    const make = PLATFORMS[ctx.platform];
    if (!make) throw new Error(`services: no implementation for ${ctx.platform}`);
    const platform = make(ctx);
    const results: CheckResult[] = [];
    const [services, top] = await Promise.all([
      cfg.required.length > 0 ? platform.services(cfg.required) : null,
      cfg.topN > 0 ? platform.topProcesses(cfg.topN, cfg.cpuSampleMs) : null,
    ]);
    const now = ctx.now();
    if (services) {
      for (const o of services.observations) {
        const r = serviceResult(o, services.method, now);
        results.push(services.note ? { ...r, values: { ...r.values, note: services.note } } : r);
      }
    }
    if (top) results.push(topProcessesResult(top.byCpu, top.byMemory, top.source, now));
    return results;
  },
};
