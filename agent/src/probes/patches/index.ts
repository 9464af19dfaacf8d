import { type CheckResult, MAX_PENDING_UPDATES, type PatchesBody, patchesProbeSpec } from '@vigie/shared';
import type { ProbeDefinition } from '../probe.js';
import { darwinLister } from './collect-darwin.js';
import { linuxLister } from './collect-linux.js';
import { windowsLister } from './collect-windows.js';
import type { PlatformLister } from './model.js';

export const PLATFORM_LISTERS: Partial<Record<NodeJS.Platform, PlatformLister>> = { linux: linuxLister, win32: windowsLister, darwin: darwinLister };

/**
 * The device's pending updates, one entry per package (apt, dnf/yum, zypper), Windows update or
 * macOS label, sent as a `patches` report; its check result sums it up. The security probe's
 * `updates` aspect judges the counts; the collector dates each update and keeps the history.
 */
export const patchesProbe: ProbeDefinition<typeof patchesProbeSpec.schema> = {
  spec: patchesProbeSpec,
  platforms: ['linux', 'win32', 'darwin'],
  async collect(ctx, cfg) {
    const lister = PLATFORM_LISTERS[ctx.platform];
    if (!lister) throw new Error(`patches: no implementation for ${ctx.platform}`);
    const list = await lister(ctx, cfg);
    // Security updates first, so a cut list still carries them.
    const sorted = [...list.updates].sort((a, b) => Number(b.security) - Number(a.security) || a.name.localeCompare(b.name));
    const body: PatchesBody = {
      source: list.source,
      collectedAt: ctx.now(),
      rebootPending: list.rebootPending,
      updates: sorted.slice(0, MAX_PENDING_UPDATES),
      ...(sorted.length > MAX_PENDING_UPDATES ? { truncated: true } : {}),
    };
    ctx.report?.({ type: 'patches', body });
    const security = list.updates.filter((u) => u.security).length;
    const result: CheckResult = {
      check: 'patches',
      target: 'pending',
      status: 'ok',
      code: list.updates.length === 0 ? 'PATCHES_NONE_PENDING' : 'PATCHES_PENDING_LISTED',
      message: `${list.updates.length} pending update(s), ${security} security, from ${list.source}${list.rebootPending ? '; a restart is pending' : ''}`,
      values: { source: list.source, pending: list.updates.length, security, rebootPending: list.rebootPending },
      observedAt: ctx.now(),
    };
    return [result];
  },
};
