import type { PolicyBody } from '@vigie/shared';

export interface ChannelSettings {
  metricsIntervalSec: number;
  inventoryIntervalSec: number;
  heartbeatSec: number;
  /** Token bucket per agent connection. */
  rateBurstFrames: number;
  rateFramesPerSec: number;
}

export const DEFAULT_CHANNEL_SETTINGS: ChannelSettings = {
  metricsIntervalSec: 60,
  inventoryIntervalSec: 3600,
  heartbeatSec: 30,
  rateBurstFrames: 1000,
  rateFramesPerSec: 100,
};

/** The policy a new agent gets with no configuration (per client/site/device policies come later). */
export function defaultPolicy(settings: ChannelSettings): PolicyBody {
  return {
    version: 1,
    metricsIntervalSec: settings.metricsIntervalSec,
    inventoryIntervalSec: settings.inventoryIntervalSec,
    heartbeatSec: settings.heartbeatSec,
    probes: {},
  };
}
