import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const MACOS = join(root, 'packaging', 'macos');
/** What the archive holds, in its `vigie-agent/` folder, with each file's mode. */
export const MACOS_ARCHIVE_FILES: Record<string, number> = {
  'vigie-agent': 0o755,
  'com.vigie.agent.plist': 0o644,
  'install.sh': 0o755,
  'uninstall.sh': 0o755,
};

export interface ArchiveBuild {
  path: string;
  bytes: number;
  ms: number;
}

/**
 * Builds `vigie-agent-darwin-x64.tar.gz`: the executable, the launchd daemon's plist and the
 * install/uninstall scripts. (A signed, notarized .pkg needs Apple's tools and a Developer ID.)
 */
export function buildMacArchive(darwinExe: string, outDir: string): ArchiveBuild {
  const started = Date.now();
  mkdirSync(outDir, { recursive: true });
  const stage = mkdtempSync(join(outDir, '.macos-'));
  try {
    const folder = join(stage, 'vigie-agent');
    mkdirSync(folder, { mode: 0o755 });
    chmodSync(folder, 0o755);
    for (const [name, mode] of Object.entries(MACOS_ARCHIVE_FILES)) {
      copyFileSync(name === 'vigie-agent' ? darwinExe : join(MACOS, name), join(folder, name));
      chmodSync(join(folder, name), mode);
    }
    const out = join(outDir, 'vigie-agent-darwin-x64.tar.gz');
    execFileSync('tar', ['--owner=0', '--group=0', '--numeric-owner', '-czf', out, '-C', stage, 'vigie-agent'], { stdio: 'pipe' });
    return { path: out, bytes: statSync(out).size, ms: Date.now() - started };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
