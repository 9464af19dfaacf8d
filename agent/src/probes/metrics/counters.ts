import { PSEUDO_FILESYSTEMS } from '../pseudo-filesystems.js';
/** One reading of the machine's raw counters and gauges; the sampler turns two readings into rates. */

export interface CpuTimes {
  /** Milliseconds spent idle, summed over all cores since boot. */
  idleMs: number;
  /** Milliseconds in any state, summed over all cores since boot. */
  totalMs: number;
}

export interface MemoryUsage {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapUsedBytes: number;
}

export interface FilesystemUsage {
  mount: string;
  sizeBytes: number;
  usedBytes: number;
  /** Space an unprivileged user can still write (excludes root-reserved blocks, like df). */
  availableBytes: number;
}

/** Monotonic counters since the interface came up (they restart at 0 when it is re-created). */
export interface NetCounters {
  iface: string;
  rxBytes: number;
  txBytes: number;
  rxErrors: number;
  txErrors: number;
  rxDropped: number;
  txDropped: number;
}

export interface RawCounters {
  /** Monotonic clock in milliseconds (performance.now()): immune to wall-clock jumps. */
  atMs: number;
  cpu?: CpuTimes;
  load?: readonly [number, number, number];
  memory?: MemoryUsage;
  filesystems: FilesystemUsage[];
  net: NetCounters[];
  uptimeS?: number;
  /** Parts that could not be read this time, with the reason. */
  warnings: string[];
}

export type ReadCounters = () => Promise<RawCounters>;

// Network filesystems: a hung server would hang the sample; their capacity belongs to the server.
const REMOTE_FILESYSTEMS = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'sshfs',
  'fuse.sshfs',
  'afs',
  'ceph',
  'glusterfs',
  'fuse.glusterfs',
  '9p',
  'davfs',
]);

export function isCountedFilesystem(type: string | undefined): boolean {
  const t = (type ?? '').toLowerCase();
  return !PSEUDO_FILESYSTEMS.has(t) && !REMOTE_FILESYSTEMS.has(t);
}

export function isLoopback(iface: string): boolean {
  return /^lo\d*$/.test(iface) || /loopback/i.test(iface);
}
