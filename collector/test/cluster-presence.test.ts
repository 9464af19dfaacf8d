import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, createCollector } from '../src/app.js';
import { type ClusterMessage, LocalBus } from '../src/cluster/bus.js';
import { defaultConfig } from '../src/config.js';

/*
 * What a collector knows of the agents other collectors hold, from their `agents-held` rounds on the
 * bus (the rules engine's absence rule asks `isConnected`). The messages are the ones another node
 * sends, put on this collector's own bus.
 */
const dir = mkdtempSync(join(tmpdir(), 'vigie-presence-'));
const bus = new LocalBus();
let collector: Collector;
beforeAll(async () => {
  collector = await createCollector(defaultConfig({ dataDir: dir, port: 0, logLevel: 'silent', synchronous: 'normal' }), { bus });
});
afterAll(async () => {
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
});

const held = (round: number, agentIds: string[], last: boolean, validForMs = 60_000): ClusterMessage => ({
  type: 'agents-held',
  nodeId: 'node-b',
  agentIds,
  validForMs,
  round,
  last,
});

describe('agents held by another collector', () => {
  it('a round counts once its last part arrived, replaces the previous one, and lapses when the node falls silent', async () => {
    const { channel } = collector;
    bus.publish(held(1, ['agent-1', 'agent-2'], false));
    expect(channel.isConnected('agent-1')).toBe(false);
    bus.publish(held(1, ['agent-3'], true));
    expect(['agent-1', 'agent-2', 'agent-3'].map((id) => channel.isConnected(id))).toEqual([true, true, true]);

    // The next round no longer lists agent-2: it left node B.
    bus.publish(held(2, ['agent-1', 'agent-3'], true));
    expect(['agent-1', 'agent-2', 'agent-3'].map((id) => channel.isConnected(id))).toEqual([true, false, true]);

    // A round whose first parts were lost starts again with the next round's first part.
    bus.publish(held(3, ['agent-9'], false));
    bus.publish(held(4, ['agent-1'], true));
    expect(['agent-1', 'agent-3', 'agent-9'].map((id) => channel.isConnected(id))).toEqual([true, false, false]);

    // Node B stops announcing (it died, or is cut off): its agents stop counting as connected.
    bus.publish(held(5, ['agent-1'], true, 300));
    expect(channel.isConnected('agent-1')).toBe(true);
    await waitFor('node B’s list lapsed', async () => !channel.isConnected('agent-1'), 10_000, 50);
  });

  it('this collector’s own announcements are not taken for another node’s', async () => {
    const { channel } = collector;
    bus.publish({ type: 'agents-held', nodeId: bus.nodeId, agentIds: ['agent-own'], validForMs: 60_000, round: 1, last: true });
    expect(channel.isConnected('agent-own')).toBe(false);
  });
});
