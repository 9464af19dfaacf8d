import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_RUNTIME_VERSION, TARGET_INFO, type Target } from './targets.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RUNTIME_CACHE = join(root, '.cache', 'runtimes');

/**
 * Returns the path of the Node runtime binary for a target, fetched once with `npm pack` from the
 * npm registry (the only download source allowed for builds) and kept in the cache folder.
 */
export function fetchRuntime(target: Target, version = NODE_RUNTIME_VERSION, cacheDir = RUNTIME_CACHE): string {
  const info = TARGET_INFO[target];
  const cached = join(cacheDir, `node-${target}-${version}${info.exeSuffix}`);
  if (existsSync(cached)) return cached;
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, `.fetch-${target}-`));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', `${info.npmPackage}@${version}`, '--json', '--pack-destination', work], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as { filename: string }[];
    const tarball = join(work, packed[0]!.filename);
    execFileSync('tar', ['-xzf', tarball, '-C', work, info.binaryInTarball]);
    const binary = join(work, info.binaryInTarball);
    chmodSync(binary, 0o755);
    // Rename last so that a concurrent build never sees a half-written runtime.
    renameSync(binary, cached);
    return cached;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The runtime that writes the SEA blob: a blob must be produced by the same Node version as the
 * runtime it is injected into, so the build uses this host's twin of the target runtime.
 */
export function fetchBlobBuilder(version = NODE_RUNTIME_VERSION, cacheDir = RUNTIME_CACHE): string {
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
    throw new Error(`single executables are built on Linux x64 or arm64, not on ${process.platform}-${process.arch}`);
  }
  return fetchRuntime(`linux-${process.arch}`, version, cacheDir);
}
