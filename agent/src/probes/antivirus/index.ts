import { antivirusProbeSpec } from '@vigie/shared';
import type { ProbeContext, ProbeDefinition } from '../probe.js';
import { collectDarwin } from './collect-darwin.js';
import { collectLinux } from './collect-linux.js';
import { collectWindows } from './collect-windows.js';
import { evaluateProducts } from './evaluate.js';
import type { AvProductState } from './product-state.js';

type Collector = (ctx: ProbeContext, cfg: typeof antivirusProbeSpec.defaults) => Promise<AvProductState[]>;

/** Where each platform learns about its antivirus products. */
const COLLECTORS: Partial<Record<NodeJS.Platform, Collector>> = {
  linux: collectLinux,
  win32: collectWindows,
  darwin: collectDarwin,
};

/** Antivirus: per product, enabled, real-time protection, signature age, last scan. */
export const antivirusProbe: ProbeDefinition<typeof antivirusProbeSpec.schema> = {
  spec: antivirusProbeSpec,
  platforms: ['linux', 'win32', 'darwin'],
  async collect(ctx, cfg) {
    const collect = COLLECTORS[ctx.platform];
    if (!collect) throw new Error(`antivirus: no collector for ${ctx.platform}`);
    return evaluateProducts(await collect(ctx, cfg), cfg, ctx.now());
  },
};
