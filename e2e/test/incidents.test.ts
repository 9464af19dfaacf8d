import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, COLLECTOR_BIN, cli, cliJson, freePort, httpJson, keepOnLoopback, loginAs, type Proc, startProcess, waitFor } from './processes.js';

const PASSWORD = 'e2e-password-long-enough';
let dir: string;
let base: string;
let collector: Proc;
let agent: Proc;
let deviceId: number;
let cookie: string;
let csrf: string;

// The agent measures the real filesystem that holds the temp folder; the test fills it with a file
// allocated on disk (fallocate: instant, real blocks) and frees it again.
const usedPct = () => {
  const s = statfsSync(tmpdir());
  return ((s.blocks - s.bfree) / (s.blocks - s.bfree + s.bavail)) * 100;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-incidents-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const common = ['--data-dir', join(dir, 'collector')];
  const acme = await cliJson(COLLECTOR_BIN, ['client', 'create', '--name', 'Acme SARL', ...common]);
  const site = await cliJson(COLLECTOR_BIN, ['site', 'create', '--client', 'Acme SARL', '--name', 'Siège', ...common]);
  await cliJson(COLLECTOR_BIN, ['user', 'create', '--email', 'tech@vigie.test', '--role', 'technician', '--password', PASSWORD, ...common]);
  const token = await cliJson(COLLECTOR_BIN, ['token', 'create', '--site', String(site.id), ...common]);
  collector = startProcess(COLLECTOR_BIN, [
    'serve',
    '--port',
    String(port),
    ...common,
    '--metrics-interval',
    '1',
    '--rules-interval',
    '1',
    '--incident-quiet',
    '3',
    '--log-level',
    'warn',
  ]);
  await waitFor('collector up', async () => (await httpJson(`${base}/healthz`)).status === 200);
  await keepOnLoopback(await loginAs(base, 'tech@vigie.test', PASSWORD), acme.id);
  const out = await cli(AGENT_BIN, ['enroll', '--url', base, '--state-dir', join(dir, 'agent')], { VIGIE_ENROLL_TOKEN: token.token });
  deviceId = Number(/device (\d+)/.exec(out)?.[1]);
  agent = startProcess(AGENT_BIN, ['run', '--state-dir', join(dir, 'agent'), '--log-level', 'warn']);
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'tech@vigie.test', password: PASSWORD }),
  });
  cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
});

afterAll(async () => {
  await agent?.stop();
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const api = (path: string, init: RequestInit = {}) =>
  httpJson(`${base}${path}`, { ...init, headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json', ...(init.headers ?? {}) } });
const deviceTickets = async (about?: string) => {
  const list = (await api('/api/v1/tickets?limit=500')).body.tickets as { id: number }[];
  const full = await Promise.all(list.map(async (t) => (await api(`/api/v1/tickets/${t.id}`)).body));
  return full.filter((t) => t.deviceIds.includes(deviceId) && (!about || t.title.includes(about)));
};

describe('a real agent, a real filesystem, the rules and tickets', () => {
  it('filling the filesystem over the threshold opens exactly one ticket; freeing it adds the recovery note and resolves it', async () => {
    const mount = execFileSync('df', ['--output=target', tmpdir()], { encoding: 'utf8' }).trim().split('\n').pop()!.trim();
    await waitFor('fs metrics', async () => (await api(`/api/v1/devices/${deviceId}`)).body?.latestMetrics?.[`fs.used_pct{mount=${mount}}`]);
    // A threshold just above today's usage, as a provider sets one per client; the default 90 % rule stays.
    const now = usedPct();
    const fill = Math.ceil(((0.6 / 100) * statfsSync(tmpdir()).blocks * statfsSync(tmpdir()).bsize) / 2 ** 20);
    const rule = await api('/api/v1/rules', {
      method: 'POST',
      body: JSON.stringify({
        name: 'Disque presque plein',
        type: 'threshold',
        severity: 'critical',
        params: { metric: 'fs.used_pct', op: '>', value: now + 0.3, forSec: 2, recoverValue: now + 0.15 },
      }),
    });
    expect(rule.status).toBe(201);
    const big = join(dir, 'fill.bin');
    execFileSync('fallocate', ['-l', `${fill}M`, big]);
    try {
      // (Other mounts of the same disk in this container cross the threshold too: each is its own problem.)
      const about = `(mount=${mount})`;
      const opened = await waitFor(
        'ticket opened',
        async () => {
          const t = await deviceTickets(about);
          return t.length > 0 ? t : undefined;
        },
        60_000,
      );
      // Three more evaluations of the rules (counted on /metrics), each of which would have opened a
      // second ticket: still exactly one.
      const evaluations = async () => Number(/^vigie_rules_evaluations_total\{worker="1"\} (\d+)$/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1]);
      const before = await evaluations();
      await waitFor('three more rule evaluations', async () => (await evaluations()) >= before + 3, 30_000);
      expect(await deviceTickets(about)).toHaveLength(1);
      expect(opened[0]).toMatchObject({ channel: 'monitoring', kind: 'urgent', status: 'new' });
      expect(opened[0].title).toContain(`mount=${mount}`);
      expect(opened[0].slaDeadlineAt).toBeGreaterThan(opened[0].receivedAt);
    } finally {
      rmSync(big, { force: true });
    }
    const resolved = await waitFor(
      'ticket resolved',
      async () => {
        const [t] = await deviceTickets(`(mount=${mount})`);
        return t?.status === 'resolved' ? t : undefined;
      },
      60_000,
    );
    const texts = resolved.timeline.map((e: any) => `${e.type}:${e.text ?? e.to ?? ''}`);
    expect(texts[0]).toBe('created:');
    expect(texts.some((x: string) => x.startsWith('comment:Retour à la normale'))).toBe(true);
    expect(texts.at(-1)).toBe('status:resolved');
    expect(resolved.timeline.every((e: any) => e.author === 'system:monitoring')).toBe(true);
  });

  it('a silent agent opens an "offline" ticket after the configured time', async () => {
    const rules = (await api('/api/v1/rules')).body.rules as any[];
    const offline = rules.find((r) => r.key === 'agent-offline');
    expect(
      (
        await api(`/api/v1/rules/${offline.id}`, {
          method: 'PUT',
          body: JSON.stringify({ name: offline.name, type: 'absence', severity: 'critical', params: { minutes: 1 } }),
        })
      ).status,
    ).toBe(200);
    await agent.stop();
    const t = await waitFor('offline ticket', async () => (await deviceTickets()).find((x) => /ne répond plus/.test(x.title)), 120_000, 1000);
    expect(t.title).toMatch(/^\[Critique\] L'agent de .+ ne répond plus/);
  });
});
