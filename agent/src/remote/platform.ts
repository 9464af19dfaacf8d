import type { ScriptLanguage } from '@vigie/shared';
import { darwinRemote } from './platform-darwin.js';
import { linuxRemote } from './platform-linux.js';
import { windowsRemote } from './platform-windows.js';

/** A program and its argument list (never a shell line), with extra environment when a value must not be an argument. */
export interface ProgramCall {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
}

/** What differs between operating systems for remote intervention; one implementation per platform file. */
export interface RemotePlatform {
  defaultCeilingFile(): string;
  /** Why this ceiling file may not be trusted (writable by others than the administrator), or undefined. */
  ceilingFileProblem(path: string): Promise<string | undefined>;
  scriptExtension(language: ScriptLanguage): string;
  interpreter(language: ScriptLanguage, scriptPath: string): ProgramCall;
  /** Reboot after `delayMin` minutes, telling logged-in users `message` where the OS can. */
  reboot(delayMin: number, message: string): ProgramCall;
  serviceRestart(service: string): ProgramCall;
  /** The program name of a process, to refuse killing a pid that now names something else. */
  processName(pid: number): Promise<string | undefined>;
  /** Ends a script's whole process tree (its process group on POSIX). */
  killTree(pid: number, force: boolean): Promise<void>;
  /** Scripts start in their own process group (POSIX) so a timeout ends their children too. */
  detached: boolean;
  /** Folders a log may be fetched from. */
  logRoots(): string[];
  /** The environment a script starts with: enough to find programs, none of the agent's own. */
  baseEnv(): Record<string, string>;
}

const PLATFORMS: Partial<Record<NodeJS.Platform, RemotePlatform>> = { linux: linuxRemote, darwin: darwinRemote, win32: windowsRemote };

export function remotePlatform(platform: NodeJS.Platform = process.platform): RemotePlatform {
  return PLATFORMS[platform] ?? linuxRemote;
}
