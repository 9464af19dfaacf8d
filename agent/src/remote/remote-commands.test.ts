import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentBody, EnvelopeOf } from '@vigie/shared';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createLog } from '../log.js';
import { linuxRemote } from './platform-linux.js';
import { RemoteCommands } from './remote-commands.js';
import { TestSigner } from './test-signer.js';
import { pinKey } from './trust-store.js';
import { sha256Hex } from './verify.js';

// Real Ed25519 keys, real files in a temporary state folder, real /bin/sh processes: the agent's
// checks of a signed command, and what it runs once they pass.
const root = mkdtempSync(join(tmpdir(), 'vigie-remote-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const me = { agentId: 'agent0001', deviceId: 7 };
const provider = new TestSigner();
let n = 0;

interface Agent {
  remote: RemoteCommands;
  sent: { type: string; body: any }[];
  stateDir: string;
  ceilingFile: string;
  /** Waits for the message of this type about this command. */
  next(type: string, commandId: string): Promise<any>;
}

async function agent(opts: { ceiling?: string | null; logRoot?: string } = {}): Promise<Agent> {
  const dir = join(root, `a${++n}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ceilingFile = join(dir, 'remote.conf');
  if (opts.ceiling !== null) writeFileSync(ceilingFile, `remote: ${opts.ceiling ?? 'scripts'}\n`, { mode: 0o644 });
  await pinKey(dir, { keyId: provider.keyId, publicKey: provider.publicKey });
  const sent: { type: string; body: any }[] = [];
  const waiters: (() => void)[] = [];
  const remote = new RemoteCommands({
    stateDir: dir,
    me,
    log: createLog('error'),
    ceilingFile,
    platform: opts.logRoot ? { ...linuxRemote, logRoots: () => [`${opts.logRoot}/`] } : linuxRemote,
    emit: async (type, body) => {
      sent.push({ type, body });
      for (const w of waiters.splice(0)) w();
    },
  });
  await remote.open();
  const next = async (type: string, commandId: string) => {
    for (;;) {
      const m = sent.find((s) => s.type === type && s.body.commandId === commandId);
      if (m) return m.body;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { remote, sent, stateDir: dir, ceilingFile, next };
}

const base = (commandId: string, over: Partial<EnvelopeOf<'script'>> = {}) => ({
  commandId,
  clientId: 3,
  deviceId: me.deviceId,
  agentId: me.agentId,
  notBefore: Date.now() - 1000,
  expiresAt: Date.now() + 3600_000,
  ...over,
});
const script = (commandId: string, text: string, params: Record<string, string | number | boolean> = {}, over: Partial<EnvelopeOf<'script'>> = {}) =>
  provider.envelope<EnvelopeOf<'script'>>({
    ...base(commandId, over),
    action: 'script',
    scriptSha256: sha256Hex(text),
    args: { language: 'sh', scriptName: 'test', scriptVersion: 1, params, timeoutSec: 30 },
    ...over,
  });
const outputOf = (a: Agent, commandId: string) =>
  a.sent
    .filter((s) => s.type === 'command-output' && s.body.commandId === commandId)
    .map((s) => s.body as AgentBody<'command-output'>)
    .sort((x, y) => x.index - y.index)
    .map((c) => c.data)
    .join('');

describe('a signed script the agent accepts', () => {
  it('runs it with its typed parameters in the environment, never in its text, and streams the output in order', async () => {
    const a = await agent();
    const marker = join(a.stateDir, 'injected');
    const text = 'echo "disk=$VIGIE_PARAM_DISK days=$VIGIE_PARAM_DAYS dry=$VIGIE_PARAM_DRY"\nseq 1 3000\necho oops >&2\nexit 3\n';
    const env = script('cmd_script_ok', text, { disk: `$(touch ${marker})`, days: 7, dry: true });
    await a.remote.handle(provider.sign(env, { script: text }));
    expect(await a.next('command-ack', 'cmd_script_ok')).toMatchObject({ state: 'accepted', ceiling: 'scripts' });
    const result = await a.next('command-result', 'cmd_script_ok');
    expect(result).toMatchObject({ ok: false, exitCode: 3, truncated: false });
    const out = outputOf(a, 'cmd_script_ok');
    expect(out.startsWith(`disk=$(touch ${marker}) days=7 dry=1\n1\n2\n`)).toBe(true);
    expect(out).toContain('2999\n3000\n');
    expect(out).toContain('oops\n');
    expect(existsSync(marker)).toBe(false);
    // Its nonce is on disk: a new agent process would refuse it as well.
    expect(readFileSync(join(a.stateDir, 'remote-nonces.json'), 'utf8')).toContain(env.nonce);
  });

  it('ends the whole process group at the timeout, children included', async () => {
    const a = await agent();
    const pidFile = join(a.stateDir, 'child.pid');
    const text = `sleep 300 & echo $! > ${pidFile}\nwait\n`;
    const env = provider.envelope<EnvelopeOf<'script'>>({
      ...base('cmd_timeout'),
      action: 'script',
      scriptSha256: sha256Hex(text),
      args: { language: 'sh', scriptName: 'hang', scriptVersion: 1, params: {}, timeoutSec: 1 },
    });
    await a.remote.handle(provider.sign(env, { script: text }));
    const result = await a.next('command-result', 'cmd_timeout');
    expect(result).toMatchObject({ ok: false, timedOut: true });
    const child = Number(readFileSync(pidFile, 'utf8'));
    const alive = () => {
      try {
        process.kill(child, 0);
        return true;
      } catch {
        return false;
      }
    };
    await expect.poll(alive, { timeout: 10_000 }).toBe(false);
  });

  it('caps what it sends at 256 KiB and says the rest was cut', async () => {
    const a = await agent();
    const text = 'head -c 600000 /dev/zero | tr "\\0" x\n';
    await a.remote.handle(provider.sign(script('cmd_big_output', text), { script: text }));
    const result = await a.next('command-result', 'cmd_big_output');
    expect(result).toMatchObject({ ok: true, truncated: true, outputBytes: 600000 });
    expect(outputOf(a, 'cmd_big_output').length).toBe(256 * 1024);
  });
});

describe('what the agent refuses, each with its reason sent back', () => {
  const refusal = async (a: Agent, id: string) => {
    const ack = await a.next('command-ack', id);
    expect(ack.state).toBe('refused');
    expect(a.sent.some((s) => s.type === 'command-result' && s.body.commandId === id)).toBe(false);
    return ack.code as string;
  };
  let a: Agent;
  beforeEach(async () => {
    a = await agent();
  });

  it('the same script with one byte changed', async () => {
    const text = 'echo approved\n';
    await a.remote.handle(provider.sign(script('cmd_byte', text), { script: 'echo approvee\n' }));
    expect(await refusal(a, 'cmd_byte')).toBe('VIGIE_E_REMOTE_SCRIPT_HASH_MISMATCH');
  });

  it('an envelope for another device, or another agent', async () => {
    await a.remote.handle(provider.sign(script('cmd_other1', 'true', {}, { deviceId: 8 }), { script: 'true' }));
    expect(await refusal(a, 'cmd_other1')).toBe('VIGIE_E_REMOTE_WRONG_DEVICE');
    await a.remote.handle(provider.sign(script('cmd_other2', 'true', {}, { agentId: 'agent0002' }), { script: 'true' }));
    expect(await refusal(a, 'cmd_other2')).toBe('VIGIE_E_REMOTE_WRONG_DEVICE');
  });

  it('an expired one, one not valid yet, one valid for longer than a week', async () => {
    await a.remote.handle(provider.sign(script('cmd_expired', 'true', {}, { expiresAt: Date.now() - 1 }), { script: 'true' }));
    expect(await refusal(a, 'cmd_expired')).toBe('VIGIE_E_REMOTE_EXPIRED');
    await a.remote.handle(provider.sign(script('cmd_later', 'true', {}, { notBefore: Date.now() + 3600_000 }), { script: 'true' }));
    expect(await refusal(a, 'cmd_later')).toBe('VIGIE_E_REMOTE_NOT_YET_VALID');
    await a.remote.handle(provider.sign(script('cmd_long', 'true', {}, { expiresAt: Date.now() + 8 * 86_400_000 }), { script: 'true' }));
    expect(await refusal(a, 'cmd_long')).toBe('VIGIE_E_REMOTE_LIFETIME_TOO_LONG');
  });

  it('a replayed one (same nonce under another command id), while the same command delivered again is not run twice', async () => {
    const env = script('cmd_once', 'echo ran\n');
    const signed = provider.sign(env, { script: 'echo ran\n' });
    await a.remote.handle(signed);
    await a.next('command-result', 'cmd_once');
    await a.remote.handle(signed);
    expect(a.sent.filter((s) => s.type === 'command-ack' && s.body.commandId === 'cmd_once').map((s) => s.body.state)).toEqual(['accepted', 'duplicate']);
    await a.remote.handle({ ...signed, commandId: 'cmd_replay' });
    expect(await refusal(a, 'cmd_replay')).toBe('VIGIE_E_REMOTE_REPLAYED');
    expect(a.sent.filter((s) => s.type === 'command-result').length).toBe(1);
    // And after a restart of the agent (nonces read back from disk).
    const again = new RemoteCommands({
      stateDir: a.stateDir,
      me,
      log: createLog('error'),
      ceilingFile: a.ceilingFile,
      emit: async (type, body) => void a.sent.push({ type, body }),
    });
    await again.open();
    await again.handle({ ...signed, commandId: 'cmd_replay2' });
    expect(a.sent.find((s) => s.body.commandId === 'cmd_replay2')?.body.code).toBe('VIGIE_E_REMOTE_REPLAYED');
  });

  it('one signed by a wrong key, and one whose bytes were changed after signing', async () => {
    const attacker = new TestSigner();
    const env = attacker.envelope<EnvelopeOf<'script'>>({ ...script('cmd_wrongkey', 'id'), keyId: provider.keyId });
    await a.remote.handle({ ...attacker.sign(env, { script: 'id' }), keyId: provider.keyId });
    expect(await refusal(a, 'cmd_wrongkey')).toBe('VIGIE_E_REMOTE_BAD_SIGNATURE');
    await a.remote.handle(attacker.sign({ ...script('cmd_otherkey', 'id'), keyId: attacker.keyId }, { script: 'id' }));
    expect(await refusal(a, 'cmd_otherkey')).toBe('VIGIE_E_REMOTE_UNKNOWN_KEY');
    const good = provider.sign(script('cmd_tampered', 'true'), { script: 'true' });
    const json = Buffer.from(good.envelope, 'base64url').toString().replace('"deviceId":7', '"deviceId":7 ');
    await a.remote.handle({ ...good, envelope: Buffer.from(json).toString('base64url') });
    expect(await refusal(a, 'cmd_tampered')).toBe('VIGIE_E_REMOTE_BAD_SIGNATURE');
  });

  it('a command id that is not the signed one', async () => {
    await a.remote.handle(provider.sign(script('cmd_signed', 'true'), { script: 'true', commandId: 'cmd_delivered' }));
    expect(await refusal(a, 'cmd_delivered')).toBe('VIGIE_E_REMOTE_ID_MISMATCH');
  });
});

describe('the local ceiling', () => {
  it('refuses a script on a machine that allows actions only (the default, with no file)', async () => {
    const a = await agent({ ceiling: null });
    await a.remote.handle(provider.sign(script('cmd_ceiling', 'true'), { script: 'true' }));
    expect(await a.next('command-ack', 'cmd_ceiling')).toMatchObject({ state: 'refused', code: 'VIGIE_E_REMOTE_CEILING', ceiling: 'actions' });
  });

  it('allows nothing but key rotation when set to off', async () => {
    const a = await agent({ ceiling: 'off' });
    const env = provider.envelope<EnvelopeOf<'process-kill'>>({ ...base('cmd_off_ceiling'), action: 'process-kill', args: { pid: 999_999, force: false } });
    await a.remote.handle(provider.sign(env));
    expect((await a.next('command-ack', 'cmd_off_ceiling')).code).toBe('VIGIE_E_REMOTE_CEILING');
  });

  it('honours no ceiling file that others could have written: writable by others, or owned by another user', async () => {
    const a = await agent({ ceiling: 'scripts' });
    chmodSync(a.ceilingFile, 0o666);
    await a.remote.handle(provider.sign(script('cmd_unsafe1', 'true'), { script: 'true' }));
    const ack = await a.next('command-ack', 'cmd_unsafe1');
    expect(ack).toMatchObject({ state: 'refused', code: 'VIGIE_E_REMOTE_CEILING_FILE_UNSAFE', ceiling: 'off' });
    expect(ack.message).toContain('writable by group or others');
    chmodSync(a.ceilingFile, 0o644);
    chownSync(a.ceilingFile, 65534, 65534);
    await a.remote.handle(provider.sign(script('cmd_unsafe2', 'true'), { script: 'true' }));
    expect((await a.next('command-ack', 'cmd_unsafe2')).message).toContain('not root');
    // Proof that the same file, root's and 0644, is honoured.
    chownSync(a.ceilingFile, 0, 0);
    await a.remote.handle(provider.sign(script('cmd_safe', 'true'), { script: 'true' }));
    expect((await a.next('command-ack', 'cmd_safe')).state).toBe('accepted');
  });
});

describe('built-in actions', () => {
  it('fetches the end of a log file, and refuses a symbolic link on the way, a path outside the log folders, or with ..', async () => {
    const logs = join(root, 'logs');
    mkdirSync(join(logs, 'app'), { recursive: true });
    writeFileSync(join(logs, 'app', 'app.log'), `${'old line\n'.repeat(100)}last line\n`);
    symlinkSync('/etc', join(logs, 'etc-link'));
    symlinkSync('/etc/passwd', join(logs, 'passwd.log'));
    const a = await agent({ logRoot: logs });
    const fetch = (id: string, path: string) =>
      a.remote.handle(provider.sign(provider.envelope<EnvelopeOf<'log-fetch'>>({ ...base(id), action: 'log-fetch', args: { path, maxBytes: 19 } })));
    await fetch('cmd_log_ok', join(logs, 'app', 'app.log'));
    expect(await a.next('command-result', 'cmd_log_ok')).toMatchObject({ ok: true, exitCode: 0 });
    expect(outputOf(a, 'cmd_log_ok')).toBe('old line\nlast line\n');
    for (const [id, path] of [
      ['cmd_log_link', join(logs, 'etc-link', 'passwd')],
      ['cmd_log_file_link', join(logs, 'passwd.log')],
      ['cmd_log_outside', '/etc/passwd'],
      ['cmd_log_dots', `${logs}/app/../../../etc/passwd`],
    ] as const) {
      await fetch(id, path);
      expect((await a.next('command-result', id)).error.code, id).toBe('VIGIE_E_REMOTE_PATH_REFUSED');
      expect(outputOf(a, id)).toBe('');
    }
  });

  it('kills a process by pid, and refuses when the pid now names another program', async () => {
    const a = await agent();
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', (_c, sig) => r(sig)));
    const kill = (id: string, name: string) =>
      a.remote.handle(
        provider.sign(provider.envelope<EnvelopeOf<'process-kill'>>({ ...base(id), action: 'process-kill', args: { pid: child.pid!, name, force: false } })),
      );
    await kill('cmd_kill_wrong', 'postgres');
    expect((await a.next('command-result', 'cmd_kill_wrong')).error.message).toContain('is now sleep, not postgres');
    await kill('cmd_kill', 'sleep');
    expect(await a.next('command-result', 'cmd_kill')).toMatchObject({ ok: true });
    expect(await exited).toBe('SIGTERM');
  });

  it('asks the OS to reboot with a delay and a message to logged-in users (shutdown -r +N on Linux and macOS, shutdown /r /t on Windows)', async () => {
    // Recorded argument lists: the machine running the tests is not rebooted.
    expect(linuxRemote.reboot(5, 'Redémarrage pour mises à jour')).toEqual({ cmd: 'shutdown', args: ['-r', '+5', 'Redémarrage pour mises à jour'] });
    const { windowsRemote } = await import('./platform-windows.js');
    expect(windowsRemote.reboot(2, 'Maintenance')).toEqual({ cmd: 'shutdown.exe', args: ['/r', '/t', '120', '/c', 'Maintenance'] });
    expect(linuxRemote.serviceRestart('nginx.service')).toEqual({ cmd: 'systemctl', args: ['restart', '--', 'nginx.service'] });
  });
});

describe('key rotation', () => {
  it('accepts a new key signed by the current one, then obeys only the new key', async () => {
    const a = await agent();
    const next = new TestSigner();
    const env = provider.envelope<EnvelopeOf<'key-rotate'>>({
      ...base('cmd_rotate'),
      action: 'key-rotate',
      args: { newKeyId: next.keyId, newPublicKey: next.publicKey },
    });
    await a.remote.handle(provider.sign(env));
    expect(await a.next('command-result', 'cmd_rotate')).toMatchObject({ ok: true });
    expect(JSON.parse(readFileSync(join(a.stateDir, 'remote-trust.json'), 'utf8')).current.keyId).toBe(next.keyId);
    await a.remote.handle(provider.sign(script('cmd_oldkey', 'true'), { script: 'true' }));
    expect((await a.next('command-ack', 'cmd_oldkey')).code).toBe('VIGIE_E_REMOTE_UNKNOWN_KEY');
    await a.remote.handle(next.sign({ ...script('cmd_newkey', 'true'), keyId: next.keyId }, { script: 'true' }));
    expect((await a.next('command-ack', 'cmd_newkey')).state).toBe('accepted');
  });
});

describe('the installers’ `vigie-agent remote-ceiling`', () => {
  it('writes a level the agent reads back, keeps an existing choice when none is given, and refuses an unknown level', async () => {
    const { writeCeilingFile, readCeiling } = await import('./ceiling.js');
    const file = join(root, 'ceiling-cli', 'remote.conf');
    mkdirSync(join(root, 'ceiling-cli'), { mode: 0o755 });
    expect(await writeCeilingFile(file, undefined)).toEqual({ written: true, ceiling: 'actions' });
    expect(await writeCeilingFile(file, 'scripts')).toEqual({ written: true, ceiling: 'scripts' });
    expect(await writeCeilingFile(file, '')).toEqual({ written: false });
    expect(await readCeiling(file, linuxRemote)).toEqual({ ceiling: 'scripts', source: 'file' });
    await expect(writeCeilingFile(file, 'everything')).rejects.toThrow(/off, actions or scripts/);
    expect((await readCeiling(file, linuxRemote)).ceiling).toBe('scripts');
  });
});
