import { Value } from '@sinclair/typebox/value';
import { PolicyBody, VigieError } from '@vigie/shared';

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

/**
 * Refuses, at start-up, channel settings whose default policy every agent would refuse (the policy
 * schema bounds the intervals: a heartbeat of 3,600 s was accepted here, then each agent logged
 * "invalid frame" and never applied a policy).
 */
export function assertChannelSettings(settings: ChannelSettings): void {
  const first = [...Value.Errors(PolicyBody, defaultPolicy(settings))][0];
  if (!first) return;
  const name = first.path.replace(/^\//, '');
  throw new VigieError('VALIDATION', `Collector configuration: ${name} = ${JSON.stringify(first.value)} would be refused by every agent (${first.message})`);
}
