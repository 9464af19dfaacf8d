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
