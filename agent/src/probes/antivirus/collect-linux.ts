import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AntivirusProbeConfig } from '@vigie/shared';
import type { ProbeContext } from '../probe.js';
import { CONTAINER_EXT, CVD_HEADER_BYTES, type CvdHeader, LOOSE_SIGNATURE_EXT, parseCvdHeader } from './parse-linux.js';
import type { AvProductState } from './product-state.js';

const CLAMAV_PROGRAMS = ['/usr/sbin/clamd', '/usr/bin/clamscan', '/usr/local/sbin/clamd', '/usr/local/bin/clamscan'];

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

async function readHead(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(CVD_HEADER_BYTES);
    const { bytesRead } = await fh.read(buf, 0, CVD_HEADER_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('latin1');
  } finally {
    await fh.close();
  }
}

export interface ClamavDatabase {
  containers: { file: string; header: CvdHeader }[];
  /** Signature files outside containers, with their modification time (UTC ms). */
  loose: { file: string; mtime: number }[];
  unreadable: string[];
}

/** What the database directory holds; a missing directory is an empty database. */
export async function readClamavDatabase(dir: string): Promise<ClamavDatabase> {
  const db: ClamavDatabase = { containers: [], loose: [], unreadable: [] };
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return db;
    throw new Error(`cannot read ClamAV database directory ${dir}: ${(err as Error).message}`);
  }
  for (const file of names) {
    const path = join(dir, file);
    if (CONTAINER_EXT.test(file)) {
      const header = parseCvdHeader(await readHead(path).catch(() => ''));
      if (header) db.containers.push({ file, header });
      else db.unreadable.push(file);
    } else if (LOOSE_SIGNATURE_EXT.test(file)) {
      const st = await stat(path);
      if (st.isFile() && st.size > 0) db.loose.push({ file, mtime: st.mtimeMs });
    }
  }
  return db;
}

/** Names of running processes, from /proc (no `ps`, no systemd needed: containers have neither). */
export async function runningProcesses(procRoot = '/proc'): Promise<Set<string>> {
  const names = new Set<string>();
  for (const pid of await readdir(procRoot)) {
    if (!/^\d+$/.test(pid)) continue;
    const comm = await readFile(join(procRoot, pid, 'comm'), 'utf8').catch(() => '');
    if (comm) names.add(comm.trim());
  }
  return names;
}

/** clamd started on demand by its systemd socket counts as running. */
async function socketActivated(ctx: ProbeContext, procRoot: string): Promise<boolean> {
  const init = await readFile(join(procRoot, '1', 'comm'), 'utf8').catch(() => '');
  if (init.trim() !== 'systemd') return false;
  const r = await ctx.run('systemctl', ['is-active', 'clamav-daemon.socket'], { timeoutMs: 10_000 }).catch(() => null);
  return r?.stdout.trim() === 'active';
}

export function clamavState(db: ClamavDatabase, daemon: 'running' | 'socket' | 'stopped', onAccess: boolean, requireDaemon: boolean): AvProductState {
  const hasContainers = db.containers.length > 0;
  const updatedAt = hasContainers
    ? Math.max(...db.containers.map((c) => c.header.buildTime))
    : db.loose.length > 0
      ? Math.max(...db.loose.map((l) => l.mtime))
      : null;
  const version = hasContainers ? db.containers.map((c) => `${c.file.replace(CONTAINER_EXT, '')} ${c.header.version}`).join(', ') : null;
  const parts = [`clamd ${daemon === 'socket' ? 'socket-activated' : daemon}`];
  if (!hasContainers && db.loose.length > 0) parts.push(`age from file dates of ${db.loose.map((l) => l.file).join(', ')}`);
  if (db.unreadable.length > 0) parts.push(`unreadable: ${db.unreadable.join(', ')}`);
  return {
    product: 'ClamAV',
    source: 'clamav',
    enabled: daemon !== 'stopped' ? true : requireDaemon ? false : null,
    realTime: onAccess,
    signaturesUpToDate: null,
    hasSignatures: hasContainers || db.loose.length > 0,
    signaturesUpdatedAt: updatedAt,
    signatureVersion: version,
    detail: parts.join('; '),
  };
}

/** ClamAV: daemon, on-access scanner and database age; no ClamAV at all is no product. */
export async function collectLinux(ctx: ProbeContext, cfg: AntivirusProbeConfig, procRoot = '/proc'): Promise<AvProductState[]> {
  const dir = cfg.clamavDatabaseDir;
  const installed = (await exists(dir)) || (await Promise.all(CLAMAV_PROGRAMS.map(exists))).some(Boolean);
  if (!installed) return [];
  const [db, procs] = await Promise.all([readClamavDatabase(dir), runningProcesses(procRoot)]);
  const daemon = procs.has('clamd') ? 'running' : (await socketActivated(ctx, procRoot)) ? 'socket' : 'stopped';
  return [clamavState(db, daemon, procs.has('clamonacc'), cfg.clamavRequireDaemon)];
}
