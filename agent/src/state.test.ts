import { generateKeyPairSync } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyIdOf, pinKey, trustPath } from './remote/trust-store.js';
import { credentialPath, loadCredential, saveCredential } from './state.js';

// The CLI run as root (sudo vigie-agent collectors set …) rewrites files the service, running as its
// own user, must still read at its next start. Giving a file to another user needs root.
const asRoot = process.getuid?.() === 0;
const OTHER_UID = 65534; // nobody: any uid other than ours shows the point
const OTHER_GID = 65534;
const dir = mkdtempSync(join(tmpdir(), 'vigie-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cred = {
  url: 'https://127.0.0.1:1',
  urls: ['https://127.0.0.1:1'],
  agentId: 'agt_state',
  secret: 'secretsecretsecret1',
  deviceId: 1,
  enrolledAt: '2026-12-01T08:00:00.000Z',
};

describe.skipIf(!asRoot)('state files rewritten by another user (root)', () => {
  it('keeps the owner, group and mode of an existing credential', async () => {
    const stateDir = join(dir, 'kept');
    mkdirSync(stateDir, { mode: 0o700 });
    writeFileSync(credentialPath(stateDir), JSON.stringify(cred), { mode: 0o600 });
    chownSync(credentialPath(stateDir), OTHER_UID, OTHER_GID);

    await saveCredential(stateDir, { ...cred, url: 'https://127.0.0.2:1', urls: ['https://127.0.0.2:1', 'https://127.0.0.1:1'] });

    const s = statSync(credentialPath(stateDir));
    expect({ uid: s.uid, gid: s.gid, mode: s.mode & 0o777 }).toEqual({ uid: OTHER_UID, gid: OTHER_GID, mode: 0o600 });
    expect((await loadCredential(stateDir))?.urls).toEqual(['https://127.0.0.2:1', 'https://127.0.0.1:1']);
  });

  it('keeps a mode the administrator chose (0640)', async () => {
    const stateDir = join(dir, 'mode');
    mkdirSync(stateDir, { mode: 0o700 });
    writeFileSync(credentialPath(stateDir), JSON.stringify(cred), { mode: 0o640 });
    chownSync(credentialPath(stateDir), OTHER_UID, OTHER_GID);
    await saveCredential(stateDir, cred);
    expect(statSync(credentialPath(stateDir)).mode & 0o777).toBe(0o640);
  });

  it('gives a new file of the state folder (the pinned key at enrollment) to the folder owner, mode 0600', async () => {
    const stateDir = join(dir, 'new');
    mkdirSync(stateDir, { mode: 0o700 });
    chownSync(stateDir, OTHER_UID, OTHER_GID);
    const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64url');
    await pinKey(stateDir, { keyId: keyIdOf(raw), publicKey: raw });
    const s = statSync(trustPath(stateDir));
    expect({ uid: s.uid, gid: s.gid, mode: s.mode & 0o777 }).toEqual({ uid: OTHER_UID, gid: OTHER_GID, mode: 0o600 });
  });
});

describe('credential with a damaged list', () => {
  it.each([[{ urls: 'https://127.0.0.1:1' }], [{ urls: ['https://127.0.0.1:1', 42] }], [{ urls: [{ url: 'https://127.0.0.1:1' }] }]])(
    'refuses %j with the catalogue code and a clear message',
    async (damage) => {
      const stateDir = join(dir, `damaged-${Math.random().toString(36).slice(2)}`);
      mkdirSync(stateDir, { mode: 0o700 });
      writeFileSync(credentialPath(stateDir), JSON.stringify({ ...cred, ...damage }), { mode: 0o600 });
      const err = await loadCredential(stateDir).catch((e: unknown) => e as Error);
      expect((err as { code?: string }).code).toBe('VIGIE_E_AGENT_COLLECTOR_URL_INVALID');
      expect((err as Error).message).toContain(`${credentialPath(stateDir)}: "urls" must be a list of collector URLs`);
    },
  );
});
