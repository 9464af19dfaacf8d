import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector } from '../src/app.js';
import { defaultConfig } from '../src/config.js';
import { DEFAULT_REPORT_SETTINGS } from '../src/reports/settings.js';
import { writePrivateFile } from '../src/store/private-files.js';

// Issue 13, point 4: the data folder was 755 and vigie.db with its WAL 644 — password hashes, every
// client's data and SNMP secrets readable by any local user. Everything the collector writes: 0700/0600.
let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'vigie-perms-'));
  chmodSync(root, 0o755);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const config = (dataDir: string) =>
  defaultConfig({ dataDir, port: 0, logLevel: 'silent', rulesIntervalMs: 0, invoicing: false, reports: { ...DEFAULT_REPORT_SETTINGS, schedule: null } });

async function writeSome(dataDir: string): Promise<void> {
  const c = await createCollector(config(dataDir));
  await c.tenants.createClient(`Acme ${Math.random()}`);
  // The WAL and shared-memory files exist while the store is open.
  expect(existsSync(join(dataDir, 'vigie.db-wal'))).toBe(true);
  expect(existsSync(join(dataDir, 'vigie.db-shm'))).toBe(true);
  expect([mode(dataDir), mode(join(dataDir, 'vigie.db')), mode(join(dataDir, 'vigie.db-wal')), mode(join(dataDir, 'vigie.db-shm'))]).toEqual([
    '700',
    '600',
    '600',
    '600',
  ]);
  await c.close();
}

describe('the store is readable by the collector’s user only', () => {
  it('a new store: folder 0700, database, WAL and shared memory 0600 (whatever the umask)', async () => {
    const old = process.umask(0o022);
    try {
      await writeSome(join(root, 'new', 'collector'));
    } finally {
      process.umask(old);
    }
  });

  it('a store made before, world-readable, is tightened when the collector starts', async () => {
    const dir = join(root, 'old');
    await writeSome(dir);
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'vigie.db'), 0o644);
    await writeSome(dir);
  });

  it('any other file it writes (a key) is 0600, even over a file that was world-readable', () => {
    const file = join(root, 'signing.key');
    writePrivateFile(file, 'old');
    chmodSync(file, 0o644);
    writePrivateFile(file, 'secret');
    expect(mode(file)).toBe('600');
  });

  it('the command line too (user create, with its password hash)', () => {
    const dir = join(root, 'cli');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const bin = join(import.meta.dirname, '..', 'bin', 'vigie-collector.mjs');
    execFileSync(process.execPath, [bin, 'user', 'create', '--email', 'admin@vigie.test', '--role', 'admin', '--data-dir', dir, '--json'], {
      encoding: 'utf8',
    });
    expect([mode(dir), mode(join(dir, 'vigie.db'))]).toEqual(['700', '600']);
  });
});
