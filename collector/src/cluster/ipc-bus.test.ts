import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@vigie/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterMessage } from './bus.js';
import { checkClusterMessage, IDS_PER_MESSAGE, inBusParts } from './cluster-messages.js';

/*
 * `serve --workers N`: the primary relays each worker's messages to every worker over Node's IPC
 * channel. A worker checks what it is handed like a collector checks what NATS brings (a primary of
 * another version after a partial upgrade): here a real child process with a real IpcBus.
 */
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
});

describe('IpcBus (worker processes)', () => {
  it('a relayed message of the wrong shape is refused, counted and logged without its content; a well-formed one right after is delivered', async () => {
    const worker = fork(fileURLToPath(new URL('./testdata/ipc-worker.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    child = worker;
    const got: ClusterMessage[] = [];
    const logs: string[] = [];
    let ready = false;
    let refused: number | undefined;
    worker.on('message', (m: { channel: string; msg?: ClusterMessage; obj?: unknown; refused?: number }) => {
      if (m.channel === 'test-ready') ready = true;
      else if (m.channel === 'test-got' && m.msg) got.push(m.msg);
      else if (m.channel === 'test-log') logs.push(JSON.stringify(m));
      else if (m.channel === 'test-count') refused = m.refused;
    });
    await waitFor('the worker is up', async () => ready, 30_000, 50);

    const malformed = [
      { type: 'sessions-ended', userId: 'x' },
      { type: 'agents-held', nodeId: '1', agentIds: 5, validForMs: 1, round: 1, last: true },
      { type: 'policy-changed', deviceIds: [{}] },
      { type: 'live', event: { type: 'ticket', clientId: '7', data: { secret: 'S3cret-never-logged' } } },
      { type: 'format-disk' },
    ];
    for (const msg of malformed) worker.send({ channel: 'vigie-cluster', msg });
    const after: ClusterMessage = { type: 'user-disabled', userId: 5 };
    worker.send({ channel: 'vigie-cluster', msg: after });
    // One IPC channel keeps the order: the last one delivered means all were read.
    await waitFor('the well-formed one delivered', async () => got.some((m) => m.type === 'user-disabled'), 10_000, 20);
    expect(got).toEqual([after]);
    worker.send({ channel: 'test-count' });
    await waitFor('the worker counted', async () => refused !== undefined, 10_000, 20);
    expect(refused).toBe(malformed.length);
    expect(logs).toHaveLength(malformed.length);
    expect(logs[0]).toContain('"type":"sessions-ended"');
    expect(logs.join('\n')).not.toContain('S3cret');
  }, 40_000);
});

describe('inBusParts', () => {
  it('splits what publishers send into messages the receivers accept (policies pushed to a large client)', () => {
    const deviceIds = Array.from({ length: 2 * IDS_PER_MESSAGE + 1 }, (_, i) => i + 1);
    const parts = inBusParts(deviceIds);
    expect(parts.map((p) => p.length)).toEqual([IDS_PER_MESSAGE, IDS_PER_MESSAGE, 1]);
    expect(parts.flat()).toEqual(deviceIds);
    for (const part of parts) expect(checkClusterMessage({ type: 'policy-changed', deviceIds: part }).ok).toBe(true);
    // The whole list in one message would be refused.
    expect(checkClusterMessage({ type: 'policy-changed', deviceIds }).ok).toBe(false);
    // agents-held sends a round even when its process holds no agent.
    expect(inBusParts([])).toEqual([[]]);
  });
});
