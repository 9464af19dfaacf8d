import { type NatsServer, startNats, waitFor } from '@vigie/testkit';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterMessage } from './bus.js';
import { natsServersAndAuth, parseBusUrl } from './bus-settings.js';
import { NatsBus } from './nats-bus.js';

/*
 * Two collectors' buses on a real nats-server with JetStream (Debian's, testkit/src/nats.ts). The
 * collectors themselves are in faults/test/collector-cluster-nats.test.ts; here, what the bus alone
 * promises, without waiting on agents.
 */
let nats: NatsServer;
const buses: NatsBus[] = [];
beforeAll(async () => {
  nats = await startNats();
}, 60_000);
afterAll(async () => {
  for (const b of buses) await b.close();
  await nats?.stop();
});

const quiet = { info: () => {}, warn: () => {}, error: () => {} } as never;

function bus(nodeId: string, servers = [nats.url]): { bus: NatsBus; got: ClusterMessage[] } {
  const b = new NatsBus(servers, nodeId, 1, quiet);
  const got: ClusterMessage[] = [];
  b.subscribe((m) => got.push(m));
  b.start();
  buses.push(b);
  return { bus: b, got };
}

const live = (n: number): ClusterMessage => ({ type: 'live', event: { type: 'device', clientId: 1, data: { deviceId: n, change: 'health' } } });

describe('NatsBus on a real NATS server', () => {
  it('a message reaches every collector once, its publisher included (at once, not echoed back)', async () => {
    const a = bus('a1');
    const b = bus('b1');
    await waitFor('both connected with their durable consumer', async () => a.bus.stats.connected && b.bus.stats.connected, 10_000);
    // Core subjects are not kept: wait until B hears A before counting.
    await waitFor(
      'B hears A',
      async () => {
        a.bus.publish(live(0));
        return b.got.length > 0;
      },
      10_000,
      100,
    );
    // Warm-up messages still on their way are not counted below.
    const warmUp = JSON.stringify(live(0));
    const counted = (got: ClusterMessage[]) => got.filter((m) => JSON.stringify(m) !== warmUp);
    a.got.length = 0;
    b.got.length = 0;
    a.bus.publish(live(1));
    a.bus.publish({ type: 'commands-queued', agentIds: ['agent-x'] });
    // Delivered to A synchronously, before any network round trip.
    expect(a.got).toEqual([live(1), { type: 'commands-queued', agentIds: ['agent-x'] }]);
    await waitFor('B got both', async () => counted(b.got).length >= 2, 10_000);
    expect(b.got).toContainEqual(live(1));
    expect(b.got).toContainEqual({ type: 'commands-queued', agentIds: ['agent-x'] });
    // Nothing echoed back to A, nothing twice at B (a message sent after these, heard by B, closes the window).
    b.bus.publish({ type: 'signing-keys-rotated' });
    await waitFor('A heard B after', async () => a.got.some((m) => m.type === 'signing-keys-rotated'), 10_000);
    a.bus.publish(live(9));
    await waitFor('B heard A after', async () => b.got.some((m) => JSON.stringify(m) === JSON.stringify(live(9))), 10_000);
    expect(counted(a.got)).toHaveLength(4);
    expect(counted(b.got)).toHaveLength(4);
  });

  it('a collector that was down gets the queued commands sent meanwhile when it comes back (JetStream), not the stale live events', async () => {
    const a = bus('a2');
    const b = bus('b2');
    await waitFor('both ready', async () => a.bus.stats.connected && b.bus.stats.connected, 10_000);
    // A's durable consumer exists once A has heard a durable message.
    b.bus.publish({ type: 'commands-queued', agentIds: ['warm-up'] });
    await waitFor('A heard B', async () => a.got.some((m) => m.type === 'commands-queued'), 10_000);
    await a.bus.close();

    b.bus.publish({ type: 'commands-queued', agentIds: ['agent-on-a'] });
    b.bus.publish({ type: 'policy-changed', deviceIds: [7] });
    b.bus.publish(live(2));
    await waitFor('JetStream took them', async () => b.bus.stats.pendingDurable === 0, 10_000);

    const back = bus('a2');
    await waitFor('A back got what it missed', async () => back.got.length >= 2, 15_000);
    expect(back.got).toEqual([
      { type: 'commands-queued', agentIds: ['agent-on-a'] },
      { type: 'policy-changed', deviceIds: [7] },
    ]);
  });

  it('NATS down: the collector still hears itself, counts the outage, keeps what must arrive and sends it once NATS is back', async () => {
    const a = bus('a3');
    const b = bus('b3');
    await waitFor('both ready', async () => a.bus.stats.connected && b.bus.stats.connected, 10_000);
    b.bus.publish({ type: 'commands-queued', agentIds: ['warm-up'] });
    await waitFor('A heard B', async () => a.got.some((m) => m.type === 'commands-queued'), 10_000);
    a.got.length = 0;

    await nats.down(true);
    await waitFor('both saw NATS go', async () => !a.bus.stats.connected && !b.bus.stats.connected, 20_000);
    expect(b.bus.stats.disconnects).toBeGreaterThanOrEqual(1);
    const got = b.got.length;
    b.bus.publish(live(3));
    b.bus.publish({ type: 'agent-revoked', agentId: 'stolen' });
    expect(b.got.slice(got)).toEqual([live(3), { type: 'agent-revoked', agentId: 'stolen' }]);
    expect(b.bus.stats.dropped).toBeGreaterThanOrEqual(1);
    expect(b.bus.stats.pendingDurable).toBe(1);

    await nats.up();
    await waitFor('A got the revocation sent while NATS was down', async () => a.got.some((m) => m.type === 'agent-revoked'), 30_000, 100);
    expect(a.got.filter((m) => m.type === 'agent-revoked')).toEqual([{ type: 'agent-revoked', agentId: 'stolen' }]);
    expect(b.bus.stats).toMatchObject({ connected: true, pendingDurable: 0 });
    expect(b.bus.stats.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('NATS down when the collector starts: it serves itself, says so, and joins the cluster once NATS is up', async () => {
    const a = bus('a4');
    await waitFor('A ready', async () => a.bus.stats.connected, 10_000);
    await nats.down();
    const errors: unknown[][] = [];
    const late = new NatsBus([nats.url], 'late4', 1, { info: () => {}, warn: () => {}, error: (...args: unknown[]) => errors.push(args) } as never);
    const got: ClusterMessage[] = [];
    late.subscribe((m) => got.push(m));
    late.start();
    buses.push(late);
    await waitFor('the failed connection counted', async () => late.stats.connectFailures > 0, 10_000);
    expect(errors.length).toBeGreaterThan(0);
    late.publish({ type: 'user-disabled', userId: 42 });
    expect(got).toEqual([{ type: 'user-disabled', userId: 42 }]);
    expect(late.stats).toMatchObject({ connected: false, pendingDurable: 1 });

    await nats.up();
    await waitFor('the late collector joined and A got its message', async () => a.got.some((m) => m.type === 'user-disabled'), 30_000, 100);
    expect(late.stats).toMatchObject({ connected: true, pendingDurable: 0 });
  });

  it('a message of no known kind, or not JSON, is refused and counted, not handed to the collector', async () => {
    const a = bus('a5');
    await waitFor('A ready', async () => a.bus.stats.connected, 10_000);
    const other = await connect({ servers: nats.url });
    try {
      other.publish('vigie.bus.format-disk', Buffer.from(JSON.stringify({ from: 'intruder', msg: { type: 'format-disk', agentIds: ['x'] } })));
      other.publish('vigie.bus.live', Buffer.from('not json'));
      other.publish('vigie.bus.live', Buffer.from(JSON.stringify({ from: 'b5', msg: live(5) })));
      await other.flush();
    } finally {
      await other.close();
    }
    await waitFor('A got the valid one', async () => a.got.length > 0, 10_000);
    expect(a.got).toEqual([live(5)]);
    expect(a.bus.stats.refused).toBe(2);
  });

  it('a bad --bus address is refused at start, in French and in English, without repeating a password', () => {
    for (const bad of ['http://127.0.0.1:4222', 'nats//host', 'nats://', 'nats://h:99999', '', 'nats://u:secret@h:4222/path']) {
      let err: unknown;
      try {
        parseBusUrl(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'VIGIE_E_BUS_SETTINGS_INVALID' });
      expect((err as Error).message).toContain('n’est pas une adresse NATS');
      expect((err as Error).message).toContain('is not a NATS address');
      expect((err as Error).message).not.toContain('secret');
    }
    expect(parseBusUrl('nats://10.0.0.1:4222, tls://nats.example:4443')).toEqual(['nats://10.0.0.1:4222', 'tls://nats.example:4443']);
  });
});

describe('NatsBus on a NATS server that asks for a user and password', () => {
  let guarded: NatsServer;
  beforeAll(async () => {
    guarded = await startNats({ auth: { user: 'vigie', pass: 'S3cret/bus' } });
  }, 60_000);
  afterAll(async () => guarded?.stop());

  it('joins with the credentials of its URL; a wrong password is refused, counted and never logged', async () => {
    const lines: string[] = [];
    const capture = {
      info: (o: unknown, m?: string) => lines.push(JSON.stringify(o) + (m ?? '')),
      warn: (o: unknown, m?: string) => lines.push(JSON.stringify(o) + (m ?? '')),
      error: (o: unknown, m?: string) => lines.push(JSON.stringify(o) + (m ?? '') + String((o as { err?: unknown }).err ?? '')),
    } as never;
    const host = `127.0.0.1:${guarded.port}`;
    // The password percent-encoded in the URL, as a URL must carry a '/'.
    const a = bus('auth-a', parseBusUrl(`nats://vigie:S3cret%2Fbus@${host}`));
    const b = bus('auth-b', parseBusUrl(`nats://vigie:S3cret%2Fbus@${host}`));
    const wrong = new NatsBus(parseBusUrl(`nats://vigie:wrong-S3cret@${host}`), 'auth-wrong', 1, capture);
    const anonymous = new NatsBus([`nats://${host}`], 'auth-none', 1, capture);
    buses.push(wrong, anonymous);
    wrong.start();
    anonymous.start();
    await waitFor('the right credentials joined', async () => a.bus.stats.connected && b.bus.stats.connected, 10_000);
    await waitFor(
      'B hears A',
      async () => {
        a.bus.publish(live(7));
        return b.got.some((m) => JSON.stringify(m) === JSON.stringify(live(7)));
      },
      10_000,
      100,
    );
    await waitFor('both refused twice', async () => wrong.stats.connectFailures >= 2 && anonymous.stats.connectFailures >= 2, 20_000);
    expect(wrong.stats.connected).toBe(false);
    expect(anonymous.stats.connected).toBe(false);
    expect(lines.join('\n')).toMatch(/Authorization Violation|AUTHORIZATION_VIOLATION/i);
    expect(lines.join('\n')).not.toContain('S3cret');
  }, 60_000);
});

describe('natsServersAndAuth', () => {
  it('takes user and password, or a token, out of the URLs for the NATS client', () => {
    expect(natsServersAndAuth(['nats://vigie:p%40ss@10.0.0.1:4222', 'nats://10.0.0.2:4222'])).toEqual({
      servers: ['nats://10.0.0.1:4222', 'nats://10.0.0.2:4222'],
      user: 'vigie',
      pass: 'p@ss',
    });
    expect(natsServersAndAuth(['tls://t0ken@nats.example:4443'])).toEqual({ servers: ['tls://nats.example:4443'], token: 't0ken' });
    expect(natsServersAndAuth(['nats://10.0.0.1:4222'])).toEqual({ servers: ['nats://10.0.0.1:4222'] });
  });
});
