import { type CheckResult, type SecurityAspect, securityProbeSpec } from '@vigie/shared';
import type { ProbeDefinition } from '../probe.js';
import { darwinCollectors } from './collect-darwin.js';
import { linuxCollectors } from './collect-linux.js';
import { windowsCollectors } from './collect-windows.js';
import { aspectFailed, evaluate } from './evaluate.js';
import type { Observations, PlatformCollectors } from './model.js';

const PLATFORMS: Partial<Record<NodeJS.Platform, PlatformCollectors>> = { linux: linuxCollectors, win32: windowsCollectors, darwin: darwinCollectors };

/**
 * Security posture, one result per aspect (disk encryption, firewall, updates, administrators,
 * USB storage, password policy, quotas). Each aspect runs on its own: one that fails is an
 * `unknown` result, the others still report. An aspect a platform cannot check gives no result.
 */
export const securityProbe: ProbeDefinition<typeof securityProbeSpec.schema> = {
  spec: securityProbeSpec,
  platforms: ['linux', 'win32', 'darwin'],
  async collect(ctx, cfg) {
    const collectors = PLATFORMS[ctx.platform];
    if (!collectors) throw new Error(`security: no implementation for ${ctx.platform}`);
    const one = async <A extends SecurityAspect>(aspect: A): Promise<CheckResult | null> => {
      const collect = collectors[aspect] as ((c: typeof ctx, k: typeof cfg) => Promise<Observations[A]>) | undefined;
      if (!collect) return null;
      try {
        return evaluate(aspect, await collect(ctx, cfg), cfg, ctx.now());
      } catch (err) {
        return aspectFailed(aspect, err, ctx.now());
      }
    };
    const results = await Promise.all(cfg.aspects.map((a) => one(a)));
    return results.filter((r): r is CheckResult => r !== null);
  },
};
