import os from 'node:os';
import type { CpuTimes, FilesystemUsage, MemoryUsage, NetCounters, RawCounters, ReadCounters } from './counters.js';
import { readLinuxFilesystems, readProcNetDev } from './counters-linux.js';
import { readCpuTimes, readLoad, readMemory, readSiFilesystems, readSiNetCounters } from './counters-portable.js';

interface Sources {
  cpu: () => CpuTimes | undefined;
  load: (() => readonly [number, number, number]) | undefined;
  memory: () => Promise<MemoryUsage>;
  filesystems: () => Promise<FilesystemUsage[]>;
  net: () => Promise<NetCounters[]>;
}

const PORTABLE: Sources = { cpu: readCpuTimes, load: readLoad, memory: readMemory, filesystems: readSiFilesystems, net: readSiNetCounters };

const BY_PLATFORM: Partial<Record<NodeJS.Platform, Partial<Sources>>> = {
  linux: { filesystems: readLinuxFilesystems, net: readProcNetDev },
  // Windows has no load average: os.loadavg() returns zeros, which would read as an idle machine.
  win32: { load: undefined },
};

export function sourcesFor(platform: NodeJS.Platform): Sources {
  return { ...PORTABLE, ...BY_PLATFORM[platform] };
}

/** The default ReadCounters: every part is read in parallel and may fail alone. */
export function createReadCounters(sources: Sources = sourcesFor(process.platform)): ReadCounters {
  return async () => {
    const warnings: string[] = [];
    const attempt = async <T>(name: string, read: () => T | Promise<T>): Promise<T | undefined> => {
      try {
        return await read();
      } catch (error) {
        warnings.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    };
    const [memory, filesystems, net] = await Promise.all([
      attempt('memory', sources.memory),
      attempt('filesystems', sources.filesystems),
      attempt('net', sources.net),
    ]);
    const counters: RawCounters = {
      atMs: performance.now(),
      cpu: await attempt('cpu', sources.cpu),
      load: sources.load ? await attempt('load', sources.load) : undefined,
      memory,
      filesystems: filesystems ?? [],
      net: net ?? [],
      uptimeS: os.uptime(),
      warnings,
    };
    return counters;
  };
}
