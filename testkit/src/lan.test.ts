import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { waitFor } from './index.js';
import { Lan } from './lan.js';

/** An HTTP answer from `host` to `url`, or how it failed (the fetch runs on that host). */
function fetchFrom(lan: Lan, host: string, url: string): string {
  const w = lan.wrap(host, process.execPath, [
    '-e',
    `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(1500) }).then(async (r) => console.log(r.status, await r.text()), (e) => console.log('failed', e.cause?.code ?? e.name))`,
  ]);
  return execFileSync(w.file, w.args, { encoding: 'utf8' }).trim();
}

describe.runIf(process.getuid?.() === 0)('Lan', () => {
  it('hosts with their own addresses reach each other and nothing else; a cut between two is mended; the test reaches a host through expose', async () => {
    const lan = new Lan('selftest', ['server', 'client']);
    const server = lan.start('server', process.execPath, [
      '-e',
      `require('node:http').createServer((q, s) => s.end('on ' + ${JSON.stringify(lan.address('server'))})).listen(8080, ${JSON.stringify(lan.address('server'))}, () => console.log('listening'))`,
    ]);
    try {
      await waitFor('server listening', async () => server.lines.includes('listening'), 10_000, 50);
      expect(lan.address('server')).not.toBe(lan.address('client'));
      const route = lan.wrap('client', 'ip', ['-o', 'route', 'show']);
      const routes = execFileSync(route.file, route.args, { encoding: 'utf8' });
      expect(routes.trim().split('\n')).toEqual([expect.stringMatching(/^10\.15\.0\.0\/24 dev eth0 /)]);
      const url = `http://${lan.address('server')}:8080/`;
      expect(fetchFrom(lan, 'client', url)).toBe(`200 on ${lan.address('server')}`);
      // No route off the LAN.
      expect(fetchFrom(lan, 'client', 'http://192.0.2.1/')).toBe('failed ENETUNREACH');

      lan.cut('client', 'server');
      expect(fetchFrom(lan, 'client', url)).toMatch(/^failed /);
      lan.mend('client');
      expect(fetchFrom(lan, 'client', url)).toBe(`200 on ${lan.address('server')}`);

      const port = await lan.expose('server', 8080);
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe(`on ${lan.address('server')}`);
    } finally {
      await server.stop();
      await lan.destroy();
    }
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain('selftest');
  });
});
