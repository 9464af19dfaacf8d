import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnvelopeOf } from '@vigie/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { createLog } from '../log.js';
import { linuxRemote } from '../remote/platform-linux.js';
import { RemoteCommands } from '../remote/remote-commands.js';
import { TestSigner } from '../remote/test-signer.js';
import { pinKey } from '../remote/trust-store.js';
import { AgentUpdater, thisPlatform } from '../update/updater.js';

// What the local ceiling and the agent's own checks let through of the two actions of issue 17,
// through the same verification as every signed command.
const root = mkdtempSync(join(tmpdir(), 'vigie-patch-ceiling-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const provider = new TestSigner();
const me = { agentId: 'agent-patch-0001', deviceId: 7 };
let n = 0;

async function agent(ceiling: 'off' | 'actions', o: { privileged?: boolean; updater?: boolean } = {}) {
  const dir = join(root, `a${++n}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ceilingFile = join(dir, 'remote.conf');
  writeFileSync(ceilingFile, `remote: ${ceiling}\n`, { mode: 0o644 });
  await pinKey(dir, { keyId: provider.keyId, publicKey: provider.publicKey });
  const sent: { type: string; body: any }[] = [];
  const log = createLog('error');
  const emit = async (type: string, body: any) => void sent.push({ type, body });
  const remote = new RemoteCommands({
    stateDir: dir,
    me,
    log,
    ceilingFile,
    platform: linuxRemote,
    emit,
    isPrivileged: () => o.privileged ?? false,
    ...(o.updater
      ? {
          updater: new AgentUpdater({
            stateDir: dir,
            log,
            emit,
            credential: { url: 'http://127.0.0.1:1', agentId: me.agentId, secret: 's' },
            restart: () => {},
            version: '1.0.0',
          }),
        }
      : {}),
  });
  await remote.open();
  const next = async (type: string, commandId: string) => {
    for (let i = 0; i < 200; i++) {
      const m = sent.find((s) => s.type === type && s.body.commandId === commandId);
      if (m) return m.body;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${type} for ${commandId}`);
  };
  return { remote, next };
}

const base = (commandId: string) => ({
  commandId,
  clientId: 3,
  deviceId: me.deviceId,
  agentId: me.agentId,
  notBefore: Date.now() - 1000,
  expiresAt: Date.now() + 3600_000,
});
const install = (id: string) =>
  provider.sign(
    provider.envelope<EnvelopeOf<'patch-install'>>({
      ...base(id),
      action: 'patch-install',
      args: { source: 'apt', packages: [{ name: 'vigie-test-pkg', arch: 'all', version: '1.1' }], reboot: 'never', rebootDelayMin: 5 },
    }),
  );
const update = (id: string, version: string) =>
  provider.sign(
    provider.envelope<EnvelopeOf<'agent-update'>>({
      ...base(id),
      action: 'agent-update',
      args: { version, platform: thisPlatform(), sha256: 'a'.repeat(64), size: 100, graceSec: 30 },
    }),
  );

describe('patch installs and self-updates under the local ceiling', () => {
  it('a machine set to off refuses both before anything runs', async () => {
    const a = await agent('off', { privileged: true, updater: true });
    await a.remote.handle(install('cmd_patch_off'));
    await a.remote.handle(update('cmd_update_off', '2.0.0'));
    expect(await a.next('command-ack', 'cmd_patch_off')).toMatchObject({ state: 'refused', code: 'VIGIE_E_REMOTE_CEILING', ceiling: 'off' });
    expect(await a.next('command-ack', 'cmd_update_off')).toMatchObject({ state: 'refused', code: 'VIGIE_E_REMOTE_CEILING' });
  });

  it('at "actions" an install is accepted; without root or SYSTEM it says so and tries nothing', async () => {
    const a = await agent('actions', { privileged: false });
    await a.remote.handle(install('cmd_patch_unprivileged'));
    expect(await a.next('command-ack', 'cmd_patch_unprivileged')).toMatchObject({ state: 'accepted', ceiling: 'actions' });
    expect(await a.next('command-result', 'cmd_patch_unprivileged')).toMatchObject({
      ok: false,
      packages: [],
      error: { code: 'VIGIE_E_PATCH_NEEDS_PRIVILEGE' },
    });
  });

  it('an agent that cannot update itself, or is offered an older version, refuses before accepting', async () => {
    const plain = await agent('actions');
    await plain.remote.handle(update('cmd_update_unsupported', '2.0.0'));
    expect(await plain.next('command-ack', 'cmd_update_unsupported')).toMatchObject({ state: 'refused', code: 'VIGIE_E_REMOTE_UNSUPPORTED' });
    const a = await agent('actions', { updater: true });
    await a.remote.handle(update('cmd_update_old', '0.9.0'));
    expect(await a.next('command-ack', 'cmd_update_old')).toMatchObject({ state: 'refused', code: 'VIGIE_E_UPDATE_DOWNGRADE' });
  });
});
