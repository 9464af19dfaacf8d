import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { encodeMessage, type PolicyBody } from '@vigie/shared';
import { sampleInventory } from '@vigie/shared/fixtures';
import { freePort, waitFor } from '@vigie/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { createLog } from './log.js';
import type { ProbeDefinition } from './probes/probe.js';
import { AgentRuntime } from './runtime.js';

// A freshly enrolled agent runs its probes with its provider's policy, never with the built-in
// defaults (which, for the network probe, ping the machine's gateway): until the collector's first
// policy arrives (or one saved from an earlier contact is there), no probe runs. The collector here
// is a real WebSocket server that speaks protocol v1 and sends the policy when the test says so.

/** A probe of the test: first run within 1 s of being scheduled (a tenth of its 10 s interval). */
function countingProbe(runs: number[]): ProbeDefinition {
  const schema = Type.Object({ enabled: Type.Boolean(), intervalSec: Type.Integer({ minimum: 10 }), timeoutSec: Type.Integer({ minimum: 1 }) });
  return {
    spec: { id: 'test-probe', schema, defaults: { enabled: true, intervalSec: 10, timeoutSec: 5 } },
    platforms: [process.platform],
    async collect() {
      runs.push(Date.now());
      return [];
    },
  };
}

const POLICY: PolicyBody = { version: 1, metricsIntervalSec: 60, inventoryIntervalSec: 3600, heartbeatSec: 30, probes: {} };
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function collectorPeer(): Promise<{ url: string; connected: Promise<WebSocket> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/api/v1/agent' });
  await new Promise<void>((r) => wss.once('listening', r));
  cleanup.push(() => new Promise<void>((r) => wss.close(() => r())));
  const connected = new Promise<WebSocket>((resolve) =>
    wss.on('connection', (ws) => ws.on('message', (data) => JSON.parse(String(data)).type === 'hello' && resolve(ws))),
  );
  return { url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`, connected };
}

async function startAgent(stateDir: string, url: string, runs: number[]): Promise<AgentRuntime> {
  const runtime = new AgentRuntime({
    stateDir,
    credential: { url, agentId: 'agt_test', secret: 'secret', deviceId: 1, enrolledAt: new Date().toISOString() },
    log: createLog('error'),
    sampler: { prime: async () => {}, sample: async () => ({ 'cpu.usage_pct': 1 }) },
    inventory: async () => sampleInventory,
    probes: [countingProbe(runs)],
  });
  await runtime.start();
  cleanup.push(() => runtime.stop());
  return runtime;
}

describe('probes and the first policy', () => {
  it('wait for the collector’s first policy, then run; with a saved policy, run at start', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'vigie-agent-policy-'));
    cleanup.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const runs: number[] = [];
    const peer = await collectorPeer();
    const first = await startAgent(stateDir, peer.url, runs);
    const ws = await peer.connected;
    // Connected, said hello, no policy yet: over twice the probe's longest first delay, it never ran.
    await new Promise((r) => setTimeout(r, 2500));
    expect(runs).toEqual([]);
    // The same wait sees it run once the policy arrives.
    ws.send(encodeMessage({ type: 'policy', seq: 0, body: POLICY }));
    await waitFor('the probe to run after the policy', async () => runs.length > 0, 2500, 50);
    await waitFor('the policy saved', async () => readFileSync(join(stateDir, 'state.json'), 'utf8').includes('"metricsIntervalSec":60'), 5000, 50);
    await first.stop();

    // Restarted with the policy saved from that contact, and no collector to reach: it runs at once.
    const again: number[] = [];
    await startAgent(stateDir, `http://127.0.0.1:${await freePort()}`, again);
    await waitFor('the probe to run with the saved policy', async () => again.length > 0, 2500, 50);
  });
});
