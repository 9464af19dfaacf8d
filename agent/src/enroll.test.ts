import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enroll } from './enroll.js';
import { credentialPath } from './state.js';
import { downloadExecutable } from './update/download.js';

// Real HTTP servers on loopback stand for collectors that misbehave.
const dir = mkdtempSync(join(tmpdir(), 'vigie-enroll-'));
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const s = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}`, requests };
}

const stateDirOf = (name: string) => join(dir, `${name}-${Math.random().toString(36).slice(2)}`);

describe('redirects are never followed', () => {
  it('enrollment: a 307 is refused with a clear error, the token goes nowhere else, nothing is saved', async () => {
    const elsewhere = await serve((_q, r) => r.writeHead(500).end());
    const redirecting = await serve((_q, r) => r.writeHead(307, { location: `${elsewhere.url}/api/v1/enroll` }).end());
    const stateDir = stateDirOf('redirect');
    const err = await enroll({ urls: [redirecting.url], token: 'token-of-the-test', stateDir }).catch((e: unknown) => e as Error & { code?: string });
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe('VIGIE_E_AGENT_COLLECTOR_REDIRECTED');
    expect((err as Error).message).toContain(`${redirecting.url} answered with a redirect`);
    expect(redirecting.requests).toEqual(['POST /api/v1/enroll']);
    expect(elsewhere.requests).toEqual([]);
    expect(existsSync(credentialPath(stateDir))).toBe(false);
  });

  it('self-update download: a 308 is refused, the credential goes nowhere else', async () => {
    const elsewhere = await serve((_q, r) => r.writeHead(200).end('not the executable'));
    const redirecting = await serve((_q, r) => r.writeHead(308, { location: `${elsewhere.url}/exe` }).end());
    const err = await downloadExecutable(`${redirecting.url}/api/v1/agent/update/exe`, 'bearer-of-the-test', join(dir, 'exe'), 1000).catch(
      (e: unknown) => e as Error,
    );
    expect((err as { code?: string }).code).toBe('VIGIE_E_AGENT_COLLECTOR_REDIRECTED');
    expect(redirecting.requests).toEqual(['GET /api/v1/agent/update/exe']);
    expect(elsewhere.requests).toEqual([]);
  });
});

describe('enrollment moves past a collector that does not decide', () => {
  const enrolled = { agentId: 'agt_enroll_test', secret: 'secretsecretsecret1', deviceId: 3 };

  it.each([
    ['a 502 from a proxy (no JSON)', (_q: IncomingMessage, r: ServerResponse) => r.writeHead(502).end('<html>Bad Gateway</html>'), 'HTTP 502, not a collector'],
    [
      'a 503 with a catalogue code',
      (_q: IncomingMessage, r: ServerResponse) =>
        r.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"VIGIE_E_SHUTTING_DOWN","message":"x"}}'),
      'HTTP 503 VIGIE_E_SHUTTING_DOWN',
    ],
    [
      'a 404 without a catalogue code',
      (_q: IncomingMessage, r: ServerResponse) => r.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}'),
      'HTTP 404',
    ],
  ])('%s: the next collector enrolls the agent', async (_name, dead, reason) => {
    const first = await serve(dead);
    const second = await serve((_q, r) => r.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(enrolled)));
    const stateDir = stateDirOf('next');
    const cred = await enroll({ urls: [first.url, second.url], token: 'token-of-the-test', stateDir });
    expect(cred).toMatchObject({ agentId: enrolled.agentId, urls: [first.url, second.url] });
    expect(first.requests).toEqual(['POST /api/v1/enroll']);
    expect(second.requests).toEqual(['POST /api/v1/enroll']);
    // Alone, the dead one gives the catalogue code and says why.
    const err = await enroll({ urls: [first.url], token: 'token-of-the-test', stateDir: stateDirOf('alone') }).catch((e: unknown) => e as Error);
    expect((err as { code?: string }).code).toBe('VIGIE_E_AGENT_ENROLL_UNREACHABLE');
    expect((err as Error).message).toContain(`no collector could be reached: ${first.url} (${reason}`);
  });

  it('a collector that never answers is given up after the timeout', async () => {
    const silent = await serve(() => {}); // accepts the request, never answers
    const second = await serve((_q, r) => r.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(enrolled)));
    const cred = await enroll({ urls: [silent.url, second.url], token: 'token-of-the-test', stateDir: stateDirOf('silent'), timeoutMs: 200 });
    expect(cred.agentId).toBe(enrolled.agentId);
    expect(silent.requests).toEqual(['POST /api/v1/enroll']);
  });

  it('a refusal with a catalogue code is the answer of all: the next collector is not asked', async () => {
    const refusing = await serve((_q, r) =>
      r.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"VIGIE_E_ENROLL_TOKEN_INVALID","message":"bad token"}}'),
    );
    const second = await serve((_q, r) => r.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(enrolled)));
    const err = await enroll({ urls: [refusing.url, second.url], token: 'token-of-the-test', stateDir: stateDirOf('refused') }).catch(
      (e: unknown) => e as Error,
    );
    expect((err as { code?: string }).code).toBe('VIGIE_E_ENROLL_TOKEN_INVALID');
    expect(second.requests).toEqual([]);
  });
});
