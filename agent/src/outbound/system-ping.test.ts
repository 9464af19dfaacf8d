import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { networkProbeSpec, resolveProbeConfig } from '@vigie/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkPing } from '../probes/network/ping-check.js';
import { systemPing } from './system-ping.js';

// Issue 13, point 7: `pingHosts: ["-f"]` reached the system ping as its flood option. Here the real
// /usr/bin/ping runs behind a wrapper that writes down the arguments it was given, only to loopback.
let dir: string;
let argvLog: string;
const savedPath = process.env.PATH;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-ping-'));
  argvLog = join(dir, 'argv');
  for (const name of ['ping', 'ping6']) {
    writeFileSync(join(dir, name), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvLog}'\nexec /usr/bin/${name} "$@"\n`);
    chmodSync(join(dir, name), 0o755);
  }
  process.env.PATH = `${dir}${delimiter}${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => writeFileSync(argvLog, ''));
const argv = () => readFileSync(argvLog, 'utf8').split('\n').filter(Boolean);

const cfg = () => {
  const r = resolveProbeConfig(networkProbeSpec, { pingCount: 1 });
  if (!r.ok) throw new Error(r.error);
  return r.config;
};

describe('the system ping', () => {
  it('gets `--` before the address it pings', async () => {
    const res = await systemPing('127.0.0.1', { count: 1, timeoutSec: 1, deadlineSec: 2 });
    expect(res.alive).toBe(true);
    expect(argv().slice(-2)).toEqual(['--', '127.0.0.1']);
  });

  it('takes nothing but an IP literal', async () => {
    await expect(systemPing('-f', { count: 1, timeoutSec: 1, deadlineSec: 2 })).rejects.toThrow('not an IP address');
    expect(argv()).toEqual([]);
  });

  it('never runs for a host that would be an option, even one past the schema', async () => {
    const r = await checkPing('-f', 'host', cfg(), Date.now);
    expect(argv()).toEqual([]);
    expect(r).toMatchObject({ status: 'critical', code: 'HOST_UNREACHABLE' });
    expect(r.message).toContain('EINVALIDHOST');
  });
});
