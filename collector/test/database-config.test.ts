/**
 * `serve --database <path | postgres://…>` / VIGIE_DATABASE_URL: a bad URL is refused with its code,
 * French then English, without the password, before anything is created; a good PostgreSQL URL is
 * served: a real `serve` process on a real PostgreSQL (Debian's `postgresql`, started here) takes an
 * agent, its metrics and a rule's ticket, stored in PostgreSQL and read back over the API.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, type Postgres, startPostgres, startProcess, waitFor } from '@vigie/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseTarget } from '../src/store/database-target.js';
import { assertServableOn, SQLITE_ONLY_MODULES } from '../src/store/open-relational-store.js';
import { login, TestAgent } from './harness.js';

const COLLECTOR_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vigie-collector.mjs');
let root: string;
let postgres: Postgres;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'vigie-database-'));
  postgres = await startPostgres({ fast: true });
});
afterAll(async () => {
  await postgres?.stop();
  rmSync(root, { recursive: true, force: true });
});

function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [COLLECTOR_BIN, 'serve', '--port', '0', ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, text: (stdout + stderr).replaceAll('\u00a0', ' ') }),
    );
  });
}

describe('serve --database', () => {
  it('refuses a PostgreSQL URL without a database name: VIGIE_E_DATABASE_URL_INVALID, French then English, no password, nothing created', async () => {
    const dataDir = join(root, 'bad-url');
    const out = await serve(['--data-dir', dataDir, '--database', 'postgres://vigie:hunter2@db.example:5432/']);
    expect(out.code).not.toBe(0);
    expect(out.text).toMatch(
      /VIGIE_E_DATABASE_URL_INVALID: --database : il manque le nom de la base \(le chemin de l’URL\) ; attendu postgres:\/\/utilisateur@hôte:port\/base\n--database: the database name \(the URL path\) is missing; expected postgres:\/\/user@host:port\/database/,
    );
    expect(out.text).not.toContain('hunter2');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('reads VIGIE_DATABASE_URL, and refuses a scheme that is neither a file nor PostgreSQL', async () => {
    const dataDir = join(root, 'mysql');
    const out = await serve(['--data-dir', dataDir], { VIGIE_DATABASE_URL: 'mysql://root:hunter2@db.example/vigie' });
    expect(out.code).not.toBe(0);
    expect(out.text).toContain('VIGIE_E_DATABASE_URL_INVALID: --database : schéma « mysql:// » inconnu');
    expect(out.text).toContain('--database: unknown scheme "mysql://"; expected a SQLite file path or postgres://user@host:port/database');
    expect(out.text).not.toContain('hunter2');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('serves on a real PostgreSQL: an agent enrolls, its metrics and the ticket a rule opens are stored there and read back over the API', async () => {
    expect(SQLITE_ONLY_MODULES).toEqual([]);
    const url = await postgres.createDatabase('vigie_serve');
    // The password travels in the URL (VIGIE_DATABASE_URL) and must never be printed.
    const withPassword = url.replace('postgres@', 'postgres:hunter2@');
    const env = { VIGIE_DATABASE_URL: withPassword };
    const dataDir = join(root, 'pg');
    const cli = async (...args: string[]) =>
      JSON.parse(
        (await promisify(execFile)(process.execPath, [COLLECTOR_BIN, ...args, '--data-dir', dataDir, '--json'], { env: { ...process.env, ...env } })).stdout,
      );
    const client = await cli('client', 'create', '--name', 'Acme SARL');
    const site = await cli('site', 'create', '--client', String(client.id), '--name', 'Siège');
    await cli('user', 'create', '--email', 'tech@vigie.test', '--role', 'technician', '--password', 'correct horse battery staple');
    const token = await cli('token', 'create', '--site', String(site.id));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const collector = startProcess(
      process.execPath,
      [COLLECTOR_BIN, 'serve', '--port', String(port), '--data-dir', dataDir, '--rules-interval', '1', '--log-level', 'info'],
      { ...process.env, ...env },
    );
    let agent: TestAgent | undefined;
    try {
      await waitFor('collector up on PostgreSQL', async () => (await fetch(`${base}/healthz`)).ok);
      const enrolled = await fetch(`${base}/api/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: token.token, hostname: 'srv-compta', platform: 'linux', arch: 'x64', agentVersion: '0.1.0-test' }),
      });
      expect(enrolled.status).toBe(201);
      const cred = (await enrolled.json()) as { agentId: string; secret: string; deviceId: number };
      agent = await TestAgent.connect(`${base.replace('http', 'ws')}/api/v1/agent`, cred);
      await agent.hello({ hostname: 'srv-compta' });
      const tech = await login(base, 'tech@vigie.test');
      const rule = await tech.post('/api/v1/rules', {
        name: 'Processeur saturé',
        type: 'threshold',
        severity: 'critical',
        params: { metric: 'cpu.usage_pct', op: '>', value: 90, forSec: 0 },
      });
      expect(rule.status, JSON.stringify(rule.body)).toBe(201);
      const ts = Date.now();
      await agent.waitAck(agent.send('metrics', { samples: [{ ts, values: { 'cpu.usage_pct': 99 } }] }));

      // Stored in PostgreSQL (read there directly), and served back from it.
      expect(postgres.psql(`SELECT hostname FROM devices WHERE id = ${cred.deviceId}`, 'vigie_serve')).toEqual(['srv-compta']);
      const series = await tech.get(`/api/v1/devices/${cred.deviceId}/metrics?name=cpu.usage_pct&from=${ts - 60_000}&to=${ts + 60_000}&agg=max`);
      expect(series.status, JSON.stringify(series.body)).toBe(200);
      expect(JSON.stringify(series.body.series)).toContain('99');
      const tickets = await waitFor('the ticket the rule opens', async () => {
        const list = (await tech.get(`/api/v1/tickets?deviceId=${cred.deviceId}`)).body.tickets as { id: number }[];
        return list.length > 0 ? list : undefined;
      });
      expect(tickets).toHaveLength(1);
      expect(postgres.psql(`SELECT count(*) FROM tickets WHERE id = ${tickets[0]!.id}`, 'vigie_serve')).toEqual(['1']);
      // Nothing went to a SQLite file in the data folder, and the password was never printed.
      expect(existsSync(join(dataDir, 'vigie.db'))).toBe(false);
      expect(collector.lines.join('\n')).not.toContain('hunter2');

      // `audit verify` checks the log of the store the collector serves: PostgreSQL here. An entry
      // edited behind the triggers' back (by someone with the database's superuser) is found.
      const verify = await cli('audit', 'verify');
      expect(verify.ok).toBe(true);
      expect(verify.entries).toBeGreaterThan(0);
      postgres.psql(
        "ALTER TABLE audit_log DISABLE TRIGGER USER; UPDATE audit_log SET actor = 'user:nobody' WHERE id = (SELECT min(id) FROM audit_log); ALTER TABLE audit_log ENABLE TRIGGER USER",
        'vigie_serve',
      );
      const tampered = await promisify(execFile)(process.execPath, [COLLECTOR_BIN, 'audit', 'verify', '--data-dir', dataDir, '--json'], {
        env: { ...process.env, ...env },
      }).then(
        () => undefined,
        (err: { code?: number; stdout?: string }) => err,
      );
      expect(tampered?.code).toBe(1);
      expect(JSON.parse(tampered?.stdout ?? '{}')).toMatchObject({ ok: false });
      expect(existsSync(join(dataDir, 'vigie.db'))).toBe(false);

      // `store check` examines a SQLite file: on PostgreSQL it says so (and where the store is,
      // without the password) instead of failing on a file the collector does not use.
      const check = await promisify(execFile)(process.execPath, [COLLECTOR_BIN, 'store', 'check', '--data-dir', dataDir], {
        env: { ...process.env, ...env },
      }).then(
        () => undefined,
        (err: { code?: number; stderr?: string }) => err,
      );
      expect(check?.code).toBe(1);
      expect(check?.stderr).toMatch(
        /VIGIE_E_VALIDATION: store check examines a SQLite store file; this collector's store is PostgreSQL \(postgres:\/\/[^)]*\/vigie_serve\)/,
      );
      expect(check?.stderr).not.toContain('hunter2');
      expect(existsSync(join(dataDir, 'vigie.db'))).toBe(false);
    } finally {
      agent?.close();
      await collector.stop();
    }
    // Seven CLI processes and a serve, each starting Node and opening PostgreSQL: about 20 s alone,
    // more with the whole suite on two cores. A bound against a hang, not a timing assertion.
  }, 180_000);

  it('lets PostgreSQL through once no module needs SQLite, and a SQLite path always', () => {
    const pg = parseDatabaseTarget(postgres.url('vigie_serve'));
    expect(() => assertServableOn(pg, ['billing/invoices/service.ts'])).toThrow(/DATABASE_ENGINE_NOT_READY|PostgreSQL/);
    expect(() => assertServableOn(pg, [])).not.toThrow();
    expect(() => assertServableOn(parseDatabaseTarget(join(root, 'v.db')))).not.toThrow();
  });
});
