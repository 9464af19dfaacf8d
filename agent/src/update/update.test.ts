import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvelopeOf } from '@vigie/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog } from '../log.js';
import { markerPath, readMarker, type UpdateMarker, writeMarker } from './marker.js';
import { compareVersions } from './semver.js';
import type { UpdatePlatform } from './update-platform.js';
import { posixUpdatePlatform } from './update-platform-posix.js';
import { AgentUpdater, thisPlatform } from './updater.js';
import { watchUpdate } from './watchdog.js';

// The self-update's pieces on real files, a real HTTP server on loopback and a real process; the
// whole of it, with real single executables and a service-manager stand-in, is
// installers/src/self-update.test.ts.
const dir = mkdtempSync(join(tmpdir(), 'vigie-update-'));
const log = createLog('error');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('versions', () => {
  it.each([
    ['1.0.1', '1.0.0', 1],
    ['1.0.0', '1.0.0', 0],
    ['0.9.10', '0.9.9', 1],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0-rc.2', '1.0.0-rc.10', -1],
    ['1.0.0-beta', '1.0.0-1', 1],
    ['2.0.0', '10.0.0', -1],
  ])('%s against %s: %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});

const manifest = (args: Partial<EnvelopeOf<'agent-update'>['args']>): EnvelopeOf<'agent-update'> =>
  ({
    commandId: 'cmd_test0000000000000001',
    action: 'agent-update',
    args: { version: '1.0.1', platform: thisPlatform(), sha256: '0'.repeat(64), size: 10, graceSec: 30, ...args },
  }) as EnvelopeOf<'agent-update'>;

describe('what the agent refuses before accepting a manifest', () => {
  const u = new AgentUpdater({
    stateDir: dir,
    log,
    emit: async () => {},
    credential: { url: 'http://127.0.0.1:1', agentId: 'a', secret: 's' },
    restart: () => {},
    version: '1.0.0',
  });
  it('another platform, an older or the same version', () => {
    expect(u.precheck(manifest({ platform: thisPlatform() === 'linux-x64' ? 'win32-x64' : 'linux-x64' }))?.reason).toBe('UPDATE_WRONG_PLATFORM');
    expect(u.precheck(manifest({ version: '0.9.0' }))?.reason).toBe('UPDATE_DOWNGRADE');
    expect(u.precheck(manifest({ version: '1.0.0' }))?.reason).toBe('UPDATE_DOWNGRADE');
    expect(u.precheck(manifest({ version: '1.0.1' }))).toBeUndefined();
  });
});

describe('installing a downloaded executable', () => {
  let server: Server;
  let url: string;
  let served = Buffer.from('#!/bin/sh\necho new\n');
  const auths: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      auths.push(req.headers.authorization ?? '');
      res.end(served);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  function setup(name: string) {
    const d = join(dir, name);
    mkdirSync(join(d, 'bin'), { recursive: true });
    const exe = join(d, 'bin', 'vigie-agent');
    writeFileSync(exe, 'old executable', { mode: 0o755 });
    const emitted: { type: string; body: any }[] = [];
    let restarts = 0;
    const watchdogs: string[][] = [];
    const platform: UpdatePlatform = { ...posixUpdatePlatform, startWatchdog: (prev, args) => void watchdogs.push([prev, ...args]) };
    const u = new AgentUpdater({
      stateDir: join(d, 'state'),
      log,
      emit: async (type, body) => void emitted.push({ type, body }),
      credential: { url, agentId: 'agent1234', secret: 'secret' },
      restart: () => void restarts++,
      executable: exe,
      platform,
      version: '1.0.0',
    });
    return { d, exe, u, emitted, watchdogs, restarts: () => restarts };
  }

  it('refuses bytes that are not the signed SHA-256, leaving the running executable and no marker', async () => {
    const s = setup('tampered');
    await s.u.install(manifest({ sha256: createHash('sha256').update('something else').digest('hex'), size: served.length }));
    expect(s.emitted.at(-1)).toMatchObject({
      type: 'command-result',
      body: { ok: false, agentVersion: '1.0.0', error: { code: 'VIGIE_E_UPDATE_HASH_MISMATCH' } },
    });
    expect(readFileSync(s.exe, 'utf8')).toBe('old executable');
    expect(await readMarker(join(s.d, 'state'))).toBeUndefined();
    expect(s.restarts()).toBe(0);
    expect(auths.at(-1)).toBe('Bearer agent1234.secret');
  });

  it('stops reading beyond the signed size', async () => {
    const s = setup('too-big');
    await s.u.install(manifest({ sha256: createHash('sha256').update(served).digest('hex'), size: served.length - 1 }));
    expect(s.emitted.at(-1)?.body.error.code).toBe('VIGIE_E_UPDATE_HASH_MISMATCH');
    expect(readFileSync(s.exe, 'utf8')).toBe('old executable');
  });

  it('swaps in the verified executable, keeps the previous, writes the marker, starts the watchdog from the previous, asks to restart', async () => {
    const s = setup('good');
    served = Buffer.from('#!/bin/sh\necho new version\n');
    await s.u.install(manifest({ sha256: createHash('sha256').update(served).digest('hex'), size: served.length, graceSec: 30 }));
    expect(readFileSync(s.exe, 'utf8')).toBe(served.toString());
    expect(readFileSync(`${s.exe}.previous`, 'utf8')).toBe('old executable');
    const m = await readMarker(join(s.d, 'state'));
    expect(m).toMatchObject({ from: '1.0.0', to: '1.0.1', state: 'installed', graceSec: 30, previous: `${s.exe}.previous` });
    expect(s.watchdogs).toEqual([[`${s.exe}.previous`, 'update-watch', '--state-dir', join(s.d, 'state')]]);
    expect(s.restarts()).toBe(1);
  });
});

describe('the watchdog', () => {
  function marker(d: string, over: Partial<UpdateMarker>): UpdateMarker {
    return {
      commandId: 'cmd_watch000000000001',
      from: '1.0.0',
      to: '1.0.1',
      executable: join(d, 'vigie-agent'),
      previous: join(d, 'vigie-agent.previous'),
      installedAt: Date.now() - 60_000,
      deadline: Date.now() - 1000,
      graceSec: 30,
      state: 'installed',
      ...over,
    };
  }

  it('puts the previous executable back once the deadline passed, ends the new version if it hangs, and says why', async () => {
    const d = join(dir, 'watch-late');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'vigie-agent'), 'broken new');
    writeFileSync(join(d, 'vigie-agent.previous'), 'good old');
    const hung = spawn('sleep', ['30']);
    await writeMarker(d, marker(d, { pid: hung.pid! }));
    const ended = new Promise<NodeJS.Signals | null>((r) => hung.once('exit', (_c, sig) => r(sig)));
    expect(await watchUpdate(d, log, { pollMs: 50 })).toBe(0);
    expect(readFileSync(join(d, 'vigie-agent'), 'utf8')).toBe('good old');
    expect(readFileSync(join(d, 'vigie-agent.failed'), 'utf8')).toBe('broken new');
    expect(await readMarker(d)).toMatchObject({
      state: 'rolled-back',
      reason: '1.0.1 did not connect and report healthy within 30 s (it was running, stopped)',
    });
    expect(await ended).toBe('SIGTERM');
  });

  it('leaves a healthy update alone (and would have acted: same files, deadline passed)', async () => {
    const d = join(dir, 'watch-healthy');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'vigie-agent'), 'new and healthy');
    writeFileSync(join(d, 'vigie-agent.previous'), 'old');
    await writeMarker(d, marker(d, { state: 'healthy' }));
    expect(await watchUpdate(d, log, { pollMs: 50 })).toBe(0);
    expect(readFileSync(join(d, 'vigie-agent'), 'utf8')).toBe('new and healthy');
    expect(JSON.parse(readFileSync(markerPath(d), 'utf8')).state).toBe('healthy');
  });
});

describe('the version that starts after an update', () => {
  it('the previous one, put back, reports the rollback and its reason, then forgets the marker', async () => {
    const d = join(dir, 'after-rollback');
    await writeMarker(d, {
      commandId: 'cmd_after0000000000001',
      from: '1.0.0',
      to: '1.0.1',
      executable: 'x',
      previous: 'y',
      installedAt: Date.now() - 30_000,
      deadline: Date.now() - 5000,
      graceSec: 20,
      state: 'rolled-back',
      reason: '1.0.1 did not connect and report healthy within 20 s (it never ran as an agent: it exited or hung at start)',
    });
    const emitted: { type: string; body: any }[] = [];
    const u = new AgentUpdater({
      stateDir: d,
      log,
      emit: async (type, body) => void emitted.push({ type, body }),
      credential: { url: 'http://127.0.0.1:1', agentId: 'a', secret: 's' },
      restart: () => {},
      version: '1.0.0',
    });
    await u.onStart();
    expect(emitted).toEqual([
      {
        type: 'command-result',
        body: expect.objectContaining({
          commandId: 'cmd_after0000000000001',
          ok: false,
          agentVersion: '1.0.0',
          error: { code: 'VIGIE_E_UPDATE_ROLLED_BACK', message: expect.stringMatching(/^1\.0\.1 rolled back to 1\.0\.0: 1\.0\.1 did not connect/) },
        }),
      },
    ]);
    expect(await readMarker(d)).toBeUndefined();
  });
});
