import { type NatsServer, startNats, waitFor } from '@vigie/testkit';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterMessage } from './bus.js';
import { IDS_PER_MESSAGE } from './cluster-messages.js';
import { NatsBus } from './nats-bus.js';

/*
 * Anything holding NATS credentials can publish on the cluster's subjects: a collector of another
 * version, a misconfigured or compromised client. Here a raw NATS client (not a NatsBus) publishes
 * messages of every kind with a wrong shape, on the core subjects and through JetStream on the
 * durable ones, to a collector's bus on a real nats-server: none reaches a handler, each is counted
 * once, and a well-formed message sent right after (proof the test would see a delivery) arrives.
 */
let nats: NatsServer;
let raw: NatsConnection;
const buses: NatsBus[] = [];
beforeAll(async () => {
  nats = await startNats();
  raw = await connect({ servers: nats.url });
}, 60_000);
afterAll(async () => {
  for (const b of buses) await b.close();
  await raw?.close();
  await nats?.stop();
});

function bus(nodeId: string): { bus: NatsBus; got: ClusterMessage[]; logged: string[] } {
  const logged: string[] = [];
  const log = (o: unknown, m?: string) => logged.push(`${m ?? ''} ${JSON.stringify(o)}`);
  const b = new NatsBus([nats.url], nodeId, 1, { info: () => {}, warn: log, error: log } as never);
  const got: ClusterMessage[] = [];
  b.subscribe((m) => got.push(m));
  b.start();
  buses.push(b);
  return { bus: b, got, logged };
}

const envelope = (msg: unknown, from: unknown = 'intruder') => Buffer.from(JSON.stringify({ from, msg }));
const many = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));
const SECRET = 'S3cret-never-logged';

/** Short-lived kinds (core NATS), each with a wrong shape. */
const MALFORMED_CORE: [string, unknown][] = [
  ['live: clientId as a string', { type: 'live', event: { type: 'device', clientId: '1', data: { deviceId: 1 } } }],
  ['live: clientId 0', { type: 'live', event: { type: 'device', clientId: 0, data: {} } }],
  ['live: clientId missing', { type: 'live', event: { type: 'ticket', data: { note: SECRET } } }],
  ['live: an event kind no collector sends', { type: 'live', event: { type: 'hello', clientId: null, data: { password: SECRET } } }],
  ['live: data not an object', { type: 'live', event: { type: 'incident', clientId: 3, data: SECRET } }],
  ['live: data an array', { type: 'live', event: { type: 'incident', clientId: 3, data: [SECRET] } }],
  ['live: an extra field in the event', { type: 'live', event: { type: 'device', clientId: 3, data: {}, allClients: true } }],
  ['live: no event', { type: 'live' }],
  ['agent-connected: agentId a number', { type: 'agent-connected', agentId: 5, nodeId: 'b' }],
  ['agent-connected: nodeId missing', { type: 'agent-connected', agentId: 'agent-1' }],
  ['agent-connected: agentId too long', { type: 'agent-connected', agentId: 'a'.repeat(65), nodeId: 'b' }],
  ['agent-disconnected: agentId with a slash', { type: 'agent-disconnected', agentId: '../etc', nodeId: 'b' }],
  ['agent-disconnected: nodeId empty', { type: 'agent-disconnected', agentId: 'agent-1', nodeId: '' }],
  ['agents-held: agentIds a number', { type: 'agents-held', nodeId: 'b', agentIds: 5, validForMs: 90_000, round: 1, last: true }],
  [
    'agents-held: more ids than a part holds',
    { type: 'agents-held', nodeId: 'b', agentIds: many(IDS_PER_MESSAGE + 1, (i) => `agent-${i}`), validForMs: 90_000, round: 1, last: true },
  ],
  ['agents-held: round 0', { type: 'agents-held', nodeId: 'b', agentIds: [], validForMs: 90_000, round: 0, last: true }],
  ['agents-held: validForMs negative', { type: 'agents-held', nodeId: 'b', agentIds: [], validForMs: -1, round: 1, last: true }],
  ['agents-held: last a string', { type: 'agents-held', nodeId: 'b', agentIds: [], validForMs: 90_000, round: 1, last: 'yes' }],
];

/** Kinds that must arrive (JetStream), each with a wrong shape. */
const MALFORMED_DURABLE: [string, unknown][] = [
  ['agent-revoked: agentId an object', { type: 'agent-revoked', agentId: {} }],
  ['policy-changed: deviceIds of objects', { type: 'policy-changed', deviceIds: [{}] }],
  ['policy-changed: deviceIds empty', { type: 'policy-changed', deviceIds: [] }],
  ['policy-changed: a fractional id', { type: 'policy-changed', deviceIds: [1.5] }],
  ['policy-changed: a negative id', { type: 'policy-changed', deviceIds: [-3] }],
  ['policy-changed: more ids than a message holds', { type: 'policy-changed', deviceIds: many(IDS_PER_MESSAGE + 1, (i) => i + 1) }],
  ['user-disabled: userId a string', { type: 'user-disabled', userId: '1' }],
  ['user-disabled: userId 0', { type: 'user-disabled', userId: 0 }],
  ['sessions-ended: userId a string', { type: 'sessions-ended', userId: 'x', reason: 'logout' }],
  ['sessions-ended: a reason no collector gives', { type: 'sessions-ended', userId: 1, reason: 'because' }],
  ['sessions-ended: idHash not a hash', { type: 'sessions-ended', userId: 1, idHash: SECRET, reason: 'logout' }],
  ['commands-queued: agentIds a string', { type: 'commands-queued', agentIds: 'agent-x' }],
  ['commands-queued: agentIds empty', { type: 'commands-queued', agentIds: [] }],
  ['signing-keys-rotated: with a key in it', { type: 'signing-keys-rotated', key: SECRET }],
  ['grants-changed: a device without agent', { type: 'grants-changed', devices: [{ deviceId: 1 }] }],
  ['grants-changed: deviceId a string', { type: 'grants-changed', devices: [{ deviceId: '1', agentId: 'agent-1' }] }],
];

/** Every kind, well formed: delivered (the other side of the same check). */
const WELL_FORMED: ClusterMessage[] = [
  { type: 'live', event: { type: 'ticket', clientId: 4, data: { change: 'created' } } },
  { type: 'live', event: { type: 'command', clientId: null, data: { runId: 1 } } },
  { type: 'agent-connected', agentId: '0123456789abcdef0123456789abcdef', nodeId: 'host-b-8080' },
  { type: 'agent-disconnected', agentId: 'agent-7', nodeId: 'host-b-8080' },
  // A worker of a collector whose --node-id has the 64 characters it may have: `-w12` added (serve --workers).
  { type: 'agent-connected', agentId: 'agent-8', nodeId: `${'n'.repeat(64)}-w12` },
  { type: 'agents-held', nodeId: 'host-b-8080', agentIds: many(IDS_PER_MESSAGE, (i) => `agent-${i}`) as string[], validForMs: 90_000, round: 3, last: true },
  { type: 'agent-revoked', agentId: 'agent-7' },
  { type: 'policy-changed', deviceIds: [1, 2] },
  { type: 'user-disabled', userId: 9 },
  { type: 'sessions-ended', userId: 9, idHash: 'ab'.repeat(32), reason: 'password-changed' },
  { type: 'commands-queued', agentIds: ['agent-7'] },
  { type: 'signing-keys-rotated' },
  { type: 'grants-changed', devices: [{ deviceId: 1, agentId: 'agent-7' }] },
];
const durableKinds = new Set([
  'agent-revoked',
  'policy-changed',
  'user-disabled',
  'sessions-ended',
  'commands-queued',
  'signing-keys-rotated',
  'grants-changed',
]);
const typeOf = (m: unknown) => (m as { type: string }).type;

describe('NatsBus refuses messages of the wrong shape (real nats-server, raw publisher)', () => {
  it('core subjects: none of the malformed messages reaches a handler, each is counted once, logged without its content', async () => {
    const a = bus('shape-core');
    // Core subjects keep nothing: publish until A hears, so that A is listening before counting.
    const warmUp: ClusterMessage = { type: 'agent-connected', agentId: 'warm-up', nodeId: 'intruder' };
    await waitFor(
      'A hears the raw client',
      async () => {
        raw.publish('vigie.bus.agent-connected', envelope(warmUp));
        return a.got.length > 0;
      },
      10_000,
      100,
    );
    const refusedBefore = a.bus.stats.refused;
    expect(refusedBefore).toBe(0);

    for (const [, msg] of MALFORMED_CORE) raw.publish(`vigie.bus.${typeOf(msg)}`, envelope(msg));
    // A well-formed message with a sender that is no collector name, and one without sender.
    raw.publish('vigie.bus.live', envelope(WELL_FORMED[0], 'no such/collector'));
    raw.publish('vigie.bus.live', envelope(WELL_FORMED[0], 12));
    const after = { type: 'agent-connected', agentId: 'after', nodeId: 'intruder' } as const;
    raw.publish('vigie.bus.agent-connected', envelope(after));
    await raw.flush();
    // One publisher, one subscription: NATS keeps the order, so the last one heard means all were read.
    await waitFor('A got the well-formed message sent last', async () => a.got.some((m) => m.type === 'agent-connected' && m.agentId === 'after'), 10_000);

    expect(a.got.filter((m) => !(m.type === 'agent-connected' && m.agentId === 'warm-up'))).toEqual([after]);
    expect(a.bus.stats.refused - refusedBefore).toBe(MALFORMED_CORE.length + 2);
    const refusals = a.logged.filter((l) => l.includes('malformed message refused'));
    expect(refusals).toHaveLength(MALFORMED_CORE.length + 2);
    expect(refusals[0]).toContain('"type":"live"');
    expect(refusals[0]).toContain('"from":"intruder"');
    expect(a.logged.join('\n')).not.toContain(SECRET);
  }, 30_000);

  it('durable subjects (JetStream): none of the malformed messages reaches a handler, each is counted once', async () => {
    const a = bus('shape-durable');
    const js = raw.jetstream();
    // A's durable consumer exists (and the stream) once A hears a durable message.
    await waitFor(
      'A hears JetStream',
      async () => {
        await js.publish('vigie.durable.commands-queued', envelope({ type: 'commands-queued', agentIds: ['warm-up'] })).then(
          () => undefined,
          (err: Error) => console.error('stream not there yet:', err.message),
        );
        return a.got.length > 0;
      },
      15_000,
      200,
    );
    const refusedBefore = a.bus.stats.refused;
    expect(refusedBefore).toBe(0);

    for (const [, msg] of MALFORMED_DURABLE) await js.publish(`vigie.durable.${typeOf(msg)}`, envelope(msg));
    const after: ClusterMessage = { type: 'user-disabled', userId: 77 };
    await js.publish('vigie.durable.user-disabled', envelope(after));
    // One consumer, acknowledged in order: the last one heard means all were read.
    await waitFor('A got the well-formed message sent last', async () => a.got.some((m) => m.type === 'user-disabled' && m.userId === 77), 15_000);

    expect(a.got.filter((m) => !(m.type === 'commands-queued' && m.agentIds[0] === 'warm-up'))).toEqual([after]);
    expect(a.bus.stats.refused - refusedBefore).toBe(MALFORMED_DURABLE.length);
    expect(a.logged.join('\n')).not.toContain(SECRET);
  }, 30_000);

  it('a well-formed message of every kind, published the same raw way, is delivered as sent', async () => {
    const a = bus('shape-valid');
    const js = raw.jetstream();
    await waitFor(
      'A hears both paths',
      async () => {
        raw.publish('vigie.bus.agent-connected', envelope({ type: 'agent-connected', agentId: 'warm-up', nodeId: 'intruder' }));
        await js.publish('vigie.durable.commands-queued', envelope({ type: 'commands-queued', agentIds: ['warm-up'] })).then(
          () => undefined,
          (err: Error) => console.error('stream not there yet:', err.message),
        );
        return a.got.some((m) => m.type === 'agent-connected') && a.got.some((m) => m.type === 'commands-queued');
      },
      15_000,
      200,
    );
    a.got.length = 0;
    for (const msg of WELL_FORMED) {
      // Sent as from such a worker too: its name is a sender peers accept.
      if (durableKinds.has(msg.type)) await js.publish(`vigie.durable.${msg.type}`, envelope(msg, `${'n'.repeat(64)}-w12`));
      else raw.publish(`vigie.bus.${msg.type}`, envelope(msg, `${'n'.repeat(64)}-w12`));
    }
    await raw.flush();
    const isWarmUp = (m: ClusterMessage) => (m.type === 'agent-connected' || m.type === 'commands-queued') && JSON.stringify(m).includes('warm-up');
    await waitFor('A got them all', async () => a.got.filter((m) => !isWarmUp(m)).length >= WELL_FORMED.length, 15_000);
    const got = a.got.filter((m) => !isWarmUp(m));
    // Core and durable paths interleave freely: compared without order.
    expect(got).toHaveLength(WELL_FORMED.length);
    for (const m of WELL_FORMED) expect(got).toContainEqual(m);
    expect(a.bus.stats.refused).toBe(0);
  }, 30_000);

  it('a malformed message this collector builds itself is handled here, not sent to the peers, counted and logged', async () => {
    const a = bus('shape-out-a');
    const b = bus('shape-out-b');
    await waitFor('both connected', async () => a.bus.stats.connected && b.bus.stats.connected, 10_000);
    // B's durable consumer exists once B hears a durable message.
    await waitFor(
      'B hears A through JetStream',
      async () => {
        a.bus.publish({ type: 'commands-queued', agentIds: ['warm-up'] });
        return b.got.length > 0;
      },
      15_000,
      200,
    );
    const bad = { type: 'policy-changed', deviceIds: [] } as ClusterMessage;
    a.bus.publish(bad);
    expect(a.got).toContainEqual(bad);
    expect(a.bus.stats.publishErrors).toBe(1);
    expect(a.logged.some((l) => l.includes('its peers would refuse') && l.includes('/deviceIds'))).toBe(true);
    const after: ClusterMessage = { type: 'policy-changed', deviceIds: [8] };
    a.bus.publish(after);
    await waitFor('B got the well-formed one', async () => b.got.some((m) => m.type === 'policy-changed'), 15_000);
    expect(b.got.filter((m) => m.type === 'policy-changed')).toEqual([after]);
    expect(b.bus.stats.refused).toBe(0);
  }, 30_000);
});
