/**
 * The private PostgreSQL and NATS servers the scale-out tests start (Debian's `postgresql` and
 * `nats-server`): they come up on loopback, answer, restart on the same port and data, and leave
 * nothing behind.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startNats } from './nats.js';
import { startPostgres } from './postgres.js';

describe('startPostgres', () => {
  it('runs a private cluster that keeps its data across a restart', async () => {
    const pg = await startPostgres();
    try {
      await pg.createDatabase('vigie_kit');
      pg.psql('CREATE TABLE t (v int); INSERT INTO t VALUES (41), (1)', 'vigie_kit');
      expect(pg.psql('SELECT sum(v) FROM t', 'vigie_kit')).toEqual(['42']);
      expect(pg.url('vigie_kit')).toBe(`postgres://postgres@127.0.0.1:${pg.port}/vigie_kit`);
      const before = pg.pid();
      expect(before).toBeGreaterThan(0);
      await pg.down();
      expect(() => pg.psql('SELECT 1')).toThrow();
      await pg.up();
      expect(pg.pid()).not.toBe(before);
      expect(pg.psql('SELECT sum(v) FROM t', 'vigie_kit')).toEqual(['42']);
    } finally {
      await pg.stop();
    }
  }, 60_000);
});

describe('startNats', () => {
  it('runs a NATS server with JetStream that comes back on the same port', async () => {
    const nats = await startNats();
    let pid: number | undefined;
    const info = () =>
      new Promise<string>((resolve, reject) => {
        const s = connect(nats.port, '127.0.0.1');
        s.once('data', (b) => {
          s.destroy();
          resolve(b.toString('utf8'));
        });
        s.once('error', reject);
      });
    try {
      expect(await info()).toMatch(/^INFO .*"jetstream":true/);
      await nats.down(true);
      await expect(info()).rejects.toThrow();
      await nats.up();
      expect(await info()).toMatch(/^INFO /);
      pid = nats.pid();
      expect(pid).toBeGreaterThan(0);
    } finally {
      await nats.stop();
    }
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  }, 60_000);
});
