import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_EXEC_ARGV } from './agent-exec-argv.js';
import { AGENT_BUNDLE, bundleAgent } from './bundle-agent.js';
import { fetchBlobBuilder, fetchRuntime } from './node-runtime.js';
import { hostTarget, isTarget, NODE_RUNTIME_VERSION, TARGET_INFO, TARGETS, type Target } from './targets.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(root, 'dist');
/** The fuse Node checks at start-up to know a SEA blob was injected (Node's own constant). */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const SEA_RESOURCE = 'NODE_SEA_BLOB';
const POSTJECT_CLI = createRequire(import.meta.url).resolve('postject/dist/cli.js');

export interface SeaBuild {
  target: Target;
  path: string;
  bytes: number;
  ms: number;
}

export const executableName = (target: Target) => `vigie-agent-${target}${TARGET_INFO[target].exeSuffix}`;

/**
 * The blob's configuration. The agent's Node options travel in the blob (`execArgv`, Node ≥ 22.20),
 * so whatever starts the executable — a service manager, a user — runs it with them; NODE_OPTIONS
 * may still add more.
 */
export function seaConfig(bundle: string, blob: string, native: boolean) {
  return {
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: native,
    useSnapshot: false,
    execArgv: [...AGENT_EXEC_ARGV],
  };
}

/**
 * Builds the agent as a single executable for one target: the bundle becomes a SEA blob written
 * by the host's twin of the target runtime, then the blob is injected into a copy of the runtime.
 */
export function buildSea(target: Target, options: { bundle?: string; outDir?: string; version?: string } = {}): SeaBuild {
  const started = Date.now();
  const bundle = options.bundle ?? AGENT_BUNDLE;
  const outDir = options.outDir ?? DIST;
  const version = options.version ?? NODE_RUNTIME_VERSION;
  const runtime = fetchRuntime(target, version);
  const builder = fetchBlobBuilder(version);
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(outDir, `.sea-${target}-`));
  try {
    const blob = join(work, 'sea.blob');
    // V8's code cache and startup snapshot are only valid on the very runtime that wrote them.
    const native = target === hostTarget();
    writeFileSync(join(work, 'sea-config.json'), JSON.stringify(seaConfig(bundle, blob, native)));
    // Under the flags the executable runs with: V8 rejects a code cache written under other flags (at every start, with a warning).
    execFileSync(builder, [...AGENT_EXEC_ARGV, '--experimental-sea-config', join(work, 'sea-config.json')], {
      cwd: work,
      stdio: 'pipe',
      env: { PATH: process.env.PATH ?? '' },
    });

    const exe = join(work, executableName(target));
    if (TARGET_INFO[target].format === 'pe') {
      // The injected resource would void Node's Authenticode signature: remove it first.
      execFileSync('osslsigncode', ['remove-signature', '-in', runtime, '-out', exe], { stdio: 'pipe' });
    } else {
      copyFileSync(runtime, exe);
    }
    const macho = TARGET_INFO[target].format === 'macho' ? ['--macho-segment-name', 'NODE_SEA'] : [];
    // postject runs in its own process: its WebAssembly copy of LIEF holds ~1 GB while injecting.
    execFileSync(process.execPath, [POSTJECT_CLI, exe, SEA_RESOURCE, blob, '--sentinel-fuse', SEA_FUSE, ...macho], { stdio: 'pipe' });
    chmodSync(exe, 0o755);
    const out = join(outDir, executableName(target));
    rmSync(out, { force: true });
    copyFileSync(exe, out);
    chmodSync(out, 0o755);
    return { target, path: out, bytes: statSync(out).size, ms: Date.now() - started };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `node --import tsx src/sea.ts [target…]`: bundles the agent, then builds the given targets (all by default). */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const wanted = process.argv.slice(2);
  const bad = wanted.filter((t) => !isTarget(t));
  if (bad.length > 0) throw new Error(`unknown target ${bad.join(', ')}; known: ${TARGETS.join(', ')}`);
  await bundleAgent();
  for (const target of wanted.length > 0 ? (wanted as Target[]) : TARGETS) {
    const b = buildSea(target);
    console.log(`${b.path}  ${(b.bytes / 2 ** 20).toFixed(1)} MiB  ${(b.ms / 1000).toFixed(1)} s`);
  }
}
