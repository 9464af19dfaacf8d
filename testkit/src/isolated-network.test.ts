import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { IsolatedNetwork } from './isolated-network.js';

const fetchFromInside = (net: IsolatedNetwork, url: string) =>
  net.run(process.execPath, [
    '-e',
    `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(2000) }).then(async (r) => console.log(r.status, await r.text()), (e) => console.log('failed', e.cause?.code ?? e.name))`,
  ]);

describe.runIf(process.getuid?.() === 0)('IsolatedNetwork', () => {
  it('has only lo; reaches a forwarded loopback port of this machine and nothing else; SILENT_HOST never answers', async () => {
    const server = createServer((_req, res) => res.end('collector'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const net = IsolatedNetwork.create('selftest');
    try {
      expect(net.links()).toEqual(['lo']);
      expect(net.exec('ip', ['-o', 'route', 'show'])).toBe('');
      // Before the forward, the port is this namespace's own loopback: nothing listens there.
      expect((await fetchFromInside(net, `http://127.0.0.1:${port}/`)).trim()).toBe('failed ECONNREFUSED');
      await net.forward(port);
      expect((await fetchFromInside(net, `http://127.0.0.1:${port}/`)).trim()).toBe('200 collector');
      // No route out: any other address fails at once.
      expect((await fetchFromInside(net, 'http://192.0.2.1/')).trim()).toBe('failed ENETUNREACH');
      expect(net.exec('ping', ['-c', '1', '-W', '1', '127.0.0.1'])).toContain('1 received');
      const silent = spawnSync('ip', ['netns', 'exec', net.name, 'ping', '-c', '1', '-W', '1', IsolatedNetwork.SILENT_HOST], { encoding: 'utf8' });
      expect(silent.status).toBe(1);
      expect(silent.stdout).toContain('1 packets transmitted, 0 received');
    } finally {
      await net.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
