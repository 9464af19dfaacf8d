import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { COLLECTOR_BIN, cliJson, freePort, httpJson, type Proc, startProcess, waitFor } from './processes.js';

const PASSWORD = 'e2e-password-long-enough';
let dir: string;
let base: string;
let collector: Proc;
let token: string;

async function enroll(hostname: string): Promise<{ agentId: string; secret: string; deviceId: number }> {
  const r = await httpJson(`${base}/api/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, hostname, platform: 'linux', arch: 'x64', agentVersion: 't' }),
  });
  return r.body;
}

function connect(cred: { agentId: string; secret: string }): Promise<{ ws: WebSocket; messages: any[] }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/agent`, { headers: { authorization: `Bearer ${cred.agentId}.${cred.secret}` } });
  const messages: any[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.send(
        encodeMessage({
          type: 'hello',
          seq: 0,
          body: {
            agentVersion: 't',
            protocol: 1,
            hostname: 'h',
            platform: 'linux',
            arch: 'x64',
            nextSeq: 1,
            spool: { pendingFrames: 0, pendingBytes: 0, droppedFrames: 0 },
          },
        }),
      );
      resolve({ ws, messages });
    });
    ws.once('error', reject);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-cluster-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const common = ['--data-dir', join(dir, 'collector')];
  await cliJson(COLLECTOR_BIN, ['client', 'create', '--name', 'Acme SARL', ...common]);
  const site = await cliJson(COLLECTOR_BIN, ['site', 'create', '--client', 'Acme SARL', '--name', 'Siège', ...common]);
  await cliJson(COLLECTOR_BIN, ['user', 'create', '--email', 'tech@vigie.test', '--role', 'technician', '--password', PASSWORD, ...common]);
  token = (await cliJson(COLLECTOR_BIN, ['token', 'create', '--site', String(site.id), '--uses', '50', ...common])).token;
  collector = startProcess(COLLECTOR_BIN, ['serve', '--port', String(port), '--workers', '2', ...common, '--log-level', 'warn']);
  await waitFor('collector up', async () => (await httpJson(`${base}/healthz`)).status === 200);
  // Both workers listening (the primary only hands connections to workers that listen): on a loaded
  // machine the second can come up seconds after the first.
  const seen = new Set<string>();
  await waitFor(
    'both workers up',
    async () => {
      const text = await new Promise<string>((resolve, reject) =>
        get(`${base}/metrics`, { agent: false }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve(body));
        }).on('error', reject),
      );
      seen.add(/worker="(\d+)"/.exec(text)?.[1] ?? '?');
      return seen.has('1') && seen.has('2');
    },
    30_000,
    50,
  );
});

afterAll(async () => {
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('collector cluster mode (--workers 2)', () => {
  it('spreads agents over worker processes that commit to the same store, and revokes wherever the agent is held', async () => {
    const creds = await Promise.all(Array.from({ length: 8 }, (_, i) => enroll(`pc-${i}`)));
    const conns = await Promise.all(creds.map(connect));
    // Each agent sends three metrics frames; every one is acknowledged.
    for (const [i, c] of conns.entries()) {
      for (let s = 1; s <= 3; s++)
        c.ws.send(encodeMessage({ type: 'metrics', seq: s, body: { samples: [{ ts: Date.now() + s, values: { 'cpu.usage_pct': i } }] } }));
    }
    await waitFor('all acks', async () => conns.every((c) => c.messages.some((m) => m.type === 'ack' && m.body.seq === 3)));
    // Both workers hold connections: each answers /metrics for itself.
    const perWorker = new Map<string, number>();
    for (let i = 0; i < 10 && perWorker.size < 2; i++) {
      // A new TCP connection each time (no keep-alive), so the primary hands it to the next worker.
      const text = await new Promise<string>((resolve, reject) =>
        get(`${base}/metrics`, { agent: false }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve(body));
        }).on('error', reject),
      );
      perWorker.set(/worker="(\d+)"/.exec(text)![1]!, Number(/^vigie_agents_connected\{worker="\d+"\} (\d+)$/m.exec(text)![1]));
      // Each worker counts what the relay refused: nothing here, both workers being of one version.
      expect(text).toMatch(/^vigie_relay_messages_refused_total\{worker="\d+"\} 0$/m);
      expect(text).toMatch(/^vigie_relay_publish_errors_total\{worker="\d+"\} 0$/m);
    }
    expect([...perWorker.keys()].sort()).toEqual(['1', '2']);
    expect([...perWorker.values()].reduce((a, b) => a + b, 0)).toBe(8);
    expect(Math.min(...perWorker.values())).toBeGreaterThan(0);
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'tech@vigie.test', password: PASSWORD }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    // Whatever worker answers, every agent is shown connected (workers tell each other).
    for (let round = 0; round < 4; round++) {
      const list = await httpJson(`${base}/api/v1/devices`, { headers: { cookie } });
      expect(list.body.devices.filter((d: any) => d.connected)).toHaveLength(8);
    }
    const target = creds[5]!;
    const closed = new Promise<number>((r) => conns[5]!.ws.once('close', (code) => r(code)));
    const rev = await httpJson(`${base}/api/v1/devices/${target.deviceId}/revoke`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(rev.status).toBe(200);
    expect(await closed).toBe(4403);
    expect(conns[5]!.messages.find((m) => m.type === 'error')?.body.code).toBe('VIGIE_E_AGENT_REVOKED');
    for (const c of conns) c.ws.close();
  });

  it('delivers live events to dashboards on every worker, whichever worker produced them', async () => {
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'tech@vigie.test', password: PASSWORD }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    // Four dashboards: new connections are handed to the workers in turn, so both workers hold some.
    const dashboards = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<{ ws: WebSocket; messages: any[] }>((resolve, reject) => {
            const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/live`, { headers: { cookie } });
            const messages: any[] = [];
            ws.on('message', (d) => messages.push(JSON.parse(String(d))));
            ws.once('open', () => resolve({ ws, messages }));
            ws.once('error', reject);
          }),
      ),
    );
    const clients = await httpJson(`${base}/api/v1/clients`, { headers: { cookie } });
    const clientId = clients.body.clients[0].id;
    // Tickets created through requests that may land on either worker.
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await httpJson(`${base}/api/v1/tickets`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
        body: JSON.stringify({ clientId, title: `Demande ${i}`, description: 'x', channel: 'email' }),
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids.push(r.body.id);
    }
    await waitFor('every dashboard told of every ticket', async () =>
      dashboards.every((d) => ids.every((id) => d.messages.some((m) => m.type === 'ticket' && m.data.ticket.id === id))),
    );
    // Each event once per dashboard, not once per worker.
    for (const d of dashboards) expect(d.messages.filter((m) => m.type === 'ticket' && m.data.change === 'created')).toHaveLength(4);
    for (const d of dashboards) d.ws.close();
  });
});
