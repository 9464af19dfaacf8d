import type { EnvelopeOf } from '@vigie/shared';
import type { OutputStream } from '../remote/output-stream.js';
import type { ProgramCall, RemotePlatform } from '../remote/platform.js';
import { runProgram } from '../remote/script-runner.js';
import { INSTALLERS, type PackageRequest } from './installers.js';

/** One package's install may take this long (a kernel, a Windows cumulative update). */
const INSTALL_TIMEOUT_MS = 30 * 60_000;
const QUERY_TIMEOUT_MS = 60_000;

export interface PackageOutcome {
  name: string;
  arch?: string;
  version: string;
  state: 'installed' | 'failed';
  attempts: 1 | 2;
  error?: string;
}

export interface PatchContext {
  platform: RemotePlatform;
  workDir: string;
  out: OutputStream;
  onError: (err: Error) => void;
}

/** Runs a program to its end, its output both streamed to the collector and kept for reading. */
async function run(call: ProgramCall, c: PatchContext, timeoutMs: number): Promise<{ ok: boolean; stdout: string; detail: string }> {
  let stdout = '';
  const tee: Pick<OutputStream, 'write'> = {
    write: (stream, data) => {
      if (stream === 'stdout') stdout += String(data);
      c.out.write(stream, data);
    },
  };
  const o = await runProgram(call, { platform: c.platform, cwd: c.workDir, env: {}, timeoutMs, out: tee, onError: c.onError });
  if (o.spawnError) return { ok: false, stdout, detail: `${call.cmd}: ${o.spawnError.message}` };
  if (o.timedOut) return { ok: false, stdout, detail: `${call.cmd} timed out` };
  return { ok: o.exitCode === 0, stdout, detail: `${call.cmd} exited with ${o.exitCode ?? o.signal}` };
}

/** One attempt: the installer, then the installed version read back (an exit code 0 alone proves nothing). */
async function attempt(p: PackageRequest, source: EnvelopeOf<'patch-install'>['args']['source'], c: PatchContext): Promise<string | undefined> {
  const installer = INSTALLERS[source];
  const r = await run(installer.install(p), c, INSTALL_TIMEOUT_MS);
  if (installer.confirm) {
    const v = installer.confirm(r.stdout);
    return v.ok ? undefined : v.detail;
  }
  if (!r.ok) return r.detail;
  if (!installer.installedVersion) return undefined;
  const q = installer.installedVersion(p);
  const answer = await run(q.call, c, QUERY_TIMEOUT_MS);
  const now = q.read(answer.stdout);
  if (now === null) return `${p.name} is not installed after the install`;
  if (!now.split(' ').includes(p.version)) return `${p.name} is at ${now}, not ${p.version}`;
  return undefined;
}

/**
 * Installs each package the envelope names, at its version, one after the other; a package that
 * fails is tried once more (a mirror hiccup, a lock held by the system's own timer). What each
 * became is the result, package by package.
 */
export async function installPatches(env: EnvelopeOf<'patch-install'>, c: PatchContext): Promise<PackageOutcome[]> {
  const out: PackageOutcome[] = [];
  for (const p of env.args.packages) {
    const label = `${p.name}${p.arch && p.arch !== 'all' ? `:${p.arch}` : ''}=${p.version}`;
    c.out.write('stdout', `--- ${label}\n`);
    let error = await attempt(p, env.args.source, c);
    let attempts: 1 | 2 = 1;
    if (error !== undefined) {
      c.out.write('stderr', `--- ${label}: ${error}; trying once more\n`);
      attempts = 2;
      error = await attempt(p, env.args.source, c);
    }
    out.push({
      name: p.name,
      ...(p.arch ? { arch: p.arch } : {}),
      version: p.version,
      state: error === undefined ? 'installed' : 'failed',
      attempts,
      ...(error !== undefined ? { error: error.slice(0, 2000) } : {}),
    });
  }
  return out;
}
