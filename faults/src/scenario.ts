import type { AgentTruth } from './accounting.js';
import type { Fleet } from './fleet.js';
import type { AgentFigures } from './fleet-protocol.js';
import { type Collector, quiesce, waitFor } from './processes.js';
import type { RealAgent } from './real-agent.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function fleetTruth(figures: AgentFigures[]): AgentTruth[] {
  return figures.map((f) => ({ ...f, metrics: new Map(f.metrics) }));
}

/** A stopped real agent's figures: its own spool, and its log of each metrics frame. */
export async function realTruth(agent: RealAgent): Promise<AgentTruth> {
  const spool = await agent.spool();
  const metrics = new Map<number, number>();
  for (const [seq, f] of agent.produced().spooled) if (f.type === 'metrics' && f.ts !== undefined) metrics.set(seq, f.ts);
  return {
    name: agent.name,
    agentId: agent.agentId,
    deviceId: agent.deviceId,
    produced: spool.produced,
    pendingFrames: spool.pendingFrames,
    inDoubtFrames: spool.inDoubtFrames,
    droppedFrames: spool.droppedFrames,
    unspooledFrames: spool.unspooledFrames,
    metrics,
  };
}

/** The collector's count of committed frames, from its /metrics. */
export async function framesCommitted(c: Collector): Promise<number> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  return Number(/^vigie_ingest_frames_committed_total\{worker="[^"]+"\} (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/**
 * Ends a scenario: agents stop producing (policy), everything they hold is delivered (the fleet
 * says so; real agents once the collector stops committing), then they are stopped cleanly.
 */
export async function settle(c: Collector, fleet: Fleet | undefined, agents: RealAgent[], timeoutMs = 120_000): Promise<void> {
  await quiesce(c);
  await sleep(2000); // a frame due within the second may still come
  // An agent whose reconnect backoff grew during an outage may come back a minute after the
  // collector: until every running agent is connected, a quiet collector proves nothing.
  const expected = (fleet ? (await fleet.status()).length : 0) + agents.filter((a) => a.running).length;
  await waitFor('every running agent connected', async () => ((await c.health())?.agentsConnected ?? 0) >= expected, timeoutMs, 500);
  if (fleet) {
    await waitFor(
      'every fleet agent delivered what it holds',
      async () => (await fleet.status()).every((a) => a.pendingFrames === 0 && a.inDoubtFrames === 0),
      timeoutMs,
      500,
    );
  }
  let last = -1;
  let stableSince = 0;
  await waitFor(
    'the collector stopped committing',
    async () => {
      const n = await framesCommitted(c);
      if (n !== last) {
        last = n;
        stableSince = Date.now();
        return false;
      }
      return Date.now() - stableSince >= 4000;
    },
    timeoutMs,
    500,
  );
  await Promise.all(agents.map((a) => a.stop()));
}
