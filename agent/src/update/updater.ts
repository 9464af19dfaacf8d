import { constants } from 'node:fs';
import { access, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type AgentBody, type EnvelopeOf, ErrorCodes, type ErrorKey } from '@vigie/shared';
import type { Log } from '../log.js';
import { AGENT_VERSION } from '../version.js';
import { downloadExecutable } from './download.js';
import { readMarker, removeMarker, type UpdateMarker, writeMarker } from './marker.js';
import { compareVersions } from './semver.js';
import { type UpdatePlatform, updatePlatform } from './update-platform.js';

type Emit = <T extends 'command-output' | 'command-result' | 'event'>(type: T, body: AgentBody<T>) => Promise<void>;

export interface UpdaterOptions {
  stateDir: string;
  log: Log;
  emit: Emit;
  credential: { url: string; agentId: string; secret: string };
  /** The collector the agent is connected to now (the release is signed: any collector of the list may serve it). */
  collectorUrl?: () => string;
  /** Asks the agent to stop cleanly and exit: its service manager then starts the new executable. */
  restart: () => void;
  /** Default: this process's executable when it is a single executable, none otherwise. */
  executable?: string | null;
  platform?: UpdatePlatform;
  version?: string;
}

/** Whether this process is the agent's single executable (only that can replace itself). */
async function seaExecutable(): Promise<string | null> {
  try {
    const sea = (await import('node:sea')) as { isSea?: () => boolean };
    return sea.isSea?.() ? process.execPath : null;
  } catch {
    return null;
  }
}

export const thisPlatform = () => `${process.platform}-${process.arch}`;

/**
 * Signed self-update. The old version checks the manifest (newer, this platform), downloads the
 * executable over its authenticated channel, refuses it unless its SHA-256 and size are the signed
 * ones, swaps it in atomically keeping the previous one, leaves a marker, starts a watchdog (the
 * previous executable, outside its own process tree) and exits for its service manager to start
 * the new one. The new version reports healthy once the collector accepted it; otherwise, after the
 * grace period, the watchdog puts the previous executable back, and that version tells the
 * collector why.
 */
export class AgentUpdater {
  private readonly platform: UpdatePlatform;
  private readonly version: string;
  private marker: UpdateMarker | undefined;
  private busy = false;

  constructor(private readonly o: UpdaterOptions) {
    this.platform = o.platform ?? updatePlatform();
    this.version = o.version ?? AGENT_VERSION;
  }

  /** Checks on the signed manifest alone, before the agent accepts it (a refusal keeps its nonce unused). */
  precheck(env: EnvelopeOf<'agent-update'>): { reason: ErrorKey; detail: string } | undefined {
    const a = env.args;
    if (a.platform !== thisPlatform()) return { reason: 'UPDATE_WRONG_PLATFORM', detail: `${a.platform} offered, this is ${thisPlatform()}` };
    if (compareVersions(a.version, this.version) <= 0) return { reason: 'UPDATE_DOWNGRADE', detail: `${a.version} offered, ${this.version} runs` };
    if (this.busy || this.marker?.state === 'installed') return { reason: 'UPDATE_IN_PROGRESS', detail: `to ${this.marker?.to ?? '?'}` };
    return undefined;
  }

  /** Runs the accepted update; any failure ends as the command's result, the running version untouched. */
  async install(env: EnvelopeOf<'agent-update'>): Promise<void> {
    const commandId = env.commandId;
    const a = env.args;
    const started = Date.now();
    const fail = (reason: ErrorKey, message: string) =>
      this.o.emit('command-result', {
        commandId,
        ok: false,
        durationMs: Date.now() - started,
        agentVersion: this.version,
        error: { code: ErrorCodes[reason].code, message: message.slice(0, 2000) },
      });
    const say = (text: string) => this.o.emit('command-output', { commandId, stream: 'stdout', index: 0, data: `${text}\n`, at: Date.now() });
    this.busy = true;
    try {
      const executable = this.o.executable === undefined ? await seaExecutable() : this.o.executable;
      if (!executable) return await fail('UPDATE_NOT_PACKAGED', `running from ${process.execPath} ${process.argv[1] ?? ''}`);
      // The Debian package's sandboxed service account cannot write /usr/bin: there, the agent is
      // updated as a package (a signed patch-install of vigie-agent from the provider's repository).
      const writable = await access(dirname(executable), constants.W_OK).then(
        () => true,
        () => false,
      );
      if (!writable)
        return await fail(
          'UPDATE_NOT_PACKAGED',
          `${dirname(executable)} is not writable by this account (uid ${process.getuid?.() ?? '?'}): this installation is updated by its package manager`,
        );
      const fresh = join(dirname(executable), `.vigie-agent-${a.version}.download`);
      const url = `${(this.o.collectorUrl?.() ?? this.o.credential.url).replace(/\/+$/, '')}/api/v1/agent/releases/${encodeURIComponent(a.version)}/${encodeURIComponent(a.platform)}`;
      let got: { sha256: string; size: number };
      try {
        got = await downloadExecutable(url, `${this.o.credential.agentId}.${this.o.credential.secret}`, fresh, a.size);
      } catch (err) {
        const tooBig = /more than the signed/.test((err as Error).message);
        return await fail(tooBig ? 'UPDATE_HASH_MISMATCH' : 'UPDATE_DOWNLOAD_FAILED', (err as Error).message);
      }
      if (got.sha256 !== a.sha256 || got.size !== a.size) {
        await rm(fresh, { force: true });
        return await fail('UPDATE_HASH_MISMATCH', `received ${got.size} bytes with SHA-256 ${got.sha256}, signed ${a.size} bytes with ${a.sha256}`);
      }
      const previous = `${executable}.previous`;
      const marker: UpdateMarker = {
        commandId,
        from: this.version,
        to: a.version,
        executable,
        previous,
        installedAt: Date.now(),
        deadline: Date.now() + a.graceSec * 1000,
        graceSec: a.graceSec,
        state: 'installed',
      };
      await mkdir(join(this.o.stateDir, 'update'), { recursive: true, mode: 0o700 });
      // The marker first: a crash between swap and marker would leave a new version nobody watches.
      await writeMarker(this.o.stateDir, marker);
      try {
        await this.platform.swap(fresh, executable, previous);
      } catch (err) {
        await removeMarker(this.o.stateDir);
        await rm(fresh, { force: true });
        return await fail('UPDATE_DOWNLOAD_FAILED', `the executable could not be replaced: ${(err as Error).message}`);
      }
      this.marker = marker;
      this.platform.startWatchdog(previous, ['update-watch', '--state-dir', this.o.stateDir], (err) =>
        // Without its watchdog the new version is still judged: healthy, or the service manager's own fallback.
        this.o.log.error('the update watchdog could not start', { err: err.message, previous }),
      );
      await say(`vigie-agent ${a.version} verified (SHA-256 ${a.sha256}, ${a.size} bytes) and installed; ${this.version} kept as ${previous}; restarting`);
      this.o.log.info('agent update installed: restarting', { from: this.version, to: a.version });
      this.o.restart();
    } finally {
      this.busy = false;
    }
  }

  /**
   * At start, before connecting: the update this process is the end of. The new version notes its
   * pid (the watchdog ends it if it hangs) and waits to be healthy; the previous one, put back by
   * the watchdog, reports the rollback and its reason.
   */
  async onStart(): Promise<void> {
    const m = await readMarker(this.o.stateDir);
    if (!m) return;
    this.marker = m;
    if (m.state === 'installed' && m.to === this.version) {
      m.pid = process.pid;
      await writeMarker(this.o.stateDir, m);
      this.o.log.info('new version started: healthy once the collector accepts it', { from: m.from, to: m.to, deadline: new Date(m.deadline).toISOString() });
      return;
    }
    if (m.state === 'rolled-back' && m.from === this.version) {
      this.o.log.warn('agent update rolled back', { to: m.to, reason: m.reason });
      await this.o.emit('command-result', {
        commandId: m.commandId,
        ok: false,
        agentVersion: this.version,
        durationMs: Date.now() - m.installedAt,
        error: { code: ErrorCodes.UPDATE_ROLLED_BACK.code, message: `${m.to} rolled back to ${m.from}: ${m.reason ?? 'not healthy'}`.slice(0, 2000) },
      });
      await removeMarker(this.o.stateDir);
      this.marker = undefined;
      return;
    }
    // Installed but this is the old version (the swap never ran, or the service started an old copy).
    if (m.state === 'installed' && m.from === this.version) {
      this.o.log.warn('an update was installed but the previous version runs: reporting it failed', { to: m.to });
      await this.o.emit('command-result', {
        commandId: m.commandId,
        ok: false,
        agentVersion: this.version,
        error: { code: ErrorCodes.UPDATE_ROLLED_BACK.code, message: `${m.to} is not the version that started` },
      });
      await removeMarker(this.o.stateDir);
      this.marker = undefined;
    }
  }

  /** The collector accepted this version (its policy arrived after hello): the update, if any, is over. */
  async healthy(): Promise<void> {
    const m = this.marker;
    if (m?.state !== 'installed' || m.to !== this.version) return;
    m.state = 'healthy';
    await writeMarker(this.o.stateDir, m);
    await this.o.emit('command-result', {
      commandId: m.commandId,
      ok: true,
      exitCode: 0,
      agentVersion: this.version,
      durationMs: Date.now() - m.installedAt,
    });
    this.o.log.info('agent update healthy', { from: m.from, to: m.to });
    await removeMarker(this.o.stateDir);
    this.marker = undefined;
  }
}
