// A process running many real agent runtimes (AgentRuntime: spool, connection, scheduling) at once,
// for scenarios that need more agents than agent processes fit on the machine. Only the host
// probes are replaced: each agent samples synthetic values and has a small fixed inventory.
import { join } from 'node:path';
import { AgentRuntime } from '@vigie/agent';
import { sampleInventory } from '@vigie/shared/fixtures';
import type { AgentFigures, FromFleet, ToFleet } from './fleet-protocol.js';
import { seedQuietPolicy } from './processes.js';

interface Member {
  name: string;
  agentId: string;
  deviceId: number;
  runtime: AgentRuntime;
  metrics: Map<number, number>;
  notSpooled: number[];
  warnings: string[];
}

const members: Member[] = [];
const send = (m: FromFleet) => process.send?.(m);

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

function seriesKeys(n: number): string[] {
  const keys = ['cpu.usage_pct', 'mem.used_pct'];
  for (let i = 0; keys.length < n; i++) keys.push(`fs.used_pct{mount=/d${i}}`);
  return keys.slice(0, n);
}

async function start(m: Extract<ToFleet, { type: 'start' }>): Promise<void> {
  const keys = seriesKeys(m.values);
  const names = Array.from({ length: m.count }, (_, i) => `${m.prefix}-${i}`);
  await pool(names, 16, async (name) => {
    const res = await fetch(`${m.url}/api/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: m.token, hostname: name, platform: 'linux', arch: 'x64', agentVersion: '0.1.0-fleet' }),
    });
    const body = (await res.json()) as { agentId?: string; secret?: string; deviceId?: number; error?: { code: string } };
    if (res.status !== 201 || !body.agentId || !body.secret || !body.deviceId) throw new Error(`enroll ${name}: ${body.error?.code ?? res.status}`);
    const stateDir = join(m.root, name);
    await seedQuietPolicy(stateDir);
    const member: Member = {
      name,
      agentId: body.agentId,
      deviceId: body.deviceId,
      runtime: undefined as unknown as AgentRuntime,
      metrics: new Map(),
      notSpooled: [],
      warnings: [],
    };
    const note = (msg: string, data?: Record<string, unknown>) => {
      if (member.warnings.length < 50) member.warnings.push(`${msg} ${JSON.stringify(data ?? {})}`);
    };
    member.runtime = new AgentRuntime({
      stateDir,
      credential: { url: m.url, agentId: body.agentId, secret: body.secret, deviceId: body.deviceId, enrolledAt: new Date().toISOString() },
      spool: { fsync: 'never', ...m.spool },
      log: {
        debug: (msg, data) => {
          if (msg === 'spooled' && data?.type === 'metrics') member.metrics.set(data.seq as number, data.ts as number);
          else if (msg === 'not spooled') member.notSpooled.push(data?.seq as number);
        },
        info: () => {},
        warn: note,
        error: note,
      },
      sampler: {
        prime: async () => {},
        sample: async () => Object.fromEntries(keys.map((k, i) => [k, (i * 7 + Date.now()) % 100])),
      },
      inventory: async () => ({ ...sampleInventory, collectedAt: Date.now(), os: { ...sampleInventory.os, hostname: name } }),
    });
    members.push(member);
  });
  await pool(members, 64, (a) => a.runtime.start());
  send({ type: 'started', agents: members.map((a) => ({ name: a.name, agentId: a.agentId, deviceId: a.deviceId })) });
}

function figures(a: Member): AgentFigures {
  const s = a.runtime.stats.spool;
  return {
    name: a.name,
    agentId: a.agentId,
    deviceId: a.deviceId,
    produced: s.nextSeq - 1,
    ackedSeq: s.ackedSeq,
    pendingFrames: s.pendingFrames,
    droppedFrames: s.droppedFrames,
    unspooledFrames: s.unspooledFrames,
    inDoubtFrames: s.inDoubtFrames,
    connects: a.runtime.stats.connection.connects,
    metrics: [...a.metrics],
    notSpooled: a.notSpooled,
    warnings: a.warnings,
  };
}

process.on('message', (m: ToFleet) => {
  if (m.type === 'start') start(m).catch((err: Error) => send({ type: 'failed', error: err.stack ?? err.message }));
  else if (m.type === 'status') {
    send({
      type: 'status',
      agents: members.map((a) => {
        const s = a.runtime.stats.spool;
        return { pendingFrames: s.pendingFrames, inDoubtFrames: s.inDoubtFrames, connects: a.runtime.stats.connection.connects };
      }),
    });
  } else if (m.type === 'stop') {
    pool(members, 64, (a) => a.runtime.stop()).then(
      () => process.send?.({ type: 'stopped', agents: members.map(figures) } satisfies FromFleet, undefined, {}, () => process.exit(0)),
      (err: Error) => send({ type: 'failed', error: err.stack ?? err.message }),
    );
  }
});
