import { join } from 'node:path';
import { MAX_FRAME_BYTES } from '@vigie/shared';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentPeer, type Outcome } from './support/agent-peer.js';
import { staffSession, world } from './support/context.js';
import { call, ok, type Session, signIn } from './support/http.js';
import { Tally } from './support/tally.js';

// The agent channel attacked with real credentials of an agent the suite enrolled (as if stolen):
// impersonation (no, wrong or another agent's credential, a revoked one, identity fields in the
// frames), replay (a sequence sent again after reconnecting, an enrollment token used twice) and
// malformed or oversized frames — each refused, the collector unharmed.
const w = world();
const tally = new Tally('agent channel');
let tech: Session;
let stolen: { agentId: string; secret: string; deviceId: number };
const bearer = (c: { agentId: string; secret: string }) => ({ authorization: `Bearer ${c.agentId}.${c.secret}` });
const isPeer = (p: AgentPeer | Outcome): p is AgentPeer => p instanceof AgentPeer;

async function enroll(siteId: number, uses = 1) {
  const token = ok(await tech.post(`/api/v1/sites/${siteId}/enrollment-tokens`, { label: 'suite', maxUses: uses }), 'token').token as string;
  const res = await call(w.url, 'POST', '/api/v1/enroll', { body: { token, hostname: 'pc-vole', platform: 'linux', arch: 'x64', agentVersion: '0.1.0' } });
  return { token, cred: ok<{ agentId: string; secret: string; deviceId: number }>(res, 'enroll') };
}

beforeAll(async () => {
  tech = await signIn(w.url, w.emails.tech, w.password);
  stolen = (await enroll(w.acme.site)).cred;
});
afterAll(() => tally.flush());

describe('impersonation', () => {
  it('refuses the channel without the agent’s own credential', async () => {
    const g = (await enroll(w.globex.site)).cred;
    const attempts: [string, Record<string, string>][] = [
      ['no credential', {}],
      ['a wrong secret', { authorization: `Bearer ${stolen.agentId}.${'A'.repeat(43)}` }],
      ['another agent’s id with this secret', { authorization: `Bearer ${g.agentId}.${stolen.secret}` }],
      ['this agent’s id with another’s secret', { authorization: `Bearer ${stolen.agentId}.${g.secret}` }],
      ['the id alone', { authorization: `Bearer ${stolen.agentId}` }],
      ['an empty bearer', { authorization: 'Bearer ' }],
      ['a basic credential', { authorization: `Basic ${Buffer.from(`${stolen.agentId}:${stolen.secret}`).toString('base64')}` }],
      ['a 16 kB token', { authorization: `Bearer ${'a'.repeat(8000)}.${'b'.repeat(8000)}` }],
      ['an admin’s session cookie', { cookie: staffSession('admin').cookie }],
      ['the secret in lower case', { authorization: `bearer ${stolen.agentId}.${stolen.secret.toUpperCase()}` }],
    ];
    for (const [what, headers] of attempts) {
      const r = await AgentPeer.connect(w.url, headers);
      tally.add(!isPeer(r) && (r.status === 401 || r.status === 403 || r.status === 431), `agent channel with ${what} → ${isPeer(r) ? 101 : r.status}`);
      if (isPeer(r)) r.ws.close();
    }
    // The credential in the query string is no credential.
    const q = await AgentPeer.connect(w.url, {}, `/api/v1/agent?authorization=Bearer%20${stolen.agentId}.${stolen.secret}`);
    tally.add(!isPeer(q) && q.status === 401, 'credential in the query string accepted');
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('refuses identity fields in a frame: an agent writes only as itself', async () => {
    const frames: [string, unknown][] = [
      ['metrics', { agentId: 'x', samples: [{ ts: Date.now(), values: { 'cpu.usage_pct': 1 } }] }],
      ['metrics', { deviceId: w.globex.device, samples: [{ ts: Date.now(), values: { 'cpu.usage_pct': 1 } }] }],
      ['checks', { clientId: w.globex.client, results: [] }],
      ['checks', { device: `device:${w.globex.device}`, results: [] }],
      ['event', { kind: 'x', severity: 'info', message: 'x', occurredAt: Date.now(), deviceId: w.globex.device }],
    ];
    for (const [type, body] of frames) {
      const p = await AgentPeer.connect(w.url, bearer(stolen));
      if (!isPeer(p)) throw new Error('stolen credential refused');
      await p.hello(1);
      const o = await p.refuse(JSON.stringify({ v: 1, type, seq: 1, ts: Date.now(), body }));
      tally.add(o.errorCode === 'VIGIE_E_INVALID_BODY', `${type} with ${JSON.stringify(body).slice(0, 80)} → ${o.errorCode}`);
    }
    expect(tally.takeLetThrough()).toEqual([]);
    // A watched device named by this agent lands in its own site, never in another client's.
    const p = await AgentPeer.connect(w.url, bearer(stolen));
    if (!isPeer(p)) throw new Error('stolen credential refused');
    await p.hello(1);
    p.send('checks', 1, {
      device: 'snmp:10.99.0.1',
      results: [{ check: 'snmp-reachable', target: 'x', status: 'ok', code: 'SNMP_OK', message: 'x', observedAt: Date.now() }],
    });
    await p.waitFor((m) => m.type === 'ack' || m.type === 'error');
    p.ws.close();
    const db = new Database(join(w.dataDir, 'vigie.db'), { readonly: true });
    const landed = db.prepare("SELECT client_id FROM devices WHERE external_key = 'snmp:10.99.0.1'").all() as { client_id: number }[];
    db.close();
    tally.add(
      landed.every((d) => d.client_id === w.acme.client),
      `a watched device landed with client ${JSON.stringify(landed)}`,
    );
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('refuses a revoked agent, at once and when it reconnects', async () => {
    const victim = (await enroll(w.acme.site)).cred;
    const p = await AgentPeer.connect(w.url, bearer(victim));
    if (!isPeer(p)) throw new Error('fresh credential refused');
    await p.hello(1);
    expect((await tech.post(`/api/v1/devices/${victim.deviceId}/revoke`)).status).toBe(200);
    tally.add((await p.closed) >= 4000, 'a revoked agent kept its connection');
    const again = await AgentPeer.connect(w.url, bearer(victim));
    tally.add(!isPeer(again) && again.status === 403 && again.errorCode === 'VIGIE_E_AGENT_REVOKED', 'a revoked agent reconnected');
    expect(tally.takeLetThrough()).toEqual([]);
  });
});

describe('replay', () => {
  it('stores a sequence number once: the same frames sent again on a new connection change nothing', async () => {
    const metric = async (): Promise<number[]> => {
      const db = new Database(join(w.dataDir, 'vigie.db'), { readonly: true });
      try {
        return (db.prepare('SELECT value FROM samples WHERE device_id = ? ORDER BY ts, series_id').all(stolen.deviceId) as { value: number }[]).map(
          (r) => r.value,
        );
      } finally {
        db.close();
      }
    };
    const first = await AgentPeer.connect(w.url, bearer(stolen));
    if (!isPeer(first)) throw new Error('refused');
    await first.hello(100);
    const ts = Date.now();
    first.send('metrics', 100, { samples: [{ ts, values: { 'cpu.usage_pct': 11 } }] });
    await first.waitFor((m) => m.type === 'ack' && m.body.seq >= 100);
    first.ws.close();
    await first.closed;
    const stored = await metric();
    for (const replay of [100, 99, 1]) {
      const p = await AgentPeer.connect(w.url, bearer(stolen));
      if (!isPeer(p)) throw new Error('refused');
      await p.hello(replay);
      p.send('metrics', replay, { samples: [{ ts, values: { 'cpu.usage_pct': 99 } }] });
      await p.waitFor((m) => m.type === 'ack');
      p.ws.close();
      await p.closed;
      tally.add(JSON.stringify(await metric()) === JSON.stringify(stored), `metrics seq ${replay} replayed were stored again`);
    }
    expect(stored).toContain(11);
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('refuses an enrollment token used twice, revoked, or guessed', async () => {
    const { token } = await enroll(w.acme.site, 1);
    const body = { token, hostname: 'pc-2', platform: 'linux', arch: 'x64', agentVersion: '0.1.0' };
    const twice = await call(w.url, 'POST', '/api/v1/enroll', { body });
    tally.add(twice.status === 401 && twice.body.error.code === 'VIGIE_E_ENROLL_TOKEN_EXHAUSTED', `token used twice → ${twice.status}`);
    const t2 = ok(await tech.post(`/api/v1/sites/${w.acme.site}/enrollment-tokens`, { label: 'révoqué' }), 'token');
    ok(await tech.post(`/api/v1/enrollment-tokens/${t2.id}/revoke`), 'revoke');
    const revoked = await call(w.url, 'POST', '/api/v1/enroll', { body: { ...body, token: t2.token } });
    tally.add(revoked.status === 401, `revoked token → ${revoked.status}`);
    const guessed = await call(w.url, 'POST', '/api/v1/enroll', { body: { ...body, token: `${t2.token.slice(0, -2)}xx` } });
    tally.add(guessed.status === 401, `guessed token → ${guessed.status}`);
    expect(tally.takeLetThrough()).toEqual([]);
  });
});

describe('malformed and oversized frames', () => {
  const big = (n: number) =>
    JSON.stringify({ v: 1, type: 'event', seq: 1, ts: Date.now(), body: { kind: 'x', severity: 'info', message: 'x'.repeat(n), occurredAt: Date.now() } });
  const cases: [string, string | Buffer, string[]][] = [
    ['not JSON', '{"v":1,', ['VIGIE_E_MALFORMED_FRAME']],
    ['a JSON array', '[1,2,3]', ['VIGIE_E_INVALID_ENVELOPE', 'VIGIE_E_MALFORMED_FRAME']],
    ['protocol v2', JSON.stringify({ v: 2, type: 'metrics', seq: 1, ts: 1, body: {} }), ['VIGIE_E_UNSUPPORTED_VERSION']],
    ['an unknown type', JSON.stringify({ v: 1, type: 'shell', seq: 1, ts: 1, body: { cmd: 'id' } }), ['VIGIE_E_UNKNOWN_TYPE']],
    ['a collector-only type', JSON.stringify({ v: 1, type: 'policy', seq: 1, ts: 1, body: {} }), ['VIGIE_E_WRONG_DIRECTION']],
    ['a string seq', JSON.stringify({ v: 1, type: 'metrics', seq: '1', ts: 1, body: { samples: [] } }), ['VIGIE_E_INVALID_ENVELOPE', 'VIGIE_E_SEQ_INVALID']],
    ['a negative seq', JSON.stringify({ v: 1, type: 'metrics', seq: -5, ts: 1, body: { samples: [] } }), ['VIGIE_E_INVALID_ENVELOPE', 'VIGIE_E_SEQ_INVALID']],
    [
      'a seq beyond 2^53',
      '{"v":1,"type":"metrics","seq":123456789012345678901234,"ts":1,"body":{"samples":[]}}',
      ['VIGIE_E_INVALID_ENVELOPE', 'VIGIE_E_SEQ_INVALID', 'VIGIE_E_INVALID_BODY'],
    ],
    ['a body of the wrong shape', JSON.stringify({ v: 1, type: 'metrics', seq: 1, ts: 1, body: { samples: 'all' } }), ['VIGIE_E_INVALID_BODY']],
    [
      '20,001 values',
      JSON.stringify({
        v: 1,
        type: 'metrics',
        seq: 1,
        ts: Date.now(),
        body: { samples: [{ ts: Date.now(), values: Object.fromEntries(Array.from({ length: 20_001 }, (_, i) => [`m.v${i}`, i])) }] },
      }),
      ['VIGIE_E_INVALID_BODY'],
    ],
    ['a string over 128 kB', big(200 * 1024), ['VIGIE_E_INVALID_BODY']],
    ['a frame over 4 MiB', big(MAX_FRAME_BYTES + 10), ['VIGIE_E_FRAME_TOO_LARGE']],
    [
      'nesting 100,000 deep',
      `{"v":1,"type":"event","seq":1,"ts":1,"body":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      ['VIGIE_E_INVALID_BODY', 'VIGIE_E_MALFORMED_FRAME'],
    ],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x76, 0x22, 0x3a, 0xff, 0xfe, 0x7d]), ['VIGIE_E_MALFORMED_FRAME']],
    ['an empty frame', '', ['VIGIE_E_MALFORMED_FRAME']],
    ['a prototype key', '{"v":1,"type":"metrics","seq":1,"ts":1,"body":{"__proto__":{"polluted":true},"samples":[]}}', ['VIGIE_E_INVALID_BODY']],
  ];

  it.each(cases.map((c, i) => [c[0], i] as const))('refuses %s and closes only that connection', async (_what, i) => {
    const [what, data, codes] = cases[i]!;
    const p = await AgentPeer.connect(w.url, bearer(stolen));
    if (!isPeer(p)) throw new Error('refused');
    await p.hello(1);
    const o = await p.refuse(data);
    // A frame invalid as UTF-8 is refused by the WebSocket layer itself (close 1007).
    const refused = (o.closeCode !== undefined && o.closeCode >= 4000 && codes.includes(o.errorCode ?? '')) || o.closeCode === 1007 || o.closeCode === 1009;
    tally.add(refused, `${what} → close ${o.closeCode} ${o.errorCode}`);
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('refuses a frame before hello, and a flood of frames', async () => {
    const p = await AgentPeer.connect(w.url, bearer(stolen));
    if (!isPeer(p)) throw new Error('refused');
    const early = await p.refuse(
      JSON.stringify({ v: 1, type: 'metrics', seq: 1, ts: Date.now(), body: { samples: [{ ts: Date.now(), values: { 'cpu.usage_pct': 1 } }] } }),
    );
    tally.add(early.errorCode === 'VIGIE_E_HELLO_REQUIRED', `metrics before hello → ${early.errorCode}`);
    const f = await AgentPeer.connect(w.url, bearer(stolen));
    if (!isPeer(f)) throw new Error('refused');
    await f.hello(1);
    const frame = JSON.stringify({ v: 1, type: 'event', seq: 0, ts: 1, body: { kind: 'flood', severity: 'info', message: 'x', occurredAt: Date.now() } });
    for (let i = 0; i < 3000 && f.ws.readyState === f.ws.OPEN; i++) f.ws.send(frame.replace('"seq":0', `"seq":${i + 1}`));
    const flood = await f.refuse(frame);
    tally.add(flood.errorCode === 'VIGIE_E_RATE_LIMITED', `3,000 frames at once → ${flood.errorCode}`);
    expect(tally.takeLetThrough()).toEqual([]);
  });

  it('keeps serving the real agents and both collector processes', async () => {
    for (let i = 0; i < 4; i++) expect((await call(w.url, 'GET', '/healthz')).status).toBe(200);
    const admin = staffSession('admin');
    const devices = ok(await admin.get('/api/v1/devices'), 'devices').devices as { id: number; connected: boolean }[];
    expect(devices.find((d) => d.id === w.acme.device)?.connected).toBe(true);
  });
});
