import { readFile, stat, statfs } from 'node:fs/promises';
import { type FilesystemUsage, isCountedFilesystem, type NetCounters } from './counters.js';

/** Linux: counters straight from /proc and statfs(2), no child process. */

/** Parses /proc/net/dev (two header lines, then `iface: 8 receive columns 8 transmit columns`). */
export function parseProcNetDev(text: string): NetCounters[] {
  const out: NetCounters[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.lastIndexOf(':');
    if (colon < 0) continue;
    const iface = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (iface === '' || f.length < 16 || f.some((n) => !Number.isFinite(n))) continue;
    out.push({ iface, rxBytes: f[0]!, rxErrors: f[2]!, rxDropped: f[3]!, txBytes: f[8]!, txErrors: f[10]!, txDropped: f[11]! });
  }
  return out;
}

export interface MountEntry {
  device: string;
  mount: string;
  type: string;
}

// /proc/mounts writes space, tab, newline and backslash in paths as \040, \011, \012, \134.
const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

/** Parses /proc/self/mounts; a mount point mounted twice keeps its last (visible) entry. */
export function parseProcMounts(text: string): MountEntry[] {
  const byMount = new Map<string, MountEntry>();
  for (const line of text.split('\n')) {
    const [device, mount, type] = line.split(' ');
    if (device === undefined || mount === undefined || type === undefined) continue;
    const entry = { device: unescapeMount(device), mount: unescapeMount(mount), type };
    byMount.delete(entry.mount);
    byMount.set(entry.mount, entry);
  }
  return [...byMount.values()];
}

export async function readProcNetDev(): Promise<NetCounters[]> {
  return parseProcNetDev(await readFile('/proc/net/dev', 'utf8'));
}

const STATFS_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function usageOf(mount: string): Promise<FilesystemUsage | undefined> {
  // Containers bind-mount single files (/etc/hosts…): they would repeat the root filesystem.
  if (!(await stat(mount)).isDirectory()) return undefined;
  const s = await statfs(mount);
  const sizeBytes = s.blocks * s.bsize;
  if (!(sizeBytes > 0)) return undefined;
  return { mount, sizeBytes, usedBytes: (s.blocks - s.bfree) * s.bsize, availableBytes: s.bavail * s.bsize };
}

export async function readLinuxFilesystems(): Promise<FilesystemUsage[]> {
  const mounts = parseProcMounts(await readFile('/proc/self/mounts', 'utf8')).filter((m) => isCountedFilesystem(m.type));
  const usages = await Promise.all(mounts.map((m) => withTimeout(usageOf(m.mount), STATFS_TIMEOUT_MS).catch(() => undefined)));
  return usages.filter((u): u is FilesystemUsage => u !== undefined);
}
