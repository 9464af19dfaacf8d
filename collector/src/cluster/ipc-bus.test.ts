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
    let counts: { refused: number; publishErrors: number } | undefined;
    const relayed: ClusterMessage[] = [];
    worker.on('message', (m: { channel: string; msg?: ClusterMessage; obj?: unknown; refused?: number; publishErrors?: number }) => {
      if (m.channel === 'test-ready') ready = true;
      else if (m.channel === 'test-got' && m.msg) got.push(m.msg);
      else if (m.channel === 'test-log') logs.push(JSON.stringify(m));
      else if (m.channel === 'test-count') counts = { refused: m.refused ?? -1, publishErrors: m.publishErrors ?? -1 };
      // What the worker sends its primary to relay.
      else if (m.channel === 'vigie-cluster' && m.msg) relayed.push(m.msg);
    });
    const count = async () => {
      counts = undefined;
      worker.send({ channel: 'test-count' });
      await waitFor('the worker counted', async () => counts !== undefined, 10_000, 20);
      return counts;
    };
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
    expect(await count()).toEqual({ refused: malformed.length, publishErrors: 0 });
    expect(logs).toHaveLength(malformed.length);
    expect(logs[0]).toContain('"type":"sessions-ended"');
    expect(logs.join('\n')).not.toContain('S3cret');

    // What the worker publishes is checked too: a malformed message (a bug) is heard by the worker
    // itself, logged and counted, and never handed to the primary; a well-formed one right after is.
    logs.length = 0;
    got.length = 0;
    const bug = { type: 'policy-changed', deviceIds: [1.5] };
    const fine: ClusterMessage = { type: 'policy-changed', deviceIds: [7] };
    worker.send({ channel: 'test-publish', msg: bug });
    worker.send({ channel: 'test-publish', msg: fine });
    await waitFor('the well-formed one relayed', async () => relayed.length > 0, 10_000, 20);
    expect(relayed).toEqual([fine]);
    expect(got).toEqual([bug]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('the other workers would refuse');
    expect(await count()).toEqual({ refused: malformed.length, publishErrors: 1 });

    // A handler that throws on a relayed message is logged; the other handlers still hear it, and
    // the worker lives on (before, the throw escaped the IPC listener and killed the process).
    logs.length = 0;
    got.length = 0;
    const failing: ClusterMessage = { type: 'user-disabled', userId: 666 };
    worker.send({ channel: 'vigie-cluster', msg: failing });
    worker.send({ channel: 'vigie-cluster', msg: after });
    await waitFor('the next one delivered', async () => got.length === 2, 10_000, 20);
    expect(got).toEqual([failing, after]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('cluster relay: a handler failed');
    expect(worker.exitCode).toBeNull();
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
