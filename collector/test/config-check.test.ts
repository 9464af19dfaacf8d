import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createCollector, defaultConfig } from '../src/index.js';

// A heartbeat of 3,600 s was accepted by the collector, then refused by every agent (the policy
// schema allows 5–600 s): each logged "invalid frame" and none applied a policy. The collector now
// refuses such settings when it starts, before it opens or creates anything.

const COLLECTOR_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'vigie-collector.mjs');
const root = mkdtempSync(join(tmpdir(), 'vigie-config-check-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const withHeartbeat = (dataDir: string, heartbeatSec: number) =>
  defaultConfig({ dataDir, port: 0, logLevel: 'silent', channel: { ...defaultConfig().channel, heartbeatSec } });

describe('channel settings the agents would refuse', () => {
  it('starts with the largest heartbeat the policy allows (600 s)', async () => {
    const c = await createCollector(withHeartbeat(join(root, 'ok'), 600));
    await c.close();
    expect(existsSync(join(root, 'ok', 'vigie.db'))).toBe(true);
  });

  it('refuses 3,600 s with a validation error naming the setting, and creates nothing', async () => {
    const dir = join(root, 'refused');
    await expect(createCollector(withHeartbeat(dir, 3600))).rejects.toMatchObject({
      code: 'VIGIE_E_VALIDATION',
      message: expect.stringMatching(/heartbeatSec = 3600 would be refused by every agent/),
    });
    expect(existsSync(dir)).toBe(false);
  });

  it('`serve --heartbeat 3600` exits with that error instead of serving', async () => {
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      execFile(process.execPath, [COLLECTOR_BIN, 'serve', '--port', '0', '--heartbeat', '3600', '--data-dir', join(root, 'cli')], (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, text: stdout + stderr }),
      );
    });
    expect(out.code).not.toBe(0);
    expect(out.text).toMatch(/heartbeatSec = 3600 would be refused by every agent/);
  });
});

describe('cluster bus settings', () => {
  it('`serve --bus` with an address that is not NATS exits with the catalogue’s code, in French and English, before creating anything', async () => {
    const dir = join(root, 'bus');
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      execFile(process.execPath, [COLLECTOR_BIN, 'serve', '--port', '0', '--bus', 'http://nats.provider.lan:4222', '--data-dir', dir], (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, text: stdout + stderr }),
      );
    });
    expect(out.code).not.toBe(0);
    expect(out.text).toContain('VIGIE_E_BUS_SETTINGS_INVALID');
    expect(out.text).toContain('« http://nats.provider.lan:4222 » n’est pas une adresse NATS');
    expect(out.text).toContain('is not a NATS address');
    expect(existsSync(dir)).toBe(false);
  });

  it('VIGIE_BUS_URL is read too, and a bad --node-id is refused the same way', async () => {
    const run = (args: string[], env: NodeJS.ProcessEnv) =>
      new Promise<string>((resolve) => {
        execFile(
          process.execPath,
          [COLLECTOR_BIN, 'serve', '--port', '0', '--data-dir', join(root, 'bus-env'), ...args],
          { env: { ...process.env, ...env } },
          (_err, stdout, stderr) => resolve(stdout + stderr),
        );
      });
    expect(await run([], { VIGIE_BUS_URL: 'nats//oops' })).toContain('VIGIE_E_BUS_SETTINGS_INVALID');
    expect(await run(['--node-id', 'collecteur A'], {})).toMatch(/VIGIE_E_BUS_SETTINGS_INVALID: --node-id : « collecteur A » n’est pas un nom de collecteur/);
  });
});
