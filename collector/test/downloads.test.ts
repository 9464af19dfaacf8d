import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, login, startHarness } from './harness.js';

let h: Harness;
const dir = mkdtempSync(join(tmpdir(), 'vigie-downloads-'));
const script = '#!/bin/sh\necho install\n';
beforeAll(async () => {
  writeFileSync(join(dir, 'install.sh'), script);
  writeFileSync(join(dir, 'vigie-agent_0.1.0_amd64.deb'), Buffer.alloc(1000, 7));
  writeFileSync(join(dir, 'vigie-agent-win-x64.msi'), Buffer.alloc(500, 1));
  writeFileSync(join(dir, 'secrets.txt'), 'not an installer');
  h = await startHarness({ downloadsDir: dir });
});
afterAll(async () => h.close());

describe('agent installers offered by the collector', () => {
  it('lists them for technicians with size and SHA-256, and serves them to machines being enrolled', async () => {
    const tech = await login(h.url, 'tech@vigie.test');
    const list = (await tech.get('/api/v1/installers')).body.installers as any[];
    expect(list.map((i) => `${i.os} ${i.file}`).sort()).toEqual(['debian vigie-agent_0.1.0_amd64.deb', 'linux install.sh', 'windows vigie-agent-win-x64.msi']);
    expect(list.find((i) => i.file === 'install.sh').sha256).toBe(createHash('sha256').update(script).digest('hex'));
    const res = await fetch(`${h.url}/downloads/install.sh`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(script);
    expect((await fetch(`${h.url}/downloads/vigie-agent_0.1.0_amd64.deb`)).headers.get('content-length')).toBe('1000');
  });

  it('serves nothing else: other files, path tricks, and the list for client users', async () => {
    for (const p of ['/downloads/secrets.txt', '/downloads/..%2F..%2Fetc%2Fpasswd', '/downloads/.%2Finstall.sh', '/downloads/nope.deb']) {
      expect((await fetch(`${h.url}${p}`)).status, p).toBe(404);
    }
    const client = await login(h.url, 'dsi@acme.test');
    expect((await client.get('/api/v1/installers')).status).toBe(403);
  });
});
