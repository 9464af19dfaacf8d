import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lan } from './lan.js';
import { postgresBinDir, startPostgres } from './postgres.js';

/**
 * startPostgres on a host of a test's LAN (the scale-out's database on a machine of its own): it
 * listens on that host's address only, takes another host's client with the right password
 * (SCRAM), refuses a wrong one and a role without one, and the test administers it through its Unix
 * socket, not the network.
 */
describe.runIf(process.getuid?.() === 0)('startPostgres on a LAN host', () => {
  it('serves the LAN with a password, only on its address', async () => {
    const lan = new Lan('pgtest', ['pg', 'client']);
    let pg: Awaited<ReturnType<typeof startPostgres>> | undefined;
    try {
      pg = await startPostgres({
        fast: true,
        network: { wrap: (cmd, args) => lan.wrap('pg', cmd, args), address: lan.address('pg'), port: 5432, clients: '10.15.0.0/24' },
      });
      pg.createUser('kit', 'kit-password');
      const url = await pg.createDatabase('kit_lan', 'kit');
      expect(url).toBe(`postgres://kit@${lan.address('pg')}:5432/kit_lan`);
      expect(pg.psql('SHOW listen_addresses')).toEqual([lan.address('pg')]);
      // A client on another host of the LAN, as the collectors are.
      const psqlFrom = (user: string, password: string) => {
        const w = lan.wrap('client', join(postgresBinDir(), 'psql'), [
          '-X',
          '-A',
          '-t',
          '-w',
          '-c',
          'SELECT current_user, inet_client_addr()',
          url.replace('kit@', `${user}@`),
        ]);
        const r = spawnSync(w.file, w.args, { encoding: 'utf8', env: { ...process.env, PGPASSWORD: password } });
        return r.status === 0 ? r.stdout.trim() : r.stderr;
      };
      expect(psqlFrom('kit', 'kit-password')).toBe(`kit|${lan.address('client')}`);
      expect(psqlFrom('kit', 'wrong')).toMatch(/password authentication failed for user "kit"/);
      expect(psqlFrom('postgres', '')).toMatch(/password authentication failed for user "postgres"|no password supplied/);
    } finally {
      await pg?.stop();
      await lan.destroy();
    }
  }, 90_000);
});
