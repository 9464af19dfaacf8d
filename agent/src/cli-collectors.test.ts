import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The agent's CLI as its own process: the list of collectors given to `enroll` and `collectors`.
// Only loopback URLs are ever given: if a refusal broke, nothing would leave the machine.

const AGENT_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vigie-agent.mjs');
const dir = mkdtempSync(join(tmpdir(), 'vigie-cli-collectors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [AGENT_BIN, ...args],
      { encoding: 'utf8', env: { ...process.env, VIGIE_ENROLL_TOKEN: 'token-of-the-test' } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A loopback port nobody listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('vigie-agent enroll with several collectors', () => {
  it.each([
    [
      ['--url', 'http://127.0.0.1:1', '--collector', 'ftp://127.0.0.1:2'],
      'collector URL "ftp://127.0.0.1:2": only http, https, ws and wss are accepted, not ftp',
    ],
    [['--url', 'https://127.0.0.1:1,http://127.0.0.1:2'], 'collector URLs mix TLS and plain connections (http://127.0.0.1:2)'],
    [['--url', 'http://127.0.0.1:1', '--collector', 'http://127.0.0.1:1/'], 'collector URL "http://127.0.0.1:1/" is given twice'],
  ])('refuses %j before sending anything, and writes no credential', async (args, message) => {
    const stateDir = join(dir, `refused-${Math.random().toString(36).slice(2)}`);
    const r = await cli(['enroll', ...args, '--state-dir', stateDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${message}`);
    expect(existsSync(join(stateDir, 'credential.json'))).toBe(false);
  });

  it('asks the collectors in order and says which could not be reached', async () => {
    const [p1, p2] = [await closedPort(), await closedPort()];
    const r = await cli(['enroll', '--url', `ws://127.0.0.1:${p1}`, '--collector', `http://127.0.0.1:${p2}`, '--state-dir', join(dir, 'unreachable')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no collector could be reached: http://127.0.0.1:${p1} (ECONNREFUSED), http://127.0.0.1:${p2} (ECONNREFUSED)`);
  });
});

describe('vigie-agent collectors', () => {
  const stateDir = join(dir, 'enrolled');
  const credFile = join(stateDir, 'credential.json');

  it('shows the one URL of a credential written before fail-over existed, then replaces the list', async () => {
    // The credential file as enrollment wrote it until now: one `url`, no list.
    rmSync(stateDir, { recursive: true, force: true });
    await cli(['collectors', '--state-dir', stateDir]).then((r) => expect(r.code).toBe(3));
    mkdirSync(stateDir, { recursive: true });
    const old = { url: 'http://127.0.0.1:8080', agentId: 'agt_cli_test', secret: 'secretsecretsecret1', deviceId: 7, enrolledAt: '2026-12-01T08:00:00.000Z' };
    writeFileSync(credFile, JSON.stringify(old), { mode: 0o600 });
    expect((await cli(['collectors', '--state-dir', stateDir])).stdout.trim()).toBe('http://127.0.0.1:8080 (primary)');

    const set = await cli(['collectors', 'set', 'ws://127.0.0.1:8081/', 'http://127.0.0.1:8080,http://[::1]:8082', '--state-dir', stateDir]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout.trim().split('\n')).toEqual(['http://127.0.0.1:8081 (primary)', 'http://127.0.0.1:8080', 'http://[::1]:8082']);
    const saved = JSON.parse(readFileSync(credFile, 'utf8'));
    expect(saved).toMatchObject({ ...old, url: 'http://127.0.0.1:8081', urls: ['http://127.0.0.1:8081', 'http://127.0.0.1:8080', 'http://[::1]:8082'] });
    const json = await cli(['collectors', '--json', '--state-dir', stateDir]);
    expect(JSON.parse(json.stdout)).toEqual({ collectors: saved.urls });
  });

  it('refuses a bad list with a clear error and keeps the one it had', async () => {
    const before = readFileSync(credFile, 'utf8');
    const r = await cli(['collectors', 'set', 'https://127.0.0.1:1', 'http://127.0.0.1:2', '--state-dir', stateDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: collector URLs mix TLS and plain connections');
    expect(readFileSync(credFile, 'utf8')).toBe(before);
  });

  it('refuses to load a credential whose list was edited into something unsafe (the agent would send its secret to each URL)', async () => {
    const cred = JSON.parse(readFileSync(credFile, 'utf8'));
    writeFileSync(credFile, JSON.stringify({ ...cred, urls: ['https://127.0.0.1:1', 'http://127.0.0.1:2'] }), { mode: 0o600 });
    const r = await cli(['collectors', '--state-dir', stateDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: collector URLs mix TLS and plain connections');
  });

  it('refuses turning a TLS list into a plain one, and plain to another machine, unless --allow-plain', async () => {
    const cred = JSON.parse(readFileSync(credFile, 'utf8'));
    writeFileSync(credFile, JSON.stringify({ ...cred, url: 'https://127.0.0.1:1', urls: ['https://127.0.0.1:1'] }), { mode: 0o600 });
    const before = readFileSync(credFile, 'utf8');
    const toPlain = await cli(['collectors', 'set', 'http://127.0.0.1:2', '--state-dir', stateDir]);
    expect(toPlain.code).toBe(1);
    expect(toPlain.stderr).toContain('error: collectors: the list uses TLS and the new one does not (http://127.0.0.1:2)');
    const remote = await cli(['collectors', 'set', 'http://192.0.2.7:8080', '--state-dir', stateDir]);
    expect(remote.code).toBe(1);
    expect(remote.stderr).toContain('error: collector URL http://192.0.2.7:8080 is plain (http/ws) to another machine');
    expect(readFileSync(credFile, 'utf8')).toBe(before);

    // Explicitly allowed: kept in the credential, so the agent accepts its list at its next start.
    const allowed = await cli(['collectors', 'set', 'http://192.0.2.7:8080', '--allow-plain', '--state-dir', stateDir]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(JSON.parse(readFileSync(credFile, 'utf8'))).toMatchObject({ urls: ['http://192.0.2.7:8080'], allowPlain: true });
    expect((await cli(['collectors', '--state-dir', stateDir])).stdout.trim()).toBe('http://192.0.2.7:8080 (primary)');
    // A later list without the opt-in loses it.
    const back = await cli(['collectors', 'set', 'https://127.0.0.1:1', '--state-dir', stateDir]);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(readFileSync(credFile, 'utf8')).allowPlain).toBeUndefined();
  });
});

// The packaged service runs as its own user; `sudo vigie-agent collectors set …` must leave it a credential it can read.
describe.skipIf(process.getuid?.() !== 0)('vigie-agent collectors set run as root', () => {
  it('keeps the credential owned by the agent’s user, mode 0600', async () => {
    const stateDir = join(dir, 'service-user');
    const credFile = join(stateDir, 'credential.json');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(
      credFile,
      JSON.stringify({
        url: 'https://127.0.0.1:1',
        agentId: 'agt_cli_owner',
        secret: 'secretsecretsecret1',
        deviceId: 7,
        enrolledAt: '2026-12-01T08:00:00.000Z',
      }),
      { mode: 0o600 },
    );
    chownSync(stateDir, 65534, 65534);
    chownSync(credFile, 65534, 65534);
    const r = await cli(['collectors', 'set', 'https://127.0.0.1:2', 'https://127.0.0.1:1', '--state-dir', stateDir]);
    expect(r.code, r.stderr).toBe(0);
    const s = statSync(credFile);
    expect({ uid: s.uid, gid: s.gid, mode: s.mode & 0o777 }).toEqual({ uid: 65534, gid: 65534, mode: 0o600 });
    expect(JSON.parse(readFileSync(credFile, 'utf8')).urls).toEqual(['https://127.0.0.1:2', 'https://127.0.0.1:1']);
  });
});
