import { createHash } from 'node:crypto';
import type { RolloutStage } from '@vigie/shared';

export interface Rollout {
  targetVersion: string | null;
  stage: RolloutStage;
  percent: number;
  paused: boolean;
  graceSec: number;
  manifestTtlSec: number;
}

/** A device's stable place in 0–99 for the percentage ring: the same device is always in or out. */
export function bucketOf(agentId: string): number {
  return createHash('sha256').update(agentId).digest().readUInt16BE(0) % 100;
}

/**
 * The version a device should run: its client's pin when there is one (whatever the rollout),
 * else the rollout's target if the device is in the current ring and the rollout is not paused.
 * undefined: leave it as it is.
 */
export function targetVersionFor(
  d: { agentId: string; deviceId: number; clientId: number },
  rollout: Rollout | undefined,
  pins: ReadonlyMap<number, string>,
  canary: ReadonlySet<number>,
): string | undefined {
  const pin = pins.get(d.clientId);
  if (pin) return pin;
  if (!rollout?.targetVersion || rollout.paused) return undefined;
  const inRing = rollout.stage === 'all' || canary.has(d.deviceId) || (rollout.stage === 'percent' && bucketOf(d.agentId) < rollout.percent);
  return inRing ? rollout.targetVersion : undefined;
}
