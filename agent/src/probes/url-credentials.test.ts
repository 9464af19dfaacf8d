import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkProbeSpec, resolveProbeConfig } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog } from '../log.js';
import { networkProbe } from './network/index.js';
import { ProbeRunner } from './runner.js';

// Issue 13, point 8: a URL's password (`http://monitor:S3cret@…`) was shown to client users in the
// policy and in check results. The check still uses it; what leaves the agent has it masked.
let server: Server;
let url: string;
let authorization: string | undefined;
beforeAll(async () => {
  server = createServer((req, res) => {
    authorization = req.headers.authorization;
    res.writeHead(authorization ? 200 : 401).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://monitor:S3cret-pw@127.0.0.1:${(server.address() as AddressInfo).port}/status`;
});
afterAll(() => server.close());

describe('passwords inside URLs', () => {
  it('are used for the check but masked in its results and in the agent log', async () => {
    const emitted: unknown[] = [];
    const lines: string[] = [];
    const log = createLog('debug', (l) => lines.push(l));
    const cfg = resolveProbeConfig(networkProbeSpec, { pingGateway: false, interfaces: false, http: [{ url }] });
    if (!cfg.ok) throw new Error(cfg.error);
    const runner = new ProbeRunner([networkProbe as never], async (r) => void emitted.push(...r), log);
    const [result] = await runner.runOnce(networkProbe as never, cfg.config);
    expect(authorization).toBe(`Basic ${Buffer.from('monitor:S3cret-pw').toString('base64')}`);
    expect(result).toMatchObject({ code: 'HTTP_OK', target: expect.stringContaining('http://monitor:••••@127.0.0.1:') });
    log.warn('probe said', { detail: `could not open ${url}` });
    expect(JSON.stringify(emitted)).not.toContain('S3cret');
    expect(lines.join('\n')).not.toContain('S3cret');
    expect(lines.join('\n')).toContain('monitor:••••@');
  });
});
